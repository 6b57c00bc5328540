// ringsim report: one self-contained HTML page (works offline) from the output
// of `ringsim simulate --format json` (one object, an array of them, or
// {"results": [...]}): the scenario, the verdicts (fits, communication hidden,
// MFU) and five charts. The curves are re-derived around the reported scenario
// with the analytical engine, from ScenarioResult structs (STYLE.md convention
// 12): achieved FLOP rate vs block size, exposed communication vs block size,
// memory per device vs context, step time vs devices, and the timeline (from a
// Perfetto trace when given, else one layer's phases). The page shell, its
// chart specs and the vendored Vega-Lite builds are read from reports/ at run
// time.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/scenario_report.h"
#include "io/scenario_loader.h"
#include "sim/config_error.h"
#include "sim/memory_model.h"
#include "sim/overlap.h"
#include "sim/ring_links.h"
#include "sim/schedule.h"

namespace ringsim {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct ReportOptions {
  std::string results;
  std::string out;
  std::string trace;
  std::string scenario;
  std::vector<std::string> overrides;
  int64_t index = 0;
};

/// The vendored charting libraries, in load order (reports/package.json pins
/// them).
const char* const kVendorScripts[] = {
    "node_modules/vega/build/vega.min.js",
    "node_modules/vega-lite/build/vega-lite.min.js",
    "node_modules/vega-embed/build/vega-embed.min.js",
};

/// More trace slices than this are cut (the earliest are kept) to keep the page
/// light.
constexpr size_t kMaxTimelineEvents = 40000;

// ---------------------------------------------------------------- files

/// reports/ of the source tree, or $RINGSIM_REPORTS_DIR.
std::string ReportsDir() {
  const char* dir = std::getenv("RINGSIM_REPORTS_DIR");
  if (dir != nullptr && dir[0] != '\0') return dir;
  return std::string(RINGSIM_DATA_DIR) + "/reports";
}

std::string ReadFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(fmt::format("{}: cannot open {}", path, what));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

json ParseJsonFile(const std::string& path, const std::string& what) {
  std::string text = ReadFile(path, what);
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    // nlohmann says "[json.exception.parse_error.101] parse error at line 3,
    // column 5: ...".
    std::string message = e.what();
    size_t at = message.find("parse error");
    throw ConfigError(fmt::format("{}: not valid JSON: {}", path,
                                  at == std::string::npos ? message : message.substr(at)));
  }
}

// ---------------------------------------------------------------- results

/// The fields a result must have (the DESIGN.md contract of simulate --format
/// json).
const char* const kRequiredFields[] = {"scenario",
                                       "engine",
                                       "model",
                                       "hardware",
                                       "devices",
                                       "context",
                                       "variant",
                                       "seq_len",
                                       "scope",
                                       "pass",
                                       "step_time_s",
                                       "compute_time_s",
                                       "exposed_comm_time_s",
                                       "tflops_per_device",
                                       "mfu",
                                       "tokens_per_s",
                                       "peak_memory_bytes",
                                       "memory_capacity_bytes",
                                       "fits",
                                       "overlap",
                                       "memory",
                                       "phases"};

/// A `ringsim sweep --format json` entry, {index, vary, error, result}, as a result with its
/// varied keys kept as "sweep_vary" ("key=value" overrides); a failed configuration as
/// {"sweep_error": ...}. Anything else is returned as it is.
json FromSweepEntry(const json& entry) {
  if (!entry.is_object() || !entry.contains("vary") || !entry.contains("result")) return entry;
  if (!entry["result"].is_object()) {
    json error = entry.value("error", json("no result"));
    return {{"sweep_error", error.is_string() ? error.get<std::string>() : error.dump()}};
  }
  json result = entry["result"];
  json vary = json::array();
  if (entry["vary"].is_object()) {
    for (auto it = entry["vary"].begin(); it != entry["vary"].end(); ++it) {
      vary.push_back(it.key() + "=" +
                     (it.value().is_string() ? it.value().get<std::string>() : it.value().dump()));
    }
  }
  result["sweep_vary"] = vary;
  return result;
}

bool Failed(const json& result) { return result.contains("sweep_error"); }

std::vector<json> ReadResults(const std::string& path) {
  json doc = ParseJsonFile(path, "results file");
  if (doc.is_object() && doc.contains("results")) doc = doc["results"];
  std::vector<json> results;
  if (doc.is_object()) {
    results.push_back(FromSweepEntry(doc));
  } else if (doc.is_array()) {
    for (const json& r : doc) results.push_back(FromSweepEntry(r));
  }
  if (results.empty()) {
    throw ConfigError(
        fmt::format("{}: expected a result object or an array of "
                    "them (ringsim simulate --format json)",
                    path));
  }
  for (size_t i = 0; i < results.size(); ++i) {
    std::string where = results.size() == 1 ? path : fmt::format("{}: result {}", path, i);
    if (!results[i].is_object()) throw ConfigError(where + ": expected a JSON object");
    if (Failed(results[i])) continue;
    for (const char* field : kRequiredFields) {
      if (!results[i].contains(field)) {
        throw ConfigError(
            fmt::format("{}: missing field '{}' (expected the output of "
                        "ringsim simulate --format json)",
                        where, field));
      }
    }
    for (const char* field :
         {"block_tokens", "min_block_paper", "min_block_calibrated", "comm_hidden"}) {
      if (!results[i]["overlap"].contains(field)) {
        throw ConfigError(fmt::format("{}: missing field 'overlap.{}'", where, field));
      }
    }
  }
  return results;
}

