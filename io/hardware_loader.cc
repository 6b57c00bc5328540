#include "io/hardware_loader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "io/calibration_loader.h"
#include "io/file_cache.h"
#include "io/input_file.h"
#include "io/kernel_loader.h"
#include "io/yaml_reader.h"
#include "sim/calibration.h"
#include "sim/config_error.h"
#include "sim/limits.h"

namespace ringsim {

namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kSourceKinds = {"datasheet", "paper", "measured", "assumed",
                                               "derived"};

std::string Join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

/// How a node reads in an error message ("'80e9'", "a list of 3 items", ...).
std::string Describe(const YAML::Node& node) { return DescribeNode(node, /*count_items=*/true); }

/// Declares `keys` and rejects every other key at once, so that a misspelt key is reported
/// with "did you mean" rather than as a missing required key.
void ExpectKeys(YamlMap& map, const std::vector<std::string>& keys) {
  for (const std::string& key : keys) map.Declare(key);
  map.Finish();
}

/// A source is "kind: where", and the where must say something.
void CheckSource(const YamlMap& map, const std::string& key, const std::string& source) {
  size_t colon = source.find(':');
  std::string kind = source.substr(0, colon);
  if (colon == std::string::npos ||
      std::find(kSourceKinds.begin(), kSourceKinds.end(), kind) == kSourceKinds.end()) {
    map.Fail(key, fmt::format("expected 'datasheet|paper|measured|assumed|derived: <where>', "
                              "got '{}'",
                              source));
  }
  if (source.find_first_not_of(" \t", colon + 1) == std::string::npos) {
    map.Fail(key,
             fmt::format("expected '{}: <where>' saying where exactly, got '{}'", kind, source));
  }
}

/// {value: X, source: "kind: where"} with X > 0; a bare number is an error.
SourcedValue ReadSourced(YamlMap& map, const std::string& key) {
  YAML::Node node = map.Node(key);
  if (!node.IsMap()) {
    map.Fail(key, fmt::format("expected {{value: NUMBER, source: \"KIND: where\"}}, got {}",
                              Describe(node)));
  }
  YamlMap entry(node, map.file(), Join(map.path(), key));
  ExpectKeys(entry, {"value", "source"});
  SourcedValue out = map.Sourced(key);
  CheckSource(entry, "source", out.source);
  return out;
}

LinkSpec ReadLink(YamlMap& parent, const std::string& key) {
  YamlMap link = parent.Map(key);
  ExpectKeys(link, {"kind", "bw_bytes_per_s", "latency_s"});
  LinkSpec out;
  out.kind = link.String("kind");
  SourcedValue bw = ReadSourced(link, "bw_bytes_per_s");
  out.bw_bytes_per_s = bw.value;
  out.bw_source = bw.source;
  SourcedValue latency = ReadSourced(link, "latency_s");
  out.latency_s = latency.value;
  out.latency_source = latency.source;
  link.Finish();
  return out;
}

bool ParseDouble(const YAML::Node& node, double* out) {
  if (!node.IsScalar()) return false;
  const std::string& text = node.Scalar();
  char* end = nullptr;
  double number = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(number)) return false;
  *out = number;
  return true;
}

