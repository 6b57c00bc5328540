#include "sim/reference/plain_attention.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

namespace ringsim::reference {
namespace {

// With zero queries every visible score is 0, so O is the plain mean of the visible values
// and LSE = log(number of visible keys): hand-worked, independent of the implementation.
TEST(ReferencePlain, UniformScoresAverageVisibleValues) {
  std::mt19937_64 rng(11);
  Tensor q(1, 4, 5, 3), k = RandomTensor(1, 2, 5, 3, rng), v = RandomTensor(1, 2, 5, 3, rng);
  for (bool causal : {false, true}) {
    AttentionOutput o = PlainAttention(q, k, v, causal, 0.5);
    for (int64_t h = 0; h < 4; ++h) {
      for (int64_t i = 0; i < 5; ++i) {
        int64_t visible = causal ? i + 1 : 5;
        EXPECT_NEAR(o.lse.at(0, h, i, 0), std::log(static_cast<double>(visible)), 1e-15);
        for (int64_t x = 0; x < 3; ++x) {
          double mean = 0;
          for (int64_t j = 0; j < visible; ++j) mean += v.at(0, h / 2, j, x) / visible;
          EXPECT_NEAR(o.out.at(0, h, i, x), mean, 1e-15);
        }
      }
    }
  }
}

// LSE against log(sum(exp(score))) summed without max subtraction (safe for small inputs).
TEST(ReferencePlain, LseMatchesNaiveSum) {
  std::mt19937_64 rng(12);
  Tensor q = RandomTensor(1, 2, 4, 3, rng), k = RandomTensor(1, 2, 4, 3, rng);
  AttentionOutput o = PlainAttention(q, k, k, false, 0.3);
  for (int64_t h = 0; h < 2; ++h) {
    for (int64_t i = 0; i < 4; ++i) {
      double sum = 0;
      for (int64_t j = 0; j < 4; ++j)
        sum += std::exp(0.3 * Dot(q.RowData(0, h, i), k.RowData(0, h, j), 3));
      EXPECT_NEAR(o.lse.at(0, h, i, 0), std::log(sum), 1e-14);
    }
  }
}

TEST(ReferencePlain, RowSeeingNoKeyIsZeroWithMinusInfLse) {
  std::mt19937_64 rng(13);
  Tensor q = RandomTensor(1, 1, 2, 3, rng), k = RandomTensor(1, 1, 2, 3, rng);
  AttentionOutput o = PlainAttention(q, k, k, {0, 5}, {3, 4}, true, 1.0);
  EXPECT_EQ(o.lse.at(0, 0, 0, 0), -std::numeric_limits<double>::infinity());
  for (int64_t x = 0; x < 3; ++x) EXPECT_EQ(o.out.at(0, 0, 0, x), 0.0);
  EXPECT_TRUE(std::isfinite(o.lse.at(0, 0, 1, 0)));
}

// Central differences of L = sum(O * W) with respect to every input element.
Tensor NumericGrad(Tensor& x, const std::function<double()>& loss) {
  constexpr double kStep = 1e-5;
  Tensor grad(x.batch, x.heads, x.seq, x.dim);
  for (size_t e = 0; e < x.data.size(); ++e) {
    double saved = x.data[e];
    x.data[e] = saved + kStep;
    double up = loss();
    x.data[e] = saved - kStep;
    double down = loss();
    x.data[e] = saved;
    grad.data[e] = (up - down) / (2 * kStep);
  }
  return grad;
}

struct FdCase {
  int64_t kv_heads;
  bool causal;
  Positions q_pos, k_pos;
};

// Proves the oracle: truncation error ~ step^2 and round-off ~ 1e-16 / step both sit near
// 1e-10, so 1e-7 leaves margin while any wrong term (errors of order 1) fails loudly.
TEST(ReferencePlain, BackwardMatchesFiniteDifferences) {
  const Positions kShifted = {0, 2, 4, 6, 8};  // with keys at 1, 3, ...: query 0 sees no key
  const FdCase cases[] = {
      {4, false, Arange(0, 5), Arange(0, 5)}, {4, true, Arange(0, 5), Arange(0, 5)},
      {2, false, Arange(0, 5), Arange(0, 5)}, {2, true, Arange(0, 5), Arange(0, 5)},
      {1, true, kShifted, {1, 3, 5, 7, 9}},
  };
  std::mt19937_64 rng(14);
  for (const FdCase& c : cases) {
    SCOPED_TRACE(testing::Message() << "kv_heads " << c.kv_heads << " causal " << c.causal);
    Tensor q = RandomTensor(2, 4, 5, 3, rng), k = RandomTensor(2, c.kv_heads, 5, 3, rng);
    Tensor v = RandomTensor(2, c.kv_heads, 5, 3, rng), w = RandomTensor(2, 4, 5, 3, rng);
    double scale = 0.7;
    auto loss = [&] {
      Tensor o = PlainAttention(q, k, v, c.q_pos, c.k_pos, c.causal, scale).out;
      return Dot(o.data.data(), w.data.data(), static_cast<int64_t>(o.data.size()));
    };
    Tensor out = PlainAttention(q, k, v, c.q_pos, c.k_pos, c.causal, scale).out;
    AttentionGrads g = PlainAttentionBackward(q, k, v, c.q_pos, c.k_pos, out, w, c.causal, scale);
    EXPECT_LE(MaxRelativeError(g.dq, NumericGrad(q, loss)), 1e-7);
    EXPECT_LE(MaxRelativeError(g.dk, NumericGrad(k, loss)), 1e-7);
    EXPECT_LE(MaxRelativeError(g.dv, NumericGrad(v, loss)), 1e-7);
  }
}

}  // namespace
}  // namespace ringsim::reference
