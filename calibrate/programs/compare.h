#pragma once
// Comparing kernel output with a float64 reference.

#include <cstddef>
#include <string>

namespace ringsim::calibrate {

/// How far an output is from its reference.
struct ErrorStats {
  double rel_l2 = 0;           ///< ||out - ref|| / ||ref|| (or ||out - ref|| when ref is all 0)
  double max_abs = 0;          ///< largest |out - ref| over finite pairs
  std::size_t count = 0;       ///< elements compared
  std::size_t non_finite = 0;  ///< NaN in out, or an infinity that ref does not share
};

/// Compares n outputs with n reference values. An infinity in both with the same sign counts
/// as exact (a fully masked row has LSE -inf); a NaN anywhere in `out` always counts as
/// non-finite, so poisoned, unwritten elements fail.
ErrorStats CompareToReference(const float* out, const double* ref, std::size_t n);

/// True when nothing is non-finite and rel_l2 < tol.
bool WithinTolerance(const ErrorStats& e, double tol);

/// One line: "rel_l2=1.2e-03 max_abs=3.4e-03 n=4096 nonfinite=0".
std::string FormatStats(const ErrorStats& e);

}  // namespace ringsim::calibrate
