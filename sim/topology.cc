#include "sim/topology.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/filtered_graph.hpp>
#include <map>
#include <stdexcept>
#include <utility>

namespace ringsim {

namespace {

using Vertex = TopologyGraph::vertex_descriptor;
using Edge = TopologyGraph::edge_descriptor;

int64_t AddVertex(MachineTopology& t, std::string name, int64_t device) {
  return static_cast<int64_t>(boost::add_vertex(TopologyVertex{std::move(name), device}, t.graph));
}

void AddLink(MachineTopology& t, std::string name, LinkClass link_class, const LinkSpec& spec,
             int64_t a, int64_t b, double latency_s) {
  int64_t index = static_cast<int64_t>(t.links.size());
  t.link_by_name[name] = index;
  t.links.push_back({std::move(name), link_class, spec.kind, a, b, spec.bw_bytes_per_s, latency_s});
  boost::add_edge(static_cast<Vertex>(a), static_cast<Vertex>(b), index, t.graph);
}

int64_t Product(const std::vector<int64_t>& dims) {
  int64_t p = 1;
  for (int64_t d : dims) p *= d;
  return p;
}

void BuildTorus(MachineTopology& t) {
  const HardwareSpec& hw = t.hardware;
  t.torus_shape = TorusShapeFor(hw, t.devices);
  for (int64_t d = 0; d < t.devices; ++d) {
    std::vector<int64_t> c = t.Coordinates(d);
    std::string name = "chip(";
    for (size_t k = 0; k < c.size(); ++k) name += (k ? "," : "") + std::to_string(c[k]);
    t.device_vertex.push_back(AddVertex(t, name + ")", d));
  }
  for (int64_t d = 0; d < t.devices; ++d) {
    std::vector<int64_t> c = t.Coordinates(d);
    for (size_t k = 0; k < c.size(); ++k) {
      int64_t size = t.torus_shape[k];
      if (size < 2 || (size == 2 && c[k] == 1)) continue;  // a 2-ring has one link per pair
      std::vector<int64_t> n = c;
      n[k] = (c[k] + 1) % size;
      int64_t e = t.DeviceAt(n);
      AddLink(t, fmt::format("ici:{}-{}", std::min(d, e), std::max(d, e)), LinkClass::kIntraNode,
              hw.intra_node, t.device_vertex[d], t.device_vertex[e], hw.intra_node.latency_s);
    }
  }
}

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Where node j sits on the fabric: packed fills the leaves in order; spread deals the nodes
// round-robin over the leaf groups (slot (j mod L) * per_leaf + j / L: distinct, and below
// L * per_leaf since j < nodes <= L * per_leaf).
int64_t NodeSlot(int64_t node, int64_t nodes, int64_t per_leaf, FabricSpec::Placement placement) {
  if (placement == FabricSpec::kPacked) return node;
  const int64_t groups = CeilDiv(nodes, per_leaf);
  return node % groups * per_leaf + node / groups;
}

void BuildFatTree(MachineTopology& t) {
  const HardwareSpec& hw = t.hardware;
  const FabricSpec& fabric = t.fabric;
  const bool rails = fabric.kind == FabricSpec::kRailOptimised;
  const int64_t dpn = std::max<int64_t>(1, hw.devices_per_node);
  t.nodes = CeilDiv(t.devices, dpn);
  // A rail's leaf serves kNodesPerLeaf nodes; a plain leaf kLeafDownPorts NICs (at least
  // one node's).
  t.nodes_per_leaf = rails ? kNodesPerLeaf : std::max<int64_t>(1, kLeafDownPorts / dpn);
  t.leaves_per_rail = CeilDiv(t.nodes, t.nodes_per_leaf);
  const int64_t rails_used = std::min(dpn, t.devices);
  // Full bisection: as many uplinks (one per spine) as a leaf has NICs below it.
  const int64_t down_ports =
      std::min(t.nodes, t.nodes_per_leaf) * (rails ? 1 : std::min(dpn, t.devices));
  t.spines =
      std::max<int64_t>(1, CeilDiv(down_ports, std::max<int64_t>(1, fabric.oversubscription)));
  for (int64_t n = 0; n < t.nodes; ++n) {
    t.node_slot.push_back(NodeSlot(n, t.nodes, t.nodes_per_leaf, fabric.placement));
  }
  for (int64_t d = 0; d < t.devices; ++d) {
    t.device_vertex.push_back(AddVertex(t, fmt::format("gpu{}", d), d));
  }
  std::vector<int64_t> switch_of_node;
  if (dpn > 1) {
    for (int64_t n = 0; n < t.nodes; ++n) {
      switch_of_node.push_back(AddVertex(t, fmt::format("nvsw{}", n), -1));
    }
  }
  // Leaves: rail * leaves_per_rail + group on a rail-optimised fabric, group on a plain one.
  std::vector<std::string> leaf_name;
  for (int64_t r = 0; r < (rails ? rails_used : 1); ++r) {
    for (int64_t g = 0; g < t.leaves_per_rail; ++g) {
      leaf_name.push_back(rails ? fmt::format("leaf{}.{}", r, g) : fmt::format("leaf{}", g));
      t.leaf_vertex.push_back(AddVertex(t, leaf_name.back(), -1));
    }
  }
  std::vector<int64_t> spine;
  for (int64_t s = 0; s < t.spines; ++s)
    spine.push_back(AddVertex(t, fmt::format("spine{}", s), -1));

  for (int64_t d = 0; d < t.devices; ++d) {
    const int64_t node = d / dpn;
    t.device_nvl_link.push_back(-1);
    if (dpn > 1) {
      t.device_nvl_link.back() = static_cast<int64_t>(t.links.size());
      AddLink(t, fmt::format("nvl:gpu{}", d), LinkClass::kIntraNode, hw.intra_node,
              t.device_vertex[d], switch_of_node[node], hw.intra_node.latency_s / 2);
    }
    const int64_t group = t.node_slot[node] / t.nodes_per_leaf;
    t.device_leaf.push_back(rails ? (d % dpn) * t.leaves_per_rail + group : group);
    t.device_ib_link.push_back(static_cast<int64_t>(t.links.size()));
    AddLink(t, fmt::format("ib:gpu{}", d), LinkClass::kInterNode, hw.inter_node, t.device_vertex[d],
            t.leaf_vertex[t.device_leaf[d]], hw.inter_node.latency_s / 2);
  }
  for (size_t l = 0; l < t.leaf_vertex.size(); ++l) {
    for (int64_t s = 0; s < t.spines; ++s) {
      t.core_link.push_back(static_cast<int64_t>(t.links.size()));
      AddLink(t, fmt::format("core:{}-spine{}", leaf_name[l], s), LinkClass::kCore, hw.inter_node,
              t.leaf_vertex[l], spine[s], 0.0);
    }
  }
}

// Appends the link between adjacent vertices u -> v; false if there is none or
// it failed.
bool Step(const MachineTopology& t, int64_t u, int64_t v, const std::vector<bool>& failed,
          std::vector<RouteHop>* route) {
  auto [e, found] = boost::edge(static_cast<Vertex>(u), static_cast<Vertex>(v), t.graph);
  if (!found) return false;
  int64_t link = boost::get(boost::edge_index, t.graph, e);
  if (!failed.empty() && failed[link]) return false;
  route->push_back({link, t.links[link].a == u});
  return true;
}

bool TorusRoute(const MachineTopology& t, int64_t from, int64_t to, const std::vector<bool>& failed,
                std::vector<RouteHop>* route) {
  std::vector<int64_t> c = t.Coordinates(from), target = t.Coordinates(to);
  for (size_t k = 0; k < c.size(); ++k) {
    int64_t size = t.torus_shape[k];
    int64_t delta = ((target[k] - c[k]) % size + size) % size;
    int64_t dir = delta * 2 <= size ? 1 : -1;
    while (c[k] != target[k]) {
      int64_t u = t.device_vertex[t.DeviceAt(c)];
      c[k] = ((c[k] + dir) % size + size) % size;
      if (!Step(t, u, t.device_vertex[t.DeviceAt(c)], failed, route)) return false;
    }
  }
  return true;
}

bool FatTreeRoute(const MachineTopology& t, int64_t from, int64_t to,
                  const std::vector<bool>& failed, std::vector<RouteHop>* route) {
  const int64_t dpn = std::max<int64_t>(1, t.hardware.devices_per_node);
  auto link = [&](int64_t l, bool forward) {
    if (!failed.empty() && failed[l]) return false;
    route->push_back({l, forward});
    return true;
  };
  if (dpn > 1 && from / dpn == to / dpn) {
    return link(t.device_nvl_link[from], true) && link(t.device_nvl_link[to], false);
  }
  const int64_t leaf_a = t.device_leaf[from], leaf_b = t.device_leaf[to];
  if (!link(t.device_ib_link[from], true)) return false;
  if (leaf_a != leaf_b) {
    const int64_t slot = t.node_slot[to / dpn];
    const int64_t s =
        (t.fabric.kind == FabricSpec::kRailOptimised ? slot : slot * dpn + to % dpn) % t.spines;
    if (!link(t.core_link[leaf_a * t.spines + s], true) ||
        !link(t.core_link[leaf_b * t.spines + s], false)) {
      return false;
    }
  }
  return link(t.device_ib_link[to], false);
}

struct UsableEdge {
  const std::vector<bool>* failed = nullptr;
  const TopologyGraph* graph = nullptr;
  bool operator()(const Edge& e) const {
    return failed->empty() || !(*failed)[boost::get(boost::edge_index, *graph, e)];
  }
};

// GPUs do not forward other devices' traffic; switches and TPU chips do.
struct TransitVertex {
  const MachineTopology* topology = nullptr;
  int64_t from = 0, to = 0;
  bool operator()(const Vertex& v) const {
    int64_t device = topology->graph[v].device;
    return topology->torus || device < 0 || device == from || device == to;
  }
};

class TreeEdgeRecorder : public boost::default_bfs_visitor {
 public:
  explicit TreeEdgeRecorder(std::vector<int64_t>* parent_link) : parent_link_(parent_link) {}
  template <class G>
  void tree_edge(const typename boost::graph_traits<G>::edge_descriptor& e, const G& g) const {
    (*parent_link_)[boost::target(e, g)] = boost::get(boost::edge_index, g, e);
  }

