#include "calibrate/programs/ring_layout.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <utility>

namespace ringsim::calibrate {
namespace {

const RingLayout kLayouts[] = {RingLayout::kRing, RingLayout::kStriped, RingLayout::kZigzag};

TEST(RingLayoutTest, NamesRoundTrip) {
  for (RingLayout l : kLayouts) {
    RingLayout parsed = RingLayout::kRing;
    ASSERT_TRUE(ParseRingLayout(RingLayoutName(l), &parsed));
    EXPECT_EQ(parsed, l);
  }
  RingLayout unused;
  EXPECT_FALSE(ParseRingLayout("zig-zag", &unused));
}

TEST(RingLayoutTest, ZigzagNeedsAnEvenBlock) {
  EXPECT_NE(RingLayoutProblem(RingLayout::kZigzag, 4, 7), "");
  EXPECT_EQ(RingLayoutProblem(RingLayout::kZigzag, 4, 8), "");
  EXPECT_EQ(RingLayoutProblem(RingLayout::kRing, 4, 7), "");
}

// Every global position is held by exactly one (rank, chunk, row).
TEST(RingLayoutTest, PositionsCoverTheSequenceOnce) {
  for (RingLayout l : kLayouts) {
    for (std::int64_t n : {1, 2, 3, 5}) {
      const std::int64_t c = 6;
      const int chunks = ChunksPerRank(l);
      std::set<std::int64_t> seen;
      for (std::int64_t r = 0; r < n; ++r)
        for (int ch = 0; ch < chunks; ++ch)
          for (std::int64_t row = 0; row < c / chunks; ++row)
            EXPECT_TRUE(seen.insert(TokenPosition(l, n, c, r, ch, row)).second);
      ASSERT_EQ(static_cast<std::int64_t>(seen.size()), n * c) << RingLayoutName(l);
      EXPECT_EQ(*seen.begin(), 0);
      EXPECT_EQ(*seen.rbegin(), n * c - 1);
    }
  }
}

// The chunk pairs and their block-local masks let through exactly the (query, key) pairs with
// key position <= query position (or all, without causal masking), each once, and
// fully masked chunk pairs are never listed.
TEST(RingLayoutTest, ChunkPairMasksEqualTheGlobalCausalMask) {
  for (RingLayout l : kLayouts) {
    for (std::int64_t n : {1, 2, 3, 4, 7}) {
      for (std::int64_t c : {2, 6, 10}) {
        for (bool causal : {false, true}) {
          const int rows = static_cast<int>(c / ChunksPerRank(l));
          for (std::int64_t qr = 0; qr < n; ++qr) {
            for (std::int64_t kr = 0; kr < n; ++kr) {
              std::set<std::pair<std::int64_t, std::int64_t>> got, want;
              std::int64_t counted = 0;
              for (const ChunkPair& p : VisibleChunkPairs(l, n, c, causal, qr, kr)) {
                EXPECT_GT(p.visible_pairs, 0);
                counted += p.visible_pairs;
                for (int i = 0; i < rows; ++i) {
                  for (int j = 0; j < rows; ++j) {
                    if (!Visible(p.mask, i, j)) continue;
                    const bool fresh = got.insert({TokenPosition(l, n, c, qr, p.q_chunk, i),
                                                   TokenPosition(l, n, c, kr, p.kv_chunk, j)})
                                           .second;
                    EXPECT_TRUE(fresh);
                  }
                }
              }
              for (int qc = 0; qc < ChunksPerRank(l); ++qc)
                for (int kc = 0; kc < ChunksPerRank(l); ++kc)
                  for (int i = 0; i < rows; ++i)
                    for (int j = 0; j < rows; ++j) {
                      std::int64_t qp = TokenPosition(l, n, c, qr, qc, i);
                      std::int64_t kp = TokenPosition(l, n, c, kr, kc, j);
                      if (!causal || kp <= qp) want.insert({qp, kp});
                    }
              EXPECT_EQ(got, want) << RingLayoutName(l) << " n=" << n << " c=" << c
                                   << " causal=" << causal << " q=" << qr << " kv=" << kr;
              EXPECT_EQ(counted, static_cast<std::int64_t>(want.size()));
              EXPECT_EQ(StepVisiblePairs(l, n, c, causal, qr, kr), counted);
            }
          }
        }
      }
    }
  }
}

TEST(RingLayoutTest, KvSourceRankMatchesTheRing) {
  EXPECT_EQ(KvSourceRank(4, 0, 0), 0);
  EXPECT_EQ(KvSourceRank(4, 0, 1), 3);
  EXPECT_EQ(KvSourceRank(4, 2, 3), 3);
  EXPECT_EQ(KvSourceRank(1, 0, 0), 0);
}

}  // namespace
}  // namespace ringsim::calibrate
