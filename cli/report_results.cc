#include "cli/report_results.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "io/input_file.h"
#include "io/json_input.h"
#include "io/scenario_loader.h"
#include "sim/config_error.h"
#include "sim/schedule.h"

namespace ringsim {

namespace {

using nlohmann::json;

/// More trace slices than this are cut (the earliest are kept) to keep the page
/// light.
constexpr size_t kMaxTimelineEvents = 40000;

json ParseJsonFile(const std::string& path, const std::string& what) {
  return ReadJsonFile(path, what);
}

/// The fields a result must have (simulate --format json, README.md "Usage").
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

// ---------------------------------------------------------------- the scenario

std::string FindScenarioFile(const json& result, const std::string& where) {
  if (result.contains("scenario_file") && result["scenario_file"].is_string()) {
    std::string file = result["scenario_file"];
    if (PathExists(file)) return file;
    std::string in_tree = std::string(RINGSIM_DATA_DIR) + "/" + file;
    if (PathExists(in_tree)) return in_tree;
    throw ConfigError(
        fmt::format("{}: scenario file '{}' not found; pass "
                    "--scenario FILE [--set key=value]...",
                    where, file));
  }
  std::string name = result["scenario"].get<std::string>();
  for (const std::string& dir :
       {std::string("scenarios"), std::string(RINGSIM_DATA_DIR) + "/scenarios"}) {
    std::string file = dir + "/" + name + ".yaml";
    if (PathExists(file)) return file;
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

}  // namespace

std::string ReadReportFile(const std::string& path, const std::string& what) {
  return ReadInputFile(path, what);
}

bool IsFailedResult(const json& result) { return result.contains("sweep_error"); }

std::vector<json> ReadReportResults(const std::string& path) {
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
    if (IsFailedResult(results[i])) continue;
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

ScenarioSource LoadResultScenario(const json& result, const std::string& scenario_file,
                                  const std::vector<std::string>& overrides,
                                  const std::string& where) {
  ScenarioSource source;
  if (!scenario_file.empty()) {
    source.file = scenario_file;
    source.overrides = overrides;
  } else {
    if (!overrides.empty()) {
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

namespace {

// The layer a ringsim trace slice belongs to (its args.layer), -1 where none is given.
int64_t SliceLayer(const json& slice) {
  if (!slice.contains("args") || !slice["args"].is_object()) return -1;
  const json& layer = slice["args"].value("layer", json());
  return layer.is_number_integer() ? layer.get<int64_t>() : -1;
}

// A slice's phase, the legend's colour: its name's first word after the layer prefix
// ("L3 fwd.attention kv5" -> "fwd.attention").
std::string SlicePhase(const std::string& name) {
  size_t start = 0;
  if (name.size() > 2 && name[0] == 'L' && std::isdigit(static_cast<unsigned char>(name[1]))) {
    const size_t space = name.find(' ');
    if (space != std::string::npos) start = space + 1;
  }
  const size_t end = name.find(' ', start);
  return name.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace

TimelineData ReadTraceTimeline(const std::string& path) {
  json doc = ReadJsonFile(path, "trace", kMaxTraceFileBytes);
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
  const size_t total = slices.size();
  // A long trace: one layer in full (the middle one, in its steady state), where the slices
  // say their layer (args.layer); else the first kMaxTimelineEvents slices.
  std::string summary;
  if (total > kMaxTimelineEvents) {
    std::set<int64_t> layers;
    for (const json* e : slices) layers.insert(SliceLayer(*e));
    layers.erase(-1);
    if (!layers.empty()) {
      const int64_t layer = *std::next(layers.begin(), static_cast<long>(layers.size() / 2));
      std::vector<const json*> kept;
      for (const json* e : slices) {
        if (SliceLayer(*e) == layer) kept.push_back(e);
      }
      if (kept.size() <= kMaxTimelineEvents) {
        summary = fmt::format(" (layer {} of {} drawn in full: {} slices)", layer, layers.size(),
                              kept.size());
        slices = std::move(kept);
      }
    }
  }
  bool truncated = slices.size() > kMaxTimelineEvents;
  if (truncated) slices.resize(kMaxTimelineEvents);
  std::map<std::pair<int64_t, int64_t>, std::string> rows;
  std::set<std::string> phases;
  TimelineData timeline;
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
    std::string phase = SlicePhase(name);
    phases.insert(phase);
    // Trace times are microseconds (the trace format's unit; ringsim's own are seconds);
    // the chart shows milliseconds.
    double start_ms = (*e)["ts"].get<double>() / 1e3;
    double dur_ms = (*e)["dur"].get<double>() / 1e3;
    timeline.span_ms = std::max(timeline.span_ms, start_ms + dur_ms);
    timeline.events.push_back({rows[key], name, phase, start_ms, start_ms + dur_ms, dur_ms});
  }
  for (const auto& [key, name] : rows) timeline.rows.push_back(name);
  timeline.title = "Timeline (from the trace)";
  timeline.subtitle = fmt::format("{}: {} slices on {} tracks", path, total, rows.size());
  timeline.subtitle += summary;
  if (truncated) timeline.subtitle += fmt::format(" (the first {} drawn)", kMaxTimelineEvents);
  timeline.subtitle += "; drag or scroll to zoom";
  timeline.source = "trace";
  timeline.phase_count = phases.size();
  timeline.truncated = truncated;
  return timeline;
}

TimelineData PhaseTimeline(const json& result) {
  TimelineData timeline;
  double t = 0;
  for (const json& p : result["phases"]) {
    std::string kind = p.value("kind", "");
    if (std::find(timeline.rows.begin(), timeline.rows.end(), kind) == timeline.rows.end()) {
      timeline.rows.push_back(kind);
    }
    double dur_ms = p.value("time_s", 0.0) * 1e3;
    timeline.events.push_back(
        {kind, p.value("name", ""), p.value("name", ""), t, t + dur_ms, dur_ms});
    t += dur_ms;
  }
  timeline.title = "One layer's phases (slowest device)";
  timeline.subtitle =
      "each phase's time placed end to end (phases that "
      "overlap in the run are "
      "not shown overlapping); pass --trace from simulate "
      "--engine simgrid for "
      "the full timeline";
  timeline.source = "phases";
  timeline.phase_count = timeline.events.size();
  timeline.truncated = false;
  timeline.span_ms = t;
  return timeline;
}

}  // namespace ringsim
