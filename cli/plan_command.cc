// ringsim plan: which hardware, how many devices and which layout to train a model at a
// context length. Searches layouts that fit in memory (sim/planner.h), times them with
// the analytical engine, ranks them, says for each whether the ring hides its
// communication and why, and re-checks the top of the ranking with the SimGrid engine.

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/option_values.h"
#include "cli/output_format.h"
#include "cli/plan_recheck.h"
#include "cli/run_engine.h"
#include "cli/scenario_report.h"
#include "io/hardware_loader.h"
#include "io/implementation_loader.h"
#include "io/scenario_loader.h"
#include "io/sweep.h"
#include "sim/config_error.h"
#include "sim/limits.h"
#include "sim/planner.h"

namespace ringsim {

namespace {

struct PlanOptions {
  std::string model;
  int64_t context = 0;
  std::vector<std::string> hardware;
  std::vector<std::string> prices;
  std::vector<std::string> calibrations;  // NAME=FILE
  std::string implementation;
  std::string kernel;  // the attention kernel on every hardware, by name
  int64_t max_devices = 1024;
  int64_t devices = 0;
  int top = 10;
  int recheck = 3;
  SimGridSpec recheck_simgrid;  ///< scope and fabric of the SimGrid re-check
  std::string rank_by;          // "" = cost when every hardware has a price, else step_time
  std::string precision = "bf16";
  bool non_causal = false;
  bool tp_comm_overlap = false;
  int jobs = 0;
  std::string format = "table";
};

std::vector<std::string> SplitCommas(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (const std::string& item : items) {
    size_t begin = 0;
    while (begin <= item.size()) {
      size_t comma = item.find(',', begin);
      std::string part = item.substr(begin, comma == std::string::npos ? comma : comma - begin);
      if (!part.empty()) out.push_back(part);
      if (comma == std::string::npos) break;
      begin = comma + 1;
    }
  }
  return out;
}

/// Splits an `option` item NAME=VALUE whose NAME must be one of the --hardware; `expected`
/// says the form ("NAME=FILE, e.g. ...") in the error.
std::pair<std::string, std::string> HardwareItem(const std::string& item, const char* option,
                                                 const char* expected,
                                                 const std::vector<HardwareSpec>& hardware) {
  const size_t eq = item.find('=');
  const std::string name = item.substr(0, eq);
  if (eq == std::string::npos || name.empty()) {
    throw ConfigError(fmt::format("{} {}: expected {}", option, item, expected));
  }
  std::vector<std::string> names;
  for (const HardwareSpec& hw : hardware) names.push_back(hw.name);
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    throw ConfigError(fmt::format("{} {}: '{}' is not one of the --hardware ({})", option, item,
                                  name, fmt::join(names, ", ")));
  }
  return {name, item.substr(eq + 1)};
}

std::map<std::string, double> ParsePrices(const std::vector<std::string>& items,
                                          const std::vector<HardwareSpec>& hardware) {
  std::map<std::string, double> prices;
  for (const std::string& item : SplitCommas(items)) {
    const auto [name, text] = HardwareItem(
        item, "--price", "NAME=USD_PER_DEVICE_HOUR, e.g. --price h100-sxm=2.5", hardware);
    size_t used = 0;
    double value = -1;
    try {
      value = std::stod(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != text.size() || text.empty() || !(value >= 0) || !std::isfinite(value)) {
      throw ConfigError(fmt::format(
          "--price {}: expected a price in USD per device-hour (a number >= 0), got '{}'", item,
          text));
    }
    prices[name] = value;
  }
  return prices;
}

PlanRank RankFromName(const std::string& name) {
  if (name == "tokens_per_s") return PlanRank::kTokensPerS;
  if (name == "mfu") return PlanRank::kMfu;
  if (name == "cost") return PlanRank::kCost;
  return PlanRank::kStepTime;
}

const char* RankText(PlanRank rank) {
  switch (rank) {
    case PlanRank::kStepTime:
      return "step time (fastest first)";
    case PlanRank::kTokensPerS:
      return "tokens/s (highest first)";
    case PlanRank::kMfu:
      return "MFU (highest first)";
    case PlanRank::kCost:
      return "cost per 1M tokens (cheapest first)";
  }
  return "";
}

PlanMetrics MetricsOf(const Scenario& s, EngineKind engine) {
  return MetricsFrom(RunEngine(s, engine, false).result);
}

std::string Verdict(const PlanEntry& e) {
  if (e.candidate.scenario.parallel.context == 1) return "no ring";
  return e.metrics.comm_hidden ? "hidden" : "comm-bound";
}

/// The ranked entries: every number for the machine forms; for people the layout in words,
/// memory as peak/usable and the SimGrid re-check ("-" where it failed, blank where not run).
Table PlanTable() {
  Table table;
  table.columns = {
      {"rank", Unit::kCount, "#"},
      {"hardware", Unit::kText},
      {"kernel", Unit::kText},
      {"devices", Unit::kCount},
      {"replicas", Unit::kCount, "", Show::kMachineOnly},
      {"context", Unit::kCount, "", Show::kMachineOnly},
      {"tensor", Unit::kCount, "", Show::kMachineOnly},
      {"ulysses", Unit::kCount, "", Show::kMachineOnly},
      {"fsdp", Unit::kCount, "", Show::kMachineOnly},
      {"pipeline", Unit::kCount, "", Show::kMachineOnly},
      {"batch", Unit::kCount, "", Show::kMachineOnly},
      {"micro_batches", Unit::kCount, "", Show::kMachineOnly},
      {"offload", Unit::kText, "", Show::kMachineOnly},
      {"loss", Unit::kText, "", Show::kMachineOnly},
      {"layout", Unit::kText, "layout", Show::kHumanOnly},
      {"variant", Unit::kText},
      {"block_tokens", Unit::kTokens, "block/device"},
      {"kernel_block_tokens", Unit::kTokens, "", Show::kMachineOnly},
      {"step_time_s", Unit::kSeconds, "step time"},
      // What the ranking by step time compares: pipelined layouts run several sequences a step.
      {"step_time_per_sequence_s", Unit::kSeconds, "time/sequence"},
      {"tokens_per_s", Unit::kTokensPerS, "tokens/s", Show::kEverywhere,
       [](const Cell& c) { return fmt::format("{:.0f}", c.Number()); }},
      {"mfu", Unit::kFraction, "MFU"},
      {"tflops_per_device", Unit::kTflopsPerS, "", Show::kMachineOnly},
      {"exposed_comm_time_s", Unit::kSeconds, "", Show::kMachineOnly},
      {"cost_usd_per_mtok", Unit::kUsd, "$/1M tok"},
      {"peak_memory_bytes", Unit::kBytes, "", Show::kMachineOnly},
      {"memory_usable_bytes", Unit::kBytes, "", Show::kMachineOnly},
      {"memory", Unit::kText, "memory/device", Show::kHumanOnly},
      {"comm", Unit::kText},
      {"comm_hidden", Unit::kBool, "", Show::kMachineOnly},
      {"reason", Unit::kText, "", Show::kMachineOnly},
      {"step_compute_s", Unit::kSeconds, "", Show::kMachineOnly},
      {"step_comm_s", Unit::kSeconds, "", Show::kMachineOnly},
      {"min_block_paper", Unit::kTokens, "", Show::kMachineOnly},
      {"min_block_calibrated", Unit::kTokens, "", Show::kMachineOnly},
      {"slowest_hop", Unit::kText, "", Show::kMachineOnly},
      {"slowest_hop_bw_bytes_per_s", Unit::kBytesPerS, "", Show::kMachineOnly},
      {"engine", Unit::kText, "", Show::kMachineOnly},
      {"simgrid_step_time_s", Unit::kSeconds, "", Show::kMachineOnly},
      {"simgrid", Unit::kText, "simgrid", Show::kHumanOnly},
  };
  return table;
}

void AddEntryRow(Table& table, int rank, const PlanEntry& e, const Recheck& check, bool attempted) {
  const Scenario& s = e.candidate.scenario;
  table.AddRow({rank,
                s.hardware.name,
                s.hardware.attention_kernel,
                s.devices,
                e.candidate.replicas,
                s.parallel.context,
                s.parallel.tensor,
                s.parallel.ulysses,
                s.parallel.fsdp,
                s.parallel.pipeline,
                s.workload.batch,
                s.workload.micro_batches,
                OffloadName(s.workload.offload),
                LossName(s.workload.loss),
                LayoutText(e.candidate),
                VariantName(s.parallel.variant),
                s.TokensPerDevice(),
                s.KernelBlockTokens(),
                e.metrics.step_time_s,
                e.metrics.step_time_s / static_cast<double>(std::max<int64_t>(1, s.workload.batch)),
                e.metrics.tokens_per_s,
                e.metrics.mfu,
                e.metrics.tflops_per_device,
                e.metrics.exposed_comm_time_s,
                e.cost_per_mtok < 0 ? Cell() : Cell(e.cost_per_mtok),
                e.candidate.memory.total_bytes,
                e.candidate.memory.usable_bytes,
                fmt::format("{:.1f}/{:.1f} GB", e.candidate.memory.total_bytes / 1e9,
                            e.candidate.memory.usable_bytes / 1e9),
                Verdict(e),
                e.metrics.comm_hidden,
                OverlapReason(e),
                e.metrics.step_compute_s,
                e.metrics.step_comm_s,
                e.metrics.min_block_paper,
                e.metrics.min_block_calibrated,
                e.slowest_hop.kind,
                e.slowest_hop.bw_bytes_per_s,
                e.metrics.engine,
                check.done ? Cell(check.step_time_s) : Cell(),
                check.done  ? FormatSeconds(check.step_time_s)
                : attempted ? "-"
                            : ""},
               {{"variant_step_time_s", e.variant_step_time_s}});
}

void RunPlan(const PlanOptions& opt) {
  PlanRequest req;
  req.model = ModelByNameOrFile(opt.model, "--model");
  req.context_tokens = opt.context;
  req.max_devices = opt.max_devices;
  req.devices = opt.devices;
  if (opt.devices > 0) req.max_devices = opt.devices;
  req.precision = PrecisionByName(opt.precision, "--precision");
  req.causal = !opt.non_causal;
  req.tp_comm_overlap = opt.tp_comm_overlap;
  std::set<std::string> seen;
  for (const std::string& name : SplitCommas(opt.hardware)) {
    if (!seen.insert(name).second) {
      throw ConfigError(fmt::format("--hardware: '{}' is listed twice", name));
    }
    req.hardware.push_back(HardwareByName(name, "--hardware"));
  }
  if (req.hardware.empty()) throw ConfigError("--hardware: expected NAME[,NAME...]");
  for (const HardwareSpec& hw : req.hardware) {
    if (req.precision == Precision::kFp8 && hw.peak_fp8_flops_per_s <= 0) {
      throw ConfigError(fmt::format(
          "--precision fp8: hardware '{}' has no device.peak_fp8_flops_per_s (no FP8 tensor "
          "cores); plan it in bf16",
          hw.name));
    }
  }
  // Another kernel's calibration for a hardware (PyTorch SDPA's cuDNN, say).
  for (const std::string& item : SplitCommas(opt.calibrations)) {
    const auto [name, file] = HardwareItem(
        item, "--calibration",
        "NAME=FILE, e.g. --calibration h100-sxm=calibrations/h100-sxm-torch-cudnn.yaml",
        req.hardware);
    if (file.empty()) {
      throw ConfigError(fmt::format("--calibration {}: expected NAME=FILE with a file", item));
    }
    for (HardwareSpec& hw : req.hardware) {
      if (hw.name == name) UseCalibration(hw, RequireCalibration(file, "--calibration " + item));
    }
  }
  if (!opt.implementation.empty()) {
    req.implementation = LoadImplementation(opt.implementation, "--implementation");
  }
  // The kernel --kernel names, else the one the implementation calls, where a hardware has it
  // measured (or assumed curves of it) and --calibration named none.
  const std::string kernel = !opt.kernel.empty()           ? opt.kernel
                             : !opt.implementation.empty() ? req.implementation.kernel
                                                           : std::string();
  for (HardwareSpec& hw : req.hardware) {
    if (kernel.empty()) break;
    const bool named =
        std::any_of(opt.calibrations.begin(), opt.calibrations.end(),
                    [&](const std::string& c) { return c.rfind(hw.name + "=", 0) == 0; });
    if (!opt.kernel.empty()) {
      if (named) {
        throw ConfigError(
            fmt::format("--kernel {}: --calibration also chooses {}'s attention curves: give one",
                        opt.kernel, hw.name));
      }
      const std::string problem = KernelProblem(hw, opt.kernel);
      if (!problem.empty()) throw ConfigError(fmt::format("--kernel {}: {}", opt.kernel, problem));
    }
    if (!named) UseKernel(hw, kernel);
  }
  req.price_per_device_hour = ParsePrices(opt.prices, req.hardware);
  const bool all_priced = req.price_per_device_hour.size() == req.hardware.size();
  std::string rank_name = opt.rank_by.empty() ? (all_priced ? "cost" : "step_time") : opt.rank_by;
  if (rank_name == "cost" && req.price_per_device_hour.empty()) {
    throw ConfigError("--rank-by cost: needs --price NAME=USD_PER_DEVICE_HOUR for the hardware");
  }
  const PlanRank rank = RankFromName(rank_name);
  const int jobs = opt.jobs > 0 ? opt.jobs : DefaultJobs();

  auto start = std::chrono::steady_clock::now();
  PlanSearch search = SearchPlans(req);
  std::vector<std::string> names;
  for (const HardwareSpec& hw : req.hardware) names.push_back(hw.name);
  if (search.candidates.empty()) {
    throw ConfigError(
        fmt::format("plan: {} at {} tokens fits on no layout of up to {} devices of {}{}; raise "
                    "--max-devices, add hardware with more memory, or shorten --context",
                    req.model.name, req.context_tokens, req.max_devices, fmt::join(names, ", "),
                    search.closest.empty() ? "" : " (closest: " + search.closest + ")"));
  }
  std::vector<PlanEntry> entries = RankPlans(
      req, search, [](const Scenario& s) { return MetricsOf(s, EngineKind::kAnalytical); }, rank,
      jobs);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (entries.empty()) throw ConfigError("plan: the analytical engine could time no layout");
  const size_t shown = std::min(entries.size(), static_cast<size_t>(opt.top));

  // Re-check the top of the ranking with the SimGrid engine, one at a time.
  std::vector<Recheck> checks(shown);
  std::string simgrid_note;
  const size_t to_check = std::min(shown, static_cast<size_t>(std::max(opt.recheck, 0)));
  for (size_t i = 0; i < to_check; ++i) {
    try {
      Scenario scenario = entries[i].candidate.scenario;
      scenario.simgrid = opt.recheck_simgrid;
      const EngineOutput run = RunEngine(scenario, EngineKind::kSimGrid, false);
      checks[i] = RecheckFrom(run.result, run.engine_details);
    } catch (const std::exception& e) {
      checks[i].error = e.what();
      if (i == 0) {
        simgrid_note = fmt::format(
            "SimGrid re-check: not available ({}); the ranking is the analytical engine's alone",
            e.what());
        break;
      }
    }
  }
  int64_t checked = 0;
  for (size_t i = 0; i < to_check; ++i) checked += checks[i].done;
  std::vector<Recheck> top_checks(checks.begin(), checks.begin() + to_check);
  const std::string reranked = RankBySimGrid(entries, top_checks, rank, req.price_per_device_hour);
  std::copy(top_checks.begin(), top_checks.end(), checks.begin());
  if (opt.recheck <= 0) {
    simgrid_note = "SimGrid re-check: skipped (--recheck 0)";
  } else if (simgrid_note.empty()) {
    simgrid_note = RecheckNote(entries, top_checks, reranked);
    const SimGridSpec& g = opt.recheck_simgrid;
    if (g.scope == "cluster" || g.fabric != "rail-optimised" || g.oversubscription != 1 ||
        g.placement != "packed") {
      simgrid_note += fmt::format(" (SimGrid scope {}, fabric {}, {}:1, {})", g.scope, g.fabric,
                                  g.oversubscription, g.placement);
    }
  }

  Table table = PlanTable();
  bool any_tensor = false;
  for (size_t i = 0; i < shown; ++i) {
    AddEntryRow(table, static_cast<int>(i + 1), entries[i], checks[i], i < to_check);
    any_tensor = any_tensor || entries[i].candidate.scenario.parallel.tensor > 1;
  }
  OutputFormat format = ParseFormat(opt.format);
  if (format == OutputFormat::kCsv) {
    std::cout << RenderCsv(table);
    return;
  }
  if (format == OutputFormat::kJson) {
    nlohmann::json prices = nlohmann::json::object();
    for (const auto& [name, price] : req.price_per_device_hour) prices[name] = price;
    nlohmann::json out = {
        {"request",
         {{"model", req.model.name},
          {"context_tokens", req.context_tokens},
          {"hardware", names},
          {"price_usd_per_device_hour", prices},
          {"max_devices", req.max_devices},
          {"precision", PrecisionName(req.precision)},
          {"causal", req.causal}}},
        {"ranked_by", PlanRankName(rank)},
        {"search",
         {{"layouts_tried", search.layouts_tried},
          {"layouts_fit", search.layouts_fit},
          {"configurations_timed", search.candidates.size()},
          {"seconds", seconds}}},
        {"simgrid", {{"checked", checked}, {"note", simgrid_note}}},
        {"plans", TableJson(table)},
    };
    std::cout << JsonText(out) << "\n";
    return;
  }

  std::cout << fmt::format(
      "plan: {} at {} tokens ({}, {}, training step; each layout's fastest recipe that fits: no "
      "recomputation, selective (Megatron's, then torchtitan's op-level) or full checkpointing, "
      "then a chunked loss and offload; ZeRO 1 "
      "and 2 beside 3 where they fit; pipeline stages up to {}) on {}, up to {} devices\n",
      req.model.name, req.context_tokens, PrecisionName(req.precision),
      req.causal ? "causal" : "non-causal", kMaxPlanPipeline, fmt::join(names, ", "),
      req.max_devices);
  std::cout << fmt::format(
      "searched {} layouts, {} fit in memory; timed {} configurations (variants) with the "
      "analytical engine in {:.2f} s; ranked by {}\n\n",
      search.layouts_tried, search.layouts_fit, search.candidates.size(), seconds, RankText(rank));
  std::cout << RenderText(table);
  std::cout << "\nCommunication (forward ring step on the busiest device):\n";
  for (size_t i = 0; i < shown; ++i) {
    std::cout << fmt::format("  {}. {}\n", i + 1, OverlapReason(entries[i]));
  }
  std::cout << "\n" << simgrid_note << "\n";
  if (any_tensor) {
    std::cout << "Tensor parallelism appears only where memory needs it; its all-reduces "
                 "(6 per layer, on the critical path, over the node's link) are in the step "
                 "time.\n";
  }
}

}  // namespace

void AddPlanCommand(CLI::App& app) {
  auto opt = std::make_shared<PlanOptions>();
  CLI::App* cmd = app.add_subcommand(
      "plan", "Rank hardware, device counts and layouts that fit a model at a context length");
  cmd->add_option("--model", opt->model,
                  "Model preset (ringsim models), or a YAML file with the model's mapping (at the "
                  "top or under model:, as in a scenario)")
      ->required();
  cmd->add_option("--context", opt->context,
                  "Sequence length in tokens, e.g. 262144, 256Ki or 1M (K, M = 10^3, 10^6; Ki, Mi "
                  "= 2^10, 2^20)")
      ->required()
      ->transform(TokenNumber(1, kMaxTokensPerStep));
  cmd->add_option("--hardware", opt->hardware, "Hardware profiles, e.g. a100-sxm-80g,h100-sxm")
      ->required();
  cmd->add_option("--price", opt->prices,
                  "USD per device-hour, e.g. --price a100-sxm-80g=1.8,h100-sxm=3.0");
  cmd->add_option("--implementation", opt->implementation,
                  "The stack that runs the ring (a name `ringsim implementations` lists, e.g. "
                  "ring-flash-attn or torch-cp) or a path to one")
      ->default_str("ringsim");
  cmd->add_option("--calibration", opt->calibrations,
                  "Another kernel's calibration for a hardware, e.g. "
                  "--calibration h100-sxm=calibrations/h100-sxm-torch-cudnn.yaml");
  cmd->add_option("--kernel", opt->kernel,
                  "The attention kernel the runs use on every hardware, by name (as the scenario "
                  "key kernel:), in place of the implementation's, e.g. --kernel "
                  "flash-attention-2");
  cmd->add_option("--max-devices", opt->max_devices,
                  "Largest device count tried (powers of two up to this)")
      ->check(CLI::Range(int64_t{1}, int64_t{4096}));
  cmd->add_option("--devices", opt->devices,
                  "Exactly this many devices, any count (replicas, rings and FSDP groups over its "
                  "divisors) instead of the powers of two up to --max-devices")
      ->check(CLI::Range(int64_t{1}, int64_t{4096}));
  cmd->add_option("--top", opt->top, "Rows to print")->check(WholeNumber(1, 1000000));
  cmd->add_option("--recheck", opt->recheck,
                  "How many of the top rows to re-time with the SimGrid engine (0: none)")
      ->check(WholeNumber(0, 1000000));
  cmd->add_option("--recheck-scope", opt->recheck_simgrid.scope,
                  "ring (one ring on an empty fabric) or cluster (every replica's ring and FSDP "
                  "traffic on one fabric: contention)")
      ->check(CLI::IsMember({"ring", "cluster"}));
  cmd->add_option("--fabric", opt->recheck_simgrid.fabric,
                  "The re-check's InfiniBand fabric: rail-optimised or fat-tree")
      ->check(CLI::IsMember({"rail-optimised", "fat-tree"}));
  cmd->add_option("--oversubscription", opt->recheck_simgrid.oversubscription,
                  "The fabric's leaf down ports per uplink: 1, 2, 4, 8, 16 or 32")
      ->check(CLI::IsMember({1, 2, 4, 8, 16, 32}));
  cmd->add_option("--placement", opt->recheck_simgrid.placement,
                  "packed or spread: the job's nodes on the fabric's leaves")
      ->check(CLI::IsMember({"packed", "spread"}));
  cmd->add_option("--rank-by", opt->rank_by,
                  "step_time, tokens_per_s, mfu or cost (default: cost when every hardware has "
                  "a --price, else step_time)")
      ->check(CLI::IsMember({"step_time", "tokens_per_s", "mfu", "cost"}));
  cmd->add_option("--precision", opt->precision,
                  "bf16, fp8 (linear layers at the FP8 peak, attention in bf16) or fp32")
      ->check(CLI::IsMember({"bf16", "fp8", "fp32"}));
  cmd->add_flag("--non-causal", opt->non_causal, "Full (bidirectional) attention");
  cmd->add_flag("--tp-comm-overlap", opt->tp_comm_overlap,
                "Tensor-parallel layouts overlap their collectives with the GEMMs, as Transformer "
                "Engine's userbuffers do (the scenario key parallel.tp_comm_overlap)");
  cmd->add_option("--jobs,-j", opt->jobs, "Threads (default: one per hardware thread)")
      ->check(WholeNumber(1, kMaxJobs));
  AddFormatOption(cmd, opt->format);
  cmd->callback([opt] { RunPlan(*opt); });
}

}  // namespace ringsim
