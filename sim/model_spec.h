#pragma once
// The transformer being trained (the application, in calculon's terms).

#include <cstdint>
#include <string>
#include <vector>

namespace ringsim {

/// A decoder-only transformer. Attention width is heads * head_dim, which may differ from
/// `hidden`; kv_heads < heads is grouped-query attention (GQA).
struct ModelSpec {
  std::string name;
  int64_t layers = 0;
  int64_t hidden = 0;
  int64_t heads = 0;
  int64_t kv_heads = 0;
  int64_t head_dim = 0;
  int64_t ffn_hidden = 0;
  int64_t vocab = 0;
  /// SwiGLU FFNs (LLaMA) have three matrices; GELU FFNs have two.
  bool gated_ffn = true;
  std::string source;
  /// The LM head shares the input embedding's matrix (one vocab x hidden matrix, not two).
  bool tied_embeddings = false;
  /// RMSNorm on each head's queries and keys before RoPE (Qwen3's q_norm and k_norm): memory
  /// the layer keeps for its backward (ImplementationSpec::qk_norm_working_tensors).
  bool qk_norm = false;

  int64_t AttentionWidth() const { return heads * head_dim; }
  int64_t KvWidth() const { return kv_heads * head_dim; }
  /// Parameters of one transformer block (projections, FFN, two norms).
  double LayerParams() const;
  /// All parameters: blocks, input embedding, output head, final norm.
  double TotalParams() const;
  /// Empty when valid; otherwise what is wrong, naming the field.
  std::string Problem() const;
};

/// Built-in presets: llama-3b, llama-7b, llama-13b, llama-30b, llama-65b, llama3-8b, llama3-70b,
/// llama3.1-8b, llama3.1-70b, llama3.1-405b, qwen3-0.6b, qwen3-1.7b, qwen3-4b, qwen3-8b,
/// qwen3-14b, qwen3-32b, mistral-7b.
const std::vector<ModelSpec>& ModelPresets();

/// The preset called `name`, or nullptr.
const ModelSpec* FindModelPreset(const std::string& name);

}  // namespace ringsim