// ---------------------------------------------------------------- the scenario

/// Where the scenario of `result` comes from, and the scenario.
struct ScenarioSource {
  Scenario scenario;
  std::string file;
  std::vector<std::string> overrides;
};

std::string FindScenarioFile(const json& result, const std::string& where) {
  if (result.contains("scenario_file") && result["scenario_file"].is_string()) {
    std::string file = result["scenario_file"];
    if (fs::exists(file)) return file;
    std::string in_tree = std::string(RINGSIM_DATA_DIR) + "/" + file;
    if (fs::exists(in_tree)) return in_tree;
    throw ConfigError(
        fmt::format("{}: scenario file '{}' not found; pass "
                    "--scenario FILE [--set key=value]...",
                    where, file));
  }
  std::string name = result["scenario"].get<std::string>();
  for (const std::string& dir :
       {std::string("scenarios"), std::string(RINGSIM_DATA_DIR) + "/scenarios"}) {
    std::string file = dir + "/" + name + ".yaml";
    if (fs::exists(file)) return file;
  }
  throw ConfigError(
      fmt::format("{}: result of scenario '{}' does not say which file it came "
                  "from and scenarios/{}.yaml "
                  "does not exist; pass --scenario FILE [--set key=value]...",
                  where, name, name));
}

// The result's recorded keys must match the scenario the curves are derived
// from.
void CheckSameScenario(const json& r, const Scenario& s, const std::string& where,
                       const std::string& file) {
  auto check = [&](const char* field, const json& ours, const char* key) {
    if (r[field] == ours) return;
    throw ConfigError(
        fmt::format("{}: result has {} {} but {} gives {}; pass --scenario {} --set {}={} "
                    "(and any other "
                    "--set the result was simulated with)",
                    where, field, r[field].dump(), file, ours.dump(), file, key,
                    r[field].is_string() ? r[field].get<std::string>() : r[field].dump()));
  };
  check("model", s.model.name, "model");
  check("hardware", s.hardware.name, "hardware");
  check("devices", s.devices, "devices");
  check("context", s.parallel.context, "parallel.context");
  check("variant", VariantName(s.parallel.variant), "parallel.variant");
  check("seq_len", s.workload.seq_len, "workload.seq_len");
  check("scope", ScopeName(s.workload.scope), "workload.scope");
  check("pass", PassName(s.workload.pass), "workload.pass");
}

ScenarioSource LoadResultScenario(const json& result, const ReportOptions& opt,
                                  const std::string& where) {
  ScenarioSource source;
  if (!opt.scenario.empty()) {
    source.file = opt.scenario;
    source.overrides = opt.overrides;
  } else {
    if (!opt.overrides.empty()) {
      throw ConfigError("--set: needs --scenario FILE (the overrides apply to that file)");
    }
    source.file = FindScenarioFile(result, where);
    if (result.contains("overrides") && result["overrides"].is_array()) {
      for (const json& o : result["overrides"]) source.overrides.push_back(o.get<std::string>());
    }
  }
  // A sweep's varied keys apply on top (once: a recorded override list may hold them).
  if (result.contains("sweep_vary")) {
    for (const json& o : result["sweep_vary"]) {
      std::string assignment = o.get<std::string>();
      if (std::find(source.overrides.begin(), source.overrides.end(), assignment) ==
          source.overrides.end()) {
        source.overrides.push_back(assignment);
      }
    }
  }
  source.scenario = LoadScenario(source.file, source.overrides);
  CheckSameScenario(result, source.scenario, where, source.file);
  return source;
}

// ---------------------------------------------------------------- curves

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

json Marker(double x, const std::string& label, const char* color, bool dashed) {
  return {{"x", x},
          {"label", label},
          {"color", color},
          {"dash", dashed ? json::array({5, 3}) : json::array({1, 0})}};
}

