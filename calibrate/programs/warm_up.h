#pragma once
// Tensor-core work before a measurement: an idle GPU sits at low clocks (KINDS.md saw
// 345 MHz before and 1980 MHz after a warm-up on an H200). Shared by the benchmarks.

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <chrono>
#include <cstdint>

#include "calibrate/kernels/attention_kernels.h"
#include "calibrate/programs/cuda_check.h"

namespace ringsim::calibrate {

/// Runs forward attention (32 heads x 4096 tokens x 128) with `variant` for half a second,
/// synchronizing every `launches_per_sync` launches; then queues `extra_launches` more and
/// calls `while_running()` before waiting for them (to observe the GPU under load).
template <typename Fn>
void WarmUpWithAttention(FwdVariant variant, int launches_per_sync, int extra_launches,
                         Fn while_running) {
  constexpr int kHeads = 32, kLen = 4096, kDim = 128;
  const int64_t n = int64_t{kHeads} * kLen * kDim;
  DeviceBuffer<__nv_bfloat16> q(n), k(n), v(n), out(n);
  DeviceBuffer<float> lse(int64_t{kHeads} * kLen);
  RINGSIM_CUDA_CHECK(FillRandomBf16(q.get(), n, 1, 1.f, nullptr));
  RINGSIM_CUDA_CHECK(FillRandomBf16(k.get(), n, 2, 1.f, nullptr));
  RINGSIM_CUDA_CHECK(FillRandomBf16(v.get(), n, 3, 1.f, nullptr));
  FwdArgs a;
  a.dims.heads = a.dims.kv_heads = kHeads;
  a.dims.head_dim = kDim;
  a.dims.q_len = a.dims.kv_len = kLen;
  a.q = Contiguous(static_cast<const __nv_bfloat16*>(q.get()), kHeads, kLen, kDim);
  a.k = Contiguous(static_cast<const __nv_bfloat16*>(k.get()), kHeads, kLen, kDim);
  a.v = Contiguous(static_cast<const __nv_bfloat16*>(v.get()), kHeads, kLen, kDim);
  a.o = Contiguous(out.get(), kHeads, kLen, kDim);
  a.lse = Contiguous(lse.get(), kHeads, kLen, 1);
  a.variant = variant;
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < std::chrono::milliseconds(500)) {
    for (int i = 0; i < launches_per_sync; ++i) RINGSIM_CUDA_CHECK(AttentionForward(a, nullptr));
    RINGSIM_CUDA_CHECK(cudaDeviceSynchronize());
  }
  for (int i = 0; i < extra_launches; ++i) RINGSIM_CUDA_CHECK(AttentionForward(a, nullptr));
  while_running();
  RINGSIM_CUDA_CHECK(cudaDeviceSynchronize());
}

}  // namespace ringsim::calibrate
