#pragma once
// Evaluates a scenario (engine + memory model + overlap check) into one result, and
// renders it as JSON (the DESIGN.md contract), CSV or text. Shared by simulate and sweep.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/output_table.h"
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

/// The memory breakdown's columns (every term in bytes, usable and capacity, the verdict),
/// keys prefixed with `prefix`, and one breakdown's cells in their order.
std::vector<Column> MemoryColumns(const std::string& prefix = "");
std::vector<Cell> MemoryCells(const MemoryBreakdown& memory);
/// MemoryColumns as one JSON object.
nlohmann::json MemoryToJson(const MemoryBreakdown& memory);

/// simulate's fields (the DESIGN.md contract): scalars as columns ("overlap.*" and
/// "memory.*" nest in JSON), phases, per-device busy time and engine details as JSON only.
Table ResultTable();
void AddResultRow(Table& table, const Scenario& scenario, const ScenarioResult& result);
/// One result as AddResultRow's JSON object (simulate --format json, sweep, report).
nlohmann::json ResultToJson(const Scenario& scenario, const ScenarioResult& result);
std::string ResultToText(const Scenario& scenario, const ScenarioResult& result);

}  // namespace ringsim
