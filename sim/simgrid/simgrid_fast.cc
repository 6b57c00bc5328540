// The fast replay. A ring pass moves the same message over the same hops at every step, so
// SimGrid prices each distinct traffic pattern once: all ranks send one ring message (or
// one FSDP chunk) at the same time, over the routes of the platform, and each hop's
// transfer time is what SimGrid says (routing, degraded or failed links, hops sharing a
// link). The schedule is then evaluated with the exact recurrences of the naive replay's
// protocol (sim/simgrid_naive.cc; the same as sim/analytical_engine.cc's RunRingPass, with
// per-rank compute rates and per-hop transfer times), and once the clocks' relative pattern
// repeats from one layer to the next the remaining layers are extrapolated, as Analyze does.
//
// Exact where the naive replay's messages see the same contention at every step (for
// example uncontended links, stragglers, degraded links). Where traffic varies in time --
// FSDP collectives running beside the ring transfers -- it approximates: a rank's
// collectives and its ring sends share their link as two fluid flows when both take the
// same route (see StartSharing); other time-varying contention needs the naive replay.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>
#include <vector>

#include "sim/layer_repeat.h"
#include "sim/ring_clock.h"
#include "sim/ring_closed_form.h"
#include "sim/ring_links.h"
#include "sim/simgrid/simgrid_platform.h"
#include "sim/simgrid/simgrid_replay.h"

namespace ringsim {

namespace {

namespace sg4 = simgrid::s4u;

// Transfer time of each rank's message to `dest[rank]`, all sent at once.
struct Pattern {
  /// Where each rank's message goes: kRing to the next ring rank, kInner / kOuter on a double
  /// ring (the next rank of the window / the same position of the next window), kCollective
  /// to the next member of its FSDP group.
  enum Route { kRing, kInner, kOuter, kCollective };
  double bytes = 0;
  Route route = kRing;
  std::vector<double> seconds;
};

// Sends every pattern's messages at once, one pattern after the other, and records each
// message's transfer time.
void PricePatterns(const Platform* platform, const ReplaySetup* setup,
                   std::vector<Pattern>* patterns, int64_t* activities) {
  const int64_t n = setup->ranks();
  for (Pattern& pattern : *patterns) {
    const double start = sg4::Engine::get_clock();
    std::vector<sg4::CommPtr> comms(n);
    for (int64_t r = 0; r < n; ++r) {
      int64_t dest = pattern.route == Pattern::kCollective ? setup->fsdp_next[r]
                     : pattern.route == Pattern::kInner    ? setup->ring_inner_next[r]
                     : pattern.route == Pattern::kOuter    ? setup->ring_outer_next[r]
                                                           : (r + 1) % n;
      if (dest == r) continue;
      comms[r] = sg4::Comm::sendto_async(platform->rank_host[r], platform->rank_host[dest],
                                         static_cast<uint64_t>(std::llround(pattern.bytes)));
      ++*activities;
    }
    pattern.seconds.assign(n, 0);
    for (int64_t r = 0; r < n; ++r) {
      if (!comms[r]) continue;
      comms[r]->wait();
      pattern.seconds[r] = comms[r]->get_finish_time() - start;
    }
  }
}

class Evaluator {
 public:
  Evaluator(const ReplaySetup& setup, ReplayResult* result, const std::vector<Pattern>& patterns)
      : s_(setup), result_(result), trace_(result, setup), patterns_(patterns) {
    const int64_t n = setup.ranks();
    clock_.assign(n, 0);
  }

