#pragma once
// Pricing, shared by both engines and the rehearsal: the rates a schedule's FLOPs and bytes
// are converted with on one machine (peak, kernel efficiencies, links, memory), and the time
// of each kind of work. The analytical engine sequences these times by recurrences, the
// SimGrid engine replaces the links' times by what its platform says.

#include <cstdint>
#include <vector>

#include "sim/hardware_spec.h"
#include "sim/schedule.h"

namespace ringsim {

/// Rates the engines convert FLOPs and bytes with; derived from a HardwareSpec.
struct Rates {
  /// The attention kernel's peak (bf16 for fp8 runs, which keep attention in bf16) at the
  /// part's sustained clock.
  double peak_flops_per_s = 0;
  /// The same at the datasheet's clock: MFU is taken against it.
  double mfu_peak_flops_per_s = 0;
  /// The linear layers' GEMM peak (the FP8 one for fp8 runs) at the sustained clock.
  double matmul_peak_flops_per_s = 0;
  /// The GEMM curve of the run's precision, a fraction of matmul_peak_flops_per_s.
  const EfficiencyCurve* matmul_efficiency = nullptr;
  /// The bf16 GEMMs' peak and curve, for the phases an fp8 run keeps in bf16
  /// (Phase::bf16_matmul); the same as above in other runs.
  double bf16_matmul_peak_flops_per_s = 0;
  const EfficiencyCurve* bf16_matmul_efficiency = nullptr;
  double attention_efficiency = 1;         ///< forward kernel, at the ring pass's block size
  double attention_bwd_efficiency = 1;     ///< backward kernel, at the same block size
  std::vector<double> hop_bw_bytes_per_s;  ///< hop r: ring rank r -> r + 1
  std::vector<double> hop_latency_s;
  /// Double ring (RingPass::DoubleRing): rank r -> its next in its window, and -> r + window.
  std::vector<double> inner_hop_bw_bytes_per_s, inner_hop_latency_s;
  std::vector<double> outer_hop_bw_bytes_per_s, outer_hop_latency_s;
  /// A link's two numbers (LinkSpec's source strings would cost allocations per config).
  struct LinkRate {
    double bw_bytes_per_s = 0;
    double latency_s = 0;
    LinkRate() = default;
    LinkRate(const LinkSpec& link)  // NOLINT: implicit on purpose, from GroupLink()
        : bw_bytes_per_s(link.bw_bytes_per_s), latency_s(link.latency_s) {}
  };
  LinkRate collective_link;               ///< the link FSDP collectives use
  double host_link_bw_bytes_per_s = 0;    ///< one device's link to its host, one direction
  double host_memory_bw_bytes_per_s = 0;  ///< the node's host memory (CPU optimizer)
  LinkRate tensor_link;                   ///< the link tensor-parallel all-reduces use
  LinkRate ulysses_link;                  ///< the link Ulysses all-to-alls use
  LinkRate replica_link;                  ///< the link of the gradient all-reduce across shards
  LinkRate pipeline_link;                 ///< the link between consecutive pipeline stages
  double hbm_bw_bytes_per_s = 0;
  /// The slowdown of the attention kernel while the step's K,V copy runs beside it (the
  /// calibration's interference at the ring's kernel block).
  double interference = 0;
  const HardwareSpec* hardware = nullptr;  ///< the curves launches and GEMMs are read at
};

/// Seconds a ring step takes on one rank: on the GPU each kernel launch
/// (RingPass::StepLaunches) at the rate of its shape plus (forward) the merge of its partial
/// output; on the host the implementation's time to issue them and the step's other ops; the
/// longer of the two, plus the call's fixed cost at step 0. A launch of q x k tokens runs at the
/// efficiency of a q = k = sqrt(q k) block (the curves are measured on square blocks), cut to
/// the kernel block; a causal launch at the causal curve where the hardware has one; all
/// slowed by the copy's interference. Each distinct shape is priced once.
class RingStepPricer {
 public:
  RingStepPricer(const RingPass& ring, const Rates& rates) : ring_(ring), rates_(rates) {
    shapes_.reserve(4);
  }
  /// Seconds `device` computes at `step` at full speed.
  double Seconds(int64_t device, int64_t step);