/// The block markers: the paper's F/B, the calibrated fixed point, this plan's
/// block.
json BlockMarkers(const OverlapVerdict& o, const std::string& field) {
  json marks = json::array();
  auto add = [&](double x, const std::string& label, const char* color, bool dashed) {
    if (x <= 0) return;
    json m = Marker(x, label, color, dashed);
    m[field] = x;
    marks.push_back(m);
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

/// The achieved attention rate F_eff(c), and the rate at which the slowest link
/// delivers K,V fast enough: 4*c^2*h / transfer(c). Compute hides the transfer
/// where the first is below the second; they cross at the calibrated minimal
/// block.
json FlopsChart(const Scenario& s, const ScenarioResult& base) {
  OverlapInputs in = ScenarioOverlapInputs(s);
  const OverlapVerdict& o = base.overlap;
  double top = std::max({4.0 * static_cast<double>(o.ring_block_tokens), 4.0 * o.min_block_paper,
                         4.0 * o.min_block_calibrated, 8192.0});
  json points = json::array();
  for (int64_t c : Pow2Grid(64, static_cast<int64_t>(top), {o.ring_block_tokens})) {
    double cd = static_cast<double>(c);
    double flops = 4.0 * cd * cd * in.attention_width;
    points.push_back({{"block_tokens", c},
                      {"series", "attention kernel achieves (F_eff)"},
                      {"tflops", flops / StepComputeTime(in, cd) / 1e12}});
    points.push_back({{"block_tokens", c},
                      {"series", "rate the slowest link keeps fed (4c²h / transfer)"},
                      {"tflops", flops / StepCommTime(in, cd) / 1e12}});
  }
  return {
      {"points", points},
      {"peak_tflops", in.peak_flops_per_s / 1e12},
      {"marks", BlockMarkers(o, "block_tokens")},
      {"subtitle", fmt::format("{}, {}, slowest ring link {:.0f} GB/s", s.hardware.name,
                               PrecisionName(s.workload.precision), in.link_bw_bytes_per_s / 1e9)}};
}

/// Exposed communication of the whole step as the block (tokens per device)
/// varies with seq_len at this ring size.
json ExposedChart(const Scenario& s, const ScenarioResult& base) {
  const OverlapVerdict& o = base.overlap;
  int64_t unit = s.parallel.variant == RingVariant::kZigzag ? 2 : 1;
  double smallest = std::min({static_cast<double>(o.ring_block_tokens) / 64, o.min_block_paper / 8,
                              o.min_block_calibrated > 0 ? o.min_block_calibrated / 8 : 1e18});
  int64_t lo = std::max<int64_t>(16, Pow2Floor(smallest));
  json points = json::array();
  double max_pct = 0;
  for (int64_t c : Pow2Grid(lo, 4 * o.ring_block_tokens, {o.ring_block_tokens})) {
    if (c % unit != 0) continue;
    Scenario v = WithSeqLen(s, c * s.parallel.context);
    if (!ScenarioProblem(v).ok()) continue;
    ScenarioResult r = EvaluateScenario(v);
    double pct = 100.0 * r.estimate.exposed_comm_time_s / r.estimate.step_time_s;
    max_pct = std::max(max_pct, pct);
    points.push_back({{"block_tokens", c},
                      {"seq_len", v.workload.seq_len},
                      {"exposed_comm_s", r.estimate.exposed_comm_time_s},
                      {"step_time_s", r.estimate.step_time_s},
                      {"exposed_pct", pct},
                      {"step_compute_ms", r.overlap.step_compute_s * 1e3},
                      {"step_comm_ms", r.overlap.step_comm_s * 1e3},
                      {"comm_hidden", r.overlap.comm_hidden}});
  }
  return {{"points", points},
          {"max_pct", max_pct * 1.1},
          {"marks", BlockMarkers(o, "block_tokens")},
          {"subtitle",
           fmt::format("whole step, analytical engine, ring of {} ({}); seq_len = "
                       "c x {} varies",
                       s.parallel.context, VariantName(s.parallel.variant), s.parallel.context)}};
}

/// The longest seq_len whose memory fits, a multiple of the layout's unit; 0 if
/// none.
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

json MemoryChart(const Scenario& s, const ScenarioResult& base, int64_t max_seq) {
  const int64_t ctx = s.parallel.context;
  const int64_t unit = s.parallel.variant == RingVariant::kZigzag ? 2 : 1;
  const int64_t tokens = s.TokensPerDevice();
  int64_t t_hi = std::max<int64_t>(4 * tokens, 2 * (max_seq / ctx));
  t_hi = std::min<int64_t>(t_hi, tokens * 1024);
  int64_t t_lo = std::max<int64_t>(unit, Pow2Floor(static_cast<double>(tokens) / 16));
  std::vector<int64_t> extra = {tokens};
  if (max_seq > 0) extra.push_back(max_seq / ctx);
  const std::vector<std::string> terms = {"ring buffers (6 blocks)",
                                          "weights",
                                          "gradients",
                                          "optimizer state",
                                          "FSDP gathered layers",
                                          "checkpointed inputs",
                                          "layer working set",
                                          "logits"};
  json points = json::array();
  for (int64_t t : Pow2Grid(t_lo, t_hi, extra)) {
    if (t % unit != 0) continue;
    MemoryBreakdown m = DeviceMemory(WithSeqLen(s, t * ctx));
    const double values[] = {m.attention_buffers_bytes, m.weights_bytes,      m.gradients_bytes,
                             m.optimizer_bytes,         m.fsdp_working_bytes, m.checkpoint_bytes,
                             m.layer_working_bytes,     m.logits_bytes};
    for (size_t i = 0; i < terms.size(); ++i) {
      points.push_back(
          {{"seq_len", t * ctx}, {"term", terms[i]}, {"order", i}, {"gb", values[i] / 1e9}});
    }
  }
  json marks = json::array();
  json here = Marker(static_cast<double>(s.workload.seq_len),
                     "this plan: " + FormatTokens(static_cast<double>(s.workload.seq_len)),
                     "#1f2328", false);
  here["seq_len"] = s.workload.seq_len;
  marks.push_back(here);
  if (max_seq > 0) {
    json most =
        Marker(static_cast<double>(max_seq),
               "longest that fits: " + FormatTokens(static_cast<double>(max_seq)), "#1a7f37", true);
    most["seq_len"] = max_seq;
    marks.push_back(most);
  }
  const MemoryBreakdown& m = base.memory;
  double y_max = std::max(1.5 * m.capacity_bytes, 1.15 * m.total_bytes) / 1e9;
  return {{"terms", points},
          {"term_order", terms},
          {"capacity_gb", m.capacity_bytes / 1e9},
          {"usable_gb", m.usable_bytes / 1e9},
          {"y_max_gb", y_max},
          {"marks", marks},
          {"subtitle", fmt::format("{} devices of {}, FSDP {}, tensor {}, {} checkpointing, {}",
                                   s.devices, s.hardware.name, s.parallel.fsdp, s.parallel.tensor,
                                   s.workload.checkpointing == Checkpointing::kFull ? "full" : "no",
                                   PrecisionName(s.workload.precision))}};
}

/// Strong scaling: the same sequence on 1/8x to 8x the devices, the ring (and
/// FSDP, when it spans every device) growing with them.
json DevicesChart(const Scenario& s, const ScenarioResult& base) {
  json points = json::array();
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
    points.push_back({{"devices", v.devices},
                      {"context", v.parallel.context},
                      {"fsdp", v.parallel.fsdp},
                      {"step_time_s", r.estimate.step_time_s},
                      {"ideal_step_time_s", ideal},
                      {"mfu_pct", r.estimate.mfu * 100},
                      {"memory_gb", r.memory.total_bytes / 1e9},
                      {"status", status},
                      {"current", k == 0}});
  }
  return {{"points", points},
          {"subtitle", fmt::format("{} fixed; dashed: linear scaling from this plan",
                                   FormatTokens(static_cast<double>(s.workload.seq_len)))}};
}

/// The timeline from a Perfetto/Chrome trace: one row per device track.
json TraceTimeline(const std::string& path) {
  json doc = ParseJsonFile(path, "trace");
  const json& events = doc.is_array() ? doc : doc.value("traceEvents", json::array());
  if (!events.is_array()) throw ConfigError(path + ": traceEvents: expected an array");
  std::map<int64_t, std::string> processes;
  std::map<std::pair<int64_t, int64_t>, std::string> threads;
  std::vector<const json*> slices;
  for (const json& e : events) {
    if (!e.is_object()) continue;
    std::string ph = e.value("ph", "");
    int64_t pid = e.value("pid", int64_t{0});
    int64_t tid = e.value("tid", int64_t{0});
    if (ph == "M" && e.contains("args") && e["args"].contains("name")) {
      std::string name = e["args"]["name"].get<std::string>();
      if (e.value("name", "") == "process_name") processes[pid] = name;
      if (e.value("name", "") == "thread_name") threads[{pid, tid}] = name;
    } else if (ph == "X" && e.contains("ts") && e.contains("dur")) {
      slices.push_back(&e);
    }
  }
  if (slices.empty()) {
    throw ConfigError(path +
                      ": no complete slices (\"ph\": \"X\") to draw; is it a ringsim "
                      "--trace file?");
  }
  std::stable_sort(slices.begin(), slices.end(), [](const json* a, const json* b) {
    return (*a)["ts"].get<double>() < (*b)["ts"].get<double>();
  });
  size_t total = slices.size();
  bool truncated = total > kMaxTimelineEvents;
  if (truncated) slices.resize(kMaxTimelineEvents);
  std::map<std::pair<int64_t, int64_t>, std::string> rows;
  std::set<std::string> phases;
  json out = json::array();
  double span_ms = 0;
  for (const json* e : slices) {
    int64_t pid = e->value("pid", int64_t{0});
    int64_t tid = e->value("tid", int64_t{0});
    auto key = std::make_pair(pid, tid);
    if (!rows.count(key)) {
      std::string process = processes.count(pid) ? processes[pid] : fmt::format("pid {}", pid);
      std::string thread = threads.count(key) ? threads[key] : fmt::format("tid {}", tid);
      rows[key] = process + " · " + thread;
    }
    std::string name = e->value("name", "");
    std::string phase = name.substr(0, name.find(' '));
    phases.insert(phase);
    // Trace times are microseconds (STYLE.md convention 12); the chart shows
    // milliseconds.
    double start_ms = (*e)["ts"].get<double>() / 1e3;
    double dur_ms = (*e)["dur"].get<double>() / 1e3;
    span_ms = std::max(span_ms, start_ms + dur_ms);
    out.push_back({{"row", rows[key]},
                   {"name", name},
                   {"phase", phase},
                   {"start_ms", start_ms},
                   {"end_ms", start_ms + dur_ms},
                   {"dur_ms", dur_ms}});
  }
  json row_names = json::array();
  for (const auto& [key, name] : rows) row_names.push_back(name);
  std::string subtitle = fmt::format("{}: {} slices on {} tracks", path, total, rows.size());
  if (truncated) subtitle += fmt::format(" (the first {} drawn)", kMaxTimelineEvents);
  subtitle += "; drag or scroll to zoom";
  return {{"title", "Timeline (from the trace)"},
          {"subtitle", subtitle},
          {"source", "trace"},
          {"events", out},
          {"rows", row_names},
          {"phase_count", phases.size()},
          {"truncated", truncated},
          {"span_ms", span_ms}};
}

/// Without a trace: one layer's phases on the slowest device, end to end, one
/// row per kind.
json PhaseTimeline(const json& result) {
  json out = json::array();
  std::vector<std::string> rows;
  double t = 0;
  for (const json& p : result["phases"]) {
    std::string kind = p.value("kind", "");
    if (std::find(rows.begin(), rows.end(), kind) == rows.end()) rows.push_back(kind);
    double dur_ms = p.value("time_s", 0.0) * 1e3;
    out.push_back({{"row", kind},
                   {"name", p.value("name", "")},
                   {"phase", p.value("name", "")},
                   {"start_ms", t},
                   {"end_ms", t + dur_ms},
                   {"dur_ms", dur_ms}});
    t += dur_ms;
  }
  return {{"title", "One layer's phases (slowest device)"},
          {"subtitle",
           "each phase's time placed end to end (phases that "
           "overlap in the run are "
           "not shown overlapping); pass --trace from simulate "
           "--engine simgrid for "
           "the full timeline"},
          {"source", "phases"},
          {"events", out},
          {"rows", rows},
          {"phase_count", out.size()},
          {"truncated", false},
          {"span_ms", t}};
}

// ---------------------------------------------------------------- HTML

std::string Escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

std::string Percent(double fraction) { return fmt::format("{:.1f}%", fraction * 100); }

std::string Card(const char* cls, const std::string& label, const std::string& value,
                 const std::vector<std::string>& lines, const std::string& id) {
  std::string html = fmt::format(
      "<div class=\"card {}\" id=\"{}\"><div class=\"label\">{}</div><div "
      "class=\"value\">{}</div>",
      cls, id, Escape(label), Escape(value));
  for (const std::string& line : lines) html += "<p>" + line + "</p>";
  return html + "</div>\n";
}

std::string Table(const std::vector<std::string>& header,
                  const std::vector<std::vector<std::string>>& rows, const std::string& id = "") {
  std::string html = id.empty() ? "<table>" : fmt::format("<table id=\"{}\">", id);
  if (std::any_of(header.begin(), header.end(), [](const std::string& h) { return !h.empty(); })) {
    html += "<tr>";
    for (const std::string& h : header) html += "<th>" + Escape(h) + "</th>";
    html += "</tr>\n";
  }
  for (const auto& row : rows) {
    html += "<tr>";
    for (const std::string& cell : row) html += "<td>" + cell + "</td>";
    html += "</tr>\n";
  }
  return html + "</table>\n";
}

std::string VerdictCards(const json& r, const Scenario& s, int64_t max_seq) {
  const json& o = r["overlap"];
  double peak = r["peak_memory_bytes"];
  double capacity = r["memory_capacity_bytes"];
  double usable = r["memory"].value("usable_bytes", capacity);
  bool fits = r["fits"];
  std::string html = "<section class=\"verdicts\">\n";
  html +=
      Card(fits ? "ok" : "bad", "Memory per device", fits ? "fits" : "does not fit",
           {fmt::format("peak {} of {} usable ({} HBM, {:.0f}% kept free)", FormatBytes(peak),
                        FormatBytes(usable), FormatBytes(capacity), kMemoryHeadroomFraction * 100),
            max_seq > 0 ? fmt::format("longest context that fits this plan: {}",
                                      Escape(FormatTokens(static_cast<double>(max_seq))))
                        : "not even one block per device fits beside the model states"},
           "verdict-memory");
  bool hidden = o["comm_hidden"];
  double block = o["block_tokens"];
  double step_compute = o.value("step_compute_s", 0.0);
  double step_comm = o.value("step_comm_s", 0.0);
  std::vector<std::string> comm_lines = {
      fmt::format("block {} per device; minimal block F/B {} (paper), c* {} (achieved "
                  "rate)",
                  Escape(FormatTokens(block)), Escape(FormatTokens(o["min_block_paper"])),
                  Escape(FormatTokens(o["min_block_calibrated"])))};
  if (step_comm > 0) {
    comm_lines.push_back(fmt::format("ring step: compute {} vs K,V transfer {} ({:.1f}x)",
                                     FormatSeconds(step_compute), FormatSeconds(step_comm),
                                     step_compute / step_comm));
  }
  comm_lines.push_back(fmt::format(
      "exposed communication {} per step ({} of it)", FormatSeconds(r["exposed_comm_time_s"]),
      Percent(r["exposed_comm_time_s"].get<double>() / r["step_time_s"].get<double>())));
  html += Card(hidden ? "ok" : "bad", "Ring communication", hidden ? "hidden" : "exposed",
               comm_lines, "verdict-comm");
  double mfu = r["mfu"];
  html += Card(
      "info", "Model FLOPs utilisation", Percent(mfu),
      {fmt::format("{:.1f} TFLOP/s per device, step {}, {:.0f} tokens/s",
                   r["tflops_per_device"].get<double>(), FormatSeconds(r["step_time_s"]),
                   r["tokens_per_s"].get<double>()),
       fmt::format("compute (busiest device) {}, {} engine", FormatSeconds(r["compute_time_s"]),
                   Escape(r["engine"].get<std::string>()))},
      "verdict-mfu");
  if (r.value("efficiency_assumed", false)) {
    std::string source = r.value("efficiency_source", s.hardware.attention_efficiency.source);
    std::string shown = source.size() > 140 ? source.substr(0, 137) + "..." : source;
    html += Card("warn", "Kernel efficiency", "assumed",
                 {"the attention kernel's achieved-rate curve is not measured on this GPU:",
                  "<span title=\"" + Escape(source) + "\">" + Escape(shown) + "</span>",
                  "<code>ringsim calibrate</code> on the GPU replaces it"},
                 "verdict-efficiency");
  }
  return html + "</section>\n";
}

std::string ScenarioSection(const Scenario& s, const ScenarioSource& src) {
  const ModelSpec& m = s.model;
  const ParallelSpec& p = s.parallel;
  const WorkloadSpec& w = s.workload;
  std::string file = "<code>" + Escape(src.file) + "</code>";
  for (const std::string& o : src.overrides) file += " <code>--set " + Escape(o) + "</code>";
  std::vector<std::vector<std::string>> rows = {
      {"scenario", Escape(s.name) + " (" + file + ")"},
      {"model", fmt::format("{}: {} layers, hidden {}, {} heads ({} K/V) x {}, FFN {}, vocab {}",
                            Escape(m.name), m.layers, m.hidden, m.heads, m.kv_heads, m.head_dim,
                            m.ffn_hidden, m.vocab)},
      {"hardware", fmt::format("{}: {}; {} peak {}, HBM {}; {} per node", Escape(s.hardware.name),
                               Escape(s.hardware.description), PrecisionName(w.precision),
                               FormatFlops(s.hardware.PeakFlopsPerS(w.precision)),
                               FormatBytes(s.hardware.hbm_bytes), s.hardware.devices_per_node)},
      {"links",
       fmt::format("intra-node {} {:.0f} GB/s, inter-node {} {:.0f} GB/s (per device, "
                   "one direction)",
                   Escape(s.hardware.intra_node.kind), s.hardware.intra_node.bw_bytes_per_s / 1e9,
                   Escape(s.hardware.inter_node.kind), s.hardware.inter_node.bw_bytes_per_s / 1e9)},
      {"devices", fmt::format("{}: ring (context) {}, variant {}, tensor {}, FSDP {}", s.devices,
                              p.context, VariantName(p.variant), p.tensor, p.fsdp)},
      {"workload",
       fmt::format("{} tokens ({} per device), batch {}, {}, {}, scope {}, {}, "
                   "{} checkpointing",
                   w.seq_len, s.TokensPerDevice(), w.batch, w.causal ? "causal" : "non-causal",
                   PrecisionName(w.precision), ScopeName(w.scope), PassName(w.pass),
                   w.checkpointing == Checkpointing::kFull ? "full" : "no")},
      {"kernel block", s.kernel_block_tokens > 0 ? std::to_string(s.kernel_block_tokens)
                                                 : "auto (the tokens per device)"},
  };
  return "<h2>Scenario</h2>\n" + Table({}, rows, "scenario-table");
}

std::string MemoryTable(const json& r) {
  const json& m = r["memory"];
  const std::pair<const char*, const char*> terms[] = {
      {"attention_buffers_bytes", "ring buffers (6 blocks)"},
      {"weights_bytes", "weights (shard)"},
      {"gradients_bytes", "gradients (shard)"},
      {"optimizer_bytes", "optimizer state (shard)"},
      {"fsdp_working_bytes", "FSDP gathered layers"},
      {"checkpoint_bytes", "checkpointed layer inputs"},
      {"layer_working_bytes", "layer working set"},
      {"logits_bytes", "logits"},
      {"total_bytes", "total"},
      {"usable_bytes", "usable HBM"},
      {"capacity_bytes", "HBM"}};
  std::vector<std::vector<std::string>> rows;
  for (const auto& [key, label] : terms) {
    if (!m.contains(key)) continue;
    rows.push_back({label, "<span class=\"num\">" + FormatBytes(m[key]) + "</span>"});
  }
  return "<div><h3>Memory per device</h3>\n" + Table({"term", "bytes"}, rows) + "</div>\n";
}

std::string PhaseTable(const json& r) {
  std::vector<std::vector<std::string>> rows;
  for (const json& p : r["phases"]) {
    double compute = p.value("max_step_compute_s", 0.0);
    double comm = p.value("step_comm_s", 0.0);
    rows.push_back({Escape(p.value("name", "")), Escape(p.value("kind", "")),
                    FormatSeconds(p.value("time_s", 0.0)),
                    compute > 0 ? FormatSeconds(compute) : "",
                    comm > 0 ? FormatSeconds(comm) : ""});
  }
  return "<div><h3>One layer's phases (slowest device)</h3>\n" +
         Table({"phase", "kind", "time", "max step compute", "step transfer"}, rows) + "</div>\n";
}

std::string ResultsTable(const std::vector<json>& results, int64_t chosen) {
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < results.size(); ++i) {
    const json& r = results[i];
    std::string mark = static_cast<int64_t>(i) == chosen ? " (shown)" : "";
    if (Failed(r)) {
      rows.push_back({std::to_string(i), "failed: " + Escape(r["sweep_error"].get<std::string>()),
                      "", "", "", "", "", "", "", "", "", "", ""});
      continue;
    }
    std::string vary;
    for (const json& o : r.value("sweep_vary", json::array())) {
      vary += (vary.empty() ? "" : "<br>") + Escape(o.get<std::string>());
    }
    rows.push_back({std::to_string(i) + mark, Escape(r["scenario"].get<std::string>()), vary,
                    Escape(r["hardware"].get<std::string>()), r["devices"].dump(),
                    r["context"].dump(), Escape(r["variant"].get<std::string>()),
                    r["seq_len"].dump(), FormatSeconds(r["step_time_s"]),
                    Percent(r["mfu"].get<double>()), FormatBytes(r["peak_memory_bytes"]),
                    r["fits"].get<bool>() ? "yes" : "<b>no</b>",
                    r["overlap"]["comm_hidden"].get<bool>() ? "yes" : "<b>no</b>"});
  }
  return "<h2>All results</h2>\n<p class=\"note\">The charts below are for "
         "result " +
         std::to_string(chosen) + " (choose another with <code>--index</code>).</p>\n" +
         Table({"#", "scenario", "varied", "hardware", "devices", "context", "variant", "seq_len",
                "step time", "MFU", "memory", "fits", "comm hidden"},
               rows, "results-table");
}

