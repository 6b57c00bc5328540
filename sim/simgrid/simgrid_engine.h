#pragma once
// The SimGrid engine: replays a Schedule on a simulated platform built from the hardware's
// topology (sim/topology.h), where links are shared, devices can differ and links can fail
// -- what the closed form of sim/analytical_engine.h cannot see. On a homogeneous,
// uncontended machine both engines agree (sim/simgrid_engine_test.cc, SimGridAgreement*).
//
// Two replays of the same protocol:
//  - naive: one SimGrid actor per ring rank, one message per K,V block and step, FSDP
//    collectives as chunked ring transfers on the same links (sim/simgrid_naive.cc). Sees
//    every contention; its cost grows faster than N^2 per ring pass.
//  - fast: SimGrid prices each distinct traffic pattern once, the protocol's exact
//    recurrence sequences the steps, repeating layers are extrapolated (sim/simgrid_fast.cc).
//    Equal to the naive replay when each message sees the same contention at every step;
//    FSDP collectives beside ring sends on the same route follow a fluid sharing model
//    (in the tests: within 0.1% of the naive replay on a comm-bound 8-rank ring, 2% where
//    2048-member groups send latency-bound chunks).
// Scope ring replays one ring; scope cluster every device of a pipeline stage (every
// replica's ring and tensor peer, the FSDP collectives across replicas) on one fabric, with
// the fast replay, and names the links its traffic patterns saturate.
// Each simulation runs in a child process (SimGrid allows one engine per process), so the
// function can be called any number of times.

#include <cstdint>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/estimate.h"
#include "sim/evaluate.h"
#include "sim/hardware_spec.h"
#include "sim/limits.h"
#include "sim/schedule.h"
#include "sim/topology.h"
#include "sim/trace.h"

