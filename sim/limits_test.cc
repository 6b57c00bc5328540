#include "sim/limits.h"

#include <gtest/gtest.h>

#include "sim/config_error.h"
#include "sim/model_spec.h"
#include "sim/scenario.h"

namespace ringsim {
namespace {

Scenario Valid() {
  Scenario s;
  s.model = *FindModelPreset("llama-7b");
  s.devices = 8;
  s.parallel.context = 8;
  s.parallel.fsdp = 8;
  s.workload.seq_len = 262144;
  return s;
}

TEST(Limits, ValidScenarioPasses) { EXPECT_TRUE(LimitProblem(Valid()).ok()); }

TEST(Limits, DegreesWhoseProductWouldWrapAreRefusedFirst) {
  Scenario s = Valid();
  s.parallel.context = int64_t{1} << 32;
  s.parallel.ulysses = int64_t{1} << 32;  // the product wraps to 0: devices % 0 was SIGFPE
  const ScenarioIssue issue = ScenarioProblem(s);
  EXPECT_EQ(issue.key, "parallel.context");
  EXPECT_EQ(issue.what, "4294967296 is above the limit of 4096 (2^12) (README.md \"Limits\")");
  s = Valid();
  s.parallel.tensor = 0;
  EXPECT_EQ(ScenarioProblem(s).what, "expected a whole number >= 1, got 0");
}

TEST(Limits, TokensPerStepAndModelShapes) {
  Scenario s = Valid();
  s.workload.batch = 1 << 16;
  EXPECT_EQ(LimitProblem(s).key, "workload.batch");
  s = Valid();
  s.model.hidden = 9000000000000000;
  EXPECT_EQ(LimitProblem(s).key, "model.hidden");
  s = Valid();
  s.simgrid.rank_speed[3] = 1e-300;
  EXPECT_EQ(LimitProblem(s).what,
            "rank 3: speed factor 1e-300 is outside the limits [0.001, 1000]");
}

TEST(Limits, LimitTextNamesPowersOfTwo) {
  EXPECT_EQ(LimitText(kMaxDevices), "1048576 (2^20)");
  EXPECT_EQ(LimitText(kMaxLayers), "4096 (2^12)");
  EXPECT_EQ(LimitText(1000000), "1000000");
}

TEST(EscapeControlCharacters, KeepsTheMessageOnOneLine) {
  EXPECT_EQ(EscapeControlCharacters("a\nb\tc\rd\x1b[31m\x7f"), "a\\nb\\tc\\rd\\x1b[31m\\x7f");
  EXPECT_EQ(EscapeControlCharacters("caf\xc3\xa9"), "caf\xc3\xa9");  // UTF-8 stays
}

}  // namespace
}  // namespace ringsim
