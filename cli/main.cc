// ringsim: performance model and simulator of Ring Attention. See README.md.

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "cli/commands.h"
#include "sim/config_error.h"

int main(int argc, char** argv) {
  CLI::App app{
      "ringsim: predicts step time, memory and overlap of Ring Attention training before you\n"
      "book the hardware. Units are decimal SI (1 GB = 1e9 bytes, 1K tokens = 1000 tokens).",
      "ringsim"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ringsim 0.1.0");
  ringsim::AddSimulateCommand(app);
  ringsim::AddOverlapCommand(app);
  ringsim::AddMemoryCommand(app);
  ringsim::AddHardwareCommand(app);
  ringsim::AddModelsCommand(app);
  ringsim::AddSweepCommand(app);
  ringsim::AddPlanCommand(app);
  ringsim::AddValidateCommand(app);
  ringsim::AddReportCommand(app);
  ringsim::AddCalibrateCommand(app);
  ringsim::AddRehearseCommand(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line, exit 2: scripts rely on the code, people on the message.
    std::fprintf(stderr, "ringsim: %s (see ringsim --help)\n", e.what());
    return 2;
  } catch (const ringsim::ConfigError& e) {
    std::fprintf(stderr, "ringsim: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ringsim: internal error: %s\n", e.what());
    return 1;
  }
  return 0;
}
