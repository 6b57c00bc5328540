// The closed-form ring pass (sim/ring_closed_form.h) against the step-by-step recurrence
// (sim/ring_clock.h) over every layout, launch rule, mask, ring size and link regime.

#include "sim/ring_closed_form.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "sim/analytical_engine.h"
#include "sim/rates.h"
#include "sim/ring_clock.h"
#include "sim/schedule.h"

namespace ringsim {
namespace {

// A machine whose kernel rate rises with the launch's size (so each launch shape prices
// differently), with a separate causal curve, merges and host costs.
struct ShapedMachine {
  HardwareSpec hw;
  Rates rates;
  ShapedMachine() {
    hw.attention_efficiency = {{{4, 0.2}, {64, 0.7}, {1024, 0.9}}, "test"};
    hw.attention_causal_efficiency = {{{4, 0.1}, {64, 0.5}, {1024, 0.8}}, "test"};
    hw.memory_efficiency = {{{1, 1.0}}, "test"};
    hw.hbm_bw_bytes_per_s = 1e3;
    rates.peak_flops_per_s = 1e4;
    rates.hbm_bw_bytes_per_s = 1e3;
    rates.hardware = &hw;
  }
  ShapedMachine(const ShapedMachine&) = delete;
};

RingPass Pass(int64_t n, RingVariant variant, LaunchRule rule, bool causal) {
  RingPass ring;
  ring.devices = n;
  ring.variant = variant;
  ring.causal = causal;
  ring.seq_len = 2 * n * 48;  // divisible for zigzag's 2N chunks
  ring.flops_per_pair = 3;
  ring.rule = rule;
  ring.causal_rate = true;
  ring.merge_bytes_per_row = 7;
  ring.merge_launches = 2;
  ring.merge_slice_bytes_per_row = 3;
  ring.merge_slice_launches = 1;
  ring.host_kernel_s = 1e-4;
  ring.host_op_s = 2e-5;
  ring.host_step_ops = 3;
  ring.call_s = 0.05;
  return ring;
}

struct Layout {
  RingVariant variant;
  LaunchRule rule;
  bool causal;
};

std::vector<Layout> AllLayouts() {
  std::vector<Layout> out;
  for (RingVariant v : {RingVariant::kRing, RingVariant::kStriped, RingVariant::kZigzag}) {
    for (LaunchRule r : {LaunchRule::kChunkPairs, LaunchRule::kHalves, LaunchRule::kCausalEveryStep,
                         LaunchRule::kGatheredPrefix}) {
      for (bool causal : {true, false}) out.push_back({v, r, causal});
    }
  }
  return out;
}

// Every layout and rule prices a step by the (rank, source) relation alone: its own block,
// a lower rank's, a higher rank's. The closed form rests on this.
TEST(RingClosedForm, StepsArePricedByRelationAlone) {
  ShapedMachine m;
  for (const Layout& l : AllLayouts()) {
    for (int64_t n : {2, 3, 5, 8, 13}) {
      const RingPass ring = Pass(n, l.variant, l.rule, l.causal);
      RingStepPricer pricer(ring, m.rates);
      const double lower = pricer.Seconds(n - 1, 1), upper = pricer.Seconds(0, 1);
      for (int64_t i = 0; i < n; ++i) {
        for (int64_t t = 1; t < n; ++t) {
          EXPECT_DOUBLE_EQ(pricer.Seconds(i, t), t <= i ? lower : upper)
              << "variant " << static_cast<int>(l.variant) << " rule " << static_cast<int>(l.rule)
              << " causal " << l.causal << " n " << n << " rank " << i << " step " << t;
        }
      }
    }
  }
}

// The engine's pass (closed form where no rank waits, the recurrence by relation where one
// does) equals the step-by-step recurrence priced step by step, for hops from negligible to
// dominant, one slow hop, and ranks starting at different times.
TEST(RingClosedForm, EqualsTheRecurrenceOverManyLayouts) {
  ShapedMachine m;
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> skew(0, 0.5);
  int unblocked = 0, blocked = 0;
  for (const Layout& l : AllLayouts()) {
    for (int64_t n : {1, 2, 3, 4, 7, 8, 16, 33}) {
      const RingPass ring = Pass(n, l.variant, l.rule, l.causal);
      for (double hop_scale : {1e-9, 1e-3, 0.05, 0.2, 5.0}) {
        for (bool one_slow : {false, true}) {
          for (bool skewed : {false, true}) {
            Rates rates = m.rates;
            rates.hop_bw_bytes_per_s.assign(static_cast<size_t>(n), 1.0);
            rates.hop_latency_s.assign(static_cast<size_t>(n), hop_scale);
            if (one_slow) rates.hop_latency_s[static_cast<size_t>(n / 2)] = 10 * hop_scale;
            std::vector<double> start(static_cast<size_t>(n), 1.0);
            if (skewed) {
              for (double& s : start) s += skew(rng);
            }
            // Reference: every step priced and sequenced one by one.
            std::vector<double> want = start, want_busy(static_cast<size_t>(n), 0.0);
            RingStepPricer pricer(ring, rates);
            auto compute = [&](int64_t i, int64_t t) {
              const double s = pricer.Seconds(i, t);
              want_busy[i] += s;
              return s;
            };
            auto hop = [&](int64_t from, int64_t, double) {
              return RingHopSeconds(rates, static_cast<size_t>(from), 0.0);
            };
            const double want_max = AdvanceRingPass(n, compute, hop, want);

            std::vector<double> got = start, got_busy(static_cast<size_t>(n), 0.0);
            const double got_max = RunRingPass(ring, rates, {}, got, got_busy);
            for (int64_t i = 0; i < n; ++i) {
              ASSERT_NEAR(got[i], want[i], 1e-12 * want[i]) << "n " << n << " rank " << i;
              ASSERT_NEAR(got_busy[i], want_busy[i], 1e-12 * (1 + want_busy[i]));
            }
            ASSERT_DOUBLE_EQ(got_max, want_max);

            // Which path the closed form took, to know both were exercised.
            RelationStepSeconds steps;
            for (int64_t i = 0; i < n; ++i) steps.own_s.push_back(pricer.Seconds(i, 0));
            steps.lower_s = n > 1 ? pricer.Seconds(n - 1, 1) : 0;
            steps.upper_s = n > 1 ? pricer.Seconds(0, 1) : 0;
            std::vector<double> c = start, b(static_cast<size_t>(n), 0.0), hops;
            for (int64_t i = 0; i < n; ++i) hops.push_back(hop(i, 0, 0));
            double unused = 0;
            (AdvanceUnblockedRingPass(steps, hops, c, b, unused) ? unblocked : blocked)++;
          }
        }
      }
    }
  }
  EXPECT_GT(unblocked, 100);
  EXPECT_GT(blocked, 100);
}

// Hand-worked: 3 ranks starting together, own block 1 s, lower 2 s, higher 3 s, hops 0.5 s.
// Rank 0: 1 + 3 + 3 = 7; rank 1: 1 + 2 + 3 = 6; rank 2: 1 + 2 + 2 = 5. No rank waits: each
// step ends at least 0.5 s after both neighbours started it.
TEST(RingClosedForm, HandWorkedThreeRanks) {
  RelationStepSeconds steps{{1, 1, 1}, 2, 3};
  std::vector<double> clock(3, 0.0), busy(3, 0.0);
  double max_s = 0;
  ASSERT_TRUE(AdvanceUnblockedRingPass(steps, {0.5, 0.5, 0.5}, clock, busy, max_s));
  EXPECT_DOUBLE_EQ(clock[0], 7);
  EXPECT_DOUBLE_EQ(clock[1], 6);
  EXPECT_DOUBLE_EQ(clock[2], 5);
  EXPECT_DOUBLE_EQ(busy[2], 5);
  EXPECT_DOUBLE_EQ(max_s, 3);
  // A 1.5 s hop makes rank 0's first step (1 s) wait for its neighbours' blocks.
  std::vector<double> again(3, 0.0);
  EXPECT_FALSE(AdvanceUnblockedRingPass(steps, {1.5, 1.5, 1.5}, again, busy, max_s));
  EXPECT_EQ(again, std::vector<double>(3, 0.0));
}

}  // namespace
}  // namespace ringsim
