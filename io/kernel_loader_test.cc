// Kernel files: the shipped ones load and say what the code does; bad ones fail on one line.

#include "io/kernel_loader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "io/hardware_loader.h"
#include "io/yaml_reader.h"
#include "sim/config_error.h"

namespace ringsim {
namespace {

TEST(KernelLoader, FlashAttention2AsItsLaunchTemplatesCutIt) {
  // PyTorch's SDPA flash backend is the same code under another name.
  for (const std::string name : {"flash-attention-2", "torch-sdpa/flash"}) {
    const KernelTiling t = FindKernelTiling(name);
    ASSERT_TRUE(t.Known()) << name;
    EXPECT_EQ(t.forward.grid_tile_tokens, 128);  // kBlockM of the forward, one CTA per 128 queries
    EXPECT_TRUE(t.forward.grid_over_query);
    EXPECT_EQ(t.forward.inner_tile_tokens, 64);
    EXPECT_EQ(t.backward.grid_tile_tokens, 128);  // kBlockN of the backward, one CTA per 128 keys
    EXPECT_FALSE(t.backward.grid_over_query);
    EXPECT_EQ(t.backward.inner_tile_tokens, 64);
    EXPECT_NE(t.source.find("flash_fwd_launch_template.h"), std::string::npos);
  }
  EXPECT_FALSE(FindKernelTiling("flash-attention-4").Known());
}

TEST(KernelLoader, CudnnAsItsMeasuredStaircaseCutsIt) {
  // Closed source: read off its wave quantisation on an H200 (kernels/cudnn.yaml).
  for (const std::string name : {"cudnn", "torch-sdpa/cudnn"}) {
    const KernelTiling t = FindKernelTiling(name);
    ASSERT_TRUE(t.Known()) << name;
    EXPECT_EQ(t.forward.grid_tile_tokens, 128);
    EXPECT_TRUE(t.forward.grid_over_query);
    EXPECT_EQ(t.backward.grid_tile_tokens, 128);
    EXPECT_FALSE(t.backward.grid_over_query);
    EXPECT_NE(t.source.find("2026-11-30-h200-surface"), std::string::npos);
  }
}

TEST(KernelLoader, ProfilesAndCalibrationsAttachTheirKernelsTiling) {
  // The A100's assumed FA2 curve, from the FA2 paper's benchmark: 16 heads, 16k tokens in all.
  const HardwareSpec a100 = LoadHardware("a100-sxm-80g");
  EXPECT_EQ(a100.attention_tiling.name, "flash-attention-2");
  EXPECT_EQ(a100.ReferenceHeadsXBatch(8192), 32);
  EXPECT_EQ(a100.ReferenceHeadsXBatch(16384), 16);
  // H100 with PyTorch's flash calibration: 32 heads, batch 1 at every length.
  HardwareSpec h100 = LoadHardware("h100-sxm");
  UseCalibration(h100, h100.kernel_calibrations.at("flash-attention-2"));
  EXPECT_EQ(h100.attention_kernel, "torch-sdpa/flash");
  EXPECT_EQ(h100.attention_tiling.name, "flash-attention-2");
  EXPECT_EQ(h100.ReferenceHeadsXBatch(8192), 32);
  EXPECT_NE(WaveQuantisationText(h100).find("132 SMs"), std::string::npos);
  UseCalibration(h100, h100.kernel_calibrations.at("cudnn"));
  EXPECT_EQ(h100.attention_tiling.name, "cudnn");
  // FlashAttention-4 has no kernels/ file: the B200's curve rate stands, and the profile says so.
  const HardwareSpec b200 = LoadHardware("b200");
  EXPECT_FALSE(b200.attention_tiling.Known());
  EXPECT_NE(WaveQuantisationText(b200).find("not modelled"), std::string::npos);
}

TEST(KernelLoader, BadFileNamesFileLineAndKey) {
  const char* text = R"(schema_version: 1
name: k
names: [k]
read: ["x@y/z"]
forward:
  grid_over: rows
  grid_tile_tokens: {value: 128, source: "derived: t"}
  inner_tile_tokens: {value: 64, source: "derived: t"}
backward:
  grid_over: key
  grid_tile_tokens: {value: 128, source: "derived: t"}
  inner_tile_tokens: {value: 64, source: "derived: t"}
)";
  std::vector<std::string> names;
  try {
    KernelTilingFromYaml(LoadYamlString(text, "k.yaml"), "k.yaml", &names);
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("k.yaml:6:"), std::string::npos) << what;
    EXPECT_NE(what.find("forward.grid_over"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace ringsim
