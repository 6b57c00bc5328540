#include "io/hardware_loader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "io/yaml_reader.h"
#include "sim/config_error.h"
#include "sim/rates.h"

namespace ringsim {
namespace {

namespace fs = std::filesystem;

// A valid profile; the error tests below change one line each, so the line numbers in their
// expected messages refer to this text (line 1 is schema_version).
const char kValid[] = R"(schema_version: 1
name: test-gpu
description: "a test profile"
kind: gpu
device:
  peak_bf16_flops_per_s: {value: 312e12, source: "datasheet: test sheet"}
  peak_fp32_flops_per_s: {value: 156e12, source: "datasheet: test sheet"}
  hbm_bytes: {value: 80e9, source: "datasheet: test sheet"}
  hbm_bw_bytes_per_s: {value: 2.039e12, source: "datasheet: test sheet"}
node:
  devices_per_node: 8
  intra_link: {kind: nvlink3, bw_bytes_per_s: {value: 300e9, source: "datasheet: t"}, latency_s: {value: 2e-6, source: "assumed: t"}}
fabric:
  topology: fat-tree
  inter_link: {kind: ib-hdr, bw_bytes_per_s: {value: 25e9, source: "datasheet: t"}, latency_s: {value: 5e-6, source: "assumed: t"}}
efficiency:
  attention: {source: "assumed: t", points: [[256, 0.25], [1024, 0.5]], kernel: test-kernel}
  matmul: {source: "assumed: t", points: [[512, 0.55], [4096, 0.75]]}
)";

/// A calibration with one forward sample: 1.56e14 FLOP/s at 1024 tokens (0.5 of 312e12).
const char* kCalibration =
    "schema_version: 1\ngenerator: test\nkernel: k\n"
    "context: {device: G, driver: '1', cuda: '13.0', date: '2026-11-26', repetitions: 1}\n"
    "peak_bf16_flops_per_s: 312e12\n"
    "attention: [{pass: fwd, head_dim: 128, heads: 8, block_tokens: 1024, "
    "flops_per_s: 1.56e14}]\n";

/// `text` with its one occurrence of `from` replaced by `to`.
std::string Replace(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  EXPECT_EQ(text.find(from, at + 1), std::string::npos) << from << " occurs twice";
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

/// Runs each test in its own temporary folder, with RINGSIM_HWMODELS unset so that names
/// resolve to the shipped hwmodels/.
class HardwareLoader : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* saved = std::getenv("RINGSIM_HWMODELS");
    had_env_ = saved != nullptr;
    if (had_env_) saved_env_ = saved;
    unsetenv("RINGSIM_HWMODELS");
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = (fs::temp_directory_path() /
            ("ringsim_hw_" + std::to_string(getpid()) + "_" + info->name()))
               .string();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    fs::remove_all(dir_);
    if (had_env_) {
      setenv("RINGSIM_HWMODELS", saved_env_.c_str(), 1);
    } else {
      unsetenv("RINGSIM_HWMODELS");
    }
  }

  /// Writes `text` to `name` in the test folder and returns its path.
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path) << text;
    return path;
  }

  /// The ConfigError message of loading `text` as test-gpu.yaml, with the file's path
  /// replaced by "F" so that expected messages read as they would for a short name.
  std::string ErrorOf(const std::string& text) {
    std::string path = Write("test-gpu.yaml", text);
    try {
      LoadHardware(path);
    } catch (const ConfigError& e) {
      std::string message = e.what();
      if (message.rfind(path, 0) == 0) message = "F" + message.substr(path.size());
      return message;
    }
    return "no error";
  }

  std::string dir_;
  bool had_env_ = false;
  std::string saved_env_;
};

TEST_F(HardwareLoader, ValidProfileFillsEveryField) {
  HardwareSpec hw = LoadHardware(Write("test-gpu.yaml", kValid));
  EXPECT_EQ(hw.name, "test-gpu");
  EXPECT_EQ(hw.description, "a test profile");
  EXPECT_EQ(hw.kind, "gpu");
  EXPECT_EQ(hw.peak_bf16_flops_per_s, 312e12);
  EXPECT_EQ(hw.peak_fp32_flops_per_s, 156e12);
  EXPECT_EQ(hw.hbm_bytes, 80e9);
  EXPECT_EQ(hw.hbm_bw_bytes_per_s, 2.039e12);
  EXPECT_EQ(hw.peak_bf16_source, "datasheet: test sheet");
  EXPECT_EQ(hw.hbm_bw_source, "datasheet: test sheet");
  EXPECT_EQ(hw.devices_per_node, 8);
  EXPECT_EQ(hw.intra_node.kind, "nvlink3");
  EXPECT_EQ(hw.intra_node.bw_bytes_per_s, 300e9);
  EXPECT_EQ(hw.intra_node.latency_s, 2e-6);
  EXPECT_EQ(hw.intra_node.bw_source, "datasheet: t");
  EXPECT_EQ(hw.intra_node.latency_source, "assumed: t");
  EXPECT_EQ(hw.inter_node.kind, "ib-hdr");
  EXPECT_EQ(hw.inter_node.bw_bytes_per_s, 25e9);
  EXPECT_EQ(hw.inter_node.latency_s, 5e-6);
  EXPECT_EQ(hw.topology, Topology::kFatTree);
  EXPECT_TRUE(hw.torus_shape.empty());
  ASSERT_EQ(hw.attention_efficiency.points.size(), 2u);
  EXPECT_EQ(hw.attention_efficiency.points[1], std::make_pair(1024.0, 0.5));
  EXPECT_TRUE(hw.attention_efficiency.IsAssumed());
  EXPECT_EQ(hw.matmul_efficiency.points[0], std::make_pair(512.0, 0.55));
  EXPECT_EQ(hw.attention_kernel, "test-kernel");
  EXPECT_EQ(hw.calibration, "");
  // Optional: no FP8 peak (fp8 runs are refused), no SM count.
  EXPECT_EQ(hw.peak_fp8_flops_per_s, 0);
  EXPECT_EQ(hw.sm_count, 0);
  EXPECT_TRUE(hw.matmul_fp8_efficiency.points.empty());
}

