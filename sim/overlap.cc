#include "sim/overlap.h"

#include <cmath>
#include <vector>

namespace ringsim {

double PaperMinBlockTokens(const OverlapInputs& in) {
  return in.peak_flops_per_s * in.element_bytes * in.kv_width /
         (2.0 * in.attention_width * in.link_bw_bytes_per_s);
}

double StepComputeTime(const OverlapInputs& in, double c) {
  return in.compute_fixed_s +
         4.0 * c * c * in.attention_width / (in.peak_flops_per_s * in.efficiency.At(c));
}

double StepCommTime(const OverlapInputs& in, double c) {
  return in.link_latency_s + in.comm_fixed_s +
         2.0 * c * in.kv_width * in.element_bytes / in.link_bw_bytes_per_s;
}

bool StepHidesComm(const OverlapInputs& in, double c) {
  return StepComputeTime(in, c) >= StepCommTime(in, c);
}

namespace {

// A step hides when a*c^2/e(c) >= k*c + d, with e the curve and d the fixed costs net of each
// other. Margin() has the sign of that condition and, where e is linear in x = ln c (between
// two curve points, or beyond the ends), is convex in x: for d >= 0, a*c^2/(k*c + d) is
// convex and increasing in c = e^x, and e is linear; for d < 0, a*c/e is log-convex and
// -d/c concave in x. So within a segment the exposed blocks form one interval, found from
// the margin's minimum.
struct Margin {
  const OverlapInputs& in;
  double a = 4.0 * in.attention_width / in.peak_flops_per_s;
  double k = 2.0 * in.kv_width * in.element_bytes / in.link_bw_bytes_per_s;
  double d = in.link_latency_s + in.comm_fixed_s - in.compute_fixed_s;

  double operator()(double x) const {
    const double c = std::exp(x), e = in.efficiency.At(c);
    if (d >= 0) return a * c * c / (k * c + d) - e;
    return a * c / e - k - d / c;
  }

  // d/dx of operator() where the curve's slope in x is `s` (the derivatives of the two forms
  // above, with de/dx = s).
  double Slope(double x, double s) const {
    const double c = std::exp(x), e = in.efficiency.At(c);
    if (d >= 0) return a * c * c * (k * c + 2 * d) / ((k * c + d) * (k * c + d)) - s;
    return a * c / e * (1 - s / e) + d / c;
  }
};

// Blocks are searched in x = ln c to this width: a billionth of a token per token, well
// below the whole token the search ends on (the last steps check whole tokens directly).
constexpr double kSearchWidth = 1e-9;

// Minimum of a function convex on [lo, hi], by golden-section search.
template <class F>
double ArgMinConvex(const F& f, double lo, double hi) {
  const double r = (std::sqrt(5.0) - 1) / 2;
  double x1 = hi - r * (hi - lo), x2 = lo + r * (hi - lo);
  double f1 = f(x1), f2 = f(x2);
  for (int i = 0; i < 80 && hi - lo > kSearchWidth; ++i) {
    if (f1 <= f2) {
      hi = x2, x2 = x1, f2 = f1;
      x1 = hi - r * (hi - lo), f1 = f(x1);
    } else {
      lo = x1, x1 = x2, f1 = f2;
      x2 = lo + r * (hi - lo), f2 = f(x2);
    }
  }
  return f1 <= f2 ? x1 : x2;
}

}  // namespace

double CalibratedMinBlockTokens(const OverlapInputs& in) {
  auto hides = [&](double c) { return StepHidesComm(in, c); };
  if (!hides(kMaxOverlapBlockTokens)) return 0;
  // Segments of the curve in ln c, searched from the top for the highest exposed block.
  std::vector<double> edges = {0.0};
  for (const auto& point : in.efficiency.points) {
    if (point.first > 1 && point.first < kMaxOverlapBlockTokens) {
      edges.push_back(std::log(point.first));
    }
  }
  edges.push_back(std::log(kMaxOverlapBlockTokens));
  const Margin margin{in};
  for (size_t i = edges.size() - 1; i > 0; --i) {
    // A convex margin that is >= 0 and rising where the segment starts stays >= 0 over it.
    const double lo_x = edges[i - 1], hi_x = edges[i];
    const double s =
        (in.efficiency.At(std::exp(hi_x)) - in.efficiency.At(std::exp(lo_x))) / (hi_x - lo_x);
    if (margin(lo_x) >= 0 && margin.Slope(lo_x, s) >= 0) continue;
    const double xm = ArgMinConvex(margin, lo_x, hi_x);
    if (margin(xm) >= 0) continue;  // every block of this segment hides
    // The upper end of the exposed interval, between the minimum and the segment's top.
    double lo = xm, hi = edges[i];
    if (margin(hi) < 0) lo = hi;
    for (int k = 0; k < 80 && hi - lo > kSearchWidth; ++k) {
      const double mid = (lo + hi) / 2;
      (margin(mid) < 0 ? lo : hi) = mid;
    }
    // The largest exposed whole token at or just below it (the margin is only close to the
    // comparison in floating point); none when the interval holds no whole token.
    for (double n = std::floor(std::exp(lo)); n >= 1 && n >= std::floor(std::exp(lo)) - 1; --n) {
      if (hides(n)) continue;
      while (!hides(n + 1)) ++n;
      return n + 1;
    }
  }
  return 1;
}

}  // namespace ringsim
