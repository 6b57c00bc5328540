#include "sim/reference/tensor.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace ringsim::reference {

Tensor::Tensor(int64_t batch, int64_t heads, int64_t seq, int64_t dim)
    : batch(batch), heads(heads), seq(seq), dim(dim), data(batch * heads * seq * dim, 0.0) {}

Tensor RandomTensor(int64_t batch, int64_t heads, int64_t seq, int64_t dim, std::mt19937_64& rng) {
  Tensor t(batch, heads, seq, dim);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (double& x : t.data) x = normal(rng);
  return t;
}

Positions Arange(int64_t begin, int64_t count) {
  Positions p(count);
  for (int64_t i = 0; i < count; ++i) p[i] = begin + i;
  return p;
}

Tensor GatherRows(const Tensor& t, const Positions& rows) {
  Tensor out(t.batch, t.heads, static_cast<int64_t>(rows.size()), t.dim);
  ForEachRow(out, [&](int64_t b, int64_t h, int64_t s) {
    assert(rows[s] >= 0 && rows[s] < t.seq);
    std::copy_n(t.RowData(b, h, rows[s]), t.dim, out.RowData(b, h, s));
  });
  return out;
}

void ScatterRows(Tensor& dst, const Positions& rows, const Tensor& src) {
  assert(src.batch == dst.batch && src.heads == dst.heads && src.dim == dst.dim);
  assert(static_cast<int64_t>(rows.size()) == src.seq);
  ForEachRow(src, [&](int64_t b, int64_t h, int64_t s) {
    assert(rows[s] >= 0 && rows[s] < dst.seq);
    std::copy_n(src.RowData(b, h, s), src.dim, dst.RowData(b, h, rows[s]));
  });
}

void AddInto(Tensor& dst, const Tensor& src) {
  assert(dst.SameShape(src));
  for (size_t i = 0; i < dst.data.size(); ++i) dst.data[i] += src.data[i];
}

double MaxRelativeError(const std::vector<double>& actual, const std::vector<double>& expected) {
  assert(actual.size() == expected.size());
  constexpr double kInf = std::numeric_limits<double>::infinity();
  double max_diff = 0, max_expected = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    double a = actual[i], e = expected[i];
    if (a == e) continue;  // also covers equal infinities
    if (!std::isfinite(a) || !std::isfinite(e)) return kInf;
    max_diff = std::max(max_diff, std::abs(a - e));
  }
  for (double e : expected) {
    if (std::isfinite(e)) max_expected = std::max(max_expected, std::abs(e));
  }
  return max_expected > 0 ? max_diff / max_expected : max_diff;
}

double MaxRelativeError(const Tensor& actual, const Tensor& expected) {
  assert(actual.SameShape(expected));
  return MaxRelativeError(actual.data, expected.data);
}

}  // namespace ringsim::reference
