#pragma once
// micro_bench's command line (programs/micro_bench.cc has the usage).

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace ringsim::calibrate {

struct MicroBenchOptions {
  std::string json;
  bool quick = false, probe = false;
  std::vector<long long> tokens = {512, 1024, 2048, 4096, 8192, 16384};
  int hidden = 4096, ffn = 11008;
  std::vector<long long> copy_sizes;  ///< default: 2^20 .. 2^30 bytes (every other with --quick)
  std::vector<long long> interference_sizes = {256, 512, 1024, 2048, 4096, 8192, 16384};
  std::vector<long long> merge_rows = {256, 512, 1024, 2048, 4096, 8192, 16384};
  std::string variant, attention_csv;
  std::string candidates;  ///< comma list of variant names; "" = any
  std::string git_sha;
  int heads = 32, kv_heads = 32, dim = 128;
  double min_time_ms = 100;
  int max_reps = 50;
};

/// Fills `o` from the command line (--quick then narrows the sizes); std::nullopt to go on,
/// else the exit status (0 after --help on `out`; 2 after one line on `err` naming the bad
/// option).
std::optional<int> ParseMicroBenchOptions(int argc, const char* const* argv, MicroBenchOptions* o,
                                          std::ostream& out, std::ostream& err);

}  // namespace ringsim::calibrate
