#pragma once
// Internals of the SimGrid engine shared by its two replays
// (sim/simgrid_naive.cc, sim/simgrid_fast.cc) and the front end
// (sim/simgrid_engine.cc). Plain data: no SimGrid types here, so the setup is
// built (and checked) before the simulation process starts.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/rates.h"
#include "sim/schedule.h"
#include "sim/topology.h"
#include "sim/trace.h"

namespace ringsim {

/// Everything a replay needs, resolved from the schedule, the hardware and the
/// options.
struct ReplaySetup {
  const Schedule* schedule = nullptr;
  /// Peak rate and efficiencies, from MakeRates (links come from the topology instead).
  Rates rates;
  MachineTopology topology;
  /// Hosts: one per ring rank, or (scope cluster) one per device of a pipeline stage, ring by
  /// ring: host h is rank h % ring_ranks of ring copy h / ring_ranks. Every per-rank vector
  /// below is indexed by host.
  int64_t ring_ranks = 1;
  std::vector<int64_t> rank_device;    ///< host -> (first) device
  std::vector<double> rank_speed;      ///< host -> fraction of the device's normal speed
  std::vector<double> link_bw_factor;  ///< per topology link
  std::vector<bool> failed;            ///< per topology link
  std::vector<std::vector<RouteHop>> ring_routes;  ///< host -> RingNext(host)
  /// Double ring (RingPass::DoubleRing): each rank's next in its window and at its position of
  /// the next window, and the routes there; empty on a plain ring.
  std::vector<int64_t> ring_inner_next, ring_outer_next;
  std::vector<std::vector<RouteHop>> inner_routes, outer_routes;
  std::vector<int64_t> fsdp_next;                  ///< rank -> next rank of its FSDP ring
  std::vector<std::vector<RouteHop>> fsdp_routes;  ///< rank -> fsdp_next[rank]
  /// Pipeline parallelism: each rank's peer device on the next stage (pipeline_stride
  /// devices on), and the route there; empty without a pipeline.
  std::vector<int64_t> stage_peer;
  std::vector<std::vector<RouteHop>> stage_routes;
  bool naive = true;
  bool record_trace = false;
  int64_t max_trace_events = 0;

  int64_t hosts() const { return static_cast<int64_t>(rank_device.size()); }
  /// The host of ring rank `rank` in `host`'s ring.
  int64_t InRing(int64_t host, int64_t rank) const { return host / ring_ranks * ring_ranks + rank; }
  /// The next rank's host in `host`'s ring.
  int64_t RingNext(int64_t host) const {
    return InRing(host, (host % ring_ranks + 1) % ring_ranks);
  }
  /// Achieved GEMM FLOP rate of compute phase `phase` on rank `rank`.
  double MatmulRate(const Phase& phase, int64_t rank) const;
  /// Seconds rank `rank` computes in ring pass `ring` at `step`: RingStepPricer's time at
  /// the rank's speed (kernels, merges and fixed costs alike).
  double RingStepSeconds(const RingPass& ring, int64_t rank, int64_t step) const {
    return RingStepPricer(ring, rates).Seconds(rank, step) / rank_speed[rank];
  }
  /// Collective phases: chunks per device and bytes per chunk (a ring
  /// all-gather or reduce-scatter over the group: group - 1 steps of bytes /
  /// (group - 1)).
  static int64_t CollectiveChunks(const Phase& phase) { return phase.group - 1; }
  double ChunkBytes(const Phase& phase) const {
    return phase.bytes / static_cast<double>(CollectiveChunks(phase));
  }
  /// Seconds of the optimizer step (HBM-bound, every device alike).
  double OptimizerSeconds() const { return ringsim::OptimizerSeconds(*schedule, rates); }
};

/// What a replay measured; the front end turns it into an Estimate and a
/// report.
struct ReplayResult {
  std::string mode;                       ///< "naive" or "fast"
  std::vector<double> finish_s;           ///< per rank: end of its step
  std::vector<double> busy_s;             ///< per rank: computing (incl. optimizer)
  std::vector<double> exposed_s;          ///< per rank: blocked on a ring block or collective
  std::vector<double> layer_phase_end_s;  ///< first layer: latest end of each phase
  std::vector<double> collective_s;       ///< first layer: longest duration of each collective
  /// First layer: the longest ring transfer into each rank in each phase as replayed
  /// (contended: links shared with other hops and with the FSDP collectives), from both ends
  /// posting to arrival; index phase * ranks + rank. The overlap verdict of a SimGrid result
  /// compares the busiest rank's with the step's compute.
  std::vector<double> ring_transfer_in_s;
  double layers_end_s = 0;                  ///< latest end of the last layer
  std::vector<double> tail_phase_end_s;     ///< latest end of each tail phase
  std::vector<int64_t> peak_blocks;         ///< per rank: most ring blocks held at once
  std::vector<double> peak_buffer_bytes;    ///< per rank: most ring-message bytes held at once
  std::vector<TraceEvent> events;           ///< when recording
  std::vector<CounterSample> buffer_bytes;  ///< when recording: ring-buffer bytes per rank
  bool truncated = false;                   ///< the trace hit max_trace_events
  int64_t simulated_layers = 0;             ///< layers replayed (fast mode extrapolates the rest)
  /// Pipeline parallelism: the slowest of the ranks' stage-to-stage transfers, all sent at
  /// once after the replay (PriceStageTransfers); 0 without a pipeline.
  double stage_transfer_s = 0;
  /// Link directions (topology link, 1 forward / 0 backward) that a priced pattern saturated
  /// (SimGridLink::saturated), the most flows they shared, and the pattern's name.
  std::vector<int64_t> saturated_link, saturated_forward, saturated_flows;
  std::vector<std::string> saturated_by;
  int64_t simgrid_hosts = 0, simgrid_links = 0, simgrid_routes = 0;
  int64_t simgrid_activities = 0;  ///< execs and comms SimGrid simulated
};

/// A result of `mode` with every per-rank and per-phase figure at zero.
ReplayResult EmptyResult(const ReplaySetup& setup, const char* mode);

/// One activity per message: an actor per ring rank, mailboxes "ring:3->4".
ReplayResult RunNaiveReplay(const ReplaySetup& setup);
/// SimGrid prices each distinct traffic pattern once; the double-buffered ring
/// protocol is then evaluated by its exact max-plus recurrence, and repeating
/// layers are skipped.
ReplayResult RunFastReplay(const ReplaySetup& setup);

/// Appends trace events while the budget lasts.
class TraceRecorder {
 public:
  TraceRecorder(ReplayResult* result, const ReplaySetup& setup)
      : setup_(&setup),
        result_(result),
        enabled_(setup.record_trace),
        budget_(setup.max_trace_events) {}
  bool enabled() const { return enabled_; }
  /// A slice; a layer's slices are named "L<layer> <name>".
  void Slice(int64_t rank, TraceTrack track, std::string name, double start_s, double end_s,
             const SliceArgs& args = {});
  void Counter(int64_t rank, double time_s, double bytes);
  /// The flow id of the K,V block that phase `phase_index` of layer `layer` hands to rank `to`
  /// for step `step`: the same on the sending and the receiving side, in either replay. The
  /// index is into the schedule's layer phases, or its tail phases when `layer` is -1.
  int64_t FlowId(size_t phase_index, int64_t layer, int64_t to, int64_t step) const;

 private:
  const ReplaySetup* setup_;
  ReplayResult* result_;
  bool enabled_;
  int64_t budget_;
};

}  // namespace ringsim
