#pragma once
// The closed-form engine: evaluates a schedule by max-plus recurrences, no event queue.
// Microseconds per configuration, so sweeps and plans can call it millions of times.

#include <string>
#include <vector>

#include "sim/estimate.h"
#include "sim/hardware_spec.h"
#include "sim/schedule.h"

namespace ringsim {

/// Rates the engines convert FLOPs and bytes with; derived from a HardwareSpec.
struct Rates {
  double peak_flops_per_s = 0;
  double attention_efficiency = 1;         ///< forward kernel, at the ring pass's block size
  double attention_bwd_efficiency = 1;     ///< backward kernel, at the same block size
  std::vector<double> hop_bw_bytes_per_s;  ///< hop r: ring rank r -> r + 1
  std::vector<double> hop_latency_s;
  /// A link's two numbers (LinkSpec's source strings would cost allocations per config).
  struct LinkRate {
    double bw_bytes_per_s = 0;
    double latency_s = 0;
    LinkRate() = default;
    LinkRate(const LinkSpec& link)  // NOLINT: implicit on purpose, from GroupLink()
        : bw_bytes_per_s(link.bw_bytes_per_s), latency_s(link.latency_s) {}
  };
  LinkRate collective_link;  ///< the link FSDP collectives use
  LinkRate tensor_link;      ///< the link tensor-parallel all-reduces use
  LinkRate ulysses_link;     ///< the link Ulysses all-to-alls use
  double hbm_bw_bytes_per_s = 0;
  /// Seconds of the forward merge after one kernel launch of the ring's chunk size.
  double forward_merge_s = 0;
  const HardwareSpec* hardware = nullptr;  ///< for GEMM efficiency at a token count
};

/// The attention rate of a ring pass's kernel (forward or backward).
inline double AttentionRate(const RingPass& ring, const Rates& rates) {
  return rates.peak_flops_per_s *
         (ring.backward ? rates.attention_bwd_efficiency : rates.attention_efficiency);
}

/// Seconds `device` computes at `step`: its visible pairs at the kernel's rate, plus (forward)
/// one merge per kernel launch.
/// `merge_s` is Rates::forward_merge_s (at the device's speed).
inline double RingStepSeconds(const RingPass& ring, double rate, double merge_s, int64_t device,
                              int64_t step) {
  if (ring.backward || merge_s == 0) return ring.Flops(device, step) / rate;
  int64_t launches = 0;  // counted in the same pass as the FLOPs
  const double flops = ring.Flops(device, step, &launches);
  return flops / rate + static_cast<double>(launches) * merge_s;
}

/// A tensor-parallel all-reduce (ring algorithm, the one NCCL uses for large buffers): each
/// member sends and receives 2 (g - 1) / g of the buffer in 2 (g - 1) steps.
inline double TensorAllReduceSeconds(const Phase& phase, const Rates& rates) {
  const double g = static_cast<double>(phase.group);
  if (g <= 1) return 0;
  return 2.0 * (g - 1.0) * rates.tensor_link.latency_s +
         2.0 * (g - 1.0) / g * phase.bytes / rates.tensor_link.bw_bytes_per_s;
}

/// A Ulysses all-to-all: each member keeps 1/g of what it holds and sends the rest, (g - 1)/g,
/// to the g - 1 others at once through its one link (a switch, or a torus's neighbours).
inline double UlyssesAllToAllSeconds(const Phase& phase, const Rates& rates) {
  const double g = static_cast<double>(phase.group);
  if (g <= 1) return 0;
  return (g - 1.0) * rates.ulysses_link.latency_s +
         (g - 1.0) / g * phase.bytes / rates.ulysses_link.bw_bytes_per_s;
}

/// Whether a phase is a collective on the critical path (tensor all-reduce, Ulysses
/// all-to-all), and its time.
inline bool IsBlockingCollective(const Phase& phase) {
  return phase.kind == PhaseKind::kTensorAllReduce || phase.kind == PhaseKind::kUlyssesAllToAll;
}
inline double BlockingCollectiveSeconds(const Phase& phase, const Rates& rates) {
  return phase.kind == PhaseKind::kTensorAllReduce ? TensorAllReduceSeconds(phase, rates)
                                                   : UlyssesAllToAllSeconds(phase, rates);
}

/// Rates for a schedule whose compute block is `block_tokens`: the attention curves are read
/// at the ring's KernelTokens() (the block cut to a launch's chunk).
Rates MakeRates(const Schedule& schedule, const HardwareSpec& hardware,
                const std::string& precision, int64_t fsdp, int64_t block_tokens);

/// Per (step, device) compute seconds of a ring pass, row-major by step: the same every
/// time the pass repeats, so Analyze computes it once per phase.
std::vector<double> RingComputeTimes(const RingPass& ring, const Rates& rates);

/// Advances per-device clocks `ready_s` (ring ranks) through one ring pass with the
/// send/recv protocol of real implementations (the paper's JAX ppermute scan,
/// ring-flash-attn's P2P loop): at the start of step t each rank posts the send of the
/// block it holds to rank + 1 and the receive of the next block from rank - 1, then
/// computes; it starts step t + 1 once its compute, its receive and its send are done.
/// A transfer starts when both ends have posted it. Two K,V buffers per rank (current and
/// incoming) suffice, as in the paper's six-block memory count.
/// Adds each rank's compute time to `busy_s`; returns the largest per-step compute time.
double RunRingPass(const RingPass& ring, const Rates& rates, std::vector<double>& ready_s,
                   std::vector<double>& busy_s);
/// The same with precomputed RingComputeTimes (empty: computed step by step).
double RunRingPass(const RingPass& ring, const Rates& rates, const std::vector<double>& compute_s,
                   std::vector<double>& ready_s, std::vector<double>& busy_s);

/// Evaluates the whole schedule. `extrapolate_layers` skips layers whose effect on the
/// clocks repeats exactly (checked); false simulates every layer (for tests).
Estimate Analyze(const Schedule& schedule, const Rates& rates, bool extrapolate_layers = true);

}  // namespace ringsim
