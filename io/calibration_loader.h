#pragma once
// Reads calibration files (sim/calibration.h says what they hold) strictly.

#include <string>

#include "sim/calibration.h"

namespace ringsim {

/// Reads a calibration YAML strictly (ConfigError with file:line:col: key).
Calibration LoadCalibration(const std::string& path);

}  // namespace ringsim
