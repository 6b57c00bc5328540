// Forward of one query block against one key/value block on Hopper's warpgroup MMA (sm_90a).
//
// A CTA of two warpgroups owns 128 query rows of one (batch, head); warpgroup w owns rows
// 64w..64w+63. Key/value tiles of 128 rows stream through double-buffered shared memory
// (cp.async, all 256 threads), stored in the panelled 128-byte-swizzled layout wgmma reads
// (fragment_layout.h). Per key tile and warpgroup:
//   S = Q K^T    d/16 x wgmma.m64n128k16, Q and K from shared memory (K-major)
//   online softmax in registers (the accumulators have the mma.m16n8 layout per warp, so this
//                is the mma.sync kernel's arithmetic), P converted to bf16 A fragments
//   O += P V     8 x wgmma.m64n{d}k16, P from registers, V from shared memory read N-major
//                (imm-trans-b)
// Two kernels:
//   FwdWgmmaKernel          issues each product and waits for it before using the result.
//   FwdWgmmaPipelinedKernel issues S_{j+1} = Q K_{j+1}^T and O += P_j V_j together, then runs
//                           the softmax of tile j+1 while P_j V_j is still on the tensor cores
//                           (FlashAttention-3's intra-warpgroup overlap); K is loaded one tile
//                           ahead of V for that.

#include <cmath>

#include "calibrate/kernels/attention_internal.h"
#include "calibrate/kernels/attention_kernels.h"
#include "calibrate/kernels/mma_sm80.cuh"
#include "calibrate/kernels/wgmma_sm90.cuh"

namespace ringsim::calibrate {
namespace {

constexpr int kBlockM = 128, kBlockN = 128, kThreads = 256;

#if defined(RINGSIM_SM90A)

constexpr int kNTiles = kBlockN / 8;  // n8 column blocks of S per thread (64 registers)

constexpr float kLog2e = 1.4426950408889634f;
constexpr float kLn2 = 0.6931471805599453f;

/// Copies a (kRows x kCols) bf16 tile (first `valid_rows` rows exist; row stride kCols) into
/// the panelled layout, zero-filling missing rows; all kThreads threads take part.
template <int kRows, int kCols>
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

/// Where one CTA works: its (batch, head, query tile), its tiles in shared memory, and the
/// coordinates of this thread.
template <int kD>
struct Cta {
  static constexpr std::uint32_t kKvTileBytes = kBlockN * kD * 2;
  std::uint32_t s_q, s_k, s_v;  // Q; two K buffers; two V buffers
  const __nv_bfloat16 *q, *k, *v;
  int h, b, q0, q_rows, kv_tiles, kv_len, causal_limit;
  int tid, wg, g, t, warp_row0;
  float scale_log2;

  __device__ Cta(const FwdArgs& a, int q_tiles, unsigned char* smem_raw) {
    s_q = (detail::SmemAddr(smem_raw) + 1023u) & ~1023u;
    s_k = s_q + kBlockM * kD * 2;
    s_v = s_k + 2 * kKvTileBytes;
    const AttnDims& d = a.dims;
    h = blockIdx.y;
    b = blockIdx.z;
    const int hk = h / (d.heads / d.kv_heads);
    q0 = (q_tiles - 1 - static_cast<int>(blockIdx.x)) * kBlockM;  // long causal rows first
    q_rows = min(kBlockM, d.q_len - q0);
    q = a.q.ptr + b * a.q.batch_stride + h * a.q.head_stride + static_cast<std::int64_t>(q0) * kD;
    k = a.k.ptr + b * a.k.batch_stride + hk * a.k.head_stride;
    v = a.v.ptr + b * a.v.batch_stride + hk * a.v.head_stride;
    kv_len = d.kv_len;
    kv_tiles = VisibleKvTiles(a.mask, q0 + q_rows, kBlockN, d.kv_len);
    causal_limit = CausalLimit(a.mask);
    scale_log2 = d.scale * kLog2e;
    tid = threadIdx.x;
    wg = tid / 128;
    g = (tid % 32) / 4;
    t = tid % 4;
    warp_row0 = 64 * wg + 16 * ((tid % 128) / 32);  // this warp's 16 rows
  }

