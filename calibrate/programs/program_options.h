#pragma once
// The GPU programs' command lines, through CLI11 like ringsim's own: --help lists every option
// with its default, and a bad one is a single line "PROGRAM: --option: what was expected" on
// stderr with exit status 2, so that `ringsim calibrate`'s log (and a person) sees why at once.
// Host-only: the parsing is tested without a GPU (programs/*_options_test.cc).

#include <CLI/CLI.hpp>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace ringsim::calibrate {

/// Exit status of a program given bad options.
inline constexpr int kBadOptionsExit = 2;

/// A whole number > 0 (each item of a comma list); says what it got otherwise.
const CLI::Validator& PositiveInteger();

/// A number (strtod's syntax); says what it got otherwise.
const CLI::Validator& Number();

/// One of `names`; says which were allowed otherwise.
CLI::Validator OneOf(std::vector<std::string> names);

/// One of the forward kernel variants' names (FwdVariantName), or also "all" if `allow_all`.
CLI::Validator FwdVariantNames(bool allow_all);

/// Parses `argv` into `app`'s options, then runs `check` (the checks that span options), which
/// returns "" or "--option: what was expected". Returns std::nullopt when the program should
/// go on; otherwise its exit status: 0 after --help (printed on `out`), kBadOptionsExit after
/// one line "NAME: --option: what was expected" on `err` (NAME is app's name).
std::optional<int> ParseCommandLine(CLI::App& app, int argc, const char* const* argv,
                                    const std::function<std::string()>& check, std::ostream& out,
                                    std::ostream& err);

}  // namespace ringsim::calibrate
