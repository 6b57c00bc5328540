#include "sim/curve_reach.h"

#include <algorithm>

namespace ringsim {

CurveReach AttentionCurveReach(const Schedule& schedule, const HardwareSpec& hw) {
  CurveReach reach;
  const auto& points = hw.attention_efficiency.points;
  if (points.empty()) return reach;
  reach.curve_min_tokens = points.front().first;
  reach.curve_max_tokens = points.back().first;
  for (const Phase& phase : schedule.layer_phases) {
    if (phase.kind != PhaseKind::kRing) continue;
    const RingPass& ring = phase.ring;
    RingPass::Launch launches[RingPass::kMaxLaunches];
    // A plain ring's launches follow the (rank, source) relation alone (ring_closed_form.h):
    // rank 0 meets only higher sources after step 0, rank N - 1 only lower ones, so steps 0
    // and 1 of the two show every kind. A double ring's order is its own: every step.
    const int64_t steps = ring.DoubleRing() ? ring.devices : std::min<int64_t>(2, ring.devices);
    for (int64_t device : {int64_t{0}, ring.devices - 1}) {
      for (int64_t step = 0; step < steps; ++step) {
        const int n = ring.StepLaunches(device, step, launches);
        for (int l = 0; l < n; ++l) {
          const double tokens = ring.CurveTokens(launches[l]);
          reach.min_launch_tokens =
              reach.min_launch_tokens == 0 ? tokens : std::min(reach.min_launch_tokens, tokens);
          reach.max_launch_tokens = std::max(reach.max_launch_tokens, tokens);
        }
      }
    }
  }
  if (reach.max_launch_tokens > 0) {
    reach.below = reach.min_launch_tokens < reach.curve_min_tokens;
    reach.above = reach.max_launch_tokens > reach.curve_max_tokens;
  }
  return reach;
}

}  // namespace ringsim
