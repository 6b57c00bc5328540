// ringsim calibrate: measures this machine's GPU with the programs of calibrate/ and writes a
// calibration file (schema 1, hwmodels/README.md "Calibration files"); or, with --from,
// writes one from benchmark output measured elsewhere (no GPU needed here). Either way the
// file is read back with the loader before the command reports success.
//
// On a GPU it runs, with logs in a working folder (--work, default a fresh temporary one):
//   1. micro_bench --probe          is there a usable GPU? (else one line, exit 2)
//   2. attention_check --quick      each forward variant, in a process of its own: only
//      --fwd-only --variants V      variants that pass are calibrated
//   3. attention_bench              forward of each passing variant (causal and not), then
//                                   the backward; CSV
//   4. micro_bench                  GEMMs, copies, interference with the chosen variant; JSON
//   5. the conversion below
// The conversion (also --from DIR, reading DIR/bench.csv or DIR/attention.csv and
// DIR/micro.json): attention samples are attention_bench's rows of the calibrated variant
// (forward) and the backward; matmul, copy and interference come from micro_bench; the
// context (device, driver, CUDA, clocks, date, git SHA, repetitions) from micro_bench's.

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "cli/commands.h"
#include "cli/gpu_programs.h"
#include "io/calibration_loader.h"
#include "io/csv_table.h"
#include "io/json_input.h"
#include "sim/calibration.h"
#include "sim/config_error.h"

