// ringsim rehearse: a real ring attention (forward) on this machine's GPUs, for a scenario's
// ring at several block sizes, set beside both engines' predictions of the same ring
// (sim/rehearsal.h). The GPU part is calibrate/rehearse; with --measured it compares a
// rehearsal recorded elsewhere (no GPU needed here). Predictions use only the calibration
// (--calibration, or the profile's own): its attention curve, its interference and its copy
// bandwidth for the ring's transfers; never the rehearsal's timings.

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/gpu_programs.h"
#include "cli/output_format.h"
#include "cli/run_engine.h"
#include "cli/scenario_report.h"
#include "io/calibration_loader.h"
#include "io/hardware_loader.h"
#include "io/measured_runs.h"
#include "io/rehearsal_loader.h"
#include "io/scenario_loader.h"
#include "sim/calibration.h"
#include "sim/config_error.h"
#include "sim/rehearsal.h"

namespace ringsim {

namespace {

namespace fs = std::filesystem;

struct RehearseOptions {
  std::string scenario;
  std::vector<std::string> sets;
  std::string blocks = "1024,2048,4096,8192,16384";
  std::string calibration;
  std::string measured;
  std::string variant;
  int reps = 5;
  std::string json_out;
  std::string format = "table";
  std::string engines = "analytical,simgrid";
};

/// One block size: measured and predicted.
struct Row {
  const RehearsalRun* run = nullptr;
  double measured_s = -1;
  double analytical_s = -1, simgrid_s = -1;
  std::string simgrid_error;
  double measured_compute_s = 0, predicted_compute_s = 0;  // mean per computing step
  double measured_copy_s = 0, predicted_copy_s = 0;        // mean per transfer
};

std::vector<int64_t> ParseBlocks(const std::string& text) {
  std::vector<int64_t> out;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');) {
    try {
      size_t used = 0;
      long long v = std::stoll(item, &used);
      if (used == item.size() && v > 0) {
        out.push_back(v);
        continue;
      }
    } catch (const std::exception&) {
    }
    throw ConfigError(fmt::format("--blocks: '{}' is not a positive whole number", item));
  }
  if (out.empty()) throw ConfigError("--blocks: expected a comma list of block sizes");
  return out;
}

/// The kernel variant the calibration timed ("ringsim-blockwise/<variant>").
std::string CalibratedVariant(const Calibration& c) {
  const std::string prefix = "ringsim-blockwise/";
  return c.kernel.rfind(prefix, 0) == 0 ? c.kernel.substr(prefix.size()) : "";
}

/// Runs calibrate/rehearse for the scenario's ring; returns its JSON file.
std::string RunOnGpu(const RehearseOptions& opt, const Scenario& s, const Calibration& cal) {
  const std::string program = FindCalibrateProgram("rehearse");
  if (program.empty()) {
    throw ConfigError(
        "rehearse: no CUDA device (calibrate/rehearse was not built: this ringsim was "
        "configured without a CUDA compiler); run it on a machine with a GPU");
  }
  std::string variant = opt.variant.empty() ? CalibratedVariant(cal) : opt.variant;
  if (variant.empty()) {
    throw ConfigError(fmt::format(
        "rehearse: {} calibrates kernel '{}', not one of ringsim's; the rehearsal runs "
        "ringsim's kernels: calibrate them (ringsim calibrate) or name one with --variant",
        cal.file, cal.kernel));
  }
  const std::string work = MakeTempFolder("ringsim-rehearse");
  const std::string json = opt.json_out.empty() ? work + "/rehearsal.json" : opt.json_out;
  const std::string log = work + "/rehearse.log";
  std::vector<std::string> args = {"--ranks",    std::to_string(s.parallel.context),
                                   "--layout",   VariantName(s.parallel.variant),
                                   "--causal",   s.workload.causal ? "yes" : "no",
                                   "--batch",    std::to_string(s.workload.batch),
                                   "--heads",    std::to_string(s.model.heads),
                                   "--kv-heads", std::to_string(s.model.kv_heads),
                                   "--dim",      std::to_string(s.model.head_dim),
                                   "--blocks",   opt.blocks,
                                   "--variant",  variant,
                                   "--reps",     std::to_string(opt.reps),
                                   "--git-sha",  SourceTreeGitSha(),
                                   "--json",     json};
  const int rc = RunProgram(program, args, log);
  if (rc == 77) {
    const std::string reason = NoDeviceReasonInLog(log);
    std::error_code ec;
    if (opt.json_out.empty()) fs::remove_all(work, ec);
    throw ConfigError(
        fmt::format("rehearse: no CUDA device ({}); run it on a machine with a GPU", reason));
  }
  std::cerr << fmt::format("rehearse: ran {} (log: {})\n", program, log);
  if (rc != 0 && !(rc == 1 && fs::exists(json))) {
    throw ConfigError(
        fmt::format("rehearse: {} failed (exit {}): {}", program, rc, TailOfFile(log, 3)));
  }
  return json;
}

double Mean(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return v.empty() ? 0 : sum / static_cast<double>(v.size());
}

Row Compare(const RehearsalRun& run, const Rehearsal& r, const Scenario& base,
            const Calibration& cal, bool analytical, bool simgrid) {
  Row row;
  row.run = &run;
  if (!run.skipped.empty()) return row;
  const Scenario s = RehearsalScenario(base, cal, r, run.block_tokens);
  const std::string pairs = PairsMismatch(run, s);
  if (!pairs.empty()) throw ConfigError(fmt::format("{}: {}", r.file, pairs));
  row.measured_s = r.mode == "multi-gpu" && run.ring_s_measured > 0
                       ? run.ring_s_measured
                       : ComposedRingTime(run, r.ranks);
  if (analytical) row.analytical_s = EvaluateScenario(s).estimate.step_time_s;
  if (simgrid) {
    try {
      row.simgrid_s = RunEngine(s, EngineKind::kSimGrid, false).result.estimate.step_time_s;
    } catch (const ConfigError& e) {
      row.simgrid_error = e.what();
    }
  }
  // Per step: compute where there was work, and each transfer.
  const std::vector<double> predicted = PredictedStepCompute(s);
  std::vector<double> mc, pc, mcopy;
  for (size_t k = 0; k < run.steps.size(); ++k) {
    const RehearsalStep& st = run.steps[k];
    if (st.pairs > 0) {
      mc.push_back(st.compute_s);
      pc.push_back(predicted[k]);
    }
    if (st.copy_s >= 0) mcopy.push_back(st.copy_s);
  }
  row.measured_compute_s = Mean(mc);
  row.predicted_compute_s = Mean(pc);
  row.measured_copy_s = Mean(mcopy);
  row.predicted_copy_s = run.message_bytes / s.hardware.intra_node.bw_bytes_per_s;
  return row;
}

std::string Time(double s) { return s < 0 ? "-" : FormatSeconds(s); }
std::string Err(double predicted, double measured) {
  if (predicted < 0 || measured <= 0) return "-";
  return fmt::format("{:+.1f}%", PercentError(predicted, measured));
}

void RunRehearse(const RehearseOptions& opt) {
  const Scenario base = LoadScenario(opt.scenario, opt.sets);
  // The rehearsal runs ringsim's kernels: without --calibration, the profile's measurement of
  // them (kernels: ringsim), else its default calibration (which names its kernel, checked
  // below). An absolute path is printed relative to here when below here.
  const auto own = base.hardware.kernel_calibrations.find("ringsim");
  // --calibration as everywhere else: a path, or one in hwmodels/ ("calibrations/h100-sxm.yaml").
  std::string cal_path =
      !opt.calibration.empty() ? RequireCalibration(opt.calibration, "--calibration")
      : own != base.hardware.kernel_calibrations.end() ? own->second
                                                       : base.hardware.calibration;
  if (!cal_path.empty() && std::filesystem::path(cal_path).is_absolute()) {
    const std::string relative =
        std::filesystem::path(cal_path).lexically_proximate(std::filesystem::current_path());
    if (relative.rfind("..", 0) != 0) cal_path = relative;
  }
  if (cal_path.empty()) {
    throw ConfigError(fmt::format(
        "rehearse: {}: hardware '{}' has no calibration; give --calibration FILE.yaml (the "
        "predictions use only a calibration, never the rehearsal's own timings)",
        opt.scenario, base.hardware.name));
  }
  const Calibration cal = LoadCalibration(cal_path);
  bool analytical = false, simgrid = false;
  std::stringstream engines(opt.engines);
  for (std::string e; std::getline(engines, e, ',');) {
    if (e == "analytical") {
      analytical = true;
    } else if (e == "simgrid") {
      simgrid = true;
    } else {
      throw ConfigError(fmt::format("--engines: '{}' is not an engine (analytical, simgrid)", e));
    }
  }
  ParseBlocks(opt.blocks);  // validates --blocks before any GPU time is spent

  const std::string json = opt.measured.empty() ? RunOnGpu(opt, base, cal) : opt.measured;
  const Rehearsal r = LoadRehearsal(json);
  const std::string mismatch = RehearsalMismatch(r, base);
  if (!mismatch.empty()) throw ConfigError(fmt::format("{}: {}", json, mismatch));

  std::vector<Row> rows;
  for (const RehearsalRun& run : r.runs)
    rows.push_back(Compare(run, r, base, cal, analytical, simgrid));
  bool all_passed = true;
  for (const Row& row : rows)
    if (row.run->skipped.empty() && !row.run->check.passed) all_passed = false;

  const std::string kernel_note =
      CalibratedVariant(cal) == r.variant
          ? ""
          : fmt::format(" (note: the calibration timed kernel '{}')", cal.kernel);
  const OutputFormat format =
      opt.format == "markdown" ? OutputFormat::kTable : ParseFormat(opt.format);
  if (format == OutputFormat::kJson) {
    nlohmann::json out = {{"scenario", opt.scenario},
                          {"rehearsal", json},
                          {"calibration", cal_path},
                          {"device", r.device},
                          {"driver", r.driver},
                          {"date", r.date},
                          {"mode", r.mode},
                          {"variant", r.variant},
                          {"ranks", r.ranks},
                          {"copy_priority", r.copy_priority},
                          {"layout", r.layout},
                          {"causal", r.causal},
                          {"rows", nlohmann::json::array()}};
    for (const Row& row : rows) {
      nlohmann::json j = {{"block_tokens", row.run->block_tokens}, {"seq_len", row.run->seq_len}};
      if (!row.run->skipped.empty()) {
        j["skipped"] = row.run->skipped;
      } else {
        j["check_passed"] = row.run->check.passed;
        j["check_rel_l2"] = row.run->check.rel_l2;
        j["measured_s"] = row.measured_s;
        if (row.analytical_s >= 0) {
          j["analytical_s"] = row.analytical_s;
          j["analytical_error_pct"] = PercentError(row.analytical_s, row.measured_s);
        }
        if (row.simgrid_s >= 0) {
          j["simgrid_s"] = row.simgrid_s;
          j["simgrid_error_pct"] = PercentError(row.simgrid_s, row.measured_s);
        }
        if (!row.simgrid_error.empty()) j["simgrid_error"] = row.simgrid_error;
        j["measured_step_compute_s"] = row.measured_compute_s;
        j["predicted_step_compute_s"] = row.predicted_compute_s;
        j["measured_copy_s"] = row.measured_copy_s;
        j["predicted_copy_s"] = row.predicted_copy_s;
      }
      out["rows"].push_back(j);
    }
    std::cout << JsonText(out) << "\n";
  } else if (format == OutputFormat::kCsv) {
    // Seconds as plain numbers; empty cells where there is nothing.
    auto num = [](double v) { return v < 0 ? std::string() : fmt::format("{}", v); };
    std::vector<std::vector<std::string>> cells;
    for (const Row& row : rows) {
      const RehearsalRun& run = *row.run;
      const bool ran = run.skipped.empty();
      cells.push_back({std::to_string(run.block_tokens), std::to_string(run.seq_len),
                       !ran               ? "skipped"
                       : run.check.passed ? "passed"
                                          : "failed",
                       ran ? fmt::format("{}", run.check.rel_l2) : "", num(row.measured_s),
                       num(row.analytical_s),
                       ran && row.analytical_s >= 0
                           ? fmt::format("{}", PercentError(row.analytical_s, row.measured_s))
                           : "",
                       num(row.simgrid_s),
                       ran && row.simgrid_s >= 0
                           ? fmt::format("{}", PercentError(row.simgrid_s, row.measured_s))
                           : "",
                       ran ? num(row.measured_compute_s) : "",
                       ran ? num(row.predicted_compute_s) : "", ran ? num(row.measured_copy_s) : "",
                       ran ? num(row.predicted_copy_s) : "", run.skipped});
    }
    std::cout << RenderCsv(
        {"block_tokens", "seq_len", "check", "check_rel_l2", "measured_s", "analytical_s",
         "analytical_error_pct", "simgrid_s", "simgrid_error_pct", "measured_step_compute_s",
         "predicted_step_compute_s", "measured_copy_s", "predicted_copy_s", "skipped"},
        cells);
  } else {
    const std::vector<std::string> header = {"block",
                                             "seq_len",
                                             "check",
                                             "measured",
                                             "analytical",
                                             "error",
                                             "SimGrid",
                                             "error",
                                             "step compute (measured / predicted)",
                                             "copy (measured / predicted)"};
    std::vector<std::vector<std::string>> cells;
    for (const Row& row : rows) {
      const RehearsalRun& run = *row.run;
      if (!run.skipped.empty()) {
        cells.push_back({std::to_string(run.block_tokens), std::to_string(run.seq_len), "skipped",
                         "", "", "", "", "", "", ""});
        continue;
      }
      cells.push_back(
          {std::to_string(run.block_tokens), std::to_string(run.seq_len),
           run.check.passed ? fmt::format("ok {:.1e}", run.check.rel_l2) : "FAILED",
           Time(row.measured_s), Time(row.analytical_s), Err(row.analytical_s, row.measured_s),
           row.simgrid_error.empty() ? Time(row.simgrid_s) : "error",
           Err(row.simgrid_s, row.measured_s),
           fmt::format("{} / {} ({})", Time(row.measured_compute_s), Time(row.predicted_compute_s),
                       Err(row.predicted_compute_s, row.measured_compute_s)),
           fmt::format("{} / {}", Time(row.measured_copy_s), Time(row.predicted_copy_s))});
    }
    std::cout << fmt::format(
        "rehearse: {} on {} ({}, driver {}, {}), {} ring of {} ranks, {}causal, kernel {}{}\n",
        opt.scenario, r.device, r.mode, r.driver, r.date, r.layout, r.ranks, r.causal ? "" : "non-",
        r.variant, kernel_note);
    std::cout << fmt::format(
        "measured: {} ({} timed rings per block; {}); predicted from {} only\n", json,
        r.repetitions,
        r.mode == "one-gpu"
            ? fmt::format("ranks took turns on one GPU, each step with its K,V copy beside it on "
                          "a {}-priority stream; ring time composed from the measured steps",
                          r.copy_priority)
            : fmt::format("ring time measured end to end, copies on {}-priority streams",
                          r.copy_priority),
        cal_path);
    if (opt.format == "markdown") {
      std::string md = "| " + fmt::format("{}", fmt::join(header, " | ")) + " |\n|";
      for (size_t i = 0; i < header.size(); ++i) md += "---|";
      md += "\n";
      for (const auto& line : cells)
        md += "| " + fmt::format("{}", fmt::join(line, " | ")) + " |\n";
      std::cout << md;
    } else {
      std::cout << RenderTable(header, cells);
    }
    for (const Row& row : rows)
      if (!row.run->skipped.empty())
        std::cout << fmt::format("block {} skipped: {}\n", row.run->block_tokens, row.run->skipped);
    for (const Row& row : rows)
      if (!row.simgrid_error.empty())
        std::cout << fmt::format("SimGrid at block {}: {}\n", row.run->block_tokens,
                                 row.simgrid_error);
  }
  if (!all_passed) {
    std::fflush(stdout);
    std::fprintf(stderr,
                 "ringsim: rehearse: the GPU ring's output failed its check (see the "
                 "check column); its timings are not to be trusted\n");
    std::exit(1);
  }
}

}  // namespace

