#include "sim/overlap.h"

#include <cmath>

namespace ringsim {

double PaperMinBlockTokens(const OverlapInputs& in) {
  return in.peak_flops_per_s * in.element_bytes * in.kv_width /
         (2.0 * in.attention_width * in.link_bw_bytes_per_s);
}

double StepComputeTime(const OverlapInputs& in, double c) {
  return 4.0 * c * c * in.attention_width / (in.peak_flops_per_s * in.efficiency.At(c));
}

double StepCommTime(const OverlapInputs& in, double c) {
  return in.link_latency_s + 2.0 * c * in.kv_width * in.element_bytes / in.link_bw_bytes_per_s;
}

double CalibratedMinBlockTokens(const OverlapInputs& in) {
  auto hidden = [&](double c) { return StepComputeTime(in, c) >= StepCommTime(in, c); };
  // Find the first power of two that hides, then bisect down to the whole token.
  double hi = 1;
  while (!hidden(hi)) {
    hi *= 2;
    if (hi > std::ldexp(1.0, 34)) return 0;
  }
  double lo = hi / 2;  // does not hide (or hi == 1)
  if (hi == 1) return 1;
  while (hi - lo > 1) {
    double mid = std::floor((lo + hi) / 2);
    (hidden(mid) ? hi : lo) = mid;
  }
  return hi;
}

}  // namespace ringsim