/// {source, points: [[tokens, fraction], ...]}, tokens strictly increasing, fraction in (0, 1].
/// With `kernel`, the curve also names the kernel it describes (`kernel:`, required).
EfficiencyCurve ReadCurve(YamlMap& parent, const std::string& key, std::string* kernel = nullptr,
                          HardwareSpec* reference = nullptr) {
  YamlMap curve = parent.Map(key);
  if (kernel) {
    ExpectKeys(curve, {"kernel", "source", "points", "reference"});
    // The launches the curve was measured on: heads and batch (or the tokens in all, for
    // benchmarks that shrink the batch as the sequence grows).
    if (reference != nullptr && curve.Has("reference")) {
      YamlMap ref = curve.Map("reference");
      ExpectKeys(ref, {"heads", "batch", "tokens_in_all", "source"});
      // Heads and batch within the scenario limits, so that their product (printed as a whole
      // number) stays far inside what a double holds exactly.
      auto within = [&](const std::string& key, int64_t limit) {
        const int64_t value = ref.PositiveInteger(key);
        if (value > limit) {
          ref.Fail(key, fmt::format("{} is above the limit of {}", value, LimitText(limit)));
        }
        return static_cast<double>(value);
      };
      reference->attention_reference_heads = within("heads", kMaxHeads);
      if (ref.Has("batch") == ref.Has("tokens_in_all")) {
        ref.Fail("batch", "expected one of batch or tokens_in_all");
      }
      reference->attention_reference_tokens_in_all =
          ref.Has("tokens_in_all") ? within("tokens_in_all", kMaxTokensPerStep) : 0;
      if (ref.Has("batch")) {
        reference->attention_reference_heads *= within("batch", kMaxTokensPerStep);
      }
      reference->attention_reference_source = ref.String("source");
      CheckSource(ref, "source", reference->attention_reference_source);
      ref.Finish();
    }
    *kernel = curve.String("kernel");
    if (kernel->empty()) {
      curve.Fail("kernel", "expected the attention kernel's name, e.g. \"flash-attention-2\"");
    }
  } else {
    ExpectKeys(curve, {"source", "points"});
  }
  EfficiencyCurve out;
  out.source = curve.String("source");
  CheckSource(curve, "source", out.source);
  YAML::Node points = curve.Node("points");
  if (!points.IsSequence() || points.size() == 0) {
    curve.Fail("points",
               fmt::format("expected a non-empty list of [tokens, fraction] pairs, got {}",
                           Describe(points)));
  }
  std::string previous_tokens;
  for (size_t i = 0; i < points.size(); ++i) {
    YAML::Node point = points[i];
    std::string where =
        fmt::format("{}: {}[{}]", MarkString(curve.file(), point), Join(curve.path(), "points"), i);
    double tokens = 0, fraction = 0;
    if (!point.IsSequence() || point.size() != 2 || !ParseDouble(point[0], &tokens) ||
        !ParseDouble(point[1], &fraction)) {
      throw ConfigError(
          fmt::format("{}: expected a [tokens, fraction] pair of numbers, got {}", where,
                      point.IsSequence() && point.size() == 2
                          ? fmt::format("[{}, {}]", Describe(point[0]), Describe(point[1]))
                          : Describe(point)));
    }
    if (!(tokens > 0)) {
      throw ConfigError(fmt::format("{}: expected tokens > 0, got {}", where, point[0].Scalar()));
    }
    if (!(fraction > 0 && fraction <= 1)) {
      throw ConfigError(fmt::format("{}: expected a fraction of peak in (0, 1], got {}", where,
                                    point[1].Scalar()));
    }
    if (!out.points.empty() && tokens <= out.points.back().first) {
      throw ConfigError(fmt::format(
          "{}: expected tokens > {} (points sorted by strictly increasing tokens), got {}", where,
          previous_tokens, point[0].Scalar()));
    }
    out.points.emplace_back(tokens, fraction);
    previous_tokens = point[0].Scalar();
  }
  curve.Finish();
  return out;
}

bool LooksLikePath(const std::string& name_or_path) {
  const std::string suffix = ".yaml";
  return name_or_path.find('/') != std::string::npos ||
         (name_or_path.size() >= suffix.size() &&
          name_or_path.compare(name_or_path.size() - suffix.size(), suffix.size(), suffix) == 0);
}

/// A name to offer for `name`. A prefix ("h100" of "h100-sxm") or a part ("v5e" of
/// "tpu-v5e") comes first: plain edit distance would offer "h200" for "h100".
std::string SuggestHardware(const std::string& name, const std::vector<std::string>& names) {
  if (name.empty()) return "";
  auto shortest = [&](auto matches) {
    std::string best;
    for (const std::string& candidate : names) {
      if (matches(candidate) && (best.empty() || candidate.size() < best.size())) {
        best = candidate;
      }
    }
    return best;
  };
  std::string best =
      shortest([&](const std::string& candidate) { return candidate.rfind(name, 0) == 0; });
  if (best.empty()) {
    best = shortest(
        [&](const std::string& candidate) { return candidate.find(name) != std::string::npos; });
  }
  return best.empty() ? ClosestMatch(name, names) : best;
}

bool SameLink(const LinkSpec& a, const LinkSpec& b) {
  return a.kind == b.kind && a.bw_bytes_per_s == b.bw_bytes_per_s && a.latency_s == b.latency_s &&
         a.bw_source == b.bw_source && a.latency_source == b.latency_source;
}

const char* TopologyText(Topology topology) {
  return topology == Topology::kTorus ? "torus" : "fat-tree";
}

nlohmann::json SourcedJson(double value, const std::string& source) {
  return {{"value", value}, {"source", source}};
}

nlohmann::json LinkJson(const LinkSpec& link) {
  return {{"kind", link.kind},
          {"bw_bytes_per_s", SourcedJson(link.bw_bytes_per_s, link.bw_source)},
          {"latency_s", SourcedJson(link.latency_s, link.latency_source)}};
}

nlohmann::json CurveJson(const EfficiencyCurve& curve) {
  nlohmann::json points = nlohmann::json::array();
  for (const auto& point : curve.points) points.push_back({point.first, point.second});
  return {{"source", curve.source}, {"points", points}};
}

/// "312 TFLOPS": `value` / `scale` to five significant digits, then the unit.
std::string Scaled(double value, double scale, const char* unit) {
  return fmt::format("{:.5g} {}", value / scale, unit);
}

