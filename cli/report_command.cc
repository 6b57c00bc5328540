// ringsim report: one self-contained HTML page (works offline) from the output
// of `ringsim simulate --format json` (one object, an array of them, or
// {"results": [...]}) or `ringsim sweep --format json`: the scenario, the verdicts
// (fits, communication hidden, MFU) and five charts. The curves are re-derived around the
// reported scenario with the analytical engine: achieved FLOP rate
// vs block size, exposed communication vs block size, memory per device vs context, step
// time vs devices, and the timeline (from a Perfetto trace when given, else one layer's
// phases). The page shell, its chart specs and the vendored Vega-Lite builds are read from
// reports/ at run time.
//
// The pieces: cli/report_results.h reads the results, their scenario and the trace;
// cli/report_charts.h derives the curves; cli/report_page.h writes the page.

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/report_charts.h"
#include "cli/report_page.h"
#include "cli/report_results.h"
#include "cli/scenario_report.h"
#include "sim/config_error.h"

namespace ringsim {

namespace {

using nlohmann::json;

struct ReportOptions {
  std::string results;
  std::string out;
  std::string trace;
  std::string scenario;
  std::vector<std::string> overrides;
  int64_t index = 0;
};

/// reports/ of the source tree, or $RINGSIM_REPORTS_DIR.
std::string ReportsDir() {
  const char* dir = std::getenv("RINGSIM_REPORTS_DIR");
  if (dir != nullptr && dir[0] != '\0') return dir;
  return std::string(RINGSIM_DATA_DIR) + "/reports";
}

void RunReport(const ReportOptions& opt) {
  // Check the page's ingredients first: a missing npm install should not cost a
  // sweep.
  const ReportAssets assets = LoadReportAssets(ReportsDir());

  std::vector<json> results = ReadReportResults(opt.results);
  if (opt.index < 0 || opt.index >= static_cast<int64_t>(results.size())) {
    throw ConfigError(fmt::format("--index: {} is out of range ({} has {} result{})", opt.index,
                                  opt.results, results.size(), results.size() == 1 ? "" : "s"));
  }
  const json& result = results[opt.index];
  std::string where =
      results.size() == 1 ? opt.results : fmt::format("{}: result {}", opt.results, opt.index);
  if (IsFailedResult(result)) {
    throw ConfigError(
        fmt::format("{}: this configuration failed in the sweep ({}); choose "
                    "another with --index",
                    where, result["sweep_error"].get<std::string>()));
  }
  ScenarioSource src = LoadResultScenario(result, opt.scenario, opt.overrides, where);
  const Scenario& s = src.scenario;
  ScenarioResult base = EvaluateScenario(s);

  ReportPageInput page_input;
  page_input.results_path = opt.results;
  page_input.results = &results;
  page_input.index = opt.index;
  page_input.source = &src;
  double reported = result["step_time_s"];
  double rederived = base.estimate.step_time_s;
  if (result["engine"] == "analytical" && std::abs(rederived / reported - 1) > 1e-3) {
    std::string note = fmt::format(
        "the scenario as loaded now gives a step time of {} where "
        "the result says {}: the file "
        "or ringsim changed since the result was made; the curves "
        "follow the file",
        FormatSeconds(rederived), FormatSeconds(reported));
    std::cerr << "ringsim report: warning: " << note << "\n";
    page_input.notes.push_back(note);
  } else if (result["engine"] != "analytical") {
    page_input.notes.push_back(
        fmt::format("the verdicts are the {} engine's; the curves are the "
                    "analytical engine's (its step time here: {})",
                    EscapeHtml(result["engine"].get<std::string>()), FormatSeconds(rederived)));
  }

  page_input.max_seq_len = MaxFittingSeqLen(s);
  ReportCharts& charts = page_input.charts;
  charts.flops = FlopsChart(s, base);
  charts.exposed = ExposedChart(s, base);
  charts.memory = MemoryChart(s, base, page_input.max_seq_len);
  charts.devices = DevicesChart(s, base);
  page_input.timeline_from_trace = !opt.trace.empty();
  charts.timeline = opt.trace.empty() ? PhaseTimeline(result) : ReadTraceTimeline(opt.trace);

  const std::string page = RenderReportPage(assets, page_input);
  std::ofstream out(opt.out, std::ios::binary);
  if (!out) throw ConfigError(fmt::format("--out {}: cannot write file", opt.out));
  out << page;
  out.close();
  if (!out) throw ConfigError(fmt::format("--out {}: write failed", opt.out));
  std::cerr << fmt::format("ringsim report: wrote {} ({:.0f} KB)\n", opt.out,
                           static_cast<double>(page.size()) / 1e3);
}

}  // namespace

void AddReportCommand(CLI::App& app) {
  auto opt = std::make_shared<ReportOptions>();
  CLI::App* cmd = app.add_subcommand("report",
                                     "One self-contained HTML page (verdicts and "
                                     "charts) from simulate results");
  cmd->add_option("results", opt->results,
                  "JSON from ringsim simulate --format json (an object or an "
                  "array of them)")
      ->required();
  cmd->add_option("--out", opt->out, "HTML file to write")->required();
  cmd->add_option("--trace", opt->trace,
                  "Perfetto trace from simulate --engine simgrid --trace, "
                  "drawn as the timeline");
  cmd->add_option("--scenario", opt->scenario,
                  "Scenario YAML the result came from (default: the result's "
                  "scenario_file, "
                  "else scenarios/NAME.yaml)");
  cmd->add_option("--set", opt->overrides,
                  "Override a key of --scenario, as given to simulate (repeatable)");
  cmd->add_option("--index", opt->index, "Which result of an array to chart (default 0)");
  cmd->callback([opt] { RunReport(*opt); });
}

}  // namespace ringsim
