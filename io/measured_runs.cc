#include "io/measured_runs.h"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <map>

#include "io/input_file.h"
#include "io/scenario_loader.h"
#include "io/yaml_reader.h"
#include "sim/config_error.h"

namespace ringsim {

namespace {

namespace fs = std::filesystem;

const std::vector<std::string>& TextColumns() {
  static const std::vector<std::string> columns = {"label", "source", "note", "notes", "comment"};
  return columns;
}

const std::vector<MeasuredMetric>& Metrics() {
  static const std::vector<MeasuredMetric> metrics = {
      MeasuredMetric::kStepTime, MeasuredMetric::kTflopsPerDevice, MeasuredMetric::kMfu,
      MeasuredMetric::kTokensPerS, MeasuredMetric::kPeakMemoryGb};
  return metrics;
}

bool Contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

std::string Trim(const std::string& s) {
  size_t begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t") - begin + 1);
}

/// What each column of the header is.
struct Columns {
  int scenario = -1;
  int label = -1;
  int source = -1;
  int flops_convention = -1;
  int confidence = -1;
  std::vector<std::pair<int, std::string>> keys;         ///< scenario-key columns
  std::vector<std::pair<int, MeasuredMetric>> measured;  ///< measured-value columns
};

Columns ClassifyColumns(const CsvTable& table, const std::string& file) {
  Columns columns;
  std::vector<std::string> known = {"scenario", "flops_convention", "confidence"};
  for (const std::string& k : MeasuredScenarioKeys()) known.push_back(k);
  for (MeasuredMetric m : Metrics()) known.push_back(MeasuredMetricName(m));
  for (const std::string& t : TextColumns()) known.push_back(t);
  for (size_t c = 0; c < table.header.size(); ++c) {
    const std::string name = Trim(table.header[c]);
    const int index = static_cast<int>(c);
    if (name == "scenario") {
      columns.scenario = index;
    } else if (name == "label") {
      columns.label = index;
    } else if (name == "source") {
      columns.source = index;
    } else if (name == "flops_convention") {
      columns.flops_convention = index;
    } else if (name == "confidence") {
      columns.confidence = index;
    } else if (Contains(TextColumns(), name)) {
      // free text
    } else if (Contains(MeasuredScenarioKeys(), name)) {
      columns.keys.push_back({index, name});
    } else {
      bool metric = false;
      for (MeasuredMetric m : Metrics()) {
        if (name == MeasuredMetricName(m)) {
          columns.measured.push_back({index, m});
          metric = true;
        }
      }
      if (!metric) {
        std::string suggestion = ClosestMatch(name, known);
        throw ConfigError(fmt::format(
            "{}:{}:{}: unknown column '{}'{}; expected scenario, scenario keys such as "
            "workload.seq_len, measured step_time_s, tflops_per_device, mfu, tokens_per_s or "
            "peak_memory_gb, confidence, or label, source, note",
            file, table.header_line, name, name,
            suggestion.empty() ? "" : fmt::format(" (did you mean '{}'?)", suggestion)));
      }
    }
  }
  if (columns.measured.empty()) {
    throw ConfigError(fmt::format(
        "{}:{}: no measured column; expected one of step_time_s, tflops_per_device, mfu, "
        "tokens_per_s, peak_memory_gb",
        file, table.header_line));
  }
  if (columns.scenario < 0) {
    for (const char* required : {"model", "hardware", "devices", "workload.seq_len"}) {
      bool present = false;
      for (const auto& key : columns.keys) present = present || key.second == required;
      if (!present) {
        throw ConfigError(
            fmt::format("{}:{}: missing column '{}' (needed when there is no 'scenario' column)",
                        file, table.header_line, required));
      }
    }
  }
  return columns;
}

/// A measured value: a positive finite number; an mfu may be written "35%".
double ParseMeasured(const std::string& cell, MeasuredMetric metric, const std::string& where) {
  std::string text = Trim(cell);
  bool percent = metric == MeasuredMetric::kMfu && !text.empty() && text.back() == '%';
  if (percent) text.pop_back();
  size_t used = 0;
  double value = NAN;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size() || !std::isfinite(value) || value <= 0) {
    throw ConfigError(fmt::format("{}: expected a positive number, got '{}'", where, Trim(cell)));
  }
  if (percent) value /= 100;
  if (metric == MeasuredMetric::kMfu && value > 1) {
    throw ConfigError(fmt::format(
        "{}: expected a fraction of peak in (0, 1] or a percentage, got '{}' (write 35% as "
        "0.35 or 35%)",
        where, Trim(cell)));
  }
  return value;
}

/// The scenario file of a `scenario` cell: beside the CSV first, then from here.
std::string ResolveScenarioPath(const std::string& cell, const std::string& csv_file) {
  fs::path path(cell);
  if (path.is_relative()) {
    fs::path beside = fs::path(csv_file).parent_path() / path;
    if (IsRegularFile(beside.string())) return beside.lexically_normal().string();
  }
  return cell;
}

/// Rewrites a loader error so that it points at the CSV cell the problem came from.
std::string CellError(const std::string& message, const std::string& loaded_as,
                      const std::string& row_where, bool from_file) {
  const std::string set_prefix = "--set: ";
  if (message.rfind(set_prefix, 0) == 0) return row_where + ":" + message.substr(set_prefix.size());
  if (!from_file && message.rfind(loaded_as + ": ", 0) == 0) {
    return row_where + ":" + message.substr(loaded_as.size() + 2);
  }
  return row_where + ":scenario: " + message;
}

MeasuredRun ReadRow(const CsvRow& row, const Columns& columns, const std::string& file) {
  const std::string where = fmt::format("{}:{}", file, row.line);
  MeasuredRun run;
  run.line = row.line;
  std::string scenario_cell = columns.scenario >= 0 ? Trim(row.cells[columns.scenario]) : "";

  YAML::Node root(YAML::NodeType::Map);
  std::string loaded_as = file;
  if (!scenario_cell.empty()) {
    loaded_as = ResolveScenarioPath(scenario_cell, file);
    try {
      root = LoadYamlFile(loaded_as);
    } catch (const ConfigError& e) {
      throw ConfigError(fmt::format("{}:scenario: {}", where, e.what()));
    }
    if (!root.IsMap()) {
      throw ConfigError(
          fmt::format("{}:scenario: {}: expected a scenario mapping", where, loaded_as));
    }
  } else {
    for (const char* required : {"model", "hardware", "devices", "workload.seq_len"}) {
      for (const auto& [index, key] : columns.keys) {
        if (key == required && Trim(row.cells[index]).empty()) {
          throw ConfigError(fmt::format(
              "{}:{}: empty, and the row has no scenario file; expected a value", where, key));
        }
      }
    }
  }
  for (const auto& [index, key] : columns.keys) {
    std::string cell = Trim(row.cells[index]);
    if (cell.empty()) continue;
    try {
      SetDottedKey(root, key, cell);
    } catch (const ConfigError&) {
      throw ConfigError(
          fmt::format("{}:{}: cannot read '{}' as a value (YAML syntax)", where, key, cell));
    }
  }
  try {
    run.scenario = ScenarioFromYaml(root, loaded_as);
  } catch (const ConfigError& e) {
    throw ConfigError(CellError(e.what(), loaded_as, where, !scenario_cell.empty()));
  }

  for (const auto& [index, metric] : columns.measured) {
    const std::string& cell = row.cells[index];
    if (Trim(cell).empty()) continue;
    run.measured.push_back(
        {metric,
         ParseMeasured(cell, metric, fmt::format("{}:{}", where, MeasuredMetricName(metric)))});
  }
  if (run.measured.empty()) {
    throw ConfigError(fmt::format(
        "{}: no measured value; fill one of step_time_s, tflops_per_device, mfu, tokens_per_s, "
        "peak_memory_gb",
        where));
  }
  if (columns.label >= 0 && !Trim(row.cells[columns.label]).empty()) {
    run.label = Trim(row.cells[columns.label]);
  } else if (!scenario_cell.empty()) {
    run.label = fs::path(scenario_cell).stem().string();
  } else {
    run.label = fmt::format("line {}", row.line);
  }
  run.scenario.name = run.label;
  if (columns.source >= 0) run.source = Trim(row.cells[columns.source]);
  if (columns.confidence >= 0) {
    const std::string confidence = Trim(row.cells[columns.confidence]);
    const std::string low = "low:";
    if (confidence.compare(0, low.size(), low) == 0 &&
        !Trim(confidence.substr(low.size())).empty()) {
      run.low_confidence = Trim(confidence.substr(low.size()));
    } else if (!confidence.empty() && confidence != "high") {
      throw ConfigError(fmt::format(
          "{}:confidence: expected high, or 'low: <why>' (why the measurement is doubtful), got "
          "'{}'",
          where, confidence));
    }
  }
  if (columns.flops_convention >= 0) {
    const std::string convention = Trim(row.cells[columns.flops_convention]);
    if (convention == "full-attention") {
      run.flops_full_attention = true;
    } else if (!convention.empty() && convention != "executed") {
      throw ConfigError(fmt::format(
          "{}:flops_convention: expected executed (causal attention's visible pairs, ringsim's "
          "MFU) "
          "or full-attention (causal attention counted in full, as Megatron and PaLM report "
          "it), got '{}'",
          where, convention));
    }
  }
  return run;
}

}  // namespace

