#include "calibrate/programs/micro_bench_options.h"

#include <algorithm>

#include "calibrate/programs/program_options.h"

namespace ringsim::calibrate {

std::optional<int> ParseMicroBenchOptions(int argc, const char* const* argv, MicroBenchOptions* o,
                                          std::ostream& out, std::ostream& err) {
  CLI::App app{
      "What a calibration needs beside the attention kernels: GEMMs, copies, "
      "interference, merges (JSON).",
      "micro_bench"};
  app.option_defaults()->always_capture_default();
  std::vector<std::string> candidates;
  app.add_option("--json", o->json, "write the JSON here (default: stdout)");
  app.add_flag("--quick", o->quick, "fewer sizes, shorter timing");
  app.add_flag("--probe", o->probe, "print the device context as JSON and exit");
  app.add_option("--tokens", o->tokens, "GEMM rows m (tokens)")
      ->delimiter(',')
      ->check(PositiveInteger());
  app.add_option("--hidden", o->hidden, "model hidden size")->check(PositiveInteger());
  app.add_option("--ffn", o->ffn, "FFN intermediate size")->check(PositiveInteger());
  app.add_option("--copy-sizes", o->copy_sizes, "copy sizes in bytes (default: 2^20..2^30)")
      ->delimiter(',')
      ->check(PositiveInteger());
  app.add_option("--interference-sizes", o->interference_sizes, "blocks c of the interference")
      ->delimiter(',')
      ->check(PositiveInteger());
  app.add_option("--merge-rows", o->merge_rows, "rows of the timed merges")
      ->delimiter(',')
      ->check(PositiveInteger());
  app.add_option("--variant", o->variant, "forward variant for the interference")
      ->check(FwdVariantNames(false));
  app.add_option("--attention-csv", o->attention_csv,
                 "attention_bench's CSV: time the fastest variant in it");
  app.add_option("--candidates", candidates, "variants --attention-csv may choose among")
      ->delimiter(',')
      ->check(FwdVariantNames(false));
  app.add_option("--heads", o->heads, "query heads")->check(PositiveInteger());
  app.add_option("--kv-heads", o->kv_heads, "key/value heads")->check(PositiveInteger());
  app.add_option("--dim", o->dim, "head dimension")->check(OneOf({"64", "128"}));
  app.add_option("--min-time-ms", o->min_time_ms, "timed milliseconds per measurement")
      ->check(Number());
  app.add_option("--max-reps", o->max_reps, "most timed repetitions")->check(PositiveInteger());
  app.add_option("--git-sha", o->git_sha, "the commit measured (recorded in the JSON)");
  return ParseCommandLine(
      app, argc, argv,
      [&]() -> std::string {
        if (o->heads % o->kv_heads != 0)
          return "--kv-heads: expected a divisor of --heads (" + std::to_string(o->heads) +
                 "), got " + std::to_string(o->kv_heads);
        for (const std::string& c : candidates)
          o->candidates += (o->candidates.empty() ? "" : ",") + c;
        if (o->copy_sizes.empty())
          for (int e = 20; e <= 30; e += o->quick ? 2 : 1) o->copy_sizes.push_back(1LL << e);
        if (o->quick) {
          o->tokens = {1024, 4096, 16384};
          o->interference_sizes = {1024, 4096, 16384};
          o->min_time_ms = std::min(o->min_time_ms, 40.0);
        }
        return "";
      },
      out, err);
}

}  // namespace ringsim::calibrate
