// ringsim memory: per-device memory of a scenario, or the longest context that fits for
// each attention method under the paper's Table 3 assumptions.

#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/option_values.h"
#include "cli/scenario_report.h"
#include "io/hardware_loader.h"
#include "io/scenario_loader.h"
#include "sim/config_error.h"
#include "sim/max_context.h"

namespace ringsim {

namespace {

struct MemoryOptions {
  std::string scenario;
  std::vector<std::string> overrides;
  bool max_context = false;
  std::string hardware;
  std::string model;
  int64_t devices = 0;
  std::string precision = "fp32";
  int64_t batch = 1;
  std::string format = "table";
};

void ScenarioMemory(const MemoryOptions& opt) {
  Scenario s = LoadScenario(opt.scenario, opt.overrides);
  MemoryBreakdown m = DeviceMemory(s);
  OutputFormat format = ParseFormat(opt.format);
  if (format == OutputFormat::kJson) {
    nlohmann::json out = MemoryToJson(m);
    out["scenario"] = s.name;
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::vector<std::vector<std::string>> rows = {
      {"ring buffers (6 blocks)", FormatBytes(m.attention_buffers_bytes)},
      {"weights (shard)", FormatBytes(m.weights_bytes)},
      {"gradients (shard)", FormatBytes(m.gradients_bytes)},
      {"optimizer state (shard)", FormatBytes(m.optimizer_bytes)},
      {"FSDP gathered layers", FormatBytes(m.fsdp_working_bytes)},
      {"checkpointed layer inputs", FormatBytes(m.checkpoint_bytes)},
      {"layer working set", FormatBytes(m.layer_working_bytes)},
      {"logits", FormatBytes(m.logits_bytes)},
      {"total", FormatBytes(m.total_bytes)},
      {"usable HBM",
       fmt::format("{} of {}", FormatBytes(m.usable_bytes), FormatBytes(m.capacity_bytes))},
      {"fits", m.fits ? "yes" : "NO"}};
  if (format == OutputFormat::kCsv) {
    std::cout << RenderCsv({"term", "bytes"}, rows);
  } else {
    std::cout << fmt::format("{}: memory per device\n", s.name)
              << RenderTable({"term", "bytes"}, rows);
  }
}

void MaxContextMemory(const MemoryOptions& opt) {
  if (opt.hardware.empty() || opt.model.empty() || opt.devices < 1) {
    throw ConfigError("memory --max-context: needs --hardware NAME --model NAME --devices N");
  }
  HardwareSpec hw = HardwareByName(opt.hardware, "--hardware");
  ModelSpec model = ModelByName(opt.model, "--model");
  MaxContextAssumptions assumptions;
  assumptions.precision = PrecisionByName(opt.precision, "--precision");
  assumptions.batch = opt.batch;
  nlohmann::json methods = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows;
  for (AttentionMethod method : {AttentionMethod::kVanilla, AttentionMethod::kMemoryEfficient,
                                 AttentionMethod::kBlockwise, AttentionMethod::kRing}) {
    MaxContext mc = FindMaxContext(method, model, hw, opt.devices, assumptions);
    methods.push_back({{"method", AttentionMethodName(method)},
                       {"max_context_tokens", mc.tokens},
                       {"max_context_pow2_tokens", mc.pow2_tokens},
                       {"tokens_per_device", mc.tokens_per_device},
                       {"capped", mc.capped},
                       {"reason", mc.reason},
                       {"memory", MemoryToJson(mc.memory)}});
    rows.push_back({AttentionMethodName(method), fmt::format("{:.1f}K", mc.tokens / 1024.0),
                    fmt::format("{}K", mc.pow2_tokens / 1024), mc.reason});
  }
  OutputFormat format = ParseFormat(opt.format);
  if (format == OutputFormat::kJson) {
    nlohmann::json out = {{"model", model.name},
                          {"hardware", hw.name},
                          {"devices", opt.devices},
                          {"precision", opt.precision},
                          {"batch", opt.batch},
                          {"assumptions",
                           "FSDP over all devices, no tensor parallelism, full "
                           "checkpointing (paper Table 3)"},
                          {"methods", methods}};
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::vector<std::string> header = {"method", "max context (K = 1024)", "power of two", "note"};
  if (format == OutputFormat::kCsv) {
    std::cout << RenderCsv(header, rows);
    return;
  }
  std::cout << fmt::format(
                   "Longest context: {} on {} x {}, {} (FSDP over all, full checkpointing)\n",
                   model.name, opt.devices, hw.name, opt.precision)
            << RenderTable(header, rows);
}

}  // namespace

void AddMemoryCommand(CLI::App& app) {
  auto opt = std::make_shared<MemoryOptions>();
  CLI::App* cmd = app.add_subcommand(
      "memory", "Per-device memory of a scenario, or --max-context per attention method");
  cmd->add_option("scenario", opt->scenario, "Scenario YAML");
  cmd->add_option("--set", opt->overrides, "Override a scenario key (repeatable)");
  cmd->add_flag("--max-context", opt->max_context,
                "Longest context that fits: vanilla, memory-efficient, blockwise, ring");
  cmd->add_option("--hardware", opt->hardware, "Profile name (with --max-context)");
  cmd->add_option("--model", opt->model, "Model preset (with --max-context)");
  cmd->add_option("--devices", opt->devices, "Devices (with --max-context)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--precision", opt->precision,
                  "Training precision for --max-context (the paper: fp32)")
      ->check(CLI::IsMember({"bf16", "fp32"}));
  cmd->add_option("--batch", opt->batch, "Sequences per device (with --max-context)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--format", opt->format, "Output format")
      ->check(CLI::IsMember({"table", "json", "csv"}));
  cmd->callback([opt] {
    if (opt->max_context) {
      MaxContextMemory(*opt);
    } else if (!opt->scenario.empty()) {
      ScenarioMemory(*opt);
    } else {
      throw ConfigError(
          "memory: give a SCENARIO.yaml, or --max-context --hardware --model --devices");
    }
  });
}

}  // namespace ringsim
