#include "io/scenario_draft.h"

#include <fmt/format.h>

#include <filesystem>

#include "io/hardware_loader.h"
#include "io/implementation_loader.h"
#include "io/input_file.h"
#include "io/scenario_loader.h"
#include "io/yaml_reader.h"
#include "sim/config_error.h"
#include "sim/topology.h"

namespace ringsim {

namespace {

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

// Link names are checked by the engine against its topology (with a did-you-mean).
SimGridSpec SimGridFromYaml(YamlMap map) {
  SimGridSpec spec;
  spec.mode = map.Choice("mode", {"auto", "naive", "fast"}, "auto");
  spec.embedding = map.Choice("embedding", {"topology-aware", "rank-order"}, "topology-aware");
  spec.scope = map.Choice("scope", {"ring", "cluster"}, "ring");
  spec.fabric = map.Choice("fabric", {"rail-optimised", "fat-tree"}, "rail-optimised");
  spec.placement = map.Choice("placement", {"packed", "spread"}, "packed");
  if (map.Has("oversubscription")) {
    // Whole ratios that divide a leaf's 32 down ports, so the uplinks are a whole number.
    spec.oversubscription = map.PositiveInteger("oversubscription");
    if (kLeafDownPorts % spec.oversubscription != 0) {
      map.Fail("oversubscription",
               fmt::format("expected a leaf's down ports per up port dividing its {} down ports "
                           "(1, 2, 4, 8, 16 or 32), got {}",
                           kLeafDownPorts, spec.oversubscription));
    }
  }
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

// Each key a draft holds as one value, and how to copy it from one draft to another (nullopt
// included: a key the patch does not give is then not given).
struct DraftField {
  const char* key;
  void (*copy)(ScenarioDraft& to, const ScenarioDraft& from);
};

#define RINGSIM_DRAFT_FIELD(key, member)                                               \
  DraftField {                                                                         \
    key, [](ScenarioDraft& to, const ScenarioDraft& from) { to.member = from.member; } \
  }

const DraftField kDraftFields[] = {
    RINGSIM_DRAFT_FIELD("name", name),
    RINGSIM_DRAFT_FIELD("model", model),
    RINGSIM_DRAFT_FIELD("hardware", hardware),
    RINGSIM_DRAFT_FIELD("calibration", calibration_path),
    RINGSIM_DRAFT_FIELD("kernel", kernel),
    RINGSIM_DRAFT_FIELD("implementation", implementation),
    RINGSIM_DRAFT_FIELD("devices", devices),
    RINGSIM_DRAFT_FIELD("parallel.context", context),
    RINGSIM_DRAFT_FIELD("parallel.variant", variant),
    RINGSIM_DRAFT_FIELD("parallel.ulysses", ulysses),
    RINGSIM_DRAFT_FIELD("parallel.tensor", tensor),
    RINGSIM_DRAFT_FIELD("parallel.pipeline", pipeline),
    RINGSIM_DRAFT_FIELD("parallel.virtual_stages", virtual_stages),
    RINGSIM_DRAFT_FIELD("parallel.window", window),
    RINGSIM_DRAFT_FIELD("parallel.fsdp", fsdp),
    RINGSIM_DRAFT_FIELD("parallel.zero", zero),
    RINGSIM_DRAFT_FIELD("parallel.sequence_parallel", sequence_parallel),
    RINGSIM_DRAFT_FIELD("parallel.tp_comm_overlap", tp_comm_overlap),
    RINGSIM_DRAFT_FIELD("workload", has_workload),
    RINGSIM_DRAFT_FIELD("workload.seq_len", seq_len),
    RINGSIM_DRAFT_FIELD("workload.batch", batch),
    RINGSIM_DRAFT_FIELD("workload.micro_batches", micro_batches),
    RINGSIM_DRAFT_FIELD("workload.causal", causal),
    RINGSIM_DRAFT_FIELD("workload.precision", precision),
    RINGSIM_DRAFT_FIELD("workload.scope", scope),
    RINGSIM_DRAFT_FIELD("workload.pass", pass),
    RINGSIM_DRAFT_FIELD("workload.checkpointing", checkpointing),
    RINGSIM_DRAFT_FIELD("workload.loss", loss),
    RINGSIM_DRAFT_FIELD("workload.offload", offload),
    RINGSIM_DRAFT_FIELD("workload.loss_chunk_tokens", loss_chunk_tokens),
    RINGSIM_DRAFT_FIELD("simgrid", simgrid),
    RINGSIM_DRAFT_FIELD("block", block_tokens),
};

#undef RINGSIM_DRAFT_FIELD

// Where `node` and every mapping key under it were written, as "path.key".
void RecordMarks(const YAML::Node& node, const std::string& file, const std::string& path,
                 KeyMarks* marks) {
  (*marks)[path] = MarkString(file, node);
  if (!node.IsMap()) return;
  for (const auto& item : node) {
    if (!item.first.IsScalar()) continue;  // the reader refuses such keys
    RecordMarks(item.second, file,
                path.empty() ? item.first.Scalar() : path + "." + item.first.Scalar(), marks);
  }
}

}  // namespace

ScenarioDraft DraftFromYaml(YAML::Node root, const std::string& file, KeyMarks* marks) {
  if (marks) RecordMarks(root, file, "", marks);
  YamlMap top(root, file, "");

  ScenarioDraft d;
  d.file = file;
  if (top.Has("name")) d.name = top.String("name");
  if (top.Has("model")) d.model = ModelFromYaml(top.Node("model"), file, "model");
  if (top.Has("hardware")) {
    d.hardware = std::make_shared<const HardwareSpec>(
        HardwareFromScenario(top.Node("hardware"), file, top.Where("hardware")));
  }
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
    d.calibration_path = path;
  }
  if (top.Has("kernel")) {
    d.kernel = top.String("kernel");
    if (d.kernel->empty()) {
      top.Fail("kernel", "expected an attention kernel's name, e.g. flash-attention-2");
    }
  }
  if (top.Has("implementation")) {
    d.implementation = std::make_shared<const ImplementationSpec>(
        LoadImplementation(top.String("implementation"), top.Where("implementation")));
  }
  if (top.Has("devices")) d.devices = top.PositiveInteger("devices");

