#include "cli/option_values.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>

#include "sim/config_error.h"
#include "sim/limits.h"

namespace ringsim {

namespace {}  // namespace

CLI::Validator WholeNumber(int64_t min, int64_t max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        const bool digits =
            !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
        errno = 0;
        const long long value = digits ? std::strtoll(text.c_str(), nullptr, 10) : 0;
        if (!digits || errno == ERANGE || value < min || value > max) {
          return fmt::format("expected a whole number from {} to {}, got '{}'", min, LimitText(max),
                             text);
        }
        return "";
      },
      fmt::format("{}..{}", min, max));
}

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
