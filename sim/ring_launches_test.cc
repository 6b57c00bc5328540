// RingPass::StepLaunches and RingStepPricer, worked by hand for each launch rule.

#include <gtest/gtest.h>

#include <set>

#include "sim/rates.h"
#include "sim/schedule.h"
#include "sim/sequence_layout.h"

namespace ringsim {
namespace {

RingPass Ring(RingVariant variant, LaunchRule rule) {
  RingPass ring;
  ring.devices = 4;
  ring.variant = variant;
  ring.causal = true;
  ring.seq_len = 32;  // m = 8 tokens per device, zigzag chunks of 4
  ring.flops_per_pair = 1;
  ring.rule = rule;
  return ring;
}

// The pairs `ring` computes on `device` at `step`, over all its launches.
double StepPairs(const RingPass& ring, int64_t device, int64_t step) {
  RingPass::Launch l[RingPass::kMaxLaunches];
  const int n = ring.StepLaunches(device, step, l);
  double pairs = 0;
  for (int i = 0; i < n; ++i) pairs += l[i].pairs;
  return pairs;
}

// A machine that runs one pair per second and streams one byte per second, at every size.
struct UnitMachine {
  HardwareSpec hw;
  Rates rates;
  UnitMachine() {
    hw.attention_efficiency = {{{1, 1.0}}, "test"};
    hw.memory_efficiency = {{{1, 1.0}}, "test"};
    hw.hbm_bw_bytes_per_s = 1;
    rates.peak_flops_per_s = 1;
    rates.hbm_bw_bytes_per_s = 1;
    rates.hardware = &hw;
  }
  UnitMachine(const UnitMachine&) = delete;
};

// Zigzag as the PyTorch stacks run it (ring-flash-attn, Transformer Engine, torch-cp): device 2
// holds chunks 2 and 5 of 8. Step 0: its own block, one causal 8 x 8 launch, 2 x (4 x 5 / 2) +
// 16 = 36 pairs. Step 1: rank 1's block (chunks 1, 6): all queries on its first chunk, 8 x 4.
// Step 3: rank 3's block (chunks 3, 4): the second query chunk on the whole block, 4 x 8.
TEST(RingLaunches, HalvesOnZigzag) {
  const RingPass ring = Ring(RingVariant::kZigzag, LaunchRule::kHalves);
  RingPass::Launch l[RingPass::kMaxLaunches];
  ASSERT_EQ(ring.StepLaunches(2, 0, l), 1);
  EXPECT_EQ(l[0].q_tokens, 8);
  EXPECT_EQ(l[0].k_tokens, 8);
  EXPECT_TRUE(l[0].causal);
  EXPECT_DOUBLE_EQ(l[0].pairs, 36);
  ASSERT_EQ(ring.StepLaunches(2, 1, l), 1);
  EXPECT_EQ(l[0].q_tokens, 8);
  EXPECT_EQ(l[0].k_tokens, 4);
  EXPECT_FALSE(l[0].causal);
  EXPECT_DOUBLE_EQ(l[0].pairs, 32);
  ASSERT_EQ(ring.StepLaunches(2, 3, l), 1);
  EXPECT_EQ(l[0].q_tokens, 4);
  EXPECT_EQ(l[0].k_tokens, 8);
  EXPECT_DOUBLE_EQ(l[0].pairs, 32);
}

// ringsim's rehearsal: one launch per visible 4 x 4 chunk pair; the diagonal step has chunk 2
// on 2 and 5 on 5 (causal, 10 pairs each) and 5 on 2 (full, 16).
TEST(RingLaunches, ChunkPairsOnZigzag) {
  const RingPass ring = Ring(RingVariant::kZigzag, LaunchRule::kChunkPairs);
  RingPass::Launch l[RingPass::kMaxLaunches];
  ASSERT_EQ(ring.StepLaunches(2, 0, l), 3);
  double pairs = 0;
  int causal = 0;
  for (int i = 0; i < 3; ++i) {
    pairs += l[i].pairs;
    causal += l[i].causal;
    EXPECT_EQ(l[i].q_tokens, 4);
  }
  EXPECT_DOUBLE_EQ(pairs, 36);
  EXPECT_EQ(causal, 2);
  EXPECT_EQ(ring.StepLaunches(2, 1, l), 2);  // chunks 2 and 5 on chunk 1: full, 16 each
}

// Striped under ring-flash-attn: a causal launch every step; from a higher rank the shifted
// diagonal leaves m (m - 1) / 2 = 28 pairs, from a lower one or itself m (m + 1) / 2 = 36.
TEST(RingLaunches, CausalEveryStepOnStriped) {
  const RingPass ring = Ring(RingVariant::kStriped, LaunchRule::kCausalEveryStep);
  RingPass::Launch l[RingPass::kMaxLaunches];
  ASSERT_EQ(ring.StepLaunches(1, 0, l), 1);
  EXPECT_TRUE(l[0].causal);
  EXPECT_DOUBLE_EQ(l[0].pairs, 36);
  ASSERT_EQ(ring.StepLaunches(1, 2, l), 1);  // rank 3's block
  EXPECT_DOUBLE_EQ(l[0].pairs, 28);
}

// Contiguous rings skip blocks from higher ranks under every rule but causal-every-step.
TEST(RingLaunches, ContiguousSkipsMaskedBlocks) {
  const RingPass ring = Ring(RingVariant::kRing, LaunchRule::kHalves);
  RingPass::Launch l[RingPass::kMaxLaunches];
  EXPECT_EQ(ring.StepLaunches(1, 2, l), 0);  // rank 3's block: all masked
  ASSERT_EQ(ring.StepLaunches(1, 1, l), 1);  // rank 0's block: full 8 x 8
  EXPECT_FALSE(l[0].causal);
  EXPECT_DOUBLE_EQ(l[0].pairs, 64);
}

// Every rule computes exactly the visible pairs, step by step.
TEST(RingLaunches, EveryRuleCoversTheVisiblePairs) {
  for (RingVariant v : {RingVariant::kRing, RingVariant::kStriped, RingVariant::kZigzag}) {
    for (LaunchRule r :
         {LaunchRule::kChunkPairs, LaunchRule::kHalves, LaunchRule::kCausalEveryStep}) {
      const RingPass ring = Ring(v, r);
      for (int64_t d = 0; d < 4; ++d) {
        for (int64_t t = 0; t < 4; ++t) {
          EXPECT_DOUBLE_EQ(StepPairs(ring, d, t), CausalPairs(v, 32, 4, d, ring.SourceDevice(d, t)))
              << VariantName(v) << " " << LaunchRuleName(r) << " " << d << " " << t;
        }
      }
    }
  }
}

// The gathered prefix does a rank's whole pass at step 0, exactly its visible pairs.
TEST(RingLaunches, GatheredPrefixDoesEverythingAtTheFirstStep) {
  for (RingVariant v : {RingVariant::kRing, RingVariant::kStriped, RingVariant::kZigzag}) {
    const RingPass ring = Ring(v, LaunchRule::kGatheredPrefix);
    for (int64_t d = 0; d < 4; ++d) {
      double visible = 0;
      for (int64_t t = 0; t < 4; ++t) visible += CausalPairs(v, 32, 4, d, ring.SourceDevice(d, t));
      EXPECT_DOUBLE_EQ(StepPairs(ring, d, 0), visible) << VariantName(v) << " " << d;
      RingPass::Launch l[RingPass::kMaxLaunches];
      for (int64_t t = 1; t < 4; ++t) EXPECT_EQ(ring.StepLaunches(d, t, l), 0);
    }
  }
  // Zigzag device 1 holds chunks 1 and 6 (of 4 tokens): 4 queries against keys 0..7 (16 full
  // pairs + 10 on the diagonal) and 4 queries against keys 0..27 (96 + 10), both causal.
  const RingPass zigzag = Ring(RingVariant::kZigzag, LaunchRule::kGatheredPrefix);
  RingPass::Launch l[RingPass::kMaxLaunches];
  ASSERT_EQ(zigzag.StepLaunches(1, 0, l), 2);
  EXPECT_EQ(l[0].q_tokens, 4);
  EXPECT_EQ(l[0].k_tokens, 8);
  EXPECT_TRUE(l[0].causal);
  EXPECT_DOUBLE_EQ(l[0].pairs, 26);
  EXPECT_EQ(l[1].q_tokens, 4);
  EXPECT_EQ(l[1].k_tokens, 28);
  EXPECT_DOUBLE_EQ(l[1].pairs, 106);
  // Contiguous device 2: 8 queries against keys 0..23: 128 full pairs + 36 on the diagonal.
  const RingPass contiguous = Ring(RingVariant::kRing, LaunchRule::kGatheredPrefix);
  ASSERT_EQ(contiguous.StepLaunches(2, 0, l), 1);
  EXPECT_EQ(l[0].k_tokens, 24);
  EXPECT_DOUBLE_EQ(l[0].pairs, 164);
}

// A step takes the longer of the GPU's work and the host's. GPU: 36 pairs at 1 s per pair
// (peak 1, efficiency 1). Host: 1 kernel call of 50 s plus 2 merge kernels and 3 other ops
// at 10 s each = 100 s, so the host-bound step takes 100 s, plus the call's 7 s at step 0.
TEST(RingStepPricer, HostBoundStepsTakeTheHostsTime) {
  RingPass ring = Ring(RingVariant::kZigzag, LaunchRule::kHalves);
  ring.host_kernel_s = 50;
  ring.host_op_s = 10;
  ring.merge_launches = 2;
  ring.merge_bytes_per_row = 1e-9;  // a merge to issue, negligible on the GPU
  ring.host_step_ops = 3;
  ring.call_s = 7;
  const UnitMachine unit;
  RingStepPricer pricer(ring, unit.rates);
  EXPECT_NEAR(pricer.Seconds(2, 0), 100 + 7, 1e-6);
  ring.host_kernel_s = 0;
  ring.host_op_s = 0;
  RingStepPricer gpu_bound(ring, unit.rates);
  EXPECT_NEAR(gpu_bound.Seconds(2, 1), 32, 1e-6);  // 32 pairs, no call cost after step 0
}

// The backward's gradient accumulation streams over the launch's query rows (dQ) and its key
// rows (dK, dV). Device 2 of the zigzag ring above, at 1 byte/s and 1 pair/s: step 1 is one
// 8 x 4 launch: 32 pairs + 3 B x 8 query rows + 5 B x 4 key rows = 32 + 24 + 20 = 76 s;
// step 3 one 4 x 8 launch: 32 + 3 x 4 + 5 x 8 = 84 s. Without key-row bytes (the forward's
// merge) step 1 takes 32 + 24 = 56 s.
TEST(RingStepPricer, BackwardAccumulationStreamsQueryAndKeyRows) {
  RingPass ring = Ring(RingVariant::kZigzag, LaunchRule::kHalves);
  ring.backward = true;
  ring.merge_launches = 3;
  ring.merge_bytes_per_row = 3;
  ring.merge_bytes_per_key_row = 5;
  const UnitMachine unit;
  RingStepPricer pricer(ring, unit.rates);
  EXPECT_NEAR(pricer.Seconds(2, 1), 76, 1e-9);
  EXPECT_NEAR(pricer.Seconds(2, 3), 84, 1e-9);
  ring.merge_bytes_per_key_row = 0;
  RingStepPricer queries_only(ring, unit.rates);
  EXPECT_NEAR(queries_only.Seconds(2, 1), 56, 1e-9);
}

}  // namespace
}  // namespace ringsim

