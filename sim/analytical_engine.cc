#include "sim/analytical_engine.h"

#include <algorithm>
#include <cmath>

#include "sim/ring_links.h"

namespace ringsim {

Rates MakeRates(const Schedule& schedule, const HardwareSpec& hw, const std::string& precision,
                int64_t fsdp, int64_t block_tokens) {
  Rates rates;
  rates.hardware = &hw;
  rates.peak_flops_per_s = hw.PeakFlopsPerS(precision);
  // The first ring pass fixes the launch shape (every pass of a schedule shares its layout).
  const RingPass* ring = nullptr;
  for (const auto* phases : {&schedule.layer_phases, &schedule.tail_phases}) {
    for (const Phase& phase : *phases) {
      if (phase.kind == PhaseKind::kRing && !ring) ring = &phase.ring;
    }
  }
  double kernel_tokens = static_cast<double>(block_tokens);
  if (ring) {
    RingPass at_block = *ring;
    at_block.block_tokens = block_tokens;
    kernel_tokens = static_cast<double>(at_block.KernelTokens());
    const double merge_bytes = ring->merge_bytes_per_row * static_cast<double>(ring->ChunkTokens());
    if (merge_bytes > 0 && hw.hbm_bw_bytes_per_s > 0) {
      rates.forward_merge_s =
          merge_bytes / (hw.hbm_bw_bytes_per_s * hw.memory_efficiency.At(merge_bytes));
    }
  }
  // A ring step computes while its K,V transfer runs: the measured interference slows it.
  const double slowed = 1.0 + hw.InterferenceAt(kernel_tokens);
  rates.attention_efficiency = hw.attention_efficiency.At(kernel_tokens) / slowed;
  rates.attention_bwd_efficiency = hw.AttentionBackwardEfficiency().At(kernel_tokens) / slowed;
  for (const LinkSpec* link : RingHopLinks(hw, schedule.ring_devices, schedule.RankStride())) {
    rates.hop_bw_bytes_per_s.push_back(link->bw_bytes_per_s);
    rates.hop_latency_s.push_back(link->latency_s);
  }
  rates.collective_link = GroupLink(hw, fsdp, 1);
  rates.tensor_link = GroupLink(hw, schedule.tensor, 1);
  rates.ulysses_link = GroupLink(hw, schedule.ulysses, schedule.tensor);
  rates.hbm_bw_bytes_per_s = hw.hbm_bw_bytes_per_s;
  return rates;
}

std::vector<double> RingComputeTimes(const RingPass& ring, const Rates& rates) {
  const int64_t n = ring.devices;
  const double rate = AttentionRate(ring, rates);
  std::vector<double> times(static_cast<size_t>(n * n));
  for (int64_t step = 0; step < n; ++step) {
    for (int64_t i = 0; i < n; ++i)
      times[step * n + i] = RingStepSeconds(ring, rate, rates.forward_merge_s, i, step);
  }
  return times;
}

double RunRingPass(const RingPass& ring, const Rates& rates, std::vector<double>& ready_s,
                   std::vector<double>& busy_s) {
  return RunRingPass(ring, rates, {}, ready_s, busy_s);
}

double RunRingPass(const RingPass& ring, const Rates& rates, const std::vector<double>& compute_s,
                   std::vector<double>& ready_s, std::vector<double>& busy_s) {
  const int64_t n = ring.devices;
  // start[i]: when rank i starts the current step (and posts its send and receive).
  std::vector<double>& start = ready_s;
  thread_local std::vector<double> done, arrive, hop_s, row;
  done.resize(n);
  row.resize(n);
  const double rate = AttentionRate(ring, rates);
  arrive.resize(n);
  hop_s.resize(n);
  for (int64_t h = 0; h < static_cast<int64_t>(rates.hop_bw_bytes_per_s.size()); ++h) {
    hop_s[h] = rates.hop_latency_s[h] + ring.message_bytes / rates.hop_bw_bytes_per_s[h];
  }
  double max_step_compute = 0;
  for (int64_t step = 0; step < n; ++step) {
    const double* compute = compute_s.data() + step * n;
    if (compute_s.empty()) {  // large rings: one row at a time instead of an N x N table
      for (int64_t i = 0; i < n; ++i)
        row[i] = RingStepSeconds(ring, rate, rates.forward_merge_s, i, step);
      compute = row.data();
    }
    for (int64_t i = 0; i < n; ++i) {
      max_step_compute = std::max(max_step_compute, compute[i]);
      busy_s[i] += compute[i];
      done[i] = start[i] + compute[i];
    }
    if (!ring.SendsAfter(step)) break;
    // The block for step + 1 moves from rank i - 1 to rank i once both have posted.
    arrive[0] = std::max(start[n - 1], start[0]) + hop_s[n - 1];
    for (int64_t i = 1; i < n; ++i) arrive[i] = std::max(start[i - 1], start[i]) + hop_s[i - 1];
    // Rank i's own send is the block arriving at rank i + 1.
    for (int64_t i = 0; i + 1 < n; ++i) start[i] = std::max({done[i], arrive[i], arrive[i + 1]});
    start[n - 1] = std::max({done[n - 1], arrive[n - 1], arrive[0]});
  }
  for (int64_t i = 0; i < n; ++i) ready_s[i] = done[i];
  return max_step_compute;
}

namespace {

double ComputeTime(const Phase& phase, const Rates& rates) {
  double efficiency = rates.hardware->matmul_efficiency.At(static_cast<double>(phase.tokens));
  return phase.flops / (rates.peak_flops_per_s * efficiency);
}

// Ring all-gather / reduce-scatter: (group - 1) / group of the data crosses each link;
// phase.bytes already carries that factor.
double CollectiveTime(const Phase& phase, const Rates& rates) {
  return rates.collective_link.latency_s * static_cast<double>(phase.group - 1) +
         phase.bytes / rates.collective_link.bw_bytes_per_s;
}

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

bool SameLayout(const RingPass& a, const RingPass& b) {
  return a.devices == b.devices && a.variant == b.variant && a.causal == b.causal &&
         a.seq_len == b.seq_len && a.block_tokens == b.block_tokens && a.flops_per_pair > 0;
}

// FLOPs and kernel launches per (step, device) of one ring layout: forward, recompute and
// backward passes scale the FLOPs and add their own merges (only the forward merges).
struct RingTable {
  const RingPass* ring = nullptr;
  std::vector<double> flops, launches;