std::string Row(const std::string& label, const std::string& value, const std::string& source) {
  return fmt::format("  {:<21} {:<15} {}\n", label, value, source);
}

std::string LinkRows(const std::string& label, const LinkSpec& link) {
  return Row(fmt::format("{} ({})", label, link.kind), Scaled(link.bw_bytes_per_s, 1e9, "GB/s"),
             link.bw_source) +
         Row("", Scaled(link.latency_s, 1e-6, "µs"), link.latency_source);
}

std::string CurveRows(const std::string& label, const EfficiencyCurve& curve) {
  std::vector<std::string> points;
  for (const auto& point : curve.points) {
    points.push_back(fmt::format("{:g}:{:g}", point.first, point.second));
  }
  return fmt::format("  {:<21} {}\n  {:<21} {}\n", label, fmt::join(points, "  "), "",
                     curve.source);
}

}  // namespace

HardwareSpec HardwareFromYaml(const YAML::Node& root, const std::string& file,
                              const std::string& path) {
  YamlMap top(root, file, path);
  ExpectKeys(top, {"schema_version", "name", "description", "kind", "device", "node", "fabric",
                   "efficiency", "calibration", "kernels"});
  int64_t version = top.PositiveInteger("schema_version");
  if (version != 1) {
    top.Fail("schema_version",
             fmt::format("expected 1 (the only schema this ringsim reads), got {}", version));
  }
  HardwareSpec hw;
  hw.name = top.String("name");
  hw.description = top.String("description");
  hw.kind = top.Choice("kind", {"gpu", "tpu"});

  YamlMap device = top.Map("device");
  ExpectKeys(device, {"peak_bf16_flops_per_s", "peak_fp32_flops_per_s", "peak_fp8_flops_per_s",
                      "sm_count", "sustained_clock_fraction", "hbm_bytes", "hbm_bw_bytes_per_s"});
  SourcedValue value = ReadSourced(device, "peak_bf16_flops_per_s");
  hw.peak_bf16_flops_per_s = value.value;
  hw.peak_bf16_source = value.source;
  value = ReadSourced(device, "peak_fp32_flops_per_s");
  hw.peak_fp32_flops_per_s = value.value;
  hw.peak_fp32_source = value.source;
  // Optional: devices without FP8 tensor cores (A100, TPUs) leave it out.
  if (device.Has("peak_fp8_flops_per_s")) {
    value = ReadSourced(device, "peak_fp8_flops_per_s");
    hw.peak_fp8_flops_per_s = value.value;
    hw.peak_fp8_source = value.source;
  }
  if (device.Has("sm_count")) {
    value = ReadSourced(device, "sm_count");
    if (!IsExactWholeNumber(value.value) || value.value > static_cast<double>(kMaxSmCount)) {
      YamlMap(device.Node("sm_count"), device.file(), Join(device.path(), "sm_count"))
          .Fail("value", fmt::format("expected a whole number of SMs from 1 to {}, got {}",
                                     LimitText(kMaxSmCount), value.value));
    }
    hw.sm_count = static_cast<int64_t>(value.value);
    hw.sm_count_source = value.source;
  }
  if (device.Has("sustained_clock_fraction")) {
    value = ReadSourced(device, "sustained_clock_fraction");
    if (!(value.value > 0 && value.value <= 1)) {
      YamlMap(device.Node("sustained_clock_fraction"), device.file(),
              Join(device.path(), "sustained_clock_fraction"))
          .Fail("value", fmt::format("expected a fraction in (0, 1], got {}", value.value));
    }
    hw.sustained_clock_fraction = value.value;
    hw.sustained_clock_source = value.source;
  }
  value = ReadSourced(device, "hbm_bytes");
  hw.hbm_bytes = value.value;
  hw.hbm_source = value.source;
  value = ReadSourced(device, "hbm_bw_bytes_per_s");
  hw.hbm_bw_bytes_per_s = value.value;
  hw.hbm_bw_source = value.source;
  device.Finish();

  YamlMap node = top.Map("node");
  ExpectKeys(node, {"devices_per_node", "intra_link", "host_memory_bytes",
                    "host_memory_bw_bytes_per_s", "host_link"});
  YamlMap fabric = top.Map("fabric");
  ExpectKeys(fabric, {"topology", "inter_link", "torus_shape"});
  hw.devices_per_node = node.PositiveInteger("devices_per_node");
  hw.topology = fabric.Choice("topology", {"fat-tree", "torus"}) == "torus" ? Topology::kTorus
                                                                            : Topology::kFatTree;
  if (hw.topology == Topology::kTorus) {
    // Every chip-to-chip link of a torus is ICI: the inter-node link defaults to it.
    hw.intra_node = ReadLink(node, "intra_link");
    hw.inter_node = fabric.Has("inter_link") ? ReadLink(fabric, "inter_link") : hw.intra_node;
    if (!fabric.Has("torus_shape")) {
      fabric.Fail("torus_shape", "required for topology torus: the slice shape, e.g. [4, 4, 4]");
    }
    hw.torus_shape = fabric.PositiveIntegerList("torus_shape");
    if (hw.torus_shape.size() != 2 && hw.torus_shape.size() != 3) {
      fabric.Fail("torus_shape",
                  fmt::format("expected 2 or 3 dimensions, got {}", hw.torus_shape.size()));
    }
  } else {
    // With one device per node there is no intra-node link: it defaults to the fabric's.
    hw.inter_node = ReadLink(fabric, "inter_link");
    bool has_intra = node.Has("intra_link");
    hw.intra_node =
        has_intra || hw.devices_per_node > 1 ? ReadLink(node, "intra_link") : hw.inter_node;
    if (fabric.Has("torus_shape")) fabric.Fail("torus_shape", "only allowed with topology torus");
  }
  // Optional, all three or none: the host that offload uses.
  const int host_keys = static_cast<int>(node.Has("host_memory_bytes")) +
                        static_cast<int>(node.Has("host_memory_bw_bytes_per_s")) +
                        static_cast<int>(node.Has("host_link"));
  if (host_keys != 0 && host_keys != 3) {
    node.Fail(node.Has("host_memory_bytes")
                  ? (node.Has("host_link") ? "host_memory_bw_bytes_per_s" : "host_link")
                  : "host_memory_bytes",
              "the host is host_memory_bytes, host_memory_bw_bytes_per_s and host_link together");
  }
  if (host_keys == 3) {
    value = ReadSourced(node, "host_memory_bytes");
    hw.host_memory_bytes = value.value;
    hw.host_memory_source = value.source;
    value = ReadSourced(node, "host_memory_bw_bytes_per_s");
    hw.host_memory_bw_bytes_per_s = value.value;
    hw.host_memory_bw_source = value.source;
    hw.host_link = ReadLink(node, "host_link");
  }
  node.Finish();
  fabric.Finish();

  YamlMap efficiency = top.Map("efficiency");
  ExpectKeys(efficiency, {"attention", "attention_bwd", "attention_causal", "attention_causal_bwd",
                          "matmul", "matmul_fp8"});
  hw.attention_efficiency = ReadCurve(efficiency, "attention", &hw.attention_kernel, &hw);
  if (efficiency.Has("attention_bwd")) {
    hw.attention_bwd_efficiency = ReadCurve(efficiency, "attention_bwd");
  }
  // The forward kernel's rate on a causal launch, for profiles without a calibration that
  // measures one (a calibration's causal samples replace it).
  if (efficiency.Has("attention_causal")) {
    hw.attention_causal_efficiency = ReadCurve(efficiency, "attention_causal");
  }
  // The backward kernel's rate on a causal launch; without it the backward keeps the forward's
  // causal/full ratio (a calibration's causal backward samples replace it).
  if (efficiency.Has("attention_causal_bwd")) {
    hw.attention_causal_bwd_efficiency = ReadCurve(efficiency, "attention_causal_bwd");
  }
  hw.matmul_efficiency = ReadCurve(efficiency, "matmul");
  // An FP8 peak needs its GEMM efficiency, and the curve needs the peak.
  if (efficiency.Has("matmul_fp8")) {
    if (hw.peak_fp8_flops_per_s == 0) {
      efficiency.Fail("matmul_fp8",
                      "only with device.peak_fp8_flops_per_s (the peak it is a "
                      "fraction of)");
    }
    hw.matmul_fp8_efficiency = ReadCurve(efficiency, "matmul_fp8");
  } else if (hw.peak_fp8_flops_per_s > 0) {
    efficiency.Fail("matmul_fp8",
                    "required with device.peak_fp8_flops_per_s: the fraction of the FP8 peak the "
                    "GEMMs reach, {source, points}");
  }
  efficiency.Finish();

  // `calibration: null` (as HardwareToJson writes it) means none.
  if (top.Has("calibration") && !top.Node("calibration").IsNull()) {
    std::string relative = top.String("calibration");
    fs::path resolved = fs::path(file).parent_path() / relative;
    if (relative.empty() || !IsRegularFile(resolved.string())) {
      top.Fail("calibration",
               fmt::format("no calibration file at '{}' (the path is relative to the profile's "
                           "folder)",
                           resolved.string()));
    }
    hw.calibration = resolved.string();
  }
  // Other kernels on this hardware, by the name implementations call them: a calibration file
  // where one was measured, else assumed curves with their sources.
  if (top.Has("kernels")) {
    YAML::Node kernels = top.Node("kernels");
    if (!kernels.IsMap())
      top.Fail("kernels",
               "expected a mapping of kernel name -> calibration file or {attention, "
               "attention_bwd, attention_causal} curves");
    for (const auto& entry : kernels) {
      const std::string name = entry.first.Scalar();
      if (entry.second.IsMap()) {
        YamlMap curves(entry.second, file, "kernels." + name);
        ExpectKeys(curves, {"attention", "attention_bwd", "attention_causal"});
        KernelCurves& k = hw.kernel_curves[name];
        k.attention = ReadCurve(curves, "attention");
        if (curves.Has("attention_bwd")) k.attention_bwd = ReadCurve(curves, "attention_bwd");
        if (curves.Has("attention_causal"))
          k.attention_causal = ReadCurve(curves, "attention_causal");
        curves.Finish();
        continue;
      }
      if (!entry.second.IsScalar()) {
        throw ConfigError(fmt::format(
            "{}: kernels.{}: expected a calibration file or {{attention, attention_bwd, "
            "attention_causal}} curves, got {}",
            MarkString(file, entry.second), name, Describe(entry.second)));
      }
      const std::string relative = entry.second.Scalar();
      const fs::path resolved = fs::path(file).parent_path() / relative;
      if (relative.empty() || !IsRegularFile(resolved.string())) {
        throw ConfigError(fmt::format(
            "{}: kernels.{}: no calibration file at '{}' (the path is relative to the profile's "
            "folder)",
            MarkString(file, entry.second), name, resolved.string()));
      }
      hw.kernel_calibrations[name] = resolved.string();
    }
  }
  top.Finish();
  // Assumed curves of another kernel would sit beside a calibration's measured GEMM and memory
  // rates, and outputs would call the whole profile measured.
  if (!hw.calibration.empty() && !hw.kernel_curves.empty()) {
    top.Fail("kernels",
             fmt::format("kernels.{}: assumed curves only in a profile without a calibration "
                         "(give a calibration file for it instead)",
                         hw.kernel_curves.begin()->first));
  }
  if (!hw.calibration.empty()) ApplyCalibration(LoadCalibration(hw.calibration), hw);
  AttachKernelTiling(hw);
  return hw;
}

