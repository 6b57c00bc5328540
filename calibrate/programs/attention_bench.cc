// attention_bench: times the blockwise attention kernels on one block pair of c tokens
// (the diagonal block when causal) with CUDA events: half a second of clock warm-up, then per
// measurement its own warm-up and the median of repeated
// launches rotating over several input sets (so that the inputs do not sit in L2), and prints
// TFLOPS and the fraction of the dense bf16 peak; --csv writes the same rows.
//
//   attention_bench [--sizes 256,512,...,32768] [--heads 32] [--kv-heads 32] [--dim 128]
//                   [--batch 1] [--causal both|yes|no] [--passes fwd,bwd]
//                   [--variants all|w32rows,w16rows,w16lean] [--min-time-ms 200]
//                   [--max-reps 50] [--peak-tflops X] [--csv FILE [--append]]
//
// FLOPs count the visible (query, key) pairs: forward 4 d per pair (Q K^T and P V), backward
// 2.5 times that. "bwd" is the whole backward (zeroing dQ, D and LSE preprocessing, the main
// kernel, and dQ, dK, dV to bf16), as the vendors' backward calls do; "bwd_kernel" is the main
// kernel alone.

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "calibrate/kernels/attention_kernels.h"
#include "calibrate/programs/attention_bench_options.h"
#include "calibrate/programs/cuda_check.h"
#include "calibrate/programs/gpu_peak.h"
#include "calibrate/programs/warm_up.h"

namespace rc = ringsim::calibrate;

namespace {

using Options = rc::AttentionBenchOptions;

struct Timing {
  double median_ms = 0, min_ms = 0;
  int reps = 0;
};

/// Runs launch(set) with set rotating over n_sets: warm-up (at least 2 calls and 25 ms), one
/// timed estimate, then enough timed repetitions for min_time_ms (at least 5, at most
/// max_reps); each repetition has its own pair of events.
Timing TimeIt(const std::function<void(int)>& launch, int n_sets, const Options& o) {
  const auto warm_start = std::chrono::steady_clock::now();
  for (int i = 0;; ++i) {
    launch(i % n_sets);
    if (i % 4 == 3 || i == 1) {
      RINGSIM_CUDA_CHECK(cudaDeviceSynchronize());
      if (i >= 1 && std::chrono::steady_clock::now() - warm_start > std::chrono::milliseconds(25))
        break;
    }
  }
  cudaEvent_t e0, e1;
  RINGSIM_CUDA_CHECK(cudaEventCreate(&e0));
  RINGSIM_CUDA_CHECK(cudaEventCreate(&e1));
  RINGSIM_CUDA_CHECK(cudaEventRecord(e0));
  launch(0);
  RINGSIM_CUDA_CHECK(cudaEventRecord(e1));
  RINGSIM_CUDA_CHECK(cudaEventSynchronize(e1));
  float est = 0;
  RINGSIM_CUDA_CHECK(cudaEventElapsedTime(&est, e0, e1));
  RINGSIM_CUDA_CHECK(cudaEventDestroy(e0));
  RINGSIM_CUDA_CHECK(cudaEventDestroy(e1));
  const int reps = std::clamp(static_cast<int>(std::ceil(o.min_time_ms / std::max(est, 1e-3f))), 5,
                              std::max(5, o.max_reps));
  std::vector<cudaEvent_t> start(reps), stop(reps);
  for (int r = 0; r < reps; ++r) {
    RINGSIM_CUDA_CHECK(cudaEventCreate(&start[r]));
    RINGSIM_CUDA_CHECK(cudaEventCreate(&stop[r]));
  }
  for (int r = 0; r < reps; ++r) {
    RINGSIM_CUDA_CHECK(cudaEventRecord(start[r]));
    launch((r + 1) % n_sets);
    RINGSIM_CUDA_CHECK(cudaEventRecord(stop[r]));
  }
  RINGSIM_CUDA_CHECK(cudaDeviceSynchronize());
  std::vector<double> ms(reps);
  for (int r = 0; r < reps; ++r) {
    float t = 0;
    RINGSIM_CUDA_CHECK(cudaEventElapsedTime(&t, start[r], stop[r]));
    ms[r] = t;
    RINGSIM_CUDA_CHECK(cudaEventDestroy(start[r]));
    RINGSIM_CUDA_CHECK(cudaEventDestroy(stop[r]));
  }
  std::sort(ms.begin(), ms.end());
  Timing t;
  t.reps = reps;
  t.min_ms = ms.front();
  t.median_ms = reps % 2 ? ms[reps / 2] : 0.5 * (ms[reps / 2 - 1] + ms[reps / 2]);
  return t;
}

struct Row {
  std::string variant, pass;
  bool causal;
  int seq;
  Timing t;
  double flops;
};

class Reporter {
 public:
  Reporter(const Options& o, std::string device, double peak)
      : o_(o), device_(std::move(device)), peak_(peak) {
    if (!o.csv.empty()) {
      bool has_header = false;
      if (o.append) {
        if (std::FILE* f = std::fopen(o.csv.c_str(), "r")) {
          has_header = std::fgetc(f) != EOF;
          std::fclose(f);
        }
      }
      csv_ = std::fopen(o.csv.c_str(), o.append ? "a" : "w");
      if (csv_ == nullptr) throw std::runtime_error("cannot write " + o.csv);
      if (!has_header)
        std::fprintf(csv_,
                     "impl,variant,pass,causal,batch,heads,kv_heads,head_dim,seq,time_ms_median,"
                     "time_ms_min,reps,tflops,peak_tflops,frac_peak,device\n");
    }
    std::printf("%-10s %-8s %-6s %6s %10s %10s %8s %8s\n", "pass", "variant", "causal", "c",
                "median_ms", "min_ms", "TFLOPS", "of_peak");
  }
  ~Reporter() {
    if (csv_ != nullptr) std::fclose(csv_);
  }
  void Add(const Row& r) {
    const double tflops = r.flops / (r.t.median_ms * 1e-3) / 1e12;
    const double frac = peak_ > 0 ? tflops / (peak_ / 1e12) : 0;
    std::printf("%-10s %-8s %-6s %6d %10.4f %10.4f %8.1f %8.3f\n", r.pass.c_str(),
                r.variant.c_str(), r.causal ? "yes" : "no", r.seq, r.t.median_ms, r.t.min_ms,
                tflops, frac);
    std::fflush(stdout);
    if (csv_ != nullptr) {
      std::fprintf(csv_, "ringsim,%s,%s,%d,%d,%d,%d,%d,%d,%.6f,%.6f,%d,%.3f,%.3f,%.5f,\"%s\"\n",
                   r.variant.c_str(), r.pass.c_str(), r.causal ? 1 : 0, o_.batch, o_.heads,
                   o_.kv_heads, o_.dim, r.seq, r.t.median_ms, r.t.min_ms, r.t.reps, tflops,
                   peak_ / 1e12, frac, device_.c_str());
      std::fflush(csv_);
    }
  }

