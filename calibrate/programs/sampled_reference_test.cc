#include "calibrate/programs/sampled_reference.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "sim/reference/plain_attention.h"
#include "sim/reference/tensor.h"

namespace ringsim::calibrate {
namespace {

namespace ref = ringsim::reference;

TEST(SampledReferenceTest, SpreadIndices) {
  EXPECT_EQ(SpreadIndices(10, 3), (std::vector<std::int64_t>{0, 4, 9}));
  EXPECT_EQ(SpreadIndices(3, 8), (std::vector<std::int64_t>{0, 1, 2}));
  EXPECT_EQ(SpreadIndices(5, 1), (std::vector<std::int64_t>{0}));
  EXPECT_TRUE(SpreadIndices(0, 4).empty());
}

// Sampled rows, with shuffled (non-monotone) positions like a striped or zigzag ring's, equal
// the same rows of sim/reference's plain attention, threaded or not.
TEST(SampledReferenceTest, EqualsPlainAttentionOnTheSampledRows) {
  std::mt19937_64 rng(11);
  const int s = 37, d = 16;
  ref::Tensor q = ref::RandomTensor(1, 1, s, d, rng);
  ref::Tensor k = ref::RandomTensor(1, 1, s, d, rng);
  ref::Tensor v = ref::RandomTensor(1, 1, s, d, rng);
  ref::Positions pos(s);
  for (int i = 0; i < s; ++i) pos[i] = (i * 7) % s;  // a permutation of 0..s-1
  const double scale = 1.0 / std::sqrt(static_cast<double>(d));
  for (bool causal : {false, true}) {
    ref::AttentionOutput want = ref::PlainAttention(q, k, v, pos, pos, causal, scale);
    SampledHead head;
    head.dim = d;
    for (std::int64_t r : SpreadIndices(s, 9)) {
      head.q_pos.push_back(pos[r]);
      for (int x = 0; x < d; ++x) head.q.push_back(static_cast<float>(q.at(0, 0, r, x)));
    }
    head.k_pos = pos;
    for (int j = 0; j < s; ++j)
      for (int x = 0; x < d; ++x) {
        head.k.push_back(static_cast<float>(k.at(0, 0, j, x)));
        head.v.push_back(static_cast<float>(v.at(0, 0, j, x)));
      }
    for (int threads : {1, 4}) {
      std::vector<double> got = SampledAttention(head, causal, scale, threads);
      std::vector<std::int64_t> rows = SpreadIndices(s, 9);
      for (size_t i = 0; i < rows.size(); ++i)
        for (int x = 0; x < d; ++x)
          EXPECT_NEAR(got[i * d + x], want.out.at(0, 0, rows[i], x), 1e-6)
              << "causal=" << causal << " row " << rows[i];
    }
  }
}

TEST(SampledReferenceTest, RowWithoutVisibleKeysIsZero) {
  SampledHead head;
  head.dim = 2;
  head.q = {1, 2};
  head.q_pos = {0};
  head.k = {1, 1};
  head.v = {3, 4};
  head.k_pos = {5};
  std::vector<double> got = SampledAttention(head, true, 1.0, 1);
  EXPECT_EQ(got, (std::vector<double>{0, 0}));
}

}  // namespace
}  // namespace ringsim::calibrate