TEST_F(HardwareLoader, Fp8PeakComesWithItsGemmCurve) {
  const std::string fp8 =
      Replace(kValid, "  hbm_bytes:",
              "  peak_fp8_flops_per_s: {value: 624e12, source: \"datasheet: t\"}\n"
              "  sm_count: {value: 108, source: \"datasheet: t\"}\n  hbm_bytes:");
  const std::string curve = "  matmul_fp8: {source: \"assumed: t\", points: [[512, 0.4]]}\n";
  HardwareSpec hw = LoadHardware(Write("test-gpu.yaml", fp8 + curve));
  EXPECT_EQ(hw.peak_fp8_flops_per_s, 624e12);
  EXPECT_EQ(hw.sm_count, 108);
  EXPECT_EQ(hw.sm_count_source, "datasheet: t");
  EXPECT_EQ(hw.PeakFlopsPerS(Precision::kFp8), 624e12);
  EXPECT_EQ(hw.AttentionPeakFlopsPerS(Precision::kFp8), 312e12);  // attention stays bf16
  EXPECT_EQ(hw.MatmulEfficiency(Precision::kFp8).points[0], std::make_pair(512.0, 0.4));
  EXPECT_EQ(hw.MatmulEfficiency(Precision::kBf16).points[0], std::make_pair(512.0, 0.55));
  EXPECT_EQ(ErrorOf(fp8),
            "F:19:3: efficiency.matmul_fp8: required with device.peak_fp8_flops_per_s: the "
            "fraction of the FP8 peak the GEMMs reach, {source, points}");
  EXPECT_EQ(ErrorOf(std::string(kValid) + curve),
            "F:19:15: efficiency.matmul_fp8: only with device.peak_fp8_flops_per_s (the peak it "
            "is a fraction of)");
  EXPECT_EQ(ErrorOf(Replace(fp8, "{value: 108,", "{value: 108.5,") + curve),
            "F:9:21: device.sm_count.value: expected a whole number of SMs from 1 to 65536 "
            "(2^16), got 108.5");
}

TEST_F(HardwareLoader, SustainedClockScalesEveryComputeRateNotTheMfuPeak) {
  EXPECT_EQ(HardwareFromYaml(LoadYamlString(kValid, "x.yaml"), "x").sustained_clock_fraction, 1.0);
  const std::string capped =
      Replace(kValid, "  hbm_bytes:",
              "  sustained_clock_fraction: {value: 0.8, source: \"assumed: t\"}\n  hbm_bytes:");
  HardwareSpec hw = LoadHardware(Write("test-gpu.yaml", capped));
  EXPECT_EQ(hw.sustained_clock_fraction, 0.8);
  EXPECT_EQ(hw.sustained_clock_source, "assumed: t");
  EXPECT_EQ(
      ErrorOf(Replace(capped, "{value: 0.8,", "{value: 1.5,")),
      "F:8:37: device.sustained_clock_fraction.value: expected a fraction in (0, 1], got 1.5");
}

TEST_F(HardwareLoader, HostForOffloadIsAllThreeKeysOrNone) {
  EXPECT_EQ(HardwareFromYaml(LoadYamlString(kValid, "x.yaml"), "x").host_memory_bytes, 0);
  const std::string memory = "  host_memory_bytes: {value: 2e12, source: \"datasheet: t\"}\n";
  const std::string bw = "  host_memory_bw_bytes_per_s: {value: 4e11, source: \"datasheet: t\"}\n";
  const std::string link =
      "  host_link: {kind: pcie4, bw_bytes_per_s: {value: 32e9, source: \"datasheet: t\"}, "
      "latency_s: {value: 2e-6, source: \"assumed: t\"}}\n";
  HardwareSpec hw = LoadHardware(
      Write("test-gpu.yaml", Replace(kValid, "fabric:", memory + bw + link + "fabric:")));
  EXPECT_EQ(hw.host_memory_bytes, 2e12);
  EXPECT_EQ(hw.host_memory_bw_bytes_per_s, 4e11);
  EXPECT_EQ(hw.host_link.bw_bytes_per_s, 32e9);
  EXPECT_NE(
      ErrorOf(Replace(kValid, "fabric:", memory + "fabric:"))
          .find("node.host_link: the host is host_memory_bytes, host_memory_bw_bytes_per_s and "
                "host_link together"),
      std::string::npos);
}