std::string ResolveCalibration(const std::string& value, const std::string& base_dir) {
  if (value.empty()) return "";
  const fs::path given(value);
  const fs::path local = given.is_absolute() ? given : fs::path(base_dir) / given;
  if (IsRegularFile(local.string())) return local.string();
  if (!given.is_absolute() && IsRegularFile((fs::path(HardwareDir()) / given).string()))
    return (fs::path(HardwareDir()) / given).string();
  return "";
}

std::string RequireCalibration(const std::string& value, const std::string& where) {
  const std::string path = ResolveCalibration(value, fs::current_path().string());
  if (path.empty()) {
    throw ConfigError(fmt::format("{}: no calibration file '{}' (looked here and in {})", where,
                                  value, HardwareDir()));
  }
  return path;
}

void UseAssumedKernel(HardwareSpec& hw, const std::string& name) {
  const KernelCurves& k = hw.kernel_curves.at(name);
  hw.attention_efficiency = k.attention;
  hw.attention_bwd_efficiency = k.attention_bwd;
  hw.attention_causal_efficiency = k.attention_causal;
  hw.attention_causal_bwd_efficiency = {};  // assumed kernels carry the forward's ratio
  hw.attention_kernel = name;
  // The launches the profile's own curve was taken on, and its kernel's tiling, say nothing
  // of these curves: no wave quantisation against them.
  hw.attention_reference_heads = 0;
  hw.attention_reference_tokens_in_all = 0;
  hw.attention_reference_source.clear();
  hw.attention_tiling = {};
}

