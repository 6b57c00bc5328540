#pragma once
// The one entry the CLI uses to reach the SimGrid engine, so that the CLI does not
// depend on SimGrid's headers.

#include <string>

#include "sim/estimate.h"
#include "sim/scenario.h"
#include "sim/schedule.h"

namespace ringsim {

/// Replays `schedule` for `scenario` on a SimGrid platform; writes a Perfetto trace into
/// `trace_json` when it is not null.
Estimate RunSimGridEngine(const Schedule& schedule, const Scenario& scenario,
                          std::string* trace_json);

}  // namespace ringsim