TEST_F(HardwareLoader, CausalCurveIsOptionalAndPricesCausalLaunches) {
  HardwareSpec plain = HardwareFromYaml(LoadYamlString(kValid, "x.yaml"), "x");
  EXPECT_TRUE(plain.attention_causal_efficiency.points.empty());
  std::string text = kValid;
  const std::string anchor = "  matmul:";
  text.insert(text.find(anchor),
              "  attention_causal: {source: \"assumed: half the full rate, for this test\", "
              "points: [[512, 0.2], [8192, 0.4]]}\n");
  HardwareSpec hw = HardwareFromYaml(LoadYamlString(text, "x.yaml"), "x");
  ASSERT_EQ(hw.attention_causal_efficiency.points.size(), 2u);
  EXPECT_DOUBLE_EQ(hw.attention_causal_efficiency.At(8192), 0.4);
  // A causal forward launch reads the causal curve; the full one does not; the backward keeps
  // the causal/full ratio of the forward (0.4 / full(8192)).
  EXPECT_DOUBLE_EQ(LaunchEfficiency(hw, false, true, 8192), 0.4);
  EXPECT_DOUBLE_EQ(LaunchEfficiency(hw, false, false, 8192), hw.attention_efficiency.At(8192));
  // Hand-worked: the test profile's full curve ends at 0.5 (1024 tokens and above) and it has
  // no backward curve, so the backward's full rate is 0.5 too: 0.5 x 0.4 / 0.5 = 0.4; at 2048
  // the causal curve reads 0.2 + 0.2 x log2(2048/512) / log2(8192/512) = 0.3.
  EXPECT_DOUBLE_EQ(LaunchEfficiency(hw, true, true, 8192), 0.4);
  EXPECT_DOUBLE_EQ(LaunchEfficiency(hw, false, true, 2048), 0.3);
  EXPECT_DOUBLE_EQ(LaunchEfficiency(hw, false, false, 2048), 0.5);
  // A causal backward curve of its own replaces the ratio for causal backward launches only.
  text.insert(text.find(anchor),
              "  attention_causal_bwd: {source: \"assumed: a causal backward rate, for this "
              "test\", points: [[512, 0.1], [8192, 0.3]]}\n");
  HardwareSpec own = HardwareFromYaml(LoadYamlString(text, "x.yaml"), "x");
  EXPECT_DOUBLE_EQ(LaunchEfficiency(own, true, true, 8192), 0.3);
  // 0.1 + 0.2 x log2(2048/512) / log2(8192/512) = 0.2 at 2048.
  EXPECT_DOUBLE_EQ(LaunchEfficiency(own, true, true, 2048), 0.2);
  EXPECT_DOUBLE_EQ(LaunchEfficiency(own, false, true, 8192), 0.4);
  EXPECT_DOUBLE_EQ(LaunchEfficiency(own, true, false, 8192), 0.5);
  // It is printed and read back.
  HardwareSpec again = HardwareFromYaml(LoadYamlString(HardwareToJson(own).dump(), "x.json"), "x");
  EXPECT_EQ(again.attention_causal_bwd_efficiency.points,
            own.attention_causal_bwd_efficiency.points);
  EXPECT_NE(HardwareToText(own).find("attention_causal_bwd"), std::string::npos);
}

TEST_F(HardwareLoader, AttentionCurveNamesItsKernel) {
  EXPECT_EQ(ErrorOf(Replace(kValid, ", kernel: test-kernel}", "}")),
            "F:17:14: efficiency.attention.kernel: missing required key");
}

TEST_F(HardwareLoader, TorusDefaultsInterLinkToIci) {
  std::string text = Replace(kValid, "  topology: fat-tree\n", "  topology: torus\n");
  text = Replace(text,
                 text.substr(text.find("  inter_link:"),
                             text.find("efficiency:") - text.find("  inter_link:")),
                 "  torus_shape: [4, 4, 4]\n");
  HardwareSpec hw = LoadHardware(Write("test-gpu.yaml", text));
  EXPECT_EQ(hw.topology, Topology::kTorus);
  EXPECT_EQ(hw.torus_shape, (std::vector<int64_t>{4, 4, 4}));
  EXPECT_EQ(hw.inter_node.kind, "nvlink3");
  EXPECT_EQ(hw.inter_node.bw_bytes_per_s, 300e9);
  EXPECT_EQ(hw.inter_node.bw_source, "datasheet: t");
}

TEST_F(HardwareLoader, OneDevicePerNodeDefaultsIntraLinkToFabric) {
  std::string text = Replace(kValid, "  devices_per_node: 8\n", "  devices_per_node: 1\n");
  text = Replace(
      text,
      text.substr(text.find("  intra_link:"), text.find("fabric:") - text.find("  intra_link:")),
      "");
  HardwareSpec hw = LoadHardware(Write("test-gpu.yaml", text));
  EXPECT_EQ(hw.devices_per_node, 1);
  EXPECT_EQ(hw.intra_node.kind, "ib-hdr");
  EXPECT_EQ(hw.intra_node.bw_bytes_per_s, 25e9);
}

TEST_F(HardwareLoader, CalibrationPathIsRelativeToTheProfile) {
  Write("calibrations/test.yaml", kCalibration);
  std::string text = std::string(kValid) + "calibration: calibrations/test.yaml\n";
  HardwareSpec hw = LoadHardware(Write("test-gpu.yaml", text));
  EXPECT_EQ(hw.calibration, dir_ + "/calibrations/test.yaml");
  // The measured curve replaces the assumed one.
  EXPECT_FALSE(hw.attention_efficiency.IsAssumed());
  EXPECT_DOUBLE_EQ(hw.attention_efficiency.At(1024), 0.5);
  EXPECT_EQ(ErrorOf(std::string(kValid) + "calibration: calibrations/none.yaml\n"),
            "F:19:14: calibration: no calibration file at '" + dir_ +
                "/calibrations/none.yaml' (the path is relative to the profile's folder)");
}

