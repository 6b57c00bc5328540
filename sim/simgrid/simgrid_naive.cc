// The naive replay: one SimGrid actor per ring rank that runs its schedule phase by phase,
// one exec per compute block and one message per K,V block and step, like the s4u
// ping-pong example. A second actor per rank runs the FSDP collectives of each layer in the
// background, on the same links as the ring traffic.
//
// The ring protocol is that of real implementations (ring-flash-attn's P2P loop, the
// paper's JAX ppermute scan), as in sim/analytical_engine.h: at the start of step t rank i
// posts the send of the block it holds to "ring:i->i+1" and the receive of the next block
// on "ring:i-1->i", then computes; it starts step t + 1 once its compute, its receive and
// its send are done. A SimGrid transfer starts when both ends have posted it, so no credit
// messages are needed: a rank only receives into its second buffer once it has begun the
// step that frees it. On uncontended links the timing is exactly that of the analytical
// engine's max-plus recurrence.

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <string>
#include <vector>

#include "sim/ring_links.h"
#include "sim/simgrid/simgrid_platform.h"
#include "sim/simgrid/simgrid_replay.h"

namespace ringsim {

namespace {

namespace sg4 = simgrid::s4u;

int payload;  // every message carries this: the simulation moves sizes, not data

double Now() { return sg4::Engine::get_clock(); }

void Latest(double& slot) { slot = std::max(slot, Now()); }

// The state of one simulation, shared by its actors (SimGrid runs them one at a
// time).
struct Run {
  Run(const ReplaySetup& s, ReplayResult* r)
      : setup(s), platform(BuildPlatform(s)), result(r), trace(r, s) {}

