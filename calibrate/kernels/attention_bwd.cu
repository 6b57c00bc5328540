// Backward of one query block against one key/value block, FlashAttention-2 style, on the
// sm_80+ tensor cores (mma.sync m16n8k16, bf16 in, fp32 accumulate).
//
// A CTA owns kBlockN = 128 key/value rows of one (batch, kv head); each of its 8 warps owns 16
// of them. It keeps K and V in shared memory and dK, dV in registers, and loops over the query
// heads of its GQA group and, for each, over the query tiles of kBlockM = 64 rows that can see
// its keys (Q, dO, LSE and D double-buffered by cp.async). Per query tile, all in the
// transposed orientation so that each warp's rows are its own keys:
//   S^T = K Q^T,  P^T = exp2(S^T scale log2e - LSE log2e),  dV += P^T dO,
//   dP^T = V dO^T,  dS^T = P^T (dP^T - D),  dK += dS^T Q,
// then dS^T goes to shared memory (bf16) and the 8 warps split dQ = dS K (64 x d) between them
// and add it into the fp32 dQ accumulator with atomics.

#include <cmath>

#include "calibrate/kernels/attention_kernels.h"
#include "calibrate/kernels/mma_sm80.cuh"

namespace ringsim::calibrate {
namespace {

using detail::AccToA;
using detail::FastExp2;
using detail::FragAddr;
using detail::FragAddrAt;
using detail::LanePattern;
using detail::Ldmatrix4;
using detail::Ldmatrix4Trans;
using detail::Mma16816;
using detail::StShared32;
using detail::SwizzledOffset;

constexpr float kLog2e = 1.4426950408889634f;

template <int kD, int kBlockM, int kBlockN, int kWarps>
__global__ void __launch_bounds__(kWarps * 32, 1) BwdKernel(const BwdArgs a) {
  constexpr int kThreads = kWarps * 32;
  constexpr int kQTiles = kBlockM / 8;  // n8 tiles of S^T (query columns)
  constexpr int kKSteps = kD / 16;      // k16 steps over the head dim
  constexpr int kDTiles = kD / 8;       // n8 tiles of dK, dV
  constexpr int kDqRowGroups = kBlockM / 16;
  constexpr int kDqColGroups = kWarps / kDqRowGroups;
  constexpr int kDqCols = kD / kDqColGroups;
  constexpr int kDqTiles = kDqCols / 8;
  static_assert(kBlockN == 16 * kWarps, "one m16 tile of keys per warp");
  static_assert(kWarps % kDqRowGroups == 0 && kDqTiles % 2 == 0, "bad dQ split");

  extern __shared__ __align__(128) unsigned char smem[];
  constexpr std::uint32_t kKvBytes = kBlockN * kD * 2;
  constexpr std::uint32_t kQBytes = kBlockM * kD * 2;
  const std::uint32_t s_k = detail::SmemAddr(smem);
  const std::uint32_t s_v = s_k + kKvBytes;
  const std::uint32_t s_q = s_v + kKvBytes;       // two buffers
  const std::uint32_t s_do = s_q + 2 * kQBytes;   // two buffers
  const std::uint32_t s_ds = s_do + 2 * kQBytes;  // kBlockN x kBlockM bf16
  float* s_lse = reinterpret_cast<float*>(smem + (s_ds - s_k) + kBlockN * kBlockM * 2);
  float* s_delta = s_lse + 2 * kBlockM;

  const AttnDims& d = a.dims;
  const int kv_tile = blockIdx.x;
  const int hk = blockIdx.y;
  const int b = blockIdx.z;
  const int group = d.heads / d.kv_heads;
  const int k0 = kv_tile * kBlockN;
  const int kv_rows = min(kBlockN, d.kv_len - k0);
  const int q_tiles = CeilDiv(d.q_len, kBlockM);
  const int first_qt = min(FirstVisibleQTile(a.mask, k0, kBlockM), q_tiles);
  const int per_head = q_tiles - first_qt;
  const int items = group * per_head;

  const int tid = threadIdx.x;
  const int warp = tid / 32;
  const int lane = tid % 32;
  const int g = lane / 4;
  const int t = lane % 4;
  const int warp_k0 = k0 + 16 * warp;                             // this warp's first key row
  const FragAddr<kD, LanePattern::kRowsThenChunks> frag_a(lane);  // K, V (A); dO, Q (B, .trans)
  const FragAddr<kD, LanePattern::kChunksThenRows> frag_b(lane);  // Q, dO (B)

  const std::int64_t k_off =
      b * a.k.batch_stride + hk * a.k.head_stride + static_cast<std::int64_t>(k0) * kD;
  const std::int64_t v_off =
      b * a.v.batch_stride + hk * a.v.head_stride + static_cast<std::int64_t>(k0) * kD;
  detail::LoadTileAsync<kBlockN, kD, kThreads>(s_k, a.k.ptr + k_off, kv_rows, tid);
  detail::LoadTileAsync<kBlockN, kD, kThreads>(s_v, a.v.ptr + v_off, kv_rows, tid);

  // Issues the loads of the work item (query head h, query tile at row q0) into buffer `buf`.
  auto prefetch = [&](int h, int q0, int buf) {
    const int valid = d.q_len - q0;
    const std::int64_t row0 = static_cast<std::int64_t>(q0) * kD;
    detail::LoadTileAsync<kBlockM, kD, kThreads>(
        s_q + buf * kQBytes, a.q.ptr + b * a.q.batch_stride + h * a.q.head_stride + row0, valid,
        tid);
    detail::LoadTileAsync<kBlockM, kD, kThreads>(
        s_do + buf * kQBytes, a.d_o.ptr + b * a.d_o.batch_stride + h * a.d_o.head_stride + row0,
        valid, tid);
    const std::int64_t vec = (static_cast<std::int64_t>(b) * d.heads + h) * d.q_len + q0;
    if (tid < kBlockM) {
      const bool ok = tid < valid;
      detail::CpAsync4(detail::SmemAddr(s_lse + buf * kBlockM + tid),
                       ok ? a.lse_log2 + vec + tid : a.lse_log2, ok);
      detail::CpAsync4(detail::SmemAddr(s_delta + buf * kBlockM + tid),
                       ok ? a.delta + vec + tid : a.delta, ok);
    }
  };
  // Work items run over the group's query heads, and for each over the visible query tiles.
  int h = hk * group;
  int qt = first_qt;
  if (items > 0) prefetch(h, qt * kBlockM, 0);
  detail::CpAsyncCommit();

  float dk[kDTiles][4], dv[kDTiles][4];
#pragma unroll
  for (int dt = 0; dt < kDTiles; ++dt)
#pragma unroll
    for (int e = 0; e < 4; ++e) dk[dt][e] = dv[dt][e] = 0.f;
  const float scale_log2 = d.scale * kLog2e;

  const int causal_limit = CausalLimit(a.mask);
  for (int it = 0; it < items; ++it) {
    const int buf = it & 1;
    const int q0 = qt * kBlockM;
    int h_next = h, qt_next = qt + 1;
    if (qt_next == q_tiles) {
      qt_next = first_qt;
      ++h_next;
    }
    if (it + 1 < items) {
      prefetch(h_next, qt_next * kBlockM, buf ^ 1);
      detail::CpAsyncCommit();
      detail::CpAsyncWait<1>();
    } else {
      detail::CpAsyncWait<0>();
    }
    __syncthreads();
    const std::uint32_t q_buf = s_q + buf * kQBytes;
    const std::uint32_t do_buf = s_do + buf * kQBytes;
    const float* lse = s_lse + buf * kBlockM;
    const float* delta = s_delta + buf * kBlockM;

    // S^T = K Q^T (this warp's 16 keys x kBlockM queries).
    float st[kQTiles][4];
#pragma unroll
    for (int nt = 0; nt < kQTiles; ++nt)
#pragma unroll
      for (int e = 0; e < 4; ++e) st[nt][e] = 0.f;
#pragma unroll
    for (int kk = 0; kk < kKSteps; ++kk) {
      std::uint32_t ka[4];
      Ldmatrix4(frag_a(s_k, 16 * warp, 2 * kk), ka);
#pragma unroll
      for (int np = 0; np < kQTiles / 2; ++np) {
        std::uint32_t qb[4];
        Ldmatrix4(frag_b(q_buf, 16 * np, 2 * kk), qb);
        Mma16816(st[2 * np], ka, qb[0], qb[1]);
        Mma16816(st[2 * np + 1], ka, qb[2], qb[3]);
      }
    }

    // P^T, with the ragged edges and the causal diagonal masked to exactly zero.
    const bool masked = PairNeedsMask(a.mask, q0, kBlockM, d.q_len, warp_k0, 16, d.kv_len);
#pragma unroll
    for (int nt = 0; nt < kQTiles; ++nt)
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const int qc = 8 * nt + 2 * t + (e % 2);
        const float p = FastExp2(fmaf(st[nt][e], scale_log2, -lse[qc]));
        const int kj = warp_k0 + g + 8 * (e / 2);
        const int qi = q0 + qc;
        const bool hidden = kj >= d.kv_len || qi >= d.q_len || kj - qi > causal_limit;
        st[nt][e] = masked && hidden ? 0.f : p;
      }

      // dV += P^T dO.
#pragma unroll
    for (int kk = 0; kk < kBlockM / 16; ++kk) {
      std::uint32_t pa[4];
      AccToA(st[2 * kk], st[2 * kk + 1], pa);
#pragma unroll
      for (int dp = 0; dp < kDTiles / 2; ++dp) {
        std::uint32_t ob[4];
        Ldmatrix4Trans(frag_a(do_buf, 16 * kk, 2 * dp), ob);
        Mma16816(dv[2 * dp], pa, ob[0], ob[1]);
        Mma16816(dv[2 * dp + 1], pa, ob[2], ob[3]);
      }
    }

    // dP^T = V dO^T, then dS^T = P^T (dP^T - D), kept in st.
    {
      float dpt[kQTiles][4];
#pragma unroll
      for (int nt = 0; nt < kQTiles; ++nt)
#pragma unroll
        for (int e = 0; e < 4; ++e) dpt[nt][e] = 0.f;
#pragma unroll
      for (int kk = 0; kk < kKSteps; ++kk) {
        std::uint32_t va[4];
        Ldmatrix4(frag_a(s_v, 16 * warp, 2 * kk), va);
#pragma unroll
        for (int np = 0; np < kQTiles / 2; ++np) {
          std::uint32_t ob[4];
          Ldmatrix4(frag_b(do_buf, 16 * np, 2 * kk), ob);
          Mma16816(dpt[2 * np], va, ob[0], ob[1]);
          Mma16816(dpt[2 * np + 1], va, ob[2], ob[3]);
        }
      }
#pragma unroll
      for (int nt = 0; nt < kQTiles; ++nt)
#pragma unroll
        for (int e = 0; e < 4; ++e) st[nt][e] *= dpt[nt][e] - delta[8 * nt + 2 * t + (e % 2)];
    }

    // dK += dS^T Q (scaled at the end); dS^T -> shared memory for dQ.
#pragma unroll
    for (int kk = 0; kk < kBlockM / 16; ++kk) {
      std::uint32_t sa[4];
      AccToA(st[2 * kk], st[2 * kk + 1], sa);
      const int row = 16 * warp + g;
      StShared32(s_ds + SwizzledOffset<kBlockM>(row, 2 * kk) + 4 * t, sa[0]);
      StShared32(s_ds + SwizzledOffset<kBlockM>(row + 8, 2 * kk) + 4 * t, sa[1]);
      StShared32(s_ds + SwizzledOffset<kBlockM>(row, 2 * kk + 1) + 4 * t, sa[2]);
      StShared32(s_ds + SwizzledOffset<kBlockM>(row + 8, 2 * kk + 1) + 4 * t, sa[3]);
#pragma unroll
      for (int dp = 0; dp < kDTiles / 2; ++dp) {
        std::uint32_t qb[4];
        Ldmatrix4Trans(frag_a(q_buf, 16 * kk, 2 * dp), qb);
        Mma16816(dk[2 * dp], sa, qb[0], qb[1]);
        Mma16816(dk[2 * dp + 1], sa, qb[2], qb[3]);
      }
    }
    __syncthreads();

    // dQ (kBlockM x kD) = dS K: warp -> 16 query rows x kDqCols columns; atomics into dq_acc.
    {
      const int qr0 = 16 * (warp % kDqRowGroups);
      const int dc0 = kDqCols * (warp / kDqRowGroups);
      float dq[kDqTiles][4];
#pragma unroll
      for (int nt = 0; nt < kDqTiles; ++nt)
#pragma unroll
        for (int e = 0; e < 4; ++e) dq[nt][e] = 0.f;
      // Rows advance by 16 per k-step, which leaves the swizzle alone: one address per column
      // block, plus an immediate.
      const std::uint32_t ds_addr =
          FragAddrAt<kBlockM, LanePattern::kChunksThenRows>(s_ds, 0, qr0 / 8, lane);
      std::uint32_t k_addr[kDqTiles / 2];
#pragma unroll
      for (int dp = 0; dp < kDqTiles / 2; ++dp)
        k_addr[dp] = FragAddrAt<kD, LanePattern::kRowsThenChunks>(s_k, 0, dc0 / 8 + 2 * dp, lane);
#pragma unroll
      for (int kk = 0; kk < kBlockN / 16; ++kk) {
        std::uint32_t sa[4];
        Ldmatrix4Trans(ds_addr + 16 * kk * kBlockM * 2, sa);
#pragma unroll
        for (int dp = 0; dp < kDqTiles / 2; ++dp) {
          std::uint32_t kb[4];
          Ldmatrix4Trans(k_addr[dp] + 16 * kk * kD * 2, kb);
          Mma16816(dq[2 * dp], sa, kb[0], kb[1]);
          Mma16816(dq[2 * dp + 1], sa, kb[2], kb[3]);
        }
      }
      float* dq_acc = a.dq_acc.ptr + b * a.dq_acc.batch_stride + h * a.dq_acc.head_stride;
#pragma unroll
      for (int r = 0; r < 2; ++r) {
        const int qi = q0 + qr0 + g + 8 * r;
        if (qi < d.q_len) {
          float* row = dq_acc + static_cast<std::int64_t>(qi) * kD + dc0 + 2 * t;
#pragma unroll
          for (int nt = 0; nt < kDqTiles; ++nt) {
            const float x = dq[nt][2 * r] * d.scale, y = dq[nt][2 * r + 1] * d.scale;
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
            // One 8-byte atomic (red.global.add.v2.f32) instead of two: half the L2 atomics.
            atomicAdd(reinterpret_cast<float2*>(row + 8 * nt), make_float2(x, y));
#else
            atomicAdd(row + 8 * nt, x);
            atomicAdd(row + 8 * nt + 1, y);
#endif
          }
        }
      }
    }
    __syncthreads();  // the next prefetch overwrites this buffer; the next dS^T overwrites s_ds
    h = h_next;
    qt = qt_next;
  }
  detail::CpAsyncWait<0>();  // K, V (and nothing else) still in flight when there was no item

