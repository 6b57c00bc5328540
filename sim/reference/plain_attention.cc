#include "sim/reference/plain_attention.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace ringsim::reference {

namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// One query row's softmax probabilities over all keys (0 where masked) and its LSE.
struct SoftmaxRow {
  std::vector<double> p;
  double lse = kNegInf;
};

SoftmaxRow RowSoftmax(const Tensor& q, const Tensor& k, const Positions& q_pos,
                      const Positions& k_pos, bool causal, double scale, int64_t b, int64_t h,
                      int64_t i) {
  int64_t kh = KvHead(h, q.heads, k.heads);
  std::vector<double> scores(k.seq, kNegInf);
  double max = kNegInf;
  for (int64_t j = 0; j < k.seq; ++j) {
    if (causal && k_pos[j] > q_pos[i]) continue;
    scores[j] = scale * Dot(q.RowData(b, h, i), k.RowData(b, kh, j), q.dim);
    max = std::max(max, scores[j]);
  }
  SoftmaxRow row{std::vector<double>(k.seq, 0.0), kNegInf};
  if (max == kNegInf) return row;  // no visible key: all probabilities stay 0
  double sum = 0;
  for (int64_t j = 0; j < k.seq; ++j) sum += scores[j] == kNegInf ? 0 : std::exp(scores[j] - max);
  for (int64_t j = 0; j < k.seq; ++j) {
    if (scores[j] != kNegInf) row.p[j] = std::exp(scores[j] - max) / sum;
  }
  row.lse = max + std::log(sum);
  return row;
}

}  // namespace

AttentionOutput PlainAttention(const Tensor& q, const Tensor& k, const Tensor& v, bool causal,
                               double scale) {
  return PlainAttention(q, k, v, Arange(0, q.seq), Arange(0, k.seq), causal, scale);
}

AttentionOutput PlainAttention(const Tensor& q, const Tensor& k, const Tensor& v,
                               const Positions& q_pos, const Positions& k_pos, bool causal,
                               double scale) {
  AssertAttentionShapes(q, k, v, q_pos, k_pos);
  AttentionOutput result{Tensor(q.batch, q.heads, q.seq, q.dim),
                         Tensor(q.batch, q.heads, q.seq, 1)};
  ForEachRow(q, [&](int64_t b, int64_t h, int64_t i) {
    SoftmaxRow row = RowSoftmax(q, k, q_pos, k_pos, causal, scale, b, h, i);
    int64_t kh = KvHead(h, q.heads, k.heads);
    for (int64_t j = 0; j < k.seq; ++j) {
      Axpy(row.p[j], v.RowData(b, kh, j), result.out.RowData(b, h, i), q.dim);
    }
    result.lse.at(b, h, i, 0) = row.lse;
  });
  return result;
}

AttentionGrads PlainAttentionBackward(const Tensor& q, const Tensor& k, const Tensor& v,
                                      const Tensor& out, const Tensor& d_out, bool causal,
                                      double scale) {
  return PlainAttentionBackward(q, k, v, Arange(0, q.seq), Arange(0, k.seq), out, d_out, causal,
                                scale);
}

// With P = softmax(S): dV = P^T dO, dP = dO V^T, dS = P * (dP - D) where
// D_i = sum_j P_ij dP_ij = dO_i . O_i, dQ = scale dS K, dK = scale dS^T Q.
AttentionGrads PlainAttentionBackward(const Tensor& q, const Tensor& k, const Tensor& v,
                                      const Positions& q_pos, const Positions& k_pos,
                                      const Tensor& out, const Tensor& d_out, bool causal,
                                      double scale) {
  AssertAttentionShapes(q, k, v, q_pos, k_pos);
  assert(out.SameShape(q) && d_out.SameShape(q));
  AttentionGrads g{Tensor(q.batch, q.heads, q.seq, q.dim), Tensor(k.batch, k.heads, k.seq, k.dim),
                   Tensor(v.batch, v.heads, v.seq, v.dim)};
  ForEachRow(q, [&](int64_t b, int64_t h, int64_t i) {
    SoftmaxRow row = RowSoftmax(q, k, q_pos, k_pos, causal, scale, b, h, i);
    int64_t kh = KvHead(h, q.heads, k.heads), d = q.dim;
    const double* d_oi = d_out.RowData(b, h, i);
    double delta = Dot(d_oi, out.RowData(b, h, i), d);
    for (int64_t j = 0; j < k.seq; ++j) {
      if (row.p[j] == 0) continue;  // masked (or underflowed): contributes nothing
      double ds = row.p[j] * (Dot(d_oi, v.RowData(b, kh, j), d) - delta);
      Axpy(row.p[j], d_oi, g.dv.RowData(b, kh, j), d);
      Axpy(scale * ds, k.RowData(b, kh, j), g.dq.RowData(b, h, i), d);
      Axpy(scale * ds, q.RowData(b, h, i), g.dk.RowData(b, kh, j), d);
    }
  });
  return g;
}

}  // namespace ringsim::reference
