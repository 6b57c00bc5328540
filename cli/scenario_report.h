#pragma once
// Renders a scenario's result (sim/evaluate.h) as JSON (the CLI contract), CSV or text.
// Shared by simulate and sweep.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim/estimate.h"
#include "sim/evaluate.h"
#include "sim/memory_model.h"
#include "sim/overlap.h"
#include "sim/scenario.h"

namespace ringsim {

/// Every term of the breakdown in bytes, plus capacity and the verdict.
nlohmann::json MemoryToJson(const MemoryBreakdown& memory);

/// The DESIGN contract's JSON object; `engine_details` as RunEngine gave them.
nlohmann::json ResultToJson(const Scenario& scenario, const ScenarioResult& result,
                            const nlohmann::json& engine_details = nlohmann::json::object());
std::string ResultToText(const Scenario& scenario, const ScenarioResult& result);
/// One CSV row per result: the scalar fields of ResultToJson, flattened (overlap.*).
std::string ResultsToCsv(const std::vector<nlohmann::json>& results);

}  // namespace ringsim