void AddRehearseCommand(CLI::App& app) {
  auto opt = std::make_shared<RehearseOptions>();
  CLI::App* cmd = app.add_subcommand(
      "rehearse",
      "Run a scenario's ring attention (forward) on this machine's GPUs and set each block "
      "size's measured time beside both engines' predictions from the calibration");
  cmd->add_option("scenario", opt->scenario, "Scenario YAML (its model, ring size, layout, mask)")
      ->required();
  cmd->add_option("--blocks", opt->blocks, "Tokens per rank to rehearse (comma list)")
      ->capture_default_str();
  cmd->add_option("--set", opt->sets, "Override a scenario key (key=value), repeatable");
  cmd->add_option("--calibration", opt->calibration,
                  "Calibration YAML the predictions use (default: the hardware profile's)");
  cmd->add_option("--measured", opt->measured,
                  "A rehearsal JSON recorded by calibrate/rehearse: compare it, run nothing "
                  "(no GPU needed)");
  cmd->add_option("--variant", opt->variant,
                  "Forward kernel variant (default: the one the calibration timed)");
  cmd->add_option("--reps", opt->reps, "Timed rings per block size")->capture_default_str();
  cmd->add_option("--json-out", opt->json_out, "Keep the GPU program's JSON here");
  cmd->add_option("--engines", opt->engines, "analytical, simgrid or both (comma list)")
      ->capture_default_str();
  AddFormatOption(cmd, opt->format, {"table", "json", "csv", "markdown"});
  cmd->callback([opt] { RunRehearse(*opt); });
}

}  // namespace ringsim
