#pragma once
// What `ringsim report` reads: the output of `ringsim simulate --format json` (one object, an
// array of them, or {"results": [...]}) or `ringsim sweep --format json`, checked against the
// fields README.md "Usage" lists; the scenario file each result came from, re-loaded and matched to
// it; and the timeline, from a Perfetto trace or from the result's phases.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/report_charts.h"
#include "sim/scenario.h"

namespace ringsim {

/// The results of `path`, each checked to carry every field of the contract. A sweep's entry
/// becomes its result with the varied keys as "sweep_vary" ("key=value" overrides); a failed
/// configuration becomes {"sweep_error": ...} (see IsFailedResult).
std::vector<nlohmann::json> ReadReportResults(const std::string& path);

/// True for a sweep configuration that failed (it has no result to chart).
bool IsFailedResult(const nlohmann::json& result);

/// Where the scenario of a result comes from, and the scenario.
struct ScenarioSource {
  Scenario scenario;
  std::string file;
  std::vector<std::string> overrides;
};

/// The scenario `result` was simulated from: `scenario_file` with `overrides` when given,
/// else the result's scenario_file (or scenarios/NAME.yaml) with its recorded overrides; a
/// sweep's varied keys on top. A ConfigError (prefixed by `where`) when the loaded scenario
/// does not match the result's model, hardware, devices, ring, sequence, scope or pass.
ScenarioSource LoadResultScenario(const nlohmann::json& result, const std::string& scenario_file,
                                  const std::vector<std::string>& overrides,
                                  const std::string& where);

/// The timeline from a Perfetto/Chrome trace file: one row per device track, the earliest
/// slices only when there are very many.
TimelineData ReadTraceTimeline(const std::string& path);

/// Without a trace: one layer's phases on the slowest device, end to end, one row per kind.
TimelineData PhaseTimeline(const nlohmann::json& result);

/// The whole file as text; a ConfigError naming `what` when it cannot be read.
std::string ReadReportFile(const std::string& path, const std::string& what);

}  // namespace ringsim
