#include "cli/run_engine.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

#include "sim/config_error.h"
#include "sim/simgrid/simgrid_engine.h"

namespace ringsim {

namespace {

nlohmann::json StatsJson(const EmbeddingStats& s) {
  return {{"hops", s.hops},
          {"slow_hops", s.slow_hops},
          {"core_hops", s.core_hops},
          {"multi_link_hops", s.multi_link_hops},
          {"max_route_links", s.max_route_links},
          {"max_hops_per_link", s.max_hops_per_link}};
}

nlohmann::json ReportJson(const SimGridReport& r) {
  nlohmann::json devices = nlohmann::json::array();
  for (const SimGridDevice& d : r.devices) {
    devices.push_back({{"rank", d.rank},
                       {"ring_copy", d.ring_copy},
                       {"device", d.name},
                       {"speed_factor", d.speed_factor},
                       {"busy_s", d.busy_s},
                       {"waiting_s", d.waiting_s},
                       {"blocked_s", d.blocked_s},
                       {"peak_ring_message_bytes", d.peak_ring_message_bytes}});
  }
  nlohmann::json links = nlohmann::json::array();
  for (const SimGridLink& l : r.links) {
    links.push_back({{"link", l.name},
                     {"direction", l.direction},
                     {"kind", l.kind},
                     {"bw_bytes_per_s", l.bw_bytes_per_s},
                     {"bytes", l.bytes},
                     {"utilisation", l.utilisation},
                     {"ring_hops", l.ring_hops},
                     {"saturated", l.saturated},
                     {"sharing_flows", l.sharing_flows},
                     {"saturated_by", l.saturated_by}});
  }
  return {{"replay", r.mode},
          {"scope", r.scope},
          {"fabric", r.fabric},
          {"ring_copies", r.ring_copies},
          {"saturated_links", r.saturated_links},
          {"embedding", r.embedding},
          {"embedding_stats", StatsJson(r.embedding_stats)},
          {"rank_order_stats", StatsJson(r.rank_order_stats)},
          {"peak_ring_message_bytes", r.peak_ring_message_bytes},
          {"simulated_layers", r.simulated_layers},
          {"simgrid_activities", r.simgrid_activities},
          // The one field that differs between runs of the same input: kept apart, so that
          // dropping "nondeterministic" leaves what compares byte for byte.
          {"nondeterministic", {{"wall_time_s", r.wall_time_s}}},
          {"devices", devices},
          {"links", links}};
}

}  // namespace

std::string IgnoredWhatIfs(const Scenario& scenario, EngineKind engine) {
  if (engine != EngineKind::kAnalytical) return "";
  std::vector<std::string> keys;
  if (!scenario.simgrid.rank_speed.empty() || !scenario.simgrid.device_speed.empty()) {
    keys.push_back("simgrid.rank_speed");
  }
  if (!scenario.simgrid.link_bw_factor.empty()) keys.push_back("simgrid.link_bw_factor");
  if (!scenario.simgrid.failed_links.empty()) keys.push_back("simgrid.failed_links");
  // The fabric and the rest of the cluster: the closed form prices each hop on its own link.
  const SimGridSpec defaults;
  if (scenario.simgrid.scope != defaults.scope) keys.push_back("simgrid.scope");
  if (scenario.simgrid.fabric != defaults.fabric) keys.push_back("simgrid.fabric");
  if (scenario.simgrid.oversubscription != defaults.oversubscription)
    keys.push_back("simgrid.oversubscription");
  if (scenario.simgrid.placement != defaults.placement) keys.push_back("simgrid.placement");
  if (keys.empty()) return "";
  return fmt::format(
      "warning: the analytical engine models a healthy, uncontended machine and ignores {}; "
      "--engine simgrid replays them",
      fmt::join(keys, ", "));
}

EngineOutput RunEngine(const Scenario& scenario, EngineKind engine, bool with_trace) {
  EngineOutput out;
  if (engine == EngineKind::kSimGrid) {
    SimGridEngine simgrid;
    out.result = EvaluateScenario(scenario, simgrid, with_trace);
    out.engine_details = ReportJson(simgrid.report());
  } else {
    AnalyticalEngine analytical;
    out.result = EvaluateScenario(scenario, analytical, with_trace);
  }
  // The last guard against printing nonsense: rates the loaders let through can still combine
  // into an infinite or nan step.
  const double step_s = out.result.estimate.step_time_s;
  if (!std::isfinite(step_s) || step_s <= 0) {
    throw ConfigError(fmt::format(
        "{}: the step time comes out as {} s; a rate in hardware '{}'{} is implausibly small",
        scenario.file.empty() ? "scenario" : scenario.file, step_s, scenario.hardware.name,
        scenario.hardware.calibration.empty()
            ? std::string()
            : fmt::format(" or its calibration {}", scenario.hardware.calibration)));
  }
  return out;
}

}  // namespace ringsim
