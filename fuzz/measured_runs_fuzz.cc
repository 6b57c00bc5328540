// libFuzzer target: any bytes as a measured-runs CSV file (validation/*.csv, what `ringsim
// validate` reads). ParseCsv and ReadMeasuredRuns must answer with a ConfigError or rows,
// each a scenario the loader accepted; any other exception, a crash, a hang or undefined
// behaviour (ASan, UBSan) is a finding. Run by tests/fuzz.sh from the repository root, so
// that a row's scenario column may name a shipped scenario.

#include <cstddef>
#include <cstdint>
#include <string>

#include "io/csv_table.h"
#include "io/measured_runs.h"
#include "sim/config_error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const ringsim::CsvTable table = ringsim::ParseCsv(text, "fuzz.csv");
    (void)ringsim::ReadMeasuredRuns(table, "fuzz.csv");
  } catch (const ringsim::ConfigError&) {
    // the one-line answer to bad input
  }
  return 0;
}