namespace ringsim {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr const char* kKernelPrefix = "ringsim-blockwise/";
const std::vector<std::string> kVariants = {"w32rows", "w16rows", "w16lean", "wgmma", "wgmma_pipe"};

struct CalibrateOptions {
  std::string out = "calibration.yaml";
  std::string kernel = "ringsim";
  bool quick = false;
  std::string from;
  std::string attention_csv, micro_json;
  std::string work;
  std::string sizes;
};

// ---------------------------------------------------------------------------------------------
// Reading the benchmarks' output

Json LoadJsonFile(const std::string& path) { return ReadJsonFile(path); }

const Json& Member(const Json& j, const std::string& key, const std::string& file,
                   const std::string& where) {
  if (!j.is_object() || !j.contains(key) || j.at(key).is_null())
    throw ConfigError(
        fmt::format("{}: {}{}: missing", file, where.empty() ? "" : where + ".", key));
  return j.at(key);
}

double NumberOf(const Json& j, const std::string& key, const std::string& file,
                const std::string& where) {
  const Json& v = Member(j, key, file, where);
  if (!v.is_number())
    throw ConfigError(fmt::format("{}: {}.{}: expected a number", file, where, key));
  return v.get<double>();
}

std::string StringOf(const Json& j, const std::string& key, const std::string& file,
                     const std::string& where) {
  const Json& v = Member(j, key, file, where);
  if (!v.is_string())
    throw ConfigError(fmt::format("{}: {}.{}: expected a string", file, where, key));
  return v.get<std::string>();
}

/// attention_bench's CSV as (column -> cell) rows, with their lines.
struct BenchRow {
  int64_t line = 0;
  std::map<std::string, std::string> cell;
};

std::vector<BenchRow> ReadBenchCsv(const std::string& path) {
  CsvTable t = LoadCsvFile(path);
  for (const char* need : {"impl", "variant", "pass", "causal", "batch", "heads", "head_dim", "seq",
                           "tflops", "reps"}) {
    if (std::find(t.header.begin(), t.header.end(), need) == t.header.end())
      throw ConfigError(fmt::format("{}:{}: no '{}' column (expected attention_bench's CSV)", path,
                                    t.header_line, need));
  }
  std::vector<BenchRow> rows;
  for (const CsvRow& r : t.rows) {
    BenchRow b;
    b.line = r.line;
    for (size_t i = 0; i < t.header.size(); ++i) b.cell[t.header[i]] = r.cells[i];
    rows.push_back(std::move(b));
  }
  return rows;
}

double CellNumber(const BenchRow& r, const std::string& col, const std::string& file) {
  const std::string& s = r.cell.at(col);
  try {
    size_t used = 0;
    double v = std::stod(s, &used);
    if (used == s.size()) return v;
  } catch (const std::exception&) {
  }
  throw ConfigError(fmt::format("{}:{}: {}: expected a number, got '{}'", file, r.line, col, s));
}

// ---------------------------------------------------------------------------------------------
// The conversion

struct Converted {
  Calibration calibration;
  std::vector<std::string> comments;  // provenance lines for the YAML header
  std::string sm_clock_note;
};

Converted Convert(const std::string& attention_csv, const std::string& micro_json,
                  const std::string& kernel_choice) {
  Converted out;
  Calibration& c = out.calibration;
  const Json micro = LoadJsonFile(micro_json);
  if (!micro.is_object() || micro.value("generator", "") != "calibrate/micro_bench")
    throw ConfigError(fmt::format(
        "{}: generator: expected \"calibrate/micro_bench\" (micro_bench's --json output)",
        micro_json));
  const Json& ctx = Member(micro, "context", micro_json, "");
  c.device = StringOf(ctx, "device", micro_json, "context");
  c.driver = StringOf(ctx, "driver", micro_json, "context");
  c.cuda = StringOf(ctx, "cuda", micro_json, "context");
  c.date = StringOf(ctx, "date", micro_json, "context");
  c.git_sha = ctx.value("git_sha", "");
  const double loaded = ctx.value("sm_clock_mhz_under_load", 0.0);
  const double peak_clock = NumberOf(ctx, "max_sm_clock_mhz", micro_json, "context");
  c.sm_clock_mhz = loaded > 0 ? loaded : peak_clock;
  out.sm_clock_note =
      loaded > 0
          ? fmt::format("read by nvidia-smi under load (the peak clock is {:.0f} MHz)", peak_clock)
          : "the device's peak clock (nvidia-smi could not read the clock under load)";
  c.peak_bf16_flops_per_s = NumberOf(ctx, "peak_bf16_flops_per_s", micro_json, "context");
  const std::string peak_source = ctx.value("peak_source", "");

  // Which variant: named, or the one micro_bench measured interference with.
  std::string variant = StringOf(ctx, "kernel_variant", micro_json, "context");
  if (kernel_choice != "ringsim") {
    if (kernel_choice.rfind("ringsim/", 0) != 0 ||
        std::find(kVariants.begin(), kVariants.end(), kernel_choice.substr(8)) == kVariants.end())
      throw ConfigError(
          fmt::format("--kernel {}: expected ringsim or ringsim/<variant> with a variant of {}",
                      kernel_choice, fmt::join(kVariants, ", ")));
    variant = kernel_choice.substr(8);
  }
  c.kernel = kKernelPrefix + variant;
  c.generator = "ringsim calibrate 0.1.0 (calibrate/attention_bench + calibrate/micro_bench)";

  int64_t repetitions = 1 << 30;
  // Attention: the variant's forward rows and the backward (one kernel), batch 1.
  for (const BenchRow& r : ReadBenchCsv(attention_csv)) {
    if (r.cell.at("impl") != "ringsim") continue;
    const std::string pass = r.cell.at("pass");
    if (pass == "fwd" && r.cell.at("variant") != variant) continue;
    if (pass != "fwd" && pass != "bwd") continue;  // bwd_kernel: the main kernel alone
    if (CellNumber(r, "batch", attention_csv) != 1) continue;
    AttentionSample s;
    s.pass = pass;
    s.causal = CellNumber(r, "causal", attention_csv) != 0;
    s.head_dim = static_cast<int64_t>(CellNumber(r, "head_dim", attention_csv));
    s.heads = static_cast<int64_t>(CellNumber(r, "heads", attention_csv));
    s.block_tokens = static_cast<int64_t>(CellNumber(r, "seq", attention_csv));
    s.flops_per_s = CellNumber(r, "tflops", attention_csv) * 1e12;
    if (s.flops_per_s <= 0 || s.block_tokens <= 0) continue;
    repetitions = std::min(repetitions, static_cast<int64_t>(CellNumber(r, "reps", attention_csv)));
    c.attention.push_back(s);
  }
  const bool has_forward =
      std::any_of(c.attention.begin(), c.attention.end(),
                  [](const AttentionSample& s) { return s.pass == "fwd" && !s.causal; });
  if (!has_forward)
    throw ConfigError(fmt::format(
        "{}: no forward non-causal rows of variant '{}' (impl ringsim, batch 1): nothing to "
        "calibrate the attention curve with",
        attention_csv, variant));

  for (const Json& m : Member(micro, "matmul", micro_json, "")) {
    MatmulSample s;
    s.m = static_cast<int64_t>(NumberOf(m, "m", micro_json, "matmul[]"));
    s.n = static_cast<int64_t>(NumberOf(m, "n", micro_json, "matmul[]"));
    s.k = static_cast<int64_t>(NumberOf(m, "k", micro_json, "matmul[]"));
    s.flops_per_s = NumberOf(m, "flops_per_s", micro_json, "matmul[]");
    repetitions = std::min(repetitions, static_cast<int64_t>(NumberOf(m, "reps", micro_json, "")));
    c.matmul.push_back(s);
  }
  for (const Json& m : Member(micro, "copy", micro_json, "")) {
    CopySample s;
    s.kind = StringOf(m, "kind", micro_json, "copy[]");
    s.bytes = NumberOf(m, "bytes", micro_json, "copy[]");
    s.bw_bytes_per_s = NumberOf(m, "bw_bytes_per_s", micro_json, "copy[]");
    repetitions = std::min(repetitions, static_cast<int64_t>(NumberOf(m, "reps", micro_json, "")));
    c.copy.push_back(s);
  }
  // Interference: a real ring's receive is a peer copy; on one GPU the device-to-device copy
  // is what there is. The schema holds one number: the median over the block sizes.
  std::map<std::string, std::vector<std::pair<int64_t, double>>> by_kind;
  for (const Json& m : Member(micro, "interference", micro_json, "")) {
    by_kind[StringOf(m, "copy_kind", micro_json, "interference[]")].push_back(
        {static_cast<int64_t>(NumberOf(m, "block_tokens", micro_json, "interference[]")),
         NumberOf(m, "slowdown", micro_json, "interference[]")});
    repetitions = std::min(repetitions, static_cast<int64_t>(NumberOf(m, "reps", micro_json, "")));
  }
  const std::string kind = by_kind.count("p2p") ? "p2p" : "d2d";
  double slowdown = 0;
  if (by_kind.count(kind)) {
    std::vector<double> values;
    std::string each;
    for (const auto& [block, value] : by_kind[kind]) {
      values.push_back(value);
      each += fmt::format("{}c={}: {:+.1f}%", each.empty() ? "" : ", ", block, 100 * value);
    }
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    const double median = n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
    slowdown = std::clamp(median, 0.0, 0.99);
    for (const auto& [block, value] : by_kind[kind])
      c.interference_by_block.push_back({block, std::clamp(value, 0.0, 0.99)});
    std::sort(c.interference_by_block.begin(), c.interference_by_block.end());
    out.comments.push_back(fmt::format(
        "interference: forward kernel ({}) with a K,V-sized {} copy beside it: {}; median "
        "{:+.1f}%{}",
        variant, kind, each, 100 * median, median < 0 ? " (below zero: noise; written as 0)" : ""));
  } else {
    out.comments.push_back("interference: not measured (written as 0)");
  }
  c.interference_slowdown = slowdown;
  c.repetitions = repetitions == (1 << 30) ? 1 : repetitions;

  out.comments.push_back(fmt::format("attention: {} (kernel variant '{}': {})", attention_csv,
                                     variant, ctx.value("kernel_variant_reason", "")));
  out.comments.push_back(fmt::format("matmul, copy, interference, context: {}", micro_json));
  out.comments.push_back(fmt::format("peak_bf16_flops_per_s: {}", peak_source));
  out.comments.push_back(fmt::format("sm_clock_mhz: {}", out.sm_clock_note));
  out.comments.push_back(fmt::format(
      "repetitions: each number is the median of at least this many timed runs ({} ms or more "
      "per measurement)",
      ctx.value("min_time_ms", 0.0)));
  for (const Json& s : micro.value("skipped", Json::array()))
    out.comments.push_back(
        fmt::format("not measured: {}: {}", s.value("what", "?"), s.value("reason", "?")));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Writing (schema 1, exactly what sim/calibration.cc reads)

std::string Float(double x) { return fmt::format("{:.6e}", x); }

/// The YAML, by YAML::Emitter, of the schema calibrate/scripts/calibration_yaml.py also writes
/// (as JSON, which YAML reads): numbers to six significant digits, samples one flow map per line.
std::string CalibrationYaml(const Calibration& c, const std::vector<std::string>& comments,
                            const std::string& written_by) {
  std::vector<std::string> header = {
      fmt::format("Calibration of {}, measured {}. Generated by {}: do not edit by hand "
                  "(hwmodels/README.md \"Calibration files\").",
                  c.device, c.date, written_by)};
  header.insert(header.end(), comments.begin(), comments.end());
  header.push_back(
      "Units: decimal SI (hwmodels/README.md); rates count useful FLOPs, copies the bytes "
      "delivered (kind merge: the bytes the merge kernel reads and writes).");
  YAML::Emitter y;
  for (size_t i = 0; i < header.size(); ++i) {
    if (i > 0) y << YAML::Newline;
    y << YAML::Comment(header[i]);
  }
  auto quoted = [&](const char* key, const std::string& value) {
    y << YAML::Key << key << YAML::Value << YAML::DoubleQuoted << value;
  };
  y << YAML::BeginMap;
  y << YAML::Key << "schema_version" << YAML::Value << 1;
  quoted("generator", c.generator);
  quoted("kernel", c.kernel);
  y << YAML::Key << "context" << YAML::Value << YAML::BeginMap;
  quoted("device", c.device);
  quoted("driver", c.driver);
  quoted("cuda", c.cuda);
  quoted("date", c.date);
  if (!c.git_sha.empty()) quoted("git_sha", c.git_sha);
  y << YAML::Key << "sm_clock_mhz" << YAML::Value << fmt::format("{:.0f}", c.sm_clock_mhz);
  y << YAML::Key << "repetitions" << YAML::Value << c.repetitions;
  y << YAML::EndMap;
  y << YAML::Key << "peak_bf16_flops_per_s" << YAML::Value << Float(c.peak_bf16_flops_per_s);
  y << YAML::Key << "attention" << YAML::Value << YAML::BeginSeq;
  for (const AttentionSample& s : c.attention) {
    y << YAML::Flow << YAML::BeginMap;
    y << YAML::Key << "pass" << YAML::Value << s.pass;
    y << YAML::Key << "causal" << YAML::Value << s.causal;
    y << YAML::Key << "head_dim" << YAML::Value << s.head_dim;
    y << YAML::Key << "heads" << YAML::Value << s.heads;
    y << YAML::Key << "block_tokens" << YAML::Value << s.block_tokens;
    y << YAML::Key << "flops_per_s" << YAML::Value << Float(s.flops_per_s);
    y << YAML::EndMap;
  }
  y << YAML::EndSeq;
  if (!c.matmul.empty()) {
    y << YAML::Key << "matmul" << YAML::Value << YAML::BeginSeq;
    for (const MatmulSample& s : c.matmul) {
      y << YAML::Flow << YAML::BeginMap;
      y << YAML::Key << "m" << YAML::Value << s.m;
      y << YAML::Key << "n" << YAML::Value << s.n;
      y << YAML::Key << "k" << YAML::Value << s.k;
      y << YAML::Key << "flops_per_s" << YAML::Value << Float(s.flops_per_s);
      y << YAML::EndMap;
    }
    y << YAML::EndSeq;
  }
  if (!c.copy.empty()) {
    y << YAML::Key << "copy" << YAML::Value << YAML::BeginSeq;
    for (const CopySample& s : c.copy) {
      y << YAML::Flow << YAML::BeginMap;
      y << YAML::Key << "kind" << YAML::Value << s.kind;
      y << YAML::Key << "bytes" << YAML::Value << fmt::format("{:.0f}", s.bytes);
      y << YAML::Key << "bw_bytes_per_s" << YAML::Value << Float(s.bw_bytes_per_s);
      y << YAML::EndMap;
    }
    y << YAML::EndSeq;
  }
  y << YAML::Key << "interference" << YAML::Value << YAML::Flow << YAML::BeginMap;
  y << YAML::Key << "compute_slowdown" << YAML::Value
    << fmt::format("{:.4f}", c.interference_slowdown);
  if (!c.interference_by_block.empty()) {
    y << YAML::Key << "by_block" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const auto& [block, slowdown] : c.interference_by_block) {
      y << YAML::Flow << YAML::BeginSeq << block << fmt::format("{:.4f}", slowdown) << YAML::EndSeq;
    }
    y << YAML::EndSeq;
  }
  y << YAML::EndMap;
  y << YAML::EndMap;
  if (!y.good()) throw std::logic_error("calibration YAML: " + y.GetLastError());
  return std::string(y.c_str()) + "\n";
}

bool Near(double a, double b) {
  return std::abs(a - b) <= 1e-5 * std::max(std::abs(a), std::abs(b));
}

/// Reads the written file back with the loader and compares it with what was meant.
void CheckWritten(const std::string& path, const Calibration& want) {
  const Calibration got = LoadCalibration(path);
  bool same = got.device == want.device && got.kernel == want.kernel &&
              got.attention.size() == want.attention.size() &&
              got.matmul.size() == want.matmul.size() && got.copy.size() == want.copy.size() &&
              Near(got.peak_bf16_flops_per_s, want.peak_bf16_flops_per_s) &&
              std::abs(got.interference_slowdown - want.interference_slowdown) < 1e-4 &&
              got.interference_by_block.size() == want.interference_by_block.size();
  for (size_t i = 0; same && i < want.attention.size(); ++i)
    same = Near(got.attention[i].flops_per_s, want.attention[i].flops_per_s) &&
           got.attention[i].block_tokens == want.attention[i].block_tokens;
  for (size_t i = 0; same && i < want.copy.size(); ++i)
    same = Near(got.copy[i].bw_bytes_per_s, want.copy[i].bw_bytes_per_s);
  if (!same) throw std::runtime_error(path + ": read back differently from what was written");
}

// ---------------------------------------------------------------------------------------------
// Measuring on this machine's GPU

std::string Program(const std::string& name) {
  std::string path = FindCalibrateProgram(name);
  if (path.empty()) {
    throw ConfigError(fmt::format(
        "calibrate: no CUDA device (calibrate/{} was not built: this ringsim was configured "
        "without a CUDA compiler); run it on a machine with a GPU",
        name));
  }
  return path;
}

/// Runs the benchmarks into `work`; returns the attention CSV and micro JSON paths.
std::pair<std::string, std::string> Measure(const CalibrateOptions& opt, const std::string& work) {
  const std::string micro = Program("micro_bench"), bench = Program("attention_bench"),
                    check = Program("attention_check");
  const std::string log = work + "/calibrate.log";
  const int probe = RunProgram(micro, {"--probe"}, log);
  if (probe == 77) {
    throw ConfigError(fmt::format("calibrate: no CUDA device ({}); run it on a machine with a GPU",
                                  NoDeviceReasonInLog(log)));
  }
  if (probe != 0)
    throw ConfigError(fmt::format("calibrate: micro_bench --probe failed: {}", TailOfFile(log, 3)));
  std::cerr << fmt::format("calibrate: working in {} (log: {})\n", work, log);

  // Only variants that pass the correctness check are timed (each in its own process: a
  // fault in one cannot take the others with it).
  std::vector<std::string> passing;
  for (const std::string& v : kVariants) {
    if (opt.kernel != "ringsim" && opt.kernel != "ringsim/" + v) continue;
    const int rc = RunProgram(check, {"--quick", "--fwd-only", "--variants", v}, log);
    std::cerr << fmt::format("calibrate: attention_check {}: {}\n", v,
                             rc == 0 ? "passed" : fmt::format("failed (exit {})", rc));
    if (rc == 0) passing.push_back(v);
  }
  if (passing.empty())
    throw ConfigError(
        fmt::format("calibrate: no kernel variant passed attention_check (log: {})", log));
  const std::string csv = work + "/attention.csv", json = work + "/micro.json";
  const std::string sizes = !opt.sizes.empty() ? opt.sizes
                            : opt.quick        ? "512,1024,2048,4096,8192"
                                               : "256,512,1024,2048,4096,8192,16384,32768";
  const std::string min_time = opt.quick ? "50" : "200";
  bool first = true;
  for (const std::string& v : passing) {
    std::vector<std::string> args = {"--sizes", sizes,           "--variants", v,       "--passes",
                                     "fwd",     "--min-time-ms", min_time,     "--csv", csv};
    if (!first) args.push_back("--append");
    const int rc = RunProgram(bench, args, log);
    std::cerr << fmt::format("calibrate: attention_bench {}: exit {}\n", v, rc);
    if (rc == 0) first = false;
  }
  if (first) throw ConfigError(fmt::format("calibrate: attention_bench failed (log: {})", log));
  if (!opt.quick) {
    const int rc = RunProgram(bench,
                              {"--sizes", sizes, "--variants", passing.front(), "--passes", "bwd",
                               "--min-time-ms", min_time, "--csv", csv, "--append"},
                              log);
    std::cerr << fmt::format("calibrate: attention_bench backward: exit {}\n", rc);
  }
  std::vector<std::string> args = {"--json", json,        "--attention-csv",
                                   csv,      "--git-sha", SourceTreeGitSha()};
  std::string candidates;
  for (const std::string& v : passing) candidates += (candidates.empty() ? "" : ",") + v;
  args.insert(args.end(), {"--candidates", candidates});
  if (opt.kernel != "ringsim") args.insert(args.end(), {"--variant", opt.kernel.substr(8)});
  if (opt.quick) args.push_back("--quick");
  const int rc = RunProgram(micro, args, log);
  std::cerr << fmt::format("calibrate: micro_bench: exit {}\n", rc);
  if (rc != 0)
    throw ConfigError(fmt::format("calibrate: micro_bench failed: {}", TailOfFile(log, 3)));
  return {csv, json};
}

std::string FirstExisting(const std::string& dir, const std::vector<std::string>& names) {
  for (const std::string& n : names)
    if (fs::exists(fs::path(dir) / n)) return (fs::path(dir) / n).string();
  throw ConfigError(fmt::format("--from {}: none of {} there", dir, fmt::join(names, ", ")));
}

void RunCalibrate(const CalibrateOptions& opt) {
  std::string csv = opt.attention_csv, json = opt.micro_json, how;
  if (!opt.from.empty()) {
    if (csv.empty()) csv = FirstExisting(opt.from, {"attention.csv", "bench.csv"});
    if (json.empty()) json = FirstExisting(opt.from, {"micro.json"});
  }
  if (csv.empty() != json.empty())
    throw ConfigError("calibrate: give both --attention-csv and --micro-json (or --from DIR)");
  if (csv.empty()) {
    const bool temporary = opt.work.empty();
    const std::string work = temporary ? MakeTempFolder("ringsim-calibrate") : opt.work;
    fs::create_directories(work);
    try {
      std::tie(csv, json) = Measure(opt, work);
    } catch (const ConfigError&) {
      std::error_code ec;
      if (temporary && !fs::exists(fs::path(work) / "micro.json")) fs::remove_all(work, ec);
      throw;
    }
    how = "ringsim calibrate" + std::string(opt.quick ? " --quick" : "");
  } else {
    how = fmt::format("ringsim calibrate --attention-csv {} --micro-json {}", csv, json);
  }
  Converted conv = Convert(csv, json, opt.kernel);
  const std::string yaml = CalibrationYaml(conv.calibration, conv.comments, how);
  {
    std::ofstream f(opt.out);
    f << yaml;
    f.close();
    if (!f) throw ConfigError(fmt::format("--out {}: cannot write the file", opt.out));
  }
  conv.calibration.file = opt.out;
  CheckWritten(opt.out, conv.calibration);

  const Calibration& c = conv.calibration;
  std::cout << fmt::format(
      "wrote {}: {} ({}), kernel {}, {} attention, {} matmul and {} copy samples, "
      "interference {:.1f}%; read back with the loader\n",
      opt.out, c.device, c.date, c.kernel, c.attention.size(), c.matmul.size(), c.copy.size(),
      100 * c.interference_slowdown);
  // The curve the engines will use (ApplyCalibration): forward, non-causal, widest head.
  HardwareSpec probe;
  ApplyCalibration(c, probe);
  std::string curve;
  for (const auto& [tokens, fraction] : probe.attention_efficiency.points)
    curve += fmt::format("{}{:.0f}: {:.2f}", curve.empty() ? "" : ", ", tokens, fraction);
  std::cout << fmt::format("attention efficiency (fraction of {:.1f} TFLOP/s) by block: {}\n",
                           c.peak_bf16_flops_per_s / 1e12, curve);
  const std::filesystem::path out(opt.out);
  if (out.parent_path().filename() == "calibrations") {
    std::cout << fmt::format(
        "To use it: add `calibration: calibrations/{}` to the GPU's profile.\n",
        out.filename().string());
  } else {
    std::cout << "To use it: copy it to hwmodels/calibrations/ and add `calibration: "
                 "calibrations/<file>.yaml` to the GPU's profile.\n";
  }
}

}  // namespace

