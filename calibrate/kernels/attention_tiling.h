#pragma once
// Tiling and masking arithmetic shared by the CUDA kernels and their host-side launchers.
// Everything here is plain integer arithmetic, compiled both by nvcc (as __host__ __device__)
// and by the host compiler, so that calibrate_tests can check it on a machine with no GPU.

#include <cstdint>

#if defined(__CUDACC__)
#define RINGSIM_HD __host__ __device__ __forceinline__
#define RINGSIM_HD_CONSTEXPR __host__ __device__ constexpr
#else
#define RINGSIM_HD inline
#define RINGSIM_HD_CONSTEXPR constexpr
#endif

namespace ringsim::calibrate {

/// Where a (query block, key/value block) pair sits in the global sequence. Query row i is at
/// position q_offset + i and key row j at kv_offset + j. With causal masking, key j is visible to
/// query i iff kv_offset + j <= q_offset + i; any block pair of a ring (contiguous, striped or
/// zigzag) is described by these two offsets.
struct BlockMask {
  bool causal = false;
  std::int64_t q_offset = 0;
  std::int64_t kv_offset = 0;
};

/// ceil(a / b) for a >= 0, b > 0.
RINGSIM_HD int CeilDiv(int a, int b) { return (a + b - 1) / b; }

/// Whether key row kj is visible to query row qi (both block-local indices).
RINGSIM_HD bool Visible(const BlockMask& m, std::int64_t qi, std::int64_t kj) {
  return !m.causal || m.kv_offset + kj <= m.q_offset + qi;
}

/// The causal mask as one block-local number: key kj is visible to query qi iff
/// kj - qi <= CausalLimit(m). Clamped to +-2^30, which keeps the comparison exact for blocks of
/// fewer than 2^30 rows; without causal masking every key is visible.
RINGSIM_HD int CausalLimit(const BlockMask& m) {
  constexpr std::int64_t kBig = std::int64_t{1} << 30;
  if (!m.causal) return static_cast<int>(kBig);
  const std::int64_t d = m.q_offset - m.kv_offset;
  return static_cast<int>(d > kBig ? kBig : d < -kBig ? -kBig : d);
}

/// Number of leading key tiles of `bn` rows that query rows [q_begin, q_end) can see at all;
/// tiles after these are skipped entirely. q_end > q_begin.
RINGSIM_HD int VisibleKvTiles(const BlockMask& m, int q_end, int bn, int kv_len) {
  const int all = CeilDiv(kv_len, bn);
  if (!m.causal) return all;
  // The last query row sees keys up to this local index.
  const std::int64_t last_key = m.q_offset - m.kv_offset + q_end - 1;
  if (last_key < 0) return 0;
  const std::int64_t n = last_key / bn + 1;
  return n < all ? static_cast<int>(n) : all;
}

/// Whether the key tile [k0, k0 + bn) needs per-element masking for query rows starting at q0:
/// it runs past kv_len, or some key in it is hidden from row q0 by the causal mask.
RINGSIM_HD bool KvTileNeedsMask(const BlockMask& m, int q0, int k0, int bn, int kv_len) {
  if (k0 + bn > kv_len) return true;
  if (!m.causal) return false;
  return m.kv_offset + k0 + bn - 1 > m.q_offset + q0;
}

/// Whether the tile pair (query rows [q0, q0 + bm), key rows [k0, k0 + bn)) needs
/// per-element masking: either edge is ragged, or the causal diagonal crosses it.
RINGSIM_HD bool PairNeedsMask(const BlockMask& m, int q0, int bm, int q_len, int k0, int bn,
                              int kv_len) {
  if (q0 + bm > q_len) return true;
  return KvTileNeedsMask(m, q0, k0, bn, kv_len);
}

/// First query tile of `bm` rows with a row that can see key k0 (the first key of a tile); may
/// be >= the number of query tiles, meaning none can.
RINGSIM_HD int FirstVisibleQTile(const BlockMask& m, int k0, int bm) {
  if (!m.causal) return 0;
  const std::int64_t first_q = m.kv_offset + k0 - m.q_offset;
  if (first_q <= 0) return 0;
  const std::int64_t t = first_q / bm;
  return t > 0x3fffffff ? 0x3fffffff : static_cast<int>(t);
}

/// Number of (query, key) pairs the mask lets through; the FLOP counts use it.
inline std::int64_t VisiblePairs(const BlockMask& m, int q_len, int kv_len) {
  if (!m.causal) return static_cast<std::int64_t>(q_len) * kv_len;
  std::int64_t n = 0;
  for (int i = 0; i < q_len; ++i) {
    std::int64_t keys = m.q_offset - m.kv_offset + i + 1;
    if (keys < 0) keys = 0;
    if (keys > kv_len) keys = kv_len;
    n += keys;
  }
  return n;
}

/// Forward FLOPs of one block pair: QK^T and PV over the visible pairs, 2 FLOPs per MAC.
inline double AttnFwdFlops(const BlockMask& m, int batch, int heads, int head_dim, int q_len,
                           int kv_len) {
  return 4.0 * batch * heads * head_dim * static_cast<double>(VisiblePairs(m, q_len, kv_len));
}

/// Backward FLOPs: five products of the forward's size (S recomputed, dP, dV, dK, dQ), the
/// usual 2.5x the forward.
inline double AttnBwdFlops(const BlockMask& m, int batch, int heads, int head_dim, int q_len,
                           int kv_len) {
  return 2.5 * AttnFwdFlops(m, batch, heads, head_dim, q_len, kv_len);
}

/// Tile shape of one kernel instantiation.
struct TileConfig {
  int head_dim;
  int block_m;     ///< query rows per tile
  int block_n;     ///< key rows per tile
  int warps;       ///< warps per CTA
  int min_blocks;  ///< CTAs per SM asked of the compiler (__launch_bounds__): caps registers
  bool q_in_regs;  ///< forward: Q fragments held in registers instead of re-read per key tile
  int smem_bytes;  ///< dynamic shared memory per CTA
};

/// Forward kernel variants (NOTES.md has their register and spill reports).
enum class FwdVariant {
  kWarp32Rows,      ///< 4 warps x 32 query rows (FA2's split): K and V fragments reused twice
  kWarp16Rows,      ///< 8 warps x 16 query rows, Q held in registers, 1 CTA per SM
  kWarp16RowsLean,  ///< 8 warps x 16 query rows, Q re-read, at most 128 registers: 2 CTAs per SM
  kWgmma,           ///< sm_90a only: 2 warpgroups x 64 query rows on wgmma, 128-key tiles
  kWgmmaPipelined,  ///< as kWgmma, with the softmax of tile j+1 overlapping P_j V_j
};

inline constexpr FwdVariant kFwdVariants[] = {FwdVariant::kWarp32Rows, FwdVariant::kWarp16Rows,
                                              FwdVariant::kWarp16RowsLean, FwdVariant::kWgmma,
                                              FwdVariant::kWgmmaPipelined};

/// Whether a variant runs on wgmma (sm_90a).
RINGSIM_HD_CONSTEXPR bool IsWgmmaVariant(FwdVariant v) {
  return v == FwdVariant::kWgmma || v == FwdVariant::kWgmmaPipelined;
}

/// Short name of a variant, as the benchmark CSV writes it.
constexpr const char* FwdVariantName(FwdVariant v) {
  return v == FwdVariant::kWarp32Rows       ? "w32rows"
         : v == FwdVariant::kWarp16Rows     ? "w16rows"
         : v == FwdVariant::kWarp16RowsLean ? "w16lean"
         : v == FwdVariant::kWgmma          ? "wgmma"
                                            : "wgmma_pipe";
}

/// Tile shape of the forward kernel: a Q tile and two K and two V tiles (double-buffered), all
/// bf16. Where 64 key rows would make ptxas spill (head dim 128 with 32 rows per warp, or with
/// a 128-register cap), the key tile is 32 rows. The wgmma variant also asks for 1 KiB of slack
/// to align its tiles to 1024 bytes (the 128-byte swizzle's period).
RINGSIM_HD_CONSTEXPR TileConfig FwdTileConfig(int head_dim, FwdVariant v) {
  if (IsWgmmaVariant(v))
    return TileConfig{head_dim, 128, 128, 8, 1, false, 2 * head_dim * (128 + 4 * 128) + 1024};
  const bool wide = v == FwdVariant::kWarp32Rows;
  const bool lean = v == FwdVariant::kWarp16RowsLean;
  const int block_n = lean || (head_dim == 128 && wide) ? 32 : 64;
  const int block_m = 128;
  return TileConfig{head_dim,
                    block_m,
                    block_n,
                    wide ? 4 : 8,
                    wide || lean ? 2 : 1,
                    v == FwdVariant::kWarp16Rows,
                    2 * head_dim * (block_m + 4 * block_n)};
}

/// Tile shape of the backward kernel: a CTA owns block_n key rows (16 per warp) and loops over
/// query tiles of block_m rows. K, V, two Q and two dO tiles (bf16), a dS^T tile (bf16), and
/// two buffers of per-row LSE and D (fp32).
RINGSIM_HD_CONSTEXPR TileConfig BwdTileConfig(int head_dim) {
  const int block_m = 64, block_n = 128;
  return TileConfig{
      head_dim,
      block_m,
      block_n,
      8,
      1,
      false,
      2 * head_dim * (2 * block_n + 4 * block_m) + 2 * block_n * block_m + 2 * 2 * 4 * block_m};
}

}  // namespace ringsim::calibrate
