#include "cli/report_charts.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "cli/format.h"
#include "sim/memory_model.h"
#include "sim/overlap.h"
#include "sim/schedule.h"

namespace ringsim {

namespace {

/// Powers of two from `lo` to `hi` (both rounded to powers of two), plus
/// `extra` values inside [lo, hi], sorted and unique.
std::vector<int64_t> Pow2Grid(int64_t lo, int64_t hi, std::vector<int64_t> extra = {}) {
  std::set<int64_t> grid;
  int64_t p = 1;
  while (p < lo) p *= 2;
  for (; p <= hi; p *= 2) grid.insert(p);
  for (int64_t x : extra) {
    if (x >= lo && x <= hi) grid.insert(x);
  }
  return {grid.begin(), grid.end()};
}

int64_t Pow2Floor(double x) {
  int64_t p = 1;
  while (static_cast<double>(p) * 2 <= x) p *= 2;
  return p;
}

/// The block markers: the paper's F/B, the calibrated fixed point, this plan's
/// block.
std::vector<ChartMark> BlockMarkers(const OverlapVerdict& o) {
  std::vector<ChartMark> marks;
  auto add = [&](double x, const std::string& label, const char* color, bool dashed) {
    if (x <= 0) return;
    marks.push_back({x, label, color, dashed});
  };
  add(static_cast<double>(o.ring_block_tokens),
      "this plan: " + FormatTokens(static_cast<double>(o.ring_block_tokens)), "#1f2328", false);
  add(o.min_block_paper, "F/B (paper): " + FormatTokens(o.min_block_paper), "#cf222e", true);
  add(o.min_block_calibrated, "c* (achieved rate): " + FormatTokens(o.min_block_calibrated),
      "#8250df", true);
  return marks;
}

/// A copy of `s` with `seq_len`, keeping the kernel block when it still
/// divides.
Scenario WithSeqLen(Scenario s, int64_t seq_len) {
  s.workload.seq_len = seq_len;
  int64_t tokens = s.TokensPerDevice();
  if (s.kernel_block_tokens > 0 &&
      (s.kernel_block_tokens > tokens || tokens % s.kernel_block_tokens != 0)) {
    s.kernel_block_tokens = 0;
  }
  return s;
}

}  // namespace

/// The achieved attention rate F_eff(c), and the rate at which the slowest link
/// delivers K,V fast enough: 4*c^2*h / transfer(c). Compute hides the transfer
/// where the first is below the second; they cross at the calibrated minimal
/// block.
FlopsChartData FlopsChart(const Scenario& s, const ScenarioResult& base) {
  OverlapInputs in = ScenarioOverlapInputs(s);
  const OverlapVerdict& o = base.overlap;
  double top = std::max({4.0 * static_cast<double>(o.ring_block_tokens), 4.0 * o.min_block_paper,
                         4.0 * o.min_block_calibrated, 8192.0});
  FlopsChartData chart;
  for (int64_t c : Pow2Grid(64, static_cast<int64_t>(top), {o.ring_block_tokens})) {
    double cd = static_cast<double>(c);
    double flops = 4.0 * cd * cd * in.attention_width;
    chart.points.push_back(
        {c, "attention kernel achieves (F_eff)", flops / StepComputeTime(in, cd) / 1e12});
    chart.points.push_back({c, "rate the slowest link keeps fed (4c²h / transfer)",
                            flops / StepCommTime(in, cd) / 1e12});
  }
  chart.peak_tflops = in.peak_flops_per_s / 1e12;
  chart.marks = BlockMarkers(o);
  chart.subtitle = fmt::format("{}, {}, slowest ring link {:.0f} GB/s", s.hardware.name,
                               PrecisionName(s.workload.precision), in.link_bw_bytes_per_s / 1e9);
  return chart;
}

/// Exposed communication of the whole step as the block (tokens per device)
/// varies with seq_len at this ring size.
ExposedChartData ExposedChart(const Scenario& s, const ScenarioResult& base) {
  const OverlapVerdict& o = base.overlap;
  int64_t unit = s.parallel.variant == RingVariant::kZigzag ? 2 : 1;
  double smallest = std::min({static_cast<double>(o.ring_block_tokens) / 64, o.min_block_paper / 8,
                              o.min_block_calibrated > 0 ? o.min_block_calibrated / 8 : 1e18});
  int64_t lo = std::max<int64_t>(16, Pow2Floor(smallest));
  ExposedChartData chart;
  double max_pct = 0;
  for (int64_t c : Pow2Grid(lo, 4 * o.ring_block_tokens, {o.ring_block_tokens})) {
    if (c % unit != 0) continue;
    Scenario v = WithSeqLen(s, c * s.parallel.context);
    if (!ScenarioProblem(v).ok()) continue;
    ScenarioResult r = EvaluateScenario(v);
    double pct = 100.0 * r.estimate.exposed_comm_time_s / r.estimate.step_time_s;
    max_pct = std::max(max_pct, pct);
    chart.points.push_back({c, v.workload.seq_len, r.estimate.exposed_comm_time_s,
                            r.estimate.step_time_s, pct, r.overlap.step_compute_s * 1e3,
                            r.overlap.step_comm_s * 1e3, r.overlap.comm_hidden});
  }
  chart.max_pct = max_pct * 1.1;
  chart.marks = BlockMarkers(o);
  chart.subtitle = fmt::format(
      "whole step, analytical engine, ring of {} ({}); seq_len = "
      "c x {} varies",
      s.parallel.context, VariantName(s.parallel.variant), s.parallel.context);
  return chart;
}

int64_t MaxFittingSeqLen(const Scenario& s) {
  int64_t unit = s.parallel.context * (s.parallel.variant == RingVariant::kZigzag ? 2 : 1);
  Scenario v = s;
  v.kernel_block_tokens = 0;
  auto fits = [&](int64_t k) {
    v.workload.seq_len = k * unit;
    return DeviceMemory(v).fits;
  };
  if (!fits(1)) return 0;
  const int64_t cap = (int64_t{1} << 42) / unit;
  int64_t lo = 1, hi = 2;
  while (fits(hi)) {
    lo = hi;
    if (hi >= cap) return lo * unit;
    hi *= 2;
  }
  while (hi - lo > 1) {
    int64_t mid = lo + (hi - lo) / 2;
    (fits(mid) ? lo : hi) = mid;
  }
  return lo * unit;
}

MemoryChartData MemoryChart(const Scenario& s, const ScenarioResult& base, int64_t max_seq) {
  const int64_t ctx = s.parallel.context;
  const int64_t unit = s.parallel.variant == RingVariant::kZigzag ? 2 : 1;
  const int64_t tokens = s.TokensPerDevice();
  int64_t t_hi = std::max<int64_t>(4 * tokens, 2 * (max_seq / ctx));
  t_hi = std::min<int64_t>(t_hi, tokens * 1024);
  int64_t t_lo = std::max<int64_t>(unit, Pow2Floor(static_cast<double>(tokens) / 16));
  std::vector<int64_t> extra = {tokens};
  if (max_seq > 0) extra.push_back(max_seq / ctx);
  MemoryChartData chart;
  chart.term_order = {
      "ring buffers (Q, O, K,V)", "weights",           "gradients",         "optimizer state",
      "FSDP gathered layers",     "saved activations", "layer working set", "logits"};
  const std::vector<std::string>& terms = chart.term_order;
  for (int64_t t : Pow2Grid(t_lo, t_hi, extra)) {
    if (t % unit != 0) continue;
    MemoryBreakdown m = DeviceMemory(WithSeqLen(s, t * ctx));
    const double values[] = {m.attention_buffers_bytes, m.weights_bytes,      m.gradients_bytes,
                             m.optimizer_bytes,         m.fsdp_working_bytes, m.checkpoint_bytes,
                             m.layer_working_bytes,     m.logits_bytes};
    for (size_t i = 0; i < terms.size(); ++i) {
      chart.terms.push_back({t * ctx, terms[i], i, values[i] / 1e9});
    }
  }
  chart.marks.push_back({static_cast<double>(s.workload.seq_len),
                         "this plan: " + FormatTokens(static_cast<double>(s.workload.seq_len)),
                         "#1f2328", false});
  if (max_seq > 0) {
    chart.marks.push_back({static_cast<double>(max_seq),
                           "longest that fits: " + FormatTokens(static_cast<double>(max_seq)),
                           "#1a7f37", true});
  }
  const MemoryBreakdown& m = base.memory;
  chart.capacity_gb = m.capacity_bytes / 1e9;
  chart.usable_gb = m.usable_bytes / 1e9;
  chart.y_max_gb = std::max(1.5 * m.capacity_bytes, 1.15 * m.total_bytes) / 1e9;
  chart.subtitle =
      fmt::format("{} devices of {}, FSDP {}, tensor {}, {} checkpointing, {} loss, {}", s.devices,
                  s.hardware.name, s.parallel.fsdp, s.parallel.tensor,
                  CheckpointingName(s.workload.checkpointing), LossName(s.workload.loss),
                  PrecisionName(s.workload.precision));
  return chart;
}

/// Strong scaling: the same sequence on 1/8x to 8x the devices, the ring (and
/// FSDP, when it spans every device) growing with them.
DevicesChartData DevicesChart(const Scenario& s, const ScenarioResult& base) {
  DevicesChartData chart;
  for (int k = -3; k <= 3; ++k) {
    Scenario v = s;
    if (k < 0) {
      int64_t f = int64_t{1} << -k;
      if (s.devices % f != 0 || s.parallel.context % f != 0) continue;
      v.devices = s.devices / f;
      v.parallel.context = s.parallel.context / f;
    } else {
      int64_t f = int64_t{1} << k;
      v.devices = s.devices * f;
      v.parallel.context = s.parallel.context * f;
    }
    // The engine's ring pass is O(N^2): stop at 4x the devices or 2048, whichever is more.
    if (v.devices > std::max<int64_t>(4 * s.devices, 2048)) continue;
    if (s.parallel.fsdp == s.devices) v.parallel.fsdp = v.devices;
    if (v.parallel.fsdp > v.devices) continue;
    v = WithSeqLen(v, v.workload.seq_len);
    if (!ScenarioProblem(v).ok()) continue;
    ScenarioResult r = k == 0 ? base : EvaluateScenario(v);
    double ideal =
        base.estimate.step_time_s * static_cast<double>(s.devices) / static_cast<double>(v.devices);
    const char* status = !r.memory.fits          ? "does not fit"
                         : r.overlap.comm_hidden ? "fits, comm hidden"
                                                 : "fits, comm exposed";
    chart.points.push_back({v.devices, v.parallel.context, v.parallel.fsdp, r.estimate.step_time_s,
                            ideal, r.estimate.mfu * 100, r.memory.total_bytes / 1e9, status,
                            k == 0});
  }
  chart.subtitle = fmt::format("{} fixed; dashed: linear scaling from this plan",
                               FormatTokens(static_cast<double>(s.workload.seq_len)));
  return chart;
}

}  // namespace ringsim
