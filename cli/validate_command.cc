// ringsim validate: predicted vs measured, per row of a measured-runs CSV
// (sim/measured_runs.h), and the mean absolute percentage error over all of them.

#include <fmt/format.h>

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
  std::string file;
  std::string engine = "analytical";
  std::string format = "table";
};

/// One predicted-vs-measured comparison.
struct Comparison {
  const MeasuredRun* run = nullptr;
  MeasuredMetric metric = MeasuredMetric::kStepTime;
  double predicted = 0;
  double measured = 0;
  double error_pct = 0;
  bool fits = true;
};

double Predicted(const Estimate& e, MeasuredMetric metric) {
  switch (metric) {
    case MeasuredMetric::kStepTime:
      return e.step_time_s;
    case MeasuredMetric::kTflopsPerDevice:
      return e.tflops_per_device;
    case MeasuredMetric::kMfu:
      return e.mfu;
    case MeasuredMetric::kTokensPerS:
      return e.tokens_per_s;
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
  }
  return "";
}

void RunValidate(const ValidateOptions& opt) {
  CsvTable measured = LoadCsvFile(opt.file);
  std::vector<MeasuredRun> runs = ReadMeasuredRuns(measured, opt.file);

  std::vector<Comparison> comparisons;
  for (const MeasuredRun& run : runs) {
    ScenarioResult result;
    try {
      result = RunEngine(run.scenario, EngineByName(opt.engine, "--engine"), false).result;
    } catch (const ConfigError& e) {
      throw ConfigError(fmt::format("{}:{}: {}", opt.file, run.line, e.what()));
    }
    for (const auto& [metric, measured] : run.measured) {
      Comparison c;
      c.run = &run;
      c.metric = metric;
      c.predicted = Predicted(result.estimate, metric);
      c.measured = measured;
      c.error_pct = PercentError(c.predicted, measured);
      c.fits = result.memory.fits;
      comparisons.push_back(c);
    }
  }

  std::vector<double> all;
  std::map<std::string, std::vector<double>> by_metric;
  double signed_sum = 0;
  for (const Comparison& c : comparisons) {
    all.push_back(c.error_pct);
    by_metric[MeasuredMetricName(c.metric)].push_back(c.error_pct);
    signed_sum += c.error_pct;
  }
  const double mape = MeanAbsolutePercentError(all);
  const double mean_error = signed_sum / static_cast<double>(all.size());

  // predicted and measured are in the metric's own unit (step_time_s: seconds, mfu: a
  // fraction, ...); the human table shows them formatted by it.
  Table table;
  table.columns = {
      {"line", Unit::kCount},
      {"label", Unit::kText, "run"},
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
      {"source", Unit::kText, "", Show::kMachineOnly},
  };
  bool any_misfit = false;
  for (const Comparison& c : comparisons) {
    const Scenario& s = c.run->scenario;
    any_misfit = any_misfit || !c.fits;
    table.AddRow({c.run->line, c.run->label, s.model.name, s.hardware.name, s.devices,
                  s.parallel.context, VariantName(s.parallel.variant), s.workload.seq_len,
                  MeasuredMetricName(c.metric), c.predicted, c.measured,
                  Value(c.metric, c.predicted), Value(c.metric, c.measured), c.error_pct, c.fits,
                  c.run->source});
  }
  OutputFormat format = ParseFormat(opt.format);
  if (format == OutputFormat::kJson) {
    nlohmann::json metrics = nlohmann::json::object();
    for (const auto& [name, errors] : by_metric) {
      metrics[name] = {{"comparisons", errors.size()},
                       {"mape_pct", MeanAbsolutePercentError(errors)}};
    }
    nlohmann::json out = {{"file", opt.file},
                          {"engine", opt.engine},
                          {"rows", TableJson(table)},
                          {"summary",
                           {{"comparisons", all.size()},
                            {"mape_pct", mape},
                            {"mean_error_pct", mean_error},
                            {"by_metric", metrics}}}};
    std::cout << out.dump(2) << "\n";
    return;
  }
  if (format == OutputFormat::kCsv) {
    std::cout << RenderCsv(table);
    return;
  }
  std::cout << fmt::format("validate: {} ({} runs, {} engine)\n", opt.file, runs.size(),
                           opt.engine);
  std::cout << RenderText(table);
  std::string per_metric;
  for (const auto& [name, errors] : by_metric) {
    per_metric += fmt::format("{}{} {:.1f}% over {}", per_metric.empty() ? "" : ", ", name,
                              MeanAbsolutePercentError(errors), errors.size());
  }
  std::cout << fmt::format(
      "\nMAPE {:.1f}% over {} comparisons ({}); mean signed error {:+.1f}% ({})\n", mape,
      all.size(), per_metric, mean_error,
      mean_error >= 0 ? "ringsim predicts high" : "ringsim predicts low");
  if (any_misfit) {
    std::cout << "Rows marked 'does not fit' exceed device memory in ringsim's memory model, "
                 "although they were run: the memory model overestimates them.\n";
  }
}

}  // namespace

void AddValidateCommand(CLI::App& app) {
  auto opt = std::make_shared<ValidateOptions>();
  CLI::App* cmd = app.add_subcommand(
      "validate", "Predicted vs measured step time, TFLOPS or MFU for rows of a CSV file");
  cmd->add_option("measured", opt->file,
                  "CSV: a scenario column and/or scenario keys (model, hardware, devices, "
                  "parallel.context, workload.seq_len, ...), plus measured step_time_s, "
                  "tflops_per_device, mfu or tokens_per_s; see validation/README.md")
      ->required();
  cmd->add_option("--engine", opt->engine, "analytical (closed form) or simgrid (replay)")
      ->check(CLI::IsMember({"analytical", "simgrid"}));
  AddFormatOption(cmd, opt->format);
  cmd->callback([opt] { RunValidate(*opt); });
}

}  // namespace ringsim
