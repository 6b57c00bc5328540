#include "cli/option_values.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>

#include "sim/config_error.h"
#include "sim/limits.h"
#include "sim/token_count.h"

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

CLI::Validator TokenNumber(int64_t min, int64_t max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        int64_t tokens = 0;
        std::string why;
        const bool parsed = ParseTokenCount(text, &tokens, &why);
        // A count past 2^53 is past every limit: say the limit.
        if ((parsed && tokens > max) || (!parsed && why.find("2^53") != std::string::npos)) {
          return fmt::format("{} tokens is above the limit of {} (README.md \"Limits\")", text,
                             LimitText(max));
        }
        if (!parsed) return why;
        if (tokens < min) {
          return fmt::format("expected at least {} tokens, got '{}'", min, text);
        }
        text = std::to_string(tokens);
        return "";
      },
      "TOKENS");
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
