#include "sim/reference/blockwise_attention.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace ringsim::reference {

namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

bool Visible(bool causal, int64_t q_pos, int64_t k_pos) { return !causal || k_pos <= q_pos; }

// Fills the partial's row (b, h, i) from the block's keys; leaves it empty if none visible.
void RowForward(const Tensor& q, const Tensor& k, const Tensor& v, const Positions& q_pos,
                const Positions& k_pos, bool causal, double scale, int64_t b, int64_t h, int64_t i,
                Partial& p, std::vector<double>& scores) {
  int64_t kh = KvHead(h, q.heads, k.heads), r = p.acc.RowIndex(b, h, i);
  double max = kNegInf;
  for (int64_t j = 0; j < k.seq; ++j) {
    if (!Visible(causal, q_pos[i], k_pos[j])) continue;
    scores[j] = scale * Dot(q.RowData(b, h, i), k.RowData(b, kh, j), q.dim);
    max = std::max(max, scores[j]);
  }
  if (max == kNegInf) return;
  double sum = 0;
  for (int64_t j = 0; j < k.seq; ++j) {
    if (!Visible(causal, q_pos[i], k_pos[j])) continue;
    double w = std::exp(scores[j] - max);
    sum += w;
    Axpy(w, v.RowData(b, kh, j), p.acc.RowData(b, h, i), q.dim);
  }
  p.row_max[r] = max;
  p.row_sum[r] = sum;
}

}  // namespace

Partial EmptyPartial(int64_t batch, int64_t heads, int64_t rows, int64_t dim) {
  int64_t n = batch * heads * rows;
  return Partial{Tensor(batch, heads, rows, dim), std::vector<double>(n, kNegInf),
                 std::vector<double>(n, 0.0)};
}

bool BlockFullyMasked(const Positions& q_pos, const Positions& k_pos, bool causal) {
  if (q_pos.empty() || k_pos.empty()) return true;
  if (!causal) return false;
  // Some pair is visible iff the earliest key is not after the latest query.
  return *std::min_element(k_pos.begin(), k_pos.end()) >
         *std::max_element(q_pos.begin(), q_pos.end());
}

Partial BlockForward(const Tensor& q, const Tensor& k, const Tensor& v, const Positions& q_pos,
                     const Positions& k_pos, bool causal, double scale) {
  AssertAttentionShapes(q, k, v, q_pos, k_pos);
  Partial p = EmptyPartial(q.batch, q.heads, q.seq, q.dim);
  std::vector<double> scores(k.seq);
  ForEachRow(q, [&](int64_t b, int64_t h, int64_t i) {
    RowForward(q, k, v, q_pos, k_pos, causal, scale, b, h, i, p, scores);
  });
  return p;
}

// Both sides are rescaled to the common max m: exp(m_x - m) converts a sum taken relative
// to m_x into one relative to m. A side that saw no key has m_x = -inf and weight 0.
void Merge(Partial& into, const Partial& other) {
  assert(into.acc.SameShape(other.acc));
  int64_t d = into.acc.dim;
  for (size_t r = 0; r < into.row_max.size(); ++r) {
    double m = std::max(into.row_max[r], other.row_max[r]);
    if (m == kNegInf) continue;  // neither side saw a key: stays empty
    double a = std::exp(into.row_max[r] - m), c = std::exp(other.row_max[r] - m);
    double* acc = &into.acc.data[r * d];
    for (int64_t x = 0; x < d; ++x) acc[x] = a * acc[x] + c * other.acc.data[r * d + x];
    into.row_sum[r] = a * into.row_sum[r] + c * other.row_sum[r];
    into.row_max[r] = m;
  }
}

AttentionOutput Finalize(const Partial& partial) {
  const Tensor& acc = partial.acc;
  AttentionOutput o{Tensor(acc.batch, acc.heads, acc.seq, acc.dim),
                    Tensor(acc.batch, acc.heads, acc.seq, 1)};
  for (int64_t r = 0; r < acc.Rows(); ++r) {
    double sum = partial.row_sum[r];
    o.lse.data[r] = sum > 0 ? partial.row_max[r] + std::log(sum) : kNegInf;
    if (sum == 0) continue;  // row saw no key: O stays 0
    for (int64_t x = 0; x < acc.dim; ++x)
      o.out.data[r * acc.dim + x] = acc.data[r * acc.dim + x] / sum;
  }
  return o;
}

Tensor SoftmaxDelta(const Tensor& out, const Tensor& d_out) {
  assert(out.SameShape(d_out));
  Tensor delta(out.batch, out.heads, out.seq, 1);
  ForEachRow(out, [&](int64_t b, int64_t h, int64_t s) {
    delta.at(b, h, s, 0) = Dot(out.RowData(b, h, s), d_out.RowData(b, h, s), out.dim);
  });
  return delta;
}

// P_ij = exp(s_ij - LSE_i) is the final softmax probability (LSE covers all keys, not just
// this block's), so each block pair's terms are the exact terms of the plain backward.
AttentionGrads BlockBackward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& d_out,
                             const Tensor& lse, const Tensor& delta, const Positions& q_pos,
                             const Positions& k_pos, bool causal, double scale) {
  AssertAttentionShapes(q, k, v, q_pos, k_pos);
  assert(d_out.SameShape(q) && lse.seq == q.seq && delta.seq == q.seq);
  AttentionGrads g{Tensor(q.batch, q.heads, q.seq, q.dim), Tensor(k.batch, k.heads, k.seq, k.dim),
                   Tensor(v.batch, v.heads, v.seq, v.dim)};
  ForEachRow(q, [&](int64_t b, int64_t h, int64_t i) {
    double l = lse.at(b, h, i, 0), d_i = delta.at(b, h, i, 0);
    if (l == kNegInf) return;  // the row sees no key anywhere: no gradient flows
    int64_t kh = KvHead(h, q.heads, k.heads), d = q.dim;
    const double *qi = q.RowData(b, h, i), *d_oi = d_out.RowData(b, h, i);
    for (int64_t j = 0; j < k.seq; ++j) {
      if (!Visible(causal, q_pos[i], k_pos[j])) continue;
      double p = std::exp(scale * Dot(qi, k.RowData(b, kh, j), d) - l);
      double ds = p * (Dot(d_oi, v.RowData(b, kh, j), d) - d_i);
      Axpy(p, d_oi, g.dv.RowData(b, kh, j), d);
      Axpy(scale * ds, k.RowData(b, kh, j), g.dq.RowData(b, h, i), d);
      Axpy(scale * ds, qi, g.dk.RowData(b, kh, j), d);
    }
  });
  return g;
}

}  // namespace ringsim::reference
