#pragma once
// Measured runs for `ringsim validate`: a CSV file whose rows each describe a scenario
// (a scenario file, scenario keys, or both) and what was measured when it ran, read into
// scenarios the engines can predict; and the error statistics of predicted vs measured.
//
// Columns (any order; the header names them):
//   scenario        a scenario YAML path; a relative path is looked up beside the CSV file
//                   first, then from the current directory. Optional when the row gives
//                   model, hardware, devices and workload.seq_len itself.
//   scenario keys   dotted keys as --set takes them (devices, parallel.context,
//                   workload.seq_len, ...): they override the scenario file, or build the
//                   scenario when there is none. An empty cell leaves the key alone.
//   measured        step_time_s, tflops_per_device, mfu (a fraction, or "35%"),
//                   tokens_per_s, peak_memory_gb (a device's peak, decimal GB): at least one
//                   per row; each is compared separately.
//   confidence      "high" (the default; an empty cell too) or "low: <why>": a run whose own
//                   reporter or the implementation's maintainer calls it anomalous, or whose
//                   value was read off a chart with no stated formula. validate reports every
//                   row, and its summary again without the low ones.
//   free text       label (names the row in the output), source, note, notes, comment.
// Lines starting with '#' are comments.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "io/csv_table.h"
#include "sim/scenario.h"

namespace ringsim {

/// What a measured-runs file may hold a measured value of.
enum class MeasuredMetric { kStepTime, kTflopsPerDevice, kMfu, kTokensPerS, kPeakMemoryGb };

/// "step_time_s", "tflops_per_device", "mfu", "tokens_per_s", "peak_memory_gb" (the column
/// names).
const char* MeasuredMetricName(MeasuredMetric metric);

/// One row of a measured-runs file.
struct MeasuredRun {
  int64_t line = 0;   ///< where the row starts in the file
  std::string label;  ///< the label column, else the scenario file's stem, else "line N"
  Scenario scenario;
  std::vector<std::pair<MeasuredMetric, double>> measured;  ///< in column order
  std::string source;                                       ///< the source column, if any
  /// The measured MFU or TFLOP/s counts causal attention in full (column flops_convention:
  /// full-attention).
  bool flops_full_attention = false;
  /// Why the measurement is of low confidence (the confidence column's "low: <why>"); empty
  /// for a run of high confidence.
  std::string low_confidence;
};

/// The scenario-key columns a measured-runs file may have.
const std::vector<std::string>& MeasuredScenarioKeys();

/// Reads every row. Any problem is a ConfigError of one line naming `file`:line:column
/// (line of the header for column problems) and what was expected.
std::vector<MeasuredRun> ReadMeasuredRuns(const CsvTable& table, const std::string& file);

/// 100 * (predicted - measured) / measured.
double PercentError(double predicted, double measured);

/// Mean of |errors| (percent in, percent out); 0 for no errors.
double MeanAbsolutePercentError(const std::vector<double>& errors_pct);

}  // namespace ringsim
