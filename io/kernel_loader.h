#pragma once
// Kernel files (kernels/*.yaml; sim/kernel_tiling.h says what they hold): how an attention
// kernel cuts a launch into CTAs, looked up by the kernel names profiles and calibrations use.

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "sim/hardware_spec.h"
#include "sim/kernel_tiling.h"

namespace ringsim {

/// Where kernel files live: $RINGSIM_KERNELS if set, else the source tree's kernels/.
std::string KernelDir();

/// One kernel document; every problem is a ConfigError naming file:line:col and the key.
/// `names` receives the kernel names the file answers to.
KernelTiling KernelTilingFromYaml(const YAML::Node& root, const std::string& file,
                                  std::vector<std::string>* names);

/// The tiling of the kernel called `kernel_name` ("flash-attention-2", "torch-sdpa/flash");
/// an empty tiling (Known() false) when no file names it. Files are read once per process.
KernelTiling FindKernelTiling(const std::string& kernel_name);

/// Sets hw.attention_tiling from hw.attention_kernel (after a profile or calibration set it).
void AttachKernelTiling(HardwareSpec& hw);

}  // namespace ringsim
