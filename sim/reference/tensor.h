#pragma once
// Dense fp64 tensors for the CPU attention reference (the oracle GPU kernels are checked
// against). fp64 so that reference round-off (~1e-15) is far below any kernel tolerance.

#include <cassert>
#include <cstdint>
#include <random>
#include <vector>

namespace ringsim::reference {

/// Global token positions of a tensor's rows; a causal mask lets query q see key k iff
/// position(k) <= position(q).
using Positions = std::vector<int64_t>;

/// A dense (batch, heads, seq, dim) tensor of doubles, row-major (dim varies fastest).
/// Per-row quantities (log-sum-exp, D = rowsum(dO * O)) are tensors with dim = 1.
struct Tensor {
  int64_t batch = 0, heads = 0, seq = 0, dim = 0;
  std::vector<double> data;

  Tensor() = default;
  /// A zero-filled tensor.
  Tensor(int64_t batch, int64_t heads, int64_t seq, int64_t dim);

  /// Index of row (b, h, s) counting rows of `dim` values; data offset is RowIndex * dim.
  int64_t RowIndex(int64_t b, int64_t h, int64_t s) const { return (b * heads + h) * seq + s; }
  int64_t Rows() const { return batch * heads * seq; }
  double* RowData(int64_t b, int64_t h, int64_t s) { return &data[RowIndex(b, h, s) * dim]; }
  const double* RowData(int64_t b, int64_t h, int64_t s) const {
    return &data[RowIndex(b, h, s) * dim];
  }
  double& at(int64_t b, int64_t h, int64_t s, int64_t d) { return RowData(b, h, s)[d]; }
  const double& at(int64_t b, int64_t h, int64_t s, int64_t d) const { return RowData(b, h, s)[d]; }
  bool SameShape(const Tensor& other) const {
    return batch == other.batch && heads == other.heads && seq == other.seq && dim == other.dim;
  }
};

/// The output of an attention forward pass.
struct AttentionOutput {
  Tensor out;  ///< O: (b, q_heads, s, d)
  Tensor lse;  ///< log-sum-exp of each row's scaled scores: (b, q_heads, s, 1); -inf if the
               ///< row sees no key
};

/// Gradients of an attention pass; dk, dv have the key/value (GQA) head count.
struct AttentionGrads {
  Tensor dq, dk, dv;
};

/// Elements drawn from the standard normal distribution.
Tensor RandomTensor(int64_t batch, int64_t heads, int64_t seq, int64_t dim, std::mt19937_64& rng);

/// {begin, begin + 1, ..., begin + count - 1}.
Positions Arange(int64_t begin, int64_t count);

/// The rows `rows` (seq indices) of `t`, in that order, for every batch and head.
Tensor GatherRows(const Tensor& t, const Positions& rows);

/// Writes row i of `src` to row rows[i] of `dst`, for every batch and head.
void ScatterRows(Tensor& dst, const Positions& rows, const Tensor& src);

/// dst += src, elementwise; shapes must match.
void AddInto(Tensor& dst, const Tensor& src);

/// max_i |actual_i - expected_i| / max_i |expected_i|: normwise, so that entries near zero
/// do not inflate the error. Equal infinities count as exact (masked rows have LSE = -inf);
/// NaN or a mismatched infinity gives +inf. Falls back to absolute error if expected is 0.
double MaxRelativeError(const std::vector<double>& actual, const std::vector<double>& expected);
double MaxRelativeError(const Tensor& actual, const Tensor& expected);

/// The query head count per key/value head must be whole (GQA); query head `q_head` reads
/// key/value head q_head / (q_heads / kv_heads).
inline int64_t KvHead(int64_t q_head, int64_t q_heads, int64_t kv_heads) {
  return q_head / (q_heads / kv_heads);
}

inline double Dot(const double* a, const double* b, int64_t n) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

/// y += alpha * x.
inline void Axpy(double alpha, const double* x, double* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}

/// Calls fn(b, h, s) for every row of `t`, in storage order.
template <typename Fn>
void ForEachRow(const Tensor& t, Fn&& fn) {
  for (int64_t b = 0; b < t.batch; ++b) {
    for (int64_t h = 0; h < t.heads; ++h) {
      for (int64_t s = 0; s < t.seq; ++s) fn(b, h, s);
    }
  }
}

/// Asserts (debug builds) that q, k, v and the positions describe one attention problem:
/// k and v alike, kv heads dividing q heads, one position per row.
inline void AssertAttentionShapes(const Tensor& q, const Tensor& k, const Tensor& v,
                                  const Positions& q_pos, const Positions& k_pos) {
  assert(k.SameShape(v) && q.batch == k.batch && q.dim == k.dim);
  assert(k.heads > 0 && q.heads % k.heads == 0);
  assert(static_cast<int64_t>(q_pos.size()) == q.seq);
  assert(static_cast<int64_t>(k_pos.size()) == k.seq);
  (void)q, (void)k, (void)v, (void)q_pos, (void)k_pos;
}

}  // namespace ringsim::reference
