// libFuzzer target: any bytes as a hardware profile (hwmodels/*.yaml). HardwareFromYaml must
// answer with a ConfigError (one line, exit 2 in the CLI) or a profile, which is then printed
// as `ringsim hardware show` does; any other exception, a crash, a hang or undefined behaviour
// (built with ASan and UBSan) is a finding. Run by tests/fuzz.sh.

#include <cstddef>
#include <cstdint>
#include <string>

#include "io/hardware_loader.h"
#include "io/yaml_reader.h"
#include "sim/config_error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const ringsim::HardwareSpec hw =
        ringsim::HardwareFromYaml(ringsim::LoadYamlString(text, "fuzz.yaml"), "fuzz.yaml");
    (void)ringsim::HardwareToText(hw);
    // As the CLI writes JSON (cli/output_format.cc): bytes that are not UTF-8 replaced.
    (void)ringsim::HardwareToJson(hw).dump(-1, ' ', false,
                                           nlohmann::json::error_handler_t::replace);
  } catch (const ringsim::ConfigError&) {
    // the one-line answer to bad input
  }
  return 0;
}
