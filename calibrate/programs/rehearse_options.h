#pragma once
// rehearse's command line (programs/rehearse.cc has the usage).

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "calibrate/kernels/attention_tiling.h"
#include "calibrate/programs/ring_layout.h"

namespace ringsim::calibrate {

struct RehearseOptions {
  int ranks = 0;
  RingLayout layout = RingLayout::kRing;
  bool causal = true;
  int batch = 1, heads = 32, kv_heads = 32, dim = 128;
  std::vector<long long> blocks = {1024, 2048, 4096};
  FwdVariant variant = FwdVariant::kWarp16Rows;
  int reps = 5;
  bool multi_gpu_allowed = true;
  int check_heads = 2, check_rows = 64;
  double tol = 1e-2;
  unsigned long long seed = 1;
  bool high_priority_copy = false;
  std::string git_sha, json;
};

/// Fills `o` from the command line; std::nullopt to go on, else the exit status (0 after
/// --help on `out`; 2 after one line on `err` naming the bad option).
std::optional<int> ParseRehearseOptions(int argc, const char* const* argv, RehearseOptions* o,
                                        std::ostream& out, std::ostream& err);

}  // namespace ringsim::calibrate
