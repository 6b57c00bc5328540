// Throughput of a sweep in configurations per second, on 1 and 2 threads: the path
// `ringsim sweep` takes per configuration (clone the scenario document, apply the --vary
// values, strict load, schedule, analytical engine, memory model), without printing.
// A second line times the same configurations with the scenarios already loaded, which
// shows how much of the cost is the loader (it reads the hardware profile from disk for
// every configuration). Prints numbers; it is a benchmark, not a pass/fail test.

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <vector>

#include "io/sweep.h"
#include "sim/analytical_engine.h"
#include "sim/memory_model.h"
#include "sim/schedule.h"

namespace {

using namespace ringsim;

double Evaluate(const Scenario& s) {
  Schedule schedule = MakeSchedule(s);
  Rates rates = MakeRates(schedule, s.hardware);
  return Analyze(schedule, rates).step_time_s + DeviceMemory(s).total_bytes * 1e-30;
}

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main() {
  const std::string path = std::string(RINGSIM_DATA_DIR) + "/scenarios/llama7b-8xa100-256k.yaml";
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  // 4 x 6 x 3 x 4 = 288 configurations, all valid: devices 2..16, 32K..1M tokens, variants,
  // batch 1..4. The scenario's parallel mapping is replaced so that context and fsdp follow
  // devices (their defaults).
  const std::vector<std::string> overrides = {"parallel={ulysses: 1}"};
  std::vector<VaryAxis> axes = ParseVaryAxes(
      {"devices=2,4,8,16", "workload.seq_len=32768,65536,131072,262144,524288,1048576",
       "parallel.variant=ring,striped,zigzag", "workload.batch=1,2,3,4"});
  const int64_t count = SweepSize(axes);
  fmt::print("sweep benchmark: {} configurations of {} ({} hardware threads here)\n", count, path,
             DefaultJobs());
  for (int jobs : {1, 2}) {
    for (int with_loader : {1, 0}) {
      std::vector<Scenario> loaded;
      if (!with_loader) {
        SweepScenarioBuilder builder(text.str(), path, overrides, axes);
        for (int64_t i = 0; i < count; ++i) loaded.push_back(builder.Build(i));
      }
      const int rounds = with_loader ? 3 : 200;
      std::vector<double> sums(jobs, 0.0);
      auto start = std::chrono::steady_clock::now();
      for (int r = 0; r < rounds; ++r) {
        std::vector<std::unique_ptr<SweepScenarioBuilder>> builders(jobs);
        ParallelFor(count, jobs, [&](int64_t i, int w) {
          if (!with_loader) {
            sums[w] += Evaluate(loaded[i]);
            return;
          }
          if (!builders[w]) {
            builders[w] = std::make_unique<SweepScenarioBuilder>(text.str(), path, overrides, axes);
          }
          sums[w] += Evaluate(builders[w]->Build(i));
        });
      }
      double seconds = Seconds(start);
      double per_s = static_cast<double>(rounds * count) / seconds;
      double checksum = 0;
      for (double s : sums) checksum += s;
      fmt::print("  jobs {}: {:>9.0f} configurations/s ({:.1f} us each){}  (checksum {:.6g})\n",
                 jobs, per_s, 1e6 / per_s,
                 with_loader ? ", load + evaluate" : ", evaluate only (pre-loaded)",
                 checksum / rounds);
    }
  }
  return 0;
}
