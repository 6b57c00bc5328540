#include "calibrate/programs/compare.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace ringsim::calibrate {
namespace {

TEST(CompareTest, IdenticalIsExact) {
  const std::vector<float> out = {1, -2, 3};
  const std::vector<double> ref = {1, -2, 3};
  const ErrorStats e = CompareToReference(out.data(), ref.data(), out.size());
  EXPECT_EQ(e.rel_l2, 0);
  EXPECT_EQ(e.max_abs, 0);
  EXPECT_EQ(e.count, 3u);
  EXPECT_TRUE(WithinTolerance(e, 1e-12));
}

TEST(CompareTest, HandWorkedRelativeError) {
  // diff = (0, 0.3, -0.4): ||diff|| = 0.5; ||ref|| = ||(3, 4, 0)|| = 5.
  const std::vector<float> out = {3, 4.3f, -0.4f};
  const std::vector<double> ref = {3, 4, 0};
  const ErrorStats e = CompareToReference(out.data(), ref.data(), out.size());
  EXPECT_NEAR(e.rel_l2, 0.1, 1e-6);
  EXPECT_NEAR(e.max_abs, 0.4, 1e-6);
  EXPECT_TRUE(WithinTolerance(e, 0.11));
  EXPECT_FALSE(WithinTolerance(e, 0.09));
}

TEST(CompareTest, NaNAlwaysFails) {
  const std::vector<float> out = {1, std::nanf("")};
  const std::vector<double> ref = {1, 2};
  const ErrorStats e = CompareToReference(out.data(), ref.data(), out.size());
  EXPECT_EQ(e.non_finite, 1u);
  EXPECT_FALSE(WithinTolerance(e, 1e9));
}

TEST(CompareTest, MatchingInfinitiesAreExact) {
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> out = {-inf, 2};
  const std::vector<double> ref = {-std::numeric_limits<double>::infinity(), 2};
  const ErrorStats e = CompareToReference(out.data(), ref.data(), out.size());
  EXPECT_EQ(e.non_finite, 0u);
  EXPECT_EQ(e.rel_l2, 0);
}

TEST(CompareTest, MismatchedInfinityFails) {
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> out = {inf, -inf, 1};
  const std::vector<double> ref = {-std::numeric_limits<double>::infinity(), 0, 1};
  EXPECT_EQ(CompareToReference(out.data(), ref.data(), out.size()).non_finite, 2u);
}

TEST(CompareTest, ZeroReferenceFallsBackToAbsolute) {
  const std::vector<float> out = {0.003f, -0.004f};
  const std::vector<double> ref = {0, 0};
  EXPECT_NEAR(CompareToReference(out.data(), ref.data(), out.size()).rel_l2, 0.005, 1e-9);
}

TEST(CompareTest, FormatsOneLine) {
  ErrorStats e;
  e.rel_l2 = 1.5e-3;
  e.max_abs = 0.25;
  e.count = 10;
  EXPECT_EQ(FormatStats(e), "rel_l2=1.500e-03 max_abs=2.500e-01 n=10 nonfinite=0");
}

}  // namespace
}  // namespace ringsim::calibrate
