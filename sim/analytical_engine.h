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
  double attention_efficiency = 1;         ///< at the ring pass's block size
  std::vector<double> hop_bw_bytes_per_s;  ///< hop r: ring rank r -> r + 1
  std::vector<double> hop_latency_s;
  LinkSpec collective_link;  ///< the link FSDP collectives use
  double hbm_bw_bytes_per_s = 0;
  const HardwareSpec* hardware = nullptr;  ///< for GEMM efficiency at a token count
};

Rates MakeRates(const Schedule& schedule, const HardwareSpec& hardware,
                const std::string& precision, int64_t fsdp, int64_t block_tokens);

/// Advances per-device clocks `ready_s` (ring ranks) through one ring pass, with double
/// buffering: a block moves to rank i + 1 once it has arrived at rank i, rank i + 1 has a free
/// receive buffer (it finished computing the block two steps back and forwarded it), and
/// rank i's previous send finished. Adds each rank's compute time to `busy_s`. Returns the
/// largest per-step compute time (for reports).
double RunRingPass(const RingPass& ring, const Rates& rates, std::vector<double>& ready_s,
                   std::vector<double>& busy_s);

/// Evaluates the whole schedule.
Estimate Analyze(const Schedule& schedule, const Rates& rates);

}  // namespace ringsim
