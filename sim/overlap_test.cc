#include "sim/overlap.h"

#include <gtest/gtest.h>

#include <cmath>

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

}  // namespace
}  // namespace ringsim
