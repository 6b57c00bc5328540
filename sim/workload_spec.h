#pragma once
// What is run: sequence, batch, precision, and how much of the model is simulated.

#include <cstdint>
#include <string>

#include "sim/precision.h"

namespace ringsim {

enum class Scope { kAttention, kLayer, kModel };
enum class Pass { kForward, kForwardBackward };
enum class Checkpointing { kNone, kFull };

const char* ScopeName(Scope scope);
const char* PassName(Pass pass);

struct WorkloadSpec {
  int64_t seq_len = 0;  ///< tokens in one sequence (the whole context)
  int64_t batch = 1;    ///< sequences per step
  bool causal = true;
  Precision precision = Precision::kBf16;  ///< element size and peak rate
  Scope scope = Scope::kModel;
  Pass pass = Pass::kForwardBackward;
  Checkpointing checkpointing = Checkpointing::kFull;

  /// Bytes per element of activations and K,V blocks.
  double ElementBytes() const { return ringsim::ElementBytes(precision); }
};

}  // namespace ringsim