const char* MeasuredMetricName(MeasuredMetric metric) {
  switch (metric) {
    case MeasuredMetric::kStepTime:
      return "step_time_s";
    case MeasuredMetric::kTflopsPerDevice:
      return "tflops_per_device";
    case MeasuredMetric::kMfu:
      return "mfu";
    case MeasuredMetric::kTokensPerS:
      return "tokens_per_s";
    case MeasuredMetric::kPeakMemoryGb:
      return "peak_memory_gb";
  }
  return "";
}

const std::vector<std::string>& MeasuredScenarioKeys() {
  static const std::vector<std::string> keys = {"name",
                                                "model",
                                                "hardware",
                                                "devices",
                                                "implementation",
                                                "calibration",
                                                "kernel",
                                                "block",
                                                "parallel.context",
                                                "parallel.variant",
                                                "parallel.ulysses",
                                                "parallel.tensor",
                                                "parallel.fsdp",
                                                "parallel.zero",
                                                "parallel.sequence_parallel",
                                                "parallel.tp_comm_overlap",
                                                "parallel.pipeline",
                                                "parallel.virtual_stages",
                                                "parallel.window",
                                                "workload.seq_len",
                                                "workload.batch",
                                                "workload.micro_batches",
                                                "workload.causal",
                                                "workload.precision",
                                                "workload.scope",
                                                "workload.pass",
                                                "workload.checkpointing",
                                                "workload.loss",
                                                "workload.loss_chunk_tokens",
                                                "workload.offload"};
  return keys;
}

std::vector<MeasuredRun> ReadMeasuredRuns(const CsvTable& table, const std::string& file) {
  Columns columns = ClassifyColumns(table, file);
  if (table.rows.empty()) {
    throw ConfigError(fmt::format("{}: no rows after the header", file));
  }
  std::vector<MeasuredRun> runs;
  for (const CsvRow& row : table.rows) runs.push_back(ReadRow(row, columns, file));
  return runs;
}

double PercentError(double predicted, double measured) {
  return 100.0 * (predicted - measured) / measured;
}

double MeanAbsolutePercentError(const std::vector<double>& errors_pct) {
  if (errors_pct.empty()) return 0;
  double sum = 0;
  for (double e : errors_pct) sum += std::abs(e);
  return sum / static_cast<double>(errors_pct.size());
}

}  // namespace ringsim