 private:
  const Options& o_;
  std::string device_;
  double peak_;
  std::FILE* csv_ = nullptr;
};

/// Device buffers of one input set (and its forward outputs, which the backward reads).
struct InputSet {
  rc::DeviceBuffer<__nv_bfloat16> q, k, v, o, d_o;
  rc::DeviceBuffer<float> lse;
};

void BenchShape(const Options& o, int c, bool causal, const cudaDeviceProp& prop, Reporter& rep) {
  using Bf16 = rc::DeviceBuffer<__nv_bfloat16>;
  using F32 = rc::DeviceBuffer<float>;
  const int64_t q_elems = int64_t{o.batch} * o.heads * c * o.dim;
  const int64_t kv_elems = int64_t{o.batch} * o.kv_heads * c * o.dim;
  const int64_t rows = int64_t{o.batch} * o.heads * c;
  const double set_bytes = 2.0 * (3 * q_elems + 2 * kv_elems) + 4.0 * rows;
  const double shared_bytes =
      4.0 * (q_elems + 2 * kv_elems + 2 * rows) + 2.0 * (q_elems + 2 * kv_elems);
  size_t free_b = 0, total_b = 0;
  RINGSIM_CUDA_CHECK(cudaMemGetInfo(&free_b, &total_b));
  int n_sets = static_cast<int>(std::ceil(3.0 * prop.l2CacheSize / set_bytes));
  n_sets = std::clamp(n_sets, 1, 8);
  while (n_sets > 1 && n_sets * set_bytes + shared_bytes > 0.85 * free_b) --n_sets;
  if (set_bytes + shared_bytes > 0.85 * free_b) {
    std::printf("# c=%d skipped: needs %.1f GB, %.1f GB free\n", c,
                (set_bytes + shared_bytes) / 1e9, free_b / 1e9);
    return;
  }

  std::vector<InputSet> sets(n_sets);
  for (int s = 0; s < n_sets; ++s) {
    InputSet& in = sets[s];
    in.q = Bf16(q_elems);
    in.k = Bf16(kv_elems);
    in.v = Bf16(kv_elems);
    in.o = Bf16(q_elems);
    in.d_o = Bf16(q_elems);
    in.lse = F32(rows);
    const uint64_t seed = 0x5eed0000ull + 16 * static_cast<uint64_t>(s);
    RINGSIM_CUDA_CHECK(rc::FillRandomBf16(in.q.get(), q_elems, seed + 1, 1.f, nullptr));
    RINGSIM_CUDA_CHECK(rc::FillRandomBf16(in.k.get(), kv_elems, seed + 2, 1.f, nullptr));
    RINGSIM_CUDA_CHECK(rc::FillRandomBf16(in.v.get(), kv_elems, seed + 3, 1.f, nullptr));
    RINGSIM_CUDA_CHECK(rc::FillRandomBf16(in.d_o.get(), q_elems, seed + 4, 1.f, nullptr));
  }
  rc::AttnDims dims;
  dims.batch = o.batch;
  dims.heads = o.heads;
  dims.kv_heads = o.kv_heads;
  dims.head_dim = o.dim;
  dims.q_len = c;
  dims.kv_len = c;
  const rc::BlockMask mask{causal, 0, 0};
  auto fwd_args = [&](InputSet& in, rc::FwdVariant variant) {
    rc::FwdArgs a;
    a.dims = dims;
    a.mask = mask;
    a.q = rc::Contiguous(static_cast<const __nv_bfloat16*>(in.q.get()), o.heads, c, o.dim);
    a.k = rc::Contiguous(static_cast<const __nv_bfloat16*>(in.k.get()), o.kv_heads, c, o.dim);
    a.v = rc::Contiguous(static_cast<const __nv_bfloat16*>(in.v.get()), o.kv_heads, c, o.dim);
    a.o = rc::Contiguous(in.o.get(), o.heads, c, o.dim);
    a.lse = rc::Contiguous(in.lse.get(), o.heads, c, 1);
    a.variant = variant;
    return a;
  };
  // Real O and LSE for the backward (from the first variant this device runs).
  rc::FwdVariant base = rc::FwdVariant::kWarp16Rows;
  for (rc::FwdVariant v : o.variants)
    if (rc::FwdVariantSupported(v)) {
      base = v;
      break;
    }
  for (InputSet& in : sets) RINGSIM_CUDA_CHECK(rc::AttentionForward(fwd_args(in, base), nullptr));
  RINGSIM_CUDA_CHECK(cudaDeviceSynchronize());

  const double fwd_flops = rc::AttnFwdFlops(mask, o.batch, o.heads, o.dim, c, c);
  if (o.fwd) {
    for (rc::FwdVariant variant : o.variants) {
      if (!rc::FwdVariantSupported(variant)) continue;  // Run() said so once
      // Outputs go to a scratch pair so that the backward keeps the first variant's O, LSE.
      Bf16 o_scratch(q_elems);
      F32 lse_scratch(rows);
      const Timing t = TimeIt(
          [&](int s) {
            rc::FwdArgs a = fwd_args(sets[s], variant);
            a.o = rc::Contiguous(o_scratch.get(), o.heads, c, o.dim);
            a.lse = rc::Contiguous(lse_scratch.get(), o.heads, c, 1);
            RINGSIM_CUDA_CHECK(rc::AttentionForward(a, nullptr));
          },
          n_sets, o);
      rep.Add({rc::FwdVariantName(variant), "fwd", causal, c, t, fwd_flops});
    }
  }
  if (o.bwd) {
    F32 delta(rows), lse_log2(rows), dq(q_elems), dk(kv_elems), dv(kv_elems);
    Bf16 dq16(q_elems), dk16(kv_elems), dv16(kv_elems);
    auto bwd_args = [&](InputSet& in) {
      rc::BwdArgs b;
      b.dims = dims;
      b.mask = mask;
      b.q = rc::Contiguous(static_cast<const __nv_bfloat16*>(in.q.get()), o.heads, c, o.dim);
      b.k = rc::Contiguous(static_cast<const __nv_bfloat16*>(in.k.get()), o.kv_heads, c, o.dim);
      b.v = rc::Contiguous(static_cast<const __nv_bfloat16*>(in.v.get()), o.kv_heads, c, o.dim);
      b.d_o = rc::Contiguous(static_cast<const __nv_bfloat16*>(in.d_o.get()), o.heads, c, o.dim);
      b.delta = delta.get();
      b.lse_log2 = lse_log2.get();
      b.dq_acc = rc::Contiguous(dq.get(), o.heads, c, o.dim);
      b.dk_acc = rc::Contiguous(dk.get(), o.kv_heads, c, o.dim);
      b.dv_acc = rc::Contiguous(dv.get(), o.kv_heads, c, o.dim);
      b.accumulate = false;
      return b;
    };
    auto preprocess = [&](InputSet& in) {
      rc::BwdPreprocessArgs p;
      p.dims = dims;
      p.o = rc::Contiguous(static_cast<const __nv_bfloat16*>(in.o.get()), o.heads, c, o.dim);
      p.d_o = rc::Contiguous(static_cast<const __nv_bfloat16*>(in.d_o.get()), o.heads, c, o.dim);
      p.lse = rc::Contiguous(static_cast<const float*>(in.lse.get()), o.heads, c, 1);
      p.delta = delta.get();
      p.lse_log2 = lse_log2.get();
      RINGSIM_CUDA_CHECK(rc::AttentionBwdPreprocess(p, nullptr));
    };
    const double bwd_flops = rc::AttnBwdFlops(mask, o.batch, o.heads, o.dim, c, c);
    const Timing full = TimeIt(
        [&](int s) {
          RINGSIM_CUDA_CHECK(cudaMemsetAsync(dq.get(), 0, dq.bytes(), nullptr));
          preprocess(sets[s]);
          RINGSIM_CUDA_CHECK(rc::AttentionBackward(bwd_args(sets[s]), nullptr));
          RINGSIM_CUDA_CHECK(rc::ConvertToBf16(dq.get(), dq16.get(), q_elems, nullptr));
          RINGSIM_CUDA_CHECK(rc::ConvertToBf16(dk.get(), dk16.get(), kv_elems, nullptr));
          RINGSIM_CUDA_CHECK(rc::ConvertToBf16(dv.get(), dv16.get(), kv_elems, nullptr));
        },
        n_sets, o);
    rep.Add({"fa2", "bwd", causal, c, full, bwd_flops});
    preprocess(sets[0]);
    const Timing kernel = TimeIt(
        [&](int s) { RINGSIM_CUDA_CHECK(rc::AttentionBackward(bwd_args(sets[s]), nullptr)); },
        n_sets, o);
    rep.Add({"fa2", "bwd_kernel", causal, c, kernel, bwd_flops});
  }
}

int Run(const Options& o) {
  int device = 0;
  RINGSIM_CUDA_CHECK(cudaGetDevice(&device));
  cudaDeviceProp prop;
  RINGSIM_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  if (prop.major < 8) {
    std::printf("SKIP: no CUDA device (%s is compute capability %d.%d; the kernels need 8.0+)\n",
                prop.name, prop.major, prop.minor);
    return 0;
  }
  int clock_khz = 0, driver = 0, runtime = 0;
  RINGSIM_CUDA_CHECK(cudaDeviceGetAttribute(&clock_khz, cudaDevAttrClockRate, device));
  RINGSIM_CUDA_CHECK(cudaDriverGetVersion(&driver));
  RINGSIM_CUDA_CHECK(cudaRuntimeGetVersion(&runtime));
  rc::PeakRate peak =
      rc::PeakBf16Dense(prop.name, prop.major, prop.minor, prop.multiProcessorCount, clock_khz);
  if (o.peak_tflops > 0) peak = {o.peak_tflops * 1e12, "given with --peak-tflops"};
  std::printf("# device=\"%s\" sm_%d%d sms=%d l2_bytes=%d driver=%d runtime=%d\n", prop.name,
              prop.major, prop.minor, prop.multiProcessorCount, prop.l2CacheSize, driver, runtime);
  std::printf("# peak_tflops=%.1f (%s)\n", peak.flops_per_s / 1e12, peak.source.c_str());
  std::printf("# shape: batch=%d heads=%d kv_heads=%d head_dim=%d, one c x c block pair\n", o.batch,
              o.heads, o.kv_heads, o.dim);
  for (rc::FwdVariant v : o.variants)
    if (!rc::FwdVariantSupported(v))
      std::printf("# variant %s: not supported on this device with this build, not timed\n",
                  rc::FwdVariantName(v));
  Reporter rep(o, prop.name, peak.flops_per_s);
  rc::WarmUpWithAttention(rc::FwdVariant::kWarp16Rows, 4, 0, [] {});
  for (int c : o.sizes)
    for (bool causal : o.causal) BenchShape(o, c, causal, prop, rep);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (const std::optional<int> exit =
          rc::ParseAttentionBenchOptions(argc, argv, &o, std::cout, std::cerr))
    return *exit;
  return rc::RunOnDevice("attention_bench", 0, [&] { return Run(o); });
}
