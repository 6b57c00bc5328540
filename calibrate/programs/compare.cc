#include "calibrate/programs/compare.h"

#include <cmath>
#include <cstdio>

namespace ringsim::calibrate {

ErrorStats CompareToReference(const float* out, const double* ref, std::size_t n) {
  ErrorStats e;
  e.count = n;
  double diff2 = 0, ref2 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double o = out[i], r = ref[i];
    if (std::isnan(o) || std::isnan(r)) {
      ++e.non_finite;
      continue;
    }
    if (std::isinf(o) || std::isinf(r)) {
      if (!(std::isinf(o) && std::isinf(r) && (o > 0) == (r > 0))) ++e.non_finite;
      continue;
    }
    const double d = o - r;
    diff2 += d * d;
    ref2 += r * r;
    if (std::fabs(d) > e.max_abs) e.max_abs = std::fabs(d);
  }
  e.rel_l2 = ref2 > 0 ? std::sqrt(diff2 / ref2) : std::sqrt(diff2);
  return e;
}

bool WithinTolerance(const ErrorStats& e, double tol) {
  return e.non_finite == 0 && std::isfinite(e.rel_l2) && e.rel_l2 < tol;
}

std::string FormatStats(const ErrorStats& e) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "rel_l2=%.3e max_abs=%.3e n=%zu nonfinite=%zu", e.rel_l2,
                e.max_abs, e.count, e.non_finite);
  return buf;
}

}  // namespace ringsim::calibrate
