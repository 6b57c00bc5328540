#include "io/json_input.h"

#include <fmt/format.h>

#include "io/input_file.h"
#include "sim/config_error.h"

namespace ringsim {

namespace {

// Whether brackets outside strings nest deeper than kMaxJsonDepth: one pass over the text, so
// that the parser can be nlohmann's plain one (its callback parser, the other way to bound the
// depth, took minutes on a 70 MB trace).
bool NestedTooDeep(const std::string& text) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (const char ch : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (ch == '\\') {
        escaped = true;
      } else if (ch == '"') {
        in_string = false;
      }
      continue;
    }
    if (ch == '"') {
      in_string = true;
    } else if (ch == '{' || ch == '[') {
      if (++depth > kMaxJsonDepth) return true;
    } else if ((ch == '}' || ch == ']') && depth > 0) {
      --depth;
    }
  }
  return false;
}

}  // namespace

nlohmann::json ParseJson(const std::string& text, const std::string& origin) {
  if (NestedTooDeep(text)) {
    throw ConfigError(
        fmt::format("{}: not valid JSON: nested deeper than {} levels", origin, kMaxJsonDepth));
  }
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // nlohmann says "[json.exception.parse_error.101] parse error at line 3, column 5: ...".
    const std::string message = e.what();
    const size_t at = message.find("parse error");
    throw ConfigError(fmt::format("{}: not valid JSON: {}", origin,
                                  at == std::string::npos ? message : message.substr(at)));
  } catch (const nlohmann::json::exception& e) {
    // The parser's other refusals, e.g. "[json.exception.out_of_range.406] number overflow
    // parsing '80e15000000000'" (found by fuzz/json_fuzz.cc): the message after the tag.
    const std::string message = e.what();
    const size_t tag_end = message.find("] ");
    throw ConfigError(
        fmt::format("{}: not valid JSON: {}", origin,
                    tag_end == std::string::npos ? message : message.substr(tag_end + 2)));
  }
}

nlohmann::json ReadJsonFile(const std::string& path, const std::string& what,
                            std::uintmax_t max_bytes) {
  return ParseJson(ReadInputFile(path, what, max_bytes), path);
}

}  // namespace ringsim