KernelChoice ChooseKernel(const HardwareSpec& hw, const std::string& kernel) {
  // A measured calibration wins over assumed curves of the same name.
  const auto measured = hw.kernel_calibrations.find(kernel);
  if (measured != hw.kernel_calibrations.end()) return {measured->second, ""};
  if (hw.kernel_curves.count(kernel) != 0) return {"", kernel};
  return {};
}

void UseKernel(HardwareSpec& hw, const std::string& kernel) {
  const KernelChoice choice = ChooseKernel(hw, kernel);
  if (!choice.calibration.empty()) {
    UseCalibration(hw, choice.calibration);
  } else if (!choice.assumed.empty()) {
    UseAssumedKernel(hw, choice.assumed);
  }
}

std::string KernelProblem(const HardwareSpec& hw, const std::string& kernel) {
  if (kernel == hw.attention_kernel || hw.kernel_calibrations.count(kernel) != 0 ||
      hw.kernel_curves.count(kernel) != 0) {
    return "";
  }
  std::vector<std::string> known = {hw.attention_kernel};
  for (const auto& entry : hw.kernel_calibrations) known.push_back(entry.first);
  for (const auto& entry : hw.kernel_curves) known.push_back(entry.first);
  return fmt::format("hardware '{}' has no attention kernel '{}' (it knows: {})", hw.name, kernel,
                     fmt::join(known, ", "));
}

