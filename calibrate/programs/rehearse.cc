// rehearse: a real ring attention forward on the GPUs present, timed step by step, its output
// checked against an fp64 CPU reference (issue 5). `ringsim rehearse` runs it and sets its
// measured steps beside the engines' predictions from the calibration alone.
//
//   rehearse --ranks N [--layout ring|striped|zigzag] [--causal yes|no] [--batch 1]
//            [--heads 32] [--kv-heads 32] [--dim 128] [--blocks 1024,2048,4096]
//            [--variant w16rows] [--reps 5] [--gpus auto|1] [--check-heads 2]
//            [--check-rows 64] [--tol 1e-2] [--seed 1] [--copy-priority normal|high]
//            [--git-sha SHA] [--json FILE]
//
// --copy-priority high puts the K,V transfers on a stream of the device's greatest priority:
// the block scheduler then hands SMs to a device-to-device copy (a kernel) before the
// attention kernel's waiting CTAs, instead of after them (what "normal" measures).
//
// The ring (sim/schedule.h's RingPass, calibrate/programs/ring_layout.h's token layout): N ranks of
// `block` tokens each (the sequence is N x block), rank i keeps its Q and starts with its own
// K,V; at step t it holds the K,V block of rank (i - t) mod N, runs the forward kernel for each
// of its (query chunk, key chunk) pairs that the causal mask leaves anything of, merges the
// partials into its fp32 accumulator, and receives the next block from rank i - 1 into its
// second K,V buffer while it computes (two buffers per rank, the paper's six-block count).
//
// Two modes:
//  - multi-gpu (as many GPUs as ranks, --gpus auto): rank i on GPU i, the K,V block moves by
//    cudaMemcpyPeerAsync on a copy stream; events give the exact protocol of the engines
//    (a rank starts step t + 1 once its compute, its receive and its send of step t are done,
//    and a transfer starts once both ends have started the step).
//  - one-gpu (fewer GPUs than ranks): the N ranks take turns on GPU 0. Each (step, rank) runs
//    alone on the GPU: its kernels on one stream and its K,V-sized device-to-device copy (the
//    block it receives) on a second stream, started together; the next rank starts when both
//    are done. So each step is timed as one GPU of a real ring would run it, kernel and
//    transfer overlapping, but the ranks are not concurrent: `ringsim rehearse` composes the
//    ring's time from the measured steps with the protocol above.
// Per (step, rank) it records, from CUDA events: compute_ms (the step's kernels: forwards
// and merges), copy_ms (from the step's start until its incoming K,V block has arrived) and
// step_ms; each the median over --reps timed rings, after one untimed ring that is checked.
//
// The check: every output element finite (outputs poisoned with NaN before the ring), and
// for --check-heads query heads of batch 0 (spread over the heads, the first and last
// included) and --check-rows query rows per head (spread over every rank, each rank's first
// and last row included), ||O - O_ref|| / ||O_ref|| < --tol with O_ref computed in fp64 over
// the whole sequence from the same bf16 inputs (calibrate/programs/sampled_reference.h).
//
// Exit status: 0 all checks passed; 1 a check failed or a CUDA call did; 2 bad options;
// 77 no usable CUDA device ("SKIP: no CUDA device (<reason>)").

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "calibrate/kernels/attention_kernels.h"
#include "calibrate/kernels/bf16.h"
#include "calibrate/programs/bench_context.h"
#include "calibrate/programs/compare.h"
#include "calibrate/programs/cuda_check.h"
#include "calibrate/programs/rehearse_options.h"
#include "calibrate/programs/ring_layout.h"
#include "calibrate/programs/sampled_reference.h"

namespace rc = ringsim::calibrate;

namespace {

using Bf16Buffer = rc::DeviceBuffer<__nv_bfloat16>;
using F32Buffer = rc::DeviceBuffer<float>;

using Options = rc::RehearseOptions;

// ---------------------------------------------------------------------------------------------
// One rank's buffers. Tensors are stored chunk by chunk (zigzag ranks hold two chunks), each
// chunk a contiguous (batch, heads, rows, dim) tensor.

struct Rank {
  int gpu = 0;
  cudaStream_t compute = nullptr, copy = nullptr;
  Bf16Buffer q, out;
  Bf16Buffer kv[2];  ///< K chunks then V chunks; [cur] is computed on, the other receives
  F32Buffer o_acc, lse_acc;
  Bf16Buffer o_blk;
  F32Buffer lse_blk;
};

struct Shape {
  const Options* o = nullptr;
  long long block = 0;
  int chunks = 1, rows = 0;   // per rank
  int64_t q_chunk_elems = 0;  // batch * heads * rows * dim
  int64_t kv_chunk_elems = 0;
  int64_t row_count = 0;  // batch * heads * rows (LSE entries of one chunk)

