#pragma once
// bfloat16 on the host, as raw 16-bit patterns (the upper half of an IEEE float32).

#include <cstdint>
#include <cstring>

namespace ringsim::calibrate {

/// float -> bf16 bits, rounding to nearest even (what __float2bfloat16_rn does). NaN stays a
/// (quiet) NaN; values past the largest bf16 round to infinity.
inline std::uint16_t FloatToBf16Bits(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((u >> 16) | 0x0040u);
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<std::uint16_t>(u >> 16);
}

/// bf16 bits -> float (exact).
inline float Bf16BitsToFloat(std::uint16_t b) {
  const std::uint32_t u = static_cast<std::uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

/// Rounds a float to the nearest bf16 value, returned as a float.
inline float RoundToBf16(float f) { return Bf16BitsToFloat(FloatToBf16Bits(f)); }

/// The bf16 bit pattern of a quiet NaN, used to poison outputs before a launch.
inline constexpr std::uint16_t kBf16QuietNaN = 0x7fc0;

}  // namespace ringsim::calibrate
