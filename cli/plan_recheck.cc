#include "cli/plan_recheck.h"

#include <fmt/format.h>

#include <cmath>

#include "sim/estimate.h"

namespace ringsim {

PlanMetrics MetricsFrom(const ScenarioResult& r) {
  PlanMetrics m;
  m.engine = EngineName(r.estimate.engine);
  m.step_time_s = r.estimate.step_time_s;
  m.tokens_per_s = r.estimate.tokens_per_s;
  m.mfu = r.estimate.mfu;
  m.tflops_per_device = r.estimate.tflops_per_device;
  m.exposed_comm_time_s = r.estimate.exposed_comm_time_s;
  m.step_compute_s = r.overlap.step_compute_s;
  m.step_comm_s = r.overlap.step_comm_s;
  m.min_block_paper = r.overlap.min_block_paper;
  m.min_block_calibrated = r.overlap.min_block_calibrated;
  m.comm_hidden = r.overlap.comm_hidden;
  return m;
}

Recheck RecheckFrom(const ScenarioResult& result, const nlohmann::json& engine_details) {
  Recheck check;
  check.done = true;
  check.metrics = MetricsFrom(result);
  check.step_time_s = check.metrics.step_time_s;
  std::vector<std::string> links;
  const nlohmann::json none = nlohmann::json::array();
  const nlohmann::json& listed = engine_details.is_object() && engine_details.contains("links")
                                     ? engine_details["links"]
                                     : none;
  for (const nlohmann::json& link : listed) {
    if (links.size() == 2) break;
    links.push_back(fmt::format("{} ({}) {:.0f}% busy", link.value("link", "?"),
                                link.value("direction", "?"),
                                100 * link.value("utilisation", 0.0)));
  }
  check.busiest =
      links.empty() ? "none carried traffic" : fmt::format("{}", fmt::join(links, ", "));
  return check;
}

std::string RankBySimGrid(std::vector<PlanEntry>& entries, std::vector<Recheck>& checks,
                          PlanRank rank, const std::map<std::string, double>& prices) {
  const size_t n = checks.size();
  if (n < 2 || entries.size() < n) return "";
  for (const Recheck& check : checks) {
    if (!check.done) return "";
  }
  std::vector<PlanEntry> by_simgrid(entries.begin(), entries.begin() + static_cast<long>(n));
  for (size_t i = 0; i < n; ++i) {
    PlanEntry& e = by_simgrid[i];
    e.metrics = checks[i].metrics;
    const auto price = prices.find(e.candidate.scenario.hardware.name);
    e.cost_per_mtok = price == prices.end()
                          ? -1
                          : CostPerMillionTokens(price->second, e.candidate.scenario.devices,
                                                 e.metrics.tokens_per_s);
  }
  const std::vector<size_t> order = PlanOrder(by_simgrid, rank);
  std::vector<PlanEntry> top;
  std::vector<Recheck> top_checks;
  std::vector<std::string> moves;
  for (size_t i = 0; i < n; ++i) {
    top.push_back(entries[order[i]]);
    top_checks.push_back(checks[order[i]]);
    if (order[i] != i) moves.push_back(fmt::format("#{} was #{}", i + 1, order[i] + 1));
  }
  std::move(top.begin(), top.end(), entries.begin());
  checks = std::move(top_checks);
  return moves.empty() ? "SimGrid ranks them in the same order"
                       : fmt::format("ranked by SimGrid's figures: {}", fmt::join(moves, ", "));
}

std::string RecheckNote(const std::vector<PlanEntry>& entries, const std::vector<Recheck>& checks,
                        const std::string& reranked) {
  int64_t checked = 0;
  double worst = 0;  // largest relative difference, SimGrid vs analytical
  size_t worst_row = 0;
  std::string failures, disagreements;
  for (size_t i = 0; i < checks.size() && i < entries.size(); ++i) {
    if (checks[i].done) {
      ++checked;
      const double diff = checks[i].step_time_s / entries[i].metrics.step_time_s - 1;
      if (std::abs(diff) >= std::abs(worst)) {
        worst = diff;
        worst_row = i + 1;
      }
      if (std::abs(diff) > kEngineDisagreement) {
        disagreements +=
            fmt::format("; #{}: SimGrid {:+.0f}% against the analytical engine (busiest links: {})",
                        i + 1, diff * 100, checks[i].busiest);
      }
    } else if (!checks[i].error.empty() && i > 0) {
      failures += fmt::format("; #{} failed: {}", i + 1, checks[i].error);
    }
  }
  return fmt::format(
      "SimGrid re-check of the top {}: {} timed; step times within {:.1f}% of the analytical "
      "engine's (largest difference: #{}, {:+.2f}%){}{}{}",
      checks.size(), checked, std::abs(worst) * 100, worst_row, worst * 100,
      reranked.empty() ? "" : "; " + reranked, disagreements, failures);
}

}  // namespace ringsim