  if (top.Has("parallel")) {
    YamlMap par = top.Map("parallel");
    if (par.Has("context")) d.context = par.PositiveInteger("context");
    if (par.Has("variant")) {
      d.variant = VariantFromName(par.Choice("variant", {"ring", "striped", "zigzag"}));
    }
    if (par.Has("ulysses")) d.ulysses = par.PositiveInteger("ulysses");
    if (par.Has("tensor")) d.tensor = par.PositiveInteger("tensor");
    if (par.Has("pipeline")) d.pipeline = par.PositiveInteger("pipeline");
    if (par.Has("virtual_stages")) d.virtual_stages = par.PositiveInteger("virtual_stages");
    if (par.Has("window")) d.window = par.PositiveInteger("window");
    if (par.Has("fsdp")) d.fsdp = par.PositiveInteger("fsdp");
    if (par.Has("zero")) d.zero = std::stoll(par.Choice("zero", {"1", "2", "3"}));
    if (par.Has("sequence_parallel")) {
      d.sequence_parallel = par.Bool("sequence_parallel", false);
    }
    if (par.Has("tp_comm_overlap")) d.tp_comm_overlap = par.Bool("tp_comm_overlap", false);
    par.Finish();
  }

  if (top.Has("workload")) {
    d.has_workload = true;
    YamlMap work = top.Map("workload");
    if (work.Has("seq_len")) d.seq_len = work.Tokens("seq_len");
    if (work.Has("batch")) d.batch = work.PositiveInteger("batch");
    if (work.Has("micro_batches")) d.micro_batches = work.PositiveInteger("micro_batches");
    if (work.Has("causal")) d.causal = work.Bool("causal", true);
    if (work.Has("precision")) {
      Precision precision = Precision::kBf16;
      ParsePrecision(work.Choice("precision", {"bf16", "fp32", "fp8"}), &precision);
      d.precision = precision;
    }
    if (work.Has("scope")) {
      d.scope = work.Choice<Scope>(
          "scope",
          {{"attention", Scope::kAttention}, {"layer", Scope::kLayer}, {"model", Scope::kModel}});
    }
    if (work.Has("pass")) {
      d.pass =
          work.Choice<Pass>("pass", {{"fwd", Pass::kForward}, {"fwd_bwd", Pass::kForwardBackward}});
    }
    if (work.Has("checkpointing")) {
      d.checkpointing = work.Choice<Checkpointing>("checkpointing",
                                                   {{"none", Checkpointing::kNone},
                                                    {"selective", Checkpointing::kSelective},
                                                    {"selective-op", Checkpointing::kSelectiveOp},
                                                    {"full", Checkpointing::kFull}});
    }
    if (work.Has("loss")) {
      d.loss = work.Choice<Loss>("loss", {{"full", Loss::kFull}, {"chunked", Loss::kChunked}});
    }
    if (work.Has("offload")) {
      d.offload = work.Choice<Offload>("offload", {{"none", Offload::kNone},
                                                   {"activations", Offload::kActivations},
                                                   {"optimizer", Offload::kOptimizer},
                                                   {"activations+optimizer", Offload::kBoth}});
    }
    if (work.Has("loss_chunk_tokens")) d.loss_chunk_tokens = work.Tokens("loss_chunk_tokens");
    work.Finish();
  }

