// Configurations per CPU-second of a 20 736-configuration sweep of the 7B scenario (8-device
// rings; nine --vary axes: lengths, variants, batch, checkpointing, four GPUs, loss,
// precision, three implementations, causal), on one thread, in three ways measured in one
// run: scenarios built from each configuration's document (what sweep did before drafts),
// built from drafts (what it does now), and the analytical evaluation alone on scenarios
// built beforehand. The CLI adds CSV rendering (README.md "Benchmarks" times that end to
// end). Prints numbers; it is a benchmark, not a pass/fail test.

#include <fmt/format.h>

#include <ctime>
#include <fstream>
#include <sstream>
#include <vector>

#include "io/sweep.h"
#include "sim/config_error.h"
#include "sim/evaluate.h"

namespace {

using namespace ringsim;

double CpuSeconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

// Step time (0 for a configuration the loader refuses), so the work cannot be optimised away.
double Run(const SweepScenarioBuilder& builder, int64_t index, double* evaluate_s,
           int64_t* evaluated) {
  Scenario scenario;
  try {
    scenario = builder.Build(index);
  } catch (const ConfigError&) {
    return 0;
  }
  ++*evaluated;
  const double start = CpuSeconds();
  const double step_s = EvaluateScenario(scenario).estimate.step_time_s;
  *evaluate_s += CpuSeconds() - start;
  return step_s;
}

}  // namespace

int main() {
  const std::string path = std::string(RINGSIM_DATA_DIR) + "/scenarios/llama7b-8xa100-256k.yaml";
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const std::vector<VaryAxis> axes = ParseVaryAxes(
      {"workload.seq_len=32768,65536,131072,262144,524288,1048576",
       "parallel.variant=ring,striped,zigzag", "workload.batch=1,2,3,4",
       "workload.checkpointing=none,selective,full", "hardware=a100-sxm-80g,h100-sxm,h200,b200",
       "workload.loss=full,chunked", "workload.precision=bf16,fp8",
       "implementation=ringsim,ring-flash-attn,transformer-engine", "workload.causal=true,false"});
  const int64_t count = SweepSize(axes);
  fmt::print("sweep benchmark: {} configurations of {}, one thread\n", count, path);
  double evaluate_s = 0, checksum = 0;
  int64_t evaluated = 0;
  for (bool from_document : {true, false}) {
    const SweepScenarioBuilder builder(text.str(), path, {}, axes, from_document);
    evaluate_s = 0;
    checksum = 0;
    evaluated = 0;
    const double start = CpuSeconds();
    for (int64_t i = 0; i < count; ++i) checksum += Run(builder, i, &evaluate_s, &evaluated);
    const double total_s = CpuSeconds() - start;
    fmt::print(
        "  {:<38} {:>8.0f} configurations per CPU-second ({:.1f} us each; checksum {:.6g})\n",
        from_document ? "built from documents + evaluated:" : "built from drafts + evaluated:",
        count / total_s, 1e6 * total_s / count, checksum);
  }
  // The evaluation alone, timed around each call in the last pass (clock() counts
  // microseconds here; the sum over the configurations that load is what counts).
  fmt::print("  {:<38} {:>8.0f} configurations per CPU-second ({:.1f} us each, {} that load)\n",
             "evaluated only (analytical engine):", evaluated / evaluate_s,
             1e6 * evaluate_s / evaluated, evaluated);
  return 0;
}
