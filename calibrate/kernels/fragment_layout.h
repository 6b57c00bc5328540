#pragma once
// Where the attention kernels put tiles in shared memory and where each lane points ldmatrix.
// Plain integer arithmetic, compiled for the device by nvcc and for the host by calibrate_tests
// (fragment_layout_test.cc emulates ldmatrix and mma.m16n8k16 on the CPU over these addresses).
//
// Fragment layouts (PTX ISA, "mma.m16n8k16"), with g = lane / 4 and t = lane % 4:
//   A (16x16, row-major):  a0 = A[g][2t..2t+1], a1 = A[g+8][2t..], a2 = A[g][2t+8..],
//                          a3 = A[g+8][2t+8..]
//   B (16x8, "col"):       b0 = B[2t..2t+1][g], b1 = B[2t+8..2t+9][g]
//   C/D (16x8, fp32):      c0,c1 = C[g][2t..2t+1], c2,c3 = C[g+8][2t..2t+1]
// ldmatrix.x4: lanes 8m..8m+7 give the row addresses of matrix m; without .trans lane l gets
// row l / 4, columns 2 (l % 4) and 2 (l % 4) + 1 of each matrix; with .trans, column l / 4 of
// rows 2 (l % 4) and 2 (l % 4) + 1.

#include <cstdint>

#include "calibrate/kernels/attention_tiling.h"

namespace ringsim::calibrate::detail {

/// Byte offset of 16-byte chunk `chunk` of row `row` in a swizzled tile with kCols bf16
/// columns. Rows of 8 or more chunks XOR the low chunk bits with row & 7; rows of 4 chunks (two
/// rows per 128-byte line) with (row / 2) & 3. Either way eight consecutive rows at the same
/// logical chunk hit eight different 16-byte bank groups.
template <int kCols>
RINGSIM_HD std::uint32_t SwizzledOffset(int row, int chunk) {
  static_assert(kCols % 64 == 0 || kCols == 32, "rows of 4 or 8k chunks");
  const int x = kCols >= 64 ? (row & 7) : ((row >> 1) & 3);
  return static_cast<std::uint32_t>(row * kCols * 2 + ((chunk ^ x) << 4));
}

/// Rows between the successive 16-byte copies of one thread when kThreads threads copy a tile
/// of kCols bf16 columns (thread tid takes chunk tid % (kCols / 8) of rows tid / (kCols / 8),
/// + step, + 2 step, ...). A multiple of 8 keeps each thread's swizzle fixed.
template <int kCols, int kThreads>
RINGSIM_HD_CONSTEXPR int TileCopyRowStep() {
  static_assert(kThreads % (kCols / 8) == 0, "threads must cover whole rows");
  static_assert((kThreads / (kCols / 8)) % 8 == 0, "row step must keep the swizzle");
  return kThreads / (kCols / 8);
}

/// Which rows and chunks a lane addresses in an ldmatrix.x4 over a 16x16 block of a tile: lane l
/// points at row (l & 7) + 8 * row_bit and chunk chunk_bit of the block.
///   kRowsThenChunks: matrices (rows 0-7, chunk 0), (8-15, 0), (0-7, 1), (8-15, 1). This is the A
///     fragment of a row-major tile, and with .trans the B fragments of two n8 tiles from a
///     tile stored k-major (e.g. V in P V).
///   kChunksThenRows: matrices (rows 0-7, chunk 0), (0-7, 1), (8-15, 0), (8-15, 1). This is the B
///     fragments of two n8 tiles from a tile stored n-major (e.g. K in Q K^T), and with .trans
///     the A fragment from a tile stored k-major (e.g. dS^T in dS K).
enum class LanePattern { kRowsThenChunks, kChunksThenRows };

template <LanePattern kPattern>
RINGSIM_HD int LaneRow(int lane) {
  return (lane & 7) +
         ((kPattern == LanePattern::kRowsThenChunks ? (lane >> 3) & 1 : lane >> 4) << 3);
}

template <LanePattern kPattern>
RINGSIM_HD int LaneChunk(int lane) {
  return kPattern == LanePattern::kRowsThenChunks ? lane >> 4 : (lane >> 3) & 1;
}

/// A lane's ldmatrix addresses into a swizzled tile of kCols bf16 columns, for 16x16 blocks
/// whose first row r0 is a multiple of 8 and first chunk c0 is even. The swizzle of chunk c0 +
/// bit in row r0 + lane_row is ((c0 & 7) ^ bit ^ (lane_row & 7)) + (c0 & ~7), so four
/// per-lane offsets (one per value of c0 & 7) cover every block; with r0 and c0 known at
/// compile time (unrolled loops) each address is one of them plus an immediate.
template <int kCols, LanePattern kPattern>
struct FragAddr {
  static_assert(kCols % 64 == 0, "FragAddr assumes the row & 7 swizzle");
  std::uint32_t off[4];