  if (top.Has("simgrid")) d.simgrid = SimGridFromYaml(top.Map("simgrid"));
  if (top.Has("block")) {
    YAML::Node block = top.Node("block");
    d.block_tokens = block.IsScalar() && block.Scalar() == "auto" ? 0 : top.Tokens("block");
  }
  top.Finish();
  return d;
}

bool KeyAtOrUnder(const std::string& key, const std::string& prefix) {
  return key.size() >= prefix.size() && key.compare(0, prefix.size(), prefix) == 0 &&
         (key.size() == prefix.size() || key[prefix.size()] == '.');
}

bool IsDraftKey(const std::string& dotted_key) {
  if (dotted_key == "parallel") return true;
  for (const DraftField& field : kDraftFields) {
    if (dotted_key == field.key) return true;
  }
  return false;
}

DraftOverlay::DraftOverlay(const std::string& dotted_key) {
  for (const DraftField& field : kDraftFields) {
    if (KeyAtOrUnder(field.key, dotted_key)) copies_.push_back(field.copy);
  }
}

void DraftOverlay::Apply(ScenarioDraft& draft, const ScenarioDraft& patch) const {
  for (const auto& copy : copies_) copy(draft, patch);
}

const HardwareSpec& CalibratedHardwareCache::Get(
    const std::shared_ptr<const HardwareSpec>& hardware, const std::string& path) {
  const auto key = std::make_pair(hardware.get(), path);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    HardwareSpec calibrated = *hardware;
    UseCalibration(calibrated, path);
    it = entries_.emplace(key, Entry{hardware, std::move(calibrated)}).first;
  }
  return it->second.calibrated;
}

std::string MarkOf(const KeyMarks& marks, const std::string& dotted_key) {
  std::string key = dotted_key;
  while (true) {
    auto it = marks.find(key);
    if (it != marks.end()) return it->second;
    if (key.empty()) return "";
    const size_t dot = key.rfind('.');
    key = dot == std::string::npos ? "" : key.substr(0, dot);
  }
}

Scenario ResolveScenario(const ScenarioDraft& d, ScenarioIssue* issue,
                         CalibratedHardwareCache* cache) {
  ResolvedScenario resolved;
  ResolveScenario(d, issue, cache, resolved);
  return std::move(resolved.scenario);
}

