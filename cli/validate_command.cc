// ringsim validate: predicted vs measured, per row of a measured-runs CSV
// (io/measured_runs.h): the error per row, the MAPE and signed bias per source (file) and
// overall, and whether zigzag and striped are ordered as measured.

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/option_values.h"
#include "cli/output_format.h"
#include "cli/run_engine.h"
#include "cli/scenario_report.h"
#include "io/csv_table.h"
#include "io/measured_runs.h"
#include "sim/config_error.h"

namespace ringsim {

namespace {

struct ValidateOptions {
  std::vector<std::string> files;
  std::string engine = "analytical";
  std::string format = "table";
  int64_t explain_line = 0;  ///< 0: every row; else the row at this line of the one file
};

/// One predicted-vs-measured comparison.
struct Comparison {
  const MeasuredRun* run = nullptr;
  std::string file;
  MeasuredMetric metric = MeasuredMetric::kStepTime;
  double predicted = 0;
  double measured = 0;
  double error_pct = 0;
  bool fits = true;
};

double Predicted(const ScenarioResult& r, MeasuredMetric metric, bool full_attention) {
  const Estimate& e = r.estimate;
  switch (metric) {
    case MeasuredMetric::kStepTime:
      return e.step_time_s;
    case MeasuredMetric::kTflopsPerDevice:
      return full_attention ? e.tflops_per_device_full_attention : e.tflops_per_device;
    case MeasuredMetric::kMfu:
      return full_attention ? e.mfu_full_attention : e.mfu;
    case MeasuredMetric::kTokensPerS:
      return e.tokens_per_s;
    case MeasuredMetric::kPeakMemoryGb:
      return r.memory.total_bytes / 1e9;
  }
  return 0;
}

std::string Value(MeasuredMetric metric, double v) {
  switch (metric) {
    case MeasuredMetric::kStepTime:
      return FormatSeconds(v);
    case MeasuredMetric::kTflopsPerDevice:
      return fmt::format("{:.1f} TFLOP/s", v);
    case MeasuredMetric::kMfu:
      return fmt::format("{:.1f}%", v * 100);
    case MeasuredMetric::kTokensPerS:
      return fmt::format("{:.0f} tokens/s", v);
    case MeasuredMetric::kPeakMemoryGb:
      return fmt::format("{:.1f} GB", v);
  }
  return "";
}

// The measured-runs files `paths` name: a file as given, a folder's *.csv files sorted.
std::vector<std::string> MeasuredFiles(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code error;
    if (!std::filesystem::is_directory(path, error)) {
      files.push_back(path);
      continue;
    }
    std::vector<std::string> in_dir;
    for (const auto& entry : std::filesystem::directory_iterator(path, error)) {
      if (entry.is_regular_file() && entry.path().extension() == ".csv")
        in_dir.push_back(entry.path().string());
    }
    if (in_dir.empty()) throw ConfigError(fmt::format("{}: no .csv files in this folder", path));
    std::sort(in_dir.begin(), in_dir.end());
    files.insert(files.end(), in_dir.begin(), in_dir.end());
  }
  return files;
}

struct ErrorSummary {
  std::vector<double> errors_pct;
  void Add(double e) { errors_pct.push_back(e); }
  double Mape() const { return MeanAbsolutePercentError(errors_pct); }
  double Bias() const {
    double sum = 0;
    for (double e : errors_pct) sum += e;
    return errors_pct.empty() ? 0 : sum / static_cast<double>(errors_pct.size());
  }
};

// MAPE and bias of each group (a source file, an implementation), its name in column `key`.
void PrintGroups(const char* title, const char* key,
                 const std::map<std::string, ErrorSummary>& groups) {
  std::cout << "\n" << title << "\n";
  Table table;
  table.columns = {{key, Unit::kText},
                   {"comparisons", Unit::kCount},
                   {"mape_pct", Unit::kPercent, "MAPE"},
                   {"bias_pct", Unit::kPercent, "bias"}};
  for (const auto& [name, s] : groups) {
    table.AddRow({name, static_cast<int64_t>(s.errors_pct.size()), s.Mape(), s.Bias()});
  }
  std::cout << RenderText(table);
}

// Rows measured on the same configuration but for the layout: does ringsim order zigzag and
// striped as the measurements do?
struct VariantPair {
  std::string label;
  bool right = false;
};

std::vector<VariantPair> ZigzagStripedPairs(const std::vector<Comparison>& comparisons) {
  std::map<std::string, const Comparison*> zigzag, striped;
  for (const Comparison& c : comparisons) {
    const Scenario& s = c.run->scenario;
    // The layouts' order is about speed; their memory is not ranked.
    if (s.parallel.variant == RingVariant::kRing || c.metric == MeasuredMetric::kPeakMemoryGb)
      continue;
    const std::string key =
        fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}", c.file, MeasuredMetricName(c.metric),
                    s.model.name, s.hardware.name, s.devices, s.parallel.context,
                    s.parallel.ulysses, s.workload.seq_len, s.workload.batch,
                    PassName(s.workload.pass), ScopeName(s.workload.scope), s.implementation.name);
    (s.parallel.variant == RingVariant::kZigzag ? zigzag : striped)[key] = &c;
  }
  std::vector<VariantPair> pairs;
  for (const auto& [key, z] : zigzag) {
    auto it = striped.find(key);
    if (it == striped.end()) continue;
    const Comparison* s = it->second;
    // Step time: smaller is faster; throughput metrics: larger is.
    const bool lower_better = z->metric == MeasuredMetric::kStepTime;
    const bool measured_z_faster =
        lower_better ? z->measured < s->measured : z->measured > s->measured;
    const bool predicted_z_faster =
        lower_better ? z->predicted < s->predicted : z->predicted > s->predicted;
    pairs.push_back(
        {z->run->label + " / " + s->run->label, measured_z_faster == predicted_z_faster});
  }
  return pairs;
}

