#pragma once
// The page of `ringsim report`: one self-contained HTML file (works offline) built from the
// page shell, chart script and vendored Vega-Lite builds of reports/, the verdicts and tables
// as HTML, and the result and chart series as the JSON the chart specs draw.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/report_charts.h"
#include "cli/report_results.h"

namespace ringsim {

/// What the page is assembled from, read from reports/ (page_shell.html, render.js,
/// scenario_report.js, node_modules/ with Vega, Vega-Lite and vega-embed).
struct ReportAssets {
  std::string shell;
  std::string libs;    ///< the vendored libraries as inline <script> elements
  std::string script;  ///< the page's own scripts as inline <script> elements
};

/// A ConfigError saying how to get them when the vendored libraries are missing.
ReportAssets LoadReportAssets(const std::string& reports_dir);

struct ReportCharts {
  FlopsChartData flops;
  ExposedChartData exposed;
  MemoryChartData memory;
  DevicesChartData devices;
  TimelineData timeline;
};

/// Everything the page shows.
struct ReportPageInput {
  std::string results_path;
  const std::vector<nlohmann::json>* results = nullptr;
  int64_t index = 0;  ///< the result charted
  const ScenarioSource* source = nullptr;
  int64_t max_seq_len = 0;  ///< longest context that fits (MaxFittingSeqLen)
  std::vector<std::string> notes;
  ReportCharts charts;
  bool timeline_from_trace = false;
};

std::string RenderReportPage(const ReportAssets& assets, const ReportPageInput& input);

/// `text` with &, <, > and " escaped for HTML.
std::string EscapeHtml(const std::string& text);

}  // namespace ringsim