  void Run() {
    const Schedule& schedule = *s_.schedule;
    ReplayResult& r = *result_;
    // A trace needs every layer's slices, so it turns the extrapolation off.
    r.simulated_layers =
        RunRepeatedLayers(schedule.layers, !s_.record_trace, clock_, {&r.busy_s, &r.exposed_s},
                          [&](int64_t layer) { Layer(layer); });
    r.layers_end_s = Max(clock_);
    layer_ = -1;  // the tail's slices belong to no layer
    for (size_t p = 0; p < schedule.tail_phases.size(); ++p) {
      phase_index_ = p;
      RunPhase(schedule.tail_phases[p]);
      r.tail_phase_end_s[p] = Max(clock_);
    }
    double optimizer_s = s_.OptimizerSeconds();
    for (size_t i = 0; i < clock_.size(); ++i) {
      if (optimizer_s > 0) {
        trace_.Slice(i, TraceTrack::kCompute, "optimizer", clock_[i], clock_[i] + optimizer_s);
        clock_[i] += optimizer_s;
        r.busy_s[i] += optimizer_s;
      }
      r.finish_s[i] = clock_[i];
    }
  }

 private:
  static double Max(const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }

  RelationStepSeconds relation_;  ///< Ring(): the pass's step times by relation

  const Pattern& Find(double bytes, Pattern::Route route) const {
    for (const Pattern& p : patterns_) {
      if (p.bytes == bytes && p.route == route) return p;
    }
    static const Pattern none;
    return none;
  }

  // One layer: the collectives run beside the compute from each rank's layer start; the
  // layer ends on a rank once its collectives have.
  void Layer(int64_t layer) {
    layer_ = layer;
    const bool first = layer == 0;
    const Schedule& schedule = *s_.schedule;
    ReplayResult& r = *result_;
    const size_t n = clock_.size();
    std::vector<double> layer_start = clock_, collectives_end = clock_;
    for (size_t p = 0; p < schedule.layer_phases.size(); ++p) {
      const Phase& phase = schedule.layer_phases[p];
      if (!IsFsdpCollective(phase)) continue;
      std::vector<double> start = collectives_end;
      Collective(phase, collectives_end);
      for (size_t i = 0; i < n && first; ++i) {
        r.collective_s[p] = std::max(r.collective_s[p], collectives_end[i] - start[i]);
      }
    }
    StartSharing(layer_start);
    for (size_t p = 0; p < schedule.layer_phases.size(); ++p) {
      phase_index_ = p;
      RunPhase(schedule.layer_phases[p]);
      if (first) r.layer_phase_end_s[p] = Max(clock_);
    }
    EndSharing(collectives_end);
    // Activation offload: each rank's host link carries the layer's saved activations beside
    // its compute (a link of its own, outside the fabric).
    const double offload_s = OffloadSeconds(schedule, s_.rates);
    for (size_t i = 0; i < n && offload_s > 0; ++i) {
      collectives_end[i] = std::max(collectives_end[i], layer_start[i] + offload_s);
    }
    for (size_t i = 0; i < n; ++i) {
      if (collectives_end[i] > layer_start[i]) {
        trace_.Slice(i, TraceTrack::kCollective, "fsdp collectives", layer_start[i],
                     collectives_end[i], {layer_});
      }
      if (collectives_end[i] > clock_[i]) {
        r.exposed_s[i] += collectives_end[i] - clock_[i];
        clock_[i] = collectives_end[i];
      }
    }
  }

  // Contention between a rank's collectives and its ring sends, where both take the same
  // route (FSDP groups of consecutive ranks). A fluid model of one shared link: the
  // collectives need `sharing_left_` seconds of the link to themselves; they progress alone
  // while no ring message is in flight and at half rate beside one, which then takes longer
  // by the time they share. Other contention is left to the naive replay.
  void StartSharing(const std::vector<double>& layer_start) {
    const Schedule& schedule = *s_.schedule;
    const int64_t n = s_.ranks();
    sharing_left_.assign(n, 0);
    sharing_from_ = layer_start;
    sharing_done_ = layer_start;
    if (n < 2 || s_.fsdp_next[0] == 0) return;
    for (int64_t i = 0; i < n; ++i) {
      if (s_.fsdp_next[i] != (i + 1) % n) continue;
      for (const Phase& phase : schedule.layer_phases) {
        if (!IsFsdpCollective(phase)) continue;
        sharing_left_[i] += static_cast<double>(ReplaySetup::CollectiveChunks(phase)) *
                            Find(s_.ChunkBytes(phase), Pattern::kCollective).seconds[i];
      }
    }
  }

