#pragma once
// The machine as a graph (Boost.Graph): devices, switches and the links between
// them, built from a HardwareSpec; routes between devices; and where the ring's
// ranks sit on it.
//
// GPU clusters: nodes of `devices_per_node` GPUs, each GPU with one link to its
// node's NVSwitch and one InfiniBand NIC on a two-level fat tree (FabricSpec):
// rail-optimised by default (a leaf switch per rail and group of kNodesPerLeaf
// nodes) or a plain fat tree (a leaf per kLeafDownPorts NICs, all rails), every
// leaf linked to every spine; full bisection unless oversubscribed. TPU slices:
// a 1-, 2- or 3-D torus of chips with wraparound ICI links; chips forward
// traffic.
//
// Latency is split so that a route's latencies add up to the LinkSpec's: a
// GPU's links to its NVSwitch and its leaf carry half of the intra/inter-node
// latency each, switch-to-switch links none; a torus link carries the whole ICI
// latency. So an uncontended transfer over a ring hop takes exactly
// TransferTime(link, bytes) of sim/ring_links.h.

#include <boost/graph/adjacency_list.hpp>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim/hardware_spec.h"

namespace ringsim {

/// Nodes under one leaf switch of a rail (a 64-port switch: 32 down, 32 up).
inline constexpr int64_t kNodesPerLeaf = 32;
/// A leaf's ports towards the devices (the other half go up to the spines).
inline constexpr int64_t kLeafDownPorts = 32;

/// How a GPU cluster's InfiniBand fabric is built and where the job's nodes sit on it.
struct FabricSpec {
  enum Kind {
    kRailOptimised,  ///< a leaf per rail (local GPU index) and kNodesPerLeaf nodes
    kFatTree,        ///< a leaf per kLeafDownPorts NICs of consecutive nodes, all rails
  } kind = kRailOptimised;
  /// A leaf's down ports per up port: 1 is full bisection; k keeps ceil(down / k) uplinks,
  /// one to each spine (NVIDIA's reference clusters are 1; 2:1 to 4:1 are common elsewhere).
  int64_t oversubscription = 1;
  enum Placement {
    kPacked,  ///< the job's node j in fabric slot j: leaves filled one after the other
    kSpread,  ///< consecutive nodes on consecutive leaves (round-robin), as a scheduler that
              ///< hands out free nodes across the fabric places them
  } placement = kPacked;
};

const char* FabricKindName(FabricSpec::Kind kind);
const char* PlacementName(FabricSpec::Placement placement);

/// What a link belongs to.
enum class LinkClass {
  kIntraNode,  ///< GPU <-> NVSwitch, or a torus ICI link
  kInterNode,  ///< GPU <-> InfiniBand leaf (the slow fabric)
  kCore,       ///< leaf <-> spine inside the fat tree (also the slow fabric)
};

struct TopologyVertex {
  std::string name;     ///< "gpu12", "nvsw1", "leaf3.0", "spine5", "chip(1,2,0)"
  int64_t device = -1;  ///< device index, or -1 for a switch
};

/// A full-duplex link: each direction has the full bandwidth.
struct TopologyLink {
  std::string name;  ///< unique, e.g. "nvl:gpu3", "ib:gpu3",
                     ///< "core:leaf0.1-spine2", "ici:5-6"
  LinkClass link_class = LinkClass::kIntraNode;
  std::string kind;      ///< the LinkSpec kind ("nvlink3", "ib-hdr", "ici")
  int64_t a = 0, b = 0;  ///< vertex indices
  double bw_bytes_per_s = 0;
  double latency_s = 0;
};

using TopologyGraph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, TopologyVertex,
                          boost::property<boost::edge_index_t, int64_t>>;

/// One link of a route, in the direction travelled.
struct RouteHop {
  int64_t link = 0;
  bool forward = true;  ///< travelling from links[link].a to links[link].b
};

struct MachineTopology {
  HardwareSpec hardware;
  bool torus = false;
  int64_t devices = 0;
  std::vector<int64_t> torus_shape;  ///< torus only: dims, x fastest in device numbering
  int64_t nodes = 0, leaves_per_rail = 0, spines = 0;  ///< GPU clusters only
  FabricSpec fabric;                                   ///< GPU clusters only
  int64_t nodes_per_leaf = 0;                          ///< GPU clusters only
  /// GPU clusters: each device's leaf (an index into leaf_vertex), its InfiniBand and NVLink
  /// links (-1 without NVLink), each leaf's link to spine s at core_link[leaf * spines + s].
  std::vector<int64_t> device_leaf, device_ib_link, device_nvl_link, leaf_vertex, core_link;
  /// GPU clusters: the fabric slot of each node (placement), for D-mod-k spine choice.
  std::vector<int64_t> node_slot;
  TopologyGraph graph;
  std::vector<TopologyLink> links;
  std::vector<int64_t> device_vertex;  ///< device index -> vertex
  std::unordered_map<std::string, int64_t> link_by_name;

