#include "calibrate/programs/attention_check_options.h"

#include "calibrate/programs/program_options.h"

namespace ringsim::calibrate {

std::optional<int> ParseAttentionCheckOptions(int argc, const char* const* argv,
                                              AttentionCheckOptions* o, std::ostream& out,
                                              std::ostream& err) {
  CLI::App app{"The blockwise attention kernels against the CPU fp64 reference.",
               "attention_check"};
  app.option_defaults()->always_capture_default();
  CLI::Option* seed = app.add_option("--seed", o->seed, "random seed (default: a fresh one)");
  app.add_flag("--quick", o->quick, "fewer and smaller cases");
  app.add_option("--tol", o->tol, "relative L2 tolerance")->check(Number());
  app.add_flag("--fwd-only", o->fwd_only, "skip the block-pair backward checks");
  app.add_option("--variants", o->variants, "forward variants to check (default: all)")
      ->delimiter(',')
      ->check(FwdVariantNames(false));
  const std::optional<int> exit = ParseCommandLine(app, argc, argv, nullptr, out, err);
  o->seed_given = seed->count() > 0;
  return exit;
}

}  // namespace ringsim::calibrate
