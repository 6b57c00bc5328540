#pragma once
// sm_80+ building blocks for the attention kernels: cp.async copies into swizzled shared-memory
// tiles, ldmatrix fragment loads and the m16n8k16 bf16 tensor-core MMA (fp32 accumulate); the
// fragment layouts are spelled out in fragment_layout.h.
//
// Shared-memory tiles hold rows of kCols bf16 values as 16-byte chunks, swizzled so that the
// eight row addresses of one ldmatrix 8x8 matrix fall in eight different bank groups; the
// addressing is in fragment_layout.h (host-compilable, so that a CPU emulation of ldmatrix
// and mma can test it).

#include <cuda_bf16.h>

#include <cstdint>

#include "calibrate/kernels/fragment_layout.h"

namespace ringsim::calibrate::detail {

__device__ __forceinline__ std::uint32_t SmemAddr(const void* p) {
  return static_cast<std::uint32_t>(__cvta_generic_to_shared(p));
}

/// 16-byte asynchronous global->shared copy; zero-fills the destination when !valid.
__device__ __forceinline__ void CpAsync16(std::uint32_t dst, const void* src, bool valid) {
  const int src_bytes = valid ? 16 : 0;
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src),
               "r"(src_bytes));
}

/// 4-byte asynchronous global->shared copy; zero-fills the destination when !valid.
__device__ __forceinline__ void CpAsync4(std::uint32_t dst, const void* src, bool valid) {
  const int src_bytes = valid ? 4 : 0;
  asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n" ::"r"(dst), "l"(src),
               "r"(src_bytes));
}

__device__ __forceinline__ void CpAsyncCommit() { asm volatile("cp.async.commit_group;\n" ::); }

template <int kPending>
__device__ __forceinline__ void CpAsyncWait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(kPending));
}

/// Copies a (kRows x kCols) bf16 tile whose first `valid_rows` rows exist in global memory
/// (row stride kCols elements) into a swizzled shared tile; missing rows become zeros. Thread
/// tid copies chunk tid % (kCols / 8) of rows tid / (kCols / 8) + i * kRowStep: with kRowStep a
/// multiple of 8 the swizzle is the same for every i, so the addresses are a base plus
/// immediates.
template <int kRows, int kCols, int kThreads>
__device__ __forceinline__ void LoadTileAsync(std::uint32_t smem, const __nv_bfloat16* gmem,
                                              int valid_rows, int tid) {
  constexpr int kRowStep = TileCopyRowStep<kCols, kThreads>();
  static_assert(kRows % kRowStep == 0, "tile must split evenly over the threads");
  const int row = tid / (kCols / 8);
  const int chunk = tid % (kCols / 8);
  const std::uint32_t dst = smem + SwizzledOffset<kCols>(row, chunk);
  const __nv_bfloat16* src = gmem + row * kCols + chunk * 8;
#pragma unroll
  for (int i = 0; i < kRows / kRowStep; ++i) {
    const bool valid = row + i * kRowStep < valid_rows;
    CpAsync16(dst + i * kRowStep * kCols * 2, valid ? src + i * kRowStep * kCols : gmem, valid);
  }
}

/// Four 8x8 b16 matrices; lane l supplies the row address of matrix l / 8.
__device__ __forceinline__ void Ldmatrix4(std::uint32_t addr, std::uint32_t (&r)[4]) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}

/// As Ldmatrix4, each matrix transposed.
__device__ __forceinline__ void Ldmatrix4Trans(std::uint32_t addr, std::uint32_t (&r)[4]) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}

/// d += a * b on the tensor cores (bf16 inputs, fp32 accumulators).
__device__ __forceinline__ void Mma16816(float (&d)[4], const std::uint32_t (&a)[4],
                                         std::uint32_t b0, std::uint32_t b1) {
  asm("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, "
      "{%8,%9}, {%0,%1,%2,%3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

/// 32-bit shared-memory store.
__device__ __forceinline__ void StShared32(std::uint32_t addr, std::uint32_t v) {
  asm volatile("st.shared.b32 [%0], %1;\n" ::"r"(addr), "r"(v) : "memory");
}

/// Two floats as a bf16x2 register (lo in the low half), rounding to nearest even.
__device__ __forceinline__ std::uint32_t PackBf16(float lo, float hi) {
  const __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
  return *reinterpret_cast<const std::uint32_t*>(&v);
}

/// 2^x by the special-function unit; exp2(-inf) = 0.
__device__ __forceinline__ float FastExp2(float x) {
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;\n" : "=f"(y) : "f"(x));
  return y;
}

/// Converts two m16n8 fp32 accumulator tiles (columns 16k..16k+7 and 16k+8..16k+15) into the
/// A fragment of an m16n8k16 MMA over those 16 columns.
__device__ __forceinline__ void AccToA(const float (&lo)[4], const float (&hi)[4],
                                       std::uint32_t (&a)[4]) {
  a[0] = PackBf16(lo[0], lo[1]);
  a[1] = PackBf16(lo[2], lo[3]);
  a[2] = PackBf16(hi[0], hi[1]);
  a[3] = PackBf16(hi[2], hi[3]);
}

}  // namespace ringsim::calibrate::detail
