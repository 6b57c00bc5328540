// AttentionCurveReach worked by hand on a 4-rank zigzag ring.

#include "sim/curve_reach.h"

#include <gtest/gtest.h>

#include <cmath>

namespace ringsim {
namespace {

Schedule ZigzagSchedule() {
  Phase phase;
  phase.kind = PhaseKind::kRing;
  phase.ring.devices = 4;
  phase.ring.variant = RingVariant::kZigzag;
  phase.ring.causal = true;
  phase.ring.seq_len = 32;  // 8 tokens per device
  phase.ring.rule = LaunchRule::kHalves;
  Schedule schedule;
  schedule.layer_phases.push_back(phase);
  return schedule;
}

TEST(CurveReach, LaunchesAgainstTheCurvesPoints) {
  // Halves on 8 tokens per device: the causal 8 x 8 diagonal, 8 x 4 from lower ranks, 4 x 8
  // from higher ones: the curve is read at 8 and sqrt(32) = 5.66 tokens.
  HardwareSpec hw;
  hw.attention_efficiency = {{{6, 0.5}, {16, 0.7}}, "test"};
  const CurveReach reach = AttentionCurveReach(ZigzagSchedule(), hw);
  EXPECT_DOUBLE_EQ(reach.min_launch_tokens, std::sqrt(32.0));
  EXPECT_DOUBLE_EQ(reach.max_launch_tokens, 8);
  EXPECT_DOUBLE_EQ(reach.curve_min_tokens, 6);
  EXPECT_DOUBLE_EQ(reach.curve_max_tokens, 16);
  EXPECT_TRUE(reach.below);
  EXPECT_FALSE(reach.above);
  // A curve ending at 7 tokens: the 8-token launches read beyond it too.
  hw.attention_efficiency = {{{4, 0.5}, {7, 0.7}}, "test"};
  const CurveReach both = AttentionCurveReach(ZigzagSchedule(), hw);
  EXPECT_FALSE(both.below);
  EXPECT_TRUE(both.above);
  // Inside the points: nothing to own up to.
  hw.attention_efficiency = {{{4, 0.5}, {16, 0.7}}, "test"};
  EXPECT_FALSE(AttentionCurveReach(ZigzagSchedule(), hw).Extrapolated());
}

}  // namespace
}  // namespace ringsim