TEST_F(HardwareLoader, KernelsMayBeAssumedCurves) {
  const std::string curves =
      "kernels:\n"
      "  cudnn:\n"
      "    attention: {source: \"assumed: t\", points: [[256, 0.2], [1024, 0.4]]}\n"
      "    attention_bwd: {source: \"assumed: t\", points: [[256, 0.1], [1024, 0.3]]}\n";
  HardwareSpec hw = LoadHardware(Write("test-gpu.yaml", std::string(kValid) + curves));
  ASSERT_EQ(hw.kernel_curves.count("cudnn"), 1u);
  EXPECT_TRUE(hw.kernel_calibrations.empty());
  // The profile's own kernel stays until an implementation asks for the other one.
  EXPECT_EQ(hw.attention_kernel, "test-kernel");
  EXPECT_DOUBLE_EQ(hw.attention_efficiency.At(1024), 0.5);
  UseKernel(hw, "cudnn");
  EXPECT_EQ(hw.attention_kernel, "cudnn");
  EXPECT_DOUBLE_EQ(hw.attention_efficiency.At(1024), 0.4);
  EXPECT_DOUBLE_EQ(hw.AttentionBackwardEfficiency().At(256), 0.1);
  EXPECT_TRUE(hw.attention_causal_efficiency.points.empty());
  EXPECT_TRUE(hw.calibration.empty());
  // A kernel the profile knows nothing of leaves it as it was.
  HardwareSpec same = LoadHardware(Write("test-gpu.yaml", std::string(kValid) + curves));
  UseKernel(same, "flash-attention-2");
  EXPECT_EQ(same.attention_kernel, "test-kernel");

  EXPECT_EQ(ErrorOf(std::string(kValid) +
                    "kernels:\n  cudnn: {attention: {source: \"assumed: t\", points: [[256, "
                    "0.2]]}, atention_bwd: {}}\n"),
            "F:20:68: kernels.cudnn.atention_bwd: unknown key 'atention_bwd'; did you mean "
            "'attention_bwd'?");
  EXPECT_EQ(ErrorOf(std::string(kValid) + "kernels:\n  cudnn: {attention_bwd: {source: "
                                          "\"assumed: t\", points: [[256, 0.2]]}}\n"),
            "F:20:10: kernels.cudnn.attention: missing required key");
  // Beside a calibration, assumed curves would pass for measured ones.
  Write("calibrations/test.yaml", kCalibration);
  const std::string message =
      ErrorOf(std::string(kValid) + "calibration: calibrations/test.yaml\n" + curves);
  EXPECT_NE(message.find("kernels: kernels.cudnn: assumed curves only in a profile without a "
                         "calibration"),
            std::string::npos)
      << message;
}

TEST_F(HardwareLoader, InlineProfileErrorsNameTheEnclosingKey) {
  YAML::Node root = LoadYamlString(
      Replace(kValid, "  hbm_bytes: {value: 80e9", "  hbm_bytes: {value: 0"), "scenario.yaml");
  try {
    HardwareFromYaml(root, "scenario.yaml", "hardware");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "scenario.yaml:8:22: hardware.device.hbm_bytes.value: expected a number > 0, "
                 "got 0");
  }
}

TEST_F(HardwareLoader, UnknownKeySuggestsTheClosest) {
  EXPECT_EQ(ErrorOf(Replace(kValid, "  hbm_bytes:", "  hbm_byte:")),
            "F:8:3: device.hbm_byte: unknown key 'hbm_byte'; did you mean 'hbm_bytes'?");
  EXPECT_EQ(ErrorOf(Replace(kValid, "description:", "descripton:")),
            "F:3:1: descripton: unknown key 'descripton'; did you mean 'description'?");
  EXPECT_EQ(ErrorOf(Replace(kValid, "{value: 80e9, source:", "{value: 80e9, sorce:")),
            "F:8:28: device.hbm_bytes.sorce: unknown key 'sorce'; did you mean 'source'?");
  EXPECT_EQ(
      ErrorOf(Replace(kValid, "{kind: ib-hdr, bw_bytes_per_s:", "{kind: ib-hdr, bw_byte_per_s:")),
      "F:15:30: fabric.inter_link.bw_byte_per_s: unknown key 'bw_byte_per_s'; did you mean "
      "'bw_bytes_per_s'?");
}

TEST_F(HardwareLoader, WrongTypeNamesWhatWasExpected) {
  EXPECT_EQ(ErrorOf(Replace(kValid, "devices_per_node: 8", "devices_per_node: eight")),
            "F:11:21: node.devices_per_node: expected a number, got 'eight'");
  EXPECT_EQ(ErrorOf(Replace(kValid, "kind: gpu", "kind: [gpu]")),
            "F:4:7: kind: expected a string, got a list");
  EXPECT_EQ(ErrorOf(Replace(kValid, "kind: gpu", "kind: gpus")),
            "F:4:7: kind: expected one of gpu, tpu, got 'gpus'; did you mean 'gpu'?");
  EXPECT_EQ(ErrorOf(Replace(kValid, "topology: fat-tree", "topology: fattree")),
            "F:14:13: fabric.topology: expected one of fat-tree, torus, got 'fattree'; did you "
            "mean 'fat-tree'?");
  EXPECT_EQ(ErrorOf(Replace(kValid, "  hbm_bytes: {value: 80e9, source: \"datasheet: test sheet\"}",
                            "  hbm_bytes: 80e9")),
            "F:8:14: device.hbm_bytes: expected {value: NUMBER, source: \"KIND: where\"}, got "
            "'80e9'");
  EXPECT_EQ(ErrorOf(Replace(kValid, "{value: 80e9,", "{value: 80GB,")),
            "F:8:22: device.hbm_bytes.value: expected a number, got '80GB'");
  EXPECT_EQ(ErrorOf(Replace(kValid, "[[256, 0.25], [1024, 0.5]]", "[[256, 0.25], [1024]]")),
            "F:17:59: efficiency.attention.points[1]: expected a [tokens, fraction] pair of "
            "numbers, got a list of 1 item");
  EXPECT_EQ(ErrorOf(Replace(kValid, "[[256, 0.25], [1024, 0.5]]", "[[256, 0.25], [1024, half]]")),
            "F:17:59: efficiency.attention.points[1]: expected a [tokens, fraction] pair of "
            "numbers, got ['1024', 'half']");
}

