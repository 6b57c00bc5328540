#pragma once
// A scenario bundles the three inputs (model, hardware, plan) with the workload.

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/hardware_spec.h"
#include "sim/implementation.h"
#include "sim/model_spec.h"
#include "sim/parallel_spec.h"
#include "sim/workload_spec.h"

namespace ringsim {

/// What only the SimGrid engine can see: slow devices, degraded and failed links, and how
/// the ring is laid onto the topology (scenario key `simgrid:`).
struct SimGridSpec {
  std::string mode = "auto";                 ///< auto | naive | fast replay
  std::string embedding = "topology-aware";  ///< topology-aware | rank-order
  std::map<int64_t, double> rank_speed;      ///< ring rank -> speed factor (0.8 = straggler)
  /// The same by where the rank runs: "gpuN" (the rank on device N), "nodeN" (every rank on
  /// node N), as rank_speed's non-numeric keys.
  std::map<std::string, double> device_speed;
  std::map<std::string, double> link_bw_factor;  ///< topology link -> bandwidth factor
  std::vector<std::string> failed_links;         ///< topology links that are down
  /// ring: one ring on an empty fabric; cluster: every device of a pipeline stage, every
  /// replica's ring and the FSDP collectives across them (sim/simgrid/simgrid_engine.h).
  std::string scope = "ring";
  std::string fabric = "rail-optimised";  ///< rail-optimised | fat-tree (sim/topology.h)
  int64_t oversubscription = 1;           ///< a leaf's down ports per up port (1, 2, 4 ... 32)
  std::string placement = "packed";       ///< packed | spread: the job's nodes on the leaves
};

struct Scenario {
  std::string name;
  std::string file;                    ///< where it was loaded from ("" if built in code)
  std::vector<std::string> overrides;  ///< the --set key=value pairs applied on top of it
  ModelSpec model;
  HardwareSpec hardware;
  int64_t devices = 1;
  ParallelSpec parallel;
  WorkloadSpec workload;
  /// Tokens per attention kernel block (scenario key `block`); 0 means auto: the tokens each
  /// device holds.
  int64_t kernel_block_tokens = 0;
  SimGridSpec simgrid;
  /// How the stack being modelled runs the ring (scenario key `implementation:`).
  ImplementationSpec implementation;

  /// K,V heads as they travel and are gathered: the model's, or the query's where the
  /// implementation's caller repeats them (ImplementationSpec::kv_heads_repeated).
  int64_t TravellingKvHeads() const {
    return implementation.kv_heads_repeated ? model.heads : model.kv_heads;
  }
  /// K,V heads on one device: the travelling heads split over tensor x ulysses, or one
  /// replicated head where the split is wider than the heads (tensor parallelism beyond the
  /// KV heads, as Megatron-LM replicates them).
  double KvHeadsPerDevice() const {
    const double split = static_cast<double>(parallel.tensor * parallel.ulysses);
    return std::max(1.0, static_cast<double>(TravellingKvHeads()) / split);
  }
  /// The job's devices on one node (those sharing a node's host): at most devices_per_node.
  int64_t DevicesOnNode() const {
    return std::max<int64_t>(1, std::min(devices, hardware.devices_per_node));
  }
  /// Tokens each device holds: seq_len / context.
  int64_t TokensPerDevice() const { return workload.seq_len / parallel.context; }
  /// The kernel block: kernel_block_tokens, or TokensPerDevice() when auto.
  int64_t KernelBlockTokens() const {
    return kernel_block_tokens > 0 ? kernel_block_tokens : TokensPerDevice();
  }
};

/// An implementation that parallelises the context by all-to-all (Transformer Engine's a2a)
/// runs the context group as Ulysses: its degree moves from parallel.context to
/// parallel.ulysses, and no ring is left. Called wherever a scenario gets its implementation.
inline void ApplyImplementationLayout(Scenario& s) {
  if (s.implementation.comm != CommPattern::kAllToAll || s.parallel.context == 1) return;
  s.parallel.ulysses *= s.parallel.context;
  s.parallel.context = 1;
}

}  // namespace ringsim
