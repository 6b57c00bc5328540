#include "sim/topology.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

namespace ringsim {
namespace {

// Round-number machines built by hand (no profile loader): 8 GPUs per node on
// 300 GB/s NVLink with one 25 GB/s rail per GPU, and a TPU-like torus of 45
// GB/s ICI links.
HardwareSpec GpuCluster() {
  HardwareSpec hw;
  hw.name = "test-gpu";
  hw.kind = "gpu";
  hw.devices_per_node = 8;
  hw.intra_node = {"nvlink", 300e9, 2e-6, "", ""};
  hw.inter_node = {"ib", 25e9, 5e-6, "", ""};
  hw.topology = Topology::kFatTree;
  return hw;
}

HardwareSpec TpuTorus(std::vector<int64_t> shape) {
  HardwareSpec hw;
  hw.name = "test-tpu";
  hw.kind = "tpu";
  hw.devices_per_node = 4;
  hw.intra_node = {"ici", 45e9, 1e-6, "", ""};
  hw.inter_node = hw.intra_node;
  hw.topology = Topology::kTorus;
  hw.torus_shape = std::move(shape);
  return hw;
}

TEST(TopologyTest, TorusShapeFactorsEvenly) {
  EXPECT_EQ(TorusShapeFor(TpuTorus({4, 4, 4}), 64), (std::vector<int64_t>{4, 4, 4}));
  EXPECT_EQ(TorusShapeFor(TpuTorus({4, 4, 4}), 1024), (std::vector<int64_t>{8, 8, 16}));
  EXPECT_EQ(TorusShapeFor(TpuTorus({4, 4, 4}), 12), (std::vector<int64_t>{2, 2, 3}));
  EXPECT_EQ(TorusShapeFor(TpuTorus({16, 16}), 64), (std::vector<int64_t>{8, 8}));
}

TEST(TopologyTest, TorusHasSixLinksPerChip) {
  MachineTopology t = BuildTopology(TpuTorus({4, 4, 4}), 64);
  EXPECT_EQ(t.devices, 64);
  EXPECT_EQ(t.links.size(), 64u * 3);  // each chip owns its +x, +y, +z link
  EXPECT_EQ(boost::out_degree(t.device_vertex[0], t.graph), 6u);
}

TEST(TopologyTest, GpuClusterShape) {
  MachineTopology t = BuildTopology(GpuCluster(), 64);  // 8 nodes
  EXPECT_EQ(t.nodes, 8);
  EXPECT_EQ(t.leaves_per_rail, 1);
  EXPECT_EQ(t.spines, 8);
  // 64 NVLink + 64 InfiniBand + 8 rails x 8 spines core links.
  EXPECT_EQ(t.links.size(), 64u + 64u + 64u);
  MachineTopology big = BuildTopology(GpuCluster(), 4096);
  EXPECT_EQ(big.leaves_per_rail, 16);
  EXPECT_EQ(big.spines, kNodesPerLeaf);
}

TEST(TopologyTest, OversubscriptionKeepsFewerSpines) {
  // 64 nodes of 8: two leaves per rail with 32 nodes below each; full bisection is one uplink
  // per down port (32 spines), 4:1 keeps 32 / 4 = 8.
  FabricSpec fabric;
  fabric.oversubscription = 4;
  MachineTopology t = BuildTopology(GpuCluster(), 512, fabric);
  EXPECT_EQ(t.leaves_per_rail, 2);
  EXPECT_EQ(t.spines, 8);
  EXPECT_EQ(t.links.size(), 512u + 512u + 8u * 2u * 8u);
  // Across leaves the spine is the destination node's slot mod 8 (D-mod-k): node 33 -> spine 1.
  std::vector<RouteHop> route;
  ASSERT_TRUE(FindRoute(t, 0, 33 * 8, {}, &route));
  ASSERT_EQ(route.size(), 4u);
  EXPECT_EQ(t.links[route[1].link].name, "core:leaf0.0-spine1");
  EXPECT_EQ(t.links[route[2].link].name, "core:leaf0.1-spine1");
  EXPECT_TRUE(route[1].forward);
  EXPECT_FALSE(route[2].forward);
}

TEST(TopologyTest, SpreadPlacementDealsNodesOverTheLeaves) {
  // 64 nodes, 2 leaf groups: node j in slot (j mod 2) * 32 + j / 2, so nodes 0, 2, 4 ... sit
  // under leaf group 0 and 1, 3, 5 ... under group 1; a hop from node 0 to node 1 crosses
  // the core, one from node 0 to node 2 does not.
  FabricSpec fabric;
  fabric.placement = FabricSpec::kSpread;
  MachineTopology t = BuildTopology(GpuCluster(), 512, fabric);
  EXPECT_EQ(t.node_slot[0], 0);
  EXPECT_EQ(t.node_slot[1], 32);
  EXPECT_EQ(t.node_slot[2], 1);
  EXPECT_EQ(t.node_slot[63], 63);
  std::vector<int64_t> slots = t.node_slot;
  std::sort(slots.begin(), slots.end());
  EXPECT_EQ(std::unique(slots.begin(), slots.end()), slots.end());
  std::vector<RouteHop> route;
  ASSERT_TRUE(FindRoute(t, 0, 8, {}, &route));
  EXPECT_EQ(route.size(), 4u);
  ASSERT_TRUE(FindRoute(t, 0, 16, {}, &route));
  EXPECT_EQ(route.size(), 2u);
  // 65 nodes: 3 groups, the last holding one node; every slot below 3 * 32.
  MachineTopology odd = BuildTopology(GpuCluster(), 65 * 8, fabric);
  for (int64_t slot : odd.node_slot) EXPECT_LT(slot, 96);
  EXPECT_EQ(odd.node_slot[64], 1 * 32 + 21);  // 64 mod 3 = 1, 64 / 3 = 21
}

TEST(TopologyTest, PlainFatTreeSharesLeavesAcrossRails) {
  // 8 GPUs a node: a plain leaf serves 32 NICs, 4 nodes, every rail; the spine is the
  // destination NIC's slot mod the spines, so a node's 8 NICs reach 8 spines.
  FabricSpec fabric;
  fabric.kind = FabricSpec::kFatTree;
  MachineTopology t = BuildTopology(GpuCluster(), 64, fabric);
  EXPECT_EQ(t.nodes_per_leaf, 4);
  EXPECT_EQ(t.leaves_per_rail, 2);
  EXPECT_EQ(t.spines, 32);
  EXPECT_EQ(t.links.size(), 64u + 64u + 2u * 32u);
  std::vector<RouteHop> route;
  ASSERT_TRUE(FindRoute(t, 7, 8, {}, &route));  // rail 7 -> rail 0 of node 1: one leaf
  EXPECT_EQ(route.size(), 2u);
  ASSERT_TRUE(FindRoute(t, 3, 4 * 8 + 5, {}, &route));  // node 0 -> node 4: leaf0 -> leaf1
  ASSERT_EQ(route.size(), 4u);
  EXPECT_EQ(t.links[route[1].link].name, "core:leaf0-spine5");  // (4 * 8 + 5) mod 32
}

TEST(TopologyTest, RoutesAddUpToTheLinkSpec) {
  MachineTopology t = BuildTopology(GpuCluster(), 16);
  std::vector<RouteHop> route;
  ASSERT_TRUE(FindRoute(t, 1, 6, {}, &route));  // same node: NVSwitch
  EXPECT_EQ(route.size(), 2u);
  EXPECT_DOUBLE_EQ(RouteLatency(t, route), 2e-6);
  EXPECT_DOUBLE_EQ(RouteBandwidth(t, route, {}), 300e9);
  ASSERT_TRUE(FindRoute(t, 7, 8, {}, &route));  // rail 7 -> rail 0: through a spine
  EXPECT_EQ(route.size(), 4u);
  EXPECT_DOUBLE_EQ(RouteLatency(t, route), 5e-6);
  EXPECT_DOUBLE_EQ(RouteBandwidth(t, route, {}), 25e9);
  ASSERT_TRUE(FindRoute(t, 7, 15, {}, &route));  // same rail: one leaf
  EXPECT_EQ(route.size(), 2u);
  EXPECT_DOUBLE_EQ(RouteLatency(t, route), 5e-6);

  MachineTopology torus = BuildTopology(TpuTorus({4, 4, 4}), 64);
  ASSERT_TRUE(FindRoute(torus, 0, 3, {}, &route));  // x wraparound: one link
  EXPECT_EQ(route.size(), 1u);
  EXPECT_DOUBLE_EQ(RouteLatency(torus, route), 1e-6);
  ASSERT_TRUE(FindRoute(torus, 0, torus.DeviceAt({2, 1, 3}), {}, &route));
  EXPECT_EQ(route.size(), 4u);  // 2 + 1 + 1 (z wraps)
}

TEST(TopologyTest, SnakeEmbedsTheRingOnTorusNeighbours) {
  MachineTopology t = BuildTopology(TpuTorus({4, 4, 4}), 64);
  EmbeddingStats naive = AnalyzeEmbedding(t, EmbedRing(t, 64, 1, RingEmbedding::kRankOrder), {});
  EmbeddingStats aware =
      AnalyzeEmbedding(t, EmbedRing(t, 64, 1, RingEmbedding::kTopologyAware), {});
  EXPECT_EQ(aware.hops, 64);
  EXPECT_EQ(aware.multi_link_hops, 0);
  EXPECT_EQ(aware.max_route_links, 1);
  EXPECT_EQ(aware.max_hops_per_link, 1);
  // Rank order (x fastest) leaves every 4th hop two or three links long.
  EXPECT_EQ(naive.multi_link_hops, 16);
  EXPECT_EQ(naive.max_route_links, 3);
  EXPECT_EQ(naive.slow_hops, 0);

  // Odd-sized dimensions: the walk still closes next to its start when one
  // dimension is even.
  MachineTopology odd = BuildTopology(TpuTorus({3, 4, 5}), 60);
  EXPECT_EQ(AnalyzeEmbedding(odd, EmbedRing(odd, 60, 1, RingEmbedding::kTopologyAware), {})
                .max_route_links,
            1);
}

TEST(TopologyTest, TensorGroupsFillATorusDimension) {
  // 8 ranks of 2-chip tensor groups on a 2x2x4 torus: groups along x, the ring walks y, z.
  MachineTopology t = BuildTopology(TpuTorus({4, 4, 4}), 16);
  ASSERT_EQ(t.torus_shape, (std::vector<int64_t>{2, 2, 4}));
  std::vector<int64_t> ranks = EmbedRing(t, 8, 2, RingEmbedding::kTopologyAware);
  for (int64_t device : ranks) EXPECT_EQ(t.Coordinates(device)[0], 0);
  EmbeddingStats aware = AnalyzeEmbedding(t, ranks, {});
  EXPECT_EQ(aware.multi_link_hops, 0);
  EXPECT_GT(AnalyzeEmbedding(t, EmbedRing(t, 8, 2, RingEmbedding::kRankOrder), {}).multi_link_hops,
            0);
}

TEST(TopologyTest, GpuSnakeKeepsInterNodeHopsUnderOneLeaf) {
  MachineTopology t = BuildTopology(GpuCluster(), 32);
  std::vector<int64_t> naive_ranks = EmbedRing(t, 32, 1, RingEmbedding::kRankOrder);
  std::vector<int64_t> aware_ranks = EmbedRing(t, 32, 1, RingEmbedding::kTopologyAware);
  EXPECT_EQ(aware_ranks[8], 15);  // node 1 is walked backwards
  EmbeddingStats naive = AnalyzeEmbedding(t, naive_ranks, {});
  EmbeddingStats aware = AnalyzeEmbedding(t, aware_ranks, {});
  EXPECT_EQ(naive.slow_hops,
            4);  // one per node: the minimum for a ring over 4 nodes
  EXPECT_EQ(aware.slow_hops, 4);
  EXPECT_EQ(naive.core_hops, 4);  // rail 7 -> rail 0 crosses the spines
  EXPECT_EQ(aware.core_hops, 0);  // rail 7 -> rail 7 stays under one leaf
  EXPECT_EQ(aware.max_route_links, 2);

  // Tensor parallelism: ranks are the first GPU of each pair.
  std::vector<int64_t> tp = EmbedRing(t, 16, 2, RingEmbedding::kTopologyAware);
  EXPECT_EQ(tp[0], 0);
  EXPECT_EQ(tp[4], 14);
}

TEST(TopologyTest, FailedLinksAreRoutedAround) {
  MachineTopology torus = BuildTopology(TpuTorus({4, 4, 4}), 64);
  std::vector<bool> failed(torus.links.size(), false);
  failed[torus.FindLink("ici:0-1")] = true;
  std::vector<RouteHop> route;
  ASSERT_TRUE(FindRoute(torus, 0, 1, failed, &route));
  EXPECT_EQ(route.size(), 3u);
  for (const RouteHop& hop : route) EXPECT_NE(torus.links[hop.link].name, "ici:0-1");

  // A GPU whose NVLink failed still reaches its node over InfiniBand.
  MachineTopology gpus = BuildTopology(GpuCluster(), 8);
  std::vector<bool> nvl(gpus.links.size(), false);
  nvl[gpus.FindLink("nvl:gpu3")] = true;
  ASSERT_TRUE(FindRoute(gpus, 2, 3, nvl, &route));
  EXPECT_EQ(route.size(),
            4u);  // ib:gpu2, leaf2 -> spine, spine -> leaf3, ib:gpu3
  EXPECT_DOUBLE_EQ(RouteBandwidth(gpus, route, {}), 25e9);
  EmbeddingStats stats =
      AnalyzeEmbedding(gpus, EmbedRing(gpus, 8, 1, RingEmbedding::kRankOrder), nvl);
  EXPECT_EQ(stats.slow_hops, 2);  // 2 -> 3 and 3 -> 4
}

TEST(TopologyTest, CutOffDeviceBreaksTheRing) {
  MachineTopology gpus = BuildTopology(GpuCluster(), 16);
  std::vector<bool> failed(gpus.links.size(), false);
  failed[gpus.FindLink("nvl:gpu5")] = true;
  failed[gpus.FindLink("ib:gpu5")] = true;
  try {
    AnalyzeEmbedding(gpus, EmbedRing(gpus, 16, 1, RingEmbedding::kRankOrder), failed);
    FAIL() << "expected a broken ring";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "the ring is broken: no route from rank 4 (gpu4) to rank 5 "
              "(gpu5) avoids the failed "
              "links");
  }
}

}  // namespace
}  // namespace ringsim

