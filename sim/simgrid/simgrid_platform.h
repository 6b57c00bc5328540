#pragma once
// The simulated platform, built in code from the machine's topology graph (3.32 API): one
// host per ring rank, a link per direction of every topology link a route uses, and explicit
// routes computed on the graph, in a zone that keeps only the routes it is given
// (sparse_route_zone.h), so that its memory grows with the ranks, not their square.

#include <cstdint>
#include <simgrid/s4u.hpp>
#include <vector>

#include "sim/simgrid/simgrid_replay.h"

namespace ringsim {

struct Platform {
  std::vector<simgrid::s4u::Host*> rank_host;   ///< host of each ring rank
  std::vector<simgrid::s4u::Host*> stage_host;  ///< host of each rank's next-stage peer
  int64_t links = 0;
  int64_t routes = 0;
};

/// Creates the engine with the network model accelerator links need. SimGrid's
/// default (LV08) multiplies latency by 13.01, bandwidth by 0.97 and caps a
/// flow at TCP-gamma / (2 * latency), far below NVLink rates at microsecond
/// latencies. CM02 with factors 1, no cross-traffic and an unbounded TCP window
/// makes an uncontended transfer of B bytes take exactly latency + B /
/// bandwidth; contended flows share links max-min fairly. SimGrid supports one
/// engine per process: the front end runs each simulation in a child.
simgrid::s4u::Engine& StartEngine();

/// Builds the platform for `setup` in the engine's root zone and seals it.
Platform BuildPlatform(const ReplaySetup& setup);

/// Pipeline parallelism: after `engine`'s replay has run, every rank sends one micro-batch's
/// activations (Schedule::pipeline_p2p_bytes) to its peer on the next stage, all at once (in
/// 1F1B's steady state every stage boundary transfers together), and the slowest transfer's
/// seconds go to `result`. Nothing without a pipeline.
void PriceStageTransfers(simgrid::s4u::Engine& engine, const Platform& platform,
                         const ReplaySetup& setup, ReplayResult& result);

}  // namespace ringsim