namespace ringsim {

/// A problem with the simulated machine or the options: a broken ring, an unknown link, a
/// bad speed factor. The message is one line, fit for the user.
class SimGridError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The largest ring the engine simulates (the scenario limit, sim/limits.h): its time grows
/// as ranks^2 (4096 ranks take about a minute on one core, 1 048 576 would take weeks and
/// tens of GB); larger rings are refused rather than run away.
inline constexpr int64_t kMaxSimGridRanks = kMaxRingDevices;
/// The most rank-steps a naive replay runs (about a minute): mode naive past it is refused.
inline constexpr int64_t kMaxNaiveReplaySteps = 10000000;

/// The largest whole cluster (scope cluster: devices in one pipeline stage) the engine
/// replays: the 16 384-GPU benchmark of README "Performance" takes about a minute.
inline constexpr int64_t kMaxSimGridHosts = 65536;

/// What the replay puts on the fabric.
enum class ReplayScope {
  kRing,     ///< one ring (a host per ring rank) and its FSDP collectives
  kCluster,  ///< every device of a pipeline stage: every data-parallel replica's ring, each
             ///< tensor and Ulysses peer sending its own K,V shard, and the FSDP collectives
             ///< across the replicas, all at once on one fabric (fast replay only)
};

const char* ReplayScopeName(ReplayScope scope);

enum class ReplayMode {
  kAuto,   ///< fast where it is exact (no FSDP ring, no link shared by two ring hops), else
           ///< naive when the schedule is small (auto_naive_max_steps), else fast
  kNaive,  ///< one actor per rank, one message per block and step
  kFast,   ///< patterns priced by SimGrid, steps by recurrence, layers extrapolated
};

const char* ReplayModeName(ReplayMode mode);

struct SimGridOptions {
  /// Ring rank -> fraction of its normal compute speed (0.8: a straggler at 80%).
  std::map<int64_t, double> rank_speed;
  /// The same by device: "gpuN" (the rank whose devices include device N) or "nodeN" (every
  /// rank on node N); a name holding no ring rank is an error.
  std::map<std::string, double> device_speed;
  /// Topology link name -> bandwidth factor, both directions (0.5: a degraded link).
  /// Names as in sim/topology.h: "nvl:gpu3", "ib:gpu3", "core:leaf0.0-spine1", "ici:5-6".
  std::map<std::string, double> link_bw_factor;
  /// Links that are down; traffic is routed around them where the topology allows.
  std::set<std::string> failed_links;
  RingEmbedding embedding = RingEmbedding::kTopologyAware;
  ReplayMode mode = ReplayMode::kAuto;
  ReplayScope scope = ReplayScope::kRing;
  /// A GPU cluster's InfiniBand fabric: rail-optimised or plain, oversubscription, placement.
  FabricSpec fabric;
  /// kAuto picks naive up to this many simulated rank-steps (ring steps x ranks, plus
  /// collective chunks x ranks, over all layers).
  int64_t auto_naive_max_steps = 1000000;
  /// Record a Perfetto trace and the ring-buffer memory timeline (the fast replay then
  /// simulates every layer instead of extrapolating).
  bool record_trace = false;
  /// Slices and counter samples kept at most; the rest are dropped (trace_truncated).
  int64_t max_trace_events = 2000000;
  /// Run the simulation in a child process. false runs it here, once per process at most.
  bool isolate = true;
};

/// One host's device over the step: a ring rank's, or (scope cluster) any device's.
struct SimGridDevice {
  int64_t rank = 0;  ///< its ring rank
  /// Which ring (scope cluster): tensor/Ulysses peer x replicas + data-parallel replica; 0
  /// in scope ring.
  int64_t ring_copy = 0;
  int64_t device = 0;
  std::string name;  ///< topology name, e.g. "gpu5", "chip(1,2,0)"
  double speed_factor = 1;
  double busy_s = 0;     ///< computing (incl. the optimizer step)
  double waiting_s = 0;  ///< step time - busy: data, slower peers, end of step
  /// Blocked on a ring block or on the layer's collectives, whether a link or a slower peer
  /// held it up. The step's exposed_comm_time_s is the busiest device's step - busy, in both
  /// engines: a straggler's neighbours block on it while the step exposes nothing.
  double blocked_s = 0;
  int64_t peak_ring_blocks = 0;
  /// Ring messages held at once, as replayed: RingMessagesHeldBytes (sim/memory_model.h)
  /// defines them, and the memory model counts them inside its attention buffers.
  double peak_ring_message_bytes = 0;
};

/// One direction of a link that carried traffic.
struct SimGridLink {
  std::string name;           ///< topology link name
  std::string direction;      ///< "gpu3 -> nvsw0"
  std::string kind;           ///< LinkSpec kind
  double bw_bytes_per_s = 0;  ///< after bandwidth factors
  double bytes = 0;           ///< carried over the step
  double utilisation = 0;     ///< bytes / (bw * step time)
  int64_t ring_hops = 0;      ///< ring hops routed over it
  /// Saturated: while a traffic pattern (every host sending one ring message, or one FSDP
  /// chunk, at once) crossed it, it carried `sharing_flows` >= 2 flows at >= 95% of its
  /// bandwidth for the pattern's whole duration and slowed at least one of them by more
  /// than 1% against that flow's transfer alone. saturated_by lists the patterns that did:
  /// "ring", "inner", "outer", "fsdp".
  bool saturated = false;
  int64_t sharing_flows = 0;
  std::string saturated_by;
};

struct SimGridReport {
  std::string mode;  ///< the replay that ran: "naive" or "fast"
  std::string embedding;
  std::string scope;            ///< "ring" or "cluster"
  std::string fabric;           ///< e.g. "rail-optimised, 1:1, packed" (GPU clusters), "torus"
  int64_t ring_copies = 1;      ///< rings replayed (scope cluster: all of a stage's)
  int64_t saturated_links = 0;  ///< link directions marked saturated
  std::vector<int64_t> rank_device;
  EmbeddingStats embedding_stats;   ///< of the embedding used
  EmbeddingStats rank_order_stats;  ///< of plain rank order, for comparison
  bool rank_order_broken = false;   ///< rank order has no route (failed links)
  int64_t topology_devices = 0, topology_links = 0;
  std::vector<SimGridDevice> devices;  ///< by rank
  std::vector<SimGridLink> links;      ///< busiest first
  double peak_ring_message_bytes = 0;  ///< max over devices and time
  /// When record_trace: slices per rank (compute, comm, fsdp) and the memory timeline, the
  /// ring-buffer bytes of each rank over time, as trace.counters. Write with WriteChromeTrace.
  Trace trace;
  bool trace_truncated = false;
  int64_t simulated_layers = 0;  ///< layers replayed; the rest extrapolated (fast)
  int64_t simgrid_hosts = 0, simgrid_links = 0, simgrid_routes = 0;
  int64_t simgrid_activities = 0;       ///< execs and comms SimGrid simulated
  double wall_time_s = 0;               ///< this call, in real time
  double simulator_peak_rss_bytes = 0;  ///< of the simulation process (isolate only)
};

/// Replays `schedule` on `hardware`. Throws SimGridError for a broken ring or bad options.
Estimate SimulateSimGrid(const Schedule& schedule, const HardwareSpec& hardware,
                         const SimGridOptions& options, SimGridReport* report = nullptr);

/// Rank-steps a naive replay of `schedule` simulates (what kAuto compares).
int64_t NaiveReplaySteps(const Schedule& schedule);

/// The SimGrid engine behind the Engine interface: options from the scenario's `simgrid:`
/// section, errors as one-line ConfigErrors naming the key, and the last run's report.
class SimGridEngine final : public Engine {
 public:
  EngineKind kind() const override { return EngineKind::kSimGrid; }
  Estimate Run(const Scenario& scenario, const Schedule& schedule, Trace* trace) override;
  /// The per-device and per-link figures of the last Run.
  const SimGridReport& report() const { return report_; }

 private:
  SimGridReport report_;
};

}  // namespace ringsim