  // dK, dV of this warp's 16 keys.
  const std::int64_t dk_base = b * a.dk_acc.batch_stride + hk * a.dk_acc.head_stride;
  const std::int64_t dv_base = b * a.dv_acc.batch_stride + hk * a.dv_acc.head_stride;
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    const int kj = warp_k0 + g + 8 * r;
    if (kj >= d.kv_len) continue;
#pragma unroll
    for (int dt = 0; dt < kDTiles; ++dt) {
      const std::int64_t off = static_cast<std::int64_t>(kj) * kD + 8 * dt + 2 * t;
      float2* pk = reinterpret_cast<float2*>(a.dk_acc.ptr + dk_base + off);
      float2* pv = reinterpret_cast<float2*>(a.dv_acc.ptr + dv_base + off);
      float2 nk = make_float2(dk[dt][2 * r] * d.scale, dk[dt][2 * r + 1] * d.scale);
      float2 nv = make_float2(dv[dt][2 * r], dv[dt][2 * r + 1]);
      if (a.accumulate) {
        const float2 ok = *pk, ov = *pv;
        nk.x += ok.x;
        nk.y += ok.y;
        nv.x += ov.x;
        nv.y += ov.y;
      }
      *pk = nk;
      *pv = nv;
    }
  }
}

template <int kD>
__global__ void BwdPreprocessKernel(const BwdPreprocessArgs a, std::int64_t rows) {
  constexpr int kPerLane = kD / 32;
  const std::int64_t row = (static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
  const int lane = threadIdx.x % 32;
  if (row >= rows) return;
  const AttnDims& d = a.dims;
  const int i = static_cast<int>(row % d.q_len);
  const int h = static_cast<int>((row / d.q_len) % d.heads);
  const int b = static_cast<int>(row / (static_cast<std::int64_t>(d.q_len) * d.heads));
  const std::int64_t off = static_cast<std::int64_t>(i) * kD + lane * kPerLane;
  const __nv_bfloat16* o = a.o.ptr + b * a.o.batch_stride + h * a.o.head_stride + off;
  const __nv_bfloat16* g = a.d_o.ptr + b * a.d_o.batch_stride + h * a.d_o.head_stride + off;
  float sum = 0.f;
#pragma unroll
  for (int e = 0; e < kPerLane; e += 2) {
    const float2 of = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162*>(o + e));
    const float2 gf = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162*>(g + e));
    sum = fmaf(of.x, gf.x, fmaf(of.y, gf.y, sum));
  }
