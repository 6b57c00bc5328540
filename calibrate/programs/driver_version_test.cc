#include "calibrate/programs/driver_version.h"

#include <gtest/gtest.h>

namespace ringsim::calibrate {
namespace {

TEST(DriverVersionTest, OpenKernelModuleLine) {
  // The line an H100 machine of this workplace printed (its open kernel module).
  EXPECT_EQ(DriverVersionFromProcLine("NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  "
                                      "580.159.04  Release Build  (dvs-builder@U22-I3-AM02-24-3)"),
            "580.159.04");
}

TEST(DriverVersionTest, ProprietaryModuleLine) {
  EXPECT_EQ(DriverVersionFromProcLine("NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  "
                                      "Sat Aug 19 01:15:15 UTC 2023"),
            "535.104.05");
}

TEST(DriverVersionTest, NoVersionGivesEmpty) {
  EXPECT_EQ(DriverVersionFromProcLine("something else entirely"), "");
  EXPECT_EQ(DriverVersionFromProcLine("NVRM version: NVIDIA UNIX Open Kernel Module for x86_64"),
            "");
}

}  // namespace
}  // namespace ringsim::calibrate
