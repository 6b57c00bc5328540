// ringsim simulate: one scenario through an engine; prints the fields README.md "Usage" lists.

#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/option_values.h"
#include "cli/output_format.h"
#include "cli/run_engine.h"
#include "cli/scenario_report.h"
#include "io/scenario_loader.h"
#include "io/trace_writer.h"
#include "sim/config_error.h"

namespace ringsim {

namespace {

struct SimulateOptions {
  std::string scenario;
  std::string engine = "analytical";
  std::vector<std::string> overrides;
  std::string trace;
  std::string format = "table";
};

void RunSimulate(const SimulateOptions& opt) {
  Scenario scenario = LoadScenario(opt.scenario, opt.overrides);
  const EngineKind engine = EngineByName(opt.engine, "--engine");
  const std::string ignored = IgnoredWhatIfs(scenario, engine);
  if (!ignored.empty()) std::fprintf(stderr, "ringsim: %s\n", ignored.c_str());
  const EngineOutput run = RunEngine(scenario, engine, !opt.trace.empty());
  const ScenarioResult& result = run.result;
  if (!opt.trace.empty()) {
    std::ofstream out(opt.trace);
    if (!out) throw ConfigError(fmt::format("--trace {}: cannot write file", opt.trace));
    WriteChromeTrace(result.trace, out);
    out.close();
    if (!out) throw ConfigError(fmt::format("--trace {}: write failed", opt.trace));
  }
  Table table = ResultTable();
  AddResultRow(table, scenario, result, run.engine_details);
  PrintInFormat(
      opt.format, table, [&] { return RowJson(table, 0); },
      [&] { return ResultToText(scenario, result, &run.engine_details); });
}

}  // namespace

void AddSimulateCommand(CLI::App& app) {
  auto opt = std::make_shared<SimulateOptions>();
  CLI::App* cmd =
      app.add_subcommand("simulate", "Step time, TFLOPS, MFU, memory and overlap of one scenario");
  cmd->add_option("scenario", opt->scenario, "Scenario YAML (see scenarios/)")->required();
  cmd->add_option("--engine", opt->engine, "analytical (closed form) or simgrid (replay)")
      ->check(CLI::IsMember({"analytical", "simgrid"}));
  cmd->add_option("--set", opt->overrides,
                  "Override a scenario key, e.g. --set workload.seq_len=131072 (repeatable)");
  cmd->add_option("--trace", opt->trace, "Write a Perfetto/Chrome trace (JSON) to this file");
  AddFormatOption(cmd, opt->format);
  cmd->callback([opt] { RunSimulate(*opt); });
}

}  // namespace ringsim
