#include "io/hf_config.h"

#include <gtest/gtest.h>

#include "io/scenario_loader.h"
#include "io/yaml_reader.h"
#include "sim/config_error.h"

namespace ringsim {
namespace {

// The shape keys of Qwen/Qwen3-4B's config.json, with some of the keys ringsim ignores.
const char* kQwen3_4b = R"({
  "architectures": ["Qwen3ForCausalLM"], "head_dim": 128, "hidden_act": "silu",
  "hidden_size": 2560, "intermediate_size": 9728, "model_type": "qwen3",
  "num_attention_heads": 32, "num_hidden_layers": 36, "num_key_value_heads": 8,
  "rope_scaling": null, "rope_theta": 1000000, "sliding_window": null,
  "tie_word_embeddings": true, "use_sliding_window": false, "vocab_size": 151936})";

std::string ErrorOf(const std::string& json) {
  try {
    ModelFromHfConfig(LoadYamlString(json, "config.json"), "config.json", "");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(HfConfig, ReadsTheShapeOfADenseModel) {
  const YAML::Node node = LoadYamlString(kQwen3_4b, "config.json");
  ASSERT_TRUE(IsHfConfig(node));
  const ModelSpec m = ModelFromHfConfig(node, "models/qwen3-4b/config.json", "");
  EXPECT_EQ(m.name, "qwen3-4b");  // the folder, as HuggingFace names checkouts
  EXPECT_EQ(m.layers, 36);
  EXPECT_EQ(m.hidden, 2560);
  EXPECT_EQ(m.heads, 32);
  EXPECT_EQ(m.kv_heads, 8);
  EXPECT_EQ(m.head_dim, 128);  // given: not hidden / heads = 80
  EXPECT_EQ(m.ffn_hidden, 9728);
  EXPECT_EQ(m.vocab, 151936);
  EXPECT_TRUE(m.gated_ffn);
  EXPECT_TRUE(m.tied_embeddings);
  EXPECT_TRUE(m.qk_norm);  // model_type qwen3: q_norm and k_norm
  // Tied: one 151936 x 2560 matrix. Per layer: q and o 2560 x 4096 each (20,971,520), k and v
  // 2560 x 1024 each (5,242,880), the FFN 3 x 2560 x 9728 (74,711,040), 2 norms (5120):
  // 100,930,560; all 36 layers, the embedding and the final norm: 4,022,458,880 (Qwen3-4B).
  EXPECT_DOUBLE_EQ(m.LayerParams(), 100930560.0);
  EXPECT_DOUBLE_EQ(m.TotalParams(), 4022458880.0);
}

TEST(HfConfig, DefaultsAndFamilies) {
  const ModelSpec m = ModelFromHfConfig(
      LoadYamlString(R"({"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
                         "intermediate_size": 3072, "vocab_size": 50257, "hidden_act": "gelu",
                         "model_type": "bert"})",
                     "c"),
      "c", "");
  EXPECT_EQ(m.kv_heads, 12);  // no num_key_value_heads: multi-head attention
  EXPECT_EQ(m.head_dim, 64);  // hidden / heads
  EXPECT_FALSE(m.gated_ffn);
  EXPECT_FALSE(m.tied_embeddings);
  EXPECT_FALSE(m.qk_norm);
}

TEST(HfConfig, RefusesWhatItDoesNotModel) {
  EXPECT_NE(ErrorOf(R"({"hidden_size": 4096, "num_hidden_layers": 32, "num_attention_heads": 32,
                        "intermediate_size": 14336, "vocab_size": 32000,
                        "num_local_experts": 8})")
                .find("num_local_experts: a mixture-of-experts model"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"hidden_size": 4096, "num_hidden_layers": 32, "num_attention_heads": 32,
                        "intermediate_size": 14336, "vocab_size": 32000,
                        "sliding_window": 4096})")
                .find("sliding_window: sliding-window attention is not modelled"),
            std::string::npos);
  // A window that is switched off is fine.
  EXPECT_EQ(ErrorOf(R"({"hidden_size": 4096, "num_hidden_layers": 32, "num_attention_heads": 32,
                        "intermediate_size": 14336, "vocab_size": 32000,
                        "sliding_window": 4096, "use_sliding_window": false})"),
            "");
  EXPECT_NE(ErrorOf(R"({"hidden_size": 4096, "num_hidden_layers": 32,
                        "intermediate_size": 14336, "vocab_size": 32000})")
                .find("num_attention_heads: missing required key"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"hidden_size": 4096, "num_hidden_layers": 32, "num_attention_heads": 32,
                        "num_key_value_heads": 5, "intermediate_size": 14336,
                        "vocab_size": 32000})")
                .find("num_key_value_heads: expected a divisor"),
            std::string::npos);
}

TEST(HfConfig, AScenarioTakesTheKeysInline) {
  // HuggingFace keys inline in a scenario (a path to a config.json: tests/cli_test.py).
  const Scenario s =
      ScenarioFromYaml(LoadYamlString(R"(model: {num_hidden_layers: 2, hidden_size: 256,
  num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 1024, vocab_size: 1000}
hardware: paper-a100-nvlink
devices: 4
workload: {seq_len: 4096}
)",
                                      "S"),
                       "S");
  EXPECT_EQ(s.model.kv_heads, 2);
  EXPECT_EQ(s.model.ffn_hidden, 1024);
}

}  // namespace
}  // namespace ringsim
