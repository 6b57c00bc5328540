// Throughput of the analytical engine in configurations per second on one core: the
// whole path a sweep takes per configuration (schedule, rates, evaluation).
// Prints numbers; it is a benchmark, not a pass/fail test.

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <vector>

#include "io/hardware_loader.h"
#include "sim/analytical_engine.h"
#include "sim/schedule.h"

int main() {
  using namespace ringsim;
  HardwareSpec hw = LoadHardware("a100-sxm-80g");
  Scenario base;
  base.model = *FindModelPreset("llama-7b");
  base.hardware = hw;
  base.workload.causal = true;

  // A sweep-like mix: devices 2..16, contexts 32K..1M, all variants, fwd+bwd whole model.
  std::vector<Scenario> configs;
  for (int64_t devices : {2, 4, 8, 16}) {
    for (int64_t seq : {32768, 131072, 262144, 1048576}) {
      for (RingVariant v : {RingVariant::kRing, RingVariant::kStriped, RingVariant::kZigzag}) {
        Scenario s = base;
        s.devices = s.parallel.context = s.parallel.fsdp = devices;
        s.parallel.variant = v;
        s.workload.seq_len = seq;
        configs.push_back(s);
      }
    }
  }
  double checksum = 0;
  auto run = [&](int64_t rounds) {
    auto start = std::chrono::steady_clock::now();
    for (int64_t r = 0; r < rounds; ++r) {
      for (const Scenario& s : configs) {
        Schedule schedule = MakeSchedule(s);
        Rates rates = MakeRates(schedule, s.hardware);
        checksum += Analyze(schedule, rates).step_time_s;
      }
    }
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  run(20);  // warm-up
  int64_t rounds = 2000;
  double seconds = run(rounds);
  double per_s = static_cast<double>(rounds * configs.size()) / seconds;
  fmt::print("analytical engine: {} configurations in {:.3f} s on one core\n",
             rounds * configs.size(), seconds);
  fmt::print("  {:.0f} configurations/s ({:.2f} us each); target > 100000/s: {}\n", per_s,
             1e6 / per_s, per_s > 1e5 ? "met" : "NOT met");
  fmt::print("  (checksum {:.6g})\n", checksum);
  return 0;
}
