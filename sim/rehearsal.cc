#include "sim/rehearsal.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sim/analytical_engine.h"
#include "sim/config_error.h"
#include "sim/schedule.h"

namespace ringsim {

namespace {

using Json = nlohmann::json;

// Strict access to one JSON object, errors naming file and key path.
class JsonObject {
 public:
  JsonObject(const Json& j, std::string file, std::string path)
      : j_(j), file_(std::move(file)), path_(std::move(path)) {
    if (!j_.is_object()) Fail("", "expected an object");
  }
  [[noreturn]] void Fail(const std::string& key, const std::string& what) const {
    std::string where = path_.empty() ? key : key.empty() ? path_ : path_ + "." + key;
    throw ConfigError(fmt::format("{}: {}{}{}", file_, where, where.empty() ? "" : ": ", what));
  }
  const Json& At(const std::string& key) const {
    auto it = j_.find(key);
    if (it == j_.end()) Fail(key, "missing");
    return *it;
  }
  bool Has(const std::string& key) const { return j_.contains(key) && !j_.at(key).is_null(); }
  std::string String(const std::string& key) const {
    const Json& v = At(key);
    if (!v.is_string()) Fail(key, "expected a string");
    return v.get<std::string>();
  }
  double Number(const std::string& key) const {
    const Json& v = At(key);
    if (!v.is_number()) Fail(key, "expected a number");
    return v.get<double>();
  }
  double Number(const std::string& key, double default_value) const {
    return Has(key) ? Number(key) : default_value;
  }
  int64_t Integer(const std::string& key, int64_t min) const {
    const Json& v = At(key);
    if (!v.is_number_integer() || v.get<int64_t>() < min)
      Fail(key, fmt::format("expected a whole number >= {}", min));
    return v.get<int64_t>();
  }
  bool Bool(const std::string& key) const {
    const Json& v = At(key);
    if (!v.is_boolean()) Fail(key, "expected true or false");
    return v.get<bool>();
  }
  JsonObject Object(const std::string& key) const {
    return JsonObject(At(key), file_, path_.empty() ? key : path_ + "." + key);
  }
  const Json& Array(const std::string& key) const {
    const Json& v = At(key);
    if (!v.is_array()) Fail(key, "expected a list");
    return v;
  }
  std::string Path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  const std::string& file() const { return file_; }

