#pragma once
// fp64 attention for a sample of query rows: what the ring rehearsal checks its GPU output
// against when the whole sequence is too long for sim/reference on a CPU. Each sampled row is
// the textbook softmax over every visible key (no blocking), so it is independent of the ring
// and of the kernels; sampled_reference_test.cc checks it against sim/reference's
// PlainAttention.

#include <cstdint>
#include <vector>

namespace ringsim::calibrate {

/// One head's inputs: n_q sampled query rows and all n_k key/value rows, each of `dim`
/// values, row-major, with their global positions (for the causal mask: key k is visible to
/// query q iff k_pos <= q_pos).
struct SampledHead {
  int dim = 0;
  std::vector<float> q;  ///< n_q x dim
  std::vector<std::int64_t> q_pos;
  std::vector<float> k, v;  ///< n_k x dim each
  std::vector<std::int64_t> k_pos;
};

/// O (n_q x dim) = softmax(scale q k^T + mask) v for each sampled row, in fp64, split over
/// `threads` threads (1 = this thread). A row that sees no key gets zeros.
std::vector<double> SampledAttention(const SampledHead& head, bool causal, double scale,
                                     int threads);

/// `count` distinct indices spread over [0, n): always 0 and n - 1 (the first and last rows,
/// where masks and ragged edges bite), the rest evenly spaced, ascending. All of [0, n) when
/// count >= n.
std::vector<std::int64_t> SpreadIndices(std::int64_t n, std::int64_t count);

}  // namespace ringsim::calibrate