 private:
  struct Shape {
    int64_t q_tokens = 0, k_tokens = 0;
    bool causal = false;
    bool sliced = false;
    double seconds_per_pair = 0;  ///< the kernel, on the GPU
    double merge_s = 0;           ///< its merge, on the GPU
    double host_s = 0;            ///< issuing the kernel and its merge, on the host
  };
  const Shape& Price(const RingPass::Launch& launch);
  /// The launch's grid efficiency over the one the curve read at `tokens` was measured on
  /// (wave quantisation; 1 where the kernel's tiling, the SMs or the reference are unknown).
  double WaveFactor(const RingPass::Launch& launch, double tokens) const;
  const RingPass& ring_;
  const Rates& rates_;
  std::vector<Shape> shapes_;
};

/// Efficiency of an attention launch of `tokens` (forward or backward, causal or full) on
/// `hardware`, before interference.
double LaunchEfficiency(const HardwareSpec& hardware, bool backward, bool causal, double tokens);

/// A tensor-parallel all-reduce (ring algorithm, the one NCCL uses for large buffers): each
/// member sends and receives 2 (g - 1) / g of the buffer in 2 (g - 1) steps. Overlapped with
/// GEMMs (phase.overlap_flops > 0, parallel.tp_comm_overlap), what stays on the critical path:
/// one of its g chunks, or the part the GEMMs' time cannot cover, whichever is longer.
double TensorAllReduceSeconds(const Phase& phase, const Rates& rates);

/// A Ulysses all-to-all: each member keeps 1/g of what it holds and sends the rest, (g - 1)/g,
/// to the g - 1 others at once through its one link (a switch, or a torus's neighbours).
inline double UlyssesAllToAllSeconds(const Phase& phase, const Rates& rates) {
  const double g = static_cast<double>(phase.group);
  if (g <= 1) return 0;
  return (g - 1.0) * rates.ulysses_link.latency_s +
         (g - 1.0) / g * phase.bytes / rates.ulysses_link.bw_bytes_per_s;
}

/// A ring all-gather of the K,V each rank holds among the ring's ranks: g - 1 steps, each a
/// block over every hop at once, paced by the slowest hop.
double ContextAllGatherSeconds(const Phase& phase, const Rates& rates);

/// Whether a phase is a collective on the critical path (tensor all-reduce, Ulysses
/// all-to-all, context all-gather), and its time.
inline bool IsBlockingCollective(const Phase& phase) {
  return phase.kind == PhaseKind::kTensorAllReduce || phase.kind == PhaseKind::kUlyssesAllToAll ||
         phase.kind == PhaseKind::kContextAllGather;
}
inline double BlockingCollectiveSeconds(const Phase& phase, const Rates& rates) {
  switch (phase.kind) {
    case PhaseKind::kTensorAllReduce:
      return TensorAllReduceSeconds(phase, rates);
    case PhaseKind::kContextAllGather:
      return ContextAllGatherSeconds(phase, rates);
    default:
      return UlyssesAllToAllSeconds(phase, rates);
  }
}

/// Whether a phase is an FSDP collective (weight all-gather, gradient reduce-scatter) over
/// the FSDP group: they run beside the compute, prefetched.
inline bool IsFsdpCollective(const Phase& phase) {
  return phase.kind == PhaseKind::kAllGather || phase.kind == PhaseKind::kReduceScatter;
}
/// Whether a phase runs beside the compute: the FSDP collectives and the gradient all-reduce
/// across the shard's replicas that follows the reduce-scatter.
inline bool IsBesideCompute(const Phase& phase) {
  return IsFsdpCollective(phase) || phase.kind == PhaseKind::kGradientAllReduce;
}
/// An FSDP ring all-gather or reduce-scatter: (group - 1) / group of the data crosses each
/// link (phase.bytes already carries that factor), one latency per step.
inline double FsdpCollectiveSeconds(const Phase& phase, const Rates& rates) {
  return rates.collective_link.latency_s * static_cast<double>(phase.group - 1) +
         phase.bytes / rates.collective_link.bw_bytes_per_s;
}
/// The gradient all-reduce across a shard's replicas, NCCL's ring algorithm: 2 (group - 1)
/// steps, each a latency, and 2 (group - 1) / group of the shard over each link (phase.bytes
/// carries that factor). Every engine prices it so: its members lie outside the ring the
/// SimGrid engine replays.
inline double GradientAllReduceSeconds(const Phase& phase, const Rates& rates) {
  return rates.replica_link.latency_s * 2.0 * static_cast<double>(phase.group - 1) +
         phase.bytes / rates.replica_link.bw_bytes_per_s;
}
/// The time of a phase that runs beside the compute (IsBesideCompute).
inline double BesideComputeSeconds(const Phase& phase, const Rates& rates) {
  return phase.kind == PhaseKind::kGradientAllReduce ? GradientAllReduceSeconds(phase, rates)
                                                     : FsdpCollectiveSeconds(phase, rates);
}

/// Seconds one hop `hop` of the ring takes to move a block of `bytes`.
inline double RingHopSeconds(const Rates& rates, size_t hop, double bytes) {
  return rates.hop_latency_s[hop] + bytes / rates.hop_bw_bytes_per_s[hop];
}

/// Seconds of a compute phase: its GEMMs (its token count sets their efficiency) and then its
/// memory-bound kernels' bytes at the HBM rate.
double MatmulSeconds(const Phase& phase, const Rates& rates);

/// Seconds of the optimizer step (HBM-bound, every device alike; with optimizer offload the
/// host link both ways and the CPU's memory, shared by the node's devices); 0 without one.
double OptimizerSeconds(const Schedule& schedule, const Rates& rates);

/// Seconds one stage-to-stage transfer of a micro-batch's activations (or their gradient)
/// takes over the link between stages; 0 without a pipeline.
inline double PipelineTransferSeconds(const Schedule& schedule, const Rates& rates) {
  if (schedule.pipeline <= 1 || !(schedule.pipeline_p2p_bytes > 0)) return 0;
  return rates.pipeline_link.latency_s +
         schedule.pipeline_p2p_bytes / rates.pipeline_link.bw_bytes_per_s;
}

/// Seconds one layer's saved activations take over the host link, each way (activation
/// offload); 0 without.
double OffloadSeconds(const Schedule& schedule, const Rates& rates);

/// The rates `schedule` runs at on `hardware`: the peak of the schedule's precision, the
/// attention curves read at the ring's KernelTokens() (the kernel block cut to a launch's
/// chunk) and slowed by the copy's interference, the links of the ring's hops and of each
/// collective's group, and the merge's memory rate.
Rates MakeRates(const Schedule& schedule, const HardwareSpec& hardware);

/// Per (step, device) compute seconds of a ring pass, row-major by step: the same every
/// time the pass repeats.
std::vector<double> RingComputeTimes(const RingPass& ring, const Rates& rates);

}  // namespace ringsim
