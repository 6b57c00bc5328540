#include "cli/option_values.h"

#include <fmt/format.h>

#include "sim/config_error.h"

namespace ringsim {

EngineKind EngineByName(const std::string& name, const std::string& where) {
  EngineKind engine;
  if (!ParseEngine(name, &engine)) {
    throw ConfigError(
        fmt::format("{}: unknown engine '{}'; expected analytical or simgrid", where, name));
  }
  return engine;
}

Precision PrecisionByName(const std::string& name, const std::string& where) {
  Precision precision;
  if (!ParsePrecision(name, &precision)) {
    throw ConfigError(
        fmt::format("{}: unknown precision '{}'; expected bf16, fp8 or fp32", where, name));
  }
  return precision;
}

}  // namespace ringsim
