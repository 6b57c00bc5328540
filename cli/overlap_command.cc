// ringsim overlap: the paper's overlap condition per hardware and link class, and the
// calibrated minimal block from the achieved-rate curve.

#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/option_values.h"
#include "io/hardware_loader.h"
#include "io/scenario_loader.h"
#include "sim/config_error.h"
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
  ModelSpec model;
  bool have_model = !opt.model.empty();
  if (have_model) model = ModelByName(opt.model, "--model");

  nlohmann::json rows_json = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows;
  for (const std::string& name : names) {
    HardwareSpec hw = HardwareByName(name, "--hardware");
    if (!opt.calibration.empty()) {
      UseCalibration(hw, RequireCalibration(opt.calibration, "--calibration"));
    }
    for (const LinkClass& lc : LinkClasses(hw)) {
      OverlapInputs in;
      const Precision precision = PrecisionByName(opt.precision, "--precision");
      in.peak_flops_per_s = hw.PeakFlopsPerS(precision);
      in.efficiency = hw.attention_efficiency;
      in.link_bw_bytes_per_s = lc.link.bw_bytes_per_s;
      in.link_latency_s = lc.link.latency_s;
      in.element_bytes = ElementBytes(precision);
      // Without a model: the paper's MHA assumption (h_kv = h), for which h cancels.
      in.attention_width = have_model ? static_cast<double>(model.AttentionWidth()) : 4096;
      in.kv_width = have_model ? static_cast<double>(model.KvWidth()) : 4096;
      double paper = PaperMinBlockTokens(in);
      double calibrated = CalibratedMinBlockTokens(in);
      nlohmann::json row = {
          {"hardware", hw.name},
          {"link", lc.role},
          {"link_kind", lc.link.kind},
          {"peak_flops_per_s", in.peak_flops_per_s},
          {"link_bw_bytes_per_s", in.link_bw_bytes_per_s},
          {"link_latency_s", in.link_latency_s},
          {"min_block_paper", paper},
          {"min_seq_paper", PaperMinSequenceTokens(paper)},
          {"min_block_calibrated", calibrated},
          {"efficiency_at_calibrated", hw.attention_efficiency.At(calibrated)},
          {"rate_at_calibrated_flops_per_s",
           in.peak_flops_per_s * hw.attention_efficiency.At(calibrated)},
          {"efficiency_source", hw.attention_efficiency.source},
          {"efficiency_assumed", hw.attention_efficiency.IsAssumed()},
      };
      std::vector<std::string> cells = {
          hw.name,
          fmt::format("{} ({})", lc.role, lc.link.kind),
          FormatFlops(in.peak_flops_per_s),
          fmt::format("{:.1f} GB/s", in.link_bw_bytes_per_s / 1e9),
          fmt::format("{:.2f}K", paper / 1e3),
          fmt::format("{:.2f}K", PaperMinSequenceTokens(paper) / 1e3),
          calibrated > 0
              ? fmt::format(
                    "{:.2f}K at {}{}", calibrated / 1e3,
                    FormatFlops(in.peak_flops_per_s * hw.attention_efficiency.At(calibrated)),
                    hw.attention_efficiency.IsAssumed() ? " (assumed curve)" : "")
              : "none",
      };
      if (opt.block > 0) {
        double c = static_cast<double>(opt.block);
        double compute = StepComputeTime(in, c), comm = StepCommTime(in, c);
        bool hidden = compute >= comm;
        row["block_tokens"] = opt.block;
        row["step_compute_s"] = compute;
        row["step_comm_s"] = comm;
        row["comm_hidden"] = hidden;
        row["margin"] = compute / comm - 1.0;
        cells.push_back(fmt::format("{} by {:+.0f}%", hidden ? "hidden" : "EXPOSED",
                                    (compute / comm - 1.0) * 100));
      }
      rows_json.push_back(row);
      rows.push_back(cells);
    }
  }
  OutputFormat format = ParseFormat(opt.format);
  if (format == OutputFormat::kJson) {
    nlohmann::json out = {{"model", have_model ? model.name : "mha (h_kv = h)"},
                          {"precision", opt.precision},
                          {"rows", rows_json}};
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::vector<std::string> header = {"hardware",
                                     "ring link",
                                     "F (peak)",
                                     "B (one way)",
                                     "min block F/B",
                                     "min seq 6c",
                                     "min block calibrated (rate there)"};
  if (opt.block > 0) header.push_back(fmt::format("block {}", opt.block));
  if (format == OutputFormat::kCsv) {
    std::vector<std::vector<std::string>> csv_rows;
    std::vector<std::string> csv_header = {"hardware",
                                           "link",
                                           "peak_flops_per_s",
                                           "link_bw_bytes_per_s",
                                           "min_block_paper",
                                           "min_seq_paper",
                                           "min_block_calibrated",
                                           "rate_at_calibrated_flops_per_s"};
    if (opt.block > 0) {
      for (const char* k : {"block_tokens", "step_compute_s", "step_comm_s", "comm_hidden"}) {
        csv_header.push_back(k);
      }
    }
    for (const nlohmann::json& r : rows_json) {
      std::vector<std::string> cells;
      for (const std::string& k : csv_header) {
        cells.push_back(r[k].is_string() ? r[k].get<std::string>() : r[k].dump());
      }
      csv_rows.push_back(cells);
    }
    std::cout << RenderCsv(csv_header, csv_rows);
    return;
  }
  std::cout << fmt::format(
                   "Overlap condition, {} in {} (c >= F*p*h_kv / (2*h*B); F/B for MHA bf16)\n\n",
                   have_model ? model.name : "MHA", opt.precision)
            << RenderTable(header, rows);
}

}  // namespace

void AddOverlapCommand(CLI::App& app) {
  auto opt = std::make_shared<OverlapOptions>();
  CLI::App* cmd = app.add_subcommand(
      "overlap",
      "Minimal block size that hides K,V transfers: the paper's F/B and the calibrated "
      "fixed point c* = F_eff(c*)/B");
  cmd->add_option("--hardware", opt->hardware, "Profile name(s), comma-separated (ringsim hw list)")
      ->required();
  cmd->add_option("--model", opt->model, "Model preset (default: MHA, the paper's assumption)");
  cmd->add_option("--block", opt->block, "Check this block size (tokens per device)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--calibration", opt->calibration,
                  "Use this calibration instead of the profiles' own (a path, or one in "
                  "hwmodels/, e.g. calibrations/h100-sxm-torch-cudnn.yaml)");
  cmd->add_option("--precision", opt->precision, "Element type of K,V and peak rate")
      ->check(CLI::IsMember({"bf16", "fp32"}));
  cmd->add_option("--format", opt->format, "Output format")
      ->check(CLI::IsMember({"table", "json", "csv"}));
  cmd->callback([opt] { RunOverlap(*opt); });
}

}  // namespace ringsim
