#include "sim/reference/tensor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace ringsim::reference {
namespace {

TEST(ReferenceTensor, RowMajorLayout) {
  Tensor t(2, 3, 4, 5);
  t.at(1, 2, 3, 4) = 7;
  EXPECT_EQ(t.data.size(), 2u * 3 * 4 * 5);
  EXPECT_EQ(t.data.back(), 7);  // (b, h, s, d) row-major: the last index is the last element
  t.at(0, 1, 0, 0) = 3;
  EXPECT_EQ(t.data[4 * 5], 3);  // one head = seq * dim elements
  EXPECT_EQ(t.RowIndex(1, 0, 2), 1 * 3 * 4 + 2);
}

TEST(ReferenceTensor, GatherScatterRoundTrip) {
  std::mt19937_64 rng(1);
  Tensor t = RandomTensor(2, 2, 6, 3, rng);
  Positions rows = {4, 0, 5};
  Tensor g = GatherRows(t, rows);
  EXPECT_EQ(g.seq, 3);
  EXPECT_EQ(g.at(1, 1, 0, 2), t.at(1, 1, 4, 2));
  Tensor back(2, 2, 6, 3);
  ScatterRows(back, rows, g);
  EXPECT_EQ(back.at(1, 0, 5, 1), t.at(1, 0, 5, 1));
  EXPECT_EQ(back.at(1, 0, 2, 1), 0);  // rows not scattered stay untouched
}

TEST(ReferenceTensor, MaxRelativeErrorIsNormwise) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  EXPECT_DOUBLE_EQ(MaxRelativeError({1.5, 4.0}, {2.0, 4.0}), 0.125);  // 0.5 / max |expected|
  EXPECT_EQ(MaxRelativeError({-kInf, 1.0}, {-kInf, 1.0}), 0.0);
  EXPECT_EQ(MaxRelativeError({-kInf}, {0.0}), kInf);
  EXPECT_EQ(MaxRelativeError({std::nan("")}, {1.0}), kInf);
  EXPECT_DOUBLE_EQ(MaxRelativeError({0.5}, {0.0}), 0.5);  // absolute when expected is zero
}

}  // namespace
}  // namespace ringsim::reference
