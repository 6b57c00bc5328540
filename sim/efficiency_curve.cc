#include "sim/efficiency_curve.h"

#include <cmath>

namespace ringsim {

double EfficiencyCurve::At(double tokens) const {
  if (points.empty()) return 1.0;
  if (tokens <= points.front().first) return points.front().second;
  if (tokens >= points.back().first) return points.back().second;
  double x = std::log2(tokens);
  for (size_t i = 1; i < points.size(); ++i) {
    if (tokens <= points[i].first) {
      double x0 = std::log2(points[i - 1].first);
      double x1 = std::log2(points[i].first);
      double t = (x - x0) / (x1 - x0);
      return points[i - 1].second + t * (points[i].second - points[i - 1].second);
    }
  }
  return points.back().second;
}

}  // namespace ringsim
