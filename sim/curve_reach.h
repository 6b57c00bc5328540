#pragma once
// Where a scenario's attention launches read the kernel's efficiency curve: inside the
// measured (or assumed) points, or beyond them, where the curve is held at its end point and
// the rate is an extrapolation the outputs must own up to.

#include "sim/hardware_spec.h"
#include "sim/schedule.h"

namespace ringsim {

struct CurveReach {
  /// Smallest and largest launch size read (sqrt(queries x keys), tokens); 0 without rings.
  double min_launch_tokens = 0;
  double max_launch_tokens = 0;
  /// The forward curve's first and last points (tokens).
  double curve_min_tokens = 0;
  double curve_max_tokens = 0;
  bool below = false;  ///< some launch is smaller than the curve's first point
  bool above = false;  ///< some launch is larger than its last point
  bool Extrapolated() const { return below || above; }
};

/// The launches of every ring pass of one layer, on its first and last devices (between them
/// they run every launch shape a rule makes), against hw.attention_efficiency.
CurveReach AttentionCurveReach(const Schedule& schedule, const HardwareSpec& hw);

}  // namespace ringsim