  __device__ std::uint32_t KBuf(int j) const { return s_k + (j & 1) * kKvTileBytes; }
  __device__ std::uint32_t VBuf(int j) const { return s_v + (j & 1) * kKvTileBytes; }
  __device__ void LoadQ() const { LoadPanelTileAsync<kBlockM, kD>(s_q, q, q_rows, tid); }
  __device__ void LoadK(int j) const {
    LoadPanelTileAsync<kBlockN, kD>(KBuf(j), k + static_cast<std::int64_t>(j) * kBlockN * kD,
                                    kv_len - j * kBlockN, tid);
  }
  __device__ void LoadV(int j) const {
    LoadPanelTileAsync<kBlockN, kD>(VBuf(j), v + static_cast<std::int64_t>(j) * kBlockN * kD,
                                    kv_len - j * kBlockN, tid);
  }
};

/// Issues S = Q K_j^T for this warpgroup (no wait). The accumulators are overwritten.
template <int kD>
__device__ __forceinline__ void IssueS(const Cta<kD>& c, int j, float (&s)[kNTiles][4]) {
  detail::FenceRegisters(s);
  detail::WgmmaFence();
#pragma unroll
  for (int kk = 0; kk < kD / 16; ++kk) {
    const std::uint64_t desc_q =
        detail::WgmmaDescriptor(detail::KMajorSlice<kBlockM>(c.s_q, 64 * c.wg, kk),
                                detail::kWgmmaKMajorLbo, detail::kWgmmaSbo);
    const std::uint64_t desc_k = detail::WgmmaDescriptor(
        detail::KMajorSlice<kBlockN>(c.KBuf(j), 0, kk), detail::kWgmmaKMajorLbo, detail::kWgmmaSbo);
    detail::WgmmaSS128(s, desc_q, desc_k, kk > 0 ? 1 : 0);
  }
  detail::WgmmaCommit();
}

/// Issues O += P V_j for this warpgroup (no wait).
template <int kD>
__device__ __forceinline__ void IssuePV(const Cta<kD>& c, int j, float (&o)[kD / 8][4],
                                        const std::uint32_t (&pa)[kBlockN / 16][4]) {
  detail::FenceRegisters(o);
  detail::WgmmaFence();
#pragma unroll
  for (int kk = 0; kk < kBlockN / 16; ++kk) {
    const std::uint64_t desc_v = detail::WgmmaDescriptor(detail::NMajorSlice(c.VBuf(j), kk),
                                                         kBlockN * 128, detail::kWgmmaSbo);
    if constexpr (kD == 128)
      detail::WgmmaRS128(o, pa[kk], desc_v);
    else
      detail::WgmmaRS64(o, pa[kk], desc_v);
  }
  detail::WgmmaCommit();
}

/// Masks the ragged edge and the causal diagonal of key tile j (only where it needs it).
template <int kD>
__device__ __forceinline__ void MaskS(const Cta<kD>& c, const FwdArgs& a, int j,
                                      float (&s)[kNTiles][4]) {
  const int k0 = j * kBlockN;
  if (!KvTileNeedsMask(a.mask, c.q0 + c.warp_row0, k0, kBlockN, c.kv_len)) return;
#pragma unroll
  for (int nt = 0; nt < kNTiles; ++nt)
#pragma unroll
    for (int e = 0; e < 4; ++e) {
      const int qi = c.q0 + c.warp_row0 + c.g + 8 * (e / 2);
      const int kj = k0 + 8 * nt + 2 * c.t + (e % 2);
      const bool hidden = kj >= c.kv_len || kj - qi > c.causal_limit;
      s[nt][e] = hidden ? -INFINITY : s[nt][e];
    }
}

/// Online softmax of one S tile in place (S becomes P in fp32): new running max (log2 units),
/// running sums (this thread's columns), and the factor by which O must be rescaled per row.
__device__ __forceinline__ void Softmax(float scale_log2, float (&s)[kNTiles][4],
                                        float (&row_max)[2], float (&row_sum)[2],
                                        float (&alpha)[2]) {
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    float mx = row_max[r];
#pragma unroll
    for (int nt = 0; nt < kNTiles; ++nt)
      mx = fmaxf(mx, fmaxf(s[nt][2 * r], s[nt][2 * r + 1]) * scale_log2);
    mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
    mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
    const float m_use = mx == -INFINITY ? 0.f : mx;  // a row with no visible key yet
    alpha[r] = detail::FastExp2(row_max[r] - m_use);
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
    row_sum[r] = row_sum[r] * alpha[r] + sum;
  }
}

template <int kDTiles>
__device__ __forceinline__ void Rescale(float (&o)[kDTiles][4], const float (&alpha)[2]) {
#pragma unroll
  for (int dt = 0; dt < kDTiles; ++dt)
#pragma unroll
    for (int e = 0; e < 4; ++e) o[dt][e] *= alpha[e / 2];
}

/// P (fp32, accumulator layout) as bf16 A fragments: the m16n8k16 A layout per warp, which
/// wgmma's register A operand shares.
__device__ __forceinline__ void ToFragments(const float (&s)[kNTiles][4],
                                            std::uint32_t (&pa)[kBlockN / 16][4]) {
#pragma unroll
  for (int kk = 0; kk < kBlockN / 16; ++kk) detail::AccToA(s[2 * kk], s[2 * kk + 1], pa[kk]);
}

/// Normalises O, stages it (bf16, row-major swizzled) in the Q tile, writes LSE, then stores O
/// with 16-byte writes. Every wgmma must be complete.
template <int kD>
__device__ __forceinline__ void Epilogue(const Cta<kD>& c, const FwdArgs& a,
                                         const float (&o)[kD / 8][4], const float (&row_max)[2],
                                         const float (&row_sum)[2]) {
  detail::CpAsyncWait<0>();  // the Q load is still in flight when no key tile was visible
  __syncthreads();
  float* lse = a.lse.ptr + c.b * a.lse.batch_stride + c.h * a.lse.head_stride;
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    float sum = row_sum[r];
    sum += __shfl_xor_sync(0xffffffffu, sum, 1);
    sum += __shfl_xor_sync(0xffffffffu, sum, 2);
    const float inv = sum > 0.f ? 1.f / sum : 0.f;
    const int row = c.warp_row0 + c.g + 8 * r;
#pragma unroll
    for (int dt = 0; dt < kD / 8; ++dt)
      detail::StShared32(c.s_q + detail::SwizzledOffset<kD>(row, dt) + 4 * c.t,
                         detail::PackBf16(o[dt][2 * r] * inv, o[dt][2 * r + 1] * inv));
    if (c.t == 0 && row < c.q_rows)
      lse[c.q0 + row] = sum > 0.f ? (row_max[r] + __log2f(sum)) * kLn2 : -INFINITY;
  }
  __syncthreads();
  __nv_bfloat16* out = a.o.ptr + c.b * a.o.batch_stride + c.h * a.o.head_stride +
                       static_cast<std::int64_t>(c.q0) * kD;
  constexpr int kChunks = kD / 8;
#pragma unroll
  for (int it = 0; it < kBlockM * kChunks / kThreads; ++it) {
    const int idx = it * kThreads + c.tid;
    const int row = idx / kChunks;
    const int chunk = idx % kChunks;
    if (row < c.q_rows) {
      uint4 val;
      asm volatile("ld.shared.v4.b32 {%0,%1,%2,%3}, [%4];\n"
                   : "=r"(val.x), "=r"(val.y), "=r"(val.z), "=r"(val.w)
                   : "r"(c.s_q + detail::SwizzledOffset<kD>(row, chunk))
                   : "memory");
      *reinterpret_cast<uint4*>(out + row * kD + chunk * 8) = val;
    }
  }
}

