#include "sim/model_spec.h"

#include <fmt/format.h>

namespace ringsim {

double ModelSpec::LayerParams() const {
  double attention = static_cast<double>(hidden) * (AttentionWidth() + 2 * KvWidth()) +
                     static_cast<double>(AttentionWidth()) * hidden;
  double ffn = static_cast<double>(gated_ffn ? 3 : 2) * hidden * ffn_hidden;
  double norms = 2.0 * hidden;
  return attention + ffn + norms;
}

double ModelSpec::TotalParams() const {
  return layers * LayerParams() + (tied_embeddings ? 1.0 : 2.0) * vocab * hidden + hidden;
}

std::string ModelSpec::Problem() const {
  if (layers < 1) return "layers must be >= 1";
  if (hidden < 1) return "hidden must be >= 1";
  if (heads < 1) return "heads must be >= 1";
  if (kv_heads < 1) return "kv_heads must be >= 1";
  if (head_dim < 1) return "head_dim must be >= 1";
  if (ffn_hidden < 1) return "ffn_hidden must be >= 1";
  if (vocab < 1) return "vocab must be >= 1";
  if (heads % kv_heads != 0) {
    return fmt::format("kv_heads ({}) must divide heads ({})", kv_heads, heads);
  }
  return "";
}

const std::vector<ModelSpec>& ModelPresets() {
  // LLaMA 1 shapes from Touvron et al. 2023 (Table 2) and the released configs; the 3B is
  // OpenLLaMA-3B, the 3B model the Ring Attention paper trains. Llama 3 from Meta's configs.
  static const std::vector<ModelSpec> presets = {
      {"llama-3b", 26, 3200, 32, 32, 100, 8640, 32000, true,
       "paper: OpenLLaMA 3B config (Ring Attention paper's 3B)"},
      {"llama-7b", 32, 4096, 32, 32, 128, 11008, 32000, true,
       "paper: LLaMA 7B, Touvron et al. 2023, Table 2"},
      {"llama-13b", 40, 5120, 40, 40, 128, 13824, 32000, true,
       "paper: LLaMA 13B, Touvron et al. 2023, Table 2"},
      {"llama-30b", 60, 6656, 52, 52, 128, 17920, 32000, true,
       "paper: LLaMA 33B, Touvron et al. 2023, Table 2"},
      {"llama-65b", 80, 8192, 64, 64, 128, 22016, 32000, true,
       "paper: LLaMA 65B, Touvron et al. 2023, Table 2"},
      {"llama3-8b", 32, 4096, 32, 8, 128, 14336, 128256, true,
       "datasheet: Meta Llama 3 8B config.json (GQA, 8 KV heads)"},
      {"llama3-70b", 80, 8192, 64, 8, 128, 28672, 128256, true,
       "datasheet: Meta Llama 3 70B config.json (GQA, 8 KV heads)"},
      // Llama 3.1 keeps Llama 3's shapes (its configs differ in rope scaling, which ringsim
      // does not model); 405B from meta-llama/Llama-3.1-405B config.json.
      {"llama3.1-8b", 32, 4096, 32, 8, 128, 14336, 128256, true,
       "datasheet: meta-llama/Llama-3.1-8B config.json"},
      {"llama3.1-70b", 80, 8192, 64, 8, 128, 28672, 128256, true,
       "datasheet: meta-llama/Llama-3.1-70B config.json"},
      {"llama3.1-405b", 126, 16384, 128, 8, 128, 53248, 128256, true,
       "datasheet: meta-llama/Llama-3.1-405B config.json (126 layers, 128/8 heads)"},
      // Qwen3 dense models: head_dim 128 set explicitly (not hidden / heads), embeddings tied
      // up to 4B and untied from 8B up, q_norm and k_norm in every attention
      // (transformers models/qwen3/modeling_qwen3.py Qwen3Attention).
      {"qwen3-0.6b", 28, 1024, 16, 8, 128, 3072, 151936, true,
       "datasheet: Qwen/Qwen3-0.6B config.json (tie_word_embeddings true)", true, true},
      {"qwen3-1.7b", 28, 2048, 16, 8, 128, 6144, 151936, true,
       "datasheet: Qwen/Qwen3-1.7B config.json (tie_word_embeddings true)", true, true},
      {"qwen3-4b", 36, 2560, 32, 8, 128, 9728, 151936, true,
       "datasheet: Qwen/Qwen3-4B config.json (tie_word_embeddings true)", true, true},
      {"qwen3-14b", 40, 5120, 40, 8, 128, 17408, 151936, true,
       "datasheet: Qwen/Qwen3-14B config.json", false, true},
      {"qwen3-8b", 36, 4096, 32, 8, 128, 12288, 151936, true,
       "datasheet: Qwen/Qwen3-8B config.json", false, true},
      {"qwen3-32b", 64, 5120, 64, 8, 128, 25600, 151936, true,
       "datasheet: Qwen/Qwen3-32B config.json", false, true},
      {"mistral-7b", 32, 4096, 32, 8, 128, 14336, 32768, true,
       "datasheet: mistralai/Mistral-7B-v0.3 config.json (no sliding window)"},
  };
  return presets;
}

const ModelSpec* FindModelPreset(const std::string& name) {
  for (const ModelSpec& preset : ModelPresets()) {
    if (preset.name == name) return &preset;
  }
  return nullptr;
}

}  // namespace ringsim