// One row's whole simulate report beside its measurements: why the model says what it says.
void ExplainRow(const std::string& file, const std::vector<MeasuredRun>& runs, int64_t line,
                EngineKind engine, const std::string& format) {
  const MeasuredRun* run = nullptr;
  for (const MeasuredRun& r : runs) {
    if (r.line == line) run = &r;
  }
  if (run == nullptr) {
    throw ConfigError(
        fmt::format("--explain {}: {} has no measured row at line {} (its rows are at lines {})",
                    line, file, line,
                    runs.empty() ? std::string("none")
                                 : fmt::format("{}..{}", runs.front().line, runs.back().line)));
  }
  EngineOutput out;
  try {
    out = RunEngine(run->scenario, engine, false);
  } catch (const ConfigError& e) {
    throw ConfigError(fmt::format("{}:{}: {}", file, run->line, e.what()));
  }
  nlohmann::json measured = nlohmann::json::object();
  std::string lines;
  for (const auto& [metric, value] : run->measured) {
    const double predicted = Predicted(out.result, metric, run->flops_full_attention);
    const double error = PercentError(predicted, value);
    measured[MeasuredMetricName(metric)] = {
        {"predicted", predicted}, {"measured", value}, {"error_pct", error}};
    lines +=
        fmt::format("  {}: predicted {}, measured {}, error {:+.1f}%\n", MeasuredMetricName(metric),
                    Value(metric, predicted), Value(metric, value), error);
  }
  if (ParseFormat(format) == OutputFormat::kJson) {
    nlohmann::json j = {{"file", file},
                        {"line", run->line},
                        {"label", run->label},
                        {"source", run->source},
                        {"measured", measured},
                        {"result", ResultToJson(run->scenario, out.result, out.engine_details)}};
    std::cout << JsonText(j) << "\n";
    return;
  }
  std::cout << fmt::format("validate: {} line {}: {}\n", file, run->line, run->label);
  if (!run->source.empty()) std::cout << fmt::format("  source: {}\n", run->source);
  std::cout << lines << "\n";
  std::cout << ResultToText(run->scenario, out.result, &out.engine_details);
}

