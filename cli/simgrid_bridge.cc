#include "cli/simgrid_bridge.h"

#include <fmt/format.h>

#include <sstream>

#include "io/trace_writer.h"
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
                       {"device", d.name},
                       {"speed_factor", d.speed_factor},
                       {"busy_s", d.busy_s},
                       {"waiting_s", d.waiting_s},
                       {"exposed_comm_s", d.exposed_comm_s},
                       {"peak_ring_buffer_bytes", d.peak_ring_buffer_bytes}});
  }
  nlohmann::json links = nlohmann::json::array();
  for (const SimGridLink& l : r.links) {
    links.push_back({{"link", l.name},
                     {"direction", l.direction},
                     {"kind", l.kind},
                     {"bw_bytes_per_s", l.bw_bytes_per_s},
                     {"bytes", l.bytes},
                     {"utilisation", l.utilisation},
                     {"ring_hops", l.ring_hops}});
  }
  return {{"replay", r.mode},
          {"embedding", r.embedding},
          {"embedding_stats", StatsJson(r.embedding_stats)},
          {"rank_order_stats", StatsJson(r.rank_order_stats)},
          {"peak_ring_buffer_bytes", r.peak_ring_buffer_bytes},
          {"simulated_layers", r.simulated_layers},
          {"simgrid_activities", r.simgrid_activities},
          {"wall_time_s", r.wall_time_s},
          {"devices", devices},
          {"links", links}};
}

}  // namespace

Estimate RunSimGridEngine(const Schedule& schedule, const Scenario& scenario,
                          std::string* trace_json, nlohmann::json* details) {
  SimGridOptions options;
  options.precision = scenario.workload.precision;
  options.fsdp = scenario.parallel.fsdp;
  options.block_tokens = scenario.ComputeBlockTokens();
  options.record_trace = trace_json != nullptr;
  const SimGridSpec& spec = scenario.simgrid;
  options.mode = spec.mode == "naive"  ? ReplayMode::kNaive
                 : spec.mode == "fast" ? ReplayMode::kFast
                                       : ReplayMode::kAuto;
  options.embedding =
      spec.embedding == "rank-order" ? RingEmbedding::kRankOrder : RingEmbedding::kTopologyAware;
  options.rank_speed = spec.rank_speed;
  options.link_bw_factor = spec.link_bw_factor;
  options.failed_links.insert(spec.failed_links.begin(), spec.failed_links.end());
  SimGridReport report;
  Estimate estimate;
  try {
    estimate = SimulateSimGrid(schedule, scenario.hardware, options, &report);
  } catch (const SimGridError& e) {
    // Errors about the scenario's simgrid: keys name the key; others the engine.
    std::string what = e.what();
    for (const char* key : {"failed_links", "link_bw_factor", "rank_speed"}) {
      if (what.rfind(key, 0) == 0) {
        throw ConfigError(fmt::format("{}: simgrid.{}", scenario.file, what));
      }
    }
    throw ConfigError(fmt::format("{}: --engine simgrid: {}", scenario.file, what));
  }
  if (trace_json) {
    std::ostringstream out;
    WriteChromeTrace(report.trace, out);
    *trace_json = out.str();
  }
  if (details) *details = ReportJson(report);
  return estimate;
}

}  // namespace ringsim