  // The transfer time of a ring message from rank `from` that starts at `start` and takes
  // `alone` seconds by itself.
  double SharedTransfer(int64_t from, double start, double alone) {
    double& left = sharing_left_[from];
    if (left <= 0) return alone;
    double& from_time = sharing_from_[from];
    double gap = std::max(0.0, start - from_time);
    if (gap >= left) {  // the collectives finished alone before this message
      sharing_done_[from] = from_time + left;
      left = 0;
      return alone;
    }
    left -= gap;
    double shared = std::min(left, alone);
    left -= shared;
    if (left <= 0) sharing_done_[from] = start + 2 * shared;
    from_time = start + alone + shared;
    return alone + shared;
  }

  // The collectives end no earlier than the fluid model says, and a group's collectives end
  // together (each step needs every member).
  void EndSharing(std::vector<double>& collectives_end) {
    const int64_t n = s_.ranks();
    if (n < 2 || s_.fsdp_next[0] == 0) return;
    std::vector<double> fluid(n);
    for (int64_t i = 0; i < n; ++i) {
      fluid[i] = sharing_left_[i] > 0 ? sharing_from_[i] + sharing_left_[i] : sharing_done_[i];
    }
    // Groups are runs of consecutive ranks closed by fsdp_next.
    for (int64_t first = 0; first < n;) {
      int64_t last = first;
      while (s_.fsdp_next[last] != first) ++last;
      double end = *std::max_element(fluid.begin() + first, fluid.begin() + last + 1);
      for (int64_t i = first; i <= last; ++i) {
        collectives_end[i] = std::max(collectives_end[i], end);
      }
      first = last + 1;
    }
  }

  void RunPhase(const Phase& phase) {
    if (phase.kind == PhaseKind::kCompute) {
      for (size_t i = 0; i < clock_.size(); ++i) {
        double t = phase.flops / s_.MatmulRate(phase, i);
        trace_.Slice(i, TraceTrack::kCompute, phase.name, clock_[i], clock_[i] + t,
                     {layer_, -1, 0, phase.flops});
        clock_[i] += t;
        result_->busy_s[i] += t;
      }
    } else if (phase.kind == PhaseKind::kRing) {
      Ring(phase);
    } else if (IsBlockingCollective(phase)) {
      // As sim/simgrid_naive.cc: the formula's time on the group's link, blocking.
      const double t = BlockingCollectiveSeconds(phase, s_.rates);
      for (size_t i = 0; i < clock_.size(); ++i) {
        trace_.Slice(i, TraceTrack::kCollective, phase.name, clock_[i], clock_[i] + t,
                     {layer_, -1, phase.bytes});
        clock_[i] += t;
        result_->exposed_s[i] += t;
      }
    }
  }

  // The ring all-gather / reduce-scatter of sim/simgrid_naive.cc: at each step a rank's send
  // to the next member starts once both have begun the step; a rank's step ends when its
  // send and its receive have.
  void Collective(const Phase& phase, std::vector<double>& ready) {
    const int64_t n = s_.ranks();
    const std::vector<int64_t>& next = s_.fsdp_next;
    if (next[0] == 0) {  // no other member simulated: price it like the analytical engine
      for (double& t : ready) t += FsdpCollectiveSeconds(phase, s_.rates);
      return;
    }
    const std::vector<double>& tau = Find(s_.ChunkBytes(phase), Pattern::kCollective).seconds;
    std::vector<int64_t> previous(n);
    for (int64_t i = 0; i < n; ++i) previous[next[i]] = i;
    std::vector<double> arrive(n), end(n);
    for (int64_t step = 0; step < ReplaySetup::CollectiveChunks(phase); ++step) {
      for (int64_t i = 0; i < n; ++i) arrive[next[i]] = std::max(ready[i], ready[next[i]]) + tau[i];
      for (int64_t i = 0; i < n; ++i) end[i] = std::max(arrive[next[i]], arrive[i]);
      ready.swap(end);
    }
  }