TEST_F(HardwareLoader, NumbersMustBePositive) {
  EXPECT_EQ(ErrorOf(Replace(kValid, "{value: 80e9,", "{value: -80e9,")),
            "F:8:22: device.hbm_bytes.value: expected a number > 0, got -80e9");
  EXPECT_EQ(ErrorOf(Replace(kValid, "latency_s: {value: 2e-6,", "latency_s: {value: 0,")),
            "F:12:106: node.intra_link.latency_s.value: expected a number > 0, got 0");
  EXPECT_EQ(ErrorOf(Replace(kValid, "devices_per_node: 8", "devices_per_node: 0")),
            "F:11:21: node.devices_per_node: expected a whole number >= 1, got 0");
  EXPECT_EQ(ErrorOf(Replace(kValid, "schema_version: 1", "schema_version: 2")),
            "F:1:17: schema_version: expected 1 (the only schema this ringsim reads), got 2");
}

TEST_F(HardwareLoader, MissingRequiredKey) {
  EXPECT_EQ(
      ErrorOf(Replace(
          kValid, "  hbm_bw_bytes_per_s: {value: 2.039e12, source: \"datasheet: test sheet\"}\n",
          "")),
      "F:6:3: device.hbm_bw_bytes_per_s: missing required key");
  EXPECT_EQ(ErrorOf(Replace(kValid, "name: test-gpu\n", "")), "F:1:1: name: missing required key");
  std::string text = kValid;
  text = Replace(
      text,
      text.substr(text.find("  intra_link:"), text.find("fabric:") - text.find("  intra_link:")),
      "");
  EXPECT_EQ(ErrorOf(text), "F:11:3: node.intra_link: missing required key");
  text = kValid;
  text = Replace(text,
                 text.substr(text.find("  inter_link:"),
                             text.find("efficiency:") - text.find("  inter_link:")),
                 "");
  EXPECT_EQ(ErrorOf(text), "F:14:3: fabric.inter_link: missing required key");
}

TEST_F(HardwareLoader, EveryNumberNeedsAWellFormedSource) {
  EXPECT_EQ(
      ErrorOf(Replace(kValid, "{value: 80e9, source: \"datasheet: test sheet\"}", "{value: 80e9}")),
      "F:8:14: device.hbm_bytes.source: missing required key");
  EXPECT_EQ(ErrorOf(Replace(kValid, "{value: 80e9, source: \"datasheet: test sheet\"}",
                            "{value: 80e9, source: \"from the web\"}")),
            "F:8:36: device.hbm_bytes.source: expected "
            "'datasheet|paper|measured|assumed|derived: <where>', got 'from the web'");
  EXPECT_EQ(ErrorOf(Replace(kValid, "{value: 80e9, source: \"datasheet: test sheet\"}",
                            "{value: 80e9, source: \"datasheet:  \"}")),
            "F:8:36: device.hbm_bytes.source: expected 'datasheet: <where>' saying where "
            "exactly, got 'datasheet:  '");
  EXPECT_EQ(
      ErrorOf(Replace(kValid, "matmul: {source: \"assumed: t\"", "matmul: {source: \"guess\"")),
      "F:18:20: efficiency.matmul.source: expected "
      "'datasheet|paper|measured|assumed|derived: <where>', got 'guess'");
}

TEST_F(HardwareLoader, CurvesAreSortedFractionsOfPeak) {
  EXPECT_EQ(ErrorOf(Replace(kValid, "[[256, 0.25], [1024, 0.5]]", "[[1024, 0.5], [256, 0.25]]")),
            "F:17:59: efficiency.attention.points[1]: expected tokens > 1024 (points sorted by "
            "strictly increasing tokens), got 256");
  EXPECT_EQ(ErrorOf(Replace(kValid, "[[256, 0.25], [1024, 0.5]]", "[[256, 0.25], [256, 0.5]]")),
            "F:17:59: efficiency.attention.points[1]: expected tokens > 256 (points sorted by "
            "strictly increasing tokens), got 256");
  EXPECT_EQ(ErrorOf(Replace(kValid, "[[256, 0.25], [1024, 0.5]]", "[[256, 0.25], [1024, 1.5]]")),
            "F:17:59: efficiency.attention.points[1]: expected a fraction of peak in (0, 1], got "
            "1.5");
  EXPECT_EQ(ErrorOf(Replace(kValid, "[[256, 0.25], [1024, 0.5]]", "[[256, 0], [1024, 0.5]]")),
            "F:17:46: efficiency.attention.points[0]: expected a fraction of peak in (0, 1], got "
            "0");
  EXPECT_EQ(ErrorOf(Replace(kValid, "[[256, 0.25], [1024, 0.5]]", "[[-256, 0.25], [1024, 0.5]]")),
            "F:17:46: efficiency.attention.points[0]: expected tokens > 0, got -256");
  EXPECT_EQ(ErrorOf(Replace(kValid, "[[256, 0.25], [1024, 0.5]]", "[]")),
            "F:17:45: efficiency.attention.points: expected a non-empty list of [tokens, "
            "fraction] pairs, got a list of 0 items");
}

