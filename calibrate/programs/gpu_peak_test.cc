#include "calibrate/programs/gpu_peak.h"

#include <gtest/gtest.h>

namespace ringsim::calibrate {
namespace {

TEST(GpuPeakTest, DatasheetNames) {
  // Names as cudaGetDeviceProperties reports them.
  EXPECT_DOUBLE_EQ(PeakBf16Dense("NVIDIA H100 80GB HBM3", 9, 0, 132, 1980000).flops_per_s,
                   989.4e12);
  EXPECT_EQ(PeakBf16Dense("NVIDIA H100 80GB HBM3", 9, 0, 132, 1980000).source,
            "datasheet: H100 SXM");
  EXPECT_DOUBLE_EQ(PeakBf16Dense("NVIDIA H100 PCIe", 9, 0, 114, 1755000).flops_per_s, 756e12);
  EXPECT_DOUBLE_EQ(PeakBf16Dense("NVIDIA H100 NVL", 9, 0, 132, 1785000).flops_per_s, 835e12);
  EXPECT_DOUBLE_EQ(PeakBf16Dense("NVIDIA H200", 9, 0, 132, 1980000).flops_per_s, 989.4e12);
  EXPECT_DOUBLE_EQ(PeakBf16Dense("NVIDIA GH200 480GB", 9, 0, 132, 1980000).flops_per_s, 989.4e12);
  EXPECT_DOUBLE_EQ(PeakBf16Dense("NVIDIA A100-SXM4-80GB", 8, 0, 108, 1410000).flops_per_s, 312e12);
}

TEST(GpuPeakTest, UnknownNamesAreEstimated) {
  // 100 SMs x 2 GHz x 4096 FLOP/clk = 819.2 TFLOP/s.
  const PeakRate r = PeakBf16Dense("Some Hopper", 9, 0, 100, 2000000);
  EXPECT_DOUBLE_EQ(r.flops_per_s, 819.2e12);
  EXPECT_EQ(r.source, "estimate: 100 SMs x 2.00 GHz x 4096");
  EXPECT_DOUBLE_EQ(PeakBf16Dense("Some Ampere", 8, 0, 10, 1000000).flops_per_s, 20.48e12);
  EXPECT_DOUBLE_EQ(PeakBf16Dense("Some Ada", 8, 9, 10, 1000000).flops_per_s, 10.24e12);
}

}  // namespace
}  // namespace ringsim::calibrate
