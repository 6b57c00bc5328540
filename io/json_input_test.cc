#include "io/json_input.h"

#include <gtest/gtest.h>

#include <string>

#include "sim/config_error.h"

namespace ringsim {
namespace {

std::string ErrorOf(const std::string& text) {
  try {
    ParseJson(text, "r.json");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(JsonInput, ParsesUpToTheDepthLimit) {
  const int depth = kMaxJsonDepth;
  const nlohmann::json doc = ParseJson(std::string(depth, '[') + std::string(depth, ']'), "r");
  EXPECT_TRUE(doc.is_array());
}

TEST(JsonInput, RefusesDeeperNestingBeforeItCanOverflowTheStack) {
  const int depth = kMaxJsonDepth + 1;
  EXPECT_EQ(ErrorOf(std::string(depth, '[') + std::string(depth, ']')),
            "r.json: not valid JSON: nested deeper than 64 levels");
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
  objects += "1" + std::string(100000, '}');
  EXPECT_EQ(ErrorOf(objects), "r.json: not valid JSON: nested deeper than 64 levels");
}

TEST(JsonInput, SyntaxErrorsNameLineAndColumn) {
  EXPECT_EQ(ErrorOf("{\n  \"a\": }"),
            "r.json: not valid JSON: parse error at line 2, column 8: syntax error while parsing "
            "value - unexpected '}'; expected '[', '{', or a literal");
}

TEST(JsonInput, NumbersOutOfRangeAreBadInputNotAnInternalError) {
  // Found by fuzz/json_fuzz.cc: nlohmann throws out_of_range, not parse_error, here.
  EXPECT_EQ(ErrorOf("{\"flops_per_s\": 80e15000000000}"),
            "r.json: not valid JSON: number overflow parsing '80e15000000000'");
}

}  // namespace
}  // namespace ringsim
