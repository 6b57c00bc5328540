// ringsim memory: per-device memory of a scenario, or the longest context that fits for
// each attention method under the paper's Table 3 assumptions.

#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/option_values.h"
#include "cli/output_format.h"
#include "cli/scenario_report.h"
#include "io/hardware_loader.h"
#include "io/scenario_loader.h"
#include "sim/config_error.h"
#include "sim/limits.h"
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
  std::string precision = "bf16";
  int64_t batch = 1;
  std::string format = "table";
  bool levers = false;
};

void ScenarioMemory(const MemoryOptions& opt) {
  Scenario s = LoadScenario(opt.scenario, opt.overrides);
  Table table;
  table.columns = {{"scenario", Unit::kText, "scenario", Show::kMachineOnly}};
  for (Column& c : MemoryColumns()) table.columns.push_back(std::move(c));
  const MemoryBreakdown memory = DeviceMemory(s);
  std::vector<Cell> cells = {s.name};
  for (Cell& c : MemoryCells(memory)) cells.push_back(std::move(c));
  table.AddRow(std::move(cells));
  const std::vector<std::string> levers = MemoryLevers(s, memory);
  PrintInFormat(
      opt.format, table,
      [&] {
        nlohmann::json out = RowJson(table, 0);
        nlohmann::json set_by = nlohmann::json::object();
        const std::vector<Column> columns = MemoryColumns();
        for (size_t i = 0; i < columns.size() && i < levers.size(); ++i) {
          if (!levers[i].empty()) set_by[columns[i].key] = levers[i];
        }
        out["set_by"] = set_by;
        return out;
      },
      [&] {
        // Each term with what set it: the lever to pull.
        const std::string record = RenderRecordText(table, 0, {"term", "bytes"});
        size_t line_start = record.find('\n', record.find('\n') + 1) + 1;  // past the header
        std::vector<std::string> lines;
        for (size_t i = line_start; i < record.size();) {
          const size_t end = record.find('\n', i);
          lines.push_back(record.substr(i, end - i));
          i = end == std::string::npos ? record.size() : end + 1;
        }
        std::string out = fmt::format("{}: memory per device\n", s.name);
        const size_t width = std::max_element(lines.begin(), lines.end(), [](auto& a, auto& b) {
                               return a.size() < b.size();
                             })->size();
        // The header and its rule, widened by the lever column.
        const size_t rule_start = record.find('\n') + 1;
        std::string header = record.substr(0, rule_start - 1);
        std::string rule = record.substr(rule_start, line_start - rule_start - 1);
        header += std::string(width + 2 - std::min(width + 2, header.size()), ' ') + "set by";
        rule += std::string(width + 2 - std::min(width + 2, rule.size()), ' ') + "------";
        out += header + "\n" + rule + "\n";
        for (size_t i = 0; i < lines.size(); ++i) {
          std::string line = lines[i];
          if (i < levers.size() && !levers[i].empty()) {
            line += std::string(width + 2 - line.size(), ' ') + levers[i];
          }
          out += line + "\n";
        }
        return out;
      });
}

/// memory SCENARIO --max-context: the longest seq_len the scenario's own recipe and layout hold.
void ScenarioMaxContextMemory(const MemoryOptions& opt) {
  const Scenario s = LoadScenario(opt.scenario, opt.overrides);
  const MaxContext mc = ScenarioMaxContext(s);
  Table table;
  table.columns = {
      {"scenario", Unit::kText, "scenario", Show::kMachineOnly},
      {"seq_len", Unit::kTokens, "seq_len now"},
      {"max_context_tokens", Unit::kTokens, "longest seq_len that fits"},
      {"max_context_pow2_tokens", Unit::kTokens, "power of two"},
      {"tokens_per_device", Unit::kTokens, "tokens per device there"},
      {"capped", Unit::kBool, "", Show::kMachineOnly},
      {"reason", Unit::kText, "", Show::kMachineOnly},
  };
  for (Column& c : MemoryColumns("memory.")) table.columns.push_back(std::move(c));
  std::vector<Cell> cells = {s.name,         s.workload.seq_len,   mc.tokens,
                             mc.pow2_tokens, mc.tokens_per_device, mc.capped,
                             mc.reason};
  for (Cell& c : MemoryCells(mc.memory)) cells.push_back(std::move(c));
  table.AddRow(std::move(cells));
  PrintInFormat(
      opt.format, table, [&] { return RowJson(table, 0); },
      [&] {
        std::string out = fmt::format(
            "{}: longest context with this recipe and layout (everything but "
            "workload.seq_len kept)\n",
            s.name);
        if (mc.tokens == 0) return out + "  nothing fits: " + mc.reason + "\n";
        out += fmt::format(
            "  {} ({} per device; seq_len now {}): {} of {} usable, {} in "
            "layer working set, {} in checkpoints{}\n",
            FormatTokens(static_cast<double>(mc.tokens)),
            FormatTokens(static_cast<double>(mc.tokens_per_device)),
            FormatTokens(static_cast<double>(s.workload.seq_len)),
            FormatBytes(mc.memory.total_bytes), FormatBytes(mc.memory.usable_bytes),
            FormatBytes(mc.memory.layer_working_bytes), FormatBytes(mc.memory.checkpoint_bytes),
            mc.capped ? " (the search's limit)" : "");
        return out;
      });
}

