#include "calibrate/programs/sampled_reference.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <thread>

namespace ringsim::calibrate {

namespace {

void RowRange(const SampledHead& h, bool causal, double scale, std::size_t begin, std::size_t end,
              std::vector<double>& out) {
  const std::size_t n_k = h.k_pos.size();
  const int d = h.dim;
  std::vector<double> score(n_k);
  for (std::size_t r = begin; r < end; ++r) {
    const float* q = &h.q[r * d];
    double row_max = -std::numeric_limits<double>::infinity();
    for (std::size_t j = 0; j < n_k; ++j) {
      if (causal && h.k_pos[j] > h.q_pos[r]) {
        score[j] = -std::numeric_limits<double>::infinity();
        continue;
      }
      const float* k = &h.k[j * d];
      double dot = 0;
      for (int x = 0; x < d; ++x) dot += static_cast<double>(q[x]) * k[x];
      score[j] = scale * dot;
      row_max = std::max(row_max, score[j]);
    }
    double* o = &out[r * d];
    if (row_max == -std::numeric_limits<double>::infinity()) continue;  // no visible key: 0
    double sum = 0;
    for (std::size_t j = 0; j < n_k; ++j) {
      if (score[j] == -std::numeric_limits<double>::infinity()) continue;
      const double p = std::exp(score[j] - row_max);
      sum += p;
      const float* v = &h.v[j * d];
      for (int x = 0; x < d; ++x) o[x] += p * v[x];
    }
    for (int x = 0; x < d; ++x) o[x] /= sum;
  }
}

}  // namespace

std::vector<double> SampledAttention(const SampledHead& head, bool causal, double scale,
                                     int threads) {
  const std::size_t n_q = head.q_pos.size();
  std::vector<double> out(n_q * head.dim, 0.0);
  threads = std::max(1, std::min<int>(threads, static_cast<int>(n_q)));
  if (threads <= 1) {
    RowRange(head, causal, scale, 0, n_q, out);
    return out;
  }
  std::vector<std::thread> pool;
  const std::size_t per = (n_q + threads - 1) / threads;
  for (int t = 0; t < threads; ++t) {
    const std::size_t begin = std::min(n_q, t * per), end = std::min(n_q, begin + per);
    if (begin < end)
      pool.emplace_back([&, begin, end] { RowRange(head, causal, scale, begin, end, out); });
  }
  for (std::thread& t : pool) t.join();
  return out;
}

std::vector<std::int64_t> SpreadIndices(std::int64_t n, std::int64_t count) {
  std::vector<std::int64_t> out;
  if (n <= 0 || count <= 0) return out;
  if (count >= n || n == 1) {
    for (std::int64_t i = 0; i < n; ++i) out.push_back(i);
    return out;
  }
  if (count == 1) return {0};
  for (std::int64_t i = 0; i < count; ++i) out.push_back(i * (n - 1) / (count - 1));
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace ringsim::calibrate
