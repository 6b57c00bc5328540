#include "sim/rehearsal.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "io/rehearsal_loader.h"
#include "io/scenario_loader.h"
#include "io/yaml_reader.h"
#include "sim/analytical_engine.h"
#include "sim/config_error.h"
#include "sim/schedule.h"

namespace ringsim {
namespace {

// TEST DATA: a made-up rehearsal in calibrate/rehearse's JSON format (two ranks, contiguous causal
// ring, blocks of 4 tokens), not a measurement. Times are round numbers so that the composed ring
// time can be worked out by hand.
const char* kRehearsal = R"json({
  "generator": "calibrate/rehearse",
  "context": {"device": "TEST DATA (no GPU)", "driver": "0", "cuda": "13.0",
              "date": "2026-01-01", "git_sha": "", "mode": "one-gpu", "gpus_used": 1},
  "config": {"ranks": 2, "layout": "ring", "causal": true, "batch": 1, "heads": 4,
             "kv_heads": 2, "head_dim": 64, "precision": "bf16", "pass": "fwd",
             "variant": "w16rows", "repetitions": 3, "seed": 1},
  "runs": [
    {"block_tokens": 4, "seq_len": 8, "message_bytes": 2048,
     "check": {"heads": [0, 3], "rows_compared": 8, "rel_l2": 0.003, "max_abs": 0.01,
               "nonfinite_sampled": 0, "nonfinite_output": 0, "output_elements": 2048,
               "tolerance": 0.01, "passed": true},
     "ring_ms_measured": null, "finalize_ms": 0.001,
     "steps": [
       {"step": 0, "rank": 0, "kv_rank": 0, "pairs": 10, "launches": 2, "compute_ms": 2.0,
        "compute_ms_min": 2.0, "copy_ms": 1.0, "step_ms": 2.0},
       {"step": 0, "rank": 1, "kv_rank": 1, "pairs": 10, "launches": 2, "compute_ms": 3.0,
        "compute_ms_min": 3.0, "copy_ms": 5.0, "step_ms": 5.0},
       {"step": 1, "rank": 0, "kv_rank": 1, "pairs": 0, "launches": 0, "compute_ms": 0.0,
        "compute_ms_min": 0.0, "copy_ms": null, "step_ms": 0.0},
       {"step": 1, "rank": 1, "kv_rank": 0, "pairs": 16, "launches": 2, "compute_ms": 4.0,
        "compute_ms_min": 4.0, "copy_ms": null, "step_ms": 4.0}
     ]},
    {"block_tokens": 65536, "seq_len": 131072, "skipped": "needs 99.0 GB of GPU memory"}
  ]
})json";

// TEST DATA: a made-up calibration with round numbers (peak 1e15, half of it achieved).
Calibration TestCalibration() {
  Calibration c;
  c.file = "test-calibration.yaml";
  c.device = "TEST DATA (no GPU)";
  c.kernel = "ringsim-blockwise/w16rows";
  c.peak_bf16_flops_per_s = 1e15;
  c.attention = {{"fwd", false, 64, 4, 4, 5e14}, {"fwd", false, 64, 4, 4096, 5e14}};
  c.copy = {{"d2d", 1000, 1e9}, {"d2d", 100000, 1e11}, {"p2p", 1000, 4e10}};
  c.interference_slowdown = 0.25;
  return c;
}

Scenario TestScenario() {
  return ScenarioFromYaml(LoadYamlString(R"(
name: test-ring
model: {layers: 1, hidden: 256, heads: 4, kv_heads: 2, head_dim: 64, ffn_hidden: 512, vocab: 100}
hardware: h100-sxm
devices: 2
parallel: {context: 2, variant: ring, fsdp: 2}
workload: {seq_len: 1024, causal: true, scope: model, pass: fwd_bwd}
)",
                                         "test-scenario"),
                          "test-scenario");
}

TEST(RehearsalTest, ParsesTheRecordedFormat) {
  Rehearsal r = ParseRehearsal(kRehearsal, "r.json");
  EXPECT_EQ(r.mode, "one-gpu");
  EXPECT_EQ(r.ranks, 2);
  EXPECT_EQ(r.layout, "ring");
  EXPECT_TRUE(r.causal);
  EXPECT_EQ(r.variant, "w16rows");
  ASSERT_EQ(r.runs.size(), 2u);
  const RehearsalRun& run = r.runs[0];
  EXPECT_EQ(run.block_tokens, 4);
  EXPECT_TRUE(run.check.passed);
  EXPECT_EQ(run.ring_s_measured, -1);
  ASSERT_EQ(run.steps.size(), 4u);
  EXPECT_DOUBLE_EQ(run.steps[1].copy_s, 5e-3);
  EXPECT_EQ(run.steps[3].copy_s, -1);
  EXPECT_EQ(run.steps[3].kv_rank, 0);
  EXPECT_EQ(r.runs[1].skipped, "needs 99.0 GB of GPU memory");
}

