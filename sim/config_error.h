#pragma once
// The one error type a user can cause: bad input at a loading boundary.
// Its message is a single line: "file:line:col: key.path: what was expected".

#include <stdexcept>
#include <string>
#include <vector>

namespace ringsim {

/// Thrown only where user input is read (YAML, CSV, command-line values).
/// The CLI prints what() on one line and exits with code 2.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(const std::string& message) : std::runtime_error(message) {}
};

/// `text` with control characters (newline, tab, escape, DEL, ...) written as \n, \t, \x1b:
/// a key or value echoed in an error then cannot split the one line or drive the terminal.
std::string EscapeControlCharacters(const std::string& text);

/// Levenshtein distance, used for "did you mean" suggestions.
int EditDistance(const std::string& a, const std::string& b);

/// The closest candidate to `word`, or "" if none is close enough to suggest.
std::string ClosestMatch(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace ringsim
