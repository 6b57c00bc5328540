#include "io/hf_config.h"

#include <fmt/format.h>

#include <filesystem>

#include "io/yaml_reader.h"

namespace ringsim {

namespace {

// Families whose MLP is gated (gate, up and down projections: SwiGLU / GeGLU), by model_type.
bool GatedFamily(const std::string& model_type) {
  static const char* const gated[] = {
      "llama",  "mistral", "mixtral",     "qwen2",       "qwen3", "gemma",
      "gemma2", "gemma3",  "gemma3_text", "phi3",        "olmo",  "olmo2",
      "cohere", "granite", "internlm2",   "deepseek_v2", "yi"};
  for (const char* name : gated) {
    if (model_type == name) return true;
  }
  return false;
}

// Families whose attention normalises each head's queries and keys (q_norm, k_norm) before RoPE.
bool QkNormFamily(const std::string& model_type) {
  return model_type == "qwen3" || model_type == "qwen3_moe";
}

bool Absent(const YAML::Node& node) { return !node || node.IsNull(); }

}  // namespace

bool IsHfConfig(const YAML::Node& node) {
  return node.IsMap() && (node["num_hidden_layers"] || node["hidden_size"]);
}

ModelSpec ModelFromHfConfig(const YAML::Node& node, const std::string& file,
                            const std::string& key) {
  YamlMap map(node, file, key);
  ModelSpec m;
  const std::string model_type = map.String("model_type", "");
  // A MoE's FFN is many experts of which each token uses a few: not a dense FFN.
  for (const char* experts : {"num_local_experts", "num_experts", "n_routed_experts"}) {
    if (map.Has(experts) && !Absent(node[experts]) && map.Number(experts) > 1) {
      map.Fail(experts, "a mixture-of-experts model; ringsim models dense FFNs only");
    }
  }
  // Sliding-window attention visits a window of keys, not the causal prefix.
  if (map.Has("sliding_window") && !Absent(node["sliding_window"]) &&
      !(map.Has("use_sliding_window") && !map.Bool("use_sliding_window", true))) {
    map.Fail("sliding_window",
             "sliding-window attention is not modelled (ringsim attends to the whole causal "
             "prefix); set it to null or use_sliding_window: false for full attention");
  }
  const std::filesystem::path path(file);
  // HuggingFace checkouts are named by their folder (Qwen3-4B/config.json); other files by stem.
  const std::string from_path = path.filename() == "config.json" && path.has_parent_path()
                                    ? path.parent_path().filename().string()
                                    : path.stem().string();
  m.name = map.String("_name_or_path", from_path);
  m.layers = map.PositiveInteger("num_hidden_layers");
  m.hidden = map.PositiveInteger("hidden_size");
  m.heads = map.PositiveInteger("num_attention_heads");
  m.kv_heads = map.Has("num_key_value_heads") && !Absent(node["num_key_value_heads"])
                   ? map.PositiveInteger("num_key_value_heads")
                   : m.heads;
  m.head_dim = map.Has("head_dim") && !Absent(node["head_dim"]) ? map.PositiveInteger("head_dim")
                                                                : m.hidden / m.heads;
  m.ffn_hidden = map.PositiveInteger("intermediate_size");
  m.vocab = map.PositiveInteger("vocab_size");
  const std::string act = map.String("hidden_act", "");
  m.gated_ffn = GatedFamily(model_type) || act == "silu" || act == "swiglu";
  m.tied_embeddings = map.Bool("tie_word_embeddings", false);
  m.qk_norm = QkNormFamily(model_type);
  m.source = fmt::format("HuggingFace config: {}", file);
  if (m.heads % m.kv_heads != 0) {
    map.Fail("num_key_value_heads", fmt::format("expected a divisor of num_attention_heads ({}), "
                                                "got {}",
                                                m.heads, m.kv_heads));
  }
  return m;
}

}  // namespace ringsim
