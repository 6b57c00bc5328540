#pragma once
// Token counts as people write context lengths: 131072, 128K, 1M, 1Mi.

#include <cstdint>
#include <string>

namespace ringsim {

/// Reads a whole number of tokens >= 1, optionally with a decimal suffix (K = 10^3, M = 10^6,
/// G = 10^9) or a binary one (Ki = 2^10, Mi = 2^20, Gi = 2^30), either case: 128K = 128000,
/// 128Ki = 131072, 1Mi = 1048576; a fraction is allowed before a suffix when the product is whole
/// (1.5K, 1.5Ki).
/// Plain numbers without a suffix must be written out in digits. False, with `why` set to one
/// line, for anything else or above 2^53.
bool ParseTokenCount(const std::string& text, int64_t* tokens, std::string* why);

}  // namespace ringsim
