// Forward of one query block against one key/value block, FlashAttention-2 style, on the
// sm_80+ tensor cores (mma.sync m16n8k16, bf16 in, fp32 accumulate).
//
// A CTA owns kBlockM = 128 query rows of one (batch, head) and streams the visible key/value
// tiles of kBlockN = 32 or 64 rows through double-buffered shared memory (cp.async); the
// variants (FwdTileConfig) differ in warps per CTA and rows per warp. Each warp owns
// 16 * kMTiles query rows: it computes S = Q K^T for its rows, the online softmax in registers
// (exp2 with the scale folded in), and O += P V with P converted straight from the S
// accumulators into A fragments. The epilogue normalises O, stages it through the (then free)
// Q tile for 16-byte stores, and writes LSE.

#include <cfloat>
#include <cmath>

#include "calibrate/kernels/attention_internal.h"
#include "calibrate/kernels/attention_kernels.h"
#include "calibrate/kernels/mma_sm80.cuh"

namespace ringsim::calibrate {
namespace {

using detail::AccToA;
using detail::FastExp2;
using detail::FragAddr;
using detail::LanePattern;
using detail::Ldmatrix4;
using detail::Ldmatrix4Trans;
using detail::Mma16816;
using detail::SwizzledOffset;

constexpr float kLog2e = 1.4426950408889634f;
constexpr float kLn2 = 0.6931471805599453f;

template <int kD, FwdVariant kVariant>
__global__ void __launch_bounds__(FwdTileConfig(kD, kVariant).warps * 32,
                                  FwdTileConfig(kD, kVariant).min_blocks)
    FwdKernel(const FwdArgs a, int q_tiles) {
  constexpr TileConfig kCfg = FwdTileConfig(kD, kVariant);
  constexpr int kBlockM = kCfg.block_m;
  constexpr int kBlockN = kCfg.block_n;
  constexpr int kWarps = kCfg.warps;
  constexpr int kThreads = kWarps * 32;
  constexpr int kMTiles = kBlockM / (16 * kWarps);  // m16 tiles per warp
  constexpr int kNTiles = kBlockN / 8;              // n8 tiles of S per warp
  constexpr int kKSteps = kD / 16;                  // k16 steps of Q K^T
  constexpr int kDTiles = kD / 8;                   // n8 tiles of O per warp
  constexpr bool kQInRegs = kCfg.q_in_regs;
  static_assert(kMTiles >= 1 && kBlockM == 16 * kWarps * kMTiles, "bad warp split");
  static_assert(!kQInRegs || kMTiles == 1, "Q in registers only with 16 rows per warp");

  extern __shared__ __align__(128) unsigned char smem[];
  const std::uint32_t s_q = detail::SmemAddr(smem);
  const std::uint32_t s_k = s_q + kBlockM * kD * 2;
  const std::uint32_t s_v = s_k + 2 * kBlockN * kD * 2;
  constexpr std::uint32_t kKvTileBytes = kBlockN * kD * 2;

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
  const int warp = tid / 32;
  const int lane = tid % 32;
  const int g = lane / 4;
  const int t = lane % 4;
  const int warp_row0 = warp * 16 * kMTiles;                      // first tile row of this warp
  const FragAddr<kD, LanePattern::kRowsThenChunks> frag_a(lane);  // Q (A), V (B, .trans)
  const FragAddr<kD, LanePattern::kChunksThenRows> frag_b(lane);  // K (B)

  detail::LoadTileAsync<kBlockM, kD, kThreads>(s_q, q, q_rows, tid);
  if (kv_tiles > 0) {
    detail::LoadTileAsync<kBlockN, kD, kThreads>(s_k, k, d.kv_len, tid);
    detail::LoadTileAsync<kBlockN, kD, kThreads>(s_v, v, d.kv_len, tid);
  }
  detail::CpAsyncCommit();

  float o[kMTiles][kDTiles][4];
  float row_max[kMTiles][2];  // log2 units (scores times scale * log2 e)
  float row_sum[kMTiles][2];  // this thread's columns only; reduced over the quad at the end
#pragma unroll
  for (int mt = 0; mt < kMTiles; ++mt) {
#pragma unroll
    for (int dt = 0; dt < kDTiles; ++dt)
#pragma unroll
      for (int e = 0; e < 4; ++e) o[mt][dt][e] = 0.f;
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      row_max[mt][r] = -INFINITY;
      row_sum[mt][r] = 0.f;
    }
  }
  const float scale_log2 = d.scale * kLog2e;
  const int causal_limit = CausalLimit(a.mask);
  std::uint32_t q_frag[kQInRegs ? kKSteps : 1][4];

