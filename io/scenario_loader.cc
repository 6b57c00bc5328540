#include "io/scenario_loader.h"

#include <fmt/format.h>

#include <filesystem>

#include "io/hardware_loader.h"
#include "io/hf_config.h"
#include "io/implementation_loader.h"
#include "io/input_file.h"
#include "io/yaml_reader.h"
#include "sim/config_error.h"
#include "sim/schedule.h"
#include "sim/topology.h"

namespace ringsim {

namespace {

std::vector<std::string> ModelNames() {
  std::vector<std::string> names;
  for (const ModelSpec& m : ModelPresets()) names.push_back(m.name);
  return names;
}

HardwareSpec HardwareFromScenario(const YAML::Node& node, const std::string& file,
                                  const std::string& where) {
  if (node.IsMap()) return HardwareFromYaml(node, file);
  if (!node.IsScalar()) {
    throw ConfigError(where + ": expected a hardware profile name, a path or a mapping");
  }
  std::string value = node.Scalar();
  bool is_path = value.find('/') != std::string::npos ||
                 (value.size() > 5 && value.substr(value.size() - 5) == ".yaml");
  if (is_path) {
    std::filesystem::path path(value);
    if (path.is_relative()) path = std::filesystem::path(file).parent_path() / path;
    if (!PathExists(path.string())) {
      throw ConfigError(
          fmt::format("{}: hardware profile file '{}' does not exist", where, path.string()));
    }
    if (!IsRegularFile(path.string())) {
      throw ConfigError(fmt::format("{}: '{}' is not a regular file (a folder, device or pipe)",
                                    where, path.string()));
    }
    return LoadHardware(path.string());
  }
  return HardwareByName(value, where);
}

RingVariant VariantFromName(const std::string& name) {
  if (name == "striped") return RingVariant::kStriped;
  if (name == "zigzag") return RingVariant::kZigzag;
  return RingVariant::kRing;
}

// The node a dotted key refers to, for pointing at the line of a cross-key problem.
YAML::Node FindNode(YAML::Node root, const std::string& dotted) {
  YAML::Node node = root;
  size_t begin = 0;
  while (begin <= dotted.size()) {
    size_t end = dotted.find('.', begin);
    std::string part =
        dotted.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
    if (!node.IsMap() || !node[part]) return node;
    node = node[part];
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  return node;
}

// Link names are checked by the engine against its topology (with a did-you-mean).
SimGridSpec SimGridFromYaml(YamlMap map) {
  SimGridSpec spec;
  spec.mode = map.Choice("mode", {"auto", "naive", "fast"}, "auto");
  spec.embedding = map.Choice("embedding", {"topology-aware", "rank-order"}, "topology-aware");
  if (map.Has("rank_speed")) {
    YamlMap speeds = map.Map("rank_speed");
    for (const auto& item : map.Node("rank_speed")) {
      std::string key = speeds.KeyName(item.first);
      DeviceGroup group;
      if (!key.empty() && key.size() <= 9 &&
          key.find_first_not_of("0123456789") == std::string::npos) {
        spec.rank_speed[std::stoll(key)] = speeds.PositiveNumber(key);
      } else if (ParseDeviceGroup(key, &group) && group.kind != DeviceGroup::kRail) {
        spec.device_speed[key] = speeds.PositiveNumber(key);
      } else {
        speeds.Fail(key, fmt::format("expected a ring rank (a whole number >= 0), gpuN (the rank "
                                     "on device N) or nodeN (every rank on node N), got '{}'",
                                     key));
      }
    }
    speeds.Finish();
  }
  if (map.Has("link_bw_factor")) {
    YamlMap factors = map.Map("link_bw_factor");
    for (const auto& item : map.Node("link_bw_factor")) {
      std::string key = factors.KeyName(item.first);
      spec.link_bw_factor[key] = factors.PositiveNumber(key);
    }
    factors.Finish();
  }
  if (map.Has("failed_links")) {
    YAML::Node list = map.Node("failed_links");
    if (!list.IsSequence()) map.Fail("failed_links", "expected a list of link names");
    for (const YAML::Node& item : list) {
      if (!item.IsScalar()) {
        throw ConfigError(fmt::format("{}: simgrid.failed_links: expected a link name, got {}",
                                      MarkString(map.file(), item), DescribeNode(item)));
      }
      spec.failed_links.push_back(item.Scalar());
    }
  }
  map.Finish();
  return spec;
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
  m.source = "scenario: " + file;
  if (m.heads % m.kv_heads != 0) {
    map.Fail("kv_heads",
             fmt::format("expected a divisor of heads ({}), got {}", m.heads, m.kv_heads));
  }
  map.Finish();
  return m;
}

Scenario ScenarioFromYaml(YAML::Node root, const std::string& file) {
  YamlMap top(root, file, "");
  Scenario s;
  s.file = file;
  s.name = top.String("name", std::filesystem::path(file).stem().string());
  s.model = ModelFromYaml(top.Node("model"), file, "model");
  s.hardware = HardwareFromScenario(top.Node("hardware"), file, top.Where("hardware"));
  // Another kernel's calibration for this hardware (PyTorch SDPA's, say) than its profile's.
  if (top.Has("calibration")) {
    const std::string value = top.String("calibration");
    const std::string path =
        ResolveCalibration(value, std::filesystem::path(file).parent_path().string());
    if (path.empty()) {
      top.Fail("calibration",
               fmt::format("no calibration file '{}' (looked beside the scenario and in {})", value,
                           HardwareDir()));
    }
    UseCalibration(s.hardware, path);
  }
  if (top.Has("implementation")) {
    s.implementation =
        LoadImplementation(top.String("implementation"), top.Where("implementation"));
    // The kernel the implementation calls, where this hardware has it measured (an explicit
    // `calibration:` wins).
    const auto kernel = s.hardware.kernel_calibrations.find(s.implementation.kernel);
    if (!top.Has("calibration") && kernel != s.hardware.kernel_calibrations.end()) {
      UseCalibration(s.hardware, kernel->second);
    }
  }
  s.devices = top.PositiveInteger("devices");

  if (top.Has("parallel")) {
    YamlMap par = top.Map("parallel");
    s.parallel.context = par.PositiveInteger("context", s.devices);
    s.parallel.variant =
        VariantFromName(par.Choice("variant", {"ring", "striped", "zigzag"}, "ring"));
    s.parallel.ulysses = par.PositiveInteger("ulysses", 1);
    s.parallel.tensor = par.PositiveInteger("tensor", 1);
    s.parallel.pipeline = par.PositiveInteger("pipeline", 1);
    s.parallel.virtual_stages = par.PositiveInteger("virtual_stages", 1);
    s.parallel.window = par.Has("window") ? par.PositiveInteger("window") : 0;
    // FSDP shards within a pipeline stage: by default over all of a stage's devices.
    s.parallel.fsdp = par.PositiveInteger(
        "fsdp", std::max<int64_t>(1, s.devices / std::max<int64_t>(1, s.parallel.pipeline)));
    s.parallel.zero = std::stoll(par.Choice("zero", {"1", "2", "3"}, "3"));
    s.parallel.sequence_parallel = par.Bool("sequence_parallel", false);
    par.Finish();
  } else {
    s.parallel.context = s.devices;
    s.parallel.fsdp = s.devices;
  }

  YamlMap work = top.Map("workload");
  s.workload.seq_len = work.Tokens("seq_len");
  s.workload.batch = work.PositiveInteger("batch", 1);
  s.workload.micro_batches = work.PositiveInteger("micro_batches", 1);
  s.workload.causal = work.Bool("causal", true);
  ParsePrecision(work.Choice("precision", {"bf16", "fp32", "fp8"}, "bf16"), &s.workload.precision);
  std::string scope = work.Choice("scope", {"attention", "layer", "model"}, "model");
  s.workload.scope = scope == "attention" ? Scope::kAttention
                     : scope == "layer"   ? Scope::kLayer
                                          : Scope::kModel;
  s.workload.pass = work.Choice("pass", {"fwd", "fwd_bwd"}, "fwd_bwd") == "fwd"
                        ? Pass::kForward
                        : Pass::kForwardBackward;
  const std::string checkpointing =
      work.Choice("checkpointing", {"none", "selective", "full"}, "full");
  s.workload.checkpointing = checkpointing == "none"        ? Checkpointing::kNone
                             : checkpointing == "selective" ? Checkpointing::kSelective
                                                            : Checkpointing::kFull;
  s.workload.loss =
      work.Choice("loss", {"full", "chunked"}, "full") == "chunked" ? Loss::kChunked : Loss::kFull;
  const std::string offload =
      work.Choice("offload", {"none", "activations", "optimizer", "activations+optimizer"}, "none");
  s.workload.offload = offload == "activations"             ? Offload::kActivations
                       : offload == "optimizer"             ? Offload::kOptimizer
                       : offload == "activations+optimizer" ? Offload::kBoth
                                                            : Offload::kNone;
  if (work.Has("loss_chunk_tokens")) {
    if (s.workload.loss != Loss::kChunked) {
      work.Fail("loss_chunk_tokens", "only with loss: chunked");
    }
    s.workload.loss_chunk_tokens = work.Tokens("loss_chunk_tokens");
  }
  work.Finish();

  if (top.Has("simgrid")) s.simgrid = SimGridFromYaml(top.Map("simgrid"));
  if (top.Has("block")) {
    YAML::Node block = top.Node("block");
    if (!(block.IsScalar() && block.Scalar() == "auto"))
      s.kernel_block_tokens = top.Tokens("block");
  }
  top.Finish();

  ApplyImplementationLayout(s);
  ScenarioIssue issue = ScenarioProblem(s);
  if (!issue.ok()) {
    if (s.implementation.comm == CommPattern::kAllToAll && issue.key == "parallel.ulysses") {
      issue.what += fmt::format(" (implementation '{}' runs the context degree as Ulysses)",
                                s.implementation.name);
    }
    throw ConfigError(fmt::format("{}: {}: {}", MarkString(file, FindNode(root, issue.key)),
                                  issue.key, issue.what));
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
