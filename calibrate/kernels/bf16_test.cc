#include "calibrate/kernels/bf16.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

namespace ringsim::calibrate {
namespace {

TEST(Bf16Test, EveryPatternRoundTrips) {
  for (std::uint32_t b = 0; b <= 0xffff; ++b) {
    const float f = Bf16BitsToFloat(static_cast<std::uint16_t>(b));
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(Bf16BitsToFloat(FloatToBf16Bits(f)))) << b;
    } else {
      EXPECT_EQ(FloatToBf16Bits(f), b) << b;
    }
  }
}

TEST(Bf16Test, RoundsToNearestEven) {
  // bf16 keeps 7 mantissa bits: around 1 the spacing is 2^-7.
  EXPECT_EQ(RoundToBf16(1.0f + std::ldexp(1.0f, -8)), 1.0f);  // tie -> even (1.0)
  EXPECT_EQ(RoundToBf16(1.0f + 3 * std::ldexp(1.0f, -8)), 1.0f + std::ldexp(1.0f, -6));  // tie up
  EXPECT_EQ(RoundToBf16(1.0f + std::ldexp(1.0f, -8) + std::ldexp(1.0f, -20)),
            1.0f + std::ldexp(1.0f, -7));  // just past the tie
  EXPECT_EQ(RoundToBf16(-2.5f), -2.5f);
  EXPECT_EQ(FloatToBf16Bits(-0.0f), 0x8000);
}

TEST(Bf16Test, SpecialValues) {
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(RoundToBf16(inf), inf);
  EXPECT_EQ(RoundToBf16(-inf), -inf);
  EXPECT_EQ(RoundToBf16(std::numeric_limits<float>::max()), inf);  // past the largest bf16
  EXPECT_TRUE(std::isnan(RoundToBf16(std::nanf(""))));
  EXPECT_TRUE(std::isnan(Bf16BitsToFloat(kBf16QuietNaN)));
  // The poison pattern the programs write with cudaMemset(0xff) is a NaN in both widths.
  EXPECT_TRUE(std::isnan(Bf16BitsToFloat(0xffff)));
}

TEST(Bf16Test, RelativeErrorAtMostHalfUlp) {
  for (float x = 1e-3f; x < 1e3f; x *= 1.37f) {
    EXPECT_LE(std::fabs(RoundToBf16(x) - x), std::ldexp(std::fabs(x), -8)) << x;
  }
}

}  // namespace
}  // namespace ringsim::calibrate
