#include "cli/plan_recheck.h"

#include <gtest/gtest.h>

namespace ringsim {
namespace {

PlanEntry Entry(const std::string& hardware, int64_t devices, double analytical_step_s) {
  PlanEntry e;
  e.candidate.scenario.hardware.name = hardware;
  e.candidate.scenario.devices = devices;
  e.metrics.step_time_s = analytical_step_s;
  e.metrics.tokens_per_s = 1000 / analytical_step_s;
  return e;
}

Recheck Check(double simgrid_step_s, const std::string& busiest = "l (a -> b) 90% busy") {
  Recheck c;
  c.done = true;
  c.step_time_s = simgrid_step_s;
  c.metrics.step_time_s = simgrid_step_s;
  c.metrics.tokens_per_s = 1000 / simgrid_step_s;
  c.busiest = busiest;
  return c;
}

TEST(PlanRecheck, RanksTheCheckedRowsBySimGridAndNamesWhereTheEnginesDisagree) {
  // Analytical order 1 s, 2 s, 3 s, 4 s; SimGrid times the first three 3.5 s, 2.1 s, 2.9 s:
  // by SimGrid they rank #2, #3, #1; the unchecked fourth stays last.
  std::vector<PlanEntry> entries = {Entry("a", 8, 1), Entry("b", 8, 2), Entry("c", 8, 3),
                                    Entry("d", 8, 4)};
  std::vector<Recheck> checks = {Check(3.5, "ib:rail0 (gpu0 -> leaf0) 97% busy"), Check(2.1),
                                 Check(2.9)};
  const std::string moved = RankBySimGrid(entries, checks, PlanRank::kStepTime, {});
  EXPECT_EQ(moved, "ranked by SimGrid's figures: #1 was #2, #2 was #3, #3 was #1");
  EXPECT_EQ(entries[0].candidate.scenario.hardware.name, "b");
  EXPECT_EQ(entries[1].candidate.scenario.hardware.name, "c");
  EXPECT_EQ(entries[2].candidate.scenario.hardware.name, "a");
  EXPECT_EQ(entries[3].candidate.scenario.hardware.name, "d");
  EXPECT_DOUBLE_EQ(checks[2].step_time_s, 3.5);
  // #3 (was #1) differs by +250%, beyond 10%; #1 (+5%) and #2 (-3.3%) do not.
  EXPECT_EQ(RecheckNote(entries, checks, moved),
            "SimGrid re-check of the top 3: 3 timed; step times within 250.0% of the analytical "
            "engine's (largest difference: #3, +250.00%); ranked by SimGrid's figures: #1 was #2, "
            "#2 was #3, #3 was #1; #3: SimGrid +250% against the analytical engine (busiest "
            "links: ib:rail0 (gpu0 -> leaf0) 97% busy)");
}

TEST(PlanRecheck, CostRanksWithSimGridThroughput) {
  // Same price per device-hour: cost follows SimGrid's tokens/s, so the cheaper by SimGrid
  // comes first; without a price the entry sorts last.
  std::vector<PlanEntry> entries = {Entry("a", 8, 1), Entry("b", 8, 1.1), Entry("c", 8, 1.2)};
  std::vector<Recheck> checks = {Check(2), Check(1.5), Check(1)};
  RankBySimGrid(entries, checks, PlanRank::kCost, {{"a", 2.0}, {"b", 2.0}});
  EXPECT_EQ(entries[0].candidate.scenario.hardware.name, "b");
  EXPECT_EQ(entries[1].candidate.scenario.hardware.name, "a");
  EXPECT_EQ(entries[2].candidate.scenario.hardware.name, "c");
}

TEST(PlanRecheck, LeavesTheOrderWhereACheckFailed) {
  std::vector<PlanEntry> entries = {Entry("a", 8, 1), Entry("b", 8, 2)};
  std::vector<Recheck> checks = {Check(3), Recheck{}};
  checks[1].error = "ring too large";
  EXPECT_EQ(RankBySimGrid(entries, checks, PlanRank::kStepTime, {}), "");
  EXPECT_EQ(entries[0].candidate.scenario.hardware.name, "a");
  EXPECT_EQ(RecheckNote(entries, checks, ""),
            "SimGrid re-check of the top 2: 1 timed; step times within 200.0% of the analytical "
            "engine's (largest difference: #1, +200.00%); #1: SimGrid +200% against the "
            "analytical engine (busiest links: l (a -> b) 90% busy); #2 failed: ring too large");
}

TEST(PlanRecheck, BusiestLinksComeFromTheEngineDetails) {
  ScenarioResult result;
  result.estimate.step_time_s = 2;
  const nlohmann::json details = {
      {"links",
       {{{"link", "ib:rail3"}, {"direction", "gpu3 -> leaf3"}, {"utilisation", 0.974}},
        {{"link", "nvlink"}, {"direction", "gpu0 -> nvsw0"}, {"utilisation", 0.5}},
        {{"link", "spine"}, {"direction", "leaf0 -> spine0"}, {"utilisation", 0.1}}}}};
  const Recheck check = RecheckFrom(result, details);
  EXPECT_TRUE(check.done);
  EXPECT_DOUBLE_EQ(check.step_time_s, 2);
  EXPECT_EQ(check.busiest, "ib:rail3 (gpu3 -> leaf3) 97% busy, nvlink (gpu0 -> nvsw0) 50% busy");
  EXPECT_EQ(RecheckFrom(result, nlohmann::json::object()).busiest, "none carried traffic");
}

}  // namespace
}  // namespace ringsim
