#pragma once
// The ringsim command line as one object: every command, as `ringsim --help` lists them.
// main.cc runs it on argv; the Python module (python/) runs it in-process.

#include <CLI/CLI.hpp>
#include <memory>

namespace ringsim {

/// A CLI11 app with every ringsim command added; its callbacks print to std::cout and throw
/// ConfigError on bad input.
std::unique_ptr<CLI::App> MakeApp();

}  // namespace ringsim