TEST_F(HardwareLoader, TorusShapeRules) {
  std::string torus = Replace(kValid, "  topology: fat-tree\n", "  topology: torus\n");
  EXPECT_EQ(ErrorOf(torus),
            "F:14:3: fabric.torus_shape: required for topology torus: the slice shape, e.g. [4, "
            "4, 4]");
  EXPECT_EQ(ErrorOf(Replace(torus, "  topology: torus\n",
                            "  topology: torus\n  torus_shape: [4, 4, 4, 4]\n")),
            "F:15:16: fabric.torus_shape: expected 2 or 3 dimensions, got 4");
  EXPECT_EQ(
      ErrorOf(Replace(torus, "  topology: torus\n", "  topology: torus\n  torus_shape: [4, 0]\n")),
      "F:15:16: fabric.torus_shape: expected whole numbers >= 1, got 0");
  EXPECT_EQ(ErrorOf(Replace(kValid, "  topology: fat-tree\n",
                            "  topology: fat-tree\n  torus_shape: [4, 4]\n")),
            "F:15:16: fabric.torus_shape: only allowed with topology torus");
}

TEST_F(HardwareLoader, NameMustMatchTheFileName) {
  std::string path = Write("other.yaml", kValid);
  try {
    LoadHardware(path);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.what(), path +
                            ":2:7: name: expected 'other' (the file's name without .yaml), got "
                            "'test-gpu'");
  }
}

TEST_F(HardwareLoader, UnknownNameSuggestsAProfile) {
  auto error_of = [](const std::string& name) {
    try {
      LoadHardware(name);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error_of("h100"),
            "unknown hardware 'h100'; did you mean 'h100-sxm'? (ringsim hw list shows all)");
  EXPECT_EQ(error_of("a100-sxm-80"),
            "unknown hardware 'a100-sxm-80'; did you mean 'a100-sxm-80g'? (ringsim hw list shows "
            "all)");
  EXPECT_EQ(error_of("v5e"),
            "unknown hardware 'v5e'; did you mean 'tpu-v5e'? (ringsim hw list shows all)");
  EXPECT_EQ(error_of("tpu-v6e"),
            "unknown hardware 'tpu-v6e'; did you mean 'tpu-v5e'? (ringsim hw list shows all)");
  EXPECT_EQ(error_of("quantum-annealer"),
            "unknown hardware 'quantum-annealer' (ringsim hw list shows all)");
}

TEST_F(HardwareLoader, MissingFile) {
  std::string path = dir_ + "/nope.yaml";
  try {
    LoadHardware(path);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.what(), path + ": cannot open file");
  }
}

TEST_F(HardwareLoader, DirectoryComesFromTheEnvironment) {
  EXPECT_EQ(HardwareDir(), std::string(RINGSIM_DATA_DIR) + "/hwmodels");
  Write("zeta.yaml", Replace(kValid, "name: test-gpu", "name: zeta"));
  Write("alpha.yaml", Replace(kValid, "name: test-gpu", "name: alpha"));
  Write("README.md", "not a profile\n");
  Write("calibrations/alpha.yaml", "schema_version: 1\n");
  setenv("RINGSIM_HWMODELS", dir_.c_str(), 1);
  EXPECT_EQ(HardwareDir(), dir_);
  EXPECT_EQ(ListHardware(), (std::vector<std::string>{"alpha", "zeta"}));
  EXPECT_EQ(LoadHardware("alpha").name, "alpha");
  setenv("RINGSIM_HWMODELS", (dir_ + "/missing").c_str(), 1);
  try {
    ListHardware();
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(dir_ + "/missing: cannot list hardware profiles: ", 0),
              0u)
        << e.what();
  }
}

class HardwareProfiles : public HardwareLoader {};

