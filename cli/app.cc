#include "cli/app.h"

#include "cli/commands.h"

namespace ringsim {

std::unique_ptr<CLI::App> MakeApp() {
  auto app = std::make_unique<CLI::App>(
      "ringsim: predicts step time, memory and overlap of Ring Attention training before you\n"
      "book the hardware. Units are decimal SI (1 GB = 1e9 bytes, 1K tokens = 1000 tokens).",
      "ringsim");
  app->require_subcommand(1);
  // --help shows every option's default (subcommands inherit this).
  app->option_defaults()->always_capture_default();
  app->set_version_flag("--version", "ringsim 0.1.0");
  AddSimulateCommand(*app);
  AddOverlapCommand(*app);
  AddMemoryCommand(*app);
  AddHardwareCommand(*app);
  AddModelsCommand(*app);
  AddImplementationsCommand(*app);
  AddSweepCommand(*app);
  AddPlanCommand(*app);
  AddValidateCommand(*app);
  AddReportCommand(*app);
  AddCalibrateCommand(*app);
  AddRehearseCommand(*app);
  return app;
}

}  // namespace ringsim
