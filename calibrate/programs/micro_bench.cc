// micro_bench: what a calibration needs beside the attention kernels (issue 5). Writes one
// JSON file that `ringsim calibrate` turns into calibration YAML (with attention_bench's CSV):
//   context       device, driver, CUDA, clocks (the peak clock and one read under load), date
//   matmul        cuBLAS bf16 GEMMs at a transformer layer's projection and FFN shapes
//                 (y = x W^T as PyTorch's Linear runs it: cuBLAS "TN"), tokens m = 512..16384
//   copy          device-to-device cudaMemcpyAsync; to a peer GPU (cudaMemcpyPeerAsync) and
//                 NCCL send/recv where there are two GPUs or more
//   interference  the forward attention kernel on a c x c block alone, and with a K,V-sized
//                 copy (2 c kv_heads d bf16 bytes, as a ring step receives) started beside it
//                 on another stream at the same moment: slowdown = with / alone - 1
//   merge         the merge of one c-row partial output (all heads) into the fp32 accumulator,
//                 as a ring step runs it after each forward launch; launched back to back as in
//                 a step, so launch latency is hidden; written as "copy" entries of kind
//                 "merge" whose bytes are the bytes read plus written
//
//   micro_bench [--json FILE] [--quick] [--probe] [--tokens 512,1024,...] [--hidden 4096]
//               [--ffn 11008] [--copy-sizes BYTES,...] [--interference-sizes 1024,...]
//               [--merge-rows 256,...]
//               [--variant NAME | --attention-csv bench.csv [--candidates a,b,...]]
//               [--heads 32] [--kv-heads 32] [--dim 128] [--min-time-ms 100] [--max-reps 50]
//               [--git-sha SHA]
//
// The attention kernel variant timed for interference is --variant, or the fastest forward
// non-causal variant near c = 4096 in attention_bench's CSV (among --candidates, e.g. those
// that passed attention_check), or w16rows; the JSON names it and why ("kernel_variant"), and
// the calibration's `kernel` is that variant. Timing: CUDA events around each call, warm-up
// first (half a second of tensor-core work for the clocks, then per measurement), median of
// at least 5 repetitions (enough for --min-time-ms, at most --max-reps), rotating over buffers
// larger than 3x L2. Parts that cannot run here (no cuBLAS or NCCL in the build, one GPU)
// are listed under "skipped" with the reason.
//
// Exit status: 0 done; 1 a CUDA (or cuBLAS, NCCL) call failed; 2 bad options; 77 no usable
// CUDA device ("SKIP: no CUDA device (<reason>)" on stdout). --probe prints the context JSON
// and exits (0, or 77 without a device): `ringsim calibrate` asks it first.

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "calibrate/kernels/attention_kernels.h"
#include "calibrate/programs/bench_context.h"
#include "calibrate/programs/cuda_check.h"
#include "calibrate/programs/micro_bench_options.h"
#include "calibrate/programs/warm_up.h"

#ifdef RINGSIM_HAVE_CUBLAS
#include <cublas_v2.h>
#endif
#ifdef RINGSIM_HAVE_NCCL
#include <nccl.h>
#endif

namespace rc = ringsim::calibrate;

namespace {

using Options = rc::MicroBenchOptions;

std::vector<std::string> Split(const std::string& s, char sep = ',') {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, sep);) out.push_back(item);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Timing

struct Timing {
  double median_ms = 0, min_ms = 0;
  int reps = 0;
};

/// How many timed repetitions: enough for min_time_ms at `estimate_ms` each, 5 to max_reps.
int Repetitions(double estimate_ms, const Options& o) {
  const int want = static_cast<int>(std::ceil(o.min_time_ms / std::max(estimate_ms, 1e-3)));
  return std::max(5, std::min(want, std::max(5, o.max_reps)));
}

/// Warm-up (2 calls and 25 ms), one estimate, then timed calls of launch(r) between events
/// on `stream`, r counting up (callers rotate buffers with it).
Timing TimeOnStream(const std::function<void(int)>& launch, cudaStream_t stream, const Options& o) {
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0;; ++i) {
    launch(i);
    if (i >= 1) {
      RINGSIM_CUDA_CHECK(cudaStreamSynchronize(stream));
      if (std::chrono::steady_clock::now() - start > std::chrono::milliseconds(25)) break;
    }
  }
  cudaEvent_t e0, e1;
  RINGSIM_CUDA_CHECK(cudaEventCreate(&e0));
  RINGSIM_CUDA_CHECK(cudaEventCreate(&e1));
  RINGSIM_CUDA_CHECK(cudaEventRecord(e0, stream));
  launch(0);
  RINGSIM_CUDA_CHECK(cudaEventRecord(e1, stream));
  RINGSIM_CUDA_CHECK(cudaEventSynchronize(e1));
  float est = 0;
  RINGSIM_CUDA_CHECK(cudaEventElapsedTime(&est, e0, e1));
  const int reps = Repetitions(est, o);
  std::vector<double> ms;
  for (int r = 0; r < reps; ++r) {
    RINGSIM_CUDA_CHECK(cudaEventRecord(e0, stream));
    launch(r + 1);
    RINGSIM_CUDA_CHECK(cudaEventRecord(e1, stream));
    RINGSIM_CUDA_CHECK(cudaEventSynchronize(e1));
    float t = 0;
    RINGSIM_CUDA_CHECK(cudaEventElapsedTime(&t, e0, e1));
    ms.push_back(t);
  }
  RINGSIM_CUDA_CHECK(cudaEventDestroy(e0));
  RINGSIM_CUDA_CHECK(cudaEventDestroy(e1));
  Timing t;
  t.reps = reps;
  t.median_ms = rc::Median(ms);
  t.min_ms = *std::min_element(ms.begin(), ms.end());
  return t;
}