  // The ring pass of sim/simgrid_naive.cc, sequenced by sim/ring_clock.h with each hop's
  // transfer time as SimGrid priced it (shared with the collectives where they overlap).
  void Ring(const Phase& phase) {
    const RingPass& ring = phase.ring;
    const int64_t n = ring.devices;
    ReplayResult& r = *result_;
    RingStepPricer pricer(ring, s_.rates);
    const std::vector<double>& tau =
        n > 1 ? Find(ring.message_bytes, Pattern::kRing).seconds : s_.rank_speed;
    if (trace_.enabled() && n > 1) {
      for (int64_t i = 0; i < n; ++i) trace_.Counter(i, clock_[i], ring.message_bytes);
    }
    // A plain ring's step is priced by its (rank, source) relation alone (ring_closed_form.h),
    // once per pass instead of once per rank and step (the replay's main cost at thousands of
    // ranks).
    const bool by_relation = !ring.DoubleRing();
    if (by_relation) {
      PriceByRelation(
          n, [&](int64_t i, int64_t step) { return pricer.Seconds(i, step); }, relation_);
    }
    auto compute = [&](int64_t i, int64_t step) {
      const double base = by_relation ? relation_.At(i, step) : pricer.Seconds(i, step);
      const double t = base / s_.rank_speed[i];
      r.busy_s[i] += t;
      return t;
    };
    if (ring.DoubleRing()) {
      // LoongTrain's double ring (sim/ring_clock.h), each route's hops as SimGrid priced them
      // (the fluid sharing with FSDP collectives is the plain ring's alone).
      const std::vector<double>& inner = Find(ring.message_bytes, Pattern::kInner).seconds;
      const std::vector<double>& outer = Find(ring.message_bytes, Pattern::kOuter).seconds;
      AdvanceDoubleRingPass(
          n, ring.window, compute, [&](int64_t from, int64_t, double) { return inner[from]; },
          [&](int64_t from, int64_t, double) { return outer[from]; }, clock_,
          RingTrace{this, &phase});
    } else {
      auto hop = [&](int64_t from, int64_t, double send_s) {
        return SharedTransfer(from, send_s, tau[from]);
      };
      AdvanceRingPass(n, compute, hop, clock_, RingTrace{this, &phase});
    }
    if (trace_.enabled() && n > 1) {
      for (int64_t i = 0; i < n; ++i) trace_.Counter(i, clock_[i], 0);
    }
  }

