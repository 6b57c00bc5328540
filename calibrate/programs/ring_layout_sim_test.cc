// The rehearsal's layout against the simulator's (built only in the ringsim tree, where
// sim/sequence_layout.cc is at hand): the same tokens on every rank, and the same (query, key)
// pair count per ring step as sim/schedule.h's RingPass charges FLOPs for.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "calibrate/programs/ring_layout.h"
#include "sim/sequence_layout.h"

namespace ringsim::calibrate {
namespace {

ringsim::RingVariant SimVariant(RingLayout l) {
  switch (l) {
    case RingLayout::kRing:
      return ringsim::RingVariant::kRing;
    case RingLayout::kStriped:
      return ringsim::RingVariant::kStriped;
    case RingLayout::kZigzag:
      return ringsim::RingVariant::kZigzag;
  }
  return ringsim::RingVariant::kRing;
}

TEST(RingLayoutSimTest, SameTokensAndPairsAsTheSimulator) {
  for (RingLayout l : {RingLayout::kRing, RingLayout::kStriped, RingLayout::kZigzag}) {
    for (std::int64_t n : {1, 2, 4, 8}) {
      for (std::int64_t c : {2, 8, 64}) {
        const std::int64_t seq = n * c;
        for (std::int64_t r = 0; r < n; ++r) {
          std::vector<std::int64_t> mine;
          for (int ch = 0; ch < ChunksPerRank(l); ++ch)
            for (std::int64_t row = 0; row < c / ChunksPerRank(l); ++row)
              mine.push_back(TokenPosition(l, n, c, r, ch, row));
          std::sort(mine.begin(), mine.end());
          EXPECT_EQ(mine, ringsim::DeviceTokens(SimVariant(l), seq, n, r))
              << RingLayoutName(l) << " n=" << n << " c=" << c << " rank=" << r;
          for (std::int64_t k = 0; k < n; ++k) {
            EXPECT_EQ(static_cast<double>(StepVisiblePairs(l, n, c, true, r, k)),
                      ringsim::CausalPairs(SimVariant(l), seq, n, r, k))
                << RingLayoutName(l) << " n=" << n << " c=" << c << " q=" << r << " kv=" << k;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace ringsim::calibrate
