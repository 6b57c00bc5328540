#include "sim/simgrid/sparse_route_zone.h"

#include <simgrid/kernel/routing/NetPoint.hpp>
#include <simgrid/kernel/routing/NetZoneImpl.hpp>
#include <stdexcept>
#include <unordered_map>
#include <vector>

namespace ringsim {

namespace {

namespace routing = simgrid::kernel::routing;

class SparseRouteZone : public routing::NetZoneImpl {
 public:
  explicit SparseRouteZone(const std::string& name) : NetZoneImpl(name) {}

  void add_route(routing::NetPoint* src, routing::NetPoint* dst, routing::NetPoint* gw_src,
                 routing::NetPoint* gw_dst, const std::vector<simgrid::s4u::LinkInRoute>& links,
                 bool symmetrical) override {
    // ringsim's platforms give one route per direction between hosts of this zone.
    if (gw_src != nullptr || gw_dst != nullptr || symmetrical) {
      throw std::logic_error(
          "SparseRouteZone: symmetrical routes and routes between zones are "
          "not supported");
    }
    Stored& route = routes_[Key(src, dst)];
    route.links = get_link_list_impl(links, false);
    route.latency_s = 0;
    for (const simgrid::s4u::LinkInRoute& link : links) {
      route.latency_s += link.get_link()->get_latency();
    }
  }

  void get_local_route(const routing::NetPoint* src, const routing::NetPoint* dst,
                       routing::Route* into, double* latency) override {
    const auto it = routes_.find(Key(src, dst));
    if (it == routes_.end()) {
      throw std::logic_error("SparseRouteZone: no route from " + src->get_name() + " to " +
                             dst->get_name());
    }
    into->link_list_.insert(into->link_list_.end(), it->second.links.begin(),
                            it->second.links.end());
    if (latency != nullptr) *latency += it->second.latency_s;
  }

 private:
  struct Stored {
    std::vector<simgrid::kernel::resource::StandardLinkImpl*> links;
    double latency_s = 0;
  };
  // Netpoint ids are dense and below 2^32 on any platform that fits in memory.
  static uint64_t Key(const routing::NetPoint* src, const routing::NetPoint* dst) {
    return (static_cast<uint64_t>(src->id()) << 32) | static_cast<uint64_t>(dst->id());
  }
  std::unordered_map<uint64_t, Stored> routes_;
};

}  // namespace

simgrid::s4u::NetZone* CreateSparseRouteZone(const std::string& name) {
  return (new SparseRouteZone(name))->get_iface();
}

}  // namespace ringsim
