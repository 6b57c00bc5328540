#pragma once
// How a command evaluates a scenario: the engine it names, the model's result, and what only
// the CLI prints of the SimGrid engine (its per-device and per-link figures, as JSON).

#include <nlohmann/json.hpp>
#include <string>

#include "sim/estimate.h"
#include "sim/evaluate.h"
#include "sim/scenario.h"

namespace ringsim {

struct EngineOutput {
  ScenarioResult result;
  /// SimGrid: embedding, per-device and per-link figures; empty for the analytical engine.
  nlohmann::json engine_details = nlohmann::json::object();
};

/// Evaluates a valid scenario with `engine`; `with_trace` records the timeline (SimGrid).
/// The scenario's what-ifs `engine` cannot honour (the simgrid: section's stragglers, degraded
/// and failed links, the whole cluster and its fabric under the analytical engine), as one
/// warning line; empty when none.
std::string IgnoredWhatIfs(const Scenario& scenario, EngineKind engine);

EngineOutput RunEngine(const Scenario& scenario, EngineKind engine, bool with_trace);

}  // namespace ringsim
