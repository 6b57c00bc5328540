// libFuzzer target: any bytes as a scenario file. The loader must answer with a ConfigError
// (one line, exit 2 in the CLI) or a scenario; a valid scenario small enough to price in
// milliseconds is scheduled and run through the analytical engine and the memory model. Any
// other exception, a crash, a hang or undefined behaviour (built with ASan and UBSan) is a
// finding. Run by tests/fuzz.sh.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "io/scenario_loader.h"
#include "io/yaml_reader.h"
#include "sim/analytical_engine.h"
#include "sim/config_error.h"
#include "sim/memory_model.h"
#include "sim/rates.h"
#include "sim/schedule.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const ringsim::Scenario s =
        ringsim::ScenarioFromYaml(ringsim::LoadYamlString(text, "fuzz.yaml"), "fuzz.yaml");
    if (!ringsim::ScenarioProblem(s).ok()) return 0;
    // Keep each input to milliseconds: the engines' cost grows with ring^2 and layers.
    if (s.parallel.context > 64 || s.model.layers > 128 || s.parallel.pipeline > 16) return 0;
    const ringsim::Schedule schedule = ringsim::MakeSchedule(s);
    const ringsim::Estimate e =
        ringsim::Analyze(schedule, ringsim::MakeRates(schedule, s.hardware));
    const ringsim::MemoryBreakdown m = ringsim::DeviceMemory(s);
    // Valid inputs give numbers, not NaN.
    if (!(e.step_time_s >= 0) || !(m.total_bytes >= 0)) std::abort();
  } catch (const ringsim::ConfigError&) {
    // the one-line answer to bad input
  }
  return 0;
}
