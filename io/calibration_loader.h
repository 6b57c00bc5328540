#pragma once
// Reads calibration files (sim/calibration.h says what they hold) strictly.

#include <yaml-cpp/yaml.h>

#include <string>

#include "sim/calibration.h"

namespace ringsim {

/// Reads a calibration YAML strictly (ConfigError with file:line:col: key); a file read before
/// and unchanged since is not parsed again (io/file_cache.h).
Calibration LoadCalibration(const std::string& path);

/// The same from a parsed document; `path` names it in errors and in the result.
Calibration CalibrationFromYaml(const YAML::Node& root, const std::string& path);

}  // namespace ringsim
