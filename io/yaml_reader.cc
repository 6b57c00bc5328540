#include "io/yaml_reader.h"

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>

#include <cmath>
#include <functional>
#include <sstream>

#include "io/input_file.h"
#include "sim/config_error.h"
#include "sim/token_count.h"

namespace ringsim {

namespace {

// 2^53: the largest whole number every smaller one of which a double holds exactly.
constexpr double kMaxExactInteger = 9007199254740992.0;

}  // namespace

bool IsExactWholeNumber(double value) {
  return std::isfinite(value) && value == std::floor(value) && std::abs(value) <= kMaxExactInteger;
}

std::string DescribeNode(const YAML::Node& node, bool count_items) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      if (!count_items) return "a list";
      return fmt::format("a list of {} item{}", node.size(), node.size() == 1 ? "" : "s");
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Scalar:
      return fmt::format("'{}'", node.Scalar());
    default:
      return "an undefined value";
  }
}

std::string MarkString(const std::string& file, const YAML::Node& node) {
  if (node.Tag() == kOverrideTag) return "--set";
  YAML::Mark mark = node.Mark();
  if (mark.is_null() || mark.line < 0) return file;
  return fmt::format("{}:{}:{}", file, mark.line + 1, mark.column + 1);
}

YAML::Node LoadYamlFile(const std::string& path) {
  return LoadYamlString(ReadInputFile(path), path);
}

YAML::Node LoadYamlString(const std::string& text, const std::string& origin) {
  try {
    YAML::Node root = YAML::Load(text);
    return root;
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp stops at its depth guard with the message "bad file": say what it means.
    throw ConfigError(fmt::format("{}:{}:{}: YAML nested too deeply ({} levels, yaml-cpp's limit)",
                                  origin, e.mark.line + 1, e.mark.column + 1, e.depth()));
  } catch (const YAML::Exception& e) {
    throw ConfigError(fmt::format("{}:{}:{}: YAML syntax error: {}", origin, e.mark.line + 1,
                                  e.mark.column + 1, e.msg));
  }
}

YamlMap::YamlMap(YAML::Node node, std::string file, std::string path)
    : node_(node), file_(std::move(file)), path_(std::move(path)) {
  if (!node_.IsMap()) {
    std::string where = path_.empty() ? MarkString(file_, node_)
                                      : fmt::format("{}: {}", MarkString(file_, node_), path_);
    throw ConfigError(
        fmt::format("{}: expected a mapping of keys, got {}", where, DescribeNode(node_)));
  }
}

std::string YamlMap::KeyPath(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

std::string YamlMap::Where(const std::string& key) const {
  YAML::Node value = node_[key];
  if (value) return fmt::format("{}: {}", MarkString(file_, value), KeyPath(key));
  return fmt::format("{}: {}", MarkString(file_, node_), KeyPath(key));
}

void YamlMap::Fail(const std::string& key, const std::string& what) const {
  throw ConfigError(fmt::format("{}: {}", Where(key), what));
}

bool YamlMap::Has(const std::string& key) {
  known_.insert(key);
  return static_cast<bool>(node_[key]);
}

void YamlMap::Declare(const std::string& key) { known_.insert(key); }

YAML::Node YamlMap::Required(const std::string& key) {
  known_.insert(key);
  YAML::Node value = node_[key];
  if (!value) {
    throw ConfigError(
        fmt::format("{}: {}: missing required key", MarkString(file_, node_), KeyPath(key)));
  }
  return value;
}

double YamlMap::ParseNumber(const std::string& key, const YAML::Node& value) const {
  if (!value.IsScalar()) Fail(key, fmt::format("expected a number, got {}", DescribeNode(value)));
  const std::string& text = value.Scalar();
  // yaml-cpp's as<double>() accepts trailing garbage in some versions; parse ourselves.
  char* end = nullptr;
  double number = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(number)) {
    Fail(key, fmt::format("expected a number, got '{}'", text));
  }
  return number;
}

double YamlMap::Number(const std::string& key) { return ParseNumber(key, Required(key)); }

double YamlMap::Number(const std::string& key, double default_value) {
  return Has(key) ? Number(key) : default_value;
}

double YamlMap::PositiveNumber(const std::string& key) {
  double number = Number(key);
  if (!(number > 0)) Fail(key, fmt::format("expected a number > 0, got {}", node_[key].Scalar()));
  return number;
}

double YamlMap::PositiveNumber(const std::string& key, double default_value) {
  return Has(key) ? PositiveNumber(key) : default_value;
}

int64_t YamlMap::PositiveInteger(const std::string& key) {
  double number = Number(key);
  if (number != std::floor(number) || number < 1) {
    Fail(key, fmt::format("expected a whole number >= 1, got {}", node_[key].Scalar()));
  }
  // Above 2^53 a double no longer holds every whole number: refuse rather than round.
  if (number > kMaxExactInteger) {
    Fail(key, fmt::format("{} is above the largest whole number read exactly, 2^53 = {}",
                          node_[key].Scalar(), static_cast<int64_t>(kMaxExactInteger)));
  }
  return static_cast<int64_t>(number);
}

int64_t YamlMap::Tokens(const std::string& key) {
  const YAML::Node value = Required(key);
  const std::string text = value.IsScalar() ? value.Scalar() : "";
  int64_t tokens = 0;
  std::string why;
  if (ParseTokenCount(text, &tokens, &why)) return tokens;
  // Plain numbers (1e6, 262144.0) keep PositiveInteger's checks and messages.
  if (!text.empty() && std::isdigit(static_cast<unsigned char>(text.back()))) {
    return PositiveInteger(key);
  }
  Fail(key, why);
}

int64_t YamlMap::PositiveInteger(const std::string& key, int64_t default_value) {
  return Has(key) ? PositiveInteger(key) : default_value;
}

