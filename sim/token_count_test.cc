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

TEST(TokenCount, DigitsAndBinarySuffixes) {
  EXPECT_EQ(Tokens("131072"), 131072);
  EXPECT_EQ(Tokens("128K"), 131072);
  EXPECT_EQ(Tokens("128k"), 131072);
  EXPECT_EQ(Tokens("128Ki"), 131072);
  EXPECT_EQ(Tokens("1M"), 1048576);
  EXPECT_EQ(Tokens("1Mi"), 1048576);
  EXPECT_EQ(Tokens("2G"), 2147483648);
  EXPECT_EQ(Tokens("1.5K"), 1536);
}

TEST(TokenCount, RefusesWhatIsNotAWholeCount) {
  const std::string expected =
      "expected a whole number of tokens, or one with K, M or G (1024, 1024^2, 1024^3: 128K = "
      "131072), got '";
  EXPECT_EQ(Why("128T"), expected + "128T'");
  EXPECT_EQ(Why("K"), expected + "K'");
  EXPECT_EQ(Why("0.1K"), expected + "0.1K'");  // 102.4 tokens
  EXPECT_EQ(Why("1.5"), expected + "1.5'");
  EXPECT_EQ(Why("0"), expected + "0'");
  EXPECT_EQ(Why("1..5K"), expected + "1..5K'");
  EXPECT_EQ(Why("-4K"), expected + "-4K'");
  EXPECT_EQ(Why("9000000G"), "'9000000G' is above the largest whole number read exactly, 2^53");
}

}  // namespace
}  // namespace ringsim
