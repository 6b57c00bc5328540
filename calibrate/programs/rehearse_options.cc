#include "calibrate/programs/rehearse_options.h"

#include "calibrate/programs/program_options.h"

namespace ringsim::calibrate {

std::optional<int> ParseRehearseOptions(int argc, const char* const* argv, RehearseOptions* o,
                                        std::ostream& out, std::ostream& err) {
  CLI::App app{
      "A real ring attention forward on the GPUs present, timed step by step and "
      "checked against an fp64 CPU reference.",
      "rehearse"};
  app.option_defaults()->always_capture_default();
  std::string layout = "ring", causal = "yes", variant = FwdVariantName(o->variant);
  std::string gpus = "auto", copy_priority = "normal";
  app.add_option("--ranks", o->ranks, "ranks of the ring")->required()->check(PositiveInteger());
  app.add_option("--layout", layout, "token layout")->check(OneOf({"ring", "striped", "zigzag"}));
  app.add_option("--causal", causal, "causal mask")
      ->check(OneOf({"yes", "no", "true", "false", "1", "0"}));
  app.add_option("--batch", o->batch, "batch")->check(PositiveInteger());
  app.add_option("--heads", o->heads, "query heads")->check(PositiveInteger());
  app.add_option("--kv-heads", o->kv_heads, "key/value heads")->check(PositiveInteger());
  app.add_option("--dim", o->dim, "head dimension")->check(OneOf({"64", "128"}));
  app.add_option("--blocks", o->blocks, "block sizes (tokens per rank)")
      ->delimiter(',')
      ->check(PositiveInteger());
  app.add_option("--variant", variant, "forward kernel variant")->check(FwdVariantNames(false));
  app.add_option("--reps", o->reps, "timed rings per block size")->check(PositiveInteger());
  app.add_option("--gpus", gpus, "auto: one GPU per rank where there are enough; 1: one GPU")
      ->check(OneOf({"auto", "1"}));
  app.add_option("--check-heads", o->check_heads, "query heads checked")->check(PositiveInteger());
  app.add_option("--check-rows", o->check_rows, "query rows checked per head")
      ->check(PositiveInteger());
  app.add_option("--tol", o->tol, "relative L2 tolerance")->check(Number());
  app.add_option("--seed", o->seed, "random seed");
  app.add_option("--copy-priority", copy_priority, "stream priority of the K,V transfers")
      ->check(OneOf({"normal", "high"}));
  app.add_option("--git-sha", o->git_sha, "the commit measured (recorded in the JSON)");
  app.add_option("--json", o->json, "write the JSON here");
  return ParseCommandLine(
      app, argc, argv,
      [&]() -> std::string {
        ParseRingLayout(layout, &o->layout);
        o->causal = causal == "yes" || causal == "true" || causal == "1";
        for (FwdVariant v : kFwdVariants)
          if (variant == FwdVariantName(v)) o->variant = v;
        o->multi_gpu_allowed = gpus != "1";
        o->high_priority_copy = copy_priority == "high";
        if (o->heads % o->kv_heads != 0)
          return "--kv-heads: expected a divisor of --heads (" + std::to_string(o->heads) +
                 "), got " + std::to_string(o->kv_heads);
        if (o->blocks.empty()) return "--blocks: expected at least one block size";
        for (long long c : o->blocks) {
          const std::string problem = RingLayoutProblem(o->layout, o->ranks, c);
          if (!problem.empty() || c > (1LL << 30))
            return "--blocks: block " + std::to_string(c) + ": " +
                   (problem.empty() ? "too large (at most 2^30 tokens)" : problem);
        }
        return "";
      },
      out, err);
}

}  // namespace ringsim::calibrate
