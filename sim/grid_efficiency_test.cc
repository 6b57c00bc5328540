// GridEfficiency worked by hand on small grids.

#include "sim/grid_efficiency.h"

#include <gtest/gtest.h>

namespace ringsim {
namespace {

// FlashAttention-2's forward: one CTA per 128 queries, 64 keys per inner step.
const PassTiling kForward = {128, true, 64};
const PassTiling kBackward = {128, false, 64};

TEST(GridEfficiency, EqualCtasFillWholeWaves) {
  // 1024 x 1024, 5 heads: 8 CTAs per head, 40 CTAs of 16 steps. On 16 SMs: 3 waves, the last
  // with 8 of 16 SMs busy: 40 / 48.
  LaunchGrid full{1024, 1024, 5, false, false};
  EXPECT_DOUBLE_EQ(GridEfficiency(kForward, full, 16), 40.0 / 48.0);
  // 32 heads: 256 CTAs, 16 whole waves.
  full.heads_x_batch = 32;
  EXPECT_DOUBLE_EQ(GridEfficiency(kForward, full, 16), 1.0);
  // The backward's grid runs over keys: 256 queries x 1024 keys, 1 head -> 8 CTAs on 16 SMs.
  LaunchGrid wide{256, 1024, 1, false, true};
  EXPECT_DOUBLE_EQ(GridEfficiency(kBackward, wide, 16), 0.5);
}

TEST(GridEfficiency, CausalCtasCarryUnequalWork) {
  // 512 x 512 causal, 1 head, forward: 4 CTAs with 2, 4, 6, 8 key steps (20 in all). On 2
  // SMs in grid order: SM0 takes 2 (free at 2), SM1 4 (free at 4), SM0 6 (free at 8), SM1 8
  // (free at 12): makespan 12, busy 20 / (2 x 12).
  LaunchGrid causal{512, 512, 1, true, false};
  EXPECT_DOUBLE_EQ(GridEfficiency(kForward, causal, 2), 20.0 / 24.0);
  // Backward: key block j sees the queries from 128 j on: 8, 6, 4, 2 query steps. SM0 takes 8
  // (free at 8), SM1 6 (free at 6), SM1 4 (free at 10), SM0 2 (free at 10): heaviest first
  // balances, makespan 10 = 20 / 2.
  causal.backward = true;
  EXPECT_DOUBLE_EQ(GridEfficiency(kBackward, causal, 2), 1.0);
  // A causal launch whose keys end after its queries (the mask aligned at the bottom right):
  // 256 queries x 512 keys: CTA 0 sees keys up to 128 + 256 (6 steps), CTA 1 all 8. One SM:
  // always busy.
  LaunchGrid offset{256, 512, 1, true, false};
  EXPECT_DOUBLE_EQ(GridEfficiency(kForward, offset, 1), 1.0);
  // Two SMs: makespan 8, busy 14 / 16.
  EXPECT_DOUBLE_EQ(GridEfficiency(kForward, offset, 2), 14.0 / 16.0);
}

TEST(GridEfficiency, LargeCausalGridsUseTheListSchedulingBound) {
  // 65536 x 65536 causal, 32 heads: 16384 CTAs, beyond the scheduled limit. Work per head
  // 2 + 4 + ... + 1024 = 262656 steps; on 132 SMs the balanced time is 32 x 262656 / 132, and
  // the bound adds half the largest CTA (1024 steps).
  LaunchGrid big{65536, 65536, 32, true, false};
  const double balanced = 32.0 * 262656.0 / 132.0;
  EXPECT_NEAR(GridEfficiency(kForward, big, 132), balanced / (balanced + 512.0), 1e-12);
}

TEST(GridEfficiency, UnknownTilingOrSmCountChangesNothing) {
  LaunchGrid full{1024, 1024, 5, false, false};
  EXPECT_EQ(GridEfficiency(PassTiling{}, full, 16), 1.0);
  EXPECT_EQ(GridEfficiency(kForward, full, 0), 1.0);
}

}  // namespace
}  // namespace ringsim
