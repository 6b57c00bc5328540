#pragma once
// Renders a scenario's result (sim/evaluate.h) as JSON (the CLI contract), CSV or text.
// Shared by simulate and sweep.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/output_table.h"
#include "sim/estimate.h"
#include "sim/evaluate.h"
#include "sim/memory_model.h"
#include "sim/overlap.h"
#include "sim/scenario.h"

namespace ringsim {

/// The memory breakdown's columns (every term in bytes, usable and capacity, the verdict),
/// keys prefixed with `prefix`, and one breakdown's cells in their order.
std::vector<Column> MemoryColumns(const std::string& prefix = "");
std::vector<Cell> MemoryCells(const MemoryBreakdown& memory);
/// The scenario keys that set each of MemoryColumns' terms (the same order), for `memory`.
std::vector<std::string> MemoryLevers(const Scenario& scenario, const MemoryBreakdown& memory);
/// MemoryColumns as one JSON object.
nlohmann::json MemoryToJson(const MemoryBreakdown& memory);

/// simulate's fields (README.md "Usage"): scalars as columns ("overlap.*" and
/// "memory.*" nest in JSON), phases, per-device busy time and engine details as JSON only.
Table ResultTable();
/// One result's cells under ResultTable's columns (what a CSV row holds).
std::vector<Cell> ResultCells(const Scenario& scenario, const ScenarioResult& result);
void AddResultRow(Table& table, const Scenario& scenario, const ScenarioResult& result,
                  const nlohmann::json& engine_details = nlohmann::json::object());
/// One result as AddResultRow's JSON object (simulate --format json, sweep, report).
nlohmann::json ResultToJson(const Scenario& scenario, const ScenarioResult& result,
                            const nlohmann::json& engine_details = nlohmann::json::object());
/// `engine_details`: the SimGrid report (cli/run_engine.h), printed as a last section; null or
/// empty for the analytical engine.
std::string ResultToText(const Scenario& scenario, const ScenarioResult& result,
                         const nlohmann::json* engine_details = nullptr);

}  // namespace ringsim
