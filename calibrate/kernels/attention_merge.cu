// Exact merge of blockwise partial results (online softmax across ring steps), and small
// element-wise helpers (conversion, fills, random inputs for the benchmark).

#include <cmath>

#include "calibrate/kernels/attention_kernels.h"

namespace ringsim::calibrate {
namespace {

// One warp per row: every lane reads both LSEs before lane 0 overwrites the accumulator's.
template <int kD>
__global__ void MergeKernel(const MergeArgs a) {
  constexpr int kPerLane = kD / 32;
  const std::int64_t row = (static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  const int lane = threadIdx.x % 32;
  if (row >= a.rows) return;
  const float lse_blk = a.lse_blk[row];
  const float lse_acc = a.first ? -INFINITY : a.lse_acc[row];
  const float hi = fmaxf(lse_blk, lse_acc);
  float lse = -INFINITY, w_acc = 0.f, w_blk = 0.f;
  if (hi != -INFINITY) {
    const float e_acc = expf(lse_acc - hi), e_blk = expf(lse_blk - hi);
    lse = hi + logf(e_acc + e_blk);
    w_acc = expf(lse_acc - lse);
    w_blk = expf(lse_blk - lse);
  }
  __syncwarp();
  const std::int64_t off = row * kD + lane * kPerLane;
  float* acc = a.o_acc + off;
  const __nv_bfloat16* blk = a.o_blk + off;
#pragma unroll
  for (int e = 0; e < kPerLane; e += 2) {
    const float2 bv = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162*>(blk + e));
    float2 av = make_float2(0.f, 0.f);
    if (!a.first) av = *reinterpret_cast<const float2*>(acc + e);
    // w_acc is 0 when the accumulator had no mass; never multiply its (maybe stale) values then.
    const float2 r = make_float2(w_blk * bv.x + (w_acc > 0.f ? w_acc * av.x : 0.f),
                                 w_blk * bv.y + (w_acc > 0.f ? w_acc * av.y : 0.f));
    *reinterpret_cast<float2*>(acc + e) = r;
    if (a.out != nullptr)
      *reinterpret_cast<__nv_bfloat162*>(a.out + off + e) = __floats2bfloat162_rn(r.x, r.y);
  }
  if (lane == 0) a.lse_acc[row] = lse;
}

__global__ void ConvertKernel(const float* in, __nv_bfloat16* out, std::int64_t n) {
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x)
    out[i] = __float2bfloat16_rn(in[i]);
}

__global__ void FillKernel(float* p, float value, std::int64_t n) {
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x)
    p[i] = value;
}

// splitmix64: a counter-based hash, so element i's value depends on (seed, i) alone.
__device__ __forceinline__ std::uint64_t Mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

__global__ void FillRandomKernel(__nv_bfloat16* p, std::int64_t n, std::uint64_t seed,
                                 float half_width) {
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
    const std::uint64_t r = Mix(seed ^ Mix(static_cast<std::uint64_t>(i)));
    const float u = static_cast<float>(r >> 40) * (1.f / 16777216.f);  // [0, 1)
    p[i] = __float2bfloat16_rn((2.f * u - 1.f) * half_width);
  }
}

unsigned GridFor(std::int64_t n, int threads) {
  const std::int64_t blocks = (n + threads - 1) / threads;
  return static_cast<unsigned>(blocks < 65536 ? blocks : 65536);
}

}  // namespace

cudaError_t AttentionMerge(const MergeArgs& a, cudaStream_t stream) {
  if ((a.head_dim != 64 && a.head_dim != 128) || a.rows < 0) return cudaErrorInvalidValue;
  if (a.rows == 0) return cudaSuccess;
  const int threads = 256;
  const std::int64_t blocks = (static_cast<std::int64_t>(a.rows) * 32 + threads - 1) / threads;
  if (a.head_dim == 64)
    MergeKernel<64><<<static_cast<unsigned>(blocks), threads, 0, stream>>>(a);
  else
    MergeKernel<128><<<static_cast<unsigned>(blocks), threads, 0, stream>>>(a);
  return cudaGetLastError();
}

cudaError_t ConvertToBf16(const float* in, __nv_bfloat16* out, std::int64_t n,
                          cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  ConvertKernel<<<GridFor(n, 256), 256, 0, stream>>>(in, out, n);
  return cudaGetLastError();
}

cudaError_t FillRandomBf16(__nv_bfloat16* p, std::int64_t n, std::uint64_t seed, float stddev,
                           cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  FillRandomKernel<<<GridFor(n, 256), 256, 0, stream>>>(p, n, seed, 1.7320508f * stddev);
  return cudaGetLastError();
}

cudaError_t FillFloat(float* p, float value, std::int64_t n, cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  FillKernel<<<GridFor(n, 256), 256, 0, stream>>>(p, value, n);
  return cudaGetLastError();
}

}  // namespace ringsim::calibrate