void UseCalibration(HardwareSpec& hw, const std::string& path) {
  const Calibration c = LoadCalibration(path);
  // What only a calibration sets starts from nothing, so the new file's gaps do not keep
  // the old file's numbers.
  hw.attention_bwd_efficiency = {};
  hw.attention_causal_efficiency = {};
  hw.attention_causal_bwd_efficiency = {};
  hw.memory_efficiency = {};
  hw.interference_slowdown = 0;
  hw.interference_by_block = {};
  ApplyCalibration(c, hw);
  AttachKernelTiling(hw);
  hw.calibration = path;
  // Measured curves now stand for the profile: its assumed kernels go with its assumed curves.
  hw.kernel_curves.clear();
}

std::string DataRelativePath(const std::string& path) {
  std::error_code ec;
  const fs::path file = fs::weakly_canonical(path, ec);
  const fs::path data = fs::weakly_canonical(RINGSIM_DATA_DIR, ec);
  if (ec || data.empty()) return path;
  const fs::path relative = file.lexically_relative(data);
  if (relative.empty() || *relative.begin() == "..") return path;
  return relative.string();
}

std::string HardwareDir() {
  const char* dir = std::getenv("RINGSIM_HWMODELS");
  if (dir != nullptr && dir[0] != '\0') return dir;
  return std::string(RINGSIM_DATA_DIR) + "/hwmodels";
}

std::vector<std::string> ListHardware() {
  std::vector<std::string> names;
  for (const std::string& file : FilesWithExtension(HardwareDir(), ".yaml", "hardware profiles"))
    names.push_back(fs::path(file).stem().string());
  return names;
}

HardwareSpec LoadHardware(const std::string& name_or_path) {
  std::string file = name_or_path;
  if (!LooksLikePath(name_or_path)) {
    file = HardwareDir() + "/" + name_or_path + ".yaml";
    if (!IsRegularFile(file)) {
      std::string suggestion = SuggestHardware(name_or_path, ListHardware());
      throw ConfigError(
          fmt::format("unknown hardware '{}'{} (ringsim hw list shows all)", name_or_path,
                      suggestion.empty() ? "" : fmt::format("; did you mean '{}'?", suggestion)));
    }
  }
  static FileCache<HardwareSpec> cache;
  return cache.Get(file, [&] {
    YAML::Node root = LoadYamlFile(file);
    HardwareSpec hw = HardwareFromYaml(root, file);
    std::string stem = fs::path(file).stem().string();
    if (hw.name != stem) {
      YamlMap(root, file, "")
          .Fail("name", fmt::format("expected '{}' (the file's name without .yaml), got '{}'", stem,
                                    hw.name));
    }
    return hw;
  });
}

nlohmann::json HardwareToJson(const HardwareSpec& hw) {
  nlohmann::json out;
  out["schema_version"] = 1;
  out["name"] = hw.name;
  out["description"] = hw.description;
  out["kind"] = hw.kind;
  out["device"] = {
      {"peak_bf16_flops_per_s", SourcedJson(hw.peak_bf16_flops_per_s, hw.peak_bf16_source)},
      {"peak_fp32_flops_per_s", SourcedJson(hw.peak_fp32_flops_per_s, hw.peak_fp32_source)},
      {"hbm_bytes", SourcedJson(hw.hbm_bytes, hw.hbm_source)},
      {"hbm_bw_bytes_per_s", SourcedJson(hw.hbm_bw_bytes_per_s, hw.hbm_bw_source)}};
  if (hw.peak_fp8_flops_per_s > 0) {
    out["device"]["peak_fp8_flops_per_s"] =
        SourcedJson(hw.peak_fp8_flops_per_s, hw.peak_fp8_source);
  }
  if (hw.sm_count > 0) {
    out["device"]["sm_count"] = SourcedJson(static_cast<double>(hw.sm_count), hw.sm_count_source);
  }
  out["node"] = {{"devices_per_node", hw.devices_per_node},
                 {"intra_link", LinkJson(hw.intra_node)}};
  out["fabric"] = {{"topology", TopologyText(hw.topology)},
                   {"inter_link", LinkJson(hw.inter_node)}};
  if (hw.topology == Topology::kTorus) out["fabric"]["torus_shape"] = hw.torus_shape;
  out["efficiency"] = {{"attention", CurveJson(hw.attention_efficiency)},
                       {"matmul", CurveJson(hw.matmul_efficiency)}};
  out["efficiency"]["attention"]["kernel"] = hw.attention_kernel;
  if (hw.attention_reference_heads > 0 && hw.calibration.empty()) {
    nlohmann::json ref = {{"heads", static_cast<int64_t>(hw.attention_reference_heads)},
                          {"source", hw.attention_reference_source}};
    if (hw.attention_reference_tokens_in_all > 0) {
      ref["tokens_in_all"] = static_cast<int64_t>(hw.attention_reference_tokens_in_all);
    } else {
      ref["batch"] = 1;
    }
    out["efficiency"]["attention"]["reference"] = ref;
  }
  if (!hw.matmul_fp8_efficiency.points.empty()) {
    out["efficiency"]["matmul_fp8"] = CurveJson(hw.matmul_fp8_efficiency);
  }
  if (!hw.attention_bwd_efficiency.points.empty()) {
    out["efficiency"]["attention_bwd"] = CurveJson(hw.attention_bwd_efficiency);
  }
  if (!hw.attention_causal_efficiency.points.empty()) {
    out["efficiency"]["attention_causal"] = CurveJson(hw.attention_causal_efficiency);
  }
  if (!hw.attention_causal_bwd_efficiency.points.empty()) {
    out["efficiency"]["attention_causal_bwd"] = CurveJson(hw.attention_causal_bwd_efficiency);
  }
  out["calibration"] =
      hw.calibration.empty() ? nlohmann::json(nullptr) : nlohmann::json(hw.calibration);
  // Assumed kernel curves read back as they are written; measured kernels are files beside the
  // profile, which a JSON copy elsewhere could not find.
  for (const auto& [name, k] : hw.kernel_curves) {
    nlohmann::json curves = {{"attention", CurveJson(k.attention)}};
    if (!k.attention_bwd.points.empty()) curves["attention_bwd"] = CurveJson(k.attention_bwd);
    if (!k.attention_causal.points.empty()) {
      curves["attention_causal"] = CurveJson(k.attention_causal);
    }
    out["kernels"][name] = curves;
  }
  return out;
}

