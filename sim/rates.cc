#include "sim/rates.h"

#include <algorithm>

#include "sim/grid_efficiency.h"
#include "sim/ring_closed_form.h"
#include "sim/ring_links.h"

namespace ringsim {

double MatmulSeconds(const Phase& phase, const Rates& rates) {
  const bool bf16 = phase.bf16_matmul && rates.bf16_matmul_efficiency != nullptr;
  const EfficiencyCurve& curve = bf16 ? *rates.bf16_matmul_efficiency : *rates.matmul_efficiency;
  const double peak = bf16 ? rates.bf16_matmul_peak_flops_per_s : rates.matmul_peak_flops_per_s;
  const double efficiency = curve.At(static_cast<double>(phase.tokens));
  double seconds = phase.flops / (peak * efficiency);
  if (phase.stream_bytes > 0 && rates.hbm_bw_bytes_per_s > 0) {
    // One elementwise kernel after another, each streaming its tensors once.
    const double memory =
        rates.hardware ? rates.hardware->memory_efficiency.At(phase.stream_bytes) : 1.0;
    seconds += phase.stream_bytes / (rates.hbm_bw_bytes_per_s * memory);
  }
  return seconds;
}

double TensorAllReduceSeconds(const Phase& phase, const Rates& rates) {
  const double g = static_cast<double>(phase.group);
  if (g <= 1) return 0;
  const double alone = 2.0 * (g - 1.0) * rates.tensor_link.latency_s +
                       2.0 * (g - 1.0) / g * phase.bytes / rates.tensor_link.bw_bytes_per_s;
  if (!(phase.overlap_flops > 0)) return alone;
  Phase gemms;
  gemms.flops = phase.overlap_flops;
  gemms.tokens = phase.overlap_tokens;
  return std::max(alone / g, alone - MatmulSeconds(gemms, rates));
}

double OptimizerSeconds(const Schedule& schedule, const Rates& rates) {
  if (!(schedule.optimizer_bytes > 0)) return 0;
  // ZeRO 1/2: the updated weights gathered after the step, as an FSDP ring all-gather.
  const double gather_s =
      schedule.param_gather_bytes > 0
          ? rates.collective_link.latency_s * static_cast<double>(schedule.param_gather_group - 1) +
                schedule.param_gather_bytes / rates.collective_link.bw_bytes_per_s
          : 0;
  if (!schedule.optimizer_on_host) {
    return schedule.optimizer_bytes / rates.hbm_bw_bytes_per_s + gather_s;
  }
  // Gradients down, Adam on the CPU for every device of the node, weights back up. The CPU's
  // Adam takes the longer of its memory traffic and its update rate.
  const double on_node = static_cast<double>(schedule.devices_on_node);
  const double memory_s = on_node * schedule.optimizer_bytes / rates.host_memory_bw_bytes_per_s;
  const double update_s =
      schedule.host_optimizer_params_per_s > 0
          ? on_node * schedule.host_optimizer_params / schedule.host_optimizer_params_per_s
          : 0.0;
  return 2.0 * schedule.host_param_bytes / rates.host_link_bw_bytes_per_s +
         std::max(memory_s, update_s) + gather_s;
}

double OffloadSeconds(const Schedule& schedule, const Rates& rates) {
  return schedule.offload_bytes_per_layer > 0
             ? schedule.offload_bytes_per_layer / rates.host_link_bw_bytes_per_s
             : 0;
}

Rates MakeRates(const Schedule& schedule, const HardwareSpec& hw) {
  Rates rates;
  rates.hardware = &hw;
  rates.host_link_bw_bytes_per_s = hw.host_link.bw_bytes_per_s;
  rates.host_memory_bw_bytes_per_s = hw.host_memory_bw_bytes_per_s;
  rates.mfu_peak_flops_per_s = hw.AttentionPeakFlopsPerS(schedule.precision);
  rates.peak_flops_per_s = rates.mfu_peak_flops_per_s * hw.sustained_clock_fraction;
  rates.matmul_peak_flops_per_s =
      hw.PeakFlopsPerS(schedule.precision) * hw.sustained_clock_fraction;
  rates.matmul_efficiency = &hw.MatmulEfficiency(schedule.precision);
  const Precision high =
      schedule.precision == Precision::kFp8 ? Precision::kBf16 : schedule.precision;
  rates.bf16_matmul_peak_flops_per_s = hw.PeakFlopsPerS(high) * hw.sustained_clock_fraction;
  rates.bf16_matmul_efficiency = &hw.MatmulEfficiency(high);
  // The first ring pass fixes the launch shape (every pass of a schedule shares its layout).
  const RingPass* ring = nullptr;
  for (const auto* phases : {&schedule.layer_phases, &schedule.tail_phases}) {
    for (const Phase& phase : *phases) {
      if (phase.kind == PhaseKind::kRing && !ring) ring = &phase.ring;
    }
  }
  const double kernel_tokens = ring ? static_cast<double>(ring->KernelTokens()) : 0;
  // A ring step computes while its K,V transfer runs: the measured interference slows it.
  if (kernel_tokens > 0) {
    rates.interference = hw.InterferenceAt(kernel_tokens);
    const double slowed = 1.0 + rates.interference;
    rates.attention_efficiency = hw.attention_efficiency.At(kernel_tokens) / slowed;
    rates.attention_bwd_efficiency = hw.AttentionBackwardEfficiency().At(kernel_tokens) / slowed;
  }
  for (const LinkSpec* link : RingHopLinks(hw, schedule.ring_devices, schedule.RankStride())) {
    rates.hop_bw_bytes_per_s.push_back(link->bw_bytes_per_s);
    rates.hop_latency_s.push_back(link->latency_s);
  }
  if (ring && ring->DoubleRing()) {
    const int64_t stride = std::max<int64_t>(1, schedule.RankStride());
    for (int64_t r = 0; r < ring->devices; ++r) {
      const LinkSpec& inner = DeviceLink(hw, r * stride, ring->InnerNext(r) * stride);
      const LinkSpec& outer = DeviceLink(hw, r * stride, ring->OuterNext(r) * stride);
      rates.inner_hop_bw_bytes_per_s.push_back(inner.bw_bytes_per_s);
      rates.inner_hop_latency_s.push_back(inner.latency_s);
      rates.outer_hop_bw_bytes_per_s.push_back(outer.bw_bytes_per_s);
      rates.outer_hop_latency_s.push_back(outer.latency_s);
    }
  }
  rates.collective_link = GroupLink(hw, schedule.fsdp, 1);
  rates.tensor_link = GroupLink(hw, schedule.tensor, 1);
  rates.ulysses_link = GroupLink(hw, schedule.ulysses, schedule.tensor);
  // A shard's replicas sit a tensor slice's FSDP group apart.
  rates.replica_link = GroupLink(hw, schedule.grad_replicas, schedule.tensor * schedule.fsdp);
  // A device and its peer on the next stage, pipeline_stride devices apart.
  rates.pipeline_link = GroupLink(hw, 2, schedule.pipeline_stride);
  rates.hbm_bw_bytes_per_s = hw.hbm_bw_bytes_per_s;
  return rates;
}

std::vector<double> RingComputeTimes(const RingPass& ring, const Rates& rates) {
  const int64_t n = ring.devices;
  RingStepPricer pricer(ring, rates);
  auto seconds = [&](int64_t i, int64_t step) { return pricer.Seconds(i, step); };
  std::vector<double> times(static_cast<size_t>(n * n));
  // A plain ring's step is priced by its (rank, source) relation (ring_closed_form.h): N + 2
  // prices fill the table; a double ring's steps are priced one by one.
  RelationStepSeconds relation;
  const bool by_relation = !ring.DoubleRing();
  if (by_relation) PriceByRelation(n, seconds, relation);
  for (int64_t step = 0; step < n; ++step) {
    for (int64_t i = 0; i < n; ++i) {
      times[step * n + i] = by_relation ? relation.At(i, step) : seconds(i, step);
    }
  }
  return times;
}

double ContextAllGatherSeconds(const Phase& phase, const Rates& rates) {
  double hop_s = 0;
  for (size_t h = 0; h < rates.hop_bw_bytes_per_s.size(); ++h)
    hop_s = std::max(hop_s, RingHopSeconds(rates, h, phase.bytes));
  return static_cast<double>(phase.group - 1) * hop_s;
}

double LaunchEfficiency(const HardwareSpec& hw, bool backward, bool causal, double tokens) {
  const double full =
      backward ? hw.AttentionBackwardEfficiency().At(tokens) : hw.attention_efficiency.At(tokens);
  if (!causal) return full;
  if (backward && !hw.attention_causal_bwd_efficiency.points.empty()) {
    return hw.attention_causal_bwd_efficiency.At(tokens);
  }
  if (hw.attention_causal_efficiency.points.empty()) return full;
  // Without a measured causal backward, the backward keeps the forward's causal/full ratio.
  const double causal_fwd = hw.attention_causal_efficiency.At(tokens);
  return backward ? full * causal_fwd / hw.attention_efficiency.At(tokens) : causal_fwd;
}

const RingStepPricer::Shape& RingStepPricer::Price(const RingPass::Launch& launch) {
  for (const Shape& s : shapes_) {
    if (s.q_tokens == launch.q_tokens && s.k_tokens == launch.k_tokens &&
        s.causal == launch.causal && s.sliced == launch.sliced)
      return s;
  }
  Shape s;
  s.q_tokens = launch.q_tokens;
  s.k_tokens = launch.k_tokens;
  s.causal = launch.causal;
  s.sliced = launch.sliced;
  const double tokens = ring_.CurveTokens(launch);
  // Rates built by hand without a hardware (tests) carry the pass's efficiency alone.
  const double efficiency = rates_.hardware
                                ? LaunchEfficiency(*rates_.hardware, ring_.backward,
                                                   launch.causal && ring_.causal_rate, tokens) /
                                      (1.0 + rates_.interference)
                            : ring_.backward ? rates_.attention_bwd_efficiency
                                             : rates_.attention_efficiency;
  s.seconds_per_pair =
      ring_.flops_per_pair / (rates_.peak_flops_per_s * efficiency * WaveFactor(launch, tokens));
  s.host_s = ring_.host_kernel_s;
  if ((ring_.merge_bytes_per_row > 0 || ring_.merge_bytes_per_key_row > 0) &&
      rates_.hbm_bw_bytes_per_s > 0 && rates_.hardware) {
    // Streaming kernels over the launch's query rows (and, in the backward, its key rows).
    auto stream_s = [&](double bytes) {
      return bytes / (rates_.hbm_bw_bytes_per_s * rates_.hardware->memory_efficiency.At(bytes));
    };
    const double q_rows = static_cast<double>(launch.q_tokens);
    s.merge_s = stream_s(ring_.merge_bytes_per_row * q_rows +
                         ring_.merge_bytes_per_key_row * static_cast<double>(launch.k_tokens));
    s.host_s += static_cast<double>(ring_.merge_launches) * ring_.host_op_s;
    if (launch.sliced && ring_.merge_slice_bytes_per_row > 0) {
      s.merge_s += stream_s(ring_.merge_slice_bytes_per_row * q_rows);
      s.host_s += static_cast<double>(ring_.merge_slice_launches) * ring_.host_op_s;
    }
  }
  shapes_.push_back(s);
  return shapes_.back();
}

double RingStepPricer::WaveFactor(const RingPass::Launch& launch, double tokens) const {
  if (rates_.hardware == nullptr) return 1.0;
  const HardwareSpec& hw = *rates_.hardware;
  const int64_t reference_hb = hw.ReferenceHeadsXBatch(tokens);
  if (!hw.attention_tiling.Known() || hw.sm_count <= 0 || reference_hb <= 0 ||
      ring_.heads_x_batch <= 0) {
    return 1.0;
  }
  const PassTiling& tiling =
      ring_.backward ? hw.attention_tiling.backward : hw.attention_tiling.forward;
  // The curve read for this launch was measured on a square launch of `tokens` with the
  // reference's heads and batch, masked as the curve is (causal or full).
  const int64_t square = static_cast<int64_t>(tokens + 0.5);
  const LaunchGrid measured{square, square, reference_hb, launch.causal && ring_.causal_rate,
                            ring_.backward};
  const LaunchGrid actual{launch.q_tokens, launch.k_tokens, ring_.heads_x_batch, launch.causal,
                          ring_.backward};
  return GridEfficiency(tiling, actual, hw.sm_count) /
         GridEfficiency(tiling, measured, hw.sm_count);
}

double RingStepPricer::Seconds(int64_t device, int64_t step) {
  RingPass::Launch launches[RingPass::kMaxLaunches];
  const int n = ring_.StepLaunches(device, step, launches);
  double gpu_s = 0;
  double host_s = ring_.host_step_ops * ring_.host_op_s;
  for (int l = 0; l < n; ++l) {
    const Shape& s = Price(launches[l]);
    gpu_s += launches[l].pairs * s.seconds_per_pair + s.merge_s;
    host_s += s.host_s;
  }
  return std::max(gpu_s, host_s) + (step == 0 ? ring_.call_s : 0.0);
}

}  // namespace ringsim