#endif  // RINGSIM_SM90A

template <int kD>
__global__ void __launch_bounds__(kThreads, 1) FwdWgmmaKernel(const FwdArgs a, int q_tiles) {
#if defined(RINGSIM_SM90A)
  extern __shared__ unsigned char smem_raw[];
  const Cta<kD> c(a, q_tiles, smem_raw);
  c.LoadQ();
  if (c.kv_tiles > 0) {
    c.LoadK(0);
    c.LoadV(0);
  }
  detail::CpAsyncCommit();

  float o[kD / 8][4] = {};
  float row_max[2] = {-INFINITY, -INFINITY};
  float row_sum[2] = {0.f, 0.f};
  for (int j = 0; j < c.kv_tiles; ++j) {
    if (j + 1 < c.kv_tiles) {
      c.LoadK(j + 1);
      c.LoadV(j + 1);
      detail::CpAsyncCommit();
      detail::CpAsyncWait<1>();
    } else {
      detail::CpAsyncWait<0>();
    }
    detail::FenceProxyAsync();  // the cp.async writes, before wgmma reads them
    __syncthreads();

    float s[kNTiles][4] = {};
    IssueS(c, j, s);
    detail::WgmmaWait<0>();
    detail::FenceRegisters(s);
    MaskS(c, a, j, s);
    float alpha[2];
    Softmax(c.scale_log2, s, row_max, row_sum, alpha);
    Rescale(o, alpha);
    std::uint32_t pa[kBlockN / 16][4];
    ToFragments(s, pa);
    IssuePV(c, j, o, pa);
    detail::WgmmaWait<0>();
    detail::FenceRegisters(o);
    detail::FenceRegisters(pa);
    __syncthreads();  // the next iteration's prefetch overwrites this buffer
  }
  Epilogue(c, a, o, row_max, row_sum);
#elif defined(__CUDA_ARCH__)
  (void)a;
  (void)q_tiles;
  __trap();  // built without sm_90a code; FwdVariantSupported keeps launches away from here
#endif  // RINGSIM_SM90A
}