TEST(RehearsalTest, ParseErrorsNameTheFileAndKey) {
  std::string text = kRehearsal;
  auto expect_error = [](const std::string& json, const std::string& what) {
    try {
      ParseRehearsal(json, "r.json");
      ADD_FAILURE() << "no error for " << what;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  std::string no_mode = text;
  no_mode.replace(no_mode.find("\"mode\""), 6, "\"mood\"");
  expect_error(no_mode, "r.json: context.mode: missing");
  std::string copy_at_end = text;
  copy_at_end.replace(copy_at_end.rfind("\"copy_ms\": null"), 15, "\"copy_ms\": 1.0");
  expect_error(copy_at_end, "r.json: runs[0].steps[3].copy_ms: expected null");
  expect_error("{", "r.json: not valid JSON");
  std::string other = text;
  other.replace(other.find("calibrate/rehearse"), 18, "calibrate/whatever");
  expect_error(other, "r.json: generator: expected \"calibrate/rehearse\"");
  std::string urgent = text;
  urgent.replace(urgent.find("\"seed\""), 6, "\"copy_priority\": \"urgent\", \"seed\"");
  expect_error(urgent, "r.json: config.copy_priority: expected \"normal\" or \"high\"");
}

TEST(RehearsalTest, CopyPriorityIsReadAndDefaultsToNormal) {
  EXPECT_EQ(ParseRehearsal(kRehearsal, "r.json").copy_priority, "normal");
  std::string high = kRehearsal;
  high.replace(high.find("\"seed\""), 6, "\"copy_priority\": \"high\", \"seed\"");
  EXPECT_EQ(ParseRehearsal(high, "r.json").copy_priority, "high");
}

// By hand, with the engines' protocol: step 0 starts at 0 on both ranks; rank 0 is done at 2, rank
// 1 at 3; rank 0's block arrives at 0 + 1, rank 1's at 0 + 5. Rank 0 starts step 1 at max(2, 1, 5)
// = 5 (its send is rank 1's receive), rank 1 at max(3, 5, 1) = 5. Ends: 5 + 0 and 5 + 4 = 9 ms.
TEST(RehearsalTest, ComposedRingTimeFollowsTheProtocol) {
  Rehearsal r = ParseRehearsal(kRehearsal, "r.json");
  EXPECT_NEAR(ComposedRingTime(r.runs[0], 2), 9e-3, 1e-15);
}

// With the same compute table and one transfer time per hop, the composition is the analytical
// engine's own recurrence.
TEST(RehearsalTest, ComposedRingTimeEqualsRunRingPass) {
  for (int64_t n : {1, 3, 5}) {
    RingPass ring;
    ring.devices = n;
    ring.causal = true;
    ring.seq_len = 8 * n;
    ring.flops_per_pair = 1;
    ring.message_bytes = 1;
    Rates rates;
    rates.peak_flops_per_s = 1;
    rates.attention_efficiency = 1;
    for (int64_t h = 0; h < n; ++h) {
      rates.hop_bw_bytes_per_s.push_back(1.0 / (3.0 + h));  // hop h takes 3 + h seconds
      rates.hop_latency_s.push_back(0);
    }
    std::vector<double> compute = RingComputeTimes(ring, rates);
    std::vector<double> ready(n, 0.0), busy(n, 0.0);
    RunRingPass(ring, rates, compute, ready, busy);
    RehearsalRun run;
    for (int64_t t = 0; t < n; ++t)
      for (int64_t i = 0; i < n; ++i) {
        RehearsalStep st;
        st.step = t;
        st.rank = i;
        st.compute_s = compute[t * n + i];
        // Rank i receives over hop i - 1.
        st.copy_s = t + 1 < n ? 3.0 + static_cast<double>((i + n - 1) % n) : -1;
        run.steps.push_back(st);
      }
    EXPECT_NEAR(ComposedRingTime(run, n), *std::max_element(ready.begin(), ready.end()), 1e-12)
        << n;
  }
}

TEST(RehearsalTest, CopyBandwidthInterpolatesInLogBytes) {
  Calibration c = TestCalibration();
  EXPECT_DOUBLE_EQ(CopyBandwidthAt(c, "d2d", 10), 1e9);    // clamped below
  EXPECT_DOUBLE_EQ(CopyBandwidthAt(c, "d2d", 1e7), 1e11);  // clamped above
  EXPECT_DOUBLE_EQ(CopyBandwidthAt(c, "d2d", 1e4),
                   0.5e11 + 0.5e9);  // halfway in log(bytes)
  EXPECT_DOUBLE_EQ(CopyBandwidthAt(c, "p2p", 5e4), 4e10);
  EXPECT_THROW(CopyBandwidthAt(c, "nccl", 1e4), ConfigError);
}

TEST(RehearsalTest, MismatchNamesWhatDiffers) {
  Rehearsal r = ParseRehearsal(kRehearsal, "r.json");
  Scenario s = TestScenario();
  EXPECT_EQ(RehearsalMismatch(r, s), "");
  s.parallel.variant = RingVariant::kZigzag;
  s.model.heads = 8;
  EXPECT_EQ(RehearsalMismatch(r, s),
            "the rehearsal ran layout ring (scenario: "
            "zigzag), heads 4 (scenario: 8)");
}

// The prediction's scenario is the rehearsed ring on the calibrated machine, and nothing in it
// depends on the rehearsal's timings.
TEST(RehearsalTest, ScenarioComesFromTheCalibrationOnly) {
  Rehearsal r = ParseRehearsal(kRehearsal, "r.json");
  Calibration c = TestCalibration();
  Scenario s = RehearsalScenario(TestScenario(), c, r, 4);
  EXPECT_EQ(s.workload.seq_len, 8);
  EXPECT_EQ(s.workload.scope, Scope::kAttention);
  EXPECT_EQ(s.workload.pass, Pass::kForward);
  EXPECT_EQ(s.parallel.fsdp, 1);
  EXPECT_EQ(s.devices, 2);
  EXPECT_TRUE(ScenarioProblem(s).ok());
  // K,V of 4 tokens, 2 kv heads x 64, bf16: 2 * 4 * 128 * 2 = 2048 bytes -> d2d at 2048 bytes.
  EXPECT_DOUBLE_EQ(s.hardware.intra_node.bw_bytes_per_s, CopyBandwidthAt(c, "d2d", 2048));
  EXPECT_EQ(s.hardware.intra_node.latency_s, 0);
  EXPECT_EQ(s.hardware.devices_per_node, 2);
  EXPECT_DOUBLE_EQ(s.hardware.attention_efficiency.At(4), 0.5);
  EXPECT_DOUBLE_EQ(s.hardware.interference_slowdown, 0.25);
  EXPECT_EQ(s.hardware.attention_efficiency.source.rfind("measured: ", 0), 0u);

  Rehearsal other = r;
  for (RehearsalStep& st : other.runs[0].steps) st.compute_s *= 7;
  Scenario again = RehearsalScenario(TestScenario(), c, other, 4);
  EXPECT_EQ(again.hardware.intra_node.bw_bytes_per_s, s.hardware.intra_node.bw_bytes_per_s);
  EXPECT_EQ(PredictedStepCompute(again), PredictedStepCompute(s));

  Rehearsal multi = r;
  multi.mode = "multi-gpu";
  EXPECT_DOUBLE_EQ(
      RehearsalScenario(TestScenario(), c, multi, 4).hardware.intra_node.bw_bytes_per_s, 4e10);
}

// Per step: 4 * 4 heads * 64 FLOPs per pair at 0.5 of 1e15, slowed by the interference (1 + 0.25):
// step 0 has 10 pairs per rank, step 1 none on rank 0 and 16 on rank 1.
TEST(RehearsalTest, PredictedStepComputeUsesTheCalibratedRate) {
  Rehearsal r = ParseRehearsal(kRehearsal, "r.json");
  Scenario s = RehearsalScenario(TestScenario(), TestCalibration(), r, 4);
  const double per_pair = 4.0 * 4 * 64 / (0.5e15 / 1.25);
  // One merge per launch: 4 rows x 4 heads x (64 x (2 + 8) + 12) = 10432 bytes moved, at the
  // calibration's d2d rate doubled (read + write): 2e9 at 2000 bytes moved, 2e11 at 2e5,
  // log-interpolated.
  const double merge_bytes = 4.0 * 4 * (64 * 10 + 12);
  const double f = std::log2(merge_bytes / 2000) / std::log2(100.0);
  const double merge_s = merge_bytes / (2e9 + f * (2e11 - 2e9));
  std::vector<double> t = PredictedStepCompute(s);
  ASSERT_EQ(t.size(), 4u);
  EXPECT_NEAR(t[0], 10 * per_pair + merge_s, 1e-18);
  EXPECT_NEAR(t[1], 10 * per_pair + merge_s, 1e-18);
  EXPECT_NEAR(t[2], 0, 1e-20);  // fully masked: no launch, no merge
  EXPECT_NEAR(t[3], 16 * per_pair + merge_s, 1e-18);
  EXPECT_EQ(PairsMismatch(r.runs[0], s), "");
  RehearsalRun wrong = r.runs[0];
  wrong.steps[2].pairs = 16;
  EXPECT_EQ(PairsMismatch(wrong, s),
            "block 4: step 1 rank 0: the rehearsal "
            "computed 16 pairs of rank 1's block, the "
            "schedule 0 of rank 1's");
}

}  // namespace
}  // namespace ringsim