namespace ringsim {
namespace {

TEST(DeviceGroup, NamesAndTheirDevices) {
  DeviceGroup g;
  ASSERT_TRUE(ParseDeviceGroup("gpu13", &g));
  EXPECT_EQ(g.kind, DeviceGroup::kGpu);
  EXPECT_EQ(GroupDevices(g, 16, 8), std::vector<int64_t>{13});
  ASSERT_TRUE(ParseDeviceGroup("node1", &g));
  EXPECT_EQ(GroupDevices(g, 16, 4), (std::vector<int64_t>{4, 5, 6, 7}));
  ASSERT_TRUE(ParseDeviceGroup("rail3", &g));
  EXPECT_EQ(g.kind, DeviceGroup::kRail);
  EXPECT_EQ(GroupDevices(g, 16, 8), (std::vector<int64_t>{3, 11}));
  ASSERT_TRUE(ParseDeviceGroup("rail8", &g));
  EXPECT_TRUE(GroupDevices(g, 16, 8).empty());  // nodes of 8 have local GPUs 0 to 7
  for (const char* bad : {"gpu", "node", "gpu-1", "gpu1x", "gpu1234567890", "cpu3", "", "3"}) {
    EXPECT_FALSE(ParseDeviceGroup(bad, &g)) << bad;
  }
}

}  // namespace
}  // namespace ringsim
