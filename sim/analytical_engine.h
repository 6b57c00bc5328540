#pragma once
// The closed-form engine: evaluates a schedule by max-plus recurrences, no event queue.
// Microseconds per configuration, so sweeps and plans can call it millions of times.

#include <vector>

#include "sim/estimate.h"
#include "sim/rates.h"
#include "sim/schedule.h"

namespace ringsim {

/// Advances per-rank clocks `ready_s` through one ring pass (sim/ring_clock.h's protocol)
/// with each step priced by `rates`; `compute_s` holds RingComputeTimes (empty: priced step
/// by step, for rings too large to tabulate). Adds each rank's compute time to `busy_s`;
/// returns the largest per-step compute time.
double RunRingPass(const RingPass& ring, const Rates& rates, const std::vector<double>& compute_s,
                   std::vector<double>& ready_s, std::vector<double>& busy_s);
/// The same, priced step by step.
double RunRingPass(const RingPass& ring, const Rates& rates, std::vector<double>& ready_s,
                   std::vector<double>& busy_s);

/// Evaluates the whole schedule. `extrapolate_layers` skips layers whose effect on the
/// clocks repeats exactly (sim/layer_repeat.h, checked); false simulates every layer.
Estimate Analyze(const Schedule& schedule, const Rates& rates, bool extrapolate_layers = true);

}  // namespace ringsim