/// "12.3Ki": tokens in units of 1024, as the paper's Table 3 counts them (its "K").
std::string KiloTokens(const Cell& c) { return fmt::format("{:.1f}Ki", c.Number() / 1024.0); }

void MaxContextMemory(const MemoryOptions& opt) {
  if (opt.hardware.empty() || opt.model.empty() || opt.devices < 1) {
    throw ConfigError("memory --max-context: needs --hardware NAME --model NAME --devices N");
  }
  HardwareSpec hw = HardwareByName(opt.hardware, "--hardware");
  ModelSpec model = ModelByNameOrFile(opt.model, "--model");
  MaxContextAssumptions assumptions;
  assumptions.precision = PrecisionByName(opt.precision, "--precision");
  assumptions.batch = opt.batch;
  Table table;
  table.columns = {
      {"method", Unit::kText},
      {"max_context_tokens", Unit::kTokens, "max context (Ki = 1024 tokens)", Show::kEverywhere,
       KiloTokens},
      {"max_context_pow2_tokens", Unit::kTokens, "power of two", Show::kEverywhere,
       [](const Cell& c) { return fmt::format("{:.0f}Ki", c.Number() / 1024.0); }},
      {"tokens_per_device", Unit::kTokens, "", Show::kMachineOnly},
      {"capped", Unit::kBool, "", Show::kMachineOnly},
      {"reason", Unit::kText, "note"},
  };
  for (Column& c : MemoryColumns("memory.")) {
    c.show = Show::kMachineOnly;
    table.columns.push_back(std::move(c));
  }
  for (AttentionMethod method : {AttentionMethod::kVanilla, AttentionMethod::kMemoryEfficient,
                                 AttentionMethod::kBlockwise, AttentionMethod::kRing}) {
    MaxContext mc = FindMaxContext(method, model, hw, opt.devices, assumptions);
    std::vector<Cell> cells = {AttentionMethodName(method), mc.tokens, mc.pow2_tokens,
                               mc.tokens_per_device,        mc.capped, mc.reason};
    for (Cell& c : MemoryCells(mc.memory)) cells.push_back(std::move(c));
    table.AddRow(std::move(cells));
  }
  auto json = [&] {
    return nlohmann::json{{"model", model.name},
                          {"hardware", hw.name},
                          {"devices", opt.devices},
                          {"precision", opt.precision},
                          {"batch", opt.batch},
                          {"assumptions",
                           "FSDP over all devices, no tensor parallelism, full "
                           "checkpointing (paper Table 3)"},
                          {"methods", TableJson(table)}};
  };
  // What each recipe lever buys Ring Attention, alone and together, from the same start.
  Table levers;
  levers.columns = {
      {"recipe", Unit::kText},
      {"max_context_tokens", Unit::kTokens, "max context (Ki = 1024 tokens)", Show::kEverywhere,
       KiloTokens},
      {"max_context_pow2_tokens", Unit::kTokens, "power of two", Show::kEverywhere,
       [](const Cell& c) { return fmt::format("{:.0f}Ki", c.Number() / 1024.0); }},
      {"vs_baseline", Unit::kRatio, "x the first row"},
      {"reason", Unit::kText, "note"},
  };
  if (opt.levers) {
    struct Recipe {
      const char* name;
      Checkpointing checkpointing;
      Loss loss;
      Offload offload;
    };
    const bool host = hw.host_memory_bytes > 0;
    std::vector<Recipe> recipes = {
        {"as above (checkpointing full, loss full, no offload)", Checkpointing::kFull, Loss::kFull,
         Offload::kNone},
        {"checkpointing none", Checkpointing::kNone, Loss::kFull, Offload::kNone},
        {"checkpointing selective-op", Checkpointing::kSelectiveOp, Loss::kFull, Offload::kNone},
        {"loss chunked", Checkpointing::kFull, Loss::kChunked, Offload::kNone}};
    if (host) {
      recipes.push_back(
          {"offload activations", Checkpointing::kFull, Loss::kFull, Offload::kActivations});
      recipes.push_back(
          {"offload optimizer", Checkpointing::kFull, Loss::kFull, Offload::kOptimizer});
      recipes.push_back({"loss chunked + offload activations+optimizer", Checkpointing::kFull,
                         Loss::kChunked, Offload::kBoth});
    }
    double base = 0;
    for (const Recipe& r : recipes) {
      MaxContextAssumptions a = assumptions;
      a.checkpointing = r.checkpointing;
      a.loss = r.loss;
      a.offload = r.offload;
      const MaxContext mc = FindMaxContext(AttentionMethod::kRing, model, hw, opt.devices, a);
      if (base == 0) base = static_cast<double>(mc.tokens);
      levers.AddRow({r.name, mc.tokens, mc.pow2_tokens,
                     base > 0 ? static_cast<double>(mc.tokens) / base : 0.0, mc.reason});
    }
    if (!host) {
      levers.AddRow({"offload (any)", int64_t{0}, int64_t{0}, 0.0,
                     fmt::format("hardware '{}' gives no host", hw.name)});
    }
  }
  auto json_all = [&] {
    nlohmann::json out = json();
    if (opt.levers) out["levers"] = TableJson(levers);
    return out;
  };
  auto text = [&] {
    std::string out =
        fmt::format("Longest context: {} on {} x {}, {} (FSDP over all, full checkpointing)\n",
                    model.name, opt.devices, hw.name, opt.precision) +
        RenderText(table);
    if (opt.levers) {
      out += fmt::format("\nWhat each lever buys Ring Attention ({} x {}, {}):\n", opt.devices,
                         hw.name, opt.precision) +
             RenderText(levers);
    }
    return out;
  };
  PrintInFormat(opt.format, table, json_all, text);
}

}  // namespace

