// libFuzzer target: any bytes as a calibration file (hwmodels/calibrations/*.yaml, as `ringsim
// calibrate` writes them). CalibrationFromYaml must answer with a ConfigError (one line, exit 2
// in the CLI) or a calibration; any other exception, a crash, a hang or undefined behaviour
// (ASan, UBSan) is a finding. Run by tests/fuzz.sh.

#include <cstddef>
#include <cstdint>
#include <string>

#include "io/calibration_loader.h"
#include "io/yaml_reader.h"
#include "sim/config_error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    (void)ringsim::CalibrationFromYaml(ringsim::LoadYamlString(text, "fuzz.yaml"), "fuzz.yaml");
  } catch (const ringsim::ConfigError&) {
    // the one-line answer to bad input
  }
  return 0;
}