#pragma unroll
  for (int s = 16; s > 0; s /= 2) sum += __shfl_xor_sync(0xffffffffu, sum, s);
  if (lane == 0) {
    const float lse = a.lse.ptr[b * a.lse.batch_stride + h * a.lse.head_stride + i];
    a.delta[row] = sum;
    a.lse_log2[row] = lse == -INFINITY ? INFINITY : lse * kLog2e;
  }
}

template <int kD>
cudaError_t LaunchBwd(const BwdArgs& a, cudaStream_t stream) {
  constexpr int kBlockM = 64, kBlockN = 128, kWarps = 8;
  const TileConfig cfg = BwdTileConfig(kD);
  auto kernel = BwdKernel<kD, kBlockM, kBlockN, kWarps>;
  cudaError_t err =
      cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, cfg.smem_bytes);
  if (err != cudaSuccess) return err;
  const dim3 grid(CeilDiv(a.dims.kv_len, kBlockN), a.dims.kv_heads, a.dims.batch);
  kernel<<<grid, kWarps * 32, cfg.smem_bytes, stream>>>(a);
  return cudaGetLastError();
}

}  // namespace

cudaError_t ValidateDims(const AttnDims& d) {
  const bool ok = (d.head_dim == 64 || d.head_dim == 128) && d.batch >= 1 && d.batch <= 65535 &&
                  d.heads >= 1 && d.kv_heads >= 1 && d.kv_heads <= 65535 && d.heads <= 65535 &&
                  d.heads % d.kv_heads == 0 && d.q_len >= 0 && d.kv_len >= 0 && d.scale >= 0.f &&
                  std::isfinite(d.scale);
  return ok ? cudaSuccess : cudaErrorInvalidValue;
}

