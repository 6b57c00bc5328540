// _ringsim: the ringsim command line run in-process, for the Python package ringsim/
// (python/README.md). One function: run(args) runs `ringsim ARGS...` and returns its exit code
// (0, 2 for bad input, 1 for an internal error), what it printed and its one-line error, as the
// command line would; the package turns errors into ringsim.Error.

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "cli/app.h"
#include "sim/config_error.h"

namespace py = pybind11;

namespace {

// std::cout is one stream per process: one command at a time.
std::mutex running;

// Restores std::cout however the command ends.
class CaptureStdout {
 public:
  explicit CaptureStdout(std::ostream& to) : old_(std::cout.rdbuf(to.rdbuf())) {}
  ~CaptureStdout() { std::cout.rdbuf(old_); }
  CaptureStdout(const CaptureStdout&) = delete;
  CaptureStdout& operator=(const CaptureStdout&) = delete;

 private:
  std::streambuf* old_;
};

struct Outcome {
  int code = 0;
  std::string out, error;
};

Outcome Run(const std::vector<std::string>& args) {
  std::vector<std::string> argv_text = {"ringsim"};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_text) argv.push_back(a.data());
  std::ostringstream out;
  Outcome outcome;
  {
    py::gil_scoped_release release;  // sweeps and plans run on threads of their own
    std::lock_guard<std::mutex> lock(running);
    std::unique_ptr<CLI::App> app = ringsim::MakeApp();
    CaptureStdout capture(out);
    try {
      app->parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::Success&) {
      out << app->help();
    } catch (const CLI::ParseError& e) {
      outcome = {2, "", std::string(e.what()) + " (see ringsim --help)"};
    } catch (const ringsim::ConfigError& e) {
      outcome = {2, "", e.what()};
    } catch (const std::exception& e) {
      outcome = {1, "", std::string("internal error: ") + e.what()};
    }
  }
  outcome.out = out.str();
  outcome.error = ringsim::EscapeControlCharacters(outcome.error);
  return outcome;
}

}  // namespace

PYBIND11_MODULE(_ringsim, m) {
  m.doc() = "ringsim's command line, in-process (use the ringsim package)";
  m.def(
      "run",
      [](const std::vector<std::string>& args) {
        Outcome o = Run(args);
        return py::make_tuple(o.code, py::bytes(o.out), o.error);
      },
      py::arg("args"),
      "Runs `ringsim ARGS...`: (exit code, standard output as bytes, one-line error or '')");
}
