#include "io/calibration_loader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "sim/analytical_engine.h"
#include "sim/calibration.h"
#include "sim/config_error.h"
#include "sim/rates.h"

namespace ringsim {
namespace {

// A one-device ring whose kernel runs at `block` tokens: what MakeRates reads the curves at.
Schedule RingAt(int64_t block) {
  Schedule schedule;
  Phase ring;
  ring.kind = PhaseKind::kRing;
  ring.ring.seq_len = block;
  ring.ring.kernel_block_tokens = block;
  schedule.layer_phases.push_back(ring);
  return schedule;
}

// A made-up calibration (test data only: the shape a GPU run writes).
const char* kCalibration = R"(schema_version: 1
generator: test
kernel: test-kernel
context: {device: Test GPU, driver: '1.0', cuda: '13.0', date: '2026-11-26', repetitions: 5}
peak_bf16_flops_per_s: 1.0e15
attention:
  - {pass: fwd, causal: false, head_dim: 128, heads: 32, block_tokens: 256, flops_per_s: 2.0e14}
  - {pass: fwd, causal: false, head_dim: 128, heads: 32, block_tokens: 4096, flops_per_s: 6.0e14}
  - {pass: fwd, causal: false, head_dim: 64, heads: 32, block_tokens: 4096, flops_per_s: 9.0e14}
  - {pass: fwd, causal: true, head_dim: 128, heads: 32, block_tokens: 4096, flops_per_s: 9.0e14}
  - {pass: bwd, causal: false, head_dim: 128, heads: 32, block_tokens: 4096, flops_per_s: 9.0e14}
matmul:
  - {m: 4096, n: 4096, k: 4096, flops_per_s: 7.0e14}
  - {m: 1024, n: 4096, k: 4096, flops_per_s: 4.0e14}
  - {m: 1024, n: 12288, k: 4096, flops_per_s: 8.0e14}
  - {m: 1024, n: 12288, k: 4096, flops_per_s: 7.0e14}
copy:
  - {kind: d2d, bytes: 1.0e9, bw_bytes_per_s: 2.5e12}
interference: {compute_slowdown: 0.25}
)";

std::string Write(const std::string& name, const std::string& text) {
  std::filesystem::path path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  return path.string();
}

TEST(Calibration, MeasuredRatesBecomeTheCurves) {
  std::string path = Write("ringsim_calibration_ok.yaml", kCalibration);
  Calibration c = LoadCalibration(path);
  EXPECT_EQ(c.device, "Test GPU");
  ASSERT_EQ(c.attention.size(), 5u);
  HardwareSpec hw;
  hw.peak_bf16_flops_per_s = 1e15;
  hw.attention_efficiency = {{{1, 1.0}}, "assumed: flat"};
  ApplyCalibration(c, hw);
  // Forward, non-causal, head dim 128 only: 2e14 / 1e15 = 0.2 at 256, 0.6 at 4096.
  ASSERT_EQ(hw.attention_efficiency.points.size(), 2u);
  EXPECT_DOUBLE_EQ(hw.attention_efficiency.At(256), 0.2);
  EXPECT_DOUBLE_EQ(hw.attention_efficiency.At(4096), 0.6);
  EXPECT_FALSE(hw.attention_efficiency.IsAssumed());
  EXPECT_EQ(hw.attention_efficiency.source.rfind("measured: ", 0), 0u);
  EXPECT_DOUBLE_EQ(hw.matmul_efficiency.At(4096), 0.7);
  // m = 1024: shapes of 1 and 3 units of FLOPs at 0.4 and 0.8 (the repeat keeps its best):
  // together 4 / (1 / 0.4 + 3 / 0.8) = 0.64, not the best shape's 0.8.
  EXPECT_DOUBLE_EQ(hw.matmul_efficiency.At(1024), 0.64);
  // No HBM rate in this profile: the d2d copies cannot become a memory curve.
  EXPECT_TRUE(hw.memory_efficiency.points.empty());
  // The backward kernel's own curve: its one non-causal head-dim-128 sample, 9e14 / 1e15.
  EXPECT_DOUBLE_EQ(hw.AttentionBackwardEfficiency().At(4096), 0.9);
  EXPECT_EQ(hw.attention_bwd_efficiency.source, hw.attention_efficiency.source);
  EXPECT_DOUBLE_EQ(hw.interference_slowdown, 0.25);
}

TEST(Calibration, MeasuredCausalBackwardPricesCausalBackwardLaunches) {
  HardwareSpec hw;
  hw.peak_bf16_flops_per_s = 1e15;
  // Without a causal backward sample the backward keeps the forward's causal/full ratio:
  // full backward 0.9 x (causal forward 0.9 / full forward 0.6) = 1.35 at 4096.
  ApplyCalibration(LoadCalibration(Write("ringsim_calibration_ratio.yaml", kCalibration)), hw);
  EXPECT_TRUE(hw.attention_causal_bwd_efficiency.points.empty());
  EXPECT_DOUBLE_EQ(LaunchEfficiency(hw, true, true, 4096), 0.9 * 0.9 / 0.6);
  // With one (7e14 of the 1e15 peak), the causal backward launch reads it; full launches and
  // the causal forward do not move.
  std::string text = kCalibration;
  const std::string anchor = "matmul:";
  text.insert(text.find(anchor),
              "  - {pass: bwd, causal: true, head_dim: 128, heads: 32, block_tokens: 4096, "
              "flops_per_s: 7.0e14}\n");
  ApplyCalibration(LoadCalibration(Write("ringsim_calibration_causal_bwd.yaml", text)), hw);
  ASSERT_EQ(hw.attention_causal_bwd_efficiency.points.size(), 1u);
  EXPECT_EQ(hw.attention_causal_bwd_efficiency.source.rfind("measured: ", 0), 0u);
  EXPECT_DOUBLE_EQ(LaunchEfficiency(hw, true, true, 4096), 0.7);
  EXPECT_DOUBLE_EQ(LaunchEfficiency(hw, true, false, 4096), 0.9);
  EXPECT_DOUBLE_EQ(LaunchEfficiency(hw, false, true, 4096), 0.9);
  // A later calibration of another kernel without the sample takes the measured curve away.
  ApplyCalibration(LoadCalibration(Write("ringsim_calibration_ratio.yaml", kCalibration)), hw);
  EXPECT_TRUE(hw.attention_causal_bwd_efficiency.points.empty());
}

TEST(Calibration, CopiesGiveTheMemoryRate) {
  Calibration c = LoadCalibration(Write("ringsim_calibration_memory.yaml", kCalibration));
  HardwareSpec hw;
  hw.peak_bf16_flops_per_s = 1e15;
  hw.hbm_bw_bytes_per_s = 6e12;
  ApplyCalibration(c, hw);
  // A 1e9-byte d2d copy at 2.5e12 delivered moves 2e9 bytes at 5e12: 5/6 of the HBM rate.
  ASSERT_EQ(hw.memory_efficiency.points.size(), 1u);
  EXPECT_DOUBLE_EQ(hw.memory_efficiency.points[0].first, 2e9);
  EXPECT_DOUBLE_EQ(hw.memory_efficiency.At(2e9), 5.0 / 6.0);
  EXPECT_EQ(hw.memory_efficiency.source.rfind("measured: ", 0), 0u);
}

TEST(Calibration, MergeSamplesGiveTheMemoryRateWhenPresent) {
  std::string text = kCalibration;
  text.replace(text.find("interference:"), 0,
               "  - {kind: merge, bytes: 1.0e7, bw_bytes_per_s: 1.5e12}\n"
               "  - {kind: merge, bytes: 1.0e9, bw_bytes_per_s: 3.0e12}\n");
  Calibration c = LoadCalibration(Write("ringsim_calibration_merge.yaml", text));
  HardwareSpec hw;
  hw.peak_bf16_flops_per_s = 1e15;
  hw.hbm_bw_bytes_per_s = 6e12;
  ApplyCalibration(c, hw);
  // The merge kernel's own rate (bytes moved as given), not the d2d copy's.
  ASSERT_EQ(hw.memory_efficiency.points.size(), 2u);
  EXPECT_DOUBLE_EQ(hw.memory_efficiency.At(1e7), 0.25);
  EXPECT_DOUBLE_EQ(hw.memory_efficiency.At(1e9), 0.5);
  EXPECT_DOUBLE_EQ(hw.memory_efficiency.At(1e8), 0.375);  // halfway in log(bytes)
}

TEST(Calibration, FractionsReproduceMeasuredRatesOnTheProfilesPeak) {
  Calibration c = LoadCalibration(Write("ringsim_calibration_peak.yaml", kCalibration));
  HardwareSpec hw;
  hw.peak_bf16_flops_per_s = 0.8e15;  // the profile quotes a lower peak than the file
  ApplyCalibration(c, hw);
  // 6e14 measured at 4096 tokens: 0.75 of 0.8e15, so the engines compute at 6e14.
  EXPECT_DOUBLE_EQ(hw.attention_efficiency.At(4096) * hw.peak_bf16_flops_per_s, 6e14);
}

TEST(Calibration, InterferenceSlowsRingCompute) {
  HardwareSpec hw;
  hw.peak_bf16_flops_per_s = 1e12;
  hw.attention_efficiency = {{{1, 0.5}}, "measured: test"};
  EXPECT_DOUBLE_EQ(MakeRates(RingAt(1024), hw).attention_efficiency, 0.5);
  hw.interference_slowdown = 0.25;  // 25% slower while a copy runs beside it
  EXPECT_DOUBLE_EQ(MakeRates(RingAt(1024), hw).attention_efficiency, 0.4);
}

TEST(Calibration, InterferenceByBlockSize) {
  std::string text = kCalibration;
  text.replace(text.find("interference: {compute_slowdown: 0.25}"), 38,
               "interference: {compute_slowdown: 0.1, by_block: [[1024, 0.2], [16384, 0.04]]}");
  Calibration c = LoadCalibration(Write("ringsim_calibration_byblock.yaml", text));
  ASSERT_EQ(c.interference_by_block.size(), 2u);
  HardwareSpec hw;
  hw.peak_bf16_flops_per_s = 1e15;
  ApplyCalibration(c, hw);
  // Interpolated in log2(tokens) between the points, flat beyond them: 4096 is halfway.
  EXPECT_DOUBLE_EQ(hw.InterferenceAt(256), 0.2);
  EXPECT_DOUBLE_EQ(hw.InterferenceAt(4096), 0.12);
  EXPECT_DOUBLE_EQ(hw.InterferenceAt(65536), 0.04);
  // The engines slow the kernel by the slowdown at its own block: the attention curve's 0.6 at
  // 4096 (kCalibration) over 1.12.
  EXPECT_DOUBLE_EQ(MakeRates(RingAt(4096), hw).attention_efficiency, 0.6 / 1.12);
  text.replace(text.find("[16384, 0.04]"), 13, "[512, 0.04]");
  std::string path = Write("ringsim_calibration_byblock_bad.yaml", text);
  try {
    LoadCalibration(path);
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              path +
                  ":19:63: interference.by_block: expected [tokens > 0, fraction in [0, 1)] "
                  "with tokens ascending");
  }
}

TEST(Calibration, ErrorsNameTheKey) {
  std::string text = kCalibration;
  text.replace(text.find("interference: {compute_slowdown: 0.25}"), 38,
               "interference: {compute_slowdown: 1.5}");
  std::string path = Write("ringsim_calibration_bad.yaml", text);
  try {
    LoadCalibration(path);
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              path + ":19:34: interference.compute_slowdown: expected a fraction in [0, 1)");
  }
}

}  // namespace
}  // namespace ringsim
