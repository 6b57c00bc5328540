// Forward of one query block against one key/value block on Hopper's warpgroup MMA (sm_90a).
//
// A CTA of two warpgroups owns 128 query rows of one (batch, head); warpgroup w owns rows
// 64w..64w+63. Key/value tiles of 128 rows stream through double-buffered shared memory
// (cp.async, all 256 threads), stored in the panelled 128-byte-swizzled layout wgmma reads
// (fragment_layout.h). Per key tile and warpgroup:
//   S = Q K^T      8 x wgmma.m64n128k16, Q and K from shared memory (K-major)
//   online softmax in registers (the accumulators have the mma.m16n8 layout per warp, so this
//                  is the mma.sync kernel's code), P converted to bf16 A fragments in place
//   O += P V       (d/16 ... ) 8 x wgmma.m64n{d}k16, P from registers, V from shared memory
//                  read N-major (imm-trans-b)
// Each product is issued, committed and waited for before its result is used (no overlap of
// softmax with the tensor cores inside a warpgroup yet: NOTES.md, "Next").

#include <cmath>

#include "calibrate/attention_internal.h"
#include "calibrate/attention_kernels.h"
#include "calibrate/mma_sm80.cuh"
#include "calibrate/wgmma_sm90.cuh"

namespace ringsim::calibrate {
namespace {

#if defined(RINGSIM_SM90A)

constexpr float kLog2e = 1.4426950408889634f;
constexpr float kLn2 = 0.6931471805599453f;

/// Copies a (kRows x kCols) bf16 tile (first `valid_rows` rows exist; row stride kCols) into
/// the panelled layout, zero-filling missing rows; all kThreads threads take part.
template <int kRows, int kCols, int kThreads>
__device__ __forceinline__ void LoadPanelTileAsync(std::uint32_t smem, const __nv_bfloat16* gmem,
                                                   int valid_rows, int tid) {
  constexpr int kRowStep = detail::TileCopyRowStep<kCols, kThreads>();
  static_assert(kRows % kRowStep == 0, "tile must split evenly over the threads");
  const int row = tid / (kCols / 8);
  const int chunk = tid % (kCols / 8);
  const std::uint32_t dst = smem + detail::PanelOffset<kRows>(row, chunk);
  const __nv_bfloat16* src = gmem + row * kCols + chunk * 8;
#pragma unroll
  for (int i = 0; i < kRows / kRowStep; ++i) {
    const bool valid = row + i * kRowStep < valid_rows;
    detail::CpAsync16(dst + i * kRowStep * 128, valid ? src + i * kRowStep * kCols : gmem, valid);
  }
}

#endif  // RINGSIM_SM90A

template <int kD>
__global__ void __launch_bounds__(256, 1) FwdWgmmaKernel(const FwdArgs a, int q_tiles) {
#if defined(RINGSIM_SM90A)
  constexpr int kBlockM = 128, kBlockN = 128, kThreads = 256;
  constexpr int kNTiles = kBlockN / 8;  // n8 column blocks of S per thread (64 registers)
  constexpr int kDTiles = kD / 8;       // n8 column blocks of O per thread
  constexpr std::uint32_t kKvTileBytes = kBlockN * kD * 2;
  static_assert(kD == 64 || kD == 128, "head dim 64 or 128");

  extern __shared__ unsigned char smem_raw[];
  const std::uint32_t s_q = (detail::SmemAddr(smem_raw) + 1023u) & ~1023u;
  const std::uint32_t s_k = s_q + kBlockM * kD * 2;  // two buffers
  const std::uint32_t s_v = s_k + 2 * kKvTileBytes;  // two buffers

  const AttnDims& d = a.dims;
  const int q_tile = q_tiles - 1 - static_cast<int>(blockIdx.x);  // long causal rows first
  const int h = blockIdx.y;
  const int b = blockIdx.z;
  const int hk = h / (d.heads / d.kv_heads);
  const int q0 = q_tile * kBlockM;
  const int q_rows = min(kBlockM, d.q_len - q0);
  const __nv_bfloat16* q =
      a.q.ptr + b * a.q.batch_stride + h * a.q.head_stride + static_cast<std::int64_t>(q0) * kD;
  const __nv_bfloat16* k = a.k.ptr + b * a.k.batch_stride + hk * a.k.head_stride;
  const __nv_bfloat16* v = a.v.ptr + b * a.v.batch_stride + hk * a.v.head_stride;
  const int kv_tiles = VisibleKvTiles(a.mask, q0 + q_rows, kBlockN, d.kv_len);

  const int tid = threadIdx.x;
  const int wg = tid / 128;
  const int lane = tid % 32;
  const int g = lane / 4;
  const int t = lane % 4;
  const int warp_row0 = 64 * wg + 16 * ((tid % 128) / 32);  // this warp's 16 rows

  LoadPanelTileAsync<kBlockM, kD, kThreads>(s_q, q, q_rows, tid);
  if (kv_tiles > 0) {
    LoadPanelTileAsync<kBlockN, kD, kThreads>(s_k, k, d.kv_len, tid);
    LoadPanelTileAsync<kBlockN, kD, kThreads>(s_v, v, d.kv_len, tid);
  }
  detail::CpAsyncCommit();

  float o[kDTiles][4];
#pragma unroll
  for (int dt = 0; dt < kDTiles; ++dt)
#pragma unroll
    for (int e = 0; e < 4; ++e) o[dt][e] = 0.f;
  float row_max[2] = {-INFINITY, -INFINITY};  // log2 units
  float row_sum[2] = {0.f, 0.f};              // this thread's columns; quad-reduced at the end
  const float scale_log2 = d.scale * kLog2e;
  const int causal_limit = CausalLimit(a.mask);

  for (int j = 0; j < kv_tiles; ++j) {
    const int buf = j & 1;
    if (j + 1 < kv_tiles) {
      const int k_next = (j + 1) * kBlockN;
      const std::int64_t off = static_cast<std::int64_t>(k_next) * kD;
      LoadPanelTileAsync<kBlockN, kD, kThreads>(s_k + (buf ^ 1) * kKvTileBytes, k + off,
                                                d.kv_len - k_next, tid);
      LoadPanelTileAsync<kBlockN, kD, kThreads>(s_v + (buf ^ 1) * kKvTileBytes, v + off,
                                                d.kv_len - k_next, tid);
      detail::CpAsyncCommit();
      detail::CpAsyncWait<1>();
    } else {
      detail::CpAsyncWait<0>();
    }
    detail::FenceProxyAsync();  // the cp.async writes, before wgmma reads them
    __syncthreads();
    const std::uint32_t k_buf = s_k + buf * kKvTileBytes;
    const std::uint32_t v_buf = s_v + buf * kKvTileBytes;

    // S = Q K^T (this warpgroup's 64 rows x 128 keys).
    float s[kNTiles][4];
#pragma unroll
    for (int nt = 0; nt < kNTiles; ++nt)
#pragma unroll
      for (int e = 0; e < 4; ++e) s[nt][e] = 0.f;
    detail::FenceRegisters(s);
    detail::WgmmaFence();
#pragma unroll
    for (int kk = 0; kk < kD / 16; ++kk) {
      const std::uint64_t desc_q =
          detail::WgmmaDescriptor(detail::KMajorSlice<kBlockM>(s_q, 64 * wg, kk),
                                  detail::kWgmmaKMajorLbo, detail::kWgmmaSbo);
      const std::uint64_t desc_k = detail::WgmmaDescriptor(
          detail::KMajorSlice<kBlockN>(k_buf, 0, kk), detail::kWgmmaKMajorLbo, detail::kWgmmaSbo);
      detail::WgmmaSS128(s, desc_q, desc_k, kk > 0 ? 1 : 0);
    }
    detail::WgmmaCommit();
    detail::WgmmaWait<0>();
    detail::FenceRegisters(s);

    // Mask the ragged edge and the causal diagonal (only on tiles that need it).
    const int k0 = j * kBlockN;
    if (KvTileNeedsMask(a.mask, q0 + warp_row0, k0, kBlockN, d.kv_len)) {
#pragma unroll
      for (int nt = 0; nt < kNTiles; ++nt)
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          const int qi = q0 + warp_row0 + g + 8 * (e / 2);
          const int kj = k0 + 8 * nt + 2 * t + (e % 2);
          const bool hidden = kj >= d.kv_len || kj - qi > causal_limit;
          s[nt][e] = hidden ? -INFINITY : s[nt][e];
        }
    }

    // Online softmax, as in the mma.sync kernel.
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float mx = row_max[r];
#pragma unroll
      for (int nt = 0; nt < kNTiles; ++nt)
        mx = fmaxf(mx, fmaxf(s[nt][2 * r], s[nt][2 * r + 1]) * scale_log2);
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
      const float m_use = mx == -INFINITY ? 0.f : mx;
      const float alpha = detail::FastExp2(row_max[r] - m_use);
      row_max[r] = mx;
      float sum = 0.f;
#pragma unroll
      for (int nt = 0; nt < kNTiles; ++nt)
#pragma unroll
        for (int e = 0; e < 2; ++e) {
          const float p = detail::FastExp2(fmaf(s[nt][2 * r + e], scale_log2, -m_use));
          s[nt][2 * r + e] = p;
          sum += p;
        }
      row_sum[r] = row_sum[r] * alpha + sum;
#pragma unroll
      for (int dt = 0; dt < kDTiles; ++dt) {
        o[dt][2 * r] *= alpha;
        o[dt][2 * r + 1] *= alpha;
      }
    }