namespace ringsim {
namespace {

TEST(DoubleRing, EveryRankSeesEveryBlockOnceAndTheMaskIsThePlainRings) {
  // 8 ranks in windows of 2 and 4: InternEvo's (window - j, position - s) at step j w + s.
  for (int64_t window : {1, 2, 4, 8}) {
    for (RingVariant v : {RingVariant::kRing, RingVariant::kZigzag, RingVariant::kStriped}) {
      RingPass ring;
      ring.devices = 8;
      ring.window = window;
      ring.variant = v;
      ring.causal = true;
      ring.seq_len = 256;
      double visible = 0;
      for (int64_t d = 0; d < 8; ++d) {
        std::set<int64_t> sources;
        for (int64_t t = 0; t < 8; ++t) {
          sources.insert(ring.SourceDevice(d, t));
          visible += CausalPairs(v, 256, 8, d, ring.SourceDevice(d, t));
        }
        EXPECT_EQ(sources.size(), 8u) << "window " << window << " rank " << d;
        EXPECT_EQ(ring.SourceDevice(d, 0), d);
      }
      EXPECT_DOUBLE_EQ(visible, 256.0 * 257 / 2);
      if (window < 8) {
        // Rank 5 = (window 5 / w, position 5 % w); its inner next stays in its window, its outer
        // next is the same position one window on.
        EXPECT_EQ(ring.InnerNext(5) / window, 5 / window);
        EXPECT_EQ(ring.OuterNext(5), (5 + window) % 8);
      }
    }
  }
  // Windows of 4: step 5 = window step 1, inner step 1: rank 6 (window 1, position 2) holds
  // the block of (window 0, position 1) = rank 1.
  RingPass ring;
  ring.devices = 8;
  ring.window = 4;
  EXPECT_EQ(ring.SourceDevice(6, 5), 1);
}

}  // namespace
}  // namespace ringsim