  for (int j = 0; j < kv_tiles; ++j) {
    const int buf = j & 1;
    if (j + 1 < kv_tiles) {
      const int k_next = (j + 1) * kBlockN;
      const std::int64_t off = static_cast<std::int64_t>(k_next) * kD;
      detail::LoadTileAsync<kBlockN, kD, kThreads>(s_k + (buf ^ 1) * kKvTileBytes, k + off,
                                                   d.kv_len - k_next, tid);
      detail::LoadTileAsync<kBlockN, kD, kThreads>(s_v + (buf ^ 1) * kKvTileBytes, v + off,
                                                   d.kv_len - k_next, tid);
      detail::CpAsyncCommit();
      detail::CpAsyncWait<1>();
    } else {
      detail::CpAsyncWait<0>();
    }
    __syncthreads();
    if (kQInRegs && j == 0) {
#pragma unroll
      for (int kk = 0; kk < (kQInRegs ? kKSteps : 0); ++kk)
        Ldmatrix4(frag_a(s_q, warp_row0, 2 * kk), q_frag[kk]);
    }
    const std::uint32_t k_buf = s_k + buf * kKvTileBytes;
    const std::uint32_t v_buf = s_v + buf * kKvTileBytes;

    // S = Q K^T for this warp's rows.
    float s[kMTiles][kNTiles][4];
#pragma unroll
    for (int mt = 0; mt < kMTiles; ++mt)
#pragma unroll
      for (int nt = 0; nt < kNTiles; ++nt)
#pragma unroll
        for (int e = 0; e < 4; ++e) s[mt][nt][e] = 0.f;
#pragma unroll
    for (int kk = 0; kk < kKSteps; ++kk) {
      std::uint32_t qa[kMTiles][4];
#pragma unroll
      for (int mt = 0; mt < kMTiles; ++mt) {
        if constexpr (kQInRegs) {
#pragma unroll
          for (int e = 0; e < 4; ++e) qa[mt][e] = q_frag[kk][e];
        } else {
          Ldmatrix4(frag_a(s_q, warp_row0 + 16 * mt, 2 * kk), qa[mt]);
        }
      }
#pragma unroll
      for (int np = 0; np < kNTiles / 2; ++np) {
        std::uint32_t kb[4];
        Ldmatrix4(frag_b(k_buf, 16 * np, 2 * kk), kb);
#pragma unroll
        for (int mt = 0; mt < kMTiles; ++mt) {
          Mma16816(s[mt][2 * np], qa[mt], kb[0], kb[1]);
          Mma16816(s[mt][2 * np + 1], qa[mt], kb[2], kb[3]);
        }
      }
    }

    // Mask the ragged edge and the causal diagonal (only on tiles that need it).
    const int k0 = j * kBlockN;
    if (KvTileNeedsMask(a.mask, q0 + warp_row0, k0, kBlockN, d.kv_len)) {
#pragma unroll
      for (int mt = 0; mt < kMTiles; ++mt)
#pragma unroll
        for (int nt = 0; nt < kNTiles; ++nt)
#pragma unroll
          for (int e = 0; e < 4; ++e) {
            const int qi = q0 + warp_row0 + 16 * mt + g + 8 * (e / 2);
            const int kj = k0 + 8 * nt + 2 * t + (e % 2);
            const bool hidden = kj >= d.kv_len || kj - qi > causal_limit;
            s[mt][nt][e] = hidden ? -INFINITY : s[mt][nt][e];
          }
    }

    // Online softmax: new running max, rescale O and the sums, P = exp2(S * c - max).
#pragma unroll
    for (int mt = 0; mt < kMTiles; ++mt)
#pragma unroll
      for (int r = 0; r < 2; ++r) {
        float mx = row_max[mt][r];
#pragma unroll
        for (int nt = 0; nt < kNTiles; ++nt)
          mx = fmaxf(mx, fmaxf(s[mt][nt][2 * r], s[mt][nt][2 * r + 1]) * scale_log2);
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
        const float m_use = mx == -INFINITY ? 0.f : mx;  // a row with no visible key yet
        const float alpha = FastExp2(row_max[mt][r] - m_use);
        row_max[mt][r] = mx;
        float sum = 0.f;
#pragma unroll
        for (int nt = 0; nt < kNTiles; ++nt)
#pragma unroll
          for (int e = 0; e < 2; ++e) {
            const float p = FastExp2(fmaf(s[mt][nt][2 * r + e], scale_log2, -m_use));
            s[mt][nt][2 * r + e] = p;
            sum += p;
          }
        row_sum[mt][r] = row_sum[mt][r] * alpha + sum;
#pragma unroll
        for (int dt = 0; dt < kDTiles; ++dt) {
          o[mt][dt][2 * r] *= alpha;
          o[mt][dt][2 * r + 1] *= alpha;
        }
      }

      // O += P V.
#pragma unroll
    for (int kk = 0; kk < kBlockN / 16; ++kk) {
      std::uint32_t pa[kMTiles][4];
#pragma unroll
      for (int mt = 0; mt < kMTiles; ++mt) AccToA(s[mt][2 * kk], s[mt][2 * kk + 1], pa[mt]);
#pragma unroll
      for (int dp = 0; dp < kDTiles / 2; ++dp) {
        std::uint32_t vb[4];
        Ldmatrix4Trans(frag_a(v_buf, 16 * kk, 2 * dp), vb);
#pragma unroll
        for (int mt = 0; mt < kMTiles; ++mt) {
          Mma16816(o[mt][2 * dp], pa[mt], vb[0], vb[1]);
          Mma16816(o[mt][2 * dp + 1], pa[mt], vb[2], vb[3]);
        }
      }
    }
    __syncthreads();  // the next iteration's prefetch overwrites this buffer
  }

