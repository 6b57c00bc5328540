#pragma once
// Reading JSON input (results files, rehearsals, benchmark output): a syntax error or a
// document nested deeper than any ringsim writes is a one-line ConfigError, never a crash
// (nlohmann's recursive copy overflows the stack on 100 000 nested brackets).

#include <nlohmann/json.hpp>
#include <string>

#include "io/input_file.h"

namespace ringsim {

/// The deepest nesting accepted: ringsim's own files nest at most 6 levels.
inline constexpr int kMaxJsonDepth = 64;

/// Parses `text`, read from `origin`. Errors: "ORIGIN: not valid JSON: parse error at line L,
/// column C: ..." or "ORIGIN: not valid JSON: nested deeper than 64 levels (line L)".
nlohmann::json ParseJson(const std::string& text, const std::string& origin);

/// ReadInputFile (a regular file under the size limit), then ParseJson.
nlohmann::json ReadJsonFile(const std::string& path, const std::string& what = "file",
                            std::uintmax_t max_bytes = kMaxInputFileBytes);

}  // namespace ringsim