void AddCalibrateCommand(CLI::App& app) {
  auto opt = std::make_shared<CalibrateOptions>();
  CLI::App* cmd = app.add_subcommand(
      "calibrate",
      "Measure this machine's GPU (attention kernels, GEMMs, copies, interference) and write a "
      "calibration YAML; --from converts measurements made elsewhere");
  cmd->add_option("--out", opt->out, "Calibration file to write")->capture_default_str();
  cmd->add_option("--kernel", opt->kernel,
                  "ringsim (the variant micro_bench chose: fastest near c = 4096 among those "
                  "passing the check) or ringsim/<variant>")
      ->capture_default_str();
  cmd->add_flag("--quick", opt->quick, "Fewer sizes, shorter timings (a few minutes less)");
  cmd->add_option("--from", opt->from,
                  "Folder with attention_bench's CSV (attention.csv or bench.csv) and "
                  "micro_bench's micro.json: convert, do not measure (no GPU needed)");
  cmd->add_option("--attention-csv", opt->attention_csv,
                  "attention_bench's CSV (with --micro-json)");
  cmd->add_option("--micro-json", opt->micro_json, "micro_bench's JSON (with --attention-csv)");
  cmd->add_option("--work", opt->work, "Folder for the benchmarks' raw output and log");
  cmd->add_option("--sizes", opt->sizes, "Block sizes for attention_bench (comma list)");
  cmd->callback([opt] { RunCalibrate(*opt); });
}

}  // namespace ringsim