  void Build(const RingPass& r, bool with_launches) {
    ring = &r;
    const int64_t n = r.devices;
    flops.resize(static_cast<size_t>(n * n));
    launches.assign(with_launches ? flops.size() : 0, 0.0);
    for (int64_t step = 0; step < n; ++step) {
      for (int64_t i = 0; i < n; ++i) {
        int64_t visible = 0;
        const double f = r.Flops(i, step, with_launches ? &visible : nullptr);
        flops[step * n + i] = f;
        if (with_launches) launches[step * n + i] = static_cast<double>(visible);
      }
    }
  }
};

std::vector<PreparedPhase> Prepare(const std::vector<Phase>& phases, const Rates& rates) {
  std::vector<PreparedPhase> out;
  out.reserve(phases.size());
  // Reused across calls (sweeps call this ~1e5 times a second): only the pointer resets.
  thread_local RingTable table;
  table.ring = nullptr;
  for (const Phase& phase : phases) {
    PreparedPhase p;
    p.phase = &phase;
    switch (phase.kind) {
      case PhaseKind::kCompute:
        p.compute_s = ComputeTime(phase, rates);
        break;
      case PhaseKind::kTensorAllReduce:
      case PhaseKind::kUlyssesAllToAll:
        p.step_comm_s = BlockingCollectiveSeconds(phase, rates);
        break;
      case PhaseKind::kRing: {
        // Beyond kMaxTabulatedRing RunRingPass computes each step's row as it goes.
        if (phase.ring.devices <= kMaxTabulatedRing) {
          const bool merges = rates.forward_merge_s > 0;
          if (!table.ring || !SameLayout(*table.ring, phase.ring) ||
              (merges && table.launches.empty())) {
            table.Build(phase.ring, merges);
          }
          const double per_flop = phase.ring.flops_per_pair / table.ring->flops_per_pair /
                                  AttentionRate(phase.ring, rates);
          const double merge_s = phase.ring.backward ? 0 : rates.forward_merge_s;
          p.ring_compute_s.resize(table.flops.size());
          for (size_t k = 0; k < table.flops.size(); ++k) {
            p.ring_compute_s[k] = table.flops[k] * per_flop;
            if (merge_s > 0) p.ring_compute_s[k] += table.launches[k] * merge_s;
          }
        }
        for (size_t h = 0; h < rates.hop_bw_bytes_per_s.size(); ++h) {
          p.step_comm_s =
              std::max(p.step_comm_s, rates.hop_latency_s[h] +
                                          phase.ring.message_bytes / rates.hop_bw_bytes_per_s[h]);
        }
        break;
      }
      case PhaseKind::kAllGather:
      case PhaseKind::kReduceScatter:
        p.step_comm_s = CollectiveTime(phase, rates);
        break;
    }
    out.push_back(std::move(p));
  }
  return out;
}

// One layer: advances clocks. FSDP collectives run beside the compute (prefetched): a
// collective needs every member, so it ends at the latest member's layer start plus its
// time, and the layer cannot end before its collectives have.
void RunPhases(const std::vector<PreparedPhase>& phases, const Rates& rates,
               std::vector<double>& clock, std::vector<double>& busy,
               std::vector<PhaseTiming>* timings) {
  double layer_start = *std::max_element(clock.begin(), clock.end());
  double collective_s = 0;
  for (const PreparedPhase& prepared : phases) {
    const Phase& phase = *prepared.phase;
    double before = timings ? *std::max_element(clock.begin(), clock.end()) : 0;
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
        for (double& c : clock) c += prepared.step_comm_s;
        break;
      case PhaseKind::kAllGather:
      case PhaseKind::kReduceScatter:
        collective_s += prepared.step_comm_s;
        break;
    }
    if (!timings) continue;
    bool collective =
        phase.kind == PhaseKind::kAllGather || phase.kind == PhaseKind::kReduceScatter;
    double time =
        collective ? prepared.step_comm_s : *std::max_element(clock.begin(), clock.end()) - before;
    timings->push_back({phase.name, PhaseKindName(phase.kind), time, max_step_compute,
                        phase.kind == PhaseKind::kCompute ? 0 : prepared.step_comm_s});
  }
  for (double& c : clock) c = std::max(c, layer_start + collective_s);
}

// Whether two per-layer clock increments are equal (to rounding of the clock values).
bool SameIncrement(const std::vector<double>& a, const std::vector<double>& b, double scale) {
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::abs(a[i] - b[i]) > 1e-12 * scale) return false;
  }
  return true;
}