std::string YamlMap::String(const std::string& key) {
  YAML::Node value = Required(key);
  if (!value.IsScalar()) Fail(key, fmt::format("expected a string, got {}", DescribeNode(value)));
  return value.Scalar();
}

std::string YamlMap::String(const std::string& key, const std::string& default_value) {
  return Has(key) ? String(key) : default_value;
}

std::string YamlMap::Choice(const std::string& key, const std::vector<std::string>& choices) {
  std::string value = String(key);
  for (const std::string& choice : choices) {
    if (value == choice) return value;
  }
  std::string list = fmt::format("{}", fmt::join(choices, ", "));
  std::string suggestion = ClosestMatch(value, choices);
  Fail(key, fmt::format("expected one of {}, got '{}'{}", list, value,
                        suggestion.empty() ? "" : fmt::format("; did you mean '{}'?", suggestion)));
}

std::string YamlMap::Choice(const std::string& key, const std::vector<std::string>& choices,
                            const std::string& default_value) {
  return Has(key) ? Choice(key, choices) : default_value;
}

bool YamlMap::Bool(const std::string& key, bool default_value) {
  if (!Has(key)) return default_value;
  YAML::Node value = node_[key];
  const std::string text = value.IsScalar() ? value.Scalar() : "";
  if (text == "true") return true;
  if (text == "false") return false;
  Fail(key, fmt::format("expected true or false, got {}", DescribeNode(value)));
}

std::vector<int64_t> YamlMap::PositiveIntegerList(const std::string& key) {
  YAML::Node value = Required(key);
  if (!value.IsSequence() || value.size() == 0) {
    Fail(key,
         fmt::format("expected a non-empty list of whole numbers, got {}", DescribeNode(value)));
  }
  std::vector<int64_t> out;
  for (const YAML::Node& item : value) {
    double number = ParseNumber(key, item);
    if (number != std::floor(number) || number < 1) {
      Fail(key, fmt::format("expected whole numbers >= 1, got {}", item.Scalar()));
    }
    if (number > kMaxExactInteger) {
      Fail(key, fmt::format("{} is above the largest whole number read exactly, 2^53 = {}",
                            item.Scalar(), static_cast<int64_t>(kMaxExactInteger)));
    }
    out.push_back(static_cast<int64_t>(number));
  }
  return out;
}

SourcedValue YamlMap::Sourced(const std::string& key) {
  YamlMap entry(Required(key), file_, KeyPath(key));
  SourcedValue out;
  out.value = entry.PositiveNumber("value");
  out.source = entry.String("source");
  static const std::vector<std::string> kKinds = {"datasheet", "paper", "measured", "assumed",
                                                  "derived"};
  std::string kind = out.source.substr(0, out.source.find(':'));
  bool known_kind = false;
  for (const std::string& k : kKinds) known_kind = known_kind || k == kind;
  if (!known_kind || out.source.find(':') == std::string::npos) {
    entry.Fail("source", fmt::format("expected 'datasheet|paper|measured|assumed|derived: "
                                     "<where>', got '{}'",
                                     out.source));
  }
  entry.Finish();
  return out;
}

YamlMap YamlMap::Map(const std::string& key) { return YamlMap(Required(key), file_, KeyPath(key)); }

YAML::Node YamlMap::Node(const std::string& key) { return Required(key); }

std::string YamlMap::KeyName(const YAML::Node& key) const {
  if (!key.IsScalar()) {
    throw ConfigError(fmt::format("{}: {}: expected a key name, got {}", MarkString(file_, key),
                                  path_.empty() ? "(top level)" : path_, DescribeNode(key)));
  }
  return key.Scalar();
}

void YamlMap::Finish() {
  std::vector<std::string> known(known_.begin(), known_.end());
  for (const auto& item : node_) {
    std::string key = KeyName(item.first);
    if (known_.count(key)) continue;
    std::string suggestion = ClosestMatch(key, known);
    throw ConfigError(
        fmt::format("{}: {}: unknown key '{}'{}", MarkString(file_, item.first), KeyPath(key), key,
                    suggestion.empty() ? fmt::format("; expected one of {}", fmt::join(known, ", "))
                                       : fmt::format("; did you mean '{}'?", suggestion)));
  }
}

void SetDottedKey(YAML::Node root, const std::string& dotted_key, const std::string& value) {
  std::vector<std::string> parts;
  std::stringstream stream(dotted_key);
  std::string part;
  while (std::getline(stream, part, '.')) parts.push_back(part);
  if (parts.empty() || dotted_key.empty()) {
    throw ConfigError(fmt::format("--set {}={}: expected key=value", dotted_key, value));
  }
  YAML::Node parsed = LoadYamlString(value, "--set " + dotted_key);
  parsed.SetTag(kOverrideTag);  // errors about this value then point at --set, not the file
  // yaml-cpp nodes are handles: walking by assignment would rebind, so recurse.
  std::function<void(YAML::Node, size_t)> set = [&](YAML::Node node, size_t i) {
    if (i + 1 == parts.size()) {
      node[parts[i]] = parsed;
      return;
    }
    if (!node[parts[i]] || !node[parts[i]].IsMap())
      node[parts[i]] = YAML::Node(YAML::NodeType::Map);
    set(node[parts[i]], i + 1);
  };
  set(root, 0);
}

void RemoveDottedKey(YAML::Node root, const std::string& dotted_key) {
  const size_t dot = dotted_key.find('.');
  if (!root.IsMap()) return;
  if (dot == std::string::npos) {
    root.remove(dotted_key);
    return;
  }
  YAML::Node child = root[dotted_key.substr(0, dot)];
  if (child) RemoveDottedKey(child, dotted_key.substr(dot + 1));
}

}  // namespace ringsim
