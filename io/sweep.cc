#include "io/sweep.h"

#include <fmt/format.h>

#include <set>
#include <thread>

#include "io/scenario_loader.h"
#include "io/yaml_reader.h"
#include "sim/config_error.h"

namespace ringsim {

namespace {

std::vector<std::string> SplitList(const std::string& text, char separator = ',') {
  std::vector<std::string> parts;
  size_t begin = 0;
  while (true) {
    size_t at = text.find(separator, begin);
    parts.push_back(text.substr(begin, at == std::string::npos ? at : at - begin));
    if (at == std::string::npos) return parts;
    begin = at + 1;
  }
}

std::string Trim(const std::string& s) {
  size_t begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t") - begin + 1);
}

}  // namespace

VaryAxis ParseVary(const std::string& text) {
  size_t eq = text.find('=');
  if (eq == std::string::npos || Trim(text.substr(0, eq)).empty()) {
    throw ConfigError(
        fmt::format("--vary {}: expected key=v1,v2,..., e.g. workload.seq_len=65536,131072", text));
  }
  VaryAxis axis;
  axis.key = Trim(text.substr(0, eq));
  for (const std::string& part : SplitList(text.substr(eq + 1))) {
    std::string value = Trim(part);
    if (value.empty()) {
      throw ConfigError(
          fmt::format("--vary {}: empty value in the list; expected key=v1,v2,... (values cannot "
                      "contain commas)",
                      text));
    }
    // A value that is not valid YAML is the user's typo in this option: say so now.
    LoadYamlString(value, fmt::format("--vary {}", axis.key));
    axis.values.push_back(value);
  }
  return axis;
}

std::vector<VaryAxis> ParseVaryGroup(const std::string& text) {
  const size_t eq = text.find('=');
  const std::string keys = eq == std::string::npos ? "" : text.substr(0, eq);
  if (keys.find('+') == std::string::npos) return {ParseVary(text)};
  // Several keys varied together: split the keys and each value on '+'.
  std::vector<std::string> names;
  for (const std::string& name : SplitList(keys, '+')) names.push_back(Trim(name));
  std::vector<VaryAxis> axes(names.size());
  for (size_t k = 0; k < names.size(); ++k) {
    if (names[k].empty()) {
      throw ConfigError(
          fmt::format("--vary {}: empty key before '='; expected "
                      "key1+key2=a1+a2,b1+b2",
                      text));
    }
    axes[k].key = names[k];
    axes[k].zipped_with_previous = k > 0;
  }
  for (const std::string& tuple : ParseVary(text).values) {
    std::vector<std::string> parts;
    for (const std::string& part : SplitList(tuple, '+')) parts.push_back(Trim(part));
    if (parts.size() != names.size()) {
      throw ConfigError(fmt::format(
          "--vary {}: value '{}' has {} part(s) for {} keys; give one per key, joined by '+'", text,
          tuple, parts.size(), names.size()));
    }
    for (size_t k = 0; k < names.size(); ++k) {
      if (parts[k].empty()) {
        throw ConfigError(fmt::format("--vary {}: empty part in '{}'", text, tuple));
      }
      LoadYamlString(parts[k], fmt::format("--vary {}", names[k]));
      axes[k].values.push_back(parts[k]);
    }
  }
  return axes;
}

std::vector<VaryAxis> ParseVaryAxes(const std::vector<std::string>& texts) {
  std::vector<VaryAxis> axes;
  std::set<std::string> keys;
  for (const std::string& text : texts) {
    for (VaryAxis& axis : ParseVaryGroup(text)) {
      if (!keys.insert(axis.key).second) {
        throw ConfigError(
            fmt::format("--vary {}: key '{}' is varied twice; give all its values in one --vary",
                        text, axis.key));
      }
      axes.push_back(std::move(axis));
    }
  }
  return axes;
}

int64_t SweepSize(const std::vector<VaryAxis>& axes) {
  int64_t size = 1;
  for (const VaryAxis& axis : axes) {
    if (axis.zipped_with_previous) continue;  // no new dimension
    int64_t n = static_cast<int64_t>(axis.values.size());
    if (size > kMaxSweepConfigs / n) {
      throw ConfigError(fmt::format(
          "--vary: the product of the value lists has more than {} configurations; split the "
          "sweep",
          kMaxSweepConfigs));
    }
    size *= n;
  }
  return size;
}

std::vector<std::string> SweepValues(const std::vector<VaryAxis>& axes, int64_t index) {
  std::vector<std::string> values(axes.size());
  for (size_t a = axes.size(); a-- > 0;) {
    if (axes[a].zipped_with_previous) continue;  // set with the first of its group
    const int64_t n = static_cast<int64_t>(axes[a].values.size());
    const size_t position = static_cast<size_t>(index % n);
    for (size_t b = a; b < axes.size() && (b == a || axes[b].zipped_with_previous); ++b) {
      values[b] = axes[b].values[position];
    }
    index /= n;
  }
  return values;
}

SweepScenarioBuilder::SweepScenarioBuilder(const std::string& text, const std::string& path,
                                           const std::vector<std::string>& overrides,
                                           std::vector<VaryAxis> axes)
    : root_(LoadYamlString(text, path)), path_(path), axes_(std::move(axes)) {
  if (!root_.IsMap()) throw ConfigError(fmt::format("{}: expected a scenario mapping", path));
  for (const std::string& assignment : overrides) {
    size_t eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw ConfigError(
          fmt::format("--set {}: expected key=value, e.g. workload.seq_len=131072", assignment));
    }
    SetDottedKey(root_, assignment.substr(0, eq), assignment.substr(eq + 1));
  }
}

Scenario SweepScenarioBuilder::Build(int64_t index) const {
  YAML::Node root = YAML::Clone(root_);
  std::vector<std::string> values = SweepValues(axes_, index);
  for (size_t a = 0; a < axes_.size(); ++a) SetDottedKey(root, axes_[a].key, values[a]);
  try {
    return ScenarioFromYaml(root, path_);
  } catch (const ConfigError& e) {
    // Values from the command line are marked "--set", and keys they add have no line:
    // name the --vary option instead.
    std::string message = e.what();
    for (const std::string& prefix : {std::string("--set: "), path_ + ": "}) {
      for (const VaryAxis& axis : axes_) {
        if (message.rfind(prefix + axis.key + ": ", 0) == 0) {
          throw ConfigError("--vary " + message.substr(prefix.size()));
        }
      }
    }
    throw;
  }
}

}  // namespace ringsim
