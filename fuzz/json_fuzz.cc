// libFuzzer target: any bytes as a JSON document (what `report` and `rehearse --measured`
// read). ParseJson must answer with a ConfigError or a document, with bounded recursion: a
// crash, a stack overflow (ASan) or another exception is a finding. Run by tests/fuzz.sh.

#include <cstddef>
#include <cstdint>
#include <string>

#include "io/json_input.h"
#include "sim/config_error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const nlohmann::json doc = ringsim::ParseJson(text, "fuzz.json");
    (void)doc.dump();
  } catch (const ringsim::ConfigError&) {
    // the one-line answer to bad input
  }
  return 0;
}
