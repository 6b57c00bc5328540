#include "io/scenario_loader.h"

#include <fmt/format.h>

#include <filesystem>

#include "io/hardware_loader.h"
#include "io/hf_config.h"
#include "io/input_file.h"
#include "io/scenario_draft.h"
#include "io/yaml_reader.h"
#include "sim/config_error.h"

namespace ringsim {

namespace {

std::vector<std::string> ModelNames() {
  std::vector<std::string> names;
  for (const ModelSpec& m : ModelPresets()) names.push_back(m.name);
  return names;
}

}  // namespace

HardwareSpec HardwareByName(const std::string& name, const std::string& where) {
  std::vector<std::string> names = ListHardware();
  if (std::find(names.begin(), names.end(), name) != names.end()) return LoadHardware(name);
  try {
    return LoadHardware(name);  // not a shipped name: its error carries the suggestion
  } catch (const ConfigError& e) {
    throw ConfigError(fmt::format("{}: {}", where, e.what()));
  }
}

YAML::Node ModelToYaml(const ModelSpec& m) {
  YAML::Node node(YAML::NodeType::Map);
  node["name"] = m.name;
  node["layers"] = m.layers;
  node["hidden"] = m.hidden;
  node["heads"] = m.heads;
  node["kv_heads"] = m.kv_heads;
  node["head_dim"] = m.head_dim;
  node["ffn_hidden"] = m.ffn_hidden;
  node["vocab"] = m.vocab;
  node["gated_ffn"] = m.gated_ffn;
  if (m.tied_embeddings) node["tied_embeddings"] = true;
  if (m.qk_norm) node["qk_norm"] = true;
  return node;
}

ModelSpec ModelByName(const std::string& name, const std::string& where) {
  const ModelSpec* preset = FindModelPreset(name);
  if (preset) return *preset;
  std::string suggestion = ClosestMatch(name, ModelNames());
  throw ConfigError(
      fmt::format("{}: unknown model '{}'{} (ringsim models shows all)", where, name,
                  suggestion.empty() ? "" : fmt::format("; did you mean '{}'?", suggestion)));
}

ModelSpec ModelByNameOrFile(const std::string& name_or_path, const std::string& where) {
  if (FindModelPreset(name_or_path) || !PathExists(name_or_path)) {
    return ModelByName(name_or_path, where);
  }
  const YAML::Node root = LoadYamlFile(name_or_path);
  if (root.IsMap() && root["model"]) {
    return ModelFromYaml(root["model"], name_or_path, "model");
  }
  return ModelFromYaml(root, name_or_path, "");
}

ModelSpec ModelFromYaml(const YAML::Node& node, const std::string& file, const std::string& key) {
  if (node.IsScalar()) {
    // A preset, or a model file (ringsim's keys or a HuggingFace config.json) beside the
    // scenario or from the working directory.
    const std::string& value = node.Scalar();
    if (!FindModelPreset(value)) {
      const std::filesystem::path beside =
          std::filesystem::path(file).parent_path() / std::filesystem::path(value);
      if (!std::filesystem::path(value).is_absolute() && PathExists(beside.string())) {
        return ModelByNameOrFile(beside.string(), MarkString(file, node) + ": " + key);
      }
    }
    return ModelByNameOrFile(value, MarkString(file, node) + ": " + key);
  }
  if (IsHfConfig(node)) return ModelFromHfConfig(node, file, key);
  YamlMap map(node, file, key);
  ModelSpec m;
  m.name = map.String("name", "custom");
  m.layers = map.PositiveInteger("layers");
  m.hidden = map.PositiveInteger("hidden");
  m.heads = map.PositiveInteger("heads");
  m.kv_heads = map.PositiveInteger("kv_heads", m.heads);
  m.head_dim = map.PositiveInteger("head_dim", m.hidden / m.heads);
  m.ffn_hidden = map.PositiveInteger("ffn_hidden");
  m.vocab = map.PositiveInteger("vocab");
  m.gated_ffn = map.Bool("gated_ffn", true);
  m.tied_embeddings = map.Bool("tied_embeddings", false);
  m.qk_norm = map.Bool("qk_norm", false);
  m.source = "scenario: " + file;
  if (m.heads % m.kv_heads != 0) {
    map.Fail("kv_heads",
             fmt::format("expected a divisor of heads ({}), got {}", m.heads, m.kv_heads));
  }
  map.Finish();
  return m;
}

Scenario ScenarioFromYaml(YAML::Node root, const std::string& file) {
  KeyMarks marks;
  const ScenarioDraft draft = DraftFromYaml(root, file, &marks);
  ScenarioIssue issue;
  Scenario s = ResolveScenario(draft, &issue);
  if (issue.ok()) issue = CheckScenario(s);
  if (!issue.ok()) {
    throw ConfigError(fmt::format("{}: {}: {}", MarkOf(marks, issue.key), issue.key, issue.what));
  }
  return s;
}

Scenario LoadScenario(const std::string& path, const std::vector<std::string>& overrides) {
  YAML::Node root = LoadYamlFile(path);
  if (!root.IsMap()) throw ConfigError(fmt::format("{}: expected a scenario mapping", path));
  for (const std::string& assignment : overrides) {
    size_t eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw ConfigError(
          fmt::format("--set {}: expected key=value, e.g. workload.seq_len=131072", assignment));
    }
    std::string key = assignment.substr(0, eq);
    // "--set model.layers=2" on a preset: start from the preset's fields, not from nothing.
    if (key.rfind("model.", 0) == 0 && root["model"] && root["model"].IsScalar()) {
      ModelSpec preset =
          ModelByName(root["model"].Scalar(), MarkString(path, root["model"]) + ": model");
      preset.name += " (modified by --set)";
      root["model"] = ModelToYaml(preset);
    }
    SetDottedKey(root, key, assignment.substr(eq + 1));
  }
  Scenario scenario = ScenarioFromYaml(root, path);
  scenario.overrides = overrides;
  return scenario;
}

}  // namespace ringsim
