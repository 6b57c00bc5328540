#include "sim/rates.h"

#include "sim/ring_links.h"

namespace ringsim {

double MatmulSeconds(const Phase& phase, const Rates& rates) {
  const double efficiency = rates.matmul_efficiency->At(static_cast<double>(phase.tokens));
  return phase.flops / (rates.matmul_peak_flops_per_s * efficiency);
}

double OptimizerSeconds(const Schedule& schedule, const Rates& rates) {
  return schedule.optimizer_bytes > 0 ? schedule.optimizer_bytes / rates.hbm_bw_bytes_per_s : 0;
}

Rates MakeRates(const Schedule& schedule, const HardwareSpec& hw) {
  Rates rates;
  rates.hardware = &hw;
  rates.peak_flops_per_s = hw.AttentionPeakFlopsPerS(schedule.precision);
  rates.matmul_peak_flops_per_s = hw.PeakFlopsPerS(schedule.precision);
  rates.matmul_efficiency = &hw.MatmulEfficiency(schedule.precision);
  // The first ring pass fixes the launch shape (every pass of a schedule shares its layout).
  const RingPass* ring = nullptr;
  for (const auto* phases : {&schedule.layer_phases, &schedule.tail_phases}) {
    for (const Phase& phase : *phases) {
      if (phase.kind == PhaseKind::kRing && !ring) ring = &phase.ring;
    }
  }
  double kernel_tokens = 0;
  if (ring) {
    kernel_tokens = static_cast<double>(ring->KernelTokens());
    const double merge_bytes = ring->merge_bytes_per_row * static_cast<double>(ring->ChunkTokens());
    if (merge_bytes > 0 && hw.hbm_bw_bytes_per_s > 0) {
      rates.forward_merge_s =
          merge_bytes / (hw.hbm_bw_bytes_per_s * hw.memory_efficiency.At(merge_bytes));
    }
  }
  // A ring step computes while its K,V transfer runs: the measured interference slows it.
  if (kernel_tokens > 0) {
    const double slowed = 1.0 + hw.InterferenceAt(kernel_tokens);
    rates.attention_efficiency = hw.attention_efficiency.At(kernel_tokens) / slowed;
    rates.attention_bwd_efficiency = hw.AttentionBackwardEfficiency().At(kernel_tokens) / slowed;
  }
  for (const LinkSpec* link : RingHopLinks(hw, schedule.ring_devices, schedule.RankStride())) {
    rates.hop_bw_bytes_per_s.push_back(link->bw_bytes_per_s);
    rates.hop_latency_s.push_back(link->latency_s);
  }
  rates.collective_link = GroupLink(hw, schedule.fsdp, 1);
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

}  // namespace ringsim
