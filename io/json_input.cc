#include "io/json_input.h"

#include <fmt/format.h>

#include "io/input_file.h"
#include "sim/config_error.h"

namespace ringsim {

namespace {

// Thrown from the parser callback; caught below, where the text is at hand for the line.
struct TooDeep {};

}  // namespace

nlohmann::json ParseJson(const std::string& text, const std::string& origin) {
  const nlohmann::json::parser_callback_t limit_depth =
      [](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
        if (depth >= kMaxJsonDepth && (event == nlohmann::json::parse_event_t::object_start ||
                                       event == nlohmann::json::parse_event_t::array_start)) {
          throw TooDeep{};
        }
        return true;
      };
  try {
    return nlohmann::json::parse(text, limit_depth);
  } catch (const TooDeep&) {
    throw ConfigError(
        fmt::format("{}: not valid JSON: nested deeper than {} levels", origin, kMaxJsonDepth));
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

nlohmann::json ReadJsonFile(const std::string& path, const std::string& what) {
  return ParseJson(ReadInputFile(path, what), path);
}

}  // namespace ringsim