std::string Figure(const std::string& id, const std::string& caption) {
  return fmt::format(
      "<figure><div class=\"chart\" id=\"{}\"></div><figcaption>{}</figcaption>"
      "</figure>\n",
      id, caption);
}

/// The vendored libraries as inline <script> elements, or a ConfigError saying
/// how to get them.
std::string VendorScripts(const std::string& dir) {
  std::string html;
  for (const char* relative : kVendorScripts) {
    std::string path = dir + "/" + relative;
    if (!fs::exists(path)) {
      throw ConfigError(
          fmt::format("{}: missing; the report inlines Vega, Vega-Lite and "
                      "vega-embed from {}/node_modules: "
                      "run ./setup.sh (or `npm ci` in {})",
                      path, dir, dir));
    }
    std::string code = ReadFile(path, "vendored script");
    // Drop the source map reference (the page is self-contained) and keep
    // "</script" out.
    size_t map = code.rfind("//# sourceMappingURL=");
    if (map != std::string::npos) code.erase(map);
    for (size_t at = code.find("</script"); at != std::string::npos;
         at = code.find("</script", at + 2)) {
      code.replace(at, 2, "<\\/");
    }
    html += "<script>/* " + std::string(relative) + " */\n" + code + "\n</script>\n";
  }
  return html;
}

