#pragma once
// A scenario bundles the three inputs (model, hardware, plan) with the workload.

#include <cstdint>
#include <string>

#include "sim/hardware_spec.h"
#include "sim/model_spec.h"
#include "sim/parallel_spec.h"
#include "sim/workload_spec.h"

namespace ringsim {

struct Scenario {
  std::string name;
  std::string file;  ///< where it was loaded from ("" if built in code)
  ModelSpec model;
  HardwareSpec hardware;
  int64_t devices = 1;
  ParallelSpec parallel;
  WorkloadSpec workload;
  /// Tokens per attention kernel block; 0 means auto (seq_len / context).
  int64_t block_tokens = 0;

  /// Tokens each device holds: seq_len / context.
  int64_t TokensPerDevice() const { return workload.seq_len / parallel.context; }
  /// The compute block: block_tokens, or TokensPerDevice() when auto.
  int64_t ComputeBlockTokens() const { return block_tokens > 0 ? block_tokens : TokensPerDevice(); }
};

}  // namespace ringsim
