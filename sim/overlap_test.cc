#include "sim/overlap.h"

#include <gtest/gtest.h>

#include <cmath>
#include <utility>
#include <vector>

namespace ringsim {
namespace {

OverlapInputs Mha(double flops, double bw) {
  OverlapInputs in;
  in.peak_flops_per_s = flops;
  in.link_bw_bytes_per_s = bw;
  in.element_bytes = 2;
  in.attention_width = 4096;
  in.kv_width = 4096;
  return in;
}

TEST(Overlap, PaperTable2MinimalBlocks) {
  // c = F/B for MHA in bf16. Hand: 312e12 / 300e9 = 1040; 312e12 / 12.5e9 = 24960;
  // 123e12 / 112e9 = 1098.2; 275e12 / 268e9 = 1026.1; 196e12 / 186e9 = 1053.8.
  EXPECT_DOUBLE_EQ(PaperMinBlockTokens(Mha(312e12, 300e9)), 1040);
  EXPECT_DOUBLE_EQ(PaperMinBlockTokens(Mha(312e12, 12.5e9)), 24960);
  EXPECT_NEAR(PaperMinBlockTokens(Mha(123e12, 112e9)), 1098.21, 0.01);
  EXPECT_NEAR(PaperMinBlockTokens(Mha(275e12, 268e9)), 1026.12, 0.01);
  EXPECT_NEAR(PaperMinBlockTokens(Mha(196e12, 186e9)), 1053.76, 0.01);
  // Minimal sequence 6c: 6240 for A100 NVLink (paper: 6.2K).
  EXPECT_DOUBLE_EQ(PaperMinSequenceTokens(1040), 6240);
}

TEST(Overlap, GqaAndFp32ScaleTheBound) {
  OverlapInputs in = Mha(312e12, 300e9);
  in.kv_width = 1024;  // 4x fewer KV heads: a quarter of the bytes per step
  EXPECT_DOUBLE_EQ(PaperMinBlockTokens(in), 260);
  in.kv_width = 4096;
  in.element_bytes = 4;  // fp32 doubles the bytes
  EXPECT_DOUBLE_EQ(PaperMinBlockTokens(in), 2080);
}

TEST(Overlap, StepTimesHandWorked) {
  OverlapInputs in = Mha(312e12, 300e9);
  // c = 1024: compute 4 * 1024^2 * 4096 / 312e12 = 55.06 us; comm 2*1024*4096*2/300e9 = 55.92 us.
  EXPECT_NEAR(StepComputeTime(in, 1024), 4.0 * 1024 * 1024 * 4096 / 312e12, 1e-15);
  EXPECT_NEAR(StepCommTime(in, 1024), 2.0 * 1024 * 4096 * 2 / 300e9, 1e-15);
}

TEST(Overlap, CalibratedFixedPointEqualsPaperAtFullEfficiency) {
  OverlapInputs in = Mha(312e12, 300e9);
  EXPECT_EQ(CalibratedMinBlockTokens(in), 1040);
  in.efficiency.points = {{1, 0.5}};  // flat 50%: compute takes twice as long
  EXPECT_EQ(CalibratedMinBlockTokens(in), 520);
}

TEST(Overlap, CalibratedFixedPointWithFallingEfficiency) {
  OverlapInputs in = Mha(312e12, 300e9);
  // 25% at <= 256 tokens rising to 75% at >= 4096 (linear in log2 c).
  in.efficiency.points = {{256, 0.25}, {4096, 0.75}};
  double c = CalibratedMinBlockTokens(in);
  // Fixed point: c = F * eff(c) / B. eff(c) = 0.25 + 0.5 * log2(c / 256) / 4.
  double eff = 0.25 + 0.5 * std::log2(c / 256) / 4;
  EXPECT_NEAR(c, 1040 * eff, 1.0);
  EXPECT_GE(StepComputeTime(in, c), StepCommTime(in, c));
  EXPECT_LT(StepComputeTime(in, c - 1), StepCommTime(in, c - 1));
}

TEST(Overlap, LatencyRaisesTheFixedPoint) {
  OverlapInputs in = Mha(312e12, 300e9);
  in.link_latency_s = 10e-6;
  double c = CalibratedMinBlockTokens(in);
  // Solve 4 c^2 h / F = lat + 4 c h / B (h = 4096) for c.
  double a = 4.0 * 4096 / 312e12, b = 4.0 * 4096 / 300e9, k = 10e-6;
  double exact = (b + std::sqrt(b * b + 4 * a * k)) / (2 * a);
  EXPECT_EQ(c, std::ceil(exact));
}

TEST(Overlap, CalibratedIsTheLastCrossingNotTheFirst) {
  OverlapInputs in = Mha(312e12, 300e9);
  // MHA bf16 without latency hides when c >= 1040 * eff(c). 6% up to 100 tokens hides from
  // 62.4 tokens (1040 * 0.06); the curve then climbs to 100% at 200 tokens (linear in log2 c),
  // so blocks from about 105 up to 1039 are exposed, and 1040 and above hide again.
  in.efficiency.points = {{100, 0.06}, {200, 1.0}};
  EXPECT_TRUE(StepHidesComm(in, 64));
  EXPECT_TRUE(StepHidesComm(in, 100));
  EXPECT_FALSE(StepHidesComm(in, 150));  // eff 0.61: needs 634 tokens
  EXPECT_FALSE(StepHidesComm(in, 512));
  EXPECT_FALSE(StepHidesComm(in, 1039));
  // The first power of two that hides is 64, and bisecting below it gives 63 (the old answer);
  // the block from which every larger one hides is 1040.
  EXPECT_FALSE(StepHidesComm(in, 62));
  EXPECT_TRUE(StepHidesComm(in, 63));
  EXPECT_EQ(CalibratedMinBlockTokens(in), 1040);
}

TEST(Overlap, CommFixedCostActsLikeLatency) {
  OverlapInputs in = Mha(312e12, 300e9);
  in.comm_fixed_s = 10e-6;
  // As LatencyRaisesTheFixedPoint: 4 c^2 h / F = 10 us + 4 c h / B, root 1198.84 -> 1199.
  EXPECT_EQ(CalibratedMinBlockTokens(in), 1199);
  EXPECT_DOUBLE_EQ(StepCommTime(in, 1024), 10e-6 + 2.0 * 1024 * 4096 * 2 / 300e9);
  // Latency and fixed costs add; compute_fixed_s offsets them: 4 + 6 - 4 = 6 us net,
  // root (b + sqrt(b^2 + 4 a 6e-6)) / (2a) = 1140.21 -> 1141 (a = 4h/F, b = 4h/B).
  in.link_latency_s = 4e-6;
  in.comm_fixed_s = 6e-6;
  in.compute_fixed_s = 4e-6;
  EXPECT_DOUBLE_EQ(StepComputeTime(in, 1024), 4e-6 + 4.0 * 1024 * 1024 * 4096 / 312e12);
  EXPECT_EQ(CalibratedMinBlockTokens(in), 1141);
}

TEST(Overlap, ComputeFixedCostHidesSmallBlocksButNotTheMiddle) {
  OverlapInputs in = Mha(312e12, 300e9);
  in.compute_fixed_s = 10e-6;
  // 10 us + a c^2 >= b c fails between the roots (b -+ sqrt(b^2 - 4 a 10e-6)) / (2a) =
  // 237.21 and 802.79: tiny blocks hide behind the fixed cost, the minimal block is 803.
  EXPECT_TRUE(StepHidesComm(in, 1));
  EXPECT_TRUE(StepHidesComm(in, 237));
  EXPECT_FALSE(StepHidesComm(in, 238));
  EXPECT_FALSE(StepHidesComm(in, 802));
  EXPECT_EQ(CalibratedMinBlockTokens(in), 803);
}

TEST(Overlap, CalibratedAllHiddenAndNeverHidden) {
  OverlapInputs in = Mha(312e12, 300e9);
  in.compute_fixed_s = 1;  // a second of fixed compute per step hides any transfer here
  EXPECT_EQ(CalibratedMinBlockTokens(in), 1);
  in = Mha(312e12, 300e9);
  // 2^34 tokens compute 4 * 2^68 * 4096 / 312e12 = 1.55e10 s: a fixed transfer of 1e11 s
  // per step is never hidden up to the bound.
  in.comm_fixed_s = 1e11;
  EXPECT_FALSE(StepHidesComm(in, kMaxOverlapBlockTokens));
  EXPECT_EQ(CalibratedMinBlockTokens(in), 0);
}

TEST(Overlap, CalibratedMatchesAScanOfEveryBlock) {
  // Curves that rise, dip and plateau, with latency and fixed costs: the answer is one past
  // the largest exposed whole token, found by trying every block up to 2^17 (all of these
  // hide from there up: the rate is flat and the compute grows as c^2).
  const std::vector<std::vector<std::pair<double, double>>> curves = {
      {},
      {{256, 0.09}, {512, 0.25}, {1024, 0.35}, {4096, 0.43}, {32768, 0.45}},
      {{256, 0.03}, {512, 0.07}, {1024, 0.25}, {2048, 0.63}, {4096, 0.68}, {8192, 0.62}},
      {{16, 0.01}, {64, 0.9}, {300, 0.2}, {3000, 1.0}},
  };
  for (const auto& points : curves) {
    for (double bw : {450e9, 50e9}) {
      for (double latency : {0.0, 5e-6}) {
        for (double compute_fixed : {0.0, 3e-6, 20e-6}) {
          OverlapInputs in = Mha(989.4e12, bw);
          in.kv_width = 1024;
          in.efficiency.points = points;
          in.link_latency_s = latency;
          in.compute_fixed_s = compute_fixed;
          double last_exposed = 0;
          for (double c = 1; c <= 131072; ++c) {
            if (!StepHidesComm(in, c)) last_exposed = c;
          }
          SCOPED_TRACE(testing::Message() << "points " << points.size() << " bw " << bw
                                          << " latency " << latency << " fixed " << compute_fixed);
          EXPECT_EQ(CalibratedMinBlockTokens(in), last_exposed + 1);
        }
      }
    }
  }
}

}  // namespace
}  // namespace ringsim