std::vector<double> Difference(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> d(a.size());
  for (size_t i = 0; i < a.size(); ++i) d[i] = a[i] - b[i];
  return d;
}

// Runs `layers` layers. A layer is a max-plus linear map of the clocks; once two layers in a
// row add the same increment to every clock, the map stays in one linear regime, and we
// jump over the layers in between. Whether the regime held is checked by simulating the
// last layer for real; if its increment differs, we fall back to simulating every layer.
void RunLayers(const std::vector<PreparedPhase>& phases, const Rates& rates, int64_t layers,
               bool extrapolate, std::vector<double>& clock, std::vector<double>& busy,
               std::vector<PhaseTiming>* timings) {
  std::vector<double> increment, busy_increment;
  for (int64_t layer = 0; layer < layers; ++layer) {
    std::vector<double> before = clock, busy_before = busy;
    RunPhases(phases, rates, clock, busy, layer == 0 ? timings : nullptr);
    std::vector<double> step = Difference(clock, before);
    double scale = std::max(1.0, *std::max_element(clock.begin(), clock.end()));
    int64_t remaining = layers - layer - 1;
    if (extrapolate && remaining >= 2 && !increment.empty() &&
        SameIncrement(step, increment, scale)) {
      std::vector<double> saved = clock, saved_busy = busy;
      std::vector<double> busy_step = Difference(busy, busy_before);
      double jump = static_cast<double>(remaining - 1);
      for (size_t i = 0; i < clock.size(); ++i) {
        clock[i] += jump * step[i];
        busy[i] += jump * busy_step[i];
      }
      std::vector<double> last_before = clock;
      RunPhases(phases, rates, clock, busy, nullptr);
      scale = std::max(1.0, *std::max_element(clock.begin(), clock.end()));
      if (SameIncrement(Difference(clock, last_before), step, scale)) return;
      clock = saved;  // the regime changed somewhere: simulate the rest layer by layer
      busy = saved_busy;
      extrapolate = false;
    }
    increment = step;
  }
}

}  // namespace

Estimate Analyze(const Schedule& schedule, const Rates& rates, bool extrapolate_layers) {
  const size_t n = static_cast<size_t>(schedule.ring_devices);
  std::vector<double> clock(n, 0.0), busy(n, 0.0);
  Estimate out;
  out.engine = "analytical";
  RunLayers(Prepare(schedule.layer_phases, rates), rates, schedule.layers, extrapolate_layers,
            clock, busy, &out.phases);
  RunPhases(Prepare(schedule.tail_phases, rates), rates, clock, busy, &out.phases);

  double end = *std::max_element(clock.begin(), clock.end());
  if (schedule.optimizer_bytes > 0) {
    double optimizer_s = schedule.optimizer_bytes / rates.hbm_bw_bytes_per_s;
    end += optimizer_s;
    for (double& b : busy) b += optimizer_s;
    out.phases.push_back({"optimizer", "memory", optimizer_s, 0, 0});
  }
  out.step_time_s = end;
  out.device_busy_s = busy;
  out.compute_time_s = *std::max_element(busy.begin(), busy.end());
  out.exposed_comm_time_s = std::max(0.0, end - out.compute_time_s);
  double idle = 0;
  for (double b : busy) idle += end - b;
  out.mean_idle_time_s = idle / static_cast<double>(n);
  out.model_flops = schedule.model_flops;
  out.tflops_per_device = schedule.model_flops / end / schedule.total_devices / 1e12;
  out.mfu = schedule.model_flops / end / schedule.total_devices / rates.peak_flops_per_s;
  out.tokens_per_s = schedule.tokens_per_step / end;
  return out;
}

}  // namespace ringsim
