#include "sim/sequence_layout.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>

namespace ringsim {

namespace {

// Pairs (q, k) with q >= k, q in [q0, q0 + nq), k in [k0, k0 + nk).
double ContiguousCausalPairs(int64_t q0, int64_t nq, int64_t k0, int64_t nk) {
  double total = 0;
  // For each query q, keys allowed: clamp(q - k0 + 1, 0, nk). Sum in closed form by
  // splitting the query range where the clamp changes.
  int64_t q_lo = q0, q_hi = q0 + nq;  // [q_lo, q_hi)
  // Region A: q < k0 -> 0 keys. Region B: k0 <= q < k0 + nk -> q - k0 + 1. Region C: nk.
  int64_t b_lo = std::max(q_lo, k0), b_hi = std::min(q_hi, k0 + nk);
  if (b_lo < b_hi) {
    double first = static_cast<double>(b_lo - k0 + 1), last = static_cast<double>(b_hi - k0);
    total += (first + last) * static_cast<double>(b_hi - b_lo) / 2.0;
  }
  int64_t c_lo = std::max(q_lo, k0 + nk);
  if (c_lo < q_hi) total += static_cast<double>(q_hi - c_lo) * static_cast<double>(nk);
  return total;
}

}  // namespace

std::string LayoutProblem(RingVariant variant, int64_t seq_len, int64_t devices) {
  if (devices < 1) return fmt::format("context must be >= 1, got {}", devices);
  int64_t unit = variant == RingVariant::kZigzag ? 2 * devices : devices;
  if (seq_len % unit != 0) {
    return fmt::format("seq_len {} is not divisible by {} ({} needs {}{} devices)", seq_len, unit,
                       VariantName(variant), variant == RingVariant::kZigzag ? "2 x " : "",
                       devices);
  }
  return "";
}

std::vector<int64_t> DeviceTokens(RingVariant variant, int64_t seq_len, int64_t devices,
                                  int64_t device) {
  assert(LayoutProblem(variant, seq_len, devices).empty());
  int64_t m = seq_len / devices;
  std::vector<int64_t> tokens;
  tokens.reserve(m);
  switch (variant) {
    case RingVariant::kRing:
      for (int64_t t = 0; t < m; ++t) tokens.push_back(device * m + t);
      break;
    case RingVariant::kStriped:
      for (int64_t t = 0; t < m; ++t) tokens.push_back(t * devices + device);
      break;
    case RingVariant::kZigzag: {
      int64_t half = m / 2;
      for (int64_t t = 0; t < half; ++t) tokens.push_back(device * half + t);
      int64_t second = 2 * devices - 1 - device;
      for (int64_t t = 0; t < half; ++t) tokens.push_back(second * half + t);
      break;
    }
  }
  return tokens;
}

double CausalPairs(RingVariant variant, int64_t seq_len, int64_t devices, int64_t q_device,
                   int64_t k_device, int64_t* visible_chunks) {
  int64_t m = seq_len / devices;
  double md = static_cast<double>(m);
  double total = 0;
  switch (variant) {
    case RingVariant::kRing:
      total = ContiguousCausalPairs(q_device * m, m, k_device * m, m);
      if (visible_chunks) *visible_chunks = total > 0;
      return total;
    case RingVariant::kStriped:
      // q = a*N + i, k = b*N + j: q >= k iff a > b, or a == b and i >= j.
      total = md * (md - 1) / 2.0 + (q_device >= k_device ? md : 0.0);
      if (visible_chunks) *visible_chunks = total > 0;
      return total;
    case RingVariant::kZigzag: {
      int64_t half = m / 2;
      int64_t q_chunks[2] = {q_device, 2 * devices - 1 - q_device};
      int64_t k_chunks[2] = {k_device, 2 * devices - 1 - k_device};
      int64_t visible = 0;
      for (int64_t qc : q_chunks) {
        for (int64_t kc : k_chunks) {
          const double pairs = ContiguousCausalPairs(qc * half, half, kc * half, half);
          total += pairs;
          visible += pairs > 0;
        }
      }
      if (visible_chunks) *visible_chunks = visible;
      return total;
    }
  }
  return 0;
}

int64_t ChunkTokens(RingVariant variant, int64_t seq_len, int64_t devices) {
  const int64_t m = seq_len / devices;
  return variant == RingVariant::kZigzag ? m / 2 : m;
}

int64_t VisibleChunkPairs(RingVariant variant, int64_t seq_len, int64_t devices, bool causal,
                          int64_t q_device, int64_t k_device) {
  if (!causal) return variant == RingVariant::kZigzag ? 4 : 1;
  int64_t visible = 0;
  CausalPairs(variant, seq_len, devices, q_device, k_device, &visible);
  return visible;
}

}  // namespace ringsim
