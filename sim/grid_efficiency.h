#pragma once
// Wave quantisation: a launch of few heads leaves SMs idle in its last wave, and a causal
// launch's CTAs carry unequal work. The fraction of the SMs' time a launch keeps them busy,
// from list-scheduling its CTAs in launch order onto the SMs.

#include <cstdint>

#include "sim/kernel_tiling.h"

namespace ringsim {

/// One attention launch as the grid sees it.
struct LaunchGrid {
  int64_t q_tokens = 0;
  int64_t k_tokens = 0;
  /// Query heads times batch on the device: the grid's other dimensions.
  int64_t heads_x_batch = 0;
  /// Causal mask aligned at the bottom right (the diagonal launch of a ring step, queries and
  /// keys the same tokens when q_tokens == k_tokens).
  bool causal = false;
  bool backward = false;
};

/// Busy fraction of `sm_count` SMs over the launch: total CTA work / (sm_count x makespan),
/// in (0, 1]. CTAs are issued in grid order (sequence blocks fastest, then heads) to the
/// SM that frees first, one at a time per SM (an SM's co-resident CTAs share its throughput).
/// 1 when the tiling or the SM count is unknown.
double GridEfficiency(const PassTiling& tiling, const LaunchGrid& launch, int64_t sm_count);

}  // namespace ringsim