void AddMemoryCommand(CLI::App& app) {
  auto opt = std::make_shared<MemoryOptions>();
  CLI::App* cmd = app.add_subcommand(
      "memory", "Per-device memory of a scenario, or --max-context per attention method");
  cmd->add_option("scenario", opt->scenario, "Scenario YAML");
  cmd->add_option("--set", opt->overrides, "Override a scenario key (repeatable)");
  cmd->add_flag("--max-context", opt->max_context,
                "Longest context that fits: with a SCENARIO, the longest seq_len of its own recipe "
                "and layout; else per attention method (vanilla, memory-efficient, blockwise, "
                "ring) with --hardware --model --devices");
  cmd->add_option("--hardware", opt->hardware, "Profile name (with --max-context)");
  cmd->add_option("--model", opt->model,
                  "Model preset, or a YAML file with its mapping (with --max-context)");
  cmd->add_option("--devices", opt->devices, "Devices (with --max-context)")
      ->check(WholeNumber(1, kMaxDevices));
  cmd->add_option("--precision", opt->precision,
                  "Training precision for --max-context (bf16 as everywhere; the paper's Table 3: "
                  "fp32)")
      ->check(CLI::IsMember({"bf16", "fp32"}));
  cmd->add_option("--batch", opt->batch, "Sequences per device (with --max-context)")
      ->check(WholeNumber(1, kMaxTokensPerStep));
  cmd->add_flag("--levers", opt->levers,
                "With --max-context: also the longest Ring Attention context per recipe lever "
                "(checkpointing, chunked loss, offload), alone and together");
  AddFormatOption(cmd, opt->format);
  cmd->callback([opt] {
    if (opt->max_context && !opt->scenario.empty()) {
      ScenarioMaxContextMemory(*opt);
    } else if (opt->max_context) {
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