std::string AttentionCurvesText(const HardwareSpec& hw) {
  if (!hw.calibration.empty()) return "measured: " + DataRelativePath(hw.calibration);
  const bool assumed = hw.attention_efficiency.IsAssumed() &&
                       hw.AttentionBackwardEfficiency().IsAssumed() &&
                       (hw.attention_causal_efficiency.points.empty() ||
                        hw.attention_causal_efficiency.IsAssumed()) &&
                       (hw.attention_causal_bwd_efficiency.points.empty() ||
                        hw.attention_causal_bwd_efficiency.IsAssumed());
  return assumed ? "assumed curves of the profile"
                 : "curves of the profile, measured and assumed: hw show lists their sources";
}

std::string WaveQuantisationText(const HardwareSpec& hw) {
  if (!hw.attention_tiling.Known()) {
    return fmt::format("not modelled (no kernels/ file names '{}')", hw.attention_kernel);
  }
  if (hw.sm_count <= 0) return "not modelled (no device.sm_count)";
  if (hw.attention_reference_heads <= 0) {
    return "not modelled (the curves do not say which heads x batch they were measured at)";
  }
  const PassTiling& f = hw.attention_tiling.forward;
  const PassTiling& b = hw.attention_tiling.backward;
  return fmt::format(
      "{} CTAs of {} {} (forward), {} {} (backward) on {} SMs; curves measured at {} heads x {}",
      hw.attention_tiling.name, f.grid_tile_tokens, f.grid_over_query ? "queries" : "keys",
      b.grid_tile_tokens, b.grid_over_query ? "queries" : "keys", hw.sm_count,
      static_cast<int64_t>(hw.attention_reference_heads),
      hw.attention_reference_tokens_in_all > 0
          ? fmt::format("batch {:.0f} tokens / length", hw.attention_reference_tokens_in_all)
          : std::string("batch 1"));
}

