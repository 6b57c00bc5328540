#pragma once
// HuggingFace transformers' config.json (or its keys in a scenario's `model:` mapping): the
// shape keys of the dense decoder-only families (llama, mistral, qwen2/3, gemma, phi3, ...)
// read into a ModelSpec; the rest of the file (tokens, rope, dtype) is not ringsim's and is
// ignored, except what would make the model something ringsim does not model (mixture of
// experts, sliding-window attention), which is an error.

#include <yaml-cpp/yaml.h>

#include <string>

#include "sim/model_spec.h"

namespace ringsim {

/// Whether `node` is a mapping in HuggingFace's key names (num_hidden_layers, hidden_size).
bool IsHfConfig(const YAML::Node& node);

/// The model `node` (HuggingFace keys) describes; errors name `file`:line:col and the key.
ModelSpec ModelFromHfConfig(const YAML::Node& node, const std::string& file,
                            const std::string& key);

}  // namespace ringsim
