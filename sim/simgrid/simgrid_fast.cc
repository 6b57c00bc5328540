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

// Where host `h`'s message of a `route` pattern goes, and the route it takes there.
int64_t PatternDestination(const ReplaySetup& s, Pattern::Route route, int64_t h) {
  switch (route) {
    case Pattern::kInner:
      return s.ring_inner_next[h];
    case Pattern::kOuter:
      return s.ring_outer_next[h];
    case Pattern::kCollective:
      return s.fsdp_next[h];
    case Pattern::kRing:
      break;
  }
  return s.RingNext(h);
}

const std::vector<RouteHop>& PatternRoute(const ReplaySetup& s, Pattern::Route route, int64_t h) {
  switch (route) {
    case Pattern::kInner:
      return s.inner_routes[h];
    case Pattern::kOuter:
      return s.outer_routes[h];
    case Pattern::kCollective:
      return s.fsdp_routes[h];
    case Pattern::kRing:
      break;
  }
  return s.ring_routes[h];
}

// Hosts whose messages one actor sends. SimGrid 3.32 scans an actor's pending activities as
// each of its comms finishes, so one actor sending all of a 16 384-host pattern spent
// O(hosts^2) there: slices of 64 took the 16 384-GPU whole-cluster step from 15.7 s to 9.4 s
// (what remains, about 60%, is a scan inside SimGrid's CommImpl::finish that slicing does
// not reach).
constexpr int64_t kHostsPerSender = 64;

// Sends every pattern's messages at once, one pattern after the other, and records each
// message's transfer time.
void PricePatterns(sg4::Engine& engine, const Platform& platform, const ReplaySetup& setup,
                   std::vector<Pattern>& patterns, int64_t& activities) {
  const int64_t n = setup.hosts();
  for (Pattern& pattern : patterns) {
    pattern.seconds.assign(n, 0);
    for (int64_t first = 0; first < n; first += kHostsPerSender) {
      const int64_t last = std::min(n, first + kHostsPerSender);
      sg4::Actor::create("pattern", platform.rank_host[first], [&, first, last] {
        const double start = sg4::Engine::get_clock();
        std::vector<sg4::CommPtr> comms(last - first);
        for (int64_t r = first; r < last; ++r) {
          const int64_t dest = PatternDestination(setup, pattern.route, r);
          if (dest == r) continue;
          comms[r - first] =
              sg4::Comm::sendto_async(platform.rank_host[r], platform.rank_host[dest],
                                      static_cast<uint64_t>(std::llround(pattern.bytes)));
          ++activities;
        }
        for (int64_t r = first; r < last; ++r) {
          if (!comms[r - first]) continue;
          comms[r - first]->wait();
          pattern.seconds[r] = comms[r - first]->get_finish_time() - start;
        }
      });
    }
    engine.run();
  }
}

const char* PatternName(Pattern::Route route) {
  switch (route) {
    case Pattern::kInner:
      return "inner";
    case Pattern::kOuter:
      return "outer";
    case Pattern::kCollective:
      return "fsdp";
    case Pattern::kRing:
      break;
  }
  return "ring";
}

