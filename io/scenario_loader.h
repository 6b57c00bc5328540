#pragma once
// Reads scenario YAML (README.md "Scenario files") strictly, applies --set overrides, and
// checks the relations between keys, so that engines only ever see valid scenarios.

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "sim/scenario.h"

namespace ringsim {

/// Loads `path` and applies `overrides` ("workload.seq_len=131072") before reading.
/// Every problem is a ConfigError naming file:line:col and the key.
Scenario LoadScenario(const std::string& path, const std::vector<std::string>& overrides = {});

/// Reads a scenario document already in memory; `file` names it in errors and resolves
/// relative hardware paths.
Scenario ScenarioFromYaml(YAML::Node root, const std::string& file);

/// A model preset name or an inline mapping {layers, hidden, heads, kv_heads, head_dim,
/// ffn_hidden, vocab[, gated_ffn]}.
ModelSpec ModelFromYaml(const YAML::Node& node, const std::string& file, const std::string& key);

/// A model as the inline mapping ModelFromYaml reads.
YAML::Node ModelToYaml(const ModelSpec& model);

/// The shipped profile called `name` (or a profile path), or a ConfigError naming `where`.
HardwareSpec HardwareByName(const std::string& name, const std::string& where);

/// The preset called `name`, or a ConfigError with a did-you-mean naming `where`.
ModelSpec ModelByName(const std::string& name, const std::string& where);

/// A preset name, or a YAML file holding a model: the inline mapping ModelFromYaml reads, at
/// the top level or under a `model:` key (a scenario file's model). For the commands' --model.
ModelSpec ModelByNameOrFile(const std::string& name_or_path, const std::string& where);

}  // namespace ringsim
