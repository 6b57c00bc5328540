#pragma once
// Repeating layers, written once for both engines: a model's layers are the same phases over
// and over, and a layer is a max-plus linear map of the ranks' clocks. Once two layers in a
// row add the same increment to every clock, the map has settled into one regime and the
// layers in between can be jumped over; a jump is checked by running the last layer for real.

#include <cstdint>
#include <functional>
#include <vector>

namespace ringsim {

/// Runs `layers` layers of `run_layer(layer)`, which advances `clock_s` (per rank) and adds
/// to each per-rank vector in `accumulators` (busy time, exposed time...). With `extrapolate`,
/// once a layer adds the same increment to every clock as the one before it (to 1e-12 of the
/// clock), the layers up to the last are jumped over, each clock and accumulator gaining that
/// layer's increment per layer; the last runs for real, and if its increment differs the jump
/// is undone and the layers go on one by one, jumping again once the increment has repeated
/// twice as many layers in a row as the failed jump needed (one, then two, four ...). Returns
/// how many layers ran for real (an undone check does not count).
int64_t RunRepeatedLayers(int64_t layers, bool extrapolate, std::vector<double>& clock_s,
                          const std::vector<std::vector<double>*>& accumulators,
                          const std::function<void(int64_t layer)>& run_layer);

}  // namespace ringsim
