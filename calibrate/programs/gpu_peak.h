#pragma once
// The dense bf16 tensor-core peak of a GPU, for "fraction of peak" columns.

#include <string>

namespace ringsim::calibrate {

/// A peak rate and where it came from.
struct PeakRate {
  double flops_per_s = 0;
  std::string source;  ///< "datasheet: H100 SXM" or "estimate: 132 SMs x 1.98 GHz x 4096"
};

/// Dense (no sparsity) bf16 peak of the named GPU from NVIDIA's datasheets where the name is
/// known (H100 SXM/PCIe/NVL, H200, GH200, H800, A100); otherwise SMs x clock x the tensor
/// FLOPs per SM per clock of the architecture, labelled an estimate.
PeakRate PeakBf16Dense(const std::string& device_name, int cc_major, int cc_minor, int sm_count,
                       int clock_khz);

}  // namespace ringsim::calibrate