 private:
  const Json& j_;
  std::string file_, path_;
};

RehearsalRun ParseRun(const JsonObject& r, int64_t ranks) {
  RehearsalRun run;
  run.block_tokens = r.Integer("block_tokens", 1);
  run.seq_len = r.Integer("seq_len", 1);
  if (run.seq_len != run.block_tokens * ranks)
    r.Fail("seq_len", fmt::format("expected ranks x block_tokens = {}", run.block_tokens * ranks));
  if (r.Has("skipped")) {
    run.skipped = r.String("skipped");
    return run;
  }
  run.message_bytes = r.Number("message_bytes");
  JsonObject check = r.Object("check");
  run.check.passed = check.Bool("passed");
  run.check.rel_l2 = check.Number("rel_l2", std::nan(""));
  run.check.tolerance = check.Number("tolerance");
  run.check.rows_compared = check.Integer("rows_compared", 0);
  run.check.nonfinite_output = check.Integer("nonfinite_output", 0);
  run.ring_s_measured = r.Has("ring_ms_measured") ? r.Number("ring_ms_measured") * 1e-3 : -1;
  const Json& steps = r.Array("steps");
  if (static_cast<int64_t>(steps.size()) != ranks * ranks)
    r.Fail("steps", fmt::format("expected ranks x ranks = {} entries", ranks * ranks));
  for (size_t k = 0; k < steps.size(); ++k) {
    JsonObject s(steps[k], r.file(), r.Path(fmt::format("steps[{}]", k)));
    RehearsalStep step;
    step.step = s.Integer("step", 0);
    step.rank = s.Integer("rank", 0);
    step.kv_rank = s.Integer("kv_rank", 0);
    if (step.step != static_cast<int64_t>(k) / ranks ||
        step.rank != static_cast<int64_t>(k) % ranks)
      s.Fail("", fmt::format("expected step {} rank {} (steps in step-major order)", k / ranks,
                             k % ranks));
    step.pairs = s.Number("pairs");
    step.compute_s = s.Number("compute_ms") * 1e-3;
    step.copy_s = s.Has("copy_ms") ? s.Number("copy_ms") * 1e-3 : -1;
    step.step_s = s.Number("step_ms") * 1e-3;
    if (step.compute_s < 0 || step.step_s < 0) s.Fail("", "negative time");
    const bool sends = step.step + 1 < ranks;
    if (sends != (step.copy_s >= 0))
      s.Fail("copy_ms", sends ? "expected a number (the block for the next step)"
                              : "expected null (the last step receives nothing)");
    run.steps.push_back(step);
  }
  return run;
}

}  // namespace

Rehearsal ParseRehearsal(const std::string& text, const std::string& file) {
  Json root;
  try {
    root = Json::parse(text);
  } catch (const Json::parse_error& e) {
    throw ConfigError(fmt::format("{}: not JSON ({})", file, e.what()));
  }
  JsonObject top(root, file, "");
  if (top.String("generator") != "calibrate/rehearse")
    top.Fail("generator", "expected \"calibrate/rehearse\" (the GPU ring rehearsal's output)");
  Rehearsal r;
  r.file = file;
  JsonObject ctx = top.Object("context");
  r.device = ctx.String("device");
  r.driver = ctx.String("driver");
  r.cuda = ctx.String("cuda");
  r.date = ctx.String("date");
  r.git_sha = ctx.Has("git_sha") ? ctx.String("git_sha") : "";
  r.mode = ctx.String("mode");
  if (r.mode != "one-gpu" && r.mode != "multi-gpu")
    ctx.Fail("mode", "expected \"one-gpu\" or \"multi-gpu\"");
  r.gpus_used = ctx.Integer("gpus_used", 1);
  JsonObject cfg = top.Object("config");
  r.ranks = cfg.Integer("ranks", 1);
  r.layout = cfg.String("layout");
  if (r.layout != "ring" && r.layout != "striped" && r.layout != "zigzag")
    cfg.Fail("layout", "expected ring, striped or zigzag");
  r.causal = cfg.Bool("causal");
  r.batch = cfg.Integer("batch", 1);
  r.heads = cfg.Integer("heads", 1);
  r.kv_heads = cfg.Integer("kv_heads", 1);
  r.head_dim = cfg.Integer("head_dim", 1);
  r.repetitions = cfg.Integer("repetitions", 1);
  r.variant = cfg.String("variant");
  if (cfg.Has("copy_priority")) {
    r.copy_priority = cfg.String("copy_priority");
    if (r.copy_priority != "normal" && r.copy_priority != "high")
      cfg.Fail("copy_priority", "expected \"normal\" or \"high\"");
  }
  if (cfg.String("pass") != "fwd") cfg.Fail("pass", "expected \"fwd\" (forward rehearsals only)");
  if (cfg.String("precision") != "bf16") cfg.Fail("precision", "expected \"bf16\"");
  const Json& runs = top.Array("runs");
  for (size_t i = 0; i < runs.size(); ++i)
    r.runs.push_back(ParseRun(JsonObject(runs[i], file, fmt::format("runs[{}]", i)), r.ranks));
  if (r.runs.empty()) top.Fail("runs", "expected at least one block size");
  return r;
}

Rehearsal LoadRehearsal(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw ConfigError(fmt::format("{}: cannot read the rehearsal file", path));
  std::stringstream text;
  text << f.rdbuf();
  return ParseRehearsal(text.str(), path);
}

double ComposedRingTime(const RehearsalRun& run, int64_t n) {
  std::vector<double> start(n, 0.0), done(n, 0.0), arrive(n, 0.0);
  for (int64_t t = 0; t < n; ++t) {
    for (int64_t i = 0; i < n; ++i) done[i] = start[i] + run.steps[t * n + i].compute_s;
    if (t + 1 == n) break;
    // The block for step t + 1 moves from rank i - 1 to rank i once both have started.
    for (int64_t i = 0; i < n; ++i) {
      const int64_t prev = (i + n - 1) % n;
      arrive[i] = std::max(start[prev], start[i]) + run.steps[t * n + i].copy_s;
    }
    // Rank i's own send is the block arriving at rank i + 1.
    for (int64_t i = 0; i < n; ++i) start[i] = std::max({done[i], arrive[i], arrive[(i + 1) % n]});
  }
  return *std::max_element(done.begin(), done.end());
}

double CopyBandwidthAt(const Calibration& c, const std::string& kind, double bytes) {
  std::map<double, double> points;  // bytes -> bandwidth (the best of repeated sizes)
  for (const CopySample& s : c.copy)
    if (s.kind == kind) points[s.bytes] = std::max(points[s.bytes], s.bw_bytes_per_s);
  if (points.empty()) {
    throw ConfigError(fmt::format(
        "{}: copy: no '{}' sample; the rehearsal's transfers need the calibration's {} copy "
        "bandwidth (run `ringsim calibrate` on the machine that rehearses)",
        c.file, kind, kind));
  }
  if (bytes <= points.begin()->first) return points.begin()->second;
  if (bytes >= points.rbegin()->first) return points.rbegin()->second;
  auto hi = points.lower_bound(bytes);
  auto lo = std::prev(hi);
  const double f = std::log(bytes / lo->first) / std::log(hi->first / lo->first);
  return lo->second + f * (hi->second - lo->second);
}

std::string RehearsalMismatch(const Rehearsal& r, const Scenario& s) {
  std::vector<std::string> diffs;
  auto check = [&](const char* what, const std::string& rehearsed, const std::string& wanted) {
    if (rehearsed != wanted)
      diffs.push_back(fmt::format("{} {} (scenario: {})", what, rehearsed, wanted));
  };
  check("ranks", std::to_string(r.ranks), std::to_string(s.parallel.context));
  check("layout", r.layout, VariantName(s.parallel.variant));
  check("causal", r.causal ? "true" : "false", s.workload.causal ? "true" : "false");
  check("batch", std::to_string(r.batch), std::to_string(s.workload.batch));
  check("heads", std::to_string(r.heads), std::to_string(s.model.heads));
  check("kv_heads", std::to_string(r.kv_heads), std::to_string(s.model.kv_heads));
  check("head_dim", std::to_string(r.head_dim), std::to_string(s.model.head_dim));
  check("precision", "bf16", s.workload.precision);
  if (diffs.empty()) return "";
  std::string out = "the rehearsal ran ";
  for (size_t i = 0; i < diffs.size(); ++i) out += (i ? ", " : "") + diffs[i];
  return out;
}

std::string RehearsalCopyKind(const Rehearsal& r) { return r.mode == "multi-gpu" ? "p2p" : "d2d"; }

Scenario RehearsalScenario(const Scenario& base, const Calibration& calibration,
                           const Rehearsal& rehearsal, int64_t block_tokens) {
  Scenario s = base;
  const int64_t n = s.parallel.context;
  s.name = fmt::format("{} (rehearsal, block {})", base.name, block_tokens);
  s.devices = n;
  s.parallel.tensor = 1;
  s.parallel.ulysses = 1;
  s.parallel.fsdp = 1;
  s.workload.seq_len = n * block_tokens;
  s.workload.scope = Scope::kAttention;
  s.workload.pass = Pass::kForward;
  s.block_tokens = 0;
  s.simgrid = SimGridSpec{};
  // The calibrated GPU, with every ring hop the rehearsal's transfer.
  HardwareSpec& hw = s.hardware;
  // The calibration's peak, so the curves (fractions of it) give back exactly the rates it
  // measured, whatever peak the profile states.
  hw.peak_bf16_flops_per_s = calibration.peak_bf16_flops_per_s;
  hw.peak_bf16_source =
      fmt::format("measured: {}: the peak its fractions are taken against", calibration.file);
  ApplyCalibration(calibration, hw);
  hw.calibration = calibration.file;
  const std::string kind = RehearsalCopyKind(rehearsal);
  const double message_bytes =
      2.0 * s.workload.batch * block_tokens * s.model.KvWidth() * s.workload.ElementBytes();
  LinkSpec link;
  link.kind = kind == "d2d" ? "d2d-copy (rehearsal on one GPU)" : "p2p-copy";
  link.bw_bytes_per_s = CopyBandwidthAt(calibration, kind, message_bytes);
  link.latency_s = 0;
  link.bw_source = fmt::format("measured: {} ({}, {} copy of {:.0f} bytes, interpolated)",
                               calibration.file, calibration.device, kind, message_bytes);
  link.latency_source = "derived: included in the measured effective bandwidth";
  hw.devices_per_node = n;
  hw.intra_node = link;
  hw.inter_node = link;
  hw.topology = Topology::kFatTree;
  hw.torus_shape.clear();
  return s;
}

std::vector<double> PredictedStepCompute(const Scenario& s) {
  Schedule schedule = MakeSchedule(s);
  Rates rates = MakeRates(schedule, s.hardware, s.workload.precision, s.parallel.fsdp,
                          s.ComputeBlockTokens());
  for (const Phase& phase : schedule.layer_phases)
    if (phase.kind == PhaseKind::kRing) return RingComputeTimes(phase.ring, rates);
  return {};
}

std::string PairsMismatch(const RehearsalRun& run, const Scenario& s) {
  Schedule schedule = MakeSchedule(s);
  for (const Phase& phase : schedule.layer_phases) {
    if (phase.kind != PhaseKind::kRing) continue;
    const RingPass& ring = phase.ring;
    const double per_pair = ring.flops_per_pair;
    for (const RehearsalStep& st : run.steps) {
      const double want = ring.Flops(st.rank, st.step) / per_pair;
      if (std::abs(want - st.pairs) > 0.5 || ring.SourceDevice(st.rank, st.step) != st.kv_rank) {
        return fmt::format(
            "block {}: step {} rank {}: the rehearsal computed {} pairs of rank {}'s block, the "
            "schedule {} of rank {}'s",
            run.block_tokens, st.step, st.rank, st.pairs, st.kv_rank, want,
            ring.SourceDevice(st.rank, st.step));
      }
    }
    return "";
  }
  return "the schedule has no ring pass";
}

}  // namespace ringsim
