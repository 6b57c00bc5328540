// ringsim: performance model and simulator of Ring Attention. See README.md.

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>

#include "cli/app.h"
#include "cli/mpi_world.h"
#include "sim/config_error.h"

namespace {

// Every message is one line: what a user typed (a key holding a newline) is escaped. Under
// mpirun every rank meets the same bad input: rank 0 says it; a rank failing alone says so and
// ends the job, whose other ranks would wait for it.
int Fail(int code, const std::string& message) {
  const ringsim::MpiWorld& world = ringsim::World();
  const std::string line = ringsim::EscapeControlCharacters(message);
  if (world.rank == 0) {
    std::fprintf(stderr, "ringsim: %s\n", line.c_str());
  } else if (code != 2) {
    std::fprintf(stderr, "ringsim: rank %d: %s\n", world.rank, line.c_str());
    ringsim::AbortMpi(code);
  }
  ringsim::FinishMpi();
  return code;
}

// A full disk or a closed pipe must not look like success: the output is flushed and checked.
int CheckStdout() {
  errno = 0;
  std::cout.flush();
  const bool ok = static_cast<bool>(std::cout) && std::fflush(stdout) == 0 && !std::ferror(stdout);
  if (ok) {
    ringsim::FinishMpi();
    return 0;
  }
  const int error = errno;
  return Fail(2, std::string("standard output: write failed") +
                     (error != 0 ? std::string(": ") + std::strerror(error) : std::string()));
}

}  // namespace

int main(int argc, char** argv) {
  ringsim::StartMpiIfLaunched(&argc, &argv);
  std::unique_ptr<CLI::App> app = ringsim::MakeApp();
  try {
    app->parse(argc, argv);
  } catch (const CLI::Success& e) {
    ringsim::FinishMpi();
    return app->exit(e);
  } catch (const CLI::ParseError& e) {
    // One line, exit 2: scripts rely on the code, people on the message.
    return Fail(2, std::string(e.what()) + " (see ringsim --help)");
  } catch (const ringsim::ConfigError& e) {
    return Fail(2, e.what());
  } catch (const std::exception& e) {
    return Fail(1, std::string("internal error: ") + e.what());
  }
  return CheckStdout();
}
