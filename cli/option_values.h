#pragma once
// Command-line values that name one of the model's enums: the enum, or a one-line ConfigError
// naming the option and what was expected.

#include <string>

#include "sim/estimate.h"
#include "sim/precision.h"

namespace ringsim {

/// "analytical" or "simgrid".
EngineKind EngineByName(const std::string& name, const std::string& where);

/// "bf16" or "fp32".
Precision PrecisionByName(const std::string& name, const std::string& where);

}  // namespace ringsim
