// ParseTokenCount by hand.

#include "sim/token_count.h"

#include <gtest/gtest.h>

namespace ringsim {
namespace {

int64_t Tokens(const std::string& text) {
  int64_t t = 0;
  std::string why;
  EXPECT_TRUE(ParseTokenCount(text, &t, &why)) << text << ": " << why;
  return t;
}

std::string Why(const std::string& text) {
  int64_t t = 0;
  std::string why;
  EXPECT_FALSE(ParseTokenCount(text, &t, &why)) << text;
  return why;
}

TEST(TokenCount, DigitsDecimalAndBinarySuffixes) {
  EXPECT_EQ(Tokens("131072"), 131072);
  EXPECT_EQ(Tokens("128K"), 128000);
  EXPECT_EQ(Tokens("128k"), 128000);
  EXPECT_EQ(Tokens("128Ki"), 131072);
  EXPECT_EQ(Tokens("128ki"), 131072);
  EXPECT_EQ(Tokens("1M"), 1000000);
  EXPECT_EQ(Tokens("1Mi"), 1048576);
  EXPECT_EQ(Tokens("2G"), 2000000000);
  EXPECT_EQ(Tokens("2Gi"), 2147483648);
  EXPECT_EQ(Tokens("1.5K"), 1500);
  EXPECT_EQ(Tokens("1.5Ki"), 1536);
  EXPECT_EQ(Tokens("1.001K"), 1001);  // exact: 1.001 * 1000 in doubles is not 1001
  EXPECT_EQ(Tokens("2.4M"), 2400000);
  EXPECT_EQ(Tokens("0.1K"), 100);
  EXPECT_EQ(Tokens("0.5Ki"), 512);
  EXPECT_EQ(Tokens("007"), 7);
  EXPECT_EQ(Tokens("1.000000000000000000000000K"), 1000);
  EXPECT_EQ(Tokens("9007199254740992"), 9007199254740992);  // 2^53
  EXPECT_EQ(Tokens("8388608Gi"), 9007199254740992);
}

TEST(TokenCount, RefusesWhatIsNotAWholeCount) {
  const std::string expected =
      "expected a whole number of tokens, or one with K, M, G (10^3, 10^6, 10^9) or Ki, Mi, Gi "
      "(2^10, 2^20, 2^30): 128K = 128000, 128Ki = 131072; got '";
  EXPECT_EQ(Why("128T"), expected + "128T'");
  EXPECT_EQ(Why("K"), expected + "K'");
  EXPECT_EQ(Why("0.1Ki"), expected + "0.1Ki'");      // 102.4 tokens
  EXPECT_EQ(Why("1.0001K"), expected + "1.0001K'");  // 1000.1 tokens
  EXPECT_EQ(Why("0.0001K"), expected + "0.0001K'");  // 0.1 tokens
  EXPECT_EQ(Why("0K"), expected + "0K'");
  EXPECT_EQ(Why("128KiB"), expected + "128KiB'");
  EXPECT_EQ(Why("1.5"), expected + "1.5'");
  EXPECT_EQ(Why("0"), expected + "0'");
  EXPECT_EQ(Why("1..5K"), expected + "1..5K'");
  EXPECT_EQ(Why("-4K"), expected + "-4K'");
  EXPECT_EQ(Why("9100000G"), "'9100000G' is above the largest whole number read exactly, 2^53");
  EXPECT_EQ(Why("9007199254740993"),
            "'9007199254740993' is above the largest whole number read exactly, 2^53");
  EXPECT_EQ(Why("8388609Gi"), "'8388609Gi' is above the largest whole number read exactly, 2^53");
  EXPECT_EQ(Why("123456789012345678901234"),
            "'123456789012345678901234' is above the largest whole number read exactly, 2^53");
}

}  // namespace
}  // namespace ringsim
