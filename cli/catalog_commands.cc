// ringsim hw list | hw show NAME ; ringsim models — what ships with ringsim.

#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/format.h"
#include "io/hardware_loader.h"
#include "io/scenario_loader.h"
#include "sim/model_spec.h"

namespace ringsim {

namespace {

void ListHardwareCommand(const std::string& format) {
  nlohmann::json all = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows;
  for (const std::string& name : ListHardware()) {
    HardwareSpec hw = LoadHardware(name);
    all.push_back(HardwareToJson(hw));
    rows.push_back(
        {hw.name, hw.kind, FormatFlops(hw.peak_bf16_flops_per_s), FormatBytes(hw.hbm_bytes),
         fmt::format("{:.1f} GB/s {}", hw.intra_node.bw_bytes_per_s / 1e9, hw.intra_node.kind),
         hw.topology == Topology::kTorus
             ? "torus"
             : fmt::format("{:.1f} GB/s {}", hw.inter_node.bw_bytes_per_s / 1e9,
                           hw.inter_node.kind),
         hw.attention_efficiency.IsAssumed() ? "assumed" : "calibrated"});
  }
  if (ParseFormat(format) == OutputFormat::kJson) {
    std::cout << all.dump(2) << "\n";
    return;
  }
  std::vector<std::string> header = {
      "name", "kind", "bf16 peak", "HBM", "intra-node link", "inter-node link", "curves"};
  std::cout << (ParseFormat(format) == OutputFormat::kCsv ? RenderCsv(header, rows)
                                                          : RenderTable(header, rows));
}

void ShowHardwareCommand(const std::string& name, const std::string& format) {
  HardwareSpec hw = HardwareByName(name, "hw show");
  if (ParseFormat(format) == OutputFormat::kJson) {
    std::cout << HardwareToJson(hw).dump(2) << "\n";
  } else {
    std::cout << HardwareToText(hw);
  }
}

void ModelsCommand(const std::string& format) {
  nlohmann::json all = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows;
  for (const ModelSpec& m : ModelPresets()) {
    all.push_back({{"name", m.name},
                   {"layers", m.layers},
                   {"hidden", m.hidden},
                   {"heads", m.heads},
                   {"kv_heads", m.kv_heads},
                   {"head_dim", m.head_dim},
                   {"ffn_hidden", m.ffn_hidden},
                   {"vocab", m.vocab},
                   {"gated_ffn", m.gated_ffn},
                   {"params", m.TotalParams()},
                   {"source", m.source}});
    rows.push_back({m.name, fmt::format("{:.2f}B", m.TotalParams() / 1e9), std::to_string(m.layers),
                    std::to_string(m.hidden), fmt::format("{}/{}", m.heads, m.kv_heads),
                    std::to_string(m.head_dim), std::to_string(m.ffn_hidden),
                    std::to_string(m.vocab), m.source});
  }
  if (ParseFormat(format) == OutputFormat::kJson) {
    std::cout << all.dump(2) << "\n";
    return;
  }
  std::vector<std::string> header = {"name",     "params", "layers", "hidden", "heads/kv",
                                     "head_dim", "ffn",    "vocab",  "source"};
  std::cout << (ParseFormat(format) == OutputFormat::kCsv ? RenderCsv(header, rows)
                                                          : RenderTable(header, rows));
}

CLI::Option* AddFormat(CLI::App* cmd, std::string& format) {
  return cmd->add_option("--format", format, "Output format")
      ->check(CLI::IsMember({"table", "json", "csv"}));
}

}  // namespace

void AddHardwareCommand(CLI::App& app) {
  auto format = std::make_shared<std::string>("table");
  auto name = std::make_shared<std::string>();
  CLI::App* hw = app.add_subcommand("hw", "Hardware profiles shipped in hwmodels/");
  hw->require_subcommand(1);
  CLI::App* list = hw->add_subcommand("list", "List hardware profiles");
  AddFormat(list, *format);
  list->callback([format] { ListHardwareCommand(*format); });
  CLI::App* show = hw->add_subcommand("show", "Show one profile with the source of every number");
  show->add_option("name", *name, "Profile name or path to a profile YAML")->required();
  AddFormat(show, *format);
  show->callback([name, format] { ShowHardwareCommand(*name, *format); });
}

void AddModelsCommand(CLI::App& app) {
  auto format = std::make_shared<std::string>("table");
  CLI::App* cmd = app.add_subcommand("models", "List model presets");
  AddFormat(cmd, *format);
  cmd->callback([format] { ModelsCommand(*format); });
}

}  // namespace ringsim