// The link directions each priced pattern saturated (SimGridLink::saturated): shared by two
// flows or more, busy at >= 95% of their bandwidth from the pattern's start until the last
// of their flows arrived (latency aside), and slower by > 1% for one of them than its
// transfer alone. From the pattern's own transfer times: SimGrid shares a link max-min
// fairly, so a link that held its flows back ran full while it did.
void FindSaturatedLinks(const ReplaySetup& s, const std::vector<Pattern>& patterns,
                        ReplayResult& result) {
  struct Load {
    int64_t flows = 0;
    double bytes = 0, busy_s = 0;
    bool slowed = false;
  };
  std::map<std::pair<int64_t, bool>, std::pair<int64_t, std::string>> saturated;
  for (const Pattern& pattern : patterns) {
    std::map<std::pair<int64_t, bool>, Load> load;
    for (int64_t h = 0; h < static_cast<int64_t>(pattern.seconds.size()); ++h) {
      const std::vector<RouteHop>& route = PatternRoute(s, pattern.route, h);
      if (route.empty() || pattern.seconds[h] <= 0) continue;
      const double latency_s = RouteLatency(s.topology, route);
      const double alone_s =
          latency_s + pattern.bytes / RouteBandwidth(s.topology, route, s.link_bw_factor);
      for (const RouteHop& hop : route) {
        Load& l = load[{hop.link, hop.forward}];
        ++l.flows;
        l.bytes += pattern.bytes;
        l.busy_s = std::max(l.busy_s, pattern.seconds[h] - latency_s);
        l.slowed = l.slowed || pattern.seconds[h] > alone_s * 1.01;
      }
    }
    for (const auto& [key, l] : load) {
      const double bw = s.topology.links[key.first].bw_bytes_per_s * s.link_bw_factor[key.first];
      if (l.flows < 2 || !l.slowed || l.busy_s <= 0 || l.bytes < 0.95 * bw * l.busy_s) continue;
      auto& [flows, by] = saturated[key];
      flows = std::max(flows, l.flows);
      const std::string name = PatternName(pattern.route);
      if (by.find(name) == std::string::npos) by += (by.empty() ? "" : ", ") + name;
    }
  }
  for (const auto& [key, value] : saturated) {
    result.saturated_link.push_back(key.first);
    result.saturated_forward.push_back(key.second ? 1 : 0);
    result.saturated_flows.push_back(value.first);
    result.saturated_by.push_back(value.second);
  }
}

