// FP8 training: the linear layers' GEMMs at the FP8 peak, attention at the bf16 peak.

#include "sim/precision.h"

#include <gtest/gtest.h>

#include "sim/analytical_engine.h"
#include "sim/model_spec.h"
#include "sim/rates.h"
#include "sim/schedule.h"

namespace ringsim {
namespace {

// Round numbers: bf16 1e12 at 0.8 for GEMMs, FP8 2e12 at 0.5, attention at full rate.
Scenario Fp8Scenario(Precision precision) {
  Scenario s;
  s.model = *FindModelPreset("llama-7b");
  s.hardware.name = "round-fp8";
  s.hardware.peak_bf16_flops_per_s = 1e12;
  s.hardware.peak_fp32_flops_per_s = 0.5e12;
  s.hardware.peak_fp8_flops_per_s = 2e12;
  s.hardware.hbm_bytes = 80e9;
  s.hardware.devices_per_node = 64;
  s.hardware.intra_node = {"fast", 1e9, 0, "", ""};
  s.hardware.inter_node = s.hardware.intra_node;
  s.hardware.matmul_efficiency.points = {{1, 0.8}};
  s.hardware.matmul_fp8_efficiency.points = {{1, 0.5}};
  s.devices = 4;
  s.parallel.context = 4;
  s.parallel.fsdp = 1;
  s.workload.seq_len = 4096;
  s.workload.causal = false;
  s.workload.scope = Scope::kLayer;
  s.workload.pass = Pass::kForward;
  s.workload.precision = precision;
  return s;
}

TEST(Fp8, NamesAndElementSize) {
  Precision p = Precision::kBf16;
  ASSERT_TRUE(ParsePrecision("fp8", &p));
  EXPECT_EQ(p, Precision::kFp8);
  EXPECT_STREQ(PrecisionName(Precision::kFp8), "fp8");
  // Activations, K,V and weights stay bf16 under FP8 training (Transformer Engine).
  EXPECT_EQ(ElementBytes(Precision::kFp8), 2.0);
}

TEST(Fp8, GemmsRunAtTheFp8PeakAndAttentionAtBf16) {
  const Scenario bf16 = Fp8Scenario(Precision::kBf16);
  const Scenario fp8 = Fp8Scenario(Precision::kFp8);
  ASSERT_TRUE(ScenarioProblem(fp8).ok());
  const Schedule sb = MakeSchedule(bf16), s8 = MakeSchedule(fp8);
  const Rates rb = MakeRates(sb, bf16.hardware), r8 = MakeRates(s8, fp8.hardware);
  // Attention (and MFU) at the bf16 peak; GEMMs at the FP8 peak.
  EXPECT_EQ(r8.peak_flops_per_s, 1e12);
  EXPECT_EQ(r8.matmul_peak_flops_per_s, 2e12);
  ASSERT_EQ(sb.layer_phases.size(), s8.layer_phases.size());
  int gemms = 0, rings = 0;
  for (size_t i = 0; i < s8.layer_phases.size(); ++i) {
    const Phase& p = s8.layer_phases[i];
    SCOPED_TRACE(p.name);
    // Same FLOPs and the same bf16 K,V messages either way.
    EXPECT_EQ(p.flops, sb.layer_phases[i].flops);
    if (p.kind == PhaseKind::kCompute) {
      ++gemms;
      // Hand-computed: flops / (FP8 peak x FP8 efficiency), against flops / (1e12 x 0.8).
      EXPECT_DOUBLE_EQ(MatmulSeconds(p, r8), p.flops / (2e12 * 0.5));
      EXPECT_DOUBLE_EQ(MatmulSeconds(sb.layer_phases[i], rb), p.flops / (1e12 * 0.8));
    } else if (p.kind == PhaseKind::kRing) {
      ++rings;
      EXPECT_EQ(p.ring.message_bytes, sb.layer_phases[i].ring.message_bytes);
      EXPECT_EQ(RingComputeTimes(p.ring, r8), RingComputeTimes(sb.layer_phases[i].ring, rb));
    }
  }
  EXPECT_GT(gemms, 0);
  EXPECT_GT(rings, 0);
  // The step is faster by exactly the GEMMs' saving, and MFU (against bf16) rises with it.
  const Estimate eb = Analyze(sb, rb), e8 = Analyze(s8, r8);
  EXPECT_LT(e8.step_time_s, eb.step_time_s);
  EXPECT_EQ(e8.model_flops, eb.model_flops);
  EXPECT_NEAR(e8.mfu / eb.mfu, eb.step_time_s / e8.step_time_s, 1e-12);
}

TEST(Fp8, RefusedWithoutAnFp8Peak) {
  Scenario s = Fp8Scenario(Precision::kFp8);
  s.hardware.peak_fp8_flops_per_s = 0;
  const ScenarioIssue issue = ScenarioProblem(s);
  EXPECT_EQ(issue.key, "workload.precision");
  EXPECT_NE(issue.what.find("device.peak_fp8_flops_per_s"), std::string::npos) << issue.what;
}

}  // namespace
}  // namespace ringsim
