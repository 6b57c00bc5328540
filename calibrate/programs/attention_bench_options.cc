#include "calibrate/programs/attention_bench_options.h"

#include "calibrate/programs/program_options.h"

namespace ringsim::calibrate {

std::optional<int> ParseAttentionBenchOptions(int argc, const char* const* argv,
                                              AttentionBenchOptions* o, std::ostream& out,
                                              std::ostream& err) {
  CLI::App app{"Times the blockwise attention kernels on one c x c block pair.", "attention_bench"};
  app.option_defaults()->always_capture_default();
  std::string causal = "both";
  std::vector<std::string> passes = {"fwd", "bwd"}, variants = {"all"};
  app.add_option("--sizes", o->sizes, "block sizes c (tokens)")
      ->delimiter(',')
      ->check(PositiveInteger());
  app.add_option("--heads", o->heads, "query heads")->check(PositiveInteger());
  app.add_option("--kv-heads", o->kv_heads, "key/value heads")->check(PositiveInteger());
  app.add_option("--dim", o->dim, "head dimension")->check(OneOf({"64", "128"}));
  app.add_option("--batch", o->batch, "batch")->check(PositiveInteger());
  app.add_option("--causal", causal, "diagonal (causal) blocks, full ones, or both")
      ->check(OneOf({"both", "yes", "no"}));
  app.add_option("--passes", passes, "forward and/or backward")
      ->delimiter(',')
      ->check(OneOf({"fwd", "bwd"}));
  app.add_option("--variants", variants, "forward variants")
      ->delimiter(',')
      ->check(FwdVariantNames(true));
  app.add_option("--min-time-ms", o->min_time_ms, "timed milliseconds per measurement")
      ->check(Number());
  app.add_option("--max-reps", o->max_reps, "most timed repetitions")->check(PositiveInteger());
  app.add_option("--peak-tflops", o->peak_tflops, "dense bf16 peak (0: the device's datasheet)")
      ->check(Number());
  app.add_option("--csv", o->csv, "also write the rows to this CSV file");
  app.add_flag("--append", o->append, "add rows to an existing --csv (no second header)");
  return ParseCommandLine(
      app, argc, argv,
      [&]() -> std::string {
        if (o->sizes.empty()) return "--sizes: expected at least one block size";
        if (variants.empty()) return "--variants: expected at least one variant";
        if (passes.empty()) return "--passes: expected fwd, bwd or fwd,bwd";
        if (o->heads % o->kv_heads != 0)
          return "--kv-heads: expected a divisor of --heads (" + std::to_string(o->heads) +
                 "), got " + std::to_string(o->kv_heads);
        o->causal = causal == "yes"  ? std::vector<bool>{true}
                    : causal == "no" ? std::vector<bool>{false}
                                     : std::vector<bool>{false, true};
        o->fwd = o->bwd = false;
        for (const std::string& p : passes) (p == "fwd" ? o->fwd : o->bwd) = true;
        bool all = false;
        for (const std::string& name : variants) all = all || name == "all";
        if (!all) {
          o->variants.clear();
          for (const std::string& name : variants)
            for (FwdVariant v : kFwdVariants)
              if (name == FwdVariantName(v)) o->variants.push_back(v);
        }
        return "";
      },
      out, err);
}

}  // namespace ringsim::calibrate