void RunValidate(const ValidateOptions& opt) {
  const EngineKind engine = EngineByName(opt.engine, "--engine");
  const std::vector<std::string> files = MeasuredFiles(opt.files);
  if (opt.explain_line > 0 && files.size() != 1) {
    throw ConfigError(
        fmt::format("--explain {}: give one CSV file (its line numbers name the row), not {} files",
                    opt.explain_line, files.size()));
  }
  std::vector<std::vector<MeasuredRun>> runs_by_file;
  for (const std::string& file : files)
    runs_by_file.push_back(ReadMeasuredRuns(LoadCsvFile(file), file));
  if (opt.explain_line > 0) {
    ExplainRow(files[0], runs_by_file[0], opt.explain_line, engine, opt.format);
    return;
  }

  std::vector<Comparison> comparisons;
  size_t run_count = 0;
  for (size_t f = 0; f < files.size(); ++f) {
    for (const MeasuredRun& run : runs_by_file[f]) {
      ++run_count;
      ScenarioResult result;
      try {
        result = RunEngine(run.scenario, engine, false).result;
      } catch (const ConfigError& e) {
        throw ConfigError(fmt::format("{}:{}: {}", files[f], run.line, e.what()));
      }
      for (const auto& [metric, measured] : run.measured) {
        Comparison c;
        c.run = &run;
        c.file = files[f];
        c.metric = metric;
        c.predicted = Predicted(result, metric, c.run->flops_full_attention);
        c.measured = measured;
        c.error_pct = PercentError(c.predicted, measured);
        c.fits = result.memory.fits;
        comparisons.push_back(c);
      }
    }
  }

  ErrorSummary all, high;
  std::map<std::string, ErrorSummary> by_metric, by_file, by_implementation;
  std::map<std::string, int64_t> low_by_file;
  std::vector<Comparison> high_comparisons;
  int64_t misfits = 0;
  for (const Comparison& c : comparisons) {
    all.Add(c.error_pct);
    if (c.run->low_confidence.empty()) {
      high.Add(c.error_pct);
      high_comparisons.push_back(c);
    } else {
      ++low_by_file[c.file];
    }
    by_metric[MeasuredMetricName(c.metric)].Add(c.error_pct);
    by_file[c.file].Add(c.error_pct);
    by_implementation[c.run->scenario.implementation.name].Add(c.error_pct);
    if (!c.fits) ++misfits;
  }
  const std::vector<VariantPair> pairs = ZigzagStripedPairs(comparisons);
  auto count_right = [](const std::vector<VariantPair>& list) {
    return static_cast<int64_t>(
        std::count_if(list.begin(), list.end(), [](const VariantPair& p) { return p.right; }));
  };
  const int64_t pairs_right = count_right(pairs);
  // The same without the runs marked low confidence (the measured-runs file's confidence column).
  const std::vector<VariantPair> high_pairs = ZigzagStripedPairs(high_comparisons);
  const int64_t high_pairs_right = count_right(high_pairs);

  // predicted and measured are in the metric's own unit (step_time_s: seconds, mfu: a
  // fraction, ...); the human table shows them formatted by it.
  Table table;
  table.columns = {
      {"file", Unit::kText, "", Show::kMachineOnly},
      {"line", Unit::kCount},
      {"label", Unit::kText, "run"},
      {"implementation", Unit::kText, "implementation"},
      {"model", Unit::kText, "", Show::kMachineOnly},
      {"hardware", Unit::kText, "", Show::kMachineOnly},
      {"devices", Unit::kCount, "", Show::kMachineOnly},
      {"context", Unit::kCount, "", Show::kMachineOnly},
      {"variant", Unit::kText, "", Show::kMachineOnly},
      {"seq_len", Unit::kTokens, "", Show::kMachineOnly},
      {"metric", Unit::kText},
      {"predicted", Unit::kText, "", Show::kMachineOnly},
      {"measured", Unit::kText, "", Show::kMachineOnly},
      {"predicted_text", Unit::kText, "predicted", Show::kHumanOnly},
      {"measured_text", Unit::kText, "measured", Show::kHumanOnly},
      {"error_pct", Unit::kPercent, "error"},
      {"fits", Unit::kBool, "memory", Show::kEverywhere,
       [](const Cell& c) { return std::get<bool>(c.value()) ? "" : "does not fit"; }},
      {"low_confidence", Unit::kText, "confidence", Show::kMachineOnly},
      {"confidence_text", Unit::kText, "confidence", Show::kHumanOnly},
      {"source", Unit::kText, "", Show::kMachineOnly},
  };
  bool any_misfit = false;
  for (const Comparison& c : comparisons) {
    const Scenario& s = c.run->scenario;
    any_misfit = any_misfit || !c.fits;
    const std::string confidence = c.run->low_confidence.empty() ? "" : "low";
    table.AddRow({c.file,
                  c.run->line,
                  c.run->label,
                  s.implementation.name,
                  s.model.name,
                  s.hardware.name,
                  s.devices,
                  s.parallel.context,
                  VariantName(s.parallel.variant),
                  s.workload.seq_len,
                  MeasuredMetricName(c.metric),
                  c.predicted,
                  c.measured,
                  Value(c.metric, c.predicted),
                  Value(c.metric, c.measured),
                  c.error_pct,
                  c.fits,
                  c.run->low_confidence,
                  confidence,
                  c.run->source});
  }
  OutputFormat format = ParseFormat(opt.format);
  if (format == OutputFormat::kJson) {
    auto summary_json = [](const ErrorSummary& s) {
      return nlohmann::json{{"comparisons", s.errors_pct.size()},
                            {"mape_pct", s.Mape()},
                            {"mean_error_pct", s.Bias()}};
    };
    nlohmann::json metrics = nlohmann::json::object(), sources = nlohmann::json::object(),
                   implementations = nlohmann::json::object();
    for (const auto& [name, s] : by_metric) metrics[name] = summary_json(s);
    for (const auto& [name, s] : by_file) sources[name] = summary_json(s);
    for (const auto& [name, s] : by_implementation) implementations[name] = summary_json(s);
    nlohmann::json summary = summary_json(all);
    summary["by_metric"] = metrics;
    summary["by_source"] = sources;
    summary["by_implementation"] = implementations;
    summary["comparisons_not_fitting"] = misfits;
    summary["zigzag_striped_pairs"] = pairs.size();
    summary["zigzag_striped_pairs_right"] = pairs_right;
    nlohmann::json high_json = summary_json(high);
    high_json["zigzag_striped_pairs"] = high_pairs.size();
    high_json["zigzag_striped_pairs_right"] = high_pairs_right;
    summary["high_confidence"] = high_json;
    nlohmann::json out = {
        {"file", files.size() == 1 ? nlohmann::json(files[0]) : nlohmann::json(files)},
        {"engine", opt.engine},
        {"rows", TableJson(table)},
        {"summary", summary}};
    std::cout << JsonText(out) << "\n";
    return;
  }
  if (format == OutputFormat::kCsv) {
    std::cout << RenderCsv(table);
    return;
  }
  std::cout << fmt::format("validate: {} ({} runs, {} engine)\n",
                           files.size() == 1 ? files[0] : fmt::format("{} files", files.size()),
                           run_count, opt.engine);
  std::cout << RenderText(table);
  if (by_file.size() > 1) PrintGroups("Per source", "source", by_file);
  // The same errors grouped by the stack that ran: which implementations the model knows.
  if (by_implementation.size() > 1) {
    PrintGroups("Per implementation", "implementation", by_implementation);
  }
  std::string per_metric;
  for (const auto& [name, s] : by_metric) {
    per_metric += fmt::format("{}{} {:.1f}% over {}", per_metric.empty() ? "" : ", ", name,
                              s.Mape(), s.errors_pct.size());
  }
  std::cout << fmt::format(
      "\nMAPE {:.1f}% over {} comparisons ({}); mean signed error {:+.1f}% ({})\n", all.Mape(),
      all.errors_pct.size(), per_metric, all.Bias(),
      all.Bias() >= 0 ? "ringsim predicts high" : "ringsim predicts low");
  if (!pairs.empty()) {
    std::cout << fmt::format("zigzag vs striped: {} of {} measured pairs ordered as measured\n",
                             pairs_right, pairs.size());
  }
  if (!low_by_file.empty()) {
    std::string where;
    for (const auto& [file, n] : low_by_file)
      where += fmt::format("{}{} in {}", where.empty() ? "" : ", ", n, file);
    std::cout << fmt::format(
        "Without the {} comparisons of low confidence ({}; their notes say why): MAPE {:.1f}% "
        "over {}, mean signed error {:+.1f}%{}\n",
        comparisons.size() - high.errors_pct.size(), where, high.Mape(), high.errors_pct.size(),
        high.Bias(),
        high_pairs.empty()
            ? ""
            : fmt::format("; zigzag vs striped {} of {}", high_pairs_right, high_pairs.size()));
  }
  if (any_misfit) {
    std::cout << "Rows marked 'does not fit' exceed device memory in ringsim's memory model, "
                 "although they were run: the memory model overestimates them.\n";
  }
}

}  // namespace