  /// The torus coordinates of `device` (x fastest).
  std::vector<int64_t> Coordinates(int64_t device) const;
  /// The device at torus coordinates `coords`.
  int64_t DeviceAt(const std::vector<int64_t>& coords) const;
  /// Index of the link called `name`, or -1.
  int64_t FindLink(const std::string& name) const;
};

/// A torus shape for `devices` chips: the hardware's own shape when its product
/// matches, else `devices` factored over as many dimensions as the hardware's
/// shape has (3 if none given), as evenly as possible (1024 over 3 dims: {8, 8,
/// 16}).
std::vector<int64_t> TorusShapeFor(const HardwareSpec& hardware, int64_t devices);

/// Builds the graph of `devices` devices of `hardware` (a partial last node is
/// allowed); `fabric` shapes a GPU cluster's InfiniBand (tori ignore it).
MachineTopology BuildTopology(const HardwareSpec& hardware, int64_t devices,
                              const FabricSpec& fabric = {});

/// The route from device `from` to device `to` that avoids links marked in
/// `failed` (indexed like topology.links; may be empty): dimension-order on
/// tori, NVSwitch inside a node and NIC -> leaf -> spine -> leaf -> NIC across
/// nodes on GPU clusters, the spine chosen by destination (D-mod-k: the
/// destination node's fabric slot on a rail-optimised fabric, its NIC's on a
/// plain fat tree); where that route has a failed link, a shortest path by
/// breadth-first search (GPUs never forward traffic, TPU chips do). Returns
/// false when no route exists.
bool FindRoute(const MachineTopology& topology, int64_t from, int64_t to,
               const std::vector<bool>& failed, std::vector<RouteHop>* route);

/// Latency and bottleneck bandwidth of a route (with per-link bandwidth
/// factors, may be empty).
double RouteLatency(const MachineTopology& topology, const std::vector<RouteHop>& route);
double RouteBandwidth(const MachineTopology& topology, const std::vector<RouteHop>& route,
                      const std::vector<double>& bw_factor);

enum class RingEmbedding {
  kRankOrder,      ///< rank r on device r * tensor (what sim/ring_links.h assumes)
  kTopologyAware,  ///< boustrophedon (snake) order: over the torus, or over
                   ///< nodes so each node is entered on the rail the previous
                   ///< one left on
};

const char* RingEmbeddingName(RingEmbedding embedding);

/// The device each ring rank runs on (its tensor-parallel group's first
/// device).
std::vector<int64_t> EmbedRing(const MachineTopology& topology, int64_t ranks, int64_t tensor,
                               RingEmbedding embedding);

/// How a ring embedding uses the machine.
struct EmbeddingStats {
  int64_t hops = 0;               ///< ring hops (ranks, or 0 for a ring of 1)
  int64_t slow_hops = 0;          ///< hops whose route uses InfiniBand (the slow fabric)
  int64_t core_hops = 0;          ///< hops whose route crosses the fat-tree core (spines)
  int64_t multi_link_hops = 0;    ///< torus hops that are not between neighbours
  int64_t max_route_links = 0;    ///< longest route, in links
  int64_t max_hops_per_link = 0;  ///< most ring hops sharing one link direction
};

/// Routes every hop rank r -> r + 1 of `device_of_rank`. Throws
/// std::runtime_error naming the hop when a failed link leaves no route (the
/// ring is broken).
EmbeddingStats AnalyzeEmbedding(const MachineTopology& topology,
                                const std::vector<int64_t>& device_of_rank,
                                const std::vector<bool>& failed);

/// Devices as people name a group of them: "gpuN" (device N), "nodeN" (node N's devices),
/// "railN" (local device N of every node: a rail-optimised fabric's rail N).
struct DeviceGroup {
  enum Kind { kGpu, kNode, kRail } kind = kGpu;
  int64_t index = 0;
};

/// Reads `name` as a DeviceGroup (the prefix, then 1 to 9 digits); false if it is not one.
bool ParseDeviceGroup(const std::string& name, DeviceGroup* group);

/// The devices of `group` on a machine of `devices` devices, `per_node` to a node (a node's
/// are listed whether or not the machine has them; a rail beyond a node's devices has none).
std::vector<int64_t> GroupDevices(const DeviceGroup& group, int64_t devices, int64_t per_node);

}  // namespace ringsim
