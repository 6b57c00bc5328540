#pragma once
// The one entry the CLI uses to reach the SimGrid engine: options from the scenario,
// engine errors as one-line ConfigErrors, the report as JSON.

#include <nlohmann/json.hpp>
#include <string>

#include "sim/estimate.h"
#include "sim/scenario.h"
#include "sim/schedule.h"

namespace ringsim {

/// Replays `schedule` for `scenario` on a SimGrid platform; writes a Perfetto trace into
/// `trace_json` when it is not null, and the engine's per-device and per-link figures
/// into `details`.
Estimate RunSimGridEngine(const Schedule& schedule, const Scenario& scenario,
                          std::string* trace_json, nlohmann::json* details);

}  // namespace ringsim
