#include "io/kernel_loader.h"

#include <fmt/format.h>

#include <cstdlib>
#include <map>

#include "io/input_file.h"
#include "io/yaml_reader.h"
#include "sim/config_error.h"

namespace ringsim {

namespace {

int64_t ReadTokens(YamlMap& pass, const std::string& key) {
  YamlMap entry = pass.Map(key);
  const double value = entry.PositiveNumber("value");
  if (!IsExactWholeNumber(value)) {
    entry.Fail("value", fmt::format("expected a whole number of tokens, got {}", value));
  }
  entry.String("source");
  entry.Finish();
  return static_cast<int64_t>(value);
}

PassTiling ReadPass(YamlMap& top, const std::string& key) {
  YamlMap pass = top.Map(key);
  PassTiling t;
  t.grid_over_query = pass.Choice("grid_over", {"query", "key"}) == "query";
  t.grid_tile_tokens = ReadTokens(pass, "grid_tile_tokens");
  t.inner_tile_tokens = ReadTokens(pass, "inner_tile_tokens");
  pass.Finish();
  return t;
}

// Every shipped kernel file, by each name it answers to.
std::map<std::string, KernelTiling> ReadAll() {
  std::map<std::string, KernelTiling> by_name;
  if (!PathExists(KernelDir())) return by_name;  // no kernels folder: no tiling known
  for (const std::string& file : FilesWithExtension(KernelDir(), ".yaml", "kernels")) {
    std::vector<std::string> names;
    KernelTiling tiling = KernelTilingFromYaml(LoadYamlFile(file), file, &names);
    for (const std::string& name : names) by_name.emplace(name, tiling);
  }
  return by_name;
}

}  // namespace

std::string KernelDir() {
  const char* dir = std::getenv("RINGSIM_KERNELS");
  if (dir != nullptr && dir[0] != '\0') return dir;
  return std::string(RINGSIM_DATA_DIR) + "/kernels";
}

KernelTiling KernelTilingFromYaml(const YAML::Node& root, const std::string& file,
                                  std::vector<std::string>* names) {
  if (!root.IsMap()) throw ConfigError(fmt::format("{}: expected a mapping of kernel keys", file));
  YamlMap top(root, file, "");
  if (top.Number("schema_version") != 1) top.Fail("schema_version", "expected 1");
  KernelTiling t;
  t.name = top.String("name");
  YAML::Node list = top.Node("names");
  if (!list.IsSequence() || list.size() == 0) {
    top.Fail("names", "expected a list of the kernel names this file answers to");
  }
  names->clear();
  for (const YAML::Node& n : list) {
    if (!n.IsScalar() || n.Scalar().empty()) top.Fail("names", "expected kernel names (strings)");
    names->push_back(n.Scalar());
  }
  YAML::Node read = top.Node("read");
  if (!read.IsSequence() || read.size() == 0) {
    top.Fail("read", "expected a list of repository@commit/path read to write the file");
  }
  for (const YAML::Node& r : read) t.source += (t.source.empty() ? "" : "; ") + r.as<std::string>();
  t.forward = ReadPass(top, "forward");
  t.backward = ReadPass(top, "backward");
  top.Finish();
  return t;
}

KernelTiling FindKernelTiling(const std::string& kernel_name) {
  // Read once: a sweep resolves thousands of scenarios.
  static const std::map<std::string, KernelTiling> kAll = ReadAll();
  const auto it = kAll.find(kernel_name);
  return it == kAll.end() ? KernelTiling{} : it->second;
}

void AttachKernelTiling(HardwareSpec& hw) {
  hw.attention_tiling = FindKernelTiling(hw.attention_kernel);
}

}  // namespace ringsim