  Shape(const Options& opt, long long c) : o(&opt), block(c) {
    chunks = rc::ChunksPerRank(opt.layout);
    rows = static_cast<int>(c / chunks);
    q_chunk_elems = int64_t{opt.batch} * opt.heads * rows * opt.dim;
    kv_chunk_elems = int64_t{opt.batch} * opt.kv_heads * rows * opt.dim;
    row_count = int64_t{opt.batch} * opt.heads * rows;
  }
  double KvBytes() const { return 2.0 * chunks * kv_chunk_elems * 2; }
  double RankBytes() const {
    return 2.0 * chunks * q_chunk_elems * 2              // q, out
           + 2 * KvBytes()                               // two K,V buffers
           + 4.0 * chunks * (q_chunk_elems + row_count)  // accumulators
           + 2.0 * q_chunk_elems + 4.0 * row_count;      // scratch
  }
};

template <typename T>
rc::TensorView<const T> ConstView(const T* p, int heads, int rows, int dim) {
  return rc::Contiguous(p, heads, rows, dim);
}

void AllocateRank(Rank& r, const Shape& s) {
  RINGSIM_CUDA_CHECK(cudaSetDevice(r.gpu));
  r.q = Bf16Buffer(s.chunks * s.q_chunk_elems);
  r.out = Bf16Buffer(s.chunks * s.q_chunk_elems);
  for (Bf16Buffer& kv : r.kv) kv = Bf16Buffer(2 * s.chunks * s.kv_chunk_elems);
  r.o_acc = F32Buffer(s.chunks * s.q_chunk_elems);
  r.lse_acc = F32Buffer(s.chunks * s.row_count);
  r.o_blk = Bf16Buffer(s.q_chunk_elems);
  r.lse_blk = F32Buffer(s.row_count);
}

/// Launches rank `rank`'s kernels of one ring step on its compute stream: a forward per
/// visible chunk pair against the K,V block in kv[cur] (which started on rank `kv_rank`),
/// each merged into the accumulator of its query chunk. Returns the launches.
int LaunchStep(Rank& r, const Shape& s, int cur, int rank, int kv_rank,
               std::vector<bool>& started) {
  const Options& o = *s.o;
  int launches = 0;
  for (const rc::ChunkPair& p :
       rc::VisibleChunkPairs(o.layout, o.ranks, s.block, o.causal, rank, kv_rank)) {
    const __nv_bfloat16* kv = r.kv[cur].get();
    rc::FwdArgs a;
    a.dims.batch = o.batch;
    a.dims.heads = o.heads;
    a.dims.kv_heads = o.kv_heads;
    a.dims.head_dim = o.dim;
    a.dims.q_len = a.dims.kv_len = s.rows;
    a.mask = p.mask;
    a.q = ConstView<__nv_bfloat16>(r.q.get() + p.q_chunk * s.q_chunk_elems, o.heads, s.rows, o.dim);
    a.k = ConstView<__nv_bfloat16>(kv + p.kv_chunk * s.kv_chunk_elems, o.kv_heads, s.rows, o.dim);
    a.v = ConstView<__nv_bfloat16>(kv + (s.chunks + p.kv_chunk) * s.kv_chunk_elems, o.kv_heads,
                                   s.rows, o.dim);
    a.o = rc::Contiguous(r.o_blk.get(), o.heads, s.rows, o.dim);
    a.lse = rc::Contiguous(r.lse_blk.get(), o.heads, s.rows, 1);
    a.variant = o.variant;
    RINGSIM_CUDA_CHECK(rc::AttentionForward(a, r.compute));
    rc::MergeArgs m;
    m.rows = static_cast<int>(s.row_count);
    m.head_dim = o.dim;
    m.first = !started[p.q_chunk];
    m.o_blk = r.o_blk.get();
    m.lse_blk = r.lse_blk.get();
    m.o_acc = r.o_acc.get() + p.q_chunk * s.q_chunk_elems;
    m.lse_acc = r.lse_acc.get() + p.q_chunk * s.row_count;
    RINGSIM_CUDA_CHECK(rc::AttentionMerge(m, r.compute));
    started[p.q_chunk] = true;
    launches += 2;
  }
  return launches;
}

/// Events of one ring, per (step, rank), created on the rank's GPU.
struct RingEvents {
  int n = 0;
  std::vector<cudaEvent_t> start, kdone, cdone, end;
  cudaEvent_t& At(std::vector<cudaEvent_t>& v, int t, int i) { return v[t * n + i]; }
};

struct StepTiming {
  double compute_ms = 0, copy_ms = -1, step_ms = 0;
};

struct RingTiming {
  std::vector<StepTiming> steps;  // step-major
  double ring_ms = -1;            // multi-gpu: the slowest rank's first start to last end
  double finalize_ms = 0;
};

/// Runs one whole ring forward and returns its event timings.
RingTiming RunRing(std::vector<Rank>& ranks, const Shape& s, bool multi, RingEvents& ev) {
  const int n = static_cast<int>(ranks.size());
  for (Rank& r : ranks) {
    RINGSIM_CUDA_CHECK(cudaSetDevice(r.gpu));
    RINGSIM_CUDA_CHECK(cudaDeviceSynchronize());
  }
  std::vector<int> cur(n, 0);
  std::vector<std::vector<bool>> started(n, std::vector<bool>(s.chunks, false));
  for (int t = 0; t < n; ++t) {
    const bool sends = t + 1 < n;
    if (multi) {
      // Pass 1: each rank starts step t once its compute, its receive and its send of step
      // t - 1 are done (its compute stream has the compute in order already).
      for (int i = 0; i < n; ++i) {
        Rank& r = ranks[i];
        RINGSIM_CUDA_CHECK(cudaSetDevice(r.gpu));
        if (t > 0) {
          RINGSIM_CUDA_CHECK(cudaStreamWaitEvent(r.compute, ev.At(ev.cdone, t - 1, i), 0));
          RINGSIM_CUDA_CHECK(
              cudaStreamWaitEvent(r.compute, ev.At(ev.cdone, t - 1, (i + 1) % n), 0));
        }
        RINGSIM_CUDA_CHECK(cudaEventRecord(ev.At(ev.start, t, i), r.compute));
      }
      // Pass 2: the receive starts once both ends have started; the kernels at once.
      for (int i = 0; i < n; ++i) {
        Rank& r = ranks[i];
        const int prev = (i + n - 1) % n;
        RINGSIM_CUDA_CHECK(cudaSetDevice(r.gpu));
        if (sends) {
          RINGSIM_CUDA_CHECK(cudaStreamWaitEvent(r.copy, ev.At(ev.start, t, i), 0));
          RINGSIM_CUDA_CHECK(cudaStreamWaitEvent(r.copy, ev.At(ev.start, t, prev), 0));
          RINGSIM_CUDA_CHECK(cudaMemcpyPeerAsync(ranks[i].kv[1 - cur[i]].get(), r.gpu,
                                                 ranks[prev].kv[cur[prev]].get(), ranks[prev].gpu,
                                                 static_cast<size_t>(s.KvBytes()), r.copy));
          RINGSIM_CUDA_CHECK(cudaEventRecord(ev.At(ev.cdone, t, i), r.copy));
        }
        LaunchStep(r, s, cur[i], i, static_cast<int>(rc::KvSourceRank(n, i, t)), started[i]);
        RINGSIM_CUDA_CHECK(cudaEventRecord(ev.At(ev.kdone, t, i), r.compute));
      }
    } else {
      // One GPU: rank by rank, each step alone on the GPU with its receive beside it.
      for (int i = 0; i < n; ++i) {
        Rank& r = ranks[i];
        const int prev = (i + n - 1) % n;
        RINGSIM_CUDA_CHECK(cudaEventRecord(ev.At(ev.start, t, i), r.compute));
        if (sends) {
          RINGSIM_CUDA_CHECK(cudaStreamWaitEvent(r.copy, ev.At(ev.start, t, i), 0));
          RINGSIM_CUDA_CHECK(
              cudaMemcpyAsync(ranks[i].kv[1 - cur[i]].get(), ranks[prev].kv[cur[prev]].get(),
                              static_cast<size_t>(s.KvBytes()), cudaMemcpyDeviceToDevice, r.copy));
          RINGSIM_CUDA_CHECK(cudaEventRecord(ev.At(ev.cdone, t, i), r.copy));
        }
        LaunchStep(r, s, cur[i], i, static_cast<int>(rc::KvSourceRank(n, i, t)), started[i]);
        RINGSIM_CUDA_CHECK(cudaEventRecord(ev.At(ev.kdone, t, i), r.compute));
        if (sends) RINGSIM_CUDA_CHECK(cudaStreamWaitEvent(r.compute, ev.At(ev.cdone, t, i), 0));
        RINGSIM_CUDA_CHECK(cudaEventRecord(ev.At(ev.end, t, i), r.compute));
      }
    }
    if (sends)
      for (int i = 0; i < n; ++i) cur[i] = 1 - cur[i];
  }
  // Finalise every rank's output (bf16 O from the fp32 accumulator), timed on rank 0.
  cudaEvent_t f0 = nullptr, f1 = nullptr;
  for (int i = 0; i < n; ++i) {
    Rank& r = ranks[i];
    RINGSIM_CUDA_CHECK(cudaSetDevice(r.gpu));
    if (i == 0) {
      RINGSIM_CUDA_CHECK(cudaEventCreate(&f0));
      RINGSIM_CUDA_CHECK(cudaEventCreate(&f1));
      RINGSIM_CUDA_CHECK(cudaEventRecord(f0, r.compute));
    }
    RINGSIM_CUDA_CHECK(
        rc::ConvertToBf16(r.o_acc.get(), r.out.get(), s.chunks * s.q_chunk_elems, r.compute));
    if (i == 0) RINGSIM_CUDA_CHECK(cudaEventRecord(f1, r.compute));
  }
  for (Rank& r : ranks) {
    RINGSIM_CUDA_CHECK(cudaSetDevice(r.gpu));
    RINGSIM_CUDA_CHECK(cudaDeviceSynchronize());
    RINGSIM_CUDA_CHECK(cudaGetLastError());
  }

  RingTiming out;
  float ms = 0;
  RINGSIM_CUDA_CHECK(cudaSetDevice(ranks[0].gpu));
  RINGSIM_CUDA_CHECK(cudaEventElapsedTime(&ms, f0, f1));
  out.finalize_ms = ms;
  RINGSIM_CUDA_CHECK(cudaEventDestroy(f0));
  RINGSIM_CUDA_CHECK(cudaEventDestroy(f1));
  out.steps.resize(static_cast<size_t>(n) * n);
  for (int t = 0; t < n; ++t) {
    for (int i = 0; i < n; ++i) {
      RINGSIM_CUDA_CHECK(cudaSetDevice(ranks[i].gpu));
      StepTiming& st = out.steps[t * n + i];
      RINGSIM_CUDA_CHECK(cudaEventElapsedTime(&ms, ev.At(ev.start, t, i), ev.At(ev.kdone, t, i)));
      st.compute_ms = ms;
      st.step_ms = st.compute_ms;
      if (t + 1 < n) {
        RINGSIM_CUDA_CHECK(cudaEventElapsedTime(&ms, ev.At(ev.start, t, i), ev.At(ev.cdone, t, i)));
        st.copy_ms = ms;
        st.step_ms = std::max(st.step_ms, st.copy_ms);
      }
      if (multi && t + 1 < n) {  // until the rank could start the next step
        RINGSIM_CUDA_CHECK(
            cudaEventElapsedTime(&ms, ev.At(ev.start, t, i), ev.At(ev.start, t + 1, i)));
        st.step_ms = ms;
      }
    }
  }
  if (multi) {
    for (int i = 0; i < n; ++i) {
      RINGSIM_CUDA_CHECK(cudaSetDevice(ranks[i].gpu));
      RINGSIM_CUDA_CHECK(
          cudaEventElapsedTime(&ms, ev.At(ev.start, 0, i), ev.At(ev.kdone, n - 1, i)));
      out.ring_ms = std::max(out.ring_ms, static_cast<double>(ms));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The check

std::vector<float> DownloadRowsBf16(const __nv_bfloat16* src, int64_t rows, int dim) {
  std::vector<std::uint16_t> bits(static_cast<size_t>(rows * dim));
  RINGSIM_CUDA_CHECK(cudaMemcpy(bits.data(), src, bits.size() * 2, cudaMemcpyDeviceToHost));
  std::vector<float> out(bits.size());
  for (size_t i = 0; i < bits.size(); ++i) out[i] = rc::Bf16BitsToFloat(bits[i]);
  return out;
}

struct CheckInputs {
  std::vector<int64_t> heads;
  std::vector<rc::SampledHead> data;                     // per checked head
  std::vector<std::vector<std::pair<int, int64_t>>> at;  // per head: (rank, rank-local index)
};

/// Reads the inputs of the checked heads (batch 0) before the ring moves the K,V blocks.
CheckInputs ReadCheckInputs(std::vector<Rank>& ranks, const Shape& s) {
  const Options& o = *s.o;
  CheckInputs in;
  in.heads = rc::SpreadIndices(o.heads, o.check_heads);
  const int n = static_cast<int>(ranks.size());
  const int64_t per_rank = std::max<int64_t>(2, (o.check_rows + n - 1) / n);
  for (int64_t h : in.heads) {
    const int64_t hk = h / (o.heads / o.kv_heads);
    rc::SampledHead head;
    head.dim = o.dim;
    std::vector<std::pair<int, int64_t>> at;
    for (int i = 0; i < n; ++i) {
      Rank& r = ranks[i];
      RINGSIM_CUDA_CHECK(cudaSetDevice(r.gpu));
      for (int ch = 0; ch < s.chunks; ++ch) {
        const int64_t head_off = hk * int64_t{s.rows} * o.dim;  // batch 0
        std::vector<float> k =
            DownloadRowsBf16(r.kv[0].get() + ch * s.kv_chunk_elems + head_off, s.rows, o.dim);
        std::vector<float> v = DownloadRowsBf16(
            r.kv[0].get() + (s.chunks + ch) * s.kv_chunk_elems + head_off, s.rows, o.dim);
        head.k.insert(head.k.end(), k.begin(), k.end());
        head.v.insert(head.v.end(), v.begin(), v.end());
        for (int row = 0; row < s.rows; ++row)
          head.k_pos.push_back(rc::TokenPosition(o.layout, n, s.block, i, ch, row));
      }
      for (int64_t idx : rc::SpreadIndices(s.block, per_rank)) {
        const int ch = static_cast<int>(idx / s.rows);
        const int64_t row = idx % s.rows;
        std::vector<float> q = DownloadRowsBf16(
            r.q.get() + ch * s.q_chunk_elems + (h * s.rows + row) * o.dim, 1, o.dim);
        head.q.insert(head.q.end(), q.begin(), q.end());
        head.q_pos.push_back(rc::TokenPosition(o.layout, n, s.block, i, ch, row));
        at.emplace_back(i, idx);
      }
    }
    in.data.push_back(std::move(head));
    in.at.push_back(std::move(at));
  }
  return in;
}

struct CheckResult {
  rc::ErrorStats sampled;
  std::size_t nonfinite_output = 0;
  std::size_t output_elems = 0;
  bool passed = false;
};

CheckResult Check(std::vector<Rank>& ranks, const Shape& s, const CheckInputs& in) {
  const Options& o = *s.o;
  CheckResult res;
  // Every output element written and finite (the outputs were poisoned with NaN).
  for (Rank& r : ranks) {
    RINGSIM_CUDA_CHECK(cudaSetDevice(r.gpu));
    std::vector<std::uint16_t> bits(r.out.size());
    RINGSIM_CUDA_CHECK(cudaMemcpy(bits.data(), r.out.get(), r.out.bytes(), cudaMemcpyDeviceToHost));
    for (std::uint16_t b : bits) res.nonfinite_output += (b & 0x7f80u) == 0x7f80u;
    res.output_elems += bits.size();
  }
  std::vector<float> got;
  std::vector<double> want;
  const double scale = 1.0 / std::sqrt(static_cast<double>(o.dim));
  const int threads = std::max(1u, std::thread::hardware_concurrency());
  for (size_t hi = 0; hi < in.heads.size(); ++hi) {
    const int64_t h = in.heads[hi];
    std::vector<double> ref = rc::SampledAttention(in.data[hi], o.causal, scale, threads);
    want.insert(want.end(), ref.begin(), ref.end());
    for (const auto& [rank, idx] : in.at[hi]) {
      Rank& r = ranks[rank];
      RINGSIM_CUDA_CHECK(cudaSetDevice(r.gpu));
      const int ch = static_cast<int>(idx / s.rows);
      const int64_t row = idx % s.rows;
      std::vector<float> out = DownloadRowsBf16(
          r.out.get() + ch * s.q_chunk_elems + (h * s.rows + row) * o.dim, 1, o.dim);
      got.insert(got.end(), out.begin(), out.end());
    }
  }
  res.sampled = rc::CompareToReference(got.data(), want.data(), got.size());
  res.passed = res.nonfinite_output == 0 && rc::WithinTolerance(res.sampled, o.tol);
  return res;
}

// ---------------------------------------------------------------------------------------------

struct BlockResult {
  long long block = 0;
  CheckResult check;
  std::vector<StepTiming> median;  // step-major
  std::vector<double> compute_min;
  std::vector<int64_t> pairs;
  std::vector<int> launches;
  double ring_ms = -1, finalize_ms = 0;
  std::string skipped;  // why, if it was not run
};

BlockResult RunBlock(const Options& o, long long c, const std::vector<int>& gpus, bool multi) {
  const int n = o.ranks;
  Shape s(o, c);
  BlockResult res;
  res.block = c;
  // Memory: all ranks on one GPU, or one rank per GPU.
  size_t free_b = 0, total_b = 0;
  RINGSIM_CUDA_CHECK(cudaSetDevice(gpus[0]));
  RINGSIM_CUDA_CHECK(cudaMemGetInfo(&free_b, &total_b));
  const double need = s.RankBytes() * (multi ? 1 : n);
  if (need > 0.85 * free_b) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "needs %.1f GB of GPU memory, %.1f GB free", need / 1e9,
                  free_b / 1e9);
    res.skipped = buf;
    return res;
  }
  std::vector<Rank> ranks(n);
  RingEvents ev;
  ev.n = n;
  for (int i = 0; i < n; ++i) {
    Rank& r = ranks[i];
    r.gpu = gpus[multi ? i : 0];
    AllocateRank(r, s);
    RINGSIM_CUDA_CHECK(cudaSetDevice(r.gpu));
    if (multi || i == 0) {
      RINGSIM_CUDA_CHECK(cudaStreamCreateWithFlags(&r.compute, cudaStreamNonBlocking));
      int least = 0, greatest = 0;
      RINGSIM_CUDA_CHECK(cudaDeviceGetStreamPriorityRange(&least, &greatest));
      RINGSIM_CUDA_CHECK(cudaStreamCreateWithPriority(&r.copy, cudaStreamNonBlocking,
                                                      o.high_priority_copy ? greatest : least));
    } else {
      r.compute = ranks[0].compute;
      r.copy = ranks[0].copy;
    }
    const unsigned long long seed = o.seed * 1000003ull + static_cast<unsigned long long>(c) * 131 +
                                    static_cast<unsigned long long>(i) * 7;
    RINGSIM_CUDA_CHECK(rc::FillRandomBf16(r.q.get(), r.q.size(), seed + 1, 1.f, nullptr));
    RINGSIM_CUDA_CHECK(rc::FillRandomBf16(r.kv[0].get(), r.kv[0].size(), seed + 2, 1.f, nullptr));
    r.kv[1].Poison();
    r.out.Poison();
    r.o_acc.Poison();
    r.lse_acc.Poison();
  }
  for (auto* v : {&ev.start, &ev.kdone, &ev.cdone, &ev.end}) v->resize(static_cast<size_t>(n) * n);
  for (int t = 0; t < n; ++t)
    for (int i = 0; i < n; ++i) {
      RINGSIM_CUDA_CHECK(cudaSetDevice(ranks[i].gpu));
      for (auto* v : {&ev.start, &ev.kdone, &ev.cdone, &ev.end})
        RINGSIM_CUDA_CHECK(cudaEventCreate(&ev.At(*v, t, i)));
    }
  for (Rank& r : ranks) {
    RINGSIM_CUDA_CHECK(cudaSetDevice(r.gpu));
    RINGSIM_CUDA_CHECK(cudaDeviceSynchronize());
  }

  const CheckInputs inputs = ReadCheckInputs(ranks, s);
  RunRing(ranks, s, multi, ev);  // untimed: warm-up, and the one that is checked
  res.check = Check(ranks, s, inputs);

  std::vector<RingTiming> runs;
  for (int rep = 0; rep < o.reps; ++rep) runs.push_back(RunRing(ranks, s, multi, ev));
  res.median.resize(static_cast<size_t>(n) * n);
  res.compute_min.resize(res.median.size());
  for (size_t k = 0; k < res.median.size(); ++k) {
    std::vector<double> compute, copy, step;
    for (const RingTiming& run : runs) {
      compute.push_back(run.steps[k].compute_ms);
      copy.push_back(run.steps[k].copy_ms);
      step.push_back(run.steps[k].step_ms);
    }
    res.median[k] = {rc::Median(compute), rc::Median(copy), rc::Median(step)};
    res.compute_min[k] = *std::min_element(compute.begin(), compute.end());
  }
  std::vector<double> ring, finalize;
  for (const RingTiming& run : runs) {
    ring.push_back(run.ring_ms);
    finalize.push_back(run.finalize_ms);
  }
  res.ring_ms = multi ? rc::Median(ring) : -1;
  res.finalize_ms = rc::Median(finalize);
  for (int t = 0; t < n; ++t)
    for (int i = 0; i < n; ++i) {
      const int src = static_cast<int>(rc::KvSourceRank(n, i, t));
      res.pairs.push_back(rc::StepVisiblePairs(o.layout, n, c, o.causal, i, src));
      res.launches.push_back(
          2 * static_cast<int>(rc::VisibleChunkPairs(o.layout, n, c, o.causal, i, src).size()));
    }

  for (int t = 0; t < n; ++t)
    for (int i = 0; i < n; ++i) {
      RINGSIM_CUDA_CHECK(cudaSetDevice(ranks[i].gpu));
      for (auto* v : {&ev.start, &ev.kdone, &ev.cdone, &ev.end})
        RINGSIM_CUDA_CHECK(cudaEventDestroy(ev.At(*v, t, i)));
    }
  for (int i = 0; i < n; ++i) {
    if (!multi && i > 0) continue;
    RINGSIM_CUDA_CHECK(cudaSetDevice(ranks[i].gpu));
    RINGSIM_CUDA_CHECK(cudaStreamDestroy(ranks[i].compute));
    RINGSIM_CUDA_CHECK(cudaStreamDestroy(ranks[i].copy));
  }
  return res;
}

rc::Json BlockJson(const Options& o, const BlockResult& b) {
  const int n = o.ranks;
  rc::Json j = {{"block_tokens", b.block}, {"seq_len", b.block * n}};
  if (!b.skipped.empty()) {
    j["skipped"] = b.skipped;
    return j;
  }
  const Shape s(o, b.block);
  j["message_bytes"] = s.KvBytes();
  j["check"] = {{"heads", rc::SpreadIndices(o.heads, o.check_heads)},
                {"rows_compared", b.check.sampled.count / o.dim},
                {"rel_l2", b.check.sampled.rel_l2},
                {"max_abs", b.check.sampled.max_abs},
                {"nonfinite_sampled", b.check.sampled.non_finite},
                {"nonfinite_output", b.check.nonfinite_output},
                {"output_elements", b.check.output_elems},
                {"tolerance", o.tol},
                {"passed", b.check.passed}};
  // A negative time is one that was not measured: null, as the reader expects.
  j["ring_ms_measured"] = b.ring_ms >= 0 ? rc::Json(b.ring_ms) : rc::Json(nullptr);
  j["finalize_ms"] = b.finalize_ms;
  rc::Json steps = rc::Json::array();
  for (int t = 0; t < n; ++t)
    for (int i = 0; i < n; ++i) {
      const size_t k = static_cast<size_t>(t) * n + i;
      const StepTiming& st = b.median[k];
      steps.push_back({{"step", t},
                       {"rank", i},
                       {"kv_rank", rc::KvSourceRank(n, i, t)},
                       {"pairs", b.pairs[k]},
                       {"launches", b.launches[k]},
                       {"compute_ms", st.compute_ms},
                       {"compute_ms_min", b.compute_min[k]},
                       {"copy_ms", st.copy_ms >= 0 ? rc::Json(st.copy_ms) : rc::Json(nullptr)},
                       {"step_ms", st.step_ms}});
    }
  j["steps"] = std::move(steps);
  return j;
}

int Run(const Options& o) {
  int count = 0;
  RINGSIM_CUDA_CHECK(cudaGetDeviceCount(&count));
  std::vector<int> gpus;
  for (int d = 0; d < count; ++d) {
    cudaDeviceProp prop;
    RINGSIM_CUDA_CHECK(cudaGetDeviceProperties(&prop, d));
    if (prop.major >= 8) gpus.push_back(d);
  }
  if (gpus.empty()) {
    std::printf("SKIP: no CUDA device (no GPU of compute capability 8.0+; the kernels need it)\n");
    return 77;
  }
  const bool multi = o.multi_gpu_allowed && static_cast<int>(gpus.size()) >= o.ranks && o.ranks > 1;
  if (multi) {
    for (int i = 0; i < o.ranks; ++i) {
      const int prev = (i + o.ranks - 1) % o.ranks;
      int can = 0;
      RINGSIM_CUDA_CHECK(cudaDeviceCanAccessPeer(&can, gpus[i], gpus[prev]));
      if (!can) continue;  // cudaMemcpyPeerAsync then goes through the host
      RINGSIM_CUDA_CHECK(cudaSetDevice(gpus[i]));
      const cudaError_t e = cudaDeviceEnablePeerAccess(gpus[prev], 0);
      if (e == cudaErrorPeerAccessAlreadyEnabled)
        (void)cudaGetLastError();
      else
        RINGSIM_CUDA_CHECK(e);
    }
  }
  for (int g = 0; g < (multi ? o.ranks : 1); ++g) {
    RINGSIM_CUDA_CHECK(cudaSetDevice(gpus[g]));
    if (!rc::FwdVariantSupported(o.variant))
      throw std::runtime_error(std::string("variant ") + rc::FwdVariantName(o.variant) +
                               " is not supported on GPU " + std::to_string(gpus[g]) +
                               " with this build");
  }
  RINGSIM_CUDA_CHECK(cudaSetDevice(gpus[0]));
  const rc::DeviceContext ctx = rc::GetDeviceContext(gpus[0]);
  std::printf("# device=\"%s\" gpus=%d mode=%s ranks=%d layout=%s causal=%s variant=%s\n",
              ctx.name.c_str(), ctx.gpus, multi ? "multi-gpu" : "one-gpu", o.ranks,
              rc::RingLayoutName(o.layout), o.causal ? "yes" : "no", rc::FwdVariantName(o.variant));
  std::printf("%7s %9s %9s %10s %12s %12s %12s\n", "block", "seq_len", "check", "rel_l2",
              "compute_ms", "copy_ms", "lockstep_ms");

  std::vector<BlockResult> results;
  bool all_passed = true;
  for (long long c : o.blocks) {
    BlockResult b = RunBlock(o, c, gpus, multi);
    if (!b.skipped.empty()) {
      std::printf("%7lld %9lld   skipped: %s\n", c, c * o.ranks, b.skipped.c_str());
    } else {
      // Summary line: mean compute and copy per step over ranks, and the lock-step sum
      // (each step as long as its slowest rank); ringsim composes the protocol's time.
      double compute = 0, copy = 0, lockstep = 0;
      int copies = 0;
      for (int t = 0; t < o.ranks; ++t) {
        double slowest = 0;
        for (int i = 0; i < o.ranks; ++i) {
          const StepTiming& st = b.median[t * o.ranks + i];
          compute += st.compute_ms;
          if (st.copy_ms >= 0) {
            copy += st.copy_ms;
            ++copies;
          }
          slowest = std::max(slowest, st.step_ms);
        }
        lockstep += slowest;
      }
      std::printf("%7lld %9lld %9s %10.2e %12.4f %12.4f %12.4f\n", c, c * o.ranks,
                  b.check.passed ? "ok" : "FAILED", b.check.sampled.rel_l2,
                  compute / (o.ranks * o.ranks), copies ? copy / copies : 0.0, lockstep);
      if (!b.check.passed) {
        all_passed = false;
        std::printf("FAIL: block %lld: %s, %zu non-finite of %zu outputs (tolerance %.1e)\n", c,
                    rc::FormatStats(b.check.sampled).c_str(), b.check.nonfinite_output,
                    b.check.output_elems, o.tol);
      }
    }
    std::fflush(stdout);
    results.push_back(std::move(b));
  }

  rc::Json context = rc::ContextJson(ctx);
  context["git_sha"] = o.git_sha;
  context["mode"] = multi ? "multi-gpu" : "one-gpu";
  context["gpus_used"] = multi ? o.ranks : 1;
  rc::Json runs = rc::Json::array();
  for (const BlockResult& b : results) runs.push_back(BlockJson(o, b));
  const rc::Json report = {{"generator", "calibrate/rehearse"},
                           {"context", context},
                           {"config",
                            {{"ranks", o.ranks},
                             {"layout", rc::RingLayoutName(o.layout)},
                             {"causal", o.causal},
                             {"batch", o.batch},
                             {"heads", o.heads},
                             {"kv_heads", o.kv_heads},
                             {"head_dim", o.dim},
                             {"precision", "bf16"},
                             {"pass", "fwd"},
                             {"variant", rc::FwdVariantName(o.variant)},
                             {"repetitions", o.reps},
                             {"seed", o.seed},
                             {"copy_priority", o.high_priority_copy ? "high" : "normal"}}},
                           {"runs", runs}};
  const std::string json = report.dump(2) + "\n";
  if (o.json.empty()) {
    std::printf("%s", json.c_str());
  } else {
    std::ofstream f(o.json);
    f << json;
    if (!f) throw std::runtime_error("cannot write " + o.json);
    std::printf("# wrote %s\n", o.json.c_str());
  }
  return all_passed ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (const std::optional<int> exit =
          rc::ParseRehearseOptions(argc, argv, &o, std::cout, std::cerr))
    return *exit;
  return rc::RunOnDevice("rehearse", 77, [&] { return Run(o); });
}