// Loads: group A = {Q, K_0}, group B = {K_1, V_0}. Iteration j first waits for every group
// (K_{j+1}, V_j were committed one iteration earlier) and passes a barrier, after which both
// warpgroups are done with K_j (S_j ran in iteration j-1 or the prologue) and V_{j-1}; then it
// loads K_{j+2} and V_{j+1} into those two buffers, one tile ahead.
template <int kD>
__global__ void __launch_bounds__(kThreads, 1)
    FwdWgmmaPipelinedKernel(const FwdArgs a, int q_tiles) {
#if defined(RINGSIM_SM90A)
  extern __shared__ unsigned char smem_raw[];
  const Cta<kD> c(a, q_tiles, smem_raw);
  const int n = c.kv_tiles;
  c.LoadQ();
  if (n > 0) c.LoadK(0);
  detail::CpAsyncCommit();
  if (n > 1) c.LoadK(1);
  if (n > 0) c.LoadV(0);
  detail::CpAsyncCommit();

  float o[kD / 8][4] = {};
  float row_max[2] = {-INFINITY, -INFINITY};
  float row_sum[2] = {0.f, 0.f};
  float alpha[2] = {1.f, 1.f};
  float s[kNTiles][4] = {};
  if (n > 0) {  // S_0 and its softmax
    detail::CpAsyncWait<1>();
    detail::FenceProxyAsync();
    __syncthreads();
    IssueS(c, 0, s);
    detail::WgmmaWait<0>();
    detail::FenceRegisters(s);
    MaskS(c, a, 0, s);
    Softmax(c.scale_log2, s, row_max, row_sum, alpha);
  }
  // Steady state: S_{j+1} and P_j V_j in flight together, the softmax of tile j+1 running while
  // P_j V_j is on the tensor cores. The wait for P_j V_j sits at the top of the next iteration:
  // ptxas hoists a wgmma wait as far as its register dependencies allow, and only the loop
  // boundary keeps it after the softmax. The issue is unconditional inside the loop so that
  // ptxas can tell which group each wait retires (otherwise it serialises, C7514).
  std::uint32_t pa[kBlockN / 16][4];
  for (int j = 0; j + 1 < n; ++j) {
    detail::WgmmaWait<0>();  // P_{j-1} V_{j-1} (nothing in flight when j = 0)
    detail::FenceRegisters(o);
    detail::FenceRegisters(pa);
    detail::CpAsyncWait<0>();  // K_{j+1} and V_j (committed one iteration earlier) are in
    detail::FenceProxyAsync();
    __syncthreads();  // ... and both warpgroups are done with K_j and V_{j-1}: reuse them
    if (j + 2 < n) c.LoadK(j + 2);
    c.LoadV(j + 1);
    detail::CpAsyncCommit();

    // P_j -> fragments and O rescaled for tile j, both before any wgmma of this iteration.
    ToFragments(s, pa);
    Rescale(o, alpha);
    IssueS(c, j + 1, s);  // S_{j+1} overwrites s: P_j is in pa already
    IssuePV(c, j, o, pa);
    detail::WgmmaWait<1>();  // S_{j+1} is done (groups retire in order); P_j V_j may still run
    detail::FenceRegisters(s);
    MaskS(c, a, j + 1, s);
    Softmax(c.scale_log2, s, row_max, row_sum, alpha);  // touches row_sum, not O (in flight)
    detail::FenceRegisters(s);
  }
  if (n > 0) {  // the last tile: P_{n-1} V_{n-1} alone
    detail::WgmmaWait<0>();
    detail::FenceRegisters(o);
    detail::FenceRegisters(pa);
    detail::CpAsyncWait<0>();
    detail::FenceProxyAsync();
    __syncthreads();
    ToFragments(s, pa);
    Rescale(o, alpha);
    IssuePV(c, n - 1, o, pa);
  }
  detail::WgmmaWait<0>();  // on every path, so that ptxas need not inject one (C7517)
  detail::FenceRegisters(o);
  detail::FenceRegisters(pa);
  Epilogue(c, a, o, row_max, row_sum);
#elif defined(__CUDA_ARCH__)
  (void)a;
  (void)q_tiles;
  __trap();
#endif  // RINGSIM_SM90A
}