  // Epilogue: normalise, stage O (bf16) in the Q tile, write LSE, then 16-byte stores.
  detail::CpAsyncWait<0>();  // the Q load is still in flight when no key tile was visible
  __syncthreads();
  float* lse = a.lse.ptr + b * a.lse.batch_stride + h * a.lse.head_stride;
#pragma unroll
  for (int mt = 0; mt < kMTiles; ++mt)
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float sum = row_sum[mt][r];
      sum += __shfl_xor_sync(0xffffffffu, sum, 1);
      sum += __shfl_xor_sync(0xffffffffu, sum, 2);
      const float inv = sum > 0.f ? 1.f / sum : 0.f;
      const int row = warp_row0 + 16 * mt + g + 8 * r;
#pragma unroll
      for (int dt = 0; dt < kDTiles; ++dt) {
        const std::uint32_t packed =
            detail::PackBf16(o[mt][dt][2 * r] * inv, o[mt][dt][2 * r + 1] * inv);
        detail::StShared32(s_q + SwizzledOffset<kD>(row, dt) + 4 * t, packed);
      }
      if (t == 0 && row < q_rows)
        lse[q0 + row] = sum > 0.f ? (row_max[mt][r] + __log2f(sum)) * kLn2 : -INFINITY;
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
                   : "r"(s_q + SwizzledOffset<kD>(row, chunk))
                   : "memory");
      *reinterpret_cast<uint4*>(out + row * kD + chunk * 8) = val;
    }
  }
}

template <int kD, FwdVariant kVariant>
cudaError_t LaunchFwd(const FwdArgs& a, cudaStream_t stream) {
  constexpr TileConfig kCfg = FwdTileConfig(kD, kVariant);
  auto kernel = FwdKernel<kD, kVariant>;
  cudaError_t err =
      cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, kCfg.smem_bytes);
  if (err != cudaSuccess) return err;
  const int q_tiles = CeilDiv(a.dims.q_len, kCfg.block_m);
  const dim3 grid(q_tiles, a.dims.heads, a.dims.batch);
  kernel<<<grid, kCfg.warps * 32, kCfg.smem_bytes, stream>>>(a, q_tiles);
  return cudaGetLastError();
}

template <int kD>
cudaError_t LaunchFwdVariant(const FwdArgs& a, cudaStream_t stream) {
  switch (a.variant) {
    case FwdVariant::kWarp32Rows:
      return LaunchFwd<kD, FwdVariant::kWarp32Rows>(a, stream);
    case FwdVariant::kWarp16Rows:
      return LaunchFwd<kD, FwdVariant::kWarp16Rows>(a, stream);
    case FwdVariant::kWarp16RowsLean:
      return LaunchFwd<kD, FwdVariant::kWarp16RowsLean>(a, stream);
    case FwdVariant::kWgmma:
      return detail::LaunchFwdWgmma(a, false, stream);
    case FwdVariant::kWgmmaPipelined:
      return detail::LaunchFwdWgmma(a, true, stream);
  }
  return cudaErrorInvalidValue;
}

}  // namespace

bool FwdVariantSupported(FwdVariant v) {
  int device = 0, major = 0, minor = 0;
  if (cudaGetDevice(&device) != cudaSuccess ||
      cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device) != cudaSuccess ||
      cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device) != cudaSuccess)
    return false;
  if (!IsWgmmaVariant(v)) return major >= 8;
#if defined(RINGSIM_HAVE_SM90A)
  return major == 9 && minor == 0;
#else
  return false;
#endif
}

cudaError_t AttentionForward(const FwdArgs& args, cudaStream_t stream) {
  cudaError_t err = ValidateDims(args.dims);
  if (err != cudaSuccess) return err;
  if (IsWgmmaVariant(args.variant) && !FwdVariantSupported(args.variant))
    return cudaErrorNotSupported;
  if (!IsAligned16(args.q) || !IsAligned16(args.k) || !IsAligned16(args.v) || !IsAligned16(args.o))
    return cudaErrorInvalidValue;
  if (args.dims.q_len == 0) return cudaSuccess;
  FwdArgs a = args;
  if (a.dims.scale == 0.f) a.dims.scale = 1.f / std::sqrt(static_cast<float>(a.dims.head_dim));
  return a.dims.head_dim == 64 ? LaunchFwdVariant<64>(a, stream) : LaunchFwdVariant<128>(a, stream);
}

}  // namespace ringsim::calibrate