    // O += P V: P as bf16 A fragments (the m16n8k16 A layout per warp, which wgmma shares).
    std::uint32_t pa[kBlockN / 16][4];
#pragma unroll
    for (int kk = 0; kk < kBlockN / 16; ++kk) detail::AccToA(s[2 * kk], s[2 * kk + 1], pa[kk]);
    detail::FenceRegisters(o);
    detail::WgmmaFence();
#pragma unroll
    for (int kk = 0; kk < kBlockN / 16; ++kk) {
      const std::uint64_t desc_v =
          detail::WgmmaDescriptor(detail::NMajorSlice(v_buf, kk), kBlockN * 128, detail::kWgmmaSbo);
      if constexpr (kD == 128)
        detail::WgmmaRS128(o, pa[kk], desc_v);
      else
        detail::WgmmaRS64(o, pa[kk], desc_v);
    }
    detail::WgmmaCommit();
    detail::WgmmaWait<0>();
    detail::FenceRegisters(o);
    detail::FenceRegisters(pa);
    __syncthreads();  // the next iteration's prefetch overwrites this buffer
  }

  // Epilogue: normalise, stage O (bf16, row-major swizzled) in the Q tile, write LSE, then
  // 16-byte stores.
  detail::CpAsyncWait<0>();
  __syncthreads();
  float* lse = a.lse.ptr + b * a.lse.batch_stride + h * a.lse.head_stride;
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    float sum = row_sum[r];
    sum += __shfl_xor_sync(0xffffffffu, sum, 1);
    sum += __shfl_xor_sync(0xffffffffu, sum, 2);
    const float inv = sum > 0.f ? 1.f / sum : 0.f;
    const int row = warp_row0 + g + 8 * r;
#pragma unroll
    for (int dt = 0; dt < kDTiles; ++dt)
      detail::StShared32(s_q + detail::SwizzledOffset<kD>(row, dt) + 4 * t,
                         detail::PackBf16(o[dt][2 * r] * inv, o[dt][2 * r + 1] * inv));
    if (t == 0 && row < q_rows)
      lse[q0 + row] = sum > 0.f ? (row_max[r] + __log2f(sum)) * kLn2 : -INFINITY;
  }
  __syncthreads();
  __nv_bfloat16* out =
      a.o.ptr + b * a.o.batch_stride + h * a.o.head_stride + static_cast<std::int64_t>(q0) * kD;
  constexpr int kChunks = kD / 8;
