#pragma once
// plan's re-check of its top rows with the SimGrid engine: SimGrid's figures for a row, the
// re-checked rows ranked by them, and the note that says how far the engines agree and, where
// they differ by more than 10 %, which links SimGrid found busiest.

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim/evaluate.h"
#include "sim/planner.h"

namespace ringsim {

/// Engines that disagree by more than this on a step time are named in the note.
inline constexpr double kEngineDisagreement = 0.10;

/// The SimGrid engine's opinion of one ranked entry.
struct Recheck {
  bool done = false;
  double step_time_s = 0;
  PlanMetrics metrics;  ///< all of SimGrid's figures, to rank by
  std::string busiest;  ///< its two busiest links: "NAME (DIRECTION) U% busy, ..."
  std::string error;    ///< why it could not run
};

/// What the planner ranks by, from one engine's result.
PlanMetrics MetricsFrom(const ScenarioResult& result);

/// A SimGrid result as a re-check: its figures, and the two busiest links of its
/// engine_details (listed busiest first).
Recheck RecheckFrom(const ScenarioResult& result, const nlohmann::json& engine_details);

/// Where every one of `checks` ran (one per leading entry, at least two), reorders those
/// entries and their checks by SimGrid's figures under `rank` (cost from `prices`, USD per
/// device-hour by hardware name) and says what moved ("#1 was #2, ..."); otherwise leaves
/// them and returns "".
std::string RankBySimGrid(std::vector<PlanEntry>& entries, std::vector<Recheck>& checks,
                          PlanRank rank, const std::map<std::string, double>& prices);

/// "SimGrid re-check of the top N: ..." for `checks` of the leading `entries`, with
/// RankBySimGrid's answer.
std::string RecheckNote(const std::vector<PlanEntry>& entries, const std::vector<Recheck>& checks,
                        const std::string& reranked);

}  // namespace ringsim
