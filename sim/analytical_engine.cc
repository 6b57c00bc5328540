#include "sim/analytical_engine.h"

#include <algorithm>
#include <optional>

#include "sim/layer_repeat.h"
#include "sim/ring_clock.h"
#include "sim/ring_closed_form.h"

namespace ringsim {

double RunRingPass(const RingPass& ring, const Rates& rates, std::vector<double>& ready_s,
                   std::vector<double>& busy_s) {
  return RunRingPass(ring, rates, {}, ready_s, busy_s);
}

namespace {

// The pass's N steps.
double RunRingSteps(const RingPass& ring, const Rates& rates, const std::vector<double>& compute_s,
                    std::vector<double>& ready_s, std::vector<double>& busy_s) {
  const int64_t n = ring.devices;
  // Made only where no table was given: its set-up allocates, once per pass of a small ring
  // that a sweep runs thousands of times.
  std::optional<RingStepPricer> pricer;
  if (compute_s.empty()) pricer.emplace(ring, rates);
  thread_local std::vector<double> hop_s;
  hop_s.resize(rates.hop_bw_bytes_per_s.size());
  for (size_t h = 0; h < hop_s.size(); ++h) hop_s[h] = RingHopSeconds(rates, h, ring.message_bytes);
  auto compute = [&](int64_t i, int64_t step) {
    const double t =
        pricer ? pricer->Seconds(i, step) : compute_s[static_cast<size_t>(step * n + i)];
    busy_s[i] += t;
    return t;
  };
  if (ring.DoubleRing()) {
    auto inner = [&](int64_t from, int64_t, double) {
      return rates.inner_hop_latency_s[from] +
             ring.message_bytes / rates.inner_hop_bw_bytes_per_s[from];
    };
    auto outer = [&](int64_t from, int64_t, double) {
      return rates.outer_hop_latency_s[from] +
             ring.message_bytes / rates.outer_hop_bw_bytes_per_s[from];
    };
    return AdvanceDoubleRingPass(n, ring.window, compute, inner, outer, ready_s);
  }
  auto hop = [&](int64_t from, int64_t, double) { return hop_s[static_cast<size_t>(from)]; };
  if (!compute_s.empty()) {
    // The sweep's common case, read straight from the table.
    auto tabulated = [&](int64_t i, int64_t step) {
      const double t = compute_s[static_cast<size_t>(step * n + i)];
      busy_s[i] += t;
      return t;
    };
    return AdvanceRingPass(n, tabulated, hop, ready_s);
  }
  // Too large to tabulate: price each (rank, source) relation once (ring_closed_form.h) and
  // take the pass in closed form where no rank waits, else step by step up to lockstep.
  thread_local RelationStepSeconds steps;
  PriceByRelation(
      n, [&](int64_t i, int64_t step) { return pricer->Seconds(i, step); }, steps);
  double max_step_compute_s = 0;
  if (AdvanceUnblockedRingPass(steps, hop_s, ready_s, busy_s, max_step_compute_s))
    return max_step_compute_s;
  return AdvanceRingPassByRelation(steps, hop_s, ready_s, busy_s);
}

}  // namespace

double RunRingPass(const RingPass& ring, const Rates& rates, const std::vector<double>& compute_s,
                   std::vector<double>& ready_s, std::vector<double>& busy_s) {
  const double max_step_compute_s = RunRingSteps(ring, rates, compute_s, ready_s, busy_s);
  if (ring.home_bytes > 0) {  // a plain ring's alone (RingPass::home_bytes)
    FinishHomeHop(ready_s, [&](int64_t from, double) {
      return RingHopSeconds(rates, static_cast<size_t>(from), ring.home_bytes);
    });
  }
  return max_step_compute_s;
}

namespace {

// Rings up to this size keep their per-(step, device) compute times in a table (fast for
// sweeps); larger ones compute each step's row as they go (an N x N table of a 4096-device
// ring would take 128 MB per phase).
constexpr int64_t kMaxTabulatedRing = 256;

// A phase with everything that does not change between layers worked out once.
struct PreparedPhase {
  const Phase* phase = nullptr;
  double compute_s = 0;                // kCompute
  std::vector<double> ring_compute_s;  // kRing: per (step, device)
  double step_comm_s = 0;              // kRing: slowest hop; collectives: their time
};

// Whether two ring passes compute exactly the same per (step, device) (their transfers may
// differ).
bool SameRingWork(const RingPass& a, const RingPass& b) {
  return a.devices == b.devices && a.variant == b.variant && a.causal == b.causal &&
         a.seq_len == b.seq_len && a.flops_per_pair == b.flops_per_pair &&
         a.heads_x_batch == b.heads_x_batch && a.kernel_block_tokens == b.kernel_block_tokens &&
         a.backward == b.backward && a.merge_bytes_per_row == b.merge_bytes_per_row &&
         a.merge_bytes_per_key_row == b.merge_bytes_per_key_row && a.rule == b.rule &&
         a.merge_slice_bytes_per_row == b.merge_slice_bytes_per_row &&
         a.merge_slice_launches == b.merge_slice_launches && a.causal_rate == b.causal_rate &&
         a.merge_launches == b.merge_launches && a.host_kernel_s == b.host_kernel_s &&
         a.host_op_s == b.host_op_s && a.host_step_ops == b.host_step_ops && a.call_s == b.call_s &&
         a.window == b.window;
}

std::vector<PreparedPhase> Prepare(const std::vector<Phase>& phases, const Rates& rates) {
  std::vector<PreparedPhase> out;
  out.reserve(phases.size());
  for (const Phase& phase : phases) {
    PreparedPhase p;
    p.phase = &phase;
    switch (phase.kind) {
      case PhaseKind::kCompute:
        p.compute_s = MatmulSeconds(phase, rates);
        break;
      case PhaseKind::kTensorAllReduce:
      case PhaseKind::kUlyssesAllToAll:
      case PhaseKind::kContextAllGather:
        p.step_comm_s = BlockingCollectiveSeconds(phase, rates);
        break;
      case PhaseKind::kRing: {
        // Beyond kMaxTabulatedRing RunRingPass computes each step's row as it goes.
        if (phase.ring.devices <= kMaxTabulatedRing) {
          // The recompute pass repeats the forward's work: reuse its table.
          const PreparedPhase* same = nullptr;
          for (const PreparedPhase& q : out) {
            if (q.phase->kind == PhaseKind::kRing && SameRingWork(q.phase->ring, phase.ring))
              same = &q;
          }
          p.ring_compute_s = same ? same->ring_compute_s : RingComputeTimes(phase.ring, rates);
        }
        for (size_t h = 0; h < rates.hop_bw_bytes_per_s.size(); ++h) {
          p.step_comm_s =
              std::max(p.step_comm_s, RingHopSeconds(rates, h, phase.ring.message_bytes));
        }
        break;
      }
      case PhaseKind::kAllGather:
      case PhaseKind::kReduceScatter:
      case PhaseKind::kGradientAllReduce:
        p.step_comm_s = BesideComputeSeconds(phase, rates);
        break;
      case PhaseKind::kOptimizer:
      case PhaseKind::kPipeline:
        break;
    }
    out.push_back(std::move(p));
  }
  return out;
}

double Latest(const std::vector<double>& clock) {
  return *std::max_element(clock.begin(), clock.end());
}

// One layer: advances clocks. FSDP collectives run beside the compute (prefetched): a
// collective needs every member, so it ends at the latest member's layer start plus its
// time, and the layer cannot end before its collectives have.
void RunPhases(const std::vector<PreparedPhase>& phases, const Rates& rates,
               std::vector<double>& clock, std::vector<double>& busy,
               std::vector<PhaseTiming>* timings, double offload_s = 0) {
  const double layer_start = Latest(clock);
  double collective_s = 0;
  for (const PreparedPhase& prepared : phases) {
    const Phase& phase = *prepared.phase;
    const double before = timings ? Latest(clock) : 0;
    double max_step_compute = 0;
    switch (phase.kind) {
      case PhaseKind::kCompute:
        for (size_t i = 0; i < clock.size(); ++i) {
          clock[i] += prepared.compute_s;
          busy[i] += prepared.compute_s;
        }
        break;
      case PhaseKind::kRing:
        max_step_compute = RunRingPass(phase.ring, rates, prepared.ring_compute_s, clock, busy);
        break;
      case PhaseKind::kTensorAllReduce:  // block the layer; communication, not busy time
      case PhaseKind::kUlyssesAllToAll:
      case PhaseKind::kContextAllGather:
        for (double& c : clock) c += prepared.step_comm_s;
        break;
      case PhaseKind::kAllGather:
      case PhaseKind::kReduceScatter:
      case PhaseKind::kGradientAllReduce:
        collective_s += prepared.step_comm_s;
        break;
      case PhaseKind::kOptimizer:
      case PhaseKind::kPipeline:
        break;
    }
    if (!timings) continue;
    const double time = IsBesideCompute(phase) ? prepared.step_comm_s : Latest(clock) - before;
    timings->push_back({phase.name, phase.kind, time, max_step_compute,
                        phase.kind == PhaseKind::kCompute ? 0 : prepared.step_comm_s});
  }
  // Activation offload: the host link carries the layer's saved activations each way beside
  // the compute (its own link: not the collectives').
  for (double& c : clock) c = std::max(c, layer_start + std::max(collective_s, offload_s));
}

}  // namespace

Estimate Analyze(const Schedule& schedule, const Rates& rates, bool extrapolate_layers) {
  const size_t n = static_cast<size_t>(schedule.ring_devices);
  std::vector<double> clock(n, 0.0), busy(n, 0.0);
  Estimate out;
  out.engine = EngineKind::kAnalytical;
  const std::vector<PreparedPhase> layer = Prepare(schedule.layer_phases, rates);
  RunRepeatedLayers(schedule.layers, extrapolate_layers, clock, {&busy}, [&](int64_t index) {
    RunPhases(layer, rates, clock, busy, index == 0 ? &out.phases : nullptr,
              OffloadSeconds(schedule, rates));
  });
  const double layers_end = Latest(clock);
  RunPhases(Prepare(schedule.tail_phases, rates), rates, clock, busy, &out.phases);
  AddPipeline(schedule, layers_end, Latest(clock) - layers_end,
              PipelineTransferSeconds(schedule, rates), clock, out);

  const double optimizer_s = OptimizerSeconds(schedule, rates);
  if (optimizer_s > 0) {
    const double end = Latest(clock);
    for (double& c : clock) c = end + optimizer_s;
    for (double& b : busy) b += optimizer_s;
    out.phases.push_back({"optimizer", PhaseKind::kOptimizer, optimizer_s, 0, 0});
  }
  FinishEstimate(schedule, rates.mfu_peak_flops_per_s, clock, std::move(busy), out);
  return out;
}

}  // namespace ringsim