std::string HardwareToText(const HardwareSpec& hw) {
  std::string out = fmt::format("{} ({}): {}\n", hw.name, hw.kind, hw.description);
  out += "device\n";
  out += Row("peak bf16", Scaled(hw.peak_bf16_flops_per_s, 1e12, "TFLOPS"), hw.peak_bf16_source);
  out += Row("peak fp32", Scaled(hw.peak_fp32_flops_per_s, 1e12, "TFLOPS"), hw.peak_fp32_source);
  out += hw.peak_fp8_flops_per_s > 0
             ? Row("peak fp8", Scaled(hw.peak_fp8_flops_per_s, 1e12, "TFLOPS"), hw.peak_fp8_source)
             : Row("peak fp8", "none", "(no FP8 tensor cores: precision fp8 is refused)");
  if (hw.sm_count > 0) out += Row("SMs", fmt::format("{}", hw.sm_count), hw.sm_count_source);
  if (!hw.sustained_clock_source.empty()) {
    out += Row("sustained clock",
               fmt::format("{:.3g} x (every compute rate; MFU vs the peaks above)",
                           hw.sustained_clock_fraction),
               hw.sustained_clock_source);
  }
  out += Row("HBM", Scaled(hw.hbm_bytes, 1e9, "GB"), hw.hbm_source);
  out += Row("HBM bandwidth", Scaled(hw.hbm_bw_bytes_per_s, 1e9, "GB/s"), hw.hbm_bw_source);
  out += fmt::format("node: {} device{} per node\n", hw.devices_per_node,
                     hw.devices_per_node == 1 ? "" : "s");
  out += LinkRows("intra link", hw.intra_node);
  if (hw.host_memory_bytes > 0) {
    out += Row("host memory", Scaled(hw.host_memory_bytes, 1e9, "GB"), hw.host_memory_source);
    out += Row("host memory bw", Scaled(hw.host_memory_bw_bytes_per_s, 1e9, "GB/s"),
               hw.host_memory_bw_source);
    out += LinkRows("host link", hw.host_link);
  } else {
    out += Row("host", "none given", "(workload.offload is refused)");
  }
  std::string shape;
  if (hw.topology == Topology::kTorus) shape = fmt::format(" {}", fmt::join(hw.torus_shape, "x"));
  out += fmt::format("fabric: {}{}\n", TopologyText(hw.topology), shape);
  if (SameLink(hw.inter_node, hw.intra_node)) {
    out += Row("inter link", "= intra link",
               hw.topology == Topology::kTorus ? "(every chip-to-chip link of the torus)"
                                               : "(one device per node)");
  } else {
    out += LinkRows("inter link", hw.inter_node);
  }
  out += "efficiency (fraction of peak at tokens:fraction)\n";
  out += fmt::format("  {:<21} {}\n", "attention kernel", hw.attention_kernel);
  out += fmt::format("  {:<21} {}\n", "wave quantisation", WaveQuantisationText(hw));
  out += CurveRows("attention", hw.attention_efficiency);
  if (!hw.attention_bwd_efficiency.points.empty()) {
    out += CurveRows("attention_bwd", hw.attention_bwd_efficiency);
  }
  if (!hw.attention_causal_efficiency.points.empty()) {
    out += CurveRows("attention_causal", hw.attention_causal_efficiency);
  }
  if (!hw.attention_causal_bwd_efficiency.points.empty()) {
    out += CurveRows("attention_causal_bwd", hw.attention_causal_bwd_efficiency);
  }
  out += CurveRows("matmul", hw.matmul_efficiency);
  if (!hw.matmul_fp8_efficiency.points.empty()) {
    out += CurveRows("matmul_fp8 (of fp8)", hw.matmul_fp8_efficiency);
  }
  // The other kernels implementations may call here (kernel: in implementations/*.yaml).
  for (const auto& [name, path] : hw.kernel_calibrations) {
    out += fmt::format("  {:<21} measured: {}\n", "kernel " + name, DataRelativePath(path));
  }
  for (const auto& [name, k] : hw.kernel_curves) {
    out += fmt::format(
        "  {:<21} curves of the profile (each with its source), for implementations "
        "that call it\n",
        "kernel " + name);
    out += CurveRows("  attention", k.attention);
    if (!k.attention_bwd.points.empty()) out += CurveRows("  attention_bwd", k.attention_bwd);
    if (!k.attention_causal.points.empty()) {
      out += CurveRows("  attention_causal", k.attention_causal);
    }
  }
  // What only a calibration measures: the merges' memory rate and the interference.
  if (!hw.memory_efficiency.points.empty()) {
    std::vector<std::string> points;
    for (const auto& [bytes, fraction] : hw.memory_efficiency.points)
      points.push_back(fmt::format("{}:{:.2f}", Scaled(bytes, 1e6, "MB"), fraction));
    out += fmt::format("  {:<21} {}\n  {:<21} {}\n", "memory (merges)", fmt::join(points, "  "), "",
                       "bytes moved : fraction of HBM bandwidth; " + hw.memory_efficiency.source);
  }
  if (!hw.interference_by_block.points.empty() || hw.interference_slowdown > 0) {
    std::vector<std::string> points;
    for (const auto& [tokens, slowdown] : hw.interference_by_block.points)
      points.push_back(fmt::format("{:g}:{:+.1f}%", tokens, 100 * slowdown));
    if (points.empty()) points.push_back(fmt::format("{:+.1f}%", 100 * hw.interference_slowdown));
    out += fmt::format("  {:<21} {}\n  {:<21} {}\n", "interference", fmt::join(points, "  "), "",
                       "attention slowdown with a K,V copy beside it; measured: " +
                           DataRelativePath(hw.calibration));
  }
  out += fmt::format("calibration: {}\n", hw.calibration.empty() ? "none" : hw.calibration);
  out += "units: decimal SI (1 GB = 1e9 bytes, 1 TFLOPS = 1e12 FLOP/s)\n";
  return out;
}

}  // namespace ringsim
