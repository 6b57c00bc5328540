#pragma once
// attention_check's command line (programs/attention_check.cc has the usage).

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace ringsim::calibrate {

struct AttentionCheckOptions {
  std::uint64_t seed = 0;
  bool seed_given = false;
  bool quick = false;
  bool fwd_only = false;  ///< skip the block-pair backward checks (the rings still run both)
  double tol = 1e-2;
  std::vector<std::string> variants;  ///< forward variants by name; empty = all
};

/// Fills `o` from the command line; std::nullopt to go on, else the exit status (0 after
/// --help on `out`; 2 after one line on `err` naming the bad option).
std::optional<int> ParseAttentionCheckOptions(int argc, const char* const* argv,
                                              AttentionCheckOptions* o, std::ostream& out,
                                              std::ostream& err);

}  // namespace ringsim::calibrate