 private:
  std::vector<int64_t>* parent_link_;
};

bool SearchRoute(const MachineTopology& t, int64_t from, int64_t to,
                 const std::vector<bool>& failed, std::vector<RouteHop>* route) {
  UsableEdge edges{&failed, &t.graph};
  TransitVertex vertices{&t, from, to};
  boost::filtered_graph<TopologyGraph, UsableEdge, TransitVertex> g(t.graph, edges, vertices);
  const size_t n = boost::num_vertices(t.graph);
  std::vector<int64_t> parent_link(n, -1);
  std::vector<boost::default_color_type> color(n);
  Vertex source = static_cast<Vertex>(t.device_vertex[from]);
  boost::breadth_first_search(g, source,
                              boost::visitor(TreeEdgeRecorder(&parent_link))
                                  .color_map(boost::make_iterator_property_map(
                                      color.begin(), boost::get(boost::vertex_index, g))));
  int64_t v = t.device_vertex[to];
  std::vector<RouteHop> reversed;
  while (v != static_cast<int64_t>(source)) {
    int64_t l = parent_link[v];
    if (l < 0) return false;
    const TopologyLink& link = t.links[l];
    bool forward = link.b == v;  // travelled a -> b
    reversed.push_back({l, forward});
    v = forward ? link.a : link.b;
  }
  route->insert(route->end(), reversed.rbegin(), reversed.rend());
  return true;
}

// Position p of the boustrophedon walk over `dims` (visited in `order`, slowest
// first): the walk over the faster dimensions runs backwards whenever a slower
// digit is odd, so consecutive positions differ by one in one coordinate.
std::vector<int64_t> SnakeCoordinates(int64_t p, const std::vector<int64_t>& dims,
                                      const std::vector<size_t>& order) {
  std::vector<int64_t> c(dims.size(), 0);
  int64_t inner = 1;
  for (size_t k = 1; k < order.size(); ++k) inner *= dims[order[k]];
  for (size_t k = 0; k < order.size(); ++k) {
    int64_t digit = p / inner;
    p %= inner;
    c[order[k]] = digit;
    if (digit % 2 == 1) p = inner - 1 - p;
    if (k + 1 < order.size()) inner /= dims[order[k + 1]];
  }
  return c;
}

}  // namespace

std::vector<int64_t> MachineTopology::Coordinates(int64_t device) const {
  std::vector<int64_t> c;
  for (int64_t size : torus_shape) {
    c.push_back(device % size);
    device /= size;
  }
  return c;
}

int64_t MachineTopology::DeviceAt(const std::vector<int64_t>& coords) const {
  int64_t device = 0;
  for (size_t k = coords.size(); k-- > 0;) device = device * torus_shape[k] + coords[k];
  return device;
}

int64_t MachineTopology::FindLink(const std::string& name) const {
  auto it = link_by_name.find(name);
  return it == link_by_name.end() ? -1 : it->second;
}

std::vector<int64_t> TorusShapeFor(const HardwareSpec& hw, int64_t devices) {
  if (!hw.torus_shape.empty() && Product(hw.torus_shape) == devices) return hw.torus_shape;
  size_t rank = hw.torus_shape.empty() ? 3 : hw.torus_shape.size();
  std::vector<int64_t> primes;
  for (int64_t n = devices, f = 2; n > 1;) {
    if (f * f > n) {
      primes.push_back(n);
      break;
    }
    if (n % f == 0) {
      primes.push_back(f);
      n /= f;
    } else {
      ++f;
    }
  }
  std::sort(primes.rbegin(), primes.rend());
  std::vector<int64_t> dims(rank, 1);
  for (int64_t p : primes) *std::min_element(dims.begin(), dims.end()) *= p;
  std::sort(dims.begin(), dims.end());
  return dims;
}

const char* FabricKindName(FabricSpec::Kind kind) {
  return kind == FabricSpec::kFatTree ? "fat-tree" : "rail-optimised";
}

const char* PlacementName(FabricSpec::Placement placement) {
  return placement == FabricSpec::kSpread ? "spread" : "packed";
}

MachineTopology BuildTopology(const HardwareSpec& hardware, int64_t devices,
                              const FabricSpec& fabric) {
  MachineTopology t;
  t.hardware = hardware;
  t.fabric = fabric;
  t.devices = devices;
  t.torus = hardware.topology == Topology::kTorus;
  if (t.torus) {
    BuildTorus(t);
  } else {
    BuildFatTree(t);
  }
  return t;
}

bool FindRoute(const MachineTopology& t, int64_t from, int64_t to, const std::vector<bool>& failed,
               std::vector<RouteHop>* route) {
  route->clear();
  if (from == to) return true;
  bool ok =
      t.torus ? TorusRoute(t, from, to, failed, route) : FatTreeRoute(t, from, to, failed, route);
  if (ok) return true;
  route->clear();
  return SearchRoute(t, from, to, failed, route);
}

double RouteLatency(const MachineTopology& t, const std::vector<RouteHop>& route) {
  double latency = 0;
  for (const RouteHop& hop : route) latency += t.links[hop.link].latency_s;
  return latency;
}

double RouteBandwidth(const MachineTopology& t, const std::vector<RouteHop>& route,
                      const std::vector<double>& bw_factor) {
  double bw = 0;
  for (const RouteHop& hop : route) {
    double b = t.links[hop.link].bw_bytes_per_s * (bw_factor.empty() ? 1.0 : bw_factor[hop.link]);
    bw = bw == 0 ? b : std::min(bw, b);
  }
  return bw;
}

const char* RingEmbeddingName(RingEmbedding embedding) {
  return embedding == RingEmbedding::kRankOrder ? "rank-order" : "topology-aware";
}

std::vector<int64_t> EmbedRing(const MachineTopology& t, int64_t ranks, int64_t tensor,
                               RingEmbedding embedding) {
  std::vector<int64_t> device(ranks);
  for (int64_t r = 0; r < ranks; ++r) device[r] = r * tensor;
  if (embedding == RingEmbedding::kRankOrder) return device;
  if (t.torus) {
    // Tensor-parallel groups fill a dimension of their size where there is one (the ring
    // then walks the others); otherwise they are runs of the walk.
    std::vector<size_t> order;
    size_t group_dim = t.torus_shape.size();
    for (size_t k = 0; k < t.torus_shape.size() && tensor > 1 && group_dim == t.torus_shape.size();
         ++k) {
      if (t.torus_shape[k] == tensor) group_dim = k;
    }
    for (size_t k = t.torus_shape.size(); k-- > 0;) {
      if (k != group_dim) order.push_back(k);
    }
    // Walk the largest even dimension slowest, so the walk ends next to where it began.
    auto even = std::find_if(order.begin(), order.end(),
                             [&](size_t k) { return t.torus_shape[k] % 2 == 0; });
    if (even != order.end()) std::rotate(order.begin(), even, even + 1);
    const int64_t stride = group_dim < t.torus_shape.size() ? 1 : tensor;
    for (int64_t r = 0; r < ranks; ++r) {
      device[r] = t.DeviceAt(SnakeCoordinates(r * stride, t.torus_shape, order));
    }
    return device;
  }
  const int64_t dpn = std::max<int64_t>(1, t.hardware.devices_per_node);
  if (tensor > dpn || dpn % tensor != 0) return device;
  // Node by node; odd nodes take their tensor groups in reverse, so a node is
  // entered on the rail (local GPU index) the previous node was left on and the
  // hop stays under one leaf.
  const int64_t groups_per_node = dpn / tensor;
  int64_t r = 0;
  for (int64_t node = 0; r < ranks; ++node) {
    int64_t first = node * groups_per_node;
    int64_t count = std::min(groups_per_node, ranks - first);
    for (int64_t k = 0; k < count; ++k, ++r) {
      int64_t group = node % 2 == 0 ? first + k : first + count - 1 - k;
      device[r] = group * tensor;
    }
  }
  return device;
}

EmbeddingStats AnalyzeEmbedding(const MachineTopology& t,
                                const std::vector<int64_t>& device_of_rank,
                                const std::vector<bool>& failed) {
  EmbeddingStats stats;
  const int64_t n = static_cast<int64_t>(device_of_rank.size());
  if (n < 2) return stats;
  stats.hops = n;
  std::map<std::pair<int64_t, bool>, int64_t> load;
  std::vector<RouteHop> route;
  for (int64_t r = 0; r < n; ++r) {
    int64_t from = device_of_rank[r], to = device_of_rank[(r + 1) % n];
    if (!FindRoute(t, from, to, failed, &route)) {
      throw std::runtime_error(fmt::format(
          "the ring is broken: no route from rank {} ({}) to rank "
          "{} ({}) avoids the failed links",
          r, t.graph[t.device_vertex[from]].name, (r + 1) % n, t.graph[t.device_vertex[to]].name));
    }
    bool slow = false, core = false;
    for (const RouteHop& hop : route) {
      LinkClass c = t.links[hop.link].link_class;
      slow |= c != LinkClass::kIntraNode;
      core |= c == LinkClass::kCore;
      stats.max_hops_per_link = std::max(stats.max_hops_per_link, ++load[{hop.link, hop.forward}]);
    }
    stats.slow_hops += slow;
    stats.core_hops += core;
    stats.multi_link_hops += t.torus && route.size() > 1;
    stats.max_route_links = std::max<int64_t>(stats.max_route_links, route.size());
  }
  return stats;
}

bool ParseDeviceGroup(const std::string& name, DeviceGroup* group) {
  for (auto [prefix, kind] : {std::pair<std::string, DeviceGroup::Kind>{"gpu", DeviceGroup::kGpu},
                              {"node", DeviceGroup::kNode},
                              {"rail", DeviceGroup::kRail}}) {
    const size_t digits = name.size() - std::min(name.size(), prefix.size());
    if (name.rfind(prefix, 0) == 0 && digits >= 1 && digits <= 9 &&
        name.find_first_not_of("0123456789", prefix.size()) == std::string::npos) {
      *group = {kind, std::stoll(name.substr(prefix.size()))};
      return true;
    }
  }
  return false;
}

std::vector<int64_t> GroupDevices(const DeviceGroup& group, int64_t devices, int64_t per_node) {
  std::vector<int64_t> out;
  switch (group.kind) {
    case DeviceGroup::kGpu:
      out.push_back(group.index);
      break;
    case DeviceGroup::kNode:
      for (int64_t d = group.index * per_node; d < (group.index + 1) * per_node; ++d) {
        out.push_back(d);
      }
      break;
    case DeviceGroup::kRail:
      for (int64_t d = group.index; group.index < per_node && d < devices; d += per_node) {
        out.push_back(d);
      }
      break;
  }
  return out;
}

}  // namespace ringsim