#pragma unroll
  for (int it = 0; it < kBlockM * kChunks / kThreads; ++it) {
    const int idx = it * kThreads + tid;
    const int row = idx / kChunks;
    const int chunk = idx % kChunks;
    if (row < q_rows) {
      uint4 val;
      asm volatile("ld.shared.v4.b32 {%0,%1,%2,%3}, [%4];\n"
                   : "=r"(val.x), "=r"(val.y), "=r"(val.z), "=r"(val.w)
                   : "r"(s_q + detail::SwizzledOffset<kD>(row, chunk))
                   : "memory");
      *reinterpret_cast<uint4*>(out + row * kD + chunk * 8) = val;
    }
  }
#elif defined(__CUDA_ARCH__)
  (void)a;
  (void)q_tiles;
  __trap();  // built without sm_90a code; FwdVariantSupported keeps launches away from here
#endif  // RINGSIM_SM90A
}

template <int kD>
cudaError_t Launch(const FwdArgs& a, cudaStream_t stream) {
  constexpr TileConfig kCfg = FwdTileConfig(kD, FwdVariant::kWgmma);
  auto kernel = FwdWgmmaKernel<kD>;
  cudaError_t err =
      cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, kCfg.smem_bytes);
  if (err != cudaSuccess) return err;
  const int q_tiles = CeilDiv(a.dims.q_len, kCfg.block_m);
  const dim3 grid(q_tiles, a.dims.heads, a.dims.batch);
  kernel<<<grid, kCfg.warps * 32, kCfg.smem_bytes, stream>>>(a, q_tiles);
  return cudaGetLastError();
}

}  // namespace

namespace detail {

cudaError_t LaunchFwdWgmma(const FwdArgs& a, cudaStream_t stream) {
  return a.dims.head_dim == 64 ? Launch<64>(a, stream) : Launch<128>(a, stream);
}

}  // namespace detail
}  // namespace ringsim::calibrate
