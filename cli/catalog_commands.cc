// ringsim hw list | hw show NAME ; ringsim models ; ringsim implementations — what ships with
// ringsim.

#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/output_format.h"
#include "io/hardware_loader.h"
#include "io/implementation_loader.h"
#include "io/scenario_loader.h"
#include "sim/model_spec.h"

namespace ringsim {

namespace {

std::string LinkText(const LinkSpec& link) {
  return fmt::format("{:.1f} GB/s {}", link.bw_bytes_per_s / 1e9, link.kind);
}

void ListHardwareCommand(const std::string& format) {
  Table table;
  table.columns = {
      {"name", Unit::kText},
      {"kind", Unit::kText},
      {"peak_bf16_flops_per_s", Unit::kFlopsPerS, "bf16 peak"},
      {"hbm_bytes", Unit::kBytes, "HBM"},
      {"devices_per_node", Unit::kCount, "", Show::kMachineOnly},
      {"intra_link_kind", Unit::kText, "", Show::kMachineOnly},
      {"intra_link_bw_bytes_per_s", Unit::kBytesPerS, "", Show::kMachineOnly},
      {"intra_link", Unit::kText, "intra-node link", Show::kHumanOnly},
      {"topology", Unit::kText, "", Show::kMachineOnly},
      {"inter_link_kind", Unit::kText, "", Show::kMachineOnly},
      {"inter_link_bw_bytes_per_s", Unit::kBytesPerS, "", Show::kMachineOnly},
      {"inter_link", Unit::kText, "inter-node link", Show::kHumanOnly},
      {"kernel", Unit::kText, "attention kernel"},
      {"curves", Unit::kText},
  };
  nlohmann::json profiles = nlohmann::json::array();
  for (const std::string& name : ListHardware()) {
    HardwareSpec hw = LoadHardware(name);
    profiles.push_back(HardwareToJson(hw));
    const bool torus = hw.topology == Topology::kTorus;
    table.AddRow({hw.name, hw.kind, hw.peak_bf16_flops_per_s, hw.hbm_bytes, hw.devices_per_node,
                  hw.intra_node.kind, hw.intra_node.bw_bytes_per_s, LinkText(hw.intra_node),
                  torus ? "torus" : "fat-tree", hw.inter_node.kind, hw.inter_node.bw_bytes_per_s,
                  torus ? "torus" : LinkText(hw.inter_node), hw.attention_kernel,
                  hw.attention_efficiency.IsAssumed() ? "assumed" : "calibrated"});
  }
  // JSON: the whole profiles, as hw show --format json.
  PrintInFormat(
      format, table, [&] { return profiles; }, [&] { return RenderText(table); });
}

/// Every number of a profile as a row: key path, value in SI units, unit, source.
Table HardwareValues(const HardwareSpec& hw) {
  Table table;
  table.columns = {
      {"key", Unit::kText}, {"value", Unit::kText}, {"unit", Unit::kText}, {"source", Unit::kText}};
  auto add = [&](const std::string& key, double value, const char* unit,
                 const std::string& source) {
    table.AddRow({key, value, unit, source});
  };
  add("device.peak_bf16_flops_per_s", hw.peak_bf16_flops_per_s, "flop/s", hw.peak_bf16_source);
  add("device.peak_fp32_flops_per_s", hw.peak_fp32_flops_per_s, "flop/s", hw.peak_fp32_source);
  if (hw.peak_fp8_flops_per_s > 0) {
    add("device.peak_fp8_flops_per_s", hw.peak_fp8_flops_per_s, "flop/s", hw.peak_fp8_source);
  }
  if (hw.sm_count > 0) {
    table.AddRow({"device.sm_count", hw.sm_count, "count", hw.sm_count_source});
  }
  if (!hw.sustained_clock_source.empty()) {
    add("device.sustained_clock_fraction", hw.sustained_clock_fraction, "fraction",
        hw.sustained_clock_source);
  }
  add("device.hbm_bytes", hw.hbm_bytes, "bytes", hw.hbm_source);
  add("device.hbm_bw_bytes_per_s", hw.hbm_bw_bytes_per_s, "bytes/s", hw.hbm_bw_source);
  table.AddRow({"node.devices_per_node", hw.devices_per_node, "count", ""});
  auto link = [&](const std::string& key, const LinkSpec& l) {
    add(key + ".bw_bytes_per_s", l.bw_bytes_per_s, "bytes/s", l.bw_source);
    add(key + ".latency_s", l.latency_s, "s", l.latency_source);
  };
  link("node.intra_link", hw.intra_node);
  link("fabric.inter_link", hw.inter_node);
  for (size_t i = 0; i < hw.torus_shape.size(); ++i) {
    table.AddRow({fmt::format("fabric.torus_shape.{}", i), hw.torus_shape[i], "count", ""});
  }
  // A curve's points: the fraction at each size, keyed by the size.
  auto curve = [&](const std::string& key, const EfficiencyCurve& c, const char* x_unit,
                   const std::string& source) {
    for (const auto& [x, y] : c.points) {
      add(fmt::format("{}.{:g}_{}", key, x, x_unit), y, "fraction", source);
    }
  };
  // Values stay numbers: the kernel the attention curves describe goes with their source.
  const std::string kernel = "kernel " + hw.attention_kernel + "; ";
  curve("efficiency.attention", hw.attention_efficiency, "tokens",
        kernel + hw.attention_efficiency.source);
  curve("efficiency.attention_bwd", hw.attention_bwd_efficiency, "tokens",
        kernel + hw.attention_bwd_efficiency.source);
  curve("efficiency.attention_causal", hw.attention_causal_efficiency, "tokens",
        kernel + hw.attention_causal_efficiency.source);
  curve("efficiency.attention_causal_bwd", hw.attention_causal_bwd_efficiency, "tokens",
        kernel + hw.attention_causal_bwd_efficiency.source);
  curve("efficiency.matmul", hw.matmul_efficiency, "tokens", hw.matmul_efficiency.source);
  curve("efficiency.matmul_fp8", hw.matmul_fp8_efficiency, "tokens",
        hw.matmul_fp8_efficiency.source);
  curve("efficiency.memory", hw.memory_efficiency, "bytes", hw.memory_efficiency.source);
  curve("interference", hw.interference_by_block, "tokens", hw.calibration);
  if (hw.interference_by_block.points.empty() && hw.interference_slowdown > 0) {
    add("interference.slowdown", hw.interference_slowdown, "fraction", hw.calibration);
  }
  return table;
}

void ShowHardwareCommand(const std::string& name, const std::string& format) {
  HardwareSpec hw = HardwareByName(name, "hw show");
  // JSON: the profile's own schema, sources beside the numbers.
  PrintInFormat(
      format, HardwareValues(hw), [&] { return HardwareToJson(hw); },
      [&] { return HardwareToText(hw); });
}

void ModelsCommand(const std::string& format) {
  Table table;
  table.columns = {
      {"name", Unit::kText},
      {"params", Unit::kCount, "params", Show::kEverywhere,
       [](const Cell& c) { return fmt::format("{:.2f}B", c.Number() / 1e9); }},
      {"layers", Unit::kCount},
      {"hidden", Unit::kCount},
      {"heads", Unit::kCount, "", Show::kMachineOnly},
      {"kv_heads", Unit::kCount, "", Show::kMachineOnly},
      {"heads_kv", Unit::kText, "heads/kv", Show::kHumanOnly},
      {"head_dim", Unit::kCount},
      {"ffn_hidden", Unit::kCount, "ffn"},
      {"vocab", Unit::kCount},
      {"gated_ffn", Unit::kBool, "", Show::kMachineOnly},
      {"source", Unit::kText},
  };
  for (const ModelSpec& m : ModelPresets()) {
    table.AddRow({m.name, m.TotalParams(), m.layers, m.hidden, m.heads, m.kv_heads,
                  fmt::format("{}/{}", m.heads, m.kv_heads), m.head_dim, m.ffn_hidden, m.vocab,
                  m.gated_ffn, m.source});
  }
  PrintInFormat(
      format, table, [&] { return TableJson(table); }, [&] { return RenderText(table); });
}

void ImplementationsCommand(const std::string& format) {
  Table table;
  table.columns = {
      {"name", Unit::kText},
      {"communication", Unit::kText},
      {"kv_heads", Unit::kText, "K,V heads"},
      {"zigzag", Unit::kText, "zigzag launches"},
      {"striped", Unit::kText, "striped launches"},
      {"kernel", Unit::kText, "kernel"},
      // What the layer keeps at its backward's peak (tokens x width tensors) and what the
      // stack holds back, the memory verdict's implementation terms.
      {"ffn_working_tensors", Unit::kCount, "FFN tensors"},
      {"hidden_working_tensors", Unit::kCount, "hidden tensors"},
      {"reserve_bytes", Unit::kBytes, "reserve"},
      {"reserve_fraction", Unit::kFraction, "+ HBM"},
      {"host_optimizer_params_per_s", Unit::kCount, "CPU Adam (node)", Show::kEverywhere,
       [](const Cell& c) {
         return fmt::format("{:.2f}e9 params/s", std::get<double>(c.value()) / 1e9);
       }},
      {"description", Unit::kText, "", Show::kMachineOnly},
      {"file", Unit::kText, "", Show::kMachineOnly},
  };
  for (const std::string& name : ListImplementations()) {
    const ImplementationSpec impl = LoadImplementation(name, "implementations");
    table.AddRow({impl.name, CommPatternName(impl.comm), impl.kv_heads_repeated ? "query" : "kv",
                  LaunchRuleName(impl.zigzag_rule), LaunchRuleName(impl.striped_rule),
                  impl.kernel.empty() ? "the profile's" : impl.kernel,
                  static_cast<int64_t>(impl.ffn_working_tensors.value),
                  static_cast<int64_t>(impl.hidden_working_tensors.value), impl.reserve_bytes.value,
                  impl.reserve_fraction.value, impl.host_optimizer_params_per_s.value,
                  impl.description, impl.file});
  }
  PrintInFormat(
      format, table, [&] { return TableJson(table); }, [&] { return RenderText(table); });
}

}  // namespace

void AddHardwareCommand(CLI::App& app) {
  auto format = std::make_shared<std::string>("table");
  auto name = std::make_shared<std::string>();
  CLI::App* hw = app.add_subcommand("hw", "Hardware profiles shipped in hwmodels/");
  hw->require_subcommand(1);
  CLI::App* list = hw->add_subcommand("list", "List hardware profiles");
  AddFormatOption(list, *format);
  list->callback([format] { ListHardwareCommand(*format); });
  CLI::App* show = hw->add_subcommand("show", "Show one profile with the source of every number");
  show->add_option("name", *name, "Profile name or path to a profile YAML")->required();
  AddFormatOption(show, *format);
  show->callback([name, format] { ShowHardwareCommand(*name, *format); });
}

void AddModelsCommand(CLI::App& app) {
  auto format = std::make_shared<std::string>("table");
  CLI::App* cmd = app.add_subcommand("models", "List model presets");
  AddFormatOption(cmd, *format);
  cmd->callback([format] { ModelsCommand(*format); });
}

void AddImplementationsCommand(CLI::App& app) {
  auto format = std::make_shared<std::string>("table");
  CLI::App* cmd = app.add_subcommand(
      "implementations",
      "List the stacks a scenario's 'implementation:' may name (implementations/*.yaml)");
  AddFormatOption(cmd, *format);
  cmd->callback([format] { ImplementationsCommand(*format); });
}

}  // namespace ringsim
