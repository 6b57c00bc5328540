// libFuzzer target: any bytes as command-line values: each line is one `--set KEY=VALUE`
// applied to a shipped scenario, and the lines together are `--vary` options of a sweep of
// it (the first and last configurations are built). The parsers and the strict loader must
// answer with a ConfigError or a scenario; any other exception, a crash, a hang or undefined
// behaviour (ASan, UBSan) is a finding. Run by tests/fuzz.sh from the repository root.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "io/scenario_loader.h"
#include "io/sweep.h"
#include "sim/config_error.h"

namespace {

const char kBase[] = "scenarios/llama7b-8xa100-256k.yaml";

const std::string& BaseText() {
  static const std::string text = [] {
    std::ifstream in(kBase);
    if (!in) {
      std::fprintf(stderr, "options_fuzz: run from the repository root (no %s)\n", kBase);
      std::abort();
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
  }();
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> lines;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line) && lines.size() < 8;) lines.push_back(line);
  try {
    (void)ringsim::LoadScenario(kBase, lines);
  } catch (const ringsim::ConfigError&) {
  }
  try {
    std::vector<ringsim::VaryAxis> axes = ringsim::ParseVaryAxes(lines);
    const int64_t configs = ringsim::SweepSize(axes);
    const ringsim::SweepScenarioBuilder builder(BaseText(), kBase, {}, axes);
    for (int64_t index : {int64_t{0}, configs - 1}) {
      try {
        (void)builder.Build(index);
      } catch (const ringsim::ConfigError&) {
        // one configuration may be invalid while others are not
      }
    }
  } catch (const ringsim::ConfigError&) {
    // the one-line answer to bad input
  }
  return 0;
}
