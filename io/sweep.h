#pragma once
// Sweeps: the --vary axes, the configurations of their cartesian product in a fixed
// order, the scenario of each configuration (built by the strict loader, as --set does),
// and a small parallel loop that evaluates configurations on several threads.

#include <yaml-cpp/yaml.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "io/scenario_draft.h"
#include "sim/parallel_for.h"
#include "sim/scenario.h"

namespace ringsim {

/// One --vary option: a dotted scenario key and the values it takes.
struct VaryAxis {
  std::string key;                  ///< e.g. "workload.seq_len"
  std::vector<std::string> values;  ///< YAML scalars, in the order given
  /// Varies together with the axis before it (one --vary of several keys joined by '+', e.g.
  /// devices+workload.seq_len=8+64K,16+128K: weak scaling), taking its value at the same
  /// position instead of multiplying the configurations.
  bool zipped_with_previous = false;
};

/// Most configurations one sweep may have (a typo such as a missing comma in a list of
/// thousands of values should not start a week-long run).
inline constexpr int64_t kMaxSweepConfigs = 10'000'000;

/// Parses one --vary option, "key=v1,v2,...". A ConfigError starting "--vary TEXT:" says
/// what was expected.
VaryAxis ParseVary(const std::string& text);

/// Parses one --vary option of one key or of several joined by '+' ("k1+k2=a1+a2,b1+b2"): the
/// axes it makes, the second and later zipped with the first.
std::vector<VaryAxis> ParseVaryGroup(const std::string& text);

/// Parses every --vary option; a key given twice is a ConfigError.
std::vector<VaryAxis> ParseVaryAxes(const std::vector<std::string>& texts);

/// Configurations in the product of `axes` (1 when there are none); a ConfigError above
/// kMaxSweepConfigs.
int64_t SweepSize(const std::vector<VaryAxis>& axes);

/// The position in its value list of each axis in configuration `index` (0 <= index <
/// SweepSize): the first axis varies slowest and the last fastest, like nested loops in the
/// order given.
std::vector<size_t> SweepPositions(const std::vector<VaryAxis>& axes, int64_t index);

/// The value of each axis in configuration `index` (SweepPositions' values).
std::vector<std::string> SweepValues(const std::vector<VaryAxis>& axes, int64_t index);

/// Builds the scenario of each configuration: the scenario document, then the --set
/// overrides, then the configuration's values, read by the strict loader (so a sweep row
/// means exactly what `simulate --set key=value ...` means). Where every varied key is one
/// a draft holds whole (IsDraftKey), the document without the varied keys and each value
/// are drafted once, and a configuration overlays its values' drafts and resolves them, which
/// is what reading the whole document would give; other keys (inside a model, say) set each
/// configuration's values in a copy of the document and read it. Not thread-safe: yaml-cpp
/// nodes must not be shared between threads, so each worker makes its own builder.
class SweepScenarioBuilder {
 public:
  /// `text` is the scenario file's content and `path` its name (for errors and relative
  /// hardware paths); a YAML error is a ConfigError.
  /// `from_document` reads every configuration's document even where drafts would do (to
  /// compare the two).
  SweepScenarioBuilder(const std::string& text, const std::string& path,
                       const std::vector<std::string>& overrides, std::vector<VaryAxis> axes,
                       bool from_document = false);

  /// The scenario of configuration `index`, valid until the next Build (the builder keeps one
  /// scenario and resolves each configuration into it). An invalid combination is a
  /// ConfigError whose message names the key, with "--vary" where the value came from a
  /// --vary option.
  const Scenario& Build(int64_t index) const;

  /// Whether configurations are built from drafts (every varied key IsDraftKey).
  bool from_drafts() const { return from_drafts_; }

 private:
  /// A --vary value drafted alone, or why it cannot be.
  struct Patch {
    ScenarioDraft draft;
    KeyMarks marks;
    std::string error;
  };

  /// Both build into built_.
  void BuildFromDocument(const std::vector<std::string>& values) const;
  void BuildFromDrafts(const std::vector<size_t>& positions) const;
  /// Where `dotted_key` was written in configuration `positions`: in the --vary value that
  /// last set it or a mapping above it, else in the scenario document.
  std::string MarkIn(const std::vector<size_t>& positions, const std::string& dotted_key) const;
  /// `message` with "--vary KEY: ..." where it names a key a --vary value set.
  std::string NameVary(const std::string& message) const;

  /// The scenario document with the --set overrides applied.
  YAML::Node Document() const;

  std::string text_;
  std::string path_;
  std::vector<std::string> overrides_;
  std::vector<VaryAxis> axes_;
  bool from_drafts_ = false;
  ScenarioDraft base_;  ///< the document without the varied keys
  KeyMarks base_marks_;
  std::string base_error_;                   ///< why the document cannot be drafted, if it cannot
  std::vector<std::vector<Patch>> patches_;  ///< per axis, per value
  std::vector<DraftOverlay> overlays_;       ///< per axis
  mutable CalibratedHardwareCache hardware_;
  mutable ScenarioDraft draft_;     ///< the configuration's draft (kept for its storage)
  mutable ResolvedScenario built_;  ///< the last configuration built
  std::vector<bool> overwritten_;   ///< per axis: a later axis sets its key or one above it
};

}  // namespace ringsim
