#pragma once
// attention_bench's command line (programs/attention_bench.cc has the usage).

#include <iosfwd>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "calibrate/kernels/attention_tiling.h"

namespace ringsim::calibrate {

struct AttentionBenchOptions {
  std::vector<int> sizes = {256, 512, 1024, 2048, 4096, 8192, 16384, 32768};
  int heads = 32, kv_heads = 32, dim = 128, batch = 1;
  std::vector<bool> causal = {false, true};
  bool fwd = true, bwd = true;
  std::vector<FwdVariant> variants = {std::begin(kFwdVariants), std::end(kFwdVariants)};
  double min_time_ms = 200;
  int max_reps = 50;
  double peak_tflops = 0;  ///< 0: the device's datasheet peak (gpu_peak.h)
  std::string csv;
  bool append = false;  ///< add rows to an existing CSV (no second header)
};

/// Fills `o` from the command line; std::nullopt to go on, else the exit status (0 after
/// --help on `out`; 2 after one line on `err` naming the bad option).
std::optional<int> ParseAttentionBenchOptions(int argc, const char* const* argv,
                                              AttentionBenchOptions* o, std::ostream& out,
                                              std::ostream& err);

}  // namespace ringsim::calibrate