// ---------------------------------------------------------------------------------------------
// Output

struct Skipped {
  std::string what, reason;
};

struct Report {
  rc::DeviceContext context;
  double loaded_sm_clock_mhz = 0;
  std::string variant, variant_reason;
  std::vector<rc::Json> matmul, copy, interference;
  std::vector<Skipped> skipped;
};

void Skip(Report& r, const std::string& what, const std::string& reason) {
  std::printf("# skipped %s: %s\n", what.c_str(), reason.c_str());
  r.skipped.push_back({what, reason});
}

/// The whole report (run_on_gpu.sh reads "kernel_variant" with sed: one member per line).
std::string ReportJson(const Report& r, const Options& o) {
  rc::Json context = rc::ContextJson(r.context);
  context["sm_clock_mhz_under_load"] = r.loaded_sm_clock_mhz;
  context["git_sha"] = o.git_sha;
  context["kernel_variant"] = r.variant;
  context["kernel_variant_reason"] = r.variant_reason;
  context["min_time_ms"] = o.min_time_ms;
  context["attention_shape"] = {{"heads", o.heads}, {"kv_heads", o.kv_heads}, {"head_dim", o.dim}};
  context["gemm_shape"] = {{"hidden", o.hidden}, {"ffn_hidden", o.ffn}, {"gated_ffn", true}};
  rc::Json skipped = rc::Json::array();
  for (const Skipped& s : r.skipped) skipped.push_back({{"what", s.what}, {"reason", s.reason}});
  const rc::Json report = {{"generator", "calibrate/micro_bench"},
                           {"context", context},
                           {"matmul", r.matmul},
                           {"copy", r.copy},
                           {"interference", r.interference},
                           {"skipped", skipped}};
  return report.dump(2) + "\n";
}

// ---------------------------------------------------------------------------------------------
// Which attention variant

rc::FwdVariant VariantByName(const std::string& name, bool* ok) {
  for (rc::FwdVariant v : rc::kFwdVariants)
    if (name == rc::FwdVariantName(v)) {
      *ok = true;
      return v;
    }
  *ok = false;
  return rc::FwdVariant::kWarp16Rows;
}

