#pragma once
// Evaluates a scenario (engine + memory model + overlap check) into one result, and
// renders it as JSON (the DESIGN.md contract), CSV or text. Shared by simulate and sweep.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim/estimate.h"
#include "sim/memory_model.h"
#include "sim/overlap.h"
#include "sim/scenario.h"

namespace ringsim {

struct OverlapVerdict {
  int64_t block_tokens = 0;         ///< tokens each device sends per ring step
  double min_block_paper = 0;       ///< F*p*h_kv/(2*h*B) with the peak F
  double min_block_calibrated = 0;  ///< fixed point with the achieved rate
  double step_compute_s = 0;        ///< busiest device's largest forward step
  double step_comm_s = 0;           ///< slowest hop's forward transfer
  bool comm_hidden = true;
};

struct ScenarioResult {
  Estimate estimate;
  MemoryBreakdown memory;
  OverlapVerdict overlap;
  std::string trace_json;  ///< only when asked for
  /// Engine-specific detail (SimGrid: embedding, per-device and per-link figures).
  nlohmann::json engine_details = nlohmann::json::object();
};

/// The overlap condition's inputs for a scenario: its peak, curve, element size, widths and
/// the slowest link its ring crosses.
OverlapInputs ScenarioOverlapInputs(const Scenario& scenario);

/// Runs `engine` ("analytical" or "simgrid") on a valid scenario.
ScenarioResult EvaluateScenario(const Scenario& scenario, const std::string& engine,
                                bool with_trace);

/// Every term of the breakdown in bytes, plus capacity and the verdict.
nlohmann::json MemoryToJson(const MemoryBreakdown& memory);

nlohmann::json ResultToJson(const Scenario& scenario, const ScenarioResult& result);
std::string ResultToText(const Scenario& scenario, const ScenarioResult& result);
/// One CSV row per result: the scalar fields of ResultToJson, flattened (overlap.*).
std::string ResultsToCsv(const std::vector<nlohmann::json>& results);

}  // namespace ringsim