TEST_F(HardwareProfiles, EveryShippedProfileLoads) {
  const std::vector<std::string> expected = {
      "a100-sxm-80g",    "a800-sxm-80g",  "b200",
      "h100-hbm2e-500w", "h100-sxm",      "h200",
      "h800-sxm",        "paper-a100-ib", "paper-a100-nvlink",
      "paper-tpu-v3",    "paper-tpu-v4",  "paper-tpu-v5e",
      "tpu-v3",          "tpu-v4",        "tpu-v5e",
      "tpu-v5p"};
  EXPECT_EQ(ListHardware(), expected);
  for (const std::string& name : ListHardware()) {
    SCOPED_TRACE(name);
    HardwareSpec hw = LoadHardware(name);
    EXPECT_EQ(hw.name, name);
    EXPECT_FALSE(hw.description.empty());
    for (const std::string* source :
         {&hw.peak_bf16_source, &hw.peak_fp32_source, &hw.hbm_source, &hw.hbm_bw_source,
          &hw.intra_node.bw_source, &hw.intra_node.latency_source, &hw.inter_node.bw_source,
          &hw.inter_node.latency_source}) {
      EXPECT_GT(source->size(), 20u) << *source;
    }
    // A shipped curve is an assumption unless the profile names a calibration measured on
    // that GPU; then both curves come from it and say so.
    const bool calibrated = !hw.calibration.empty();
    // The GPUs calibrate/ ran on, and the H800 (the H100's compute) and the power-capped
    // HBM2e H100 (the same chip at a lower clock) with the H100's files.
    EXPECT_EQ(calibrated, name == "h100-sxm" || name == "h200" || name == "h800-sxm" ||
                              name == "h100-hbm2e-500w");
    // Only a part run below the clock its rates were measured at says so, with a source.
    EXPECT_EQ(hw.sustained_clock_fraction < 1.0, name == "h100-hbm2e-500w");
    if (hw.sustained_clock_fraction < 1.0) {
      EXPECT_GT(hw.sustained_clock_source.size(), 20u);
    }
    EXPECT_EQ(hw.attention_efficiency.IsAssumed(), !calibrated);
    // B200's GEMM curves are published measurements (vLLM's B200 GEMM benchmarks), without a
    // calibration of its own.
    EXPECT_EQ(hw.matmul_efficiency.IsAssumed(), !calibrated && name != "b200");
    EXPECT_GE(hw.attention_efficiency.points.size(), 4u);
    // Every number names its kernel, and every profile times the backward with its own curve.
    EXPECT_FALSE(hw.attention_kernel.empty());
    EXPECT_GE(hw.attention_bwd_efficiency.points.size(), 4u);
    if (hw.kind == "gpu") {
      EXPECT_GT(hw.sm_count, 0);
    }
    if (hw.peak_fp8_flops_per_s > 0) {
      EXPECT_FALSE(hw.matmul_fp8_efficiency.points.empty());
    }
    if (hw.kind == "tpu") {
      EXPECT_EQ(hw.topology, Topology::kTorus);
      EXPECT_EQ(hw.inter_node.bw_bytes_per_s, hw.intra_node.bw_bytes_per_s);
    } else {
      EXPECT_EQ(hw.topology, Topology::kFatTree);
    }
    // The printed forms round-trip: JSON is YAML, and reads back to the same numbers.
    HardwareSpec again =
        HardwareFromYaml(LoadYamlString(HardwareToJson(hw).dump(), name + ".json"), name);
    EXPECT_EQ(again.peak_bf16_flops_per_s, hw.peak_bf16_flops_per_s);
    EXPECT_EQ(again.inter_node.bw_bytes_per_s, hw.inter_node.bw_bytes_per_s);
    EXPECT_EQ(again.intra_node.latency_source, hw.intra_node.latency_source);
    EXPECT_EQ(again.torus_shape, hw.torus_shape);
    EXPECT_EQ(again.attention_efficiency.points, hw.attention_efficiency.points);
    EXPECT_EQ(again.attention_kernel, hw.attention_kernel);
    EXPECT_EQ(again.attention_causal_efficiency.points, hw.attention_causal_efficiency.points);
    EXPECT_EQ(again.attention_causal_bwd_efficiency.points,
              hw.attention_causal_bwd_efficiency.points);
    EXPECT_EQ(again.peak_fp8_flops_per_s, hw.peak_fp8_flops_per_s);
    EXPECT_EQ(again.sm_count, hw.sm_count);
    EXPECT_NE(HardwareToText(hw).find(hw.peak_bf16_source), std::string::npos);
  }
}

/// Like for like: each GPU profile's default is the kernel people train with on it.
TEST_F(HardwareProfiles, GpuProfilesCompareTheKernelsPeopleTrainWith) {
  EXPECT_EQ(LoadHardware("a100-sxm-80g").attention_kernel, "flash-attention-2");
  for (const char* name : {"h100-sxm", "h200", "h800-sxm"}) {
    SCOPED_TRACE(name);
    HardwareSpec hw = LoadHardware(name);
    EXPECT_EQ(hw.attention_kernel, "torch-sdpa/cudnn");  // the calibration's kernel: field
    EXPECT_NE(hw.calibration.find("-torch-cudnn.yaml"), std::string::npos);
    EXPECT_EQ(hw.peak_fp8_flops_per_s, 1978.9e12);
    EXPECT_EQ(hw.sm_count, 132);
  }
  HardwareSpec b200 = LoadHardware("b200");
  EXPECT_EQ(b200.attention_kernel, "flash-attention-4");
  // Stacks that call cuDNN get cuDNN's (assumed) curve on B200, not FlashAttention-4's: the
  // FA4 authors' "up to 1.3x faster than cuDNN 9.13".
  ASSERT_EQ(b200.kernel_curves.count("cudnn"), 1u);
  EXPECT_NEAR(
      b200.attention_efficiency.At(16384) / b200.kernel_curves.at("cudnn").attention.At(16384), 1.3,
      0.01);
  EXPECT_EQ(b200.peak_fp8_flops_per_s, 4.5e15);
  EXPECT_EQ(b200.sm_count, 148);
  EXPECT_EQ(LoadHardware("a100-sxm-80g").peak_fp8_flops_per_s, 0);  // no FP8 tensor cores
  EXPECT_EQ(LoadHardware("a100-sxm-80g").sm_count, 108);
}