cudaError_t AttentionBwdPreprocess(const BwdPreprocessArgs& a, cudaStream_t stream) {
  cudaError_t err = ValidateDims(a.dims);
  if (err != cudaSuccess) return err;
  if (!IsAligned16(a.o) || !IsAligned16(a.d_o)) return cudaErrorInvalidValue;
  const std::int64_t rows = static_cast<std::int64_t>(a.dims.batch) * a.dims.heads * a.dims.q_len;
  if (rows == 0) return cudaSuccess;
  const int threads = 256;
  const std::int64_t blocks = (rows * 32 + threads - 1) / threads;
  if (a.dims.head_dim == 64)
    BwdPreprocessKernel<64><<<static_cast<unsigned>(blocks), threads, 0, stream>>>(a, rows);
  else
    BwdPreprocessKernel<128><<<static_cast<unsigned>(blocks), threads, 0, stream>>>(a, rows);
  return cudaGetLastError();
}

cudaError_t AttentionBackward(const BwdArgs& args, cudaStream_t stream) {
  cudaError_t err = ValidateDims(args.dims);
  if (err != cudaSuccess) return err;
  if (!IsAligned16(args.q) || !IsAligned16(args.k) || !IsAligned16(args.v) ||
      !IsAligned16(args.d_o) || !IsAligned16(args.dq_acc) || !IsAligned16(args.dk_acc) ||
      !IsAligned16(args.dv_acc))
    return cudaErrorInvalidValue;
  if (args.dims.kv_len == 0) return cudaSuccess;
  BwdArgs a = args;
  if (a.dims.scale == 0.f) a.dims.scale = 1.f / std::sqrt(static_cast<float>(a.dims.head_dim));
  return a.dims.head_dim == 64 ? LaunchBwd<64>(a, stream) : LaunchBwd<128>(a, stream);
}

}  // namespace ringsim::calibrate
