#pragma once
// Each subcommand registers itself on the CLI11 app; main() dispatches and turns
// ConfigError into one line on stderr and exit code 2.

#include <CLI/CLI.hpp>

namespace ringsim {

void AddSimulateCommand(CLI::App& app);
void AddOverlapCommand(CLI::App& app);
void AddMemoryCommand(CLI::App& app);
void AddHardwareCommand(CLI::App& app);
void AddModelsCommand(CLI::App& app);
void AddImplementationsCommand(CLI::App& app);
void AddSweepCommand(CLI::App& app);
void AddPlanCommand(CLI::App& app);
void AddValidateCommand(CLI::App& app);
void AddReportCommand(CLI::App& app);
void AddCalibrateCommand(CLI::App& app);
void AddRehearseCommand(CLI::App& app);

}  // namespace ringsim
