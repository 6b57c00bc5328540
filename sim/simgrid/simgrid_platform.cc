#include "sim/simgrid/simgrid_platform.h"

#include <xbt/log.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "sim/simgrid/sparse_route_zone.h"

namespace ringsim {

namespace sg4 = simgrid::s4u;

sg4::Engine& StartEngine() {
  static std::unique_ptr<sg4::Engine> engine;
  if (!engine) {
    xbt_log_control_set("root.thres:warning");
    char name[] = "ringsim";
#if defined(__has_feature)  // clang spells its sanitizers as features
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define RINGSIM_SANITIZED_STACKS 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || \
    defined(RINGSIM_SANITIZED_STACKS)
    // Debian's SimGrid switches between its actors on hand-made stacks that ASan and TSan do
    // not see (ASan warns "ignoring requested __asan_handle_no_return" and may report false
    // positives); system threads they follow. Only sanitizer builds pay their cost.
    char factory[] = "--cfg=contexts/factory:thread";
    int argc = 2;
    char* argv[] = {name, factory, nullptr};
#else
    int argc = 1;
    char* argv[] = {name, nullptr};
#endif
    engine = std::make_unique<sg4::Engine>(&argc, argv);
    sg4::Engine::set_config("network/model:CM02");
    sg4::Engine::set_config("network/TCP-gamma:1e30");
    sg4::Engine::set_config("network/crosstraffic:0");
  }
  return *engine;
}

Platform BuildPlatform(const ReplaySetup& setup) {
  const MachineTopology& topo = setup.topology;
  sg4::NetZone* zone = CreateSparseRouteZone("machine");
  Platform platform;
  const double peak = setup.rates.peak_flops_per_s;
  for (int64_t r = 0; r < setup.hosts(); ++r) {
    const std::string& name = topo.graph[topo.device_vertex[setup.rank_device[r]]].name;
    platform.rank_host.push_back(zone->create_host(name, peak * setup.rank_speed[r]));
  }
  // One SimGrid link per direction of each topology link, created when a route
  // needs it.
  std::map<std::pair<int64_t, bool>, sg4::Link*> links;
  auto link = [&](const RouteHop& hop) {
    sg4::Link*& l = links[{hop.link, hop.forward}];
    if (l == nullptr) {
      const TopologyLink& t = topo.links[hop.link];
      double bw = t.bw_bytes_per_s * setup.link_bw_factor[hop.link];
      l = zone->create_link(t.name + (hop.forward ? ">" : "<"), bw)
              ->set_latency(t.latency_s)
              ->seal();
    }
    return l;
  };
  std::set<std::pair<int64_t, int64_t>> routed;
  auto add_route = [&](int64_t from, int64_t to, const std::vector<RouteHop>& route) {
    if (from == to || !routed.insert({from, to}).second) return;
    std::vector<sg4::LinkInRoute> path;
    for (const RouteHop& hop : route) path.emplace_back(link(hop));
    zone->add_route(platform.rank_host[from]->get_netpoint(),
                    platform.rank_host[to]->get_netpoint(), nullptr, nullptr, path, false);
  };
  for (int64_t r = 0; r < setup.hosts() && setup.ring_ranks > 1; ++r) {
    add_route(r, setup.RingNext(r), setup.ring_routes[r]);
  }
  for (int64_t r = 0; r < static_cast<int64_t>(setup.ring_inner_next.size()); ++r) {
    add_route(r, setup.ring_inner_next[r], setup.inner_routes[r]);
    add_route(r, setup.ring_outer_next[r], setup.outer_routes[r]);
  }
  for (int64_t r = 0; r < static_cast<int64_t>(setup.fsdp_next.size()); ++r) {
    add_route(r, setup.fsdp_next[r], setup.fsdp_routes[r]);
  }
  for (int64_t r = 0; r < static_cast<int64_t>(setup.stage_peer.size()); ++r) {
    const std::string& name = topo.graph[topo.device_vertex[setup.stage_peer[r]]].name;
    platform.stage_host.push_back(zone->create_host(name + ".next_stage", peak));
    std::vector<sg4::LinkInRoute> path;
    for (const RouteHop& hop : setup.stage_routes[r]) path.emplace_back(link(hop));
    zone->add_route(platform.rank_host[r]->get_netpoint(), platform.stage_host[r]->get_netpoint(),
                    nullptr, nullptr, path, false);
    ++platform.routes;
  }
  zone->seal();
  platform.routes += static_cast<int64_t>(routed.size());
  platform.links = static_cast<int64_t>(links.size());
  return platform;
}

void PriceStageTransfers(sg4::Engine& engine, const Platform& platform, const ReplaySetup& setup,
                         ReplayResult& result) {
  if (platform.stage_host.empty()) return;
  const double bytes = setup.schedule->pipeline_p2p_bytes;
  sg4::Actor::create("stages", platform.rank_host[0], [&platform, &result, bytes] {
    const double start = sg4::Engine::get_clock();
    std::vector<sg4::CommPtr> comms;
    for (size_t r = 0; r < platform.stage_host.size(); ++r) {
      comms.push_back(sg4::Comm::sendto_async(platform.rank_host[r], platform.stage_host[r],
                                              static_cast<uint64_t>(std::llround(bytes))));
      ++result.simgrid_activities;
    }
    for (const sg4::CommPtr& comm : comms) {
      comm->wait();
      result.stage_transfer_s = std::max(result.stage_transfer_s, comm->get_finish_time() - start);
    }
  });
  engine.run();
}

}  // namespace ringsim
