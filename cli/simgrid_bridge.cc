#include "cli/simgrid_bridge.h"

#include "sim/config_error.h"

namespace ringsim {

Estimate RunSimGridEngine(const Schedule&, const Scenario&, std::string*) {
  throw ConfigError("--engine simgrid: the SimGrid engine is not wired into the CLI yet");
}

}  // namespace ringsim