/// JSON for a <script type="application/json"> element: '<' escaped so nothing
/// closes it.
std::string ScriptSafeJson(const json& data) {
  std::string text = data.dump();
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    if (ch == '<') {
      out += "\\u003c";
    } else {
      out += ch;
    }
  }
  return out;
}

/// Fills the page shell's markers (see reports/page_shell.html).
std::string FillShell(const std::string& shell, const std::map<std::string, std::string>& parts) {
  std::string out;
  size_t pos = 0;
  const std::string open = "<!--RINGSIM:";
  for (size_t at = shell.find(open); at != std::string::npos; at = shell.find(open, pos)) {
    size_t end = shell.find("-->", at);
    std::string key = shell.substr(at + open.size(), end - at - open.size());
    out += shell.substr(pos, at - pos);
    auto it = parts.find(key);
    if (it == parts.end()) throw ConfigError("page_shell.html: unknown marker " + key);
    out += it->second;
    pos = end + 3;
  }
  return out + shell.substr(pos);
}

// ---------------------------------------------------------------- the command

void RunReport(const ReportOptions& opt) {
  // Check the page's ingredients first: a missing npm install should not cost a
  // sweep.
  const std::string dir = ReportsDir();
  std::string libs = VendorScripts(dir);
  std::string shell = ReadFile(dir + "/page_shell.html", "report page shell");
  std::string script =
      "<script>\n" + ReadFile(dir + "/render.js", "report script") + "\n</script>\n<script>\n" +
      ReadFile(dir + "/scenario_report.js", "report chart specs") + "\n</script>\n";

  std::vector<json> results = ReadResults(opt.results);
  if (opt.index < 0 || opt.index >= static_cast<int64_t>(results.size())) {
    throw ConfigError(fmt::format("--index: {} is out of range ({} has {} result{})", opt.index,
                                  opt.results, results.size(), results.size() == 1 ? "" : "s"));
  }
  const json& result = results[opt.index];
  std::string where =
      results.size() == 1 ? opt.results : fmt::format("{}: result {}", opt.results, opt.index);
  if (Failed(result)) {
    throw ConfigError(
        fmt::format("{}: this configuration failed in the sweep ({}); choose "
                    "another with --index",
                    where, result["sweep_error"].get<std::string>()));
  }
  ScenarioSource src = LoadResultScenario(result, opt, where);
  const Scenario& s = src.scenario;
  ScenarioResult base = EvaluateScenario(s);

  std::vector<std::string> notes;
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
    notes.push_back(note);
  } else if (result["engine"] != "analytical") {
    notes.push_back(
        fmt::format("the verdicts are the {} engine's; the curves are the "
                    "analytical engine's (its step time here: {})",
                    Escape(result["engine"].get<std::string>()), FormatSeconds(rederived)));
  }

  int64_t max_seq = MaxFittingSeqLen(s);
  json charts = {
      {"flops", FlopsChart(s, base)},
      {"exposed", ExposedChart(s, base)},
      {"memory", MemoryChart(s, base, max_seq)},
      {"devices", DevicesChart(s, base)},
      {"timeline", opt.trace.empty() ? PhaseTimeline(result) : TraceTimeline(opt.trace)}};
  json data = {{"result", result}, {"charts", charts}};

  std::string title = fmt::format("ringsim report: {}", s.name);
  std::string body;
  body += "<header><h1>" + Escape(title) + "</h1>\n";
  body += fmt::format(
      "<p class=\"sub\">{} on {} x {}, {} tokens, ring of {} "
      "({}), scope {}, {}; {} engine</p>"
      "</header>\n",
      Escape(s.model.name), s.devices, Escape(s.hardware.name), s.workload.seq_len,
      s.parallel.context, VariantName(s.parallel.variant), ScopeName(s.workload.scope),
      PassName(s.workload.pass), Escape(result["engine"].get<std::string>()));
  body += VerdictCards(result, s, max_seq);
  for (const std::string& note : notes)
    body += "<p class=\"note\">Note: " + Escape(note) + "</p>\n";
  if (results.size() > 1) body += ResultsTable(results, opt.index);
  body += ScenarioSection(s, src);
  body +=
      "<h2>Charts</h2>\n<p class=\"note\">Curves re-derived around this "
      "scenario with the "
      "analytical engine; hover for values.</p>\n<div class=\"charts\">\n";
  body += Figure("chart-flops",
                 "The blockwise attention kernel's achieved "
                 "rate falls at small blocks. A ring "
                 "step hides its K,V transfer while the kernel "
                 "is slower than the rate the "
                 "slowest link can feed; the curves cross at "
                 "c*. The paper's F/B uses the peak "
                 "rate instead.");
  body += Figure("chart-exposed",
                 "Communication the compute does not hide, as "
                 "a share of the whole step, with "
                 "the block (tokens per device) changed "
                 "through seq_len at this ring size.");
  body += Figure("chart-memory",
                 "What one device holds at the peak of the "
                 "step, term by term, as the context "
                 "grows on these devices; the red lines are "
                 "the HBM and what the model lets "
                 "the run use.");
  body += Figure("chart-devices",
                 "The same sequence on fewer or more devices, "
                 "the ring growing with them (and "
                 "FSDP, where it spans all devices). Colour: "
                 "the memory and overlap verdicts.");
  body += "</div>\n";
  body += Figure("chart-timeline", opt.trace.empty()
                                       ? "One layer, phase after phase, from the result."
                                       : "Every device's compute, ring transfers and FSDP "
                                         "collectives, from the Perfetto trace (open the same "
                                         "file in ui.perfetto.dev for more).");
  body += "<h2>Details</h2>\n<div class=\"columns\">\n" + MemoryTable(result) + PhaseTable(result) +
          "</div>\n";
  body += fmt::format(
      "<footer>Made by ringsim 0.1.0 (<code>ringsim report "
      "{}</code>) from {}; charts drawn "
      "offline with Vega, Vega-Lite and vega-embed inlined "
      "from reports/node_modules. Units "
      "are decimal SI (1 GB = 10<sup>9</sup> bytes, 1K tokens "
      "= 1000 tokens).</footer>\n",
      Escape(opt.results), Escape(opt.results));

  std::string page = FillShell(shell, {{"TITLE", Escape(title)},
                                       {"BODY", body},
                                       {"DATA", ScriptSafeJson(data)},
                                       {"LIBS", libs},
                                       {"SCRIPT", script}});
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
