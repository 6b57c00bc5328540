// AttentionCurveReach worked by hand on a 4-rank zigzag ring.

#include "sim/curve_reach.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

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

TEST(CurveReach, TwoStepsOfTheEndRanksShowEveryLaunch) {
  // The launches of every rank and step, against what AttentionCurveReach reads (steps 0 and 1
  // of ranks 0 and N - 1), for every layout, rule and mask.
  HardwareSpec hw;
  hw.attention_efficiency = {{{1, 0.5}, {1e9, 0.7}}, "test"};
  for (RingVariant variant : {RingVariant::kRing, RingVariant::kStriped, RingVariant::kZigzag}) {
    for (LaunchRule rule : {LaunchRule::kChunkPairs, LaunchRule::kHalves,
                            LaunchRule::kCausalEveryStep, LaunchRule::kGatheredPrefix}) {
      for (bool causal : {true, false}) {
        for (int64_t n : {1, 2, 3, 5, 8, 13}) {
          Schedule schedule = ZigzagSchedule();
          RingPass& ring = schedule.layer_phases[0].ring;
          ring.devices = n;
          ring.variant = variant;
          ring.rule = rule;
          ring.causal = causal;
          ring.seq_len = 2 * n * 48;
          ring.kernel_block_tokens = 16;
          double min_tokens = 0, max_tokens = 0;
          RingPass::Launch launches[RingPass::kMaxLaunches];
          for (int64_t device = 0; device < n; ++device) {
            for (int64_t step = 0; step < n; ++step) {
              const int count = ring.StepLaunches(device, step, launches);
              for (int l = 0; l < count; ++l) {
                const double tokens = ring.CurveTokens(launches[l]);
                min_tokens = min_tokens == 0 ? tokens : std::min(min_tokens, tokens);
                max_tokens = std::max(max_tokens, tokens);
              }
            }
          }
          const CurveReach reach = AttentionCurveReach(schedule, hw);
          const std::string where = "variant " + std::to_string(static_cast<int>(variant)) +
                                    " rule " + std::to_string(static_cast<int>(rule)) + " causal " +
                                    std::to_string(causal) + " n " + std::to_string(n);
          EXPECT_EQ(reach.min_launch_tokens, min_tokens) << where;
          EXPECT_EQ(reach.max_launch_tokens, max_tokens) << where;
        }
      }
    }
  }
}

}  // namespace
}  // namespace ringsim
