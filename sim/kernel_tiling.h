#pragma once
// How an attention kernel cuts a launch into thread blocks (CTAs): what its grid runs over
// and the tiles each CTA walks. With the profile's SM count it says how full the last wave
// of a launch is (sim/grid_efficiency.h). Data in kernels/*.yaml (io/kernel_loader.h).

#include <cstdint>
#include <string>

namespace ringsim {

/// One pass of the kernel (forward or backward).
struct PassTiling {
  /// Tokens per CTA along the grid's sequence dimension, and whether that dimension is the
  /// query's (FlashAttention-2 forward: one CTA per 128 queries) or the key's (its backward:
  /// one CTA per 128 keys, looping over the queries).
  int64_t grid_tile_tokens = 0;
  bool grid_over_query = true;
  /// Tokens of the other sequence per inner-loop iteration: a CTA's work is counted in them.
  int64_t inner_tile_tokens = 0;
};

struct KernelTiling {
  std::string name;    ///< the kernels/ file's name ("" when none is known)
  std::string source;  ///< what was read to write it
  PassTiling forward;
  PassTiling backward;
  bool Known() const { return forward.grid_tile_tokens > 0 && backward.grid_tile_tokens > 0; }
};

}  // namespace ringsim
