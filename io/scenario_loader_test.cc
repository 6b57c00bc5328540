#include "io/scenario_loader.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "io/hardware_loader.h"
#include "io/yaml_reader.h"
#include "sim/config_error.h"

namespace ringsim {
namespace {

std::string ErrorOf(const std::string& text) {
  try {
    ScenarioFromYaml(LoadYamlString(text, "S"), "S");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

const char* kInline =
    R"(model: {layers: 2, hidden: 256, heads: 4, kv_heads: 2, ffn_hidden: 1024, vocab: 1000}
hardware: paper-a100-nvlink
devices: 4
workload: {seq_len: 4096, causal: false}
)";

TEST(ScenarioLoader, InlineModelAndDefaults) {
  Scenario s = ScenarioFromYaml(LoadYamlString(kInline, "S"), "S");
  EXPECT_EQ(s.model.head_dim, 64);  // hidden / heads when not given
  EXPECT_EQ(s.model.kv_heads, 2);
  EXPECT_EQ(s.parallel.context, 4);
  EXPECT_EQ(s.parallel.fsdp, 4);
  EXPECT_EQ(s.parallel.variant, RingVariant::kRing);
  EXPECT_EQ(s.workload.precision, Precision::kBf16);
  EXPECT_EQ(s.workload.scope, Scope::kModel);
  EXPECT_FALSE(s.workload.causal);
  EXPECT_EQ(s.KernelBlockTokens(), 1024);
  EXPECT_EQ(s.hardware.name, "paper-a100-nvlink");
}

TEST(ScenarioLoader, OverridesApplyBeforeChecks) {
  YAML::Node root = LoadYamlString(kInline, "S");
  SetDottedKey(root, "workload.seq_len", "8192");
  SetDottedKey(root, "parallel.variant", "zigzag");
  Scenario s = ScenarioFromYaml(root, "S");
  EXPECT_EQ(s.workload.seq_len, 8192);
  EXPECT_EQ(s.parallel.variant, RingVariant::kZigzag);
}

TEST(ScenarioLoader, LossAndCheckpointingLevers) {
  Scenario plain = ScenarioFromYaml(LoadYamlString(kInline, "S"), "S");
  EXPECT_EQ(plain.workload.loss, Loss::kFull);
  EXPECT_EQ(plain.workload.checkpointing, Checkpointing::kFull);
  YAML::Node root = LoadYamlString(kInline, "S");
  SetDottedKey(root, "workload.loss", "chunked");
  SetDottedKey(root, "workload.loss_chunk_tokens", "2048");
  SetDottedKey(root, "workload.checkpointing", "selective");
  Scenario s = ScenarioFromYaml(root, "S");
  EXPECT_EQ(s.workload.loss, Loss::kChunked);
  EXPECT_EQ(s.workload.loss_chunk_tokens, 2048);
  EXPECT_EQ(s.workload.checkpointing, Checkpointing::kSelective);
  EXPECT_STREQ(LossName(s.workload.loss), "chunked");
  EXPECT_STREQ(CheckpointingName(s.workload.checkpointing), "selective");
  const std::string work = "workload: {seq_len: 4096, causal: false}\n";
  const std::string base = std::string(kInline).substr(0, std::string(kInline).find(work));
  EXPECT_EQ(ErrorOf(base + "workload: {seq_len: 4096, loss_chunk_tokens: 512}\n"),
            "S:4:46: workload.loss_chunk_tokens: only with loss: chunked");
  EXPECT_EQ(ErrorOf(base + "workload: {seq_len: 4096, loss: fused}\n"),
            "S:4:33: workload.loss: expected one of full, chunked, got 'fused'");
}

TEST(ScenarioLoader, OffloadNeedsTheProfilesHost) {
  YAML::Node root = LoadYamlString(kInline, "S");
  SetDottedKey(root, "hardware", "h100-sxm");
  SetDottedKey(root, "workload.offload", "activations+optimizer");
  EXPECT_EQ(ScenarioFromYaml(root, "S").workload.offload, Offload::kBoth);
  EXPECT_STREQ(OffloadName(Offload::kBoth), "activations+optimizer");
  const std::string work = "workload: {seq_len: 4096, causal: false}\n";
  const std::string base = std::string(kInline).substr(0, std::string(kInline).find(work));
  EXPECT_EQ(ErrorOf(base + "workload: {seq_len: 4096, offload: activations}\n"),
            "S:4:36: workload.offload: offload needs the node's host: hardware "
            "'paper-a100-nvlink' gives no node.host_memory_bytes, host_memory_bw_bytes_per_s and "
            "host_link");
}

TEST(ScenarioLoader, ModelByNameOrFile) {
  EXPECT_EQ(ModelByNameOrFile("llama-7b", "--model").hidden, 4096);
  // A scenario file's model, and a file holding the mapping alone.
  const std::string scenario =
      std::string(RINGSIM_DATA_DIR) + "/scenarios/llama7b-8xa100-256k.yaml";
  EXPECT_EQ(ModelByNameOrFile(scenario, "--model").layers, 32);
  const std::string path = ::testing::TempDir() + "ringsim-model.yaml";
  {
    std::ofstream out(path);
    out << "{name: tiny, layers: 2, hidden: 256, heads: 4, ffn_hidden: 1024, vocab: 1000}\n";
  }
  const ModelSpec tiny = ModelByNameOrFile(path, "--model");
  EXPECT_EQ(tiny.name, "tiny");
  EXPECT_EQ(tiny.head_dim, 64);
  {
    std::ofstream out(path);
    out << "{name: tiny, layers: 2, hidden: 256}\n";
  }
  try {
    ModelByNameOrFile(path, "--model");
    ADD_FAILURE() << "expected an error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(path + ":1:1: heads:"), std::string::npos) << e.what();
  }
  std::remove(path.c_str());
}

TEST(ScenarioLoader, SetOnAPresetModelStartsFromThePreset) {
  std::string path = std::string(RINGSIM_DATA_DIR) + "/scenarios/llama7b-8xa100-256k.yaml";
  Scenario s = LoadScenario(path, {"model.layers=2"});
  EXPECT_EQ(s.model.layers, 2);
  EXPECT_EQ(s.model.hidden, 4096);
  EXPECT_EQ(s.model.ffn_hidden, 11008);
  EXPECT_EQ(s.model.name, "llama-7b (modified by --set)");
  EXPECT_EQ(s.overrides, std::vector<std::string>{"model.layers=2"});
}

TEST(ScenarioLoader, SimGridSection) {
  Scenario s = ScenarioFromYaml(
      LoadYamlString(std::string(kInline) +
                         "simgrid: {mode: naive, rank_speed: {3: 0.8, gpu9: 0.7, node2: 0.9}, "
                         "link_bw_factor: "
                         "{'ib:gpu1': 0.5}, failed_links: [nvl:gpu2]}\n",
                     "S"),
      "S");
  EXPECT_EQ(s.simgrid.mode, "naive");
  EXPECT_DOUBLE_EQ(s.simgrid.rank_speed.at(3), 0.8);
  EXPECT_EQ(s.simgrid.rank_speed.size(), 1u);
  EXPECT_DOUBLE_EQ(s.simgrid.device_speed.at("gpu9"), 0.7);
  EXPECT_DOUBLE_EQ(s.simgrid.device_speed.at("node2"), 0.9);
  EXPECT_DOUBLE_EQ(s.simgrid.link_bw_factor.at("ib:gpu1"), 0.5);
  EXPECT_EQ(s.simgrid.failed_links, std::vector<std::string>{"nvl:gpu2"});
  EXPECT_EQ(ErrorOf(std::string(kInline) + "simgrid: {rank_speed: {x: 0.8}}\n"),
            "S:5:27: simgrid.rank_speed.x: expected a ring rank (a whole number >= 0), gpuN (the "
            "rank on device N) or nodeN (every rank on node N), got 'x'");
  EXPECT_EQ(ErrorOf(std::string(kInline) + "simgrid: {rank_speed: {gpu: 0.8}}\n"),
            "S:5:29: simgrid.rank_speed.gpu: expected a ring rank (a whole number >= 0), gpuN (the "
            "rank on device N) or nodeN (every rank on node N), got 'gpu'");
  EXPECT_EQ(ErrorOf(std::string(kInline) + "simgrid: {mode: slow}\n"),
            "S:5:17: simgrid.mode: expected one of auto, naive, fast, got 'slow'");
  EXPECT_EQ(s.simgrid.scope, "ring");
  EXPECT_EQ(s.simgrid.fabric, "rail-optimised");
  EXPECT_EQ(s.simgrid.oversubscription, 1);
  EXPECT_EQ(s.simgrid.placement, "packed");
  Scenario cluster = ScenarioFromYaml(
      LoadYamlString(std::string(kInline) +
                         "simgrid: {scope: cluster, fabric: fat-tree, oversubscription: 4, "
                         "placement: spread}\n",
                     "S"),
      "S");
  EXPECT_EQ(cluster.simgrid.scope, "cluster");
  EXPECT_EQ(cluster.simgrid.fabric, "fat-tree");
  EXPECT_EQ(cluster.simgrid.oversubscription, 4);
  EXPECT_EQ(cluster.simgrid.placement, "spread");
  EXPECT_EQ(ErrorOf(std::string(kInline) + "simgrid: {oversubscription: 3}\n"),
            "S:5:29: simgrid.oversubscription: expected a leaf's down ports per up port dividing "
            "its 32 down ports (1, 2, 4, 8, 16 or 32), got 3");
  EXPECT_EQ(ErrorOf(std::string(kInline) + "simgrid: {scope: world}\n"),
            "S:5:18: simgrid.scope: expected one of ring, cluster, got 'world'");
}

TEST(ScenarioLoader, CalibrationReplacesTheProfiles) {
  // The h100-sxm profile's default calibration: PyTorch SDPA's cuDNN kernel, measured.
  Scenario s = ScenarioFromYaml(
      LoadYamlString(
          "model: llama-7b\nhardware: h100-sxm\ndevices: 8\nworkload: {seq_len: 65536}\n", "S"),
      "S");
  EXPECT_EQ(s.hardware.calibration, HardwareDir() + "/calibrations/h100-sxm-torch-cudnn.yaml");
  EXPECT_NE(s.hardware.attention_efficiency.source.find("torch-sdpa/cudnn"), std::string::npos);
  EXPECT_EQ(s.hardware.attention_kernel, "torch-sdpa/cudnn");
  // The file's cuDNN forward at c = 4096 (non-causal, head dim 128): 6.771993e14 FLOP/s.
  EXPECT_NEAR(s.hardware.attention_efficiency.At(4096) * s.hardware.peak_bf16_flops_per_s,
              6.771993e14, 1e3);
  EXPECT_EQ(s.hardware.AttentionBackwardEfficiency().source,
            s.hardware.attention_efficiency.source);
  // A scenario's `calibration:` replaces it: ringsim's own kernel, measured the same day.
  const std::string text =
      "model: llama-7b\nhardware: h100-sxm\ndevices: 8\nworkload: {seq_len: 65536}\n"
      "calibration: calibrations/h100-sxm.yaml\n";
  Scenario own = ScenarioFromYaml(LoadYamlString(text, "S"), "S");
  EXPECT_EQ(own.hardware.calibration, HardwareDir() + "/calibrations/h100-sxm.yaml");
  EXPECT_NE(own.hardware.attention_efficiency.source.find("ringsim-blockwise"), std::string::npos);
  EXPECT_EQ(own.hardware.attention_kernel, "ringsim-blockwise/wgmma_pipe");
  EXPECT_EQ(ErrorOf(std::string(kInline) + "calibration: nope.yaml\n"),
            "S:5:14: calibration: no calibration file 'nope.yaml' (looked beside the scenario and "
            "in " +
                HardwareDir() + ")");
}

TEST(ScenarioLoader, ImplementationsGetTheirKernelsAssumedCurves) {
  // B200 has no calibration: its own curve is FlashAttention-4's (assumed). Transformer
  // Engine calls cuDNN, which the profile gives as assumed curves of its own; ring-flash-attn
  // calls FlashAttention-2, which the profile does not know: FA4's curve stands in.
  const std::string base =
      "model: llama3-8b\nhardware: b200\ndevices: 8\nworkload: {seq_len: 65536}\n";
  Scenario te =
      ScenarioFromYaml(LoadYamlString(base + "implementation: transformer-engine\n", "S"), "S");
  const HardwareSpec b200 = LoadHardware("b200");
  EXPECT_EQ(te.hardware.attention_kernel, "cudnn");
  EXPECT_TRUE(te.hardware.calibration.empty());
  EXPECT_DOUBLE_EQ(te.hardware.attention_efficiency.At(8192),
                   b200.kernel_curves.at("cudnn").attention.At(8192));
  EXPECT_DOUBLE_EQ(te.hardware.AttentionBackwardEfficiency().At(8192),
                   b200.kernel_curves.at("cudnn").attention_bwd.At(8192));
  Scenario rfa =
      ScenarioFromYaml(LoadYamlString(base + "implementation: ring-flash-attn\n", "S"), "S");
  EXPECT_EQ(rfa.hardware.attention_kernel, "flash-attention-4");
  EXPECT_DOUBLE_EQ(rfa.hardware.attention_efficiency.At(8192), b200.attention_efficiency.At(8192));
  // The same cuDNN curve is 1/1.3 of FA4's at long blocks: attention-only, the step takes
  // longer by about that factor.
  EXPECT_LT(te.hardware.attention_efficiency.At(16384),
            rfa.hardware.attention_efficiency.At(16384));
}

TEST(ScenarioLoader, KernelChoosesTheAttentionKernelByName) {
  // Transformer Engine calls cuDNN; with NVTE_FUSED_ATTN=0 it calls flash-attn instead.
  const std::string base =
      "model: llama-7b\nhardware: h100-sxm\ndevices: 8\nworkload: {seq_len: 65536}\n"
      "implementation: transformer-engine\n";
  Scenario te = ScenarioFromYaml(LoadYamlString(base, "S"), "S");
  EXPECT_EQ(te.hardware.attention_kernel, "torch-sdpa/cudnn");
  Scenario flash = ScenarioFromYaml(LoadYamlString(base + "kernel: flash-attention-2\n", "S"), "S");
  EXPECT_EQ(flash.hardware.attention_kernel, "torch-sdpa/flash");
  EXPECT_EQ(flash.hardware.calibration, HardwareDir() + "/calibrations/h100-sxm-torch-flash.yaml");
  // Without an implementation too; the profile's own kernel by its own name changes nothing.
  Scenario a100 =
      ScenarioFromYaml(LoadYamlString("model: llama-7b\nhardware: a100-sxm-80g\ndevices: 8\n"
                                      "workload: {seq_len: 65536}\nkernel: flash-attention-2\n",
                                      "S"),
                       "S");
  EXPECT_EQ(a100.hardware.attention_kernel, "flash-attention-2");
  EXPECT_TRUE(a100.hardware.calibration.empty());
  // On B200, cuDNN is assumed curves of the profile.
  Scenario b200 = ScenarioFromYaml(LoadYamlString("model: llama3-8b\nhardware: b200\ndevices: 8\n"
                                                  "workload: {seq_len: 65536}\nkernel: cudnn\n",
                                                  "S"),
                                   "S");
  EXPECT_EQ(b200.hardware.attention_kernel, "cudnn");

  EXPECT_EQ(ErrorOf(std::string(kInline) + "kernel: flash-attention-3\n"),
            "S:5:9: kernel: hardware 'paper-a100-nvlink' has no attention kernel "
            "'flash-attention-3' (it knows: flash-attention-2)");
  EXPECT_EQ(ErrorOf(std::string(kInline) + "kernel: \"\"\n"),
            "S:5:9: kernel: expected an attention kernel's name, e.g. flash-attention-2");
  const std::string both = ErrorOf(
      "model: llama-7b\nhardware: h100-sxm\ndevices: 8\nworkload: {seq_len: 65536}\n"
      "kernel: cudnn\ncalibration: calibrations/h100-sxm.yaml\n");
  EXPECT_NE(both.find("kernel: kernel and calibration both choose the attention curves"),
            std::string::npos)
      << both;
}

TEST(ScenarioLoader, AllToAllImplementationsRunTheContextAsUlysses) {
  // kInline: 4 heads, 2 KV heads, 4 devices (context 4 by default).
  Scenario s = ScenarioFromYaml(
      LoadYamlString(std::string(kInline) + "implementation: transformer-engine-a2a\n"
                                            "parallel: {context: 2, ulysses: 1}\n",
                     "S"),
      "S");
  EXPECT_EQ(s.parallel.context, 1);
  EXPECT_EQ(s.parallel.ulysses, 2);
  // Four-way all-to-all cannot split 2 KV heads: the error says why the Ulysses degree is 4.
  const std::string error =
      ErrorOf(std::string(kInline) + "implementation: transformer-engine-a2a\n");
  EXPECT_NE(error.find("parallel.ulysses: ulysses x tensor = 4 x 1 = 4 must divide heads (4) and "
                       "kv_heads (2)"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("(implementation 'transformer-engine-a2a' runs the context degree as "
                       "Ulysses)"),
            std::string::npos)
      << error;
}

TEST(ScenarioLoader, SingleDeviceImplementationsRefuseARing) {
  EXPECT_NE(ErrorOf(std::string(kInline) + "implementation: flash-attn\n")
                .find("parallel.context: implementation 'flash-attn' runs one device's own tokens "
                      "(communication: none), so parallel.context must be 1, got 4"),
            std::string::npos);
  Scenario one = ScenarioFromYaml(
      LoadYamlString(std::string(kInline) + "implementation: flash-attn\nparallel: {context: 1}\n",
                     "S"),
      "S");
  EXPECT_EQ(one.parallel.context, 1);
}

TEST(ScenarioLoader, ErrorsNameLineColumnAndKey) {
  EXPECT_EQ(ErrorOf(std::string(kInline) + "blok: 4\n"),
            "S:5:1: blok: unknown key 'blok'; did you mean 'block'?");
  EXPECT_EQ(ErrorOf(std::string(kInline) + "block: 5000\n"),
            "S:5:8: block: 5000 exceeds the tokens per device (1024 = seq_len / context)");
  EXPECT_EQ(ErrorOf("model: llama-7b\nhardware: paper-a100-nvlink\ndevices: 8\n"
                    "workload: {seq_len: 1024, precision: fp16}\n"),
            "S:4:38: workload.precision: expected one of bf16, fp32, fp8, got 'fp16'; did you mean "
            "'bf16'?");
  EXPECT_EQ(ErrorOf("model: {layers: 2, hidden: 256, heads: 4, kv_heads: 3, ffn_hidden: 8, "
                    "vocab: 9}\nhardware: paper-a100-nvlink\ndevices: 1\nworkload: {seq_len: 8}\n"),
            "S:1:53: model.kv_heads: expected a divisor of heads (4), got 3");
  EXPECT_EQ(ErrorOf("model: llama-7b\nhardware: ./nope.yaml\ndevices: 1\nworkload: {seq_len: 8}\n"),
            "S:2:11: hardware: hardware profile file './nope.yaml' does not exist");
  EXPECT_EQ(ErrorOf("- a\n- b\n"), "S:1:1: expected a mapping of keys, got a list");
}

}  // namespace
}  // namespace ringsim
