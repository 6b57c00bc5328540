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
  return layers * LayerParams() + 2.0 * vocab * hidden + hidden;
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
