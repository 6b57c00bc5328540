// ringsim overlap: the paper's overlap condition per hardware and link class, and the
// calibrated minimal block from the achieved-rate curve.

#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/option_values.h"
#include "cli/output_format.h"
#include "io/hardware_loader.h"
#include "io/scenario_loader.h"
#include "sim/config_error.h"
#include "sim/limits.h"
#include "sim/overlap.h"

namespace ringsim {

namespace {

struct LinkClass {
  std::string role;  ///< "intra-node", "inter-node" or "ici"
  LinkSpec link;
};

// The links a ring can run over on this hardware: within a node, across nodes, or ICI.
std::vector<LinkClass> LinkClasses(const HardwareSpec& hw) {
  if (hw.topology == Topology::kTorus) return {{"ici", hw.intra_node}};
  if (hw.devices_per_node <= 1) return {{"inter-node", hw.inter_node}};
  return {{"intra-node", hw.intra_node}, {"inter-node", hw.inter_node}};
}

struct OverlapOptions {
  std::string hardware;
  std::string model;
  int64_t block = 0;
  std::string precision = "bf16";
  std::string calibration;
  std::string format = "table";
};

void RunOverlap(const OverlapOptions& opt) {
  std::vector<std::string> names;
  std::stringstream list(opt.hardware);
  for (std::string name; std::getline(list, name, ',');) {
    if (!name.empty()) names.push_back(name);
  }
  if (names.empty()) {
    throw ConfigError(
        fmt::format("--hardware: expected one or more profile names (ringsim hw list), got '{}'",
                    opt.hardware));
  }
  ModelSpec model;
  bool have_model = !opt.model.empty();
  if (have_model) model = ModelByNameOrFile(opt.model, "--model");

  auto kilo = [](const Cell& c) { return fmt::format("{:.2f}K", c.Number() / 1e3); };
  Table table;
  table.columns = {
      {"hardware", Unit::kText},
      {"link", Unit::kText, "", Show::kMachineOnly},
      {"link_kind", Unit::kText, "", Show::kMachineOnly},
      {"ring_link", Unit::kText, "ring link", Show::kHumanOnly},
      {"peak_flops_per_s", Unit::kFlopsPerS, "F (peak)"},
      {"link_bw_bytes_per_s", Unit::kBytesPerS, "B (one way)"},
      {"link_latency_s", Unit::kSeconds, "", Show::kMachineOnly},
      {"min_block_paper", Unit::kTokens, "min block F/B", Show::kEverywhere, kilo},
      {"min_seq_paper", Unit::kTokens, "min seq 6c", Show::kEverywhere, kilo},
      {"min_block_calibrated", Unit::kTokens, "", Show::kMachineOnly},
      {"efficiency_at_calibrated", Unit::kFraction, "", Show::kMachineOnly},
      {"rate_at_calibrated_flops_per_s", Unit::kFlopsPerS, "", Show::kMachineOnly},
      {"efficiency_source", Unit::kText, "", Show::kMachineOnly},
      {"efficiency_assumed", Unit::kBool, "", Show::kMachineOnly},
      {"calibrated", Unit::kText, "min block calibrated (rate there)", Show::kHumanOnly},
  };
  if (opt.block > 0) {
    table.columns.insert(table.columns.end(),
                         {{"block_tokens", Unit::kTokens, "", Show::kMachineOnly},
                          {"step_compute_s", Unit::kSeconds, "", Show::kMachineOnly},
                          {"step_comm_s", Unit::kSeconds, "", Show::kMachineOnly},
                          {"comm_hidden", Unit::kBool, "", Show::kMachineOnly},
                          {"margin", Unit::kFraction, fmt::format("block {}", opt.block),
                           Show::kEverywhere, [](const Cell& c) {
                             return fmt::format("{} by {:+.0f}%",
                                                c.Number() >= 0 ? "hidden" : "EXPOSED",
                                                c.Number() * 100);
                           }}});
  }
  for (const std::string& name : names) {
    HardwareSpec hw = HardwareByName(name, "--hardware");
    if (!opt.calibration.empty()) {
      UseCalibration(hw, RequireCalibration(opt.calibration, "--calibration"));
    }
    for (const LinkClass& lc : LinkClasses(hw)) {
      OverlapInputs in;
      const Precision precision = PrecisionByName(opt.precision, "--precision");
      in.peak_flops_per_s = hw.AttentionPeakFlopsPerS(precision) * hw.sustained_clock_fraction;
      in.efficiency = hw.attention_efficiency;
      in.link_bw_bytes_per_s = lc.link.bw_bytes_per_s;
      in.link_latency_s = lc.link.latency_s;
      in.element_bytes = ElementBytes(precision);
      // Without a model: the paper's MHA assumption (h_kv = h), for which h cancels.
      in.attention_width = have_model ? static_cast<double>(model.AttentionWidth()) : 4096;
      in.kv_width = have_model ? static_cast<double>(model.KvWidth()) : 4096;
      const double paper = PaperMinBlockTokens(in);
      const double calibrated = CalibratedMinBlockTokens(in);
      const double efficiency = hw.attention_efficiency.At(calibrated);
      std::vector<Cell> cells = {
          hw.name,
          lc.role,
          lc.link.kind,
          fmt::format("{} ({})", lc.role, lc.link.kind),
          in.peak_flops_per_s,
          in.link_bw_bytes_per_s,
          in.link_latency_s,
          paper,
          PaperMinSequenceTokens(paper),
          calibrated,
          efficiency,
          in.peak_flops_per_s * efficiency,
          hw.attention_efficiency.source,
          hw.attention_efficiency.IsAssumed(),
          calibrated > 0
              ? fmt::format("{:.2f}K at {}{}", calibrated / 1e3,
                            FormatFlops(in.peak_flops_per_s * efficiency),
                            hw.attention_efficiency.IsAssumed() ? " (assumed curve)" : "")
              : "none",
      };
      if (opt.block > 0) {
        const double c = static_cast<double>(opt.block);
        const double compute = StepComputeTime(in, c), comm = StepCommTime(in, c);
        cells.insert(cells.end(),
                     {opt.block, compute, comm, compute >= comm, compute / comm - 1.0});
      }
      table.AddRow(std::move(cells));
    }
  }
  auto json = [&] {
    return nlohmann::json{{"model", have_model ? model.name : "mha (h_kv = h)"},
                          {"precision", opt.precision},
                          {"rows", TableJson(table)}};
  };
  auto text = [&] {
    return fmt::format(
               "Overlap condition, {} in {} (c >= F*p*h_kv / (2*h*B); F/B for MHA bf16)\n\n",
               have_model ? model.name : "MHA", opt.precision) +
           RenderText(table);
  };
  PrintInFormat(opt.format, table, json, text);
}

}  // namespace

void AddOverlapCommand(CLI::App& app) {
  auto opt = std::make_shared<OverlapOptions>();
  CLI::App* cmd = app.add_subcommand(
      "overlap",
      "Minimal block size that hides K,V transfers: the paper's F/B and the calibrated "
      "block from which every larger one hides, at the achieved rate");
  cmd->add_option("--hardware", opt->hardware, "Profile name(s), comma-separated (ringsim hw list)")
      ->required();
  cmd->add_option("--model", opt->model,
                  "Model preset or a YAML file with its mapping (default: MHA, the paper's "
                  "assumption)");
  cmd->add_option("--block", opt->block, "Check this block size (tokens per device; 4K = 4096)")
      ->transform(TokenNumber(1, kMaxTokensPerStep));
  cmd->add_option("--calibration", opt->calibration,
                  "Use this calibration instead of the profiles' own (a path, or one in "
                  "hwmodels/, e.g. calibrations/h100-sxm-torch-cudnn.yaml)");
  cmd->add_option("--precision", opt->precision, "Element type of K,V and peak rate")
      ->check(CLI::IsMember({"bf16", "fp32"}));
  AddFormatOption(cmd, opt->format);
  cmd->callback([opt] { RunOverlap(*opt); });
}

}  // namespace ringsim
