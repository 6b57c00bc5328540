#include "io/sweep.h"

#include <fmt/format.h>

#include <set>
#include <thread>

#include "io/scenario_draft.h"
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

std::vector<size_t> SweepPositions(const std::vector<VaryAxis>& axes, int64_t index) {
  std::vector<size_t> positions(axes.size());
  for (size_t a = axes.size(); a-- > 0;) {
    if (axes[a].zipped_with_previous) continue;  // set with the first of its group
    const int64_t n = static_cast<int64_t>(axes[a].values.size());
    const size_t position = static_cast<size_t>(index % n);
    for (size_t b = a; b < axes.size() && (b == a || axes[b].zipped_with_previous); ++b) {
      positions[b] = position;
    }
    index /= n;
  }
  return positions;
}

namespace {

// Each axis's value at `positions`.
std::vector<std::string> ValuesAt(const std::vector<VaryAxis>& axes,
                                  const std::vector<size_t>& positions) {
  std::vector<std::string> values(axes.size());
  for (size_t a = 0; a < axes.size(); ++a) values[a] = axes[a].values[positions[a]];
  return values;
}

}  // namespace

std::vector<std::string> SweepValues(const std::vector<VaryAxis>& axes, int64_t index) {
  return ValuesAt(axes, SweepPositions(axes, index));
}

SweepScenarioBuilder::SweepScenarioBuilder(const std::string& text, const std::string& path,
                                           const std::vector<std::string>& overrides,
                                           std::vector<VaryAxis> axes, bool from_document)
    : text_(text), path_(path), overrides_(overrides), axes_(std::move(axes)) {
  Document();  // its errors stop the sweep here
  from_drafts_ = !from_document;
  for (const VaryAxis& axis : axes_) from_drafts_ = from_drafts_ && IsDraftKey(axis.key);
  if (!from_drafts_) return;
  // The document as every configuration sees it (each --vary key set: mappings on its path
  // made where they were not), less the varied keys themselves.
  YAML::Node base = Document();
  for (const VaryAxis& axis : axes_) {
    SetDottedKey(base, axis.key, "null");
    RemoveDottedKey(base, axis.key);
  }
  try {
    base_ = DraftFromYaml(base, path_, &base_marks_);
  } catch (const ConfigError& e) {
    base_error_ = e.what();
  }
  // A value whose key a later --vary sets again (or a mapping above it) never reaches the
  // loader: its errors do not count.
  overwritten_.assign(axes_.size(), false);
  for (size_t a = 0; a < axes_.size(); ++a) {
    for (size_t b = a + 1; b < axes_.size(); ++b) {
      overwritten_[a] = overwritten_[a] || KeyAtOrUnder(axes_[a].key, axes_[b].key);
    }
  }
  for (const VaryAxis& axis : axes_) {
    overlays_.emplace_back(axis.key);
    std::vector<Patch>& patches = patches_.emplace_back();
    for (const std::string& value : axis.values) {
      Patch& patch = patches.emplace_back();
      try {
        YAML::Node alone(YAML::NodeType::Map);
        SetDottedKey(alone, axis.key, value);
        patch.draft = DraftFromYaml(alone, path_, &patch.marks);
      } catch (const ConfigError& e) {
        patch.error = e.what();
      }
    }
  }
}

YAML::Node SweepScenarioBuilder::Document() const {
  // Parsed again rather than copied: YAML::Clone drops where each key was written.
  YAML::Node root = LoadYamlString(text_, path_);
  if (!root.IsMap()) throw ConfigError(fmt::format("{}: expected a scenario mapping", path_));
  for (const std::string& assignment : overrides_) {
    size_t eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw ConfigError(
          fmt::format("--set {}: expected key=value, e.g. workload.seq_len=131072", assignment));
    }
    SetDottedKey(root, assignment.substr(0, eq), assignment.substr(eq + 1));
  }
  return root;
}

const Scenario& SweepScenarioBuilder::Build(int64_t index) const {
  if (from_drafts_) {
    BuildFromDrafts(SweepPositions(axes_, index));
  } else {
    BuildFromDocument(SweepValues(axes_, index));
  }
  return built_.scenario;
}

void SweepScenarioBuilder::BuildFromDocument(const std::vector<std::string>& values) const {
  YAML::Node root = Document();
  for (size_t a = 0; a < axes_.size(); ++a) SetDottedKey(root, axes_[a].key, values[a]);
  try {
    built_.scenario = ScenarioFromYaml(root, path_);
  } catch (const ConfigError& e) {
    throw ConfigError(NameVary(e.what()));
  }
  built_.Forget();
}

void SweepScenarioBuilder::BuildFromDrafts(const std::vector<size_t>& positions) const {
  // Where a value is wrong or a key missing, which error the loader meets first depends on
  // the order it reads keys in: read that configuration's document. Only relations between
  // keys, checked once every key has been read, are named here.
  auto from_document = [&] { BuildFromDocument(ValuesAt(axes_, positions)); };
  if (!base_error_.empty()) return from_document();
  draft_ = base_;
  for (size_t a = 0; a < axes_.size(); ++a) {
    const Patch& patch = patches_[a][positions[a]];
    if (!patch.error.empty() && !overwritten_[a]) return from_document();
    overlays_[a].Apply(draft_, patch.draft);
  }
  ScenarioIssue issue;
  try {
    ResolveScenario(draft_, &issue, &hardware_, built_);
  } catch (const ConfigError&) {
    return from_document();
  }
  if (!issue.ok()) return from_document();
  issue = CheckScenario(built_.scenario);
  if (issue.ok()) return;
  throw ConfigError(
      NameVary(fmt::format("{}: {}: {}", MarkIn(positions, issue.key), issue.key, issue.what)));
}

std::string SweepScenarioBuilder::MarkIn(const std::vector<size_t>& positions,
                                         const std::string& dotted_key) const {
  std::string key = dotted_key;
  while (true) {
    const KeyMarks* marks = &base_marks_;
    for (size_t a = axes_.size(); a-- > 0;) {
      const std::string& set = axes_[a].key;
      if (key.compare(0, set.size(), set) == 0 &&
          (key.size() == set.size() || key[set.size()] == '.')) {
        marks = &patches_[a][positions[a]].marks;
        break;
      }
    }
    auto it = marks->find(key);
    if (it != marks->end()) return it->second;
    if (key.empty()) return path_;
    const size_t dot = key.rfind('.');
    key = dot == std::string::npos ? "" : key.substr(0, dot);
  }
}

std::string SweepScenarioBuilder::NameVary(const std::string& message) const {
  // Values from the command line are marked "--set", and keys they add have no line:
  // name the --vary option instead.
  for (const std::string& prefix : {std::string("--set: "), path_ + ": "}) {
    for (const VaryAxis& axis : axes_) {
      if (message.rfind(prefix + axis.key + ": ", 0) == 0) {
        return "--vary " + message.substr(prefix.size());
      }
    }
  }
  return message;
}

}  // namespace ringsim
