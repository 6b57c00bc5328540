#pragma once
// Token counts as people write context lengths: 131072, 128K, 1M, 1Mi.

#include <cstdint>
#include <string>

namespace ringsim {

/// Reads a whole number of tokens >= 1, optionally with a binary suffix: K or Ki = 1024, M or Mi
/// = 1024^2, G or Gi = 1024^3 (either case), so that 128K = 131072 and 1M = 1048576 as context
/// lengths are named; a fraction is allowed before a suffix when the product is whole (1.5K).
/// Plain numbers without a suffix must be written out in digits. False, with `why` set to one
/// line, for anything else or above 2^53.
bool ParseTokenCount(const std::string& text, int64_t* tokens, std::string* why);

}  // namespace ringsim