  // Exposed time per rank, and (when recording) the pass's slices and ring-buffer counter.
  struct RingTrace : RingObserver {
    Evaluator* e;
    const Phase* phase;
    RingTrace(Evaluator* evaluator, const Phase* p) : e(evaluator), phase(p) {}
    void Computed(int64_t rank, int64_t step, double start_s, double done_s) {
      if (!e->trace_.enabled()) return;
      const int64_t flow_in =
          step > 0 ? e->trace_.FlowId(e->phase_index_, e->layer_, rank, step) : 0;
      e->trace_.Slice(rank, TraceTrack::kCompute,
                      fmt::format("{} kv{}", phase->name, phase->ring.SourceDevice(rank, step)),
                      start_s, done_s,
                      {e->layer_, step, 0, phase->ring.Flops(rank, step), 0, flow_in});
    }
    void Sent(int64_t from, int64_t step, double send_s, double arrive_s) {
      if (e->layer_ == 0) {
        const size_t to = static_cast<size_t>(phase->ring.InnerNext(from));
        double& longest = e->result_->ring_transfer_in_s[e->phase_index_ * e->clock_.size() + to];
        longest = std::max(longest, arrive_s - send_s);
      }
      if (!e->trace_.enabled()) return;
      const int64_t to = phase->ring.InnerNext(from);
      e->trace_.Slice(
          from, TraceTrack::kComm,
          fmt::format("{} kv{} -> rank{}", phase->name, phase->ring.SourceDevice(from, step), to),
          send_s, arrive_s,
          {e->layer_, step, phase->ring.message_bytes, 0,
           e->trace_.FlowId(e->phase_index_, e->layer_, to, step + 1)});
      // The incoming buffer, from the receiver's start of the step (clock_ holds the starts
      // while a step's transfers are sequenced).
      e->trace_.Counter(to, e->clock_[to], 2 * phase->ring.message_bytes);
    }
    void Waited(int64_t rank, int64_t, double done_s, double next_s) {
      e->result_->exposed_s[rank] += next_s - done_s;
      if (e->trace_.enabled()) e->trace_.Counter(rank, next_s, phase->ring.message_bytes);
    }
  };

  const ReplaySetup& s_;
  ReplayResult* result_;
  TraceRecorder trace_;
  const std::vector<Pattern>& patterns_;
  std::vector<double> clock_;
  int64_t layer_ = -1;      ///< the layer being replayed (-1 outside the layers)
  size_t phase_index_ = 0;  ///< the phase being replayed, in layer_phases or tail_phases
  std::vector<double> sharing_left_, sharing_from_, sharing_done_;
};

}  // namespace

ReplayResult RunFastReplay(const ReplaySetup& setup) {
  sg4::Engine& engine = StartEngine();
  const Schedule& schedule = *setup.schedule;
  const int64_t n = setup.ranks();
  ReplayResult result = EmptyResult(setup, "fast");

  // The distinct patterns: ring messages by size, FSDP chunks by size.
  std::vector<Pattern> patterns;
  auto want = [&](double bytes, Pattern::Route route) {
    for (const Pattern& p : patterns) {
      if (p.bytes == bytes && p.route == route) return;
    }
    patterns.push_back({bytes, route, {}});
  };
  double max_message = 0;
  auto scan = [&](const std::vector<Phase>& phases) {
    for (const Phase& phase : phases) {
      if (phase.kind == PhaseKind::kRing && n > 1) {
        want(phase.ring.message_bytes, Pattern::kRing);
        if (phase.ring.DoubleRing()) {
          want(phase.ring.message_bytes, Pattern::kInner);
          want(phase.ring.message_bytes, Pattern::kOuter);
        }
        max_message = std::max(max_message, phase.ring.message_bytes);
      }
      if (IsFsdpCollective(phase) && setup.fsdp_next[0] != 0)
        want(setup.ChunkBytes(phase), Pattern::kCollective);
    }
  };
  scan(schedule.layer_phases);
  scan(schedule.tail_phases);

  Platform platform = BuildPlatform(setup);
  sg4::Actor::create("patterns", platform.rank_host[0], PricePatterns, &platform, &setup, &patterns,
                     &result.simgrid_activities);
  engine.run();
  PriceStageTransfers(engine, platform, setup, result);

  Evaluator(setup, &result, patterns).Run();
  // The protocol holds at most two blocks per rank: the one it computes and sends, and the
  // one it receives.
  result.peak_blocks.assign(n, n > 1 && max_message > 0 ? 2 : 0);
  result.peak_buffer_bytes.assign(n, static_cast<double>(result.peak_blocks[0]) * max_message);
  result.simgrid_hosts = n + static_cast<int64_t>(setup.stage_peer.size());
  result.simgrid_links = platform.links;
  result.simgrid_routes = platform.routes;
  return result;
}

}  // namespace ringsim