/// Table 2 of Liu et al. 2023 (arXiv:2310.01889): F, B and HBM exactly as printed.
TEST_F(HardwareProfiles, PaperProfilesMatchTable2) {
  struct Row {
    const char* name;
    double flops, hbm, bw;
    const char* real;
  };
  const Row rows[] = {{"paper-a100-nvlink", 312e12, 80e9, 300e9, "a100-sxm-80g"},
                      {"paper-a100-ib", 312e12, 80e9, 12.5e9, "a100-sxm-80g"},
                      {"paper-tpu-v3", 123e12, 16e9, 112e9, "tpu-v3"},
                      {"paper-tpu-v4", 275e12, 32e9, 268e9, "tpu-v4"},
                      {"paper-tpu-v5e", 196e12, 16e9, 186e9, "tpu-v5e"}};
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    HardwareSpec hw = LoadHardware(row.name);
    EXPECT_EQ(hw.peak_bf16_flops_per_s, row.flops);
    EXPECT_EQ(hw.hbm_bytes, row.hbm);
    // The ring link is the printed B: NVLink for the 8-GPU node, IB between single-GPU
    // nodes, ICI for the TPU tori.
    const LinkSpec& ring = hw.devices_per_node == 1 ? hw.inter_node : hw.intra_node;
    EXPECT_EQ(ring.bw_bytes_per_s, row.bw);
    for (const std::string& source : {hw.peak_bf16_source, hw.hbm_source, ring.bw_source}) {
      EXPECT_EQ(
          source.rfind("paper: Liu et al. 2023, Ring Attention (arXiv:2310.01889), Table 2", 0), 0u)
          << source;
    }
    // Same assumed curves as the real device, so that the calibrated minimal block can be
    // set against F/B.
    HardwareSpec real = LoadHardware(row.real);
    EXPECT_EQ(hw.attention_efficiency.points, real.attention_efficiency.points);
    EXPECT_EQ(hw.attention_efficiency.source, real.attention_efficiency.source);
    EXPECT_EQ(hw.matmul_efficiency.points, real.matmul_efficiency.points);
  }
  HardwareSpec ib = LoadHardware("paper-a100-ib");
  EXPECT_EQ(ib.devices_per_node, 1);
  EXPECT_EQ(ib.intra_node.bw_bytes_per_s, 12.5e9);
  EXPECT_EQ(LoadHardware("paper-a100-nvlink").devices_per_node, 8);
  // F/B, the paper's minimal block: 1.04K and 24.96K tokens for the two A100 rows.
  EXPECT_NEAR(312e12 / 300e9, 1040, 1e-9);
  EXPECT_NEAR(ib.peak_bf16_flops_per_s / ib.inter_node.bw_bytes_per_s, 24960, 1e-9);
}

TEST_F(HardwareProfiles, LinkBandwidthsAreUnidirectional) {
  // Datasheets give NVLink bidirectional: 600, 900, 400, 900, 1800 GB/s.
  EXPECT_EQ(LoadHardware("a100-sxm-80g").intra_node.bw_bytes_per_s, 300e9);
  EXPECT_EQ(LoadHardware("h100-sxm").intra_node.bw_bytes_per_s, 450e9);
  EXPECT_EQ(LoadHardware("h800-sxm").intra_node.bw_bytes_per_s, 200e9);
  // The A800 is the A100 with NVLink cut to 400 GB/s both ways; everything else the same.
  const HardwareSpec a800 = LoadHardware("a800-sxm-80g");
  const HardwareSpec a100 = LoadHardware("a100-sxm-80g");
  EXPECT_EQ(a800.intra_node.bw_bytes_per_s, 200e9);
  EXPECT_EQ(a800.peak_bf16_flops_per_s, a100.peak_bf16_flops_per_s);
  EXPECT_EQ(a800.hbm_bw_bytes_per_s, a100.hbm_bw_bytes_per_s);
  EXPECT_EQ(a800.inter_node.bw_bytes_per_s, a100.inter_node.bw_bytes_per_s);
  EXPECT_EQ(LoadHardware("h200").intra_node.bw_bytes_per_s, 450e9);
  EXPECT_EQ(LoadHardware("b200").intra_node.bw_bytes_per_s, 900e9);
  // Google gives v5e 400 GBps and v5p 1200 GBps bidirectional per chip over 4 and 6 links.
  EXPECT_EQ(LoadHardware("tpu-v5e").intra_node.bw_bytes_per_s, 50e9);
  EXPECT_EQ(LoadHardware("tpu-v5p").intra_node.bw_bytes_per_s, 100e9);
  EXPECT_EQ(LoadHardware("tpu-v4").torus_shape, (std::vector<int64_t>{4, 4, 4}));
  EXPECT_EQ(LoadHardware("tpu-v5e").torus_shape, (std::vector<int64_t>{16, 16}));
}

TEST_F(HardwareProfiles, JsonAndTextShowEverythingWithUnits) {
  HardwareSpec hw = LoadHardware("paper-tpu-v4");
  nlohmann::json json = HardwareToJson(hw);
  EXPECT_EQ(json["schema_version"], 1);
  EXPECT_EQ(json["device"]["peak_bf16_flops_per_s"]["value"], 275e12);
  EXPECT_EQ(json["node"]["intra_link"]["bw_bytes_per_s"]["value"], 268e9);
  EXPECT_EQ(json["fabric"]["topology"], "torus");
  EXPECT_EQ(json["fabric"]["torus_shape"], nlohmann::json({8, 8, 8}));
  EXPECT_EQ(json["efficiency"]["attention"]["points"][0], nlohmann::json({256, 0.30}));
  EXPECT_TRUE(json["calibration"].is_null());
  EXPECT_FALSE(HardwareToJson(LoadHardware("h100-sxm"))["fabric"].contains("torus_shape"));

  std::string text = HardwareToText(hw);
  for (const char* part :
       {"paper-tpu-v4 (tpu)", "275 TFLOPS", "32 GB", "1200 GB/s", "268 GB/s", "1 µs",
        "fabric: torus 8x8x8", "256:0.3", "calibration: none", "paper: Liu et al. 2023"}) {
    EXPECT_NE(text.find(part), std::string::npos) << part << "\n" << text;
  }
  EXPECT_NE(HardwareToText(LoadHardware("paper-a100-ib")).find("12.5 GB/s"), std::string::npos);
}

}  // namespace
}  // namespace ringsim
