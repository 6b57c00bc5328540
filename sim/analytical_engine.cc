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
  rates.attention_efficiency = hw.attention_efficiency.At(static_cast<double>(block_tokens));
  for (const LinkSpec& link : RingHopLinks(hw, schedule.ring_devices, schedule.tensor)) {
    rates.hop_bw_bytes_per_s.push_back(link.bw_bytes_per_s);
    rates.hop_latency_s.push_back(link.latency_s);
  }
  rates.collective_link = GroupLink(hw, fsdp, 1);
  rates.hbm_bw_bytes_per_s = hw.hbm_bw_bytes_per_s;
  return rates;
}

double RunRingPass(const RingPass& ring, const Rates& rates, std::vector<double>& ready_s,
                   std::vector<double>& busy_s) {
  const int64_t n = ring.devices;
  const double rate = rates.peak_flops_per_s * rates.attention_efficiency;
  // arrive[i]: when rank i holds the block of the current step; done[i]: when it finished
  // computing the current step; done_prev[i]: the step before.
  std::vector<double> arrive(ready_s), done(n), done_prev(n), next_arrive(n);
  double max_step_compute = 0;
  for (int64_t step = 0; step < n; ++step) {
    for (int64_t i = 0; i < n; ++i) {
      double compute = ring.Flops(i, step) / rate;
      max_step_compute = std::max(max_step_compute, compute);
      busy_s[i] += compute;
      double start = std::max(step == 0 ? ready_s[i] : done[i], arrive[i]);
      done_prev[i] = step == 0 ? ready_s[i] : done[i];
      done[i] = start + compute;
    }
    if (!ring.SendsAfter(step)) break;
    for (int64_t i = 0; i < n; ++i) {
      int64_t from = (i - 1 + n) % n;
      // Rank i receives into the buffer that held the block of step - 1; it is free once
      // rank i computed that block and forwarded it (forwarding ended when it arrived at
      // rank i + 1, which is arrive[i + 1] of this step).
      double buffer_free = step == 0 ? ready_s[i] : std::max(done_prev[i], arrive[(i + 1) % n]);
      // The sender's link is busy with its previous message until that arrived here.
      double send_start = std::max({arrive[from], buffer_free, arrive[i]});
      next_arrive[i] = send_start + rates.hop_latency_s[from] +
                       ring.message_bytes / rates.hop_bw_bytes_per_s[from];
    }
    arrive.swap(next_arrive);
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

// One layer: advances clocks; FSDP collectives run beside the compute (prefetched), so the
// layer ends no earlier than its start plus the collectives' total time.
void RunPhases(const std::vector<Phase>& phases, const Rates& rates, std::vector<double>& clock,
               std::vector<double>& busy, std::vector<PhaseTiming>* timings) {
  double layer_start = *std::min_element(clock.begin(), clock.end());
  double collective_s = 0;
  for (const Phase& phase : phases) {
    double before = *std::max_element(clock.begin(), clock.end());
    PhaseTiming timing{phase.name, PhaseKindName(phase.kind), 0, 0, 0};
    switch (phase.kind) {
      case PhaseKind::kCompute: {
        double t = ComputeTime(phase, rates);
        for (size_t i = 0; i < clock.size(); ++i) {
          clock[i] += t;
          busy[i] += t;
        }
        break;
      }
      case PhaseKind::kRing:
        timing.max_step_compute_s = RunRingPass(phase.ring, rates, clock, busy);
        if (!rates.hop_bw_bytes_per_s.empty()) {
          timing.step_comm_s =
              rates.hop_latency_s[0] + phase.ring.message_bytes / rates.hop_bw_bytes_per_s[0];
          for (size_t h = 0; h < rates.hop_bw_bytes_per_s.size(); ++h) {
            timing.step_comm_s = std::max(
                timing.step_comm_s,
                rates.hop_latency_s[h] + phase.ring.message_bytes / rates.hop_bw_bytes_per_s[h]);
          }
        }
        break;
      case PhaseKind::kAllGather:
      case PhaseKind::kReduceScatter:
        collective_s += CollectiveTime(phase, rates);
        timing.step_comm_s = CollectiveTime(phase, rates);
        break;
    }
    timing.time_s = phase.kind == PhaseKind::kCompute || phase.kind == PhaseKind::kRing
                        ? *std::max_element(clock.begin(), clock.end()) - before
                        : timing.step_comm_s;
    if (timings) timings->push_back(timing);
  }
  for (double& c : clock) c = std::max(c, layer_start + collective_s);
}

bool SamePattern(const std::vector<double>& a, const std::vector<double>& b) {
  double base_a = *std::min_element(a.begin(), a.end());
  double base_b = *std::min_element(b.begin(), b.end());
  for (size_t i = 0; i < a.size(); ++i) {
    double da = a[i] - base_a, db = b[i] - base_b;
    if (std::abs(da - db) > 1e-12 * std::max(1.0, std::abs(base_b))) return false;
  }
  return true;
}

}  // namespace

Estimate Analyze(const Schedule& schedule, const Rates& rates) {
  const size_t n = static_cast<size_t>(schedule.ring_devices);
  std::vector<double> clock(n, 0.0), busy(n, 0.0);
  Estimate out;
  out.engine = "analytical";

  // Layers repeat; the clocks' relative pattern settles after a layer or two, after which
  // every layer adds the same time and busy work (max-plus periodicity). Stop simulating then.
  std::vector<double> previous = clock, previous_busy = busy;
  for (int64_t layer = 0; layer < schedule.layers; ++layer) {
    RunPhases(schedule.layer_phases, rates, clock, busy, layer == 0 ? &out.phases : nullptr);
    if (layer >= 1 && SamePattern(clock, previous) && layer + 1 < schedule.layers) {
      double remaining = static_cast<double>(schedule.layers - layer - 1);
      double shift = *std::min_element(clock.begin(), clock.end()) -
                     *std::min_element(previous.begin(), previous.end());
      for (size_t i = 0; i < n; ++i) {
        double busy_step = busy[i] - previous_busy[i];
        clock[i] += remaining * shift;
        busy[i] += remaining * busy_step;
      }
      break;
    }
    previous = clock;
    previous_busy = busy;
  }
  RunPhases(schedule.tail_phases, rates, clock, busy, &out.phases);

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
