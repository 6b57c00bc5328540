#pragma once
// Strict reading of YAML mappings: every key is declared as required or defaulted,
// unknown keys are errors with a "did you mean", and every error names file:line:col
// and the key path (yaml-cpp marks are 0-based; we print 1-based).

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace ringsim {

/// Loads a YAML file; a missing file or a syntax error is a ConfigError.
YAML::Node LoadYamlFile(const std::string& path);

/// Parses YAML text (from a --set value or a test); `origin` names it in errors.
YAML::Node LoadYamlString(const std::string& text, const std::string& origin);

/// A number with the source it came from ("datasheet: ...", "paper: ...", "measured: ...",
/// "assumed: ..."). Hardware profiles store every number this way.
struct SourcedValue {
  double value = 0;
  std::string source;
};

/// A read-only, strict view of one YAML mapping.
class YamlMap {
 public:
  /// `path` is the key path of this mapping ("" for the document root).
  YamlMap(YAML::Node node, std::string file, std::string path);

  bool Has(const std::string& key);

  double Number(const std::string& key);
  double Number(const std::string& key, double default_value);
  /// A number that must be > 0.
  double PositiveNumber(const std::string& key);
  double PositiveNumber(const std::string& key, double default_value);
  /// A whole number that must be >= 1.
  int64_t PositiveInteger(const std::string& key);
  int64_t PositiveInteger(const std::string& key, int64_t default_value);
  /// A token count: a whole number >= 1, or one with a binary suffix as context lengths are
  /// named: K or Ki = 1024, M or Mi = 1024^2, G or Gi = 1024^3 (128K = 131072, 1M = 1048576).
  int64_t Tokens(const std::string& key);
  std::string String(const std::string& key);
  std::string String(const std::string& key, const std::string& default_value);
  /// A string that must be one of `choices`.
  std::string Choice(const std::string& key, const std::vector<std::string>& choices);
  std::string Choice(const std::string& key, const std::vector<std::string>& choices,
                     const std::string& default_value);
  /// The value of the one of `choices` (name, value) that the key names.
  template <class Value>
  Value Choice(const std::string& key, const std::vector<std::pair<std::string, Value>>& choices) {
    std::vector<std::string> names;
    for (const auto& choice : choices) names.push_back(choice.first);
    const std::string name = Choice(key, names);
    for (const auto& [choice, value] : choices) {
      if (choice == name) return value;
    }
    return choices.front().second;  // not reached: Choice accepts only the names
  }
  bool Bool(const std::string& key, bool default_value);
  std::vector<int64_t> PositiveIntegerList(const std::string& key);
  /// {value: X, source: "kind: ..."} with X > 0 and a source naming its kind.
  SourcedValue Sourced(const std::string& key);
  YamlMap Map(const std::string& key);
  /// The raw node (for values that may be a name or an inline mapping).
  YAML::Node Node(const std::string& key);
  /// Marks `key` as known without reading it.
  void Declare(const std::string& key);

  /// The text of `key`, a key of this mapping met while iterating it; a key that is itself a
  /// list or mapping (`{[1, 2]: 3}`) is an error naming where.
  std::string KeyName(const YAML::Node& key) const;

  /// Rejects keys that were never declared; call after reading everything.
  void Finish();

  /// "file:line:col: path.key" for the value of `key` (or this map if absent).
  std::string Where(const std::string& key) const;
  [[noreturn]] void Fail(const std::string& key, const std::string& what) const;

  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }

 private:
  YAML::Node Required(const std::string& key);
  std::string KeyPath(const std::string& key) const;
  double ParseNumber(const std::string& key, const YAML::Node& value) const;

  YAML::Node node_;
  std::string file_;
  std::string path_;
  std::set<std::string> known_;
};

/// A whole number a double holds exactly (|value| <= 2^53): one that can be cast to int64_t.
bool IsExactWholeNumber(double value);

/// The tag SetDottedKey puts on values that came from the command line.
inline constexpr const char* kOverrideTag = "!ringsim-set";

/// How a node reads in an error message: "a mapping", "a list" (with `count_items`, "a list of
/// 3 items"), "nothing", "'80e9'".
std::string DescribeNode(const YAML::Node& node, bool count_items = false);

/// "file:line:col" of a node, 1-based; "--set" for command-line overrides.
std::string MarkString(const std::string& file, const YAML::Node& node);

/// Sets `dotted.key.path` in `root` to the YAML value `value` (for --set overrides).
void SetDottedKey(YAML::Node root, const std::string& dotted_key, const std::string& value);

/// Removes `dotted.key.path` from `root` where it is there (the mappings above it stay).
void RemoveDottedKey(YAML::Node root, const std::string& dotted_key);

}  // namespace ringsim