/// The fastest forward, non-causal ringsim variant at the block size nearest 4096 in an
/// attention_bench CSV, among `candidates` (all if empty) that this device supports; "" if
/// the file has none.
std::string FastestVariant(const std::string& csv, const std::string& candidates) {
  std::ifstream f(csv);
  std::string line;
  if (!f || !std::getline(f, line)) return "";
  std::vector<std::string> header = Split(line);
  auto col = [&](const char* name) {
    for (size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return static_cast<int>(i);
    return -1;
  };
  const int impl = col("impl"), variant = col("variant"), pass = col("pass"),
            causal = col("causal"), seq = col("seq"), tflops = col("tflops");
  if (impl < 0 || variant < 0 || pass < 0 || causal < 0 || seq < 0 || tflops < 0) return "";
  const std::vector<std::string> allowed = Split(candidates);
  std::string best;
  double best_distance = 1e300, best_tflops = -1;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cells = Split(line);
    if (static_cast<int>(cells.size()) < static_cast<int>(header.size())) continue;
    if (cells[impl] != "ringsim" || cells[pass] != "fwd" || cells[causal] != "0") continue;
    bool ok = false;
    const rc::FwdVariant v = VariantByName(cells[variant], &ok);
    if (!ok || !rc::FwdVariantSupported(v)) continue;
    if (!allowed.empty() &&
        std::find(allowed.begin(), allowed.end(), cells[variant]) == allowed.end())
      continue;
    const double distance = std::fabs(std::log2(std::atof(cells[seq].c_str()) / 4096.0));
    const double t = std::atof(cells[tflops].c_str());
    if (distance < best_distance - 1e-9 || (distance < best_distance + 1e-9 && t > best_tflops)) {
      best_distance = distance;
      best_tflops = t;
      best = cells[variant];
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Clocks

/// Half a second of forward attention kernels, then the SM clock read (nvidia-smi) while a
/// few hundred milliseconds more (about 0.4 ms each on an H100) are queued: an idle GPU sits
/// at low clocks, and the clock under load is the one to record.
double WarmUpAndReadClock(rc::FwdVariant variant, int device) {
  double clock = 0;
  rc::WarmUpWithAttention(variant, 64, 768, [&] { clock = rc::CurrentSmClockMhz(device); });
  return clock;
}

// ---------------------------------------------------------------------------------------------
// GEMMs

#ifdef RINGSIM_HAVE_CUBLAS
void CheckCublas(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS)
    throw rc::CudaError(std::string("cuBLAS: ") + what + ": status " + std::to_string(s));
}

void BenchMatmul(const Options& o, Report& r) {
  struct Shape {
    const char* name;
    long long n, k;  // output and input features
  };
  const long long h = o.hidden, f = o.ffn;
  const Shape shapes[] = {
      {"qkv", 3 * h, h}, {"out_proj", h, h}, {"ffn_up", 2 * f, h}, {"ffn_down", h, f}};
  cublasHandle_t handle;
  CheckCublas(cublasCreate(&handle), "cublasCreate");
  cudaStream_t stream;
  RINGSIM_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  CheckCublas(cublasSetStream(handle, stream), "cublasSetStream");
  const float alpha = 1, beta = 0;
  std::printf("%-10s %7s %7s %7s %10s %8s\n", "gemm", "m", "n", "k", "median_ms", "TFLOPS");
  for (long long m : o.tokens) {
    for (const Shape& s : shapes) {
      const long long x_elems = m * s.k, w_elems = s.n * s.k, y_elems = m * s.n;
      const double set_bytes = 2.0 * (x_elems + w_elems + y_elems);
      const int sets = std::max(
          1, std::min(8, static_cast<int>(std::ceil(3.0 * r.context.l2_bytes / set_bytes))));
      std::vector<rc::DeviceBuffer<__nv_bfloat16>> x, w, y;
      for (int i = 0; i < sets; ++i) {
        x.emplace_back(x_elems);
        w.emplace_back(w_elems);
        y.emplace_back(y_elems);
        RINGSIM_CUDA_CHECK(rc::FillRandomBf16(x[i].get(), x_elems, 100 + i, 1.f, stream));
        RINGSIM_CUDA_CHECK(rc::FillRandomBf16(w[i].get(), w_elems, 200 + i, 0.02f, stream));
      }
      // y = x W^T with row-major x (m x k) and W (n x k): in cuBLAS's column-major terms
      // y^T (n x m) = op_T(W^T stored k x n) * x^T (k x m), PyTorch Linear's "TN" call.
      const Timing t = TimeOnStream(
          [&](int rep) {
            const int i = rep % sets;
            CheckCublas(
                cublasGemmEx(handle, CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(s.n),
                             static_cast<int>(m), static_cast<int>(s.k), &alpha, w[i].get(),
                             CUDA_R_16BF, static_cast<int>(s.k), x[i].get(), CUDA_R_16BF,
                             static_cast<int>(s.k), &beta, y[i].get(), CUDA_R_16BF,
                             static_cast<int>(s.n), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
                "cublasGemmEx");
          },
          stream, o);
      const double flops = 2.0 * m * s.n * s.k;
      const double rate = flops / (t.median_ms * 1e-3);
      std::printf("%-10s %7lld %7lld %7lld %10.4f %8.1f\n", s.name, m, s.n, s.k, t.median_ms,
                  rate / 1e12);
      r.matmul.push_back({{"name", s.name},
                          {"m", m},
                          {"n", s.n},
                          {"k", s.k},
                          {"time_ms_median", t.median_ms},
                          {"time_ms_min", t.min_ms},
                          {"reps", t.reps},
                          {"flops_per_s", rate}});
    }
  }
  RINGSIM_CUDA_CHECK(cudaStreamSynchronize(stream));
  CheckCublas(cublasDestroy(handle), "cublasDestroy");
  RINGSIM_CUDA_CHECK(cudaStreamDestroy(stream));
}
#endif

// ---------------------------------------------------------------------------------------------
// Copies

/// A pool of bytes on `device` large enough that consecutive copies of `size` bytes from
/// rotating offsets do not hit L2.
struct Pool {
  rc::DeviceBuffer<unsigned char> buf;
  long long slots = 1;
  long long size = 0;
  unsigned char* Slot(int i) const { return buf.get() + (i % slots) * size; }
};

Pool MakePool(long long size, long long l2_bytes) {
  Pool p;
  p.size = size;
  p.slots = std::max(2LL, (3 * l2_bytes + size - 1) / size);
  p.slots = std::min(p.slots, 64LL);
  p.buf = rc::DeviceBuffer<unsigned char>(static_cast<size_t>(p.slots * size));
  RINGSIM_CUDA_CHECK(cudaMemset(p.buf.get(), 0x5a, p.buf.bytes()));
  return p;
}

rc::Json CopyJson(const char* kind, long long bytes, const Timing& t) {
  return {{"kind", kind},
          {"bytes", bytes},
          {"time_ms_median", t.median_ms},
          {"time_ms_min", t.min_ms},
          {"reps", t.reps},
          {"bw_bytes_per_s", bytes / (t.median_ms * 1e-3)}};
}

void PrintCopy(const char* kind, long long bytes, const Timing& t) {
  std::printf("%-6s %12lld bytes %10.4f ms %8.1f GB/s (bytes delivered per second)\n", kind, bytes,
              t.median_ms, bytes / (t.median_ms * 1e-3) / 1e9);
}

void BenchDeviceCopy(const Options& o, Report& r) {
  cudaStream_t stream;
  RINGSIM_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  for (long long bytes : o.copy_sizes) {
    Pool src = MakePool(bytes, r.context.l2_bytes), dst = MakePool(bytes, r.context.l2_bytes);
    const Timing t = TimeOnStream(
        [&](int rep) {
          RINGSIM_CUDA_CHECK(cudaMemcpyAsync(dst.Slot(rep), src.Slot(rep + 1), bytes,
                                             cudaMemcpyDeviceToDevice, stream));
        },
        stream, o);
    PrintCopy("d2d", bytes, t);
    r.copy.push_back(CopyJson("d2d", bytes, t));
  }
  RINGSIM_CUDA_CHECK(cudaStreamDestroy(stream));
}

/// The merge after each forward launch of a ring step: c rows of every head, partial (bf16 O,
/// fp32 LSE) into the fp32 accumulator. Timed back to back between one pair of events (as a
/// step queues its kernels), rotating over buffers larger than 3x L2.
void BenchMerge(const Options& o, Report& r) {
  cudaStream_t stream;
  RINGSIM_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  for (long long c : o.merge_rows) {
    const int64_t rows = int64_t{o.heads} * c;
    const int64_t elems = rows * o.dim;
    // Read O partial (2 B), accumulator (4 B), write accumulator (4 B); LSE: 4 + 4 + 4.
    const long long moved = rows * (int64_t{o.dim} * 10 + 12);
    const double set_bytes = static_cast<double>(elems) * 6 + static_cast<double>(rows) * 8;
    const int sets =
        std::max(1, std::min(8, static_cast<int>(std::ceil(3.0 * r.context.l2_bytes / set_bytes))));
    std::vector<rc::DeviceBuffer<__nv_bfloat16>> o_blk;
    std::vector<rc::DeviceBuffer<float>> lse_blk, o_acc, lse_acc;
    for (int i = 0; i < sets; ++i) {
      o_blk.emplace_back(elems);
      lse_blk.emplace_back(rows);
      o_acc.emplace_back(elems);
      lse_acc.emplace_back(rows);
      RINGSIM_CUDA_CHECK(rc::FillRandomBf16(o_blk[i].get(), elems, 500 + i, 1.f, nullptr));
      RINGSIM_CUDA_CHECK(rc::FillFloat(lse_blk[i].get(), 0.5f, rows, nullptr));
      RINGSIM_CUDA_CHECK(rc::FillFloat(o_acc[i].get(), 0.f, elems, nullptr));
      RINGSIM_CUDA_CHECK(rc::FillFloat(lse_acc[i].get(), 0.25f, rows, nullptr));
    }
    RINGSIM_CUDA_CHECK(cudaDeviceSynchronize());
    auto launch = [&](int i) {
      const int s = i % sets;
      rc::MergeArgs m;
      m.rows = static_cast<int>(rows);
      m.head_dim = o.dim;
      m.first = false;
      m.o_blk = o_blk[s].get();
      m.lse_blk = lse_blk[s].get();
      m.o_acc = o_acc[s].get();
      m.lse_acc = lse_acc[s].get();
      RINGSIM_CUDA_CHECK(rc::AttentionMerge(m, stream));
    };
    for (int i = 0; i < 3; ++i) launch(i);
    RINGSIM_CUDA_CHECK(cudaStreamSynchronize(stream));
    cudaEvent_t e0, e1;
    RINGSIM_CUDA_CHECK(cudaEventCreate(&e0));
    RINGSIM_CUDA_CHECK(cudaEventCreate(&e1));
    auto run = [&](int n) {
      RINGSIM_CUDA_CHECK(cudaEventRecord(e0, stream));
      for (int i = 0; i < n; ++i) launch(i);
      RINGSIM_CUDA_CHECK(cudaEventRecord(e1, stream));
      RINGSIM_CUDA_CHECK(cudaEventSynchronize(e1));
      float ms = 0;
      RINGSIM_CUDA_CHECK(cudaEventElapsedTime(&ms, e0, e1));
      return static_cast<double>(ms) / n;
    };
    const int per_batch = std::max(8, Repetitions(run(8), o));
    std::vector<double> ms;
    for (int k = 0; k < 5; ++k) ms.push_back(run(per_batch));  // 5 batches, the median
    RINGSIM_CUDA_CHECK(cudaEventDestroy(e0));
    RINGSIM_CUDA_CHECK(cudaEventDestroy(e1));
    Timing t;
    t.reps = 5 * per_batch;
    t.median_ms = rc::Median(ms);
    t.min_ms = *std::min_element(ms.begin(), ms.end());
    std::printf(
        "merge  %6lld rows x %d heads: %12lld bytes moved %10.4f ms %8.1f GB/s (read + "
        "written per second)\n",
        c, o.heads, moved, t.median_ms, moved / (t.median_ms * 1e-3) / 1e9);
    r.copy.push_back(CopyJson("merge", moved, t));
  }
  RINGSIM_CUDA_CHECK(cudaStreamDestroy(stream));
}

/// Copies from GPU 1 into GPU 0 (a ring step's receive), on GPU 0's stream.
void BenchPeerCopy(const Options& o, Report& r) {
  int can01 = 0, can10 = 0;
  RINGSIM_CUDA_CHECK(cudaDeviceCanAccessPeer(&can01, 0, 1));
  RINGSIM_CUDA_CHECK(cudaDeviceCanAccessPeer(&can10, 1, 0));
  if (!can01 || !can10)
    std::printf("# GPUs 0 and 1 have no peer access: cudaMemcpyPeerAsync goes through the host\n");
  auto enable = [](int from, int to) {
    RINGSIM_CUDA_CHECK(cudaSetDevice(from));
    const cudaError_t e = cudaDeviceEnablePeerAccess(to, 0);
    if (e == cudaErrorPeerAccessAlreadyEnabled) {
      (void)cudaGetLastError();
      return;
    }
    RINGSIM_CUDA_CHECK(e);
  };
  if (can01 && can10) {
    enable(0, 1);
    enable(1, 0);
  }
  RINGSIM_CUDA_CHECK(cudaSetDevice(0));
  cudaStream_t stream;
  RINGSIM_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  for (long long bytes : o.copy_sizes) {
    RINGSIM_CUDA_CHECK(cudaSetDevice(1));
    Pool src = MakePool(bytes, r.context.l2_bytes);
    RINGSIM_CUDA_CHECK(cudaSetDevice(0));
    Pool dst = MakePool(bytes, r.context.l2_bytes);
    const Timing t = TimeOnStream(
        [&](int rep) {
          RINGSIM_CUDA_CHECK(
              cudaMemcpyPeerAsync(dst.Slot(rep), 0, src.Slot(rep + 1), 1, bytes, stream));
        },
        stream, o);
    PrintCopy("p2p", bytes, t);
    r.copy.push_back(CopyJson("p2p", bytes, t));
    RINGSIM_CUDA_CHECK(cudaStreamSynchronize(stream));
  }
  RINGSIM_CUDA_CHECK(cudaStreamDestroy(stream));
}

#ifdef RINGSIM_HAVE_NCCL
void CheckNccl(ncclResult_t s, const char* what) {
  if (s != ncclSuccess)
    throw rc::CudaError(std::string("NCCL: ") + what + ": " + ncclGetErrorString(s));
}

/// ncclSend on GPU 1, ncclRecv on GPU 0, one communicator per GPU in this process; the time
/// of a transfer is the later of the two GPUs' event spans, after both were idle.
void BenchNccl(const Options& o, Report& r) {
  int devs[2] = {0, 1};
  ncclComm_t comms[2];
  CheckNccl(ncclCommInitAll(comms, 2, devs), "ncclCommInitAll");
  cudaStream_t streams[2];
  cudaEvent_t start[2], stop[2];
  for (int d = 0; d < 2; ++d) {
    RINGSIM_CUDA_CHECK(cudaSetDevice(d));
    RINGSIM_CUDA_CHECK(cudaStreamCreateWithFlags(&streams[d], cudaStreamNonBlocking));
    RINGSIM_CUDA_CHECK(cudaEventCreate(&start[d]));
    RINGSIM_CUDA_CHECK(cudaEventCreate(&stop[d]));
  }
  for (long long bytes : o.copy_sizes) {
    std::vector<rc::DeviceBuffer<unsigned char>> bufs;
    for (int d = 0; d < 2; ++d) {
      RINGSIM_CUDA_CHECK(cudaSetDevice(d));
      bufs.emplace_back(static_cast<size_t>(bytes));
      RINGSIM_CUDA_CHECK(cudaMemset(bufs.back().get(), 0x5a, bytes));
    }
    auto transfer = [&](bool timed) {
      for (int d = 0; d < 2; ++d) {
        RINGSIM_CUDA_CHECK(cudaSetDevice(d));
        RINGSIM_CUDA_CHECK(cudaDeviceSynchronize());
      }
      for (int d = 0; d < 2 && timed; ++d) {
        RINGSIM_CUDA_CHECK(cudaSetDevice(d));
        RINGSIM_CUDA_CHECK(cudaEventRecord(start[d], streams[d]));
      }
      CheckNccl(ncclGroupStart(), "ncclGroupStart");
      CheckNccl(ncclSend(bufs[1].get(), bytes, ncclChar, 0, comms[1], streams[1]), "ncclSend");
      CheckNccl(ncclRecv(bufs[0].get(), bytes, ncclChar, 1, comms[0], streams[0]), "ncclRecv");
      CheckNccl(ncclGroupEnd(), "ncclGroupEnd");
      double ms = 0;
      for (int d = 0; d < 2 && timed; ++d) {
        RINGSIM_CUDA_CHECK(cudaSetDevice(d));
        RINGSIM_CUDA_CHECK(cudaEventRecord(stop[d], streams[d]));
      }
      for (int d = 0; d < 2; ++d) {
        RINGSIM_CUDA_CHECK(cudaSetDevice(d));
        RINGSIM_CUDA_CHECK(cudaStreamSynchronize(streams[d]));
        if (timed) {
          float t = 0;
          RINGSIM_CUDA_CHECK(cudaEventElapsedTime(&t, start[d], stop[d]));
          ms = std::max(ms, static_cast<double>(t));
        }
      }
      return ms;
    };
    for (int i = 0; i < 3; ++i) transfer(false);
    const int reps = Repetitions(transfer(true), o);
    std::vector<double> ms;
    for (int i = 0; i < reps; ++i) ms.push_back(transfer(true));
    Timing t;
    t.reps = reps;
    t.median_ms = rc::Median(ms);
    t.min_ms = *std::min_element(ms.begin(), ms.end());
    PrintCopy("nccl", bytes, t);
    r.copy.push_back(CopyJson("nccl", bytes, t));
  }
  for (int d = 0; d < 2; ++d) {
    RINGSIM_CUDA_CHECK(cudaSetDevice(d));
    RINGSIM_CUDA_CHECK(cudaStreamDestroy(streams[d]));
    RINGSIM_CUDA_CHECK(cudaEventDestroy(start[d]));
    RINGSIM_CUDA_CHECK(cudaEventDestroy(stop[d]));
    ncclCommDestroy(comms[d]);
  }
  RINGSIM_CUDA_CHECK(cudaSetDevice(0));
}
#endif

// ---------------------------------------------------------------------------------------------
// Interference

/// Forward attention on a c x c block (non-causal) alone and with a K,V-sized copy started
/// on a second stream at the same moment (both wait for one event), alternating the two so
/// that clock drift hits both alike. `peer` >= 0 copies from that GPU (a ring's receive over
/// the link), else device to device.
void BenchInterference(const Options& o, rc::FwdVariant variant, int peer, Report& r) {
  cudaStream_t compute, copy;
  RINGSIM_CUDA_CHECK(cudaStreamCreateWithFlags(&compute, cudaStreamNonBlocking));
  RINGSIM_CUDA_CHECK(cudaStreamCreateWithFlags(&copy, cudaStreamNonBlocking));
  cudaEvent_t go, kernel_done, copy_done;
  RINGSIM_CUDA_CHECK(cudaEventCreate(&go));
  RINGSIM_CUDA_CHECK(cudaEventCreate(&kernel_done));
  RINGSIM_CUDA_CHECK(cudaEventCreate(&copy_done));
  const char* kind = peer >= 0 ? "p2p" : "d2d";
  std::printf("%-12s %6s %12s %10s %10s %10s %10s %9s\n", "interference", "c", "copy_bytes",
              "kernel_ms", "with_copy", "copy_ms", "with_kern", "slowdown");
  for (long long c : o.interference_sizes) {
    const int64_t q_elems = int64_t{o.heads} * c * o.dim;
    const int64_t kv_elems = int64_t{o.kv_heads} * c * o.dim;
    const long long copy_bytes = 2 * kv_elems * 2;  // K and V, bf16
    const double set_bytes = 2.0 * (2 * q_elems + 2 * kv_elems);
    const int sets =
        std::max(1, std::min(8, static_cast<int>(std::ceil(3.0 * r.context.l2_bytes / set_bytes))));
    std::vector<rc::DeviceBuffer<__nv_bfloat16>> q, k, v, out;
    std::vector<rc::DeviceBuffer<float>> lse;
    for (int i = 0; i < sets; ++i) {
      q.emplace_back(q_elems);
      k.emplace_back(kv_elems);
      v.emplace_back(kv_elems);
      out.emplace_back(q_elems);
      lse.emplace_back(int64_t{o.heads} * c);
      RINGSIM_CUDA_CHECK(rc::FillRandomBf16(q[i].get(), q_elems, 300 + 3 * i, 1.f, nullptr));
      RINGSIM_CUDA_CHECK(rc::FillRandomBf16(k[i].get(), kv_elems, 301 + 3 * i, 1.f, nullptr));
      RINGSIM_CUDA_CHECK(rc::FillRandomBf16(v[i].get(), kv_elems, 302 + 3 * i, 1.f, nullptr));
    }
    if (peer >= 0) RINGSIM_CUDA_CHECK(cudaSetDevice(peer));
    Pool src = MakePool(copy_bytes, r.context.l2_bytes);
    if (peer >= 0) RINGSIM_CUDA_CHECK(cudaSetDevice(0));
    Pool dst = MakePool(copy_bytes, r.context.l2_bytes);
    RINGSIM_CUDA_CHECK(cudaDeviceSynchronize());
    const int ci = static_cast<int>(c);
    auto kernel = [&](int i) {
      rc::FwdArgs a;
      a.dims.heads = o.heads;
      a.dims.kv_heads = o.kv_heads;
      a.dims.head_dim = o.dim;
      a.dims.q_len = a.dims.kv_len = ci;
      a.q = rc::Contiguous(static_cast<const __nv_bfloat16*>(q[i].get()), o.heads, ci, o.dim);
      a.k = rc::Contiguous(static_cast<const __nv_bfloat16*>(k[i].get()), o.kv_heads, ci, o.dim);
      a.v = rc::Contiguous(static_cast<const __nv_bfloat16*>(v[i].get()), o.kv_heads, ci, o.dim);
      a.o = rc::Contiguous(out[i].get(), o.heads, ci, o.dim);
      a.lse = rc::Contiguous(lse[i].get(), o.heads, ci, 1);
      a.variant = variant;
      RINGSIM_CUDA_CHECK(rc::AttentionForward(a, compute));
    };
    auto start_copy = [&](int i) {
      if (peer >= 0)
        RINGSIM_CUDA_CHECK(
            cudaMemcpyPeerAsync(dst.Slot(i), 0, src.Slot(i + 1), peer, copy_bytes, copy));
      else
        RINGSIM_CUDA_CHECK(cudaMemcpyAsync(dst.Slot(i), src.Slot(i + 1), copy_bytes,
                                           cudaMemcpyDeviceToDevice, copy));
    };
    // One trial: 0 kernel alone, 1 copy alone, 2 both. Returns (kernel ms, copy ms).
    auto trial = [&](int what, int i) {
      RINGSIM_CUDA_CHECK(cudaEventRecord(go, compute));
      RINGSIM_CUDA_CHECK(cudaStreamWaitEvent(copy, go, 0));
      if (what != 0) start_copy(i);
      RINGSIM_CUDA_CHECK(cudaEventRecord(copy_done, copy));
      if (what != 1) kernel(i % sets);
      RINGSIM_CUDA_CHECK(cudaEventRecord(kernel_done, compute));
      RINGSIM_CUDA_CHECK(cudaEventSynchronize(kernel_done));
      RINGSIM_CUDA_CHECK(cudaEventSynchronize(copy_done));
      float k_ms = 0, c_ms = 0;
      RINGSIM_CUDA_CHECK(cudaEventElapsedTime(&k_ms, go, kernel_done));
      RINGSIM_CUDA_CHECK(cudaEventElapsedTime(&c_ms, go, copy_done));
      return std::make_pair(static_cast<double>(k_ms), static_cast<double>(c_ms));
    };
    const auto warm = std::chrono::steady_clock::now();
    for (int i = 0;
         i < 3 || std::chrono::steady_clock::now() - warm < std::chrono::milliseconds(25); ++i)
      trial(i % 3, i);
    const int reps = Repetitions(trial(2, 0).first, o);
    std::vector<double> alone, with, copy_alone, copy_with;
    for (int i = 0; i < reps; ++i) {
      alone.push_back(trial(0, 3 * i).first);
      copy_alone.push_back(trial(1, 3 * i + 1).second);
      const auto both = trial(2, 3 * i + 2);
      with.push_back(both.first);
      copy_with.push_back(both.second);
    }
    const double k_alone = rc::Median(alone), k_with = rc::Median(with);
    const double c_alone = rc::Median(copy_alone), c_with = rc::Median(copy_with);
    const double slowdown = k_with / k_alone - 1;
    std::printf("%-12s %6lld %12lld %10.4f %10.4f %10.4f %10.4f %+8.2f%%\n", kind, c, copy_bytes,
                k_alone, k_with, c_alone, c_with, 100 * slowdown);
    r.interference.push_back({{"copy_kind", kind},
                              {"block_tokens", c},
                              {"variant", rc::FwdVariantName(variant)},
                              {"copy_bytes", copy_bytes},
                              {"kernel_ms_alone", k_alone},
                              {"kernel_ms_with_copy", k_with},
                              {"copy_ms_alone", c_alone},
                              {"copy_ms_with_kernel", c_with},
                              {"reps", reps},
                              {"slowdown", slowdown}});
  }
  RINGSIM_CUDA_CHECK(cudaEventDestroy(go));
  RINGSIM_CUDA_CHECK(cudaEventDestroy(kernel_done));
  RINGSIM_CUDA_CHECK(cudaEventDestroy(copy_done));
  RINGSIM_CUDA_CHECK(cudaStreamDestroy(compute));
  RINGSIM_CUDA_CHECK(cudaStreamDestroy(copy));
}

// ---------------------------------------------------------------------------------------------

int Run(const Options& o) {
  RINGSIM_CUDA_CHECK(cudaSetDevice(0));
  Report r;
  r.context = rc::GetDeviceContext(0);
  if (r.context.cc_major < 8) {
    std::printf("SKIP: no CUDA device (%s is compute capability %d.%d; the kernels need 8.0+)\n",
                r.context.name.c_str(), r.context.cc_major, r.context.cc_minor);
    return 77;
  }
  if (o.probe) {
    std::printf("%s\n", rc::ContextJson(r.context).dump(2).c_str());
    return 0;
  }
  std::printf("# device=\"%s\" sm_%d%d sms=%d gpus=%d driver=%s cuda=%s peak=%.1f TFLOPS (%s)\n",
              r.context.name.c_str(), r.context.cc_major, r.context.cc_minor, r.context.sms,
              r.context.gpus, r.context.driver.c_str(), r.context.cuda_runtime.c_str(),
              r.context.peak.flops_per_s / 1e12, r.context.peak.source.c_str());

  // The attention variant: named, or the benchmark's fastest, or the mma.sync default.
  bool ok = false;
  rc::FwdVariant variant = rc::FwdVariant::kWarp16Rows;
  if (!o.variant.empty()) {
    variant = VariantByName(o.variant, &ok);
    if (!ok) throw std::runtime_error("unknown --variant " + o.variant);
    r.variant_reason = "given with --variant";
  } else if (!o.attention_csv.empty()) {
    const std::string best = FastestVariant(o.attention_csv, o.candidates);
    if (!best.empty()) {
      variant = VariantByName(best, &ok);
      r.variant_reason = "fastest forward non-causal variant near c = 4096 in " + o.attention_csv +
                         (o.candidates.empty() ? "" : " among " + o.candidates);
    }
  }
  if (r.variant_reason.empty())
    r.variant_reason = "default (mma.sync, 8 warps x 16 rows): no benchmark CSV given";
  if (!rc::FwdVariantSupported(variant))
    throw std::runtime_error(std::string("variant ") + rc::FwdVariantName(variant) +
                             " is not supported on this device with this build");
  r.variant = rc::FwdVariantName(variant);
  std::printf("# attention kernel variant: %s (%s)\n", r.variant.c_str(), r.variant_reason.c_str());

  r.loaded_sm_clock_mhz = WarmUpAndReadClock(variant, 0);
  std::printf("# SM clock under load: %.0f MHz (peak %.0f MHz)\n", r.loaded_sm_clock_mhz,
              r.context.max_sm_clock_mhz);

#ifdef RINGSIM_HAVE_CUBLAS
  BenchMatmul(o, r);
#else
  Skip(r, "matmul", "this build has no cuBLAS (CUDA::cublas was not found at configure time)");
#endif
  BenchDeviceCopy(o, r);
  BenchMerge(o, r);
  if (r.context.gpus >= 2) {
    BenchPeerCopy(o, r);
  } else {
    Skip(r, "p2p", "one GPU: no peer to copy from");
  }
#ifdef RINGSIM_HAVE_NCCL
  if (r.context.gpus >= 2) {
    BenchNccl(o, r);
  } else {
    Skip(r, "nccl", "one GPU: no peer for send/recv");
  }
#else
  Skip(r, "nccl", "this build has no NCCL (nccl.h / libnccl were not found at configure time)");
#endif
  BenchInterference(o, variant, -1, r);
  if (r.context.gpus >= 2) BenchInterference(o, variant, 1, r);

  const std::string json = ReportJson(r, o);
  if (o.json.empty()) {
    std::printf("%s", json.c_str());
  } else {
    std::ofstream f(o.json);
    f << json;
    if (!f) throw std::runtime_error("cannot write " + o.json);
    std::printf("# wrote %s\n", o.json.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (const std::optional<int> exit =
          rc::ParseMicroBenchOptions(argc, argv, &o, std::cout, std::cerr))
    return *exit;
  return rc::RunOnDevice("micro_bench", 77, [&] { return Run(o); });
}