void AddValidateCommand(CLI::App& app) {
  auto opt = std::make_shared<ValidateOptions>();
  CLI::App* cmd = app.add_subcommand("validate",
                                     "Predicted vs measured step time, TFLOPS, MFU, tokens/s or "
                                     "peak memory for rows of a CSV file");
  cmd->add_option("measured", opt->files,
                  "CSV files or folders of them (validation/): a scenario column and/or "
                  "scenario keys (model, hardware, implementation, devices, parallel.context, "
                  "workload.seq_len, ...), plus measured step_time_s, tflops_per_device, mfu, "
                  "tokens_per_s or peak_memory_gb (decimal GB); see validation/README.md. Several "
                  "files: MAPE and bias per file "
                  "(source) and overall")
      ->required();
  cmd->add_option("--engine", opt->engine, "analytical (closed form) or simgrid (replay)")
      ->check(CLI::IsMember({"analytical", "simgrid"}));
  cmd->add_option("--explain", opt->explain_line,
                  "One row's whole simulate report (time, overlap, memory, phases) beside its "
                  "measurements: the row at this line of the one CSV file (the 'line' column)")
      ->check(CLI::PositiveNumber);
  AddFormatOption(cmd, opt->format);
  cmd->callback([opt] { RunValidate(*opt); });
}

}  // namespace ringsim
