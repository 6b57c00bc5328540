#include "calibrate/kernels/attention_tiling.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>

namespace ringsim::calibrate {
namespace {

// Masks with the interesting relations between the two blocks: far before, overlapping the
// diagonal at various shifts, far after, and non-causal.
std::vector<BlockMask> SomeMasks() {
  std::vector<BlockMask> masks = {{false, 0, 0}, {true, 0, 0}, {true, 1000, 0}, {true, 0, 1000},
                                  {true, 0, 1},  {true, 1, 0}, {true, 64, 0},   {true, 0, 63}};
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> off(0, 400);
  for (int i = 0; i < 40; ++i) masks.push_back({true, off(rng), off(rng)});
  return masks;
}

TEST(AttentionTilingTest, CausalLimitMatchesVisible) {
  for (const BlockMask& m : SomeMasks())
    for (int qi = 0; qi < 70; qi += 3)
      for (int kj = 0; kj < 70; kj += 5)
        EXPECT_EQ(kj - qi <= CausalLimit(m), Visible(m, qi, kj))
            << m.q_offset << " " << m.kv_offset << " " << qi << " " << kj;
}

TEST(AttentionTilingTest, CausalLimitClampsHugeOffsets) {
  EXPECT_EQ(CausalLimit({true, std::int64_t{1} << 40, 0}), 1 << 30);
  EXPECT_EQ(CausalLimit({true, 0, std::int64_t{1} << 40}), -(1 << 30));
  EXPECT_EQ(CausalLimit({false, 0, std::int64_t{1} << 40}), 1 << 30);
}

TEST(AttentionTilingTest, VisibleKvTilesIsExact) {
  for (const BlockMask& m : SomeMasks())
    for (int kv_len : {1, 63, 64, 65, 200})
      for (int q_end : {1, 17, 128, 300}) {
        // Brute force: one past the last tile holding a key any row < q_end can see.
        int want = 0;
        for (int kj = 0; kj < kv_len; ++kj)
          for (int qi = 0; qi < q_end; ++qi)
            if (Visible(m, qi, kj)) want = kj / 64 + 1;
        // The kernels also need every tile before the last visible one, so a prefix count is
        // right exactly when visibility is monotone in the key index, which the causal mask is.
        EXPECT_EQ(VisibleKvTiles(m, q_end, 64, kv_len), want)
            << m.q_offset << " " << m.kv_offset << " " << kv_len << " " << q_end;
      }
}

TEST(AttentionTilingTest, KvTileNeedsMaskIsSafeAndTight) {
  for (const BlockMask& m : SomeMasks())
    for (int kv_len : {64, 100, 256})
      for (int q0 = 0; q0 < 300; q0 += 16)
        for (int k0 = 0; k0 < kv_len; k0 += 32) {
          const int bn = 32;
          const bool needs = KvTileNeedsMask(m, q0, k0, bn, kv_len);
          bool hidden_for_q0 = k0 + bn > kv_len;
          for (int kj = k0; kj < k0 + bn; ++kj) hidden_for_q0 |= !Visible(m, q0, kj);
          EXPECT_EQ(needs, hidden_for_q0);
          if (!needs) {
            // Safe for every later row too (visibility only grows with the query index).
            for (int qi = q0; qi < q0 + 128; ++qi)
              for (int kj = k0; kj < k0 + bn; ++kj) ASSERT_TRUE(Visible(m, qi, kj));
          }
        }
}

TEST(AttentionTilingTest, PairNeedsMaskCoversRaggedQueries) {
  const BlockMask full{false, 0, 0};
  EXPECT_FALSE(PairNeedsMask(full, 0, 64, 128, 0, 128, 128));
  EXPECT_TRUE(PairNeedsMask(full, 64, 64, 100, 0, 128, 128));  // query rows 100..127 missing
  EXPECT_TRUE(PairNeedsMask(full, 0, 64, 128, 0, 128, 100));   // key rows 100..127 missing
  EXPECT_TRUE(PairNeedsMask({true, 0, 0}, 0, 64, 128, 0, 16, 128));
  EXPECT_FALSE(PairNeedsMask({true, 0, 0}, 64, 64, 128, 0, 16, 128));
}

TEST(AttentionTilingTest, FirstVisibleQTileSkipsOnlyBlindTiles) {
  for (const BlockMask& m : SomeMasks())
    for (int k0 : {0, 1, 64, 128, 300}) {
      const int bm = 64;
      const int first = FirstVisibleQTile(m, k0, bm);
      // No row of an earlier tile sees key k0 (nor, causally, any later key).
      for (int qi = 0; qi < first * bm && qi < 2000; ++qi) ASSERT_FALSE(Visible(m, qi, k0));
      // Some row of tile `first` sees key k0.
      bool any = false;
      for (int qi = first * bm; qi < (first + 1) * bm; ++qi) any |= Visible(m, qi, k0);
      EXPECT_TRUE(any) << m.q_offset << " " << m.kv_offset << " " << k0;
    }
}

TEST(AttentionTilingTest, VisiblePairsAndFlops) {
  EXPECT_EQ(VisiblePairs({false, 0, 0}, 3, 5), 15);
  EXPECT_EQ(VisiblePairs({true, 0, 0}, 4, 4), 10);   // 1 + 2 + 3 + 4
  EXPECT_EQ(VisiblePairs({true, 0, 2}, 4, 4), 3);    // rows 2, 3 see 1 and 2 keys
  EXPECT_EQ(VisiblePairs({true, 10, 0}, 4, 4), 16);  // all visible
  EXPECT_EQ(VisiblePairs({true, 0, 10}, 4, 4), 0);   // none
  // 4 b h d pairs; the backward is 2.5 times that.
  EXPECT_DOUBLE_EQ(AttnFwdFlops({false, 0, 0}, 1, 32, 128, 4096, 4096),
                   4.0 * 32 * 128 * 4096.0 * 4096.0);
  EXPECT_DOUBLE_EQ(AttnBwdFlops({true, 0, 0}, 2, 1, 64, 4, 4), 2.5 * 4 * 2 * 64 * 10);
}

// The kernels' static layout requirements, checked for every shipped configuration (the same
// conditions as the static_asserts in mma_sm80.cuh and the kernels), plus the shared memory
// limits of the A100 (163 KiB per block) and H100 (227 KiB).
void ExpectLoadable(int rows, int cols, int threads) {
  const int chunks = cols / 8;
  ASSERT_EQ(threads % chunks, 0);
  const int step = threads / chunks;
  EXPECT_EQ(step % 8, 0);
  EXPECT_EQ(rows % step, 0);
}

TEST(AttentionTilingTest, ForwardConfigsAreConsistent) {
  for (int d : {64, 128})
    for (FwdVariant v : kFwdVariants) {
      const TileConfig t = FwdTileConfig(d, v);
      SCOPED_TRACE(std::string(FwdVariantName(v)) + " d=" + std::to_string(d));
      EXPECT_EQ(t.head_dim, d);
      EXPECT_EQ(t.block_m % (16 * t.warps), 0);
      EXPECT_EQ(t.block_n % 16, 0);
      if (t.q_in_regs) {
        EXPECT_EQ(t.block_m, 16 * t.warps);
      }
      const bool wgmma = IsWgmmaVariant(v);  // H100-only; 1 KiB of alignment slack
      EXPECT_EQ(t.smem_bytes, 2 * d * (t.block_m + 4 * t.block_n) + (wgmma ? 1024 : 0));
      EXPECT_LE(t.smem_bytes, (wgmma ? 227 : 163) * 1024);
      if (wgmma) {
        EXPECT_EQ(t.warps, 8);  // two warpgroups of 64 query rows
        EXPECT_EQ(t.block_m, 128);
        EXPECT_EQ(t.block_n, 128);  // one wgmma.m64n128k16 per K step of S
      }
      EXPECT_LE(t.min_blocks * t.smem_bytes, 227 * 1024);  // the asked occupancy fits an H100
      ExpectLoadable(t.block_m, d, 32 * t.warps);
      ExpectLoadable(t.block_n, d, 32 * t.warps);
    }
}

TEST(AttentionTilingTest, BackwardConfigsAreConsistent) {
  for (int d : {64, 128}) {
    const TileConfig t = BwdTileConfig(d);
    SCOPED_TRACE("d=" + std::to_string(d));
    EXPECT_EQ(t.block_n, 16 * t.warps);  // one m16 tile of keys per warp
    EXPECT_EQ(t.warps % (t.block_m / 16), 0);
    EXPECT_EQ((d / (t.warps / (t.block_m / 16))) % 16, 0);  // each warp's dQ columns
    EXPECT_LE(t.smem_bytes, 163 * 1024);
    ExpectLoadable(t.block_m, d, 32 * t.warps);
    ExpectLoadable(t.block_n, d, 32 * t.warps);
  }
}

TEST(AttentionTilingTest, VariantNames) {
  EXPECT_STREQ(FwdVariantName(FwdVariant::kWarp32Rows), "w32rows");
  EXPECT_STREQ(FwdVariantName(FwdVariant::kWarp16Rows), "w16rows");
  EXPECT_STREQ(FwdVariantName(FwdVariant::kWarp16RowsLean), "w16lean");
  EXPECT_STREQ(FwdVariantName(FwdVariant::kWgmma), "wgmma");
  EXPECT_STREQ(FwdVariantName(FwdVariant::kWgmmaPipelined), "wgmma_pipe");
  EXPECT_TRUE(IsWgmmaVariant(FwdVariant::kWgmmaPipelined));
  EXPECT_FALSE(IsWgmmaVariant(FwdVariant::kWarp16Rows));
}

}  // namespace
}  // namespace ringsim::calibrate
