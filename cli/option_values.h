#pragma once
// Command-line values that name one of the model's enums: the enum, or a one-line ConfigError
// naming the option and what was expected.

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "sim/estimate.h"
#include "sim/precision.h"

namespace ringsim {

/// A whole number from `min` to `max`, checked on the text: CLI::PositiveNumber prints its bound
/// (the largest double) in 309 digits, and CLI11 clamps 99999999999999999999 to the largest int64_t
/// without a word. "expected a whole number from 1 to 1048576 (2^20), got '1e30'".
CLI::Validator WholeNumber(int64_t min, int64_t max);

/// A token count from `min` to `max`: digits, or a decimal or binary suffix as ParseTokenCount
/// reads it (128K = 128000, 128Ki = 131072); the text is rewritten to its digits for the option to
/// read.
CLI::Validator TokenNumber(int64_t min, int64_t max);

/// The most threads --jobs may ask for.
inline constexpr int64_t kMaxJobs = 1024;

/// "analytical" or "simgrid".
EngineKind EngineByName(const std::string& name, const std::string& where);

/// "bf16" or "fp32".
Precision PrecisionByName(const std::string& name, const std::string& where);

}  // namespace ringsim