class Evaluator {
 public:
  Evaluator(const ReplaySetup& setup, ReplayResult* result, const std::vector<Pattern>& patterns)
      : s_(setup), result_(result), trace_(result, setup), patterns_(patterns) {
    const int64_t n = setup.hosts();
    clock_.assign(n, 0);
    ring_latency_.assign(n, 0);
    for (int64_t i = 0; i < n && setup.ring_ranks > 1; ++i) {
      ring_latency_[i] = RouteLatency(setup.topology, setup.ring_routes[i]);
    }
    collective_link_s_ = CollectiveLinkSeconds();
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
      if (!IsBesideCompute(phase)) continue;
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
  // collectives need `sharing_left_` seconds of the link's bandwidth to themselves (their
  // chunks' transfer times less the route's latency, which occupies no bandwidth: a 2048-member
  // ring's chunks are mostly latency); they progress alone while no ring message is in
  // flight and at half rate beside one, whose bandwidth part then takes longer by the time
  // they share. Other contention is left to the naive replay.
  void StartSharing(const std::vector<double>& layer_start) {
    sharing_left_ = collective_link_s_;
    sharing_from_ = layer_start;
    sharing_done_ = layer_start;
  }

  // What StartSharing gives each host's collectives: the same every layer (the patterns'
  // times), so worked out once.
  std::vector<double> CollectiveLinkSeconds() const {
    const Schedule& schedule = *s_.schedule;
    const int64_t n = s_.hosts();
    std::vector<double> link_s(n, 0);
    if (n < 2 || s_.fsdp_next[0] == 0) return link_s;
    for (int64_t i = 0; i < n; ++i) {
      if (s_.fsdp_next[i] != s_.RingNext(i)) continue;
      const double latency_s = RouteLatency(s_.topology, s_.fsdp_routes[i]);
      for (const Phase& phase : schedule.layer_phases) {
        if (!IsFsdpCollective(phase)) continue;
        const double chunk_s = Find(s_.ChunkBytes(phase), Pattern::kCollective).seconds[i];
        link_s[i] += static_cast<double>(ReplaySetup::CollectiveChunks(phase)) *
                     std::max(0.0, chunk_s - latency_s);
      }
    }
    return link_s;
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
    const double bandwidth_s = std::max(0.0, alone - ring_latency_[from]);
    double shared = std::min(left, bandwidth_s);
    left -= shared;
    if (left <= 0) sharing_done_[from] = start + 2 * shared;
    from_time = start + alone + shared;
    return alone + shared;
  }

  // The collectives end no earlier than the fluid model says, and a group's collectives end
  // together (each step needs every member).
  void EndSharing(std::vector<double>& collectives_end) {
    const int64_t n = s_.hosts();
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
    const int64_t n = s_.hosts();
    const std::vector<int64_t>& next = s_.fsdp_next;
    // No other member simulated (the replicas' all-reduce always): as the analytical engine.
    if (next[0] == 0 || phase.kind == PhaseKind::kGradientAllReduce) {
      for (double& t : ready) t += BesideComputeSeconds(phase, s_.rates);
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
      for (size_t i = 0; i < clock_.size(); ++i) trace_.Counter(i, clock_[i], ring.message_bytes);
    }
    // A plain ring's step is priced by its (rank, source) relation alone (ring_closed_form.h),
    // once per pass instead of once per rank and step (the replay's main cost at thousands of
    // ranks).
    const bool by_relation = !ring.DoubleRing();
    if (by_relation) {
      PriceByRelation(
          n, [&](int64_t i, int64_t step) { return pricer.Seconds(i, step); }, relation_);
    }
    // Every ring of the replay (one in scope ring) on its own hosts' clocks.
    for (int64_t base = 0; base < static_cast<int64_t>(clock_.size()); base += n) {
      ring_clock_.assign(clock_.begin() + base, clock_.begin() + base + n);
      auto compute = [&](int64_t i, int64_t step) {
        const double step_s = by_relation ? relation_.At(i, step) : pricer.Seconds(i, step);
        const double t = step_s / s_.rank_speed[base + i];
        r.busy_s[base + i] += t;
        return t;
      };
      if (ring.DoubleRing()) {
        // LoongTrain's double ring (sim/ring_clock.h), each route's hops as SimGrid priced them
        // (the fluid sharing with FSDP collectives is the plain ring's alone).
        const std::vector<double>& inner = Find(ring.message_bytes, Pattern::kInner).seconds;
        const std::vector<double>& outer = Find(ring.message_bytes, Pattern::kOuter).seconds;
        AdvanceDoubleRingPass(
            n, ring.window, compute,
            [&](int64_t from, int64_t, double) { return inner[base + from]; },
            [&](int64_t from, int64_t, double) { return outer[base + from]; }, ring_clock_,
            RingTrace{this, &phase, base});
      } else {
        auto hop = [&](int64_t from, int64_t, double send_s) {
          return SharedTransfer(base + from, send_s, tau[base + from]);
        };
        AdvanceRingPass(n, compute, hop, ring_clock_, RingTrace{this, &phase, base});
        if (ring.home_bytes > 0) HomeHop(phase, base);
      }
      std::copy(ring_clock_.begin(), ring_clock_.end(), clock_.begin() + base);
    }
    if (trace_.enabled() && n > 1) {
      for (size_t i = 0; i < clock_.size(); ++i) trace_.Counter(i, clock_[i], 0);
    }
  }

  // The hop home after the pass's last step (RingPass::home_bytes: dK, dV, or K,V), each hop
  // as SimGrid priced that message; the waits are exposed time.
  void HomeHop(const Phase& phase, int64_t base) {
    const RingPass& ring = phase.ring;
    const std::vector<double>& tau = Find(ring.home_bytes, Pattern::kRing).seconds;
    const std::vector<double> before = ring_clock_;
    FinishHomeHop(ring_clock_, [&](int64_t from, double send_s) {
      const double arrive_s = send_s + SharedTransfer(base + from, send_s, tau[base + from]);
      if (trace_.enabled()) {
        trace_.Slice(base + from, TraceTrack::kComm, phase.name + " home", send_s, arrive_s,
                     {layer_, ring.devices, ring.home_bytes, 0, 0});
      }
      return arrive_s - send_s;
    });
    for (size_t i = 0; i < before.size(); ++i)
      result_->exposed_s[base + i] += ring_clock_[i] - before[i];
  }

  // Exposed time per host, and (when recording) the pass's slices and ring-buffer counter.
  // The recurrence numbers one ring's ranks 0 .. N - 1; its hosts start at `base`.
  struct RingTrace : RingObserver {
    Evaluator* e;
    const Phase* phase;
    int64_t base;
    RingTrace(Evaluator* evaluator, const Phase* p, int64_t first_host)
        : e(evaluator), phase(p), base(first_host) {}
    void Computed(int64_t rank, int64_t step, double start_s, double done_s) {
      if (!e->trace_.enabled()) return;
      const int64_t flow_in =
          step > 0 ? e->trace_.FlowId(e->phase_index_, e->layer_, base + rank, step) : 0;
      e->trace_.Slice(base + rank, TraceTrack::kCompute,
                      fmt::format("{} kv{}", phase->name, phase->ring.SourceDevice(rank, step)),
                      start_s, done_s,
                      {e->layer_, step, 0, phase->ring.Flops(rank, step), 0, flow_in});
    }
    void Sent(int64_t from, int64_t step, double send_s, double arrive_s) {
      const int64_t to = base + phase->ring.InnerNext(from);
      if (e->layer_ == 0) {
        double& longest = e->result_->ring_transfer_in_s[e->phase_index_ * e->clock_.size() + to];
        longest = std::max(longest, arrive_s - send_s);
      }
      if (!e->trace_.enabled()) return;
      e->trace_.Slice(base + from, TraceTrack::kComm,
                      fmt::format("{} kv{} -> rank{}", phase->name,
                                  phase->ring.SourceDevice(from, step), to - base),
                      send_s, arrive_s,
                      {e->layer_, step, phase->ring.message_bytes, 0,
                       e->trace_.FlowId(e->phase_index_, e->layer_, to, step + 1)});
      // The incoming buffer, from the receiver's start of the step (the ring's clocks hold
      // the starts while a step's transfers are sequenced).
      e->trace_.Counter(to, e->ring_clock_[to - base], 2 * phase->ring.message_bytes);
    }
    void Waited(int64_t rank, int64_t, double done_s, double next_s) {
      e->result_->exposed_s[base + rank] += next_s - done_s;
      if (e->trace_.enabled()) e->trace_.Counter(base + rank, next_s, phase->ring.message_bytes);
    }
  };

  const ReplaySetup& s_;
  ReplayResult* result_;
  TraceRecorder trace_;
  const std::vector<Pattern>& patterns_;
  std::vector<double> clock_;
  std::vector<double> ring_clock_;  ///< Ring(): the clocks of the ring being advanced
  int64_t layer_ = -1;              ///< the layer being replayed (-1 outside the layers)
  size_t phase_index_ = 0;          ///< the phase being replayed, in layer_phases or tail_phases
  std::vector<double> sharing_left_, sharing_from_, sharing_done_;
  std::vector<double> ring_latency_;       ///< each host's ring hop's route latency
  std::vector<double> collective_link_s_;  ///< CollectiveLinkSeconds()
};

}  // namespace

ReplayResult RunFastReplay(const ReplaySetup& setup) {
  sg4::Engine& engine = StartEngine();
  const Schedule& schedule = *setup.schedule;
  const int64_t n = setup.hosts();
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
      if (phase.kind == PhaseKind::kRing && setup.ring_ranks > 1) {
        want(phase.ring.message_bytes, Pattern::kRing);
        if (phase.ring.home_bytes > 0) want(phase.ring.home_bytes, Pattern::kRing);
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
  PricePatterns(engine, platform, setup, patterns, result.simgrid_activities);
  PriceStageTransfers(engine, platform, setup, result);
  FindSaturatedLinks(setup, patterns, result);

  Evaluator(setup, &result, patterns).Run();
  // The protocol holds at most two blocks per rank: the one it computes and sends, and the
  // one it receives.
  result.peak_blocks.assign(n, setup.ring_ranks > 1 && max_message > 0 ? 2 : 0);
  result.peak_buffer_bytes.assign(n, static_cast<double>(result.peak_blocks[0]) * max_message);
  result.simgrid_hosts = n + static_cast<int64_t>(setup.stage_peer.size());
  result.simgrid_links = platform.links;
  result.simgrid_routes = platform.routes;
  return result;
}

}  // namespace ringsim
