#pragma once
// The data behind `ringsim report`'s charts: curves re-derived around one scenario with the
// analytical engine (achieved rate and exposed communication vs block, memory vs context,
// step time vs devices), and the timeline's slices. Plain series, no files and no formats:
// cli/report_page.cc turns them into the page's JSON.

#include <cstdint>
#include <string>
#include <vector>

#include "cli/scenario_report.h"
#include "sim/evaluate.h"
#include "sim/scenario.h"

namespace ringsim {

/// A vertical rule on a chart's x axis (a block size or a sequence length), with its label.
struct ChartMark {
  double x = 0;
  std::string label;
  std::string color;
  bool dashed = false;
};

/// Achieved attention rate and the rate the slowest link keeps fed, by block.
struct FlopsPoint {
  int64_t block_tokens = 0;
  std::string series;
  double tflops = 0;
};
struct FlopsChartData {
  std::vector<FlopsPoint> points;
  double peak_tflops = 0;
  std::vector<ChartMark> marks;  ///< on block_tokens
  std::string subtitle;
};

/// The whole step's exposed communication, by block (seq_len = block x ring).
struct ExposedPoint {
  int64_t block_tokens = 0;
  int64_t seq_len = 0;
  double exposed_comm_s = 0;
  double step_time_s = 0;
  double exposed_pct = 0;
  double step_compute_ms = 0;
  double step_comm_ms = 0;
  bool comm_hidden = false;
};
struct ExposedChartData {
  std::vector<ExposedPoint> points;
  double max_pct = 0;            ///< the y axis' top
  std::vector<ChartMark> marks;  ///< on block_tokens
  std::string subtitle;
};

/// One memory term of one device at one sequence length.
struct MemoryPoint {
  int64_t seq_len = 0;
  std::string term;
  size_t order = 0;  ///< the term's place in the stack
  double gb = 0;
};
struct MemoryChartData {
  std::vector<MemoryPoint> terms;
  std::vector<std::string> term_order;
  double capacity_gb = 0;
  double usable_gb = 0;
  double y_max_gb = 0;
  std::vector<ChartMark> marks;  ///< on seq_len (whole numbers)
  std::string subtitle;
};

/// The same sequence on another number of devices.
struct DevicesPoint {
  int64_t devices = 0;
  int64_t context = 0;
  int64_t fsdp = 0;
  double step_time_s = 0;
  double ideal_step_time_s = 0;
  double mfu_pct = 0;
  double memory_gb = 0;
  std::string status;
  bool current = false;  ///< the reported scenario itself
};
struct DevicesChartData {
  std::vector<DevicesPoint> points;
  std::string subtitle;
};

/// One slice of the timeline, in milliseconds.
struct TimelineSlice {
  std::string row;
  std::string name;
  std::string phase;
  double start_ms = 0;
  double end_ms = 0;
  double dur_ms = 0;
};
struct TimelineData {
  std::string title;
  std::string subtitle;
  std::string source;  ///< "trace" or "phases"
  std::vector<TimelineSlice> events;
  std::vector<std::string> rows;
  size_t phase_count = 0;
  bool truncated = false;
  double span_ms = 0;
};

/// The longest seq_len whose memory fits, a multiple of the layout's unit; 0 if none.
int64_t MaxFittingSeqLen(const Scenario& s);

/// `base` is the analytical engine's result for `s`; the curves are evaluated around it.
FlopsChartData FlopsChart(const Scenario& s, const ScenarioResult& base);
ExposedChartData ExposedChart(const Scenario& s, const ScenarioResult& base);
MemoryChartData MemoryChart(const Scenario& s, const ScenarioResult& base, int64_t max_seq);
DevicesChartData DevicesChart(const Scenario& s, const ScenarioResult& base);

}  // namespace ringsim