void ResolveScenario(const ScenarioDraft& d, ScenarioIssue* issue, CalibratedHardwareCache* cache,
                     ResolvedScenario& into) {
  *issue = {};
  auto missing = [&](const char* key) { *issue = {key, "missing required key"}; };
  // Every field is set (or reset to its default) here: `into` may hold another scenario.
  Scenario& s = into.scenario;
  s.file = d.file;
  s.name = d.name ? *d.name : std::filesystem::path(d.file).stem().string();
  s.overrides.clear();
  if (!d.model) return missing("model");
  s.model = *d.model;
  if (!d.hardware) return missing("hardware");
  if (!into.implementation_known || into.implementation != d.implementation) {
    s.implementation = d.implementation ? *d.implementation : ImplementationSpec{};
    into.implementation = d.implementation;
    into.implementation_known = true;
  }
  // An explicit `calibration:`; else the kernel `kernel:` names or the implementation calls,
  // where this hardware has it measured, else its assumed curves where the profile gives them;
  // else the profile's own curves.
  if (d.kernel && d.calibration_path) {
    *issue = {"kernel",
              "kernel and calibration both choose the attention curves: give one (kernel names a "
              "kernel the hardware profile knows, calibration a file)"};
    return;
  }
  std::string calibration = d.calibration_path.value_or("");
  std::string assumed_kernel;
  const HardwareSpec& profile = *d.hardware;
  const std::string wanted =
      d.kernel ? *d.kernel : (d.implementation ? s.implementation.kernel : std::string());
  if (!wanted.empty() && !d.calibration_path) {
    const KernelChoice choice = ChooseKernel(profile, wanted);
    calibration = choice.calibration;
    assumed_kernel = choice.assumed;
    if (calibration.empty() && assumed_kernel.empty() && d.kernel) {
      const std::string problem = KernelProblem(profile, wanted);
      if (!problem.empty()) {
        *issue = {"kernel", problem};
        return;
      }
    }
  }
  if (into.hardware_profile != d.hardware || into.calibration != calibration ||
      into.assumed_kernel != assumed_kernel) {
    into.hardware_profile = nullptr;  // until the copy below is whole
    if (calibration.empty()) {
      s.hardware = *d.hardware;
      if (!assumed_kernel.empty()) UseAssumedKernel(s.hardware, assumed_kernel);
    } else if (cache) {
      s.hardware = cache->Get(d.hardware, calibration);
    } else {
      s.hardware = *d.hardware;
      UseCalibration(s.hardware, calibration);
    }
    into.hardware_profile = d.hardware;
    into.calibration = calibration;
    into.assumed_kernel = assumed_kernel;
  }
  if (!d.devices) return missing("devices");
  s.devices = *d.devices;

  ParallelSpec& p = s.parallel;
  p = ParallelSpec{};
  p.context = d.context.value_or(s.devices);
  if (d.variant) p.variant = *d.variant;
  p.ulysses = d.ulysses.value_or(1);
  p.tensor = d.tensor.value_or(1);
  p.pipeline = d.pipeline.value_or(1);
  p.virtual_stages = d.virtual_stages.value_or(1);
  p.window = d.window.value_or(0);
  // FSDP shards within a pipeline stage: by default over all of a stage's devices.
  p.fsdp = d.fsdp.value_or(std::max<int64_t>(1, s.devices / p.pipeline));
  p.zero = d.zero.value_or(3);
  p.sequence_parallel = d.sequence_parallel.value_or(false);
  p.tp_comm_overlap = d.tp_comm_overlap.value_or(false);

  if (!d.has_workload) return missing("workload");
  if (!d.seq_len) return missing("workload.seq_len");
  WorkloadSpec& w = s.workload;
  w = WorkloadSpec{};
  w.seq_len = *d.seq_len;
  w.batch = d.batch.value_or(1);
  w.micro_batches = d.micro_batches.value_or(1);
  w.causal = d.causal.value_or(true);
  if (d.precision) w.precision = *d.precision;
  if (d.scope) w.scope = *d.scope;
  if (d.pass) w.pass = *d.pass;
  if (d.checkpointing) w.checkpointing = *d.checkpointing;
  if (d.loss) w.loss = *d.loss;
  if (d.offload) w.offload = *d.offload;
  if (d.loss_chunk_tokens) {
    if (w.loss != Loss::kChunked) {
      *issue = {"workload.loss_chunk_tokens", "only with loss: chunked"};
      return;
    }
    w.loss_chunk_tokens = *d.loss_chunk_tokens;
  }
  s.simgrid = d.simgrid ? *d.simgrid : SimGridSpec{};
  s.kernel_block_tokens = d.block_tokens.value_or(0);

  ApplyImplementationLayout(s);
}

ScenarioIssue CheckScenario(const Scenario& s) {
  ScenarioIssue issue = ScenarioProblem(s);
  if (!issue.ok() && s.implementation.comm == CommPattern::kAllToAll &&
      issue.key == "parallel.ulysses") {
    issue.what += fmt::format(" (implementation '{}' runs the context degree as Ulysses)",
                              s.implementation.name);
  }
  return issue;
}

}  // namespace ringsim
