#pragma once
// A scenario as written, before the keys that depend on each other are settled. Reading a
// scenario is two steps: DraftFromYaml reads every key the document gives into its typed
// value with the strict readers (so a bad value is found there), and ResolveScenario applies
// what needs several keys: required keys, defaults taken from other keys (context = devices,
// fsdp = devices / pipeline, the implementation's kernel calibration) and the relations
// between keys. ScenarioFromYaml is the two in a row; a sweep drafts the scenario and each
// --vary value once, and per configuration overlays the values' drafts and resolves.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/scenario.h"
#include "sim/schedule.h"

namespace ringsim {

/// Every scenario key the document gives, typed; nullopt where it gives none.
struct ScenarioDraft {
  std::string file;  ///< names the scenario in errors and anchors relative paths
  std::optional<std::string> name;
  std::optional<ModelSpec> model;
  std::shared_ptr<const HardwareSpec> hardware;  ///< null: not given
  std::optional<std::string> calibration_path;   ///< resolved to an existing file
  /// The attention kernel the run uses, by name (NVTE_FUSED_ATTN=0 makes Transformer Engine
  /// call flash-attn, say), in place of the one its implementation calls.
  std::optional<std::string> kernel;
  std::shared_ptr<const ImplementationSpec> implementation;  ///< null: not given
  std::optional<int64_t> devices;

  std::optional<int64_t> context, ulysses, tensor, pipeline, virtual_stages, window, fsdp, zero;
  std::optional<RingVariant> variant;
  std::optional<bool> sequence_parallel;
  std::optional<bool> tp_comm_overlap;

  bool has_workload = false;  ///< the `workload:` mapping is there (it is required)
  std::optional<int64_t> seq_len, batch, micro_batches, loss_chunk_tokens;
  std::optional<bool> causal;
  std::optional<Precision> precision;
  std::optional<Scope> scope;
  std::optional<Pass> pass;
  std::optional<Checkpointing> checkpointing;
  std::optional<Loss> loss;
  std::optional<Offload> offload;

  std::optional<SimGridSpec> simgrid;
  std::optional<int64_t> block_tokens;  ///< `block:`; "auto" is 0
};

/// Where each key of a document was written ("file:line:col", or "--set" for command-line
/// values), by dotted key ("" is the document itself), for ResolveScenario's errors.
using KeyMarks = std::map<std::string, std::string>;

/// Reads `root` into a draft; a value that is not what its key takes, or a key ringsim does
/// not know, is a ConfigError naming file:line:col and the key. `marks` (when given) receives
/// where each key was written.
ScenarioDraft DraftFromYaml(YAML::Node root, const std::string& file, KeyMarks* marks = nullptr);

/// `key` is the dotted key `prefix` or lies under it ("parallel.context" under "parallel").
bool KeyAtOrUnder(const std::string& key, const std::string& prefix);

/// True for the dotted keys a draft holds as one value each ("devices", "workload",
/// "parallel.variant", "model", "hardware", ...): the keys a DraftOverlay can replace. Keys inside
/// a model, a hardware mapping or `simgrid:` are not among them.
bool IsDraftKey(const std::string& dotted_key);

/// Replaces in a draft every value at or under one dotted key (an IsDraftKey) with another
/// draft's, as setting that key in the document would: "parallel" replaces the whole mapping.
class DraftOverlay {
 public:
  explicit DraftOverlay(const std::string& dotted_key);
  void Apply(ScenarioDraft& draft, const ScenarioDraft& patch) const;

 private:
  std::vector<void (*)(ScenarioDraft&, const ScenarioDraft&)> copies_;
};

/// Hardware profiles with a calibration applied, kept by profile and calibration file, for a
/// caller that resolves many drafts sharing their profiles (a sweep). Not thread-safe.
class CalibratedHardwareCache {
 public:
  /// `hardware` with the calibration at `path` (UseCalibration).
  const HardwareSpec& Get(const std::shared_ptr<const HardwareSpec>& hardware,
                          const std::string& path);

 private:
  struct Entry {
    std::shared_ptr<const HardwareSpec> profile;  ///< keeps the key's address in use
    HardwareSpec calibrated;
  };
  std::map<std::pair<const HardwareSpec*, std::string>, Entry> entries_;
};

/// A scenario that ResolveScenario resolves in place, again and again, and what its largest
/// parts were copied from: resolving many drafts that share their hardware profile,
/// calibration and implementation (a sweep's configurations) copies each only when it
/// changes, and reuses the scenario's storage. It holds the profile and the implementation it
/// compares against, so nothing it points to can be freed and reused under it.
struct ResolvedScenario {
  Scenario scenario;
  /// The profile and calibration behind scenario.hardware (null: unknown, copy anew).
  std::shared_ptr<const HardwareSpec> hardware_profile;
  std::string calibration;
  /// The profile's assumed kernel curves in use (kernels.<name>), "" for none.
  std::string assumed_kernel;
  /// The implementation behind scenario.implementation (null with implementation_known: the
  /// built-in default).
  std::shared_ptr<const ImplementationSpec> implementation;
  bool implementation_known = false;

  /// Forgets where the parts came from (after `scenario` was replaced wholesale).
  void Forget() {
    hardware_profile = nullptr;
    implementation = nullptr;
    implementation_known = false;
  }
};

/// The scenario `draft` describes, as the loader reads it key by key. A missing required key,
/// or a key given without the one it needs (loss_chunk_tokens without chunked loss), leaves
/// it unfinished and says which key and why in `issue` (the caller names where the key was
/// written); a calibration file that cannot be used is a ConfigError. Relations between keys
/// that need the whole scenario are CheckScenario's.
/// `cache` (optional) keeps calibrated profiles between calls.
Scenario ResolveScenario(const ScenarioDraft& draft, ScenarioIssue* issue,
                         CalibratedHardwareCache* cache = nullptr);
/// The same, into `into` (which gives what the other form returns, whatever it held before).
void ResolveScenario(const ScenarioDraft& draft, ScenarioIssue* issue,
                     CalibratedHardwareCache* cache, ResolvedScenario& into);

/// ScenarioProblem, saying where an implementation moved the context degree to Ulysses.
ScenarioIssue CheckScenario(const Scenario& scenario);

/// "file:line:col" of the deepest written key along `dotted_key` (the key itself, its
/// mapping, ..., the document), as errors about the key name it.
std::string MarkOf(const KeyMarks& marks, const std::string& dotted_key);

}  // namespace ringsim
