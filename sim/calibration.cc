#include "sim/calibration.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "sim/config_error.h"
#include "sim/yaml_reader.h"

namespace ringsim {

namespace {

template <typename T, typename Read>
std::vector<T> ReadList(YamlMap& top, const std::string& key, Read read) {
  std::vector<T> out;
  if (!top.Has(key)) return out;
  YAML::Node list = top.Node(key);
  if (!list.IsSequence()) top.Fail(key, "expected a list of samples");
  for (size_t i = 0; i < list.size(); ++i) {
    YamlMap item(list[i], top.file(), fmt::format("{}[{}]", key, i));
    out.push_back(read(item));
    item.Finish();
  }
  return out;
}

}  // namespace

Calibration LoadCalibration(const std::string& path) {
  YAML::Node root = LoadYamlFile(path);
  YamlMap top(root, path, "");
  Calibration c;
  c.file = path;
  if (top.PositiveInteger("schema_version") != 1) {
    top.Fail("schema_version", "expected 1 (this ringsim reads calibration schema 1)");
  }
  c.generator = top.String("generator");
  c.kernel = top.String("kernel");
  YamlMap context = top.Map("context");
  c.device = context.String("device");
  c.driver = context.String("driver");
  c.cuda = context.String("cuda");
  c.date = context.String("date");
  c.git_sha = context.String("git_sha", "");
  c.sm_clock_mhz = context.Number("sm_clock_mhz", 0);
  c.repetitions = context.PositiveInteger("repetitions");
  context.Finish();
  c.peak_bf16_flops_per_s = top.PositiveNumber("peak_bf16_flops_per_s");
  c.attention = ReadList<AttentionSample>(top, "attention", [](YamlMap& m) {
    AttentionSample s;
    s.pass = m.Choice("pass", {"fwd", "bwd"});
    s.causal = m.Bool("causal", false);
    s.head_dim = m.PositiveInteger("head_dim");
    s.heads = m.PositiveInteger("heads");
    s.block_tokens = m.PositiveInteger("block_tokens");
    s.flops_per_s = m.PositiveNumber("flops_per_s");
    return s;
  });
  c.matmul = ReadList<MatmulSample>(top, "matmul", [](YamlMap& m) {
    MatmulSample s;
    s.m = m.PositiveInteger("m");
    s.n = m.PositiveInteger("n");
    s.k = m.PositiveInteger("k");
    s.flops_per_s = m.PositiveNumber("flops_per_s");
    return s;
  });
  c.copy = ReadList<CopySample>(top, "copy", [](YamlMap& m) {
    CopySample s;
    s.kind = m.Choice("kind", {"d2d", "p2p", "nccl", "merge"});
    s.bytes = m.PositiveNumber("bytes");
    s.bw_bytes_per_s = m.PositiveNumber("bw_bytes_per_s");
    return s;
  });
  if (top.Has("interference")) {
    YamlMap interference = top.Map("interference");
    c.interference_slowdown = interference.Number("compute_slowdown");
    if (c.interference_slowdown < 0 || c.interference_slowdown >= 1) {
      interference.Fail("compute_slowdown", "expected a fraction in [0, 1)");
    }
    if (interference.Has("by_block")) {
      YAML::Node list = interference.Node("by_block");
      const std::string where = interference.Where("by_block");
      if (!list.IsSequence()) throw ConfigError(where + ": expected a list of [tokens, fraction]");
      for (const YAML::Node& point : list) {
        const bool ok = point.IsSequence() && point.size() == 2;
        int64_t tokens = 0;
        double fraction = -1;
        try {
          if (ok) {
            tokens = point[0].as<int64_t>();
            fraction = point[1].as<double>();
          }
        } catch (const YAML::Exception&) {
          tokens = 0;
        }
        if (!ok || tokens <= 0 || fraction < 0 || fraction >= 1 ||
            (!c.interference_by_block.empty() && tokens <= c.interference_by_block.back().first)) {
          throw ConfigError(MarkString(c.file, point) +
                            ": interference.by_block: expected [tokens > 0, fraction in [0, 1)] "
                            "with tokens ascending");
        }
        c.interference_by_block.push_back({tokens, fraction});
      }
    }
    interference.Finish();
  }
  top.Finish();
  if (c.attention.empty()) {
    throw ConfigError(fmt::format("{}: attention: expected at least one sample", path));
  }
  return c;
}

void ApplyCalibration(const Calibration& c, HardwareSpec& hw) {
  std::string source = fmt::format("measured: {} ({}, driver {}, {}, kernel {})", c.file, c.device,
                                   c.driver, c.date, c.kernel);
  // Fractions of the profile's own peak, so that fraction x peak gives back the measured
  // rate whatever peak the calibration quoted (a profile without a peak uses that one).
  const double peak =
      hw.peak_bf16_flops_per_s > 0 ? hw.peak_bf16_flops_per_s : c.peak_bf16_flops_per_s;
  int64_t head_dim = 0;
  for (const AttentionSample& s : c.attention) head_dim = std::max(head_dim, s.head_dim);
  // Forward, non-causal, at the widest head: the shape the overlap condition speaks of.
  // Repeated block sizes (several head counts) keep the best rate.
  std::map<int64_t, double> attention;
  for (const AttentionSample& s : c.attention) {
    if (s.pass != "fwd" || s.causal || s.head_dim != head_dim) continue;
    double& best = attention[s.block_tokens];
    best = std::max(best, std::min(1.0, s.flops_per_s / peak));
  }
  if (!attention.empty()) {
    hw.attention_efficiency.points.assign(attention.begin(), attention.end());
    hw.attention_efficiency.source = source;
  }
  // The backward kernel, same shape; rates count its 2.5x forward FLOPs.
  std::map<int64_t, double> backward;
  for (const AttentionSample& s : c.attention) {
    if (s.pass != "bwd" || s.causal || s.head_dim != head_dim) continue;
    double& best = backward[s.block_tokens];
    best = std::max(best, std::min(1.0, s.flops_per_s / peak));
  }
  if (!backward.empty()) {
    hw.attention_bwd_efficiency.points.assign(backward.begin(), backward.end());
    hw.attention_bwd_efficiency.source = source;
  }
  // The GEMMs of one token count are one layer's projections and FFN: together they run at
  // total FLOPs over total time (repeats of a shape keep their best rate).
  std::map<int64_t, std::map<std::pair<int64_t, int64_t>, double>> shapes;
  for (const MatmulSample& s : c.matmul) {
    double& best = shapes[s.m][{s.n, s.k}];
    best = std::max(best, s.flops_per_s);
  }
  std::map<int64_t, double> matmul;
  for (const auto& [m, by_shape] : shapes) {
    double flops = 0, seconds = 0;
    for (const auto& [nk, rate] : by_shape) {
      const double f = 2.0 * m * static_cast<double>(nk.first) * static_cast<double>(nk.second);
      flops += f;
      seconds += f / rate;
    }
    matmul[m] = std::min(1.0, flops / seconds / peak);
  }
  if (!matmul.empty()) {
    hw.matmul_efficiency.points.assign(matmul.begin(), matmul.end());
    hw.matmul_efficiency.source = source;
  }
  // The memory rate of the forward merges: the merge kernel's own samples (bytes read plus
  // written, timed back to back as a ring step runs them) where the file has them; else the
  // d2d copies (b bytes read and b written: 2b moved at twice the delivered rate), timed one
  // at a time, so slower at small sizes than a merge queued behind a kernel.
  const bool merges = std::any_of(c.copy.begin(), c.copy.end(),
                                  [](const CopySample& s) { return s.kind == "merge"; });
  std::map<double, double> stream;
  for (const CopySample& s : c.copy) {
    if (s.kind != (merges ? "merge" : "d2d") || !(hw.hbm_bw_bytes_per_s > 0)) continue;
    const double factor = merges ? 1.0 : 2.0;
    double& best = stream[factor * s.bytes];
    best = std::max(best, std::min(1.0, factor * s.bw_bytes_per_s / hw.hbm_bw_bytes_per_s));
  }
  if (!stream.empty()) {
    hw.memory_efficiency.points.assign(stream.begin(), stream.end());
    hw.memory_efficiency.source = source;
  }
  hw.interference_slowdown = c.interference_slowdown;
  hw.interference_by_block.points.assign(c.interference_by_block.begin(),
                                         c.interference_by_block.end());
  hw.interference_by_block.source = source;
}

}  // namespace ringsim
