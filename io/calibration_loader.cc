#include "io/calibration_loader.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "io/file_cache.h"
#include "io/hardware_loader.h"
#include "io/yaml_reader.h"
#include "sim/config_error.h"
#include "sim/limits.h"

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

Calibration CalibrationFromYaml(const YAML::Node& root, const std::string& path) {
  YamlMap top(root, path, "");
  Calibration c;
  c.file = path;
  c.source_name = DataRelativePath(path);
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
  // Plausible rates only: a sample at 1e-308 FLOP/s makes every step time nan.
  const auto check_rate = [&](const std::string& key, size_t i, double flops_per_s) {
    const double fraction = flops_per_s / c.peak_bf16_flops_per_s;
    if (fraction < kMinFractionOfPeak || fraction > kMaxFractionOfPeak) {
      YamlMap(root[key][i], path, fmt::format("{}[{}]", key, i))
          .Fail("flops_per_s",
                fmt::format("{:g} is {:.3g} of peak_bf16_flops_per_s ({:g}); expected from {:g} "
                            "to {:g} of it",
                            flops_per_s, fraction, c.peak_bf16_flops_per_s, kMinFractionOfPeak,
                            kMaxFractionOfPeak));
    }
  };
  for (size_t i = 0; i < c.attention.size(); ++i)
    check_rate("attention", i, c.attention[i].flops_per_s);
  for (size_t i = 0; i < c.matmul.size(); ++i) check_rate("matmul", i, c.matmul[i].flops_per_s);
  for (size_t i = 0; i < c.copy.size(); ++i) {
    if (c.copy[i].bw_bytes_per_s < kMinCopyBytesPerS) {
      YamlMap(root["copy"][i], path, fmt::format("copy[{}]", i))
          .Fail("bw_bytes_per_s", fmt::format("{:g} is below the limit of {:g} bytes/s",
                                              c.copy[i].bw_bytes_per_s, kMinCopyBytesPerS));
    }
  }
  if (c.attention.empty()) {
    throw ConfigError(fmt::format("{}: attention: expected at least one sample", path));
  }
  return c;
}

Calibration LoadCalibration(const std::string& path) {
  static FileCache<Calibration> cache;
  return cache.Get(path, [&] { return CalibrationFromYaml(LoadYamlFile(path), path); });
}

}  // namespace ringsim
