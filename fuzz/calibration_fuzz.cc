// libFuzzer target: any bytes as a calibration file (calibrations/*.yaml, as `ringsim
// calibrate` writes them). LoadCalibration reads a path, so each input is written to a file
// of this process first. A ConfigError is the one-line answer; any other exception, a crash,
// a hang or undefined behaviour (ASan, UBSan) is a finding. Run by tests/fuzz.sh.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "io/calibration_loader.h"
#include "sim/config_error.h"

namespace {

const std::string& InputPath() {
  static const std::string path =
      "/tmp/ringsim-calibration-fuzz-" + std::to_string(getpid()) + ".yaml";
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::FILE* f = std::fopen(InputPath().c_str(), "wb");
  if (!f || std::fwrite(data, 1, size, f) != size || std::fclose(f) != 0) std::abort();
  try {
    (void)ringsim::LoadCalibration(InputPath());
  } catch (const ringsim::ConfigError&) {
    // the one-line answer to bad input
  }
  return 0;
}
