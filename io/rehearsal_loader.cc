#include "io/rehearsal_loader.h"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "io/input_file.h"
#include "io/json_input.h"
#include "sim/config_error.h"

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
  const Json root = ParseJson(text, file);
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
  return ParseRehearsal(ReadInputFile(path, "the rehearsal file"), path);
}

}  // namespace ringsim
