#pragma once
// Hardware profiles: strict reading of hwmodels/*.yaml into HardwareSpec, lookup by name,
// and the two printed forms used by `ringsim hw show`. The YAML schema, its units (decimal
// SI) and the rule that every number names its source are in hwmodels/README.md.

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim/hardware_spec.h"

namespace ringsim {

/// Parses one profile. `file` names it in errors and anchors the relative `calibration`
/// path; `path` is the key path of `root` when the profile is inline in another document
/// ("" for a profile file). Every error is a ConfigError "file:line:col: key.path: ...".
HardwareSpec HardwareFromYaml(const YAML::Node& root, const std::string& file,
                              const std::string& path = "");

/// Where profiles live: $RINGSIM_HWMODELS if set and non-empty, else the source tree's
/// hwmodels/ (RINGSIM_DATA_DIR "/hwmodels").
std::string HardwareDir();

/// `path` as outputs name it: relative to ringsim's data folder (the repository, where
/// hwmodels/ lives) when it lies inside it, else as given.
std::string DataRelativePath(const std::string& path);

/// The calibration file `value` names: a path relative to `base_dir` (or absolute), else one
/// relative to HardwareDir() ("calibrations/h100-sxm-torch-cudnn.yaml"); "" if neither exists.
std::string ResolveCalibration(const std::string& value, const std::string& base_dir);

/// ResolveCalibration from the working directory, or a ConfigError "`where`: no calibration
/// file ..." (for command-line options).
std::string RequireCalibration(const std::string& value, const std::string& where);

/// Replaces what `hw` took from its own calibration (or its assumed curves) with the
/// calibration at `path`: the curves it measures, its interference, its memory rate; the
/// backward curve falls back to the forward one where the file has no backward samples.
void UseCalibration(HardwareSpec& hw, const std::string& path);

/// Puts the profile's assumed curves of `name` (kernels.<name>) in place of its attention
/// curves and names that kernel; the launch reference and tiling of the profile's own kernel
/// go (they describe another kernel). `name` must be in hw.kernel_curves.
void UseAssumedKernel(HardwareSpec& hw, const std::string& name);

/// Where `hw` has the attention kernel `kernel` from: a calibration file measured here, else
/// the profile's assumed curves of it (kernels.<name>); both empty when it has neither (the
/// profile's own kernel stands in).
struct KernelChoice {
  std::string calibration;  ///< the measured calibration's path
  std::string assumed;      ///< the name in hw.kernel_curves
};
KernelChoice ChooseKernel(const HardwareSpec& hw, const std::string& kernel);

/// The attention kernel an implementation calls, on `hw`, as ChooseKernel finds it; `hw`
/// unchanged where it has neither (the profile's own kernel stands in, and outputs name it).
void UseKernel(HardwareSpec& hw, const std::string& kernel);

/// "" when `hw` knows the attention kernel `kernel` (its own, a calibration of it, or assumed
/// curves of it), else why not: "hardware 'X' has no attention kernel 'Y' (it knows: ...)".
std::string KernelProblem(const HardwareSpec& hw, const std::string& kernel);

/// Names of the shipped profiles (stems of HardwareDir()/*.yaml), sorted. Files in
/// subfolders, such as calibrations/, are not profiles.
std::vector<std::string> ListHardware();

/// Loads a profile by name ("h100-sxm") or by path (anything containing '/' or ending in
/// ".yaml"). The profile's `name:` must equal its file name without ".yaml".
HardwareSpec LoadHardware(const std::string& name_or_path);

/// The whole profile, sources included, in the YAML schema's shape (hw show --format json).
nlohmann::json HardwareToJson(const HardwareSpec& hardware);

/// A readable multi-line summary with units (TFLOPS, GB, GB/s, µs) and each number's source.
/// One line on how the attention kernel's wave quantisation is priced on this hardware (or
/// why it is not).
std::string WaveQuantisationText(const HardwareSpec& hw);

/// Where the attention rates a profile runs at come from, for a report's kernel line:
/// "measured: <calibration>", "assumed curves of the profile", or, where some of its curves
/// are measured (or published) without a calibration file, "curves of the profile, measured and
/// assumed: ...".
std::string AttentionCurvesText(const HardwareSpec& hw);

std::string HardwareToText(const HardwareSpec& hardware);

}  // namespace ringsim