  RINGSIM_HD explicit FragAddr(int lane) {
    const int row = LaneRow<kPattern>(lane);
    const int u = LaneChunk<kPattern>(lane) ^ (row & 7);
    for (int i = 0; i < 4; ++i)  // unrolled by the compiler: a fixed trip count of 4
      off[i] = static_cast<std::uint32_t>(row * kCols * 2 + (((2 * i) ^ u) << 4));
  }

  /// Address of the 16x16 block at (r0, c0) of the tile at `tile`; c0 must be a compile-time
  /// constant after unrolling (it indexes `off`).
  RINGSIM_HD std::uint32_t operator()(std::uint32_t tile, int r0, int c0) const {
    return tile + off[(c0 & 7) >> 1] +
           static_cast<std::uint32_t>(r0 * kCols * 2 + ((c0 & ~7) << 4));
  }
};

/// The lane's address of the 16x16 block at (r0, c0) for any (run-time) c0, r0 a multiple of 8.
template <int kCols, LanePattern kPattern>
RINGSIM_HD std::uint32_t FragAddrAt(std::uint32_t tile, int r0, int c0, int lane) {
  return tile + SwizzledOffset<kCols>(r0 + LaneRow<kPattern>(lane), c0 + LaneChunk<kPattern>(lane));
}

// ---------------------------------------------------------------------------------------------
// wgmma (sm_90a) operand tiles. A tile of kRows rows and kCols bf16 columns is stored as kCols/64
// "panels" of 64 columns; a panel is kRows rows of 128 bytes with the hardware's 128-byte
// swizzle (16-byte chunk c of row r at c ^ (r % 8); the XOR is taken from address bits, so every
// panel starts on a 1024-byte boundary). The same placement serves both operand majors:
//   K-major (Q and K in S = Q K^T): rows are M or N, columns K. A 16-wide K slice kk starts at
//     panel kk / 4, byte (kk % 4) * 32 of the row; 8-row groups are 1024 bytes apart (SBO).
//   N-major (V in O = P V, imm-trans-b = 1): rows are K (keys), columns N. A 16-key slice starts
//     16 rows down; 8-key groups are 1024 bytes apart (SBO), 64-column panels kRows * 128
//     bytes apart (LBO).

/// Byte offset of 16-byte chunk `chunk` of row `row` in a panelled tile of kRows rows.
template <int kRows>
RINGSIM_HD std::uint32_t PanelOffset(int row, int chunk) {
  return static_cast<std::uint32_t>((chunk >> 3) * kRows * 128 + row * 128 +
                                    (((chunk & 7) ^ (row & 7)) << 4));
}

/// Start of K slice kk (16 columns) of rows row0.. in a K-major panelled tile.
template <int kRows>
RINGSIM_HD std::uint32_t KMajorSlice(std::uint32_t tile, int row0, int kk) {
  return tile + static_cast<std::uint32_t>((kk >> 2) * kRows * 128 + row0 * 128 + (kk & 3) * 32);
}

/// Start of K slice kk (16 rows) of an N-major panelled tile.
RINGSIM_HD std::uint32_t NMajorSlice(std::uint32_t tile, int kk) {
  return tile + static_cast<std::uint32_t>(kk * 16 * 128);
}

inline constexpr std::uint32_t kWgmmaSbo = 1024;      ///< bytes between 8-row groups
inline constexpr std::uint32_t kWgmmaKMajorLbo = 16;  ///< unused by K-major 128-byte swizzle

/// The sm_90 shared-memory matrix descriptor: start address, leading and stride byte offsets
/// (each >> 4, 14 bits), base offset 0, swizzle mode 1 (128 bytes).
RINGSIM_HD std::uint64_t WgmmaDescriptor(std::uint32_t smem_addr, std::uint32_t lbo,
                                         std::uint32_t sbo) {
  return static_cast<std::uint64_t>((smem_addr & 0x3FFFF) >> 4) |
         static_cast<std::uint64_t>((lbo & 0x3FFFF) >> 4) << 16 |
         static_cast<std::uint64_t>((sbo & 0x3FFFF) >> 4) << 32 | std::uint64_t{1} << 62;
}

}  // namespace ringsim::calibrate::detail