template <int kD, bool kPipelined>
cudaError_t Launch(const FwdArgs& a, cudaStream_t stream) {
  constexpr TileConfig kCfg =
      FwdTileConfig(kD, kPipelined ? FwdVariant::kWgmmaPipelined : FwdVariant::kWgmma);
  static_assert(kCfg.block_m == kBlockM && kCfg.block_n == kBlockN && kCfg.warps * 32 == kThreads,
                "FwdTileConfig and this file disagree");
  auto kernel = kPipelined ? FwdWgmmaPipelinedKernel<kD> : FwdWgmmaKernel<kD>;
  cudaError_t err =
      cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, kCfg.smem_bytes);
  if (err != cudaSuccess) return err;
  const int q_tiles = CeilDiv(a.dims.q_len, kCfg.block_m);
  const dim3 grid(q_tiles, a.dims.heads, a.dims.batch);
  kernel<<<grid, kThreads, kCfg.smem_bytes, stream>>>(a, q_tiles);
  return cudaGetLastError();
}

}  // namespace

namespace detail {

cudaError_t LaunchFwdWgmma(const FwdArgs& a, bool pipelined, cudaStream_t stream) {
  if (a.dims.head_dim == 64)
    return pipelined ? Launch<64, true>(a, stream) : Launch<64, false>(a, stream);
  return pipelined ? Launch<128, true>(a, stream) : Launch<128, false>(a, stream);
}

}  // namespace detail
}  // namespace ringsim::calibrate