  const ReplaySetup& setup;
  Platform platform;
  ReplayResult* result;
  TraceRecorder trace;
  std::vector<sg4::Mailbox*> ring_in;  // ring_in[r]: "ring:r-1->r"
  std::vector<sg4::Mailbox*> fsdp_in;  // fsdp_in[r]: "fsdp:p->r", p the rank sending to r
  std::vector<sg4::SemaphorePtr> layer_started, collectives_done;
  std::vector<int64_t> blocks;  // ring blocks each rank holds now
  std::vector<double> bytes;    // and their bytes
};

// Ring-buffer accounting: the block a rank holds, plus the incoming buffer from the moment
// its receive is posted until the step ends (the received block then replaces the sent one).
void AddBlocks(Run* run, int64_t rank, int64_t delta, double block_bytes) {
  int64_t& blocks = run->blocks[rank];
  double& bytes = run->bytes[rank];
  blocks += delta;
  bytes = blocks == 0 ? 0 : bytes + static_cast<double>(delta) * block_bytes;
  assert(blocks >= 0);
  ReplayResult& result = *run->result;
  result.peak_blocks[rank] = std::max(result.peak_blocks[rank], blocks);
  result.peak_buffer_bytes[rank] = std::max(result.peak_buffer_bytes[rank], bytes);
  run->trace.Counter(rank, Now(), bytes);
}

void Compute(Run* run, int64_t rank, const Phase& phase, int64_t layer) {
  double start = Now();
  const ReplaySetup& s = run->setup;
  double efficiency = s.MatmulRate(phase, rank) / (s.rates.peak_flops_per_s * s.rank_speed[rank]);
  sg4::this_actor::execute(phase.flops / efficiency);
  ++run->result->simgrid_activities;
  run->result->busy_s[rank] += Now() - start;
  run->trace.Slice(rank, TraceTrack::kCompute, phase.name, start, Now(),
                   {layer, -1, 0, phase.flops});
}

// A tensor-parallel all-reduce or a Ulysses all-to-all: the rank's peers in those groups are
// not actors on the platform, so the collective takes the formula's time on the group's link
// (as in the analytical engine) and blocks the rank.
void BlockingCollective(Run* run, int64_t rank, const Phase& phase, int64_t layer) {
  const double start = Now();
  sg4::this_actor::sleep_for(BlockingCollectiveSeconds(phase, run->setup.rates));
  run->result->exposed_s[rank] += Now() - start;
  run->trace.Slice(rank, TraceTrack::kCollective, phase.name, start, Now(),
                   {layer, -1, phase.bytes});
}

// One pass of the ring on rank `rank` (the protocol is at the top of this file).
void RunRing(Run* run, int64_t rank, const Phase& phase, size_t phase_index, int64_t layer) {
  const ReplaySetup& s = run->setup;
  const RingPass& ring = phase.ring;
  const int64_t n = ring.devices;
  ReplayResult& result = *run->result;
  sg4::Mailbox* in = run->ring_in[rank];
  sg4::Mailbox* out = run->ring_in[(rank + 1) % n];
  const uint64_t bytes = static_cast<uint64_t>(std::llround(ring.message_bytes));
  const double block_bytes = ring.message_bytes;
  int* data = nullptr;
  if (n > 1) AddBlocks(run, rank, 1, block_bytes);  // the rank's own block
  for (int64_t step = 0; step < n; ++step) {
    const double start = Now();
    sg4::CommPtr send, receive;
    if (ring.SendsAfter(step)) {
      send = out->put_async(&payload, bytes);
      receive = in->get_async<int>(&data);
      result.simgrid_activities += 1;
      AddBlocks(run, rank, 1, block_bytes);  // the incoming buffer
    }
    // The host runs at peak x rank speed: the step's seconds at that speed as FLOPs.
    sg4::this_actor::execute(s.RingStepSeconds(ring, rank, step) * s.rates.peak_flops_per_s *
                             s.rank_speed[rank]);
    ++result.simgrid_activities;
    const double computed = Now();
    result.busy_s[rank] += computed - start;
    if (run->trace.enabled()) {
      const int64_t flow_in = step > 0 ? run->trace.FlowId(phase_index, layer, rank, step) : 0;
      run->trace.Slice(rank, TraceTrack::kCompute,
                       fmt::format("{} kv{}", phase.name, ring.SourceDevice(rank, step)), start,
                       computed, {layer, step, 0, ring.Flops(rank, step), 0, flow_in});
    }
    if (send) {
      send->wait();
      receive->wait();
      result.exposed_s[rank] += Now() - computed;
      if (layer == 0) {
        double& longest = result.ring_transfer_in_s[phase_index * static_cast<size_t>(s.hosts()) +
                                                    static_cast<size_t>(rank)];
        longest = std::max(longest, receive->get_finish_time() - receive->get_start_time());
      }
      if (run->trace.enabled()) {
        run->trace.Slice(rank, TraceTrack::kComm,
                         fmt::format("{} kv{} -> rank{}", phase.name, ring.SourceDevice(rank, step),
                                     (rank + 1) % n),
                         send->get_start_time(), send->get_finish_time(),
                         {layer, step, block_bytes, 0,
                          run->trace.FlowId(phase_index, layer, (rank + 1) % n, step + 1)});
      }
      AddBlocks(run, rank, -1, block_bytes);  // the sent block's buffer
    }
  }
  if (n > 1 && ring.home_bytes > 0) {
    // The hop home after the last step (RingPass::home_bytes: dK, dV, or K,V), waited for.
    const double start = Now();
    sg4::CommPtr send =
        out->put_async(&payload, static_cast<uint64_t>(std::llround(ring.home_bytes)));
    sg4::CommPtr receive = in->get_async<int>(&data);
    result.simgrid_activities += 1;
    send->wait();
    receive->wait();
    result.exposed_s[rank] += Now() - start;
    if (run->trace.enabled()) {
      run->trace.Slice(rank, TraceTrack::kComm, phase.name + " home", send->get_start_time(),
                       send->get_finish_time(), {layer, n, ring.home_bytes, 0, 0});
    }
  }
  if (n > 1) AddBlocks(run, rank, -1, block_bytes);
}

void RankActor(Run* run, int64_t rank) {
  const Schedule& schedule = *run->setup.schedule;
  ReplayResult& result = *run->result;
  const bool collectives =
      std::any_of(schedule.layer_phases.begin(), schedule.layer_phases.end(), IsBesideCompute);
  auto run_phase = [&](const Phase& phase, size_t index, int64_t layer) {
    if (phase.kind == PhaseKind::kCompute) Compute(run, rank, phase, layer);
    if (phase.kind == PhaseKind::kRing) RunRing(run, rank, phase, index, layer);
    if (IsBlockingCollective(phase)) BlockingCollective(run, rank, phase, layer);
  };
  const double offload_s = OffloadSeconds(schedule, run->setup.rates);
  for (int64_t layer = 0; layer < schedule.layers; ++layer) {
    const double layer_start = Now();
    if (collectives) run->layer_started[rank]->release();
    for (size_t p = 0; p < schedule.layer_phases.size(); ++p) {
      run_phase(schedule.layer_phases[p], p, layer);
      if (layer == 0) Latest(result.layer_phase_end_s[p]);
    }
    if (collectives) {  // the layer ends when its collectives have
      double start = Now();
      run->collectives_done[rank]->acquire();
      result.exposed_s[rank] += Now() - start;
    }
    // Activation offload: the host link's transfers beside the layer (outside the fabric).
    if (offload_s > 0 && Now() < layer_start + offload_s) {
      const double start = Now();
      sg4::this_actor::sleep_until(layer_start + offload_s);
      result.exposed_s[rank] += Now() - start;
    }
  }
  Latest(result.layers_end_s);
  for (size_t p = 0; p < schedule.tail_phases.size(); ++p) {
    run_phase(schedule.tail_phases[p], p, -1);
    Latest(result.tail_phase_end_s[p]);
  }
  double optimizer_s = run->setup.OptimizerSeconds();
  if (optimizer_s > 0) {
    double start = Now();
    sg4::this_actor::sleep_for(optimizer_s);  // HBM-bound: not a FLOP-rate exec
    result.busy_s[rank] += optimizer_s;
    run->trace.Slice(rank, TraceTrack::kCompute, "optimizer", start, Now());
  }
  result.finish_s[rank] = Now();
}

// A ring all-gather / reduce-scatter over the rank's FSDP group: group - 1
// steps; at each the rank sends a chunk to the next member (its own first, then
// the one it received) and receives one from the previous member.
void Collective(Run* run, int64_t rank, const Phase& phase) {
  const ReplaySetup& s = run->setup;
  if (phase.kind == PhaseKind::kGradientAllReduce) {  // its members are not simulated
    sg4::this_actor::sleep_for(GradientAllReduceSeconds(phase, s.rates));
    return;
  }
  const int64_t next = s.fsdp_next[rank];
  if (next == rank) {  // no other member simulated: price it like the analytical engine
    const LinkSpec& link = GroupLink(s.topology.hardware, phase.group, 1);
    sg4::this_actor::sleep_for(link.latency_s * static_cast<double>(phase.group - 1) +
                               phase.bytes / link.bw_bytes_per_s);
    return;
  }
  const uint64_t bytes = static_cast<uint64_t>(std::llround(s.ChunkBytes(phase)));
  int* data = nullptr;
  for (int64_t step = 0; step < ReplaySetup::CollectiveChunks(phase); ++step) {
    sg4::CommPtr send = run->fsdp_in[next]->put_async(&payload, bytes);
    sg4::CommPtr get = run->fsdp_in[rank]->get_async<int>(&data);
    send->wait();
    get->wait();
    run->result->simgrid_activities += 1;
  }
}

void CollectiveActor(Run* run, int64_t rank) {
  const Schedule& schedule = *run->setup.schedule;
  ReplayResult& result = *run->result;
  for (int64_t layer = 0; layer < schedule.layers; ++layer) {
    run->layer_started[rank]->acquire();
    for (size_t p = 0; p < schedule.layer_phases.size(); ++p) {
      const Phase& phase = schedule.layer_phases[p];
      if (!IsBesideCompute(phase)) continue;
      double start = Now();
      Collective(run, rank, phase);
      if (layer == 0) result.collective_s[p] = std::max(result.collective_s[p], Now() - start);
      run->trace.Slice(rank, TraceTrack::kCollective, phase.name, start, Now(),
                       {layer, -1, phase.bytes});
    }
    run->collectives_done[rank]->release();
  }
}

}  // namespace

ReplayResult RunNaiveReplay(const ReplaySetup& setup) {
  sg4::Engine& engine = StartEngine();
  const Schedule& schedule = *setup.schedule;
  const int64_t n = setup.hosts();
  ReplayResult result = EmptyResult(setup, "naive");

  Run run(setup, &result);
  run.blocks.assign(n, 0);
  run.bytes.assign(n, 0);
  for (int64_t r = 0; r < n; ++r) {
    run.ring_in.push_back(sg4::Mailbox::by_name(fmt::format("ring:{}->{}", (r + n - 1) % n, r)));
  }
  const bool collectives =
      std::any_of(schedule.layer_phases.begin(), schedule.layer_phases.end(), IsBesideCompute);
  if (collectives) {
    std::vector<int64_t> previous(n);
    for (int64_t r = 0; r < n; ++r) previous[setup.fsdp_next[r]] = r;
    for (int64_t r = 0; r < n; ++r) {
      run.fsdp_in.push_back(sg4::Mailbox::by_name(fmt::format("fsdp:{}->{}", previous[r], r)));
      run.layer_started.push_back(sg4::Semaphore::create(0));
      run.collectives_done.push_back(sg4::Semaphore::create(0));
    }
  }
  for (int64_t r = 0; r < n; ++r) {
    sg4::Actor::create(fmt::format("rank{}", r), run.platform.rank_host[r], RankActor, &run, r);
    if (collectives) {
      sg4::Actor::create(fmt::format("fsdp{}", r), run.platform.rank_host[r], CollectiveActor, &run,
                         r);
    }
  }
  engine.run();
  PriceStageTransfers(engine, run.platform, setup, result);
  result.simulated_layers = schedule.layers;
  result.simgrid_hosts = n + static_cast<int64_t>(setup.stage_peer.size());
  result.simgrid_links = run.platform.links;
  result.simgrid_routes = run.platform.routes;
  return result;
}

}  // namespace ringsim
