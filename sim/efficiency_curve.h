#pragma once
// Achieved fraction of peak FLOP rate as a function of block size (tokens). Real kernels
// fall steeply at small blocks; the overlap condition must use the achieved rate.

#include <string>
#include <utility>
#include <vector>

namespace ringsim {

/// Piecewise linear in log2(tokens), clamped at both ends. Points sorted by tokens.
struct EfficiencyCurve {
  std::vector<std::pair<double, double>> points;  ///< (tokens, fraction of peak in (0, 1])
  /// Where the points come from; "assumed: ..." until a calibration replaces them.
  std::string source;

  bool IsAssumed() const { return source.rfind("assumed", 0) == 0; }
  /// Fraction of peak at `tokens`; a curve without points means 1.0 (datasheet peak).
  double At(double tokens) const;
};

}  // namespace ringsim
