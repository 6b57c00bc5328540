// How the analytical engine's time grows with the ring: one full LLaMA-7B training step
// (forward, recompute, backward of all 32 layers) on rings of 1024 to 65 536 H100s, for each
// layout, with 4096 tokens per device (the transfers exposed) and 32768 (hidden). Prints seconds
// per step and the growth exponent k of time ~ N^k between consecutive sizes. A benchmark: it
// prints numbers, it does not pass/fail.

#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "io/hardware_loader.h"
#include "sim/analytical_engine.h"
#include "sim/schedule.h"

int main() {
  using namespace ringsim;
  const HardwareSpec hw = LoadHardware("h100-sxm");
  fmt::print("analytical engine, one full llama-7b step, h100-sxm\n");
  fmt::print("{:>8}  {:>8}  {:>8}  {:>12}  {:>10}  {:>10}  {:>6}\n", "variant", "tokens", "devices",
             "engine (s)", "step (s)", "exposed", "k");
  for (int64_t tokens : {4096, 32768})
    for (RingVariant variant : {RingVariant::kZigzag, RingVariant::kStriped, RingVariant::kRing}) {
      double previous_s = 0;
      int64_t previous_n = 0;
      for (int64_t n : {1024, 4096, 16384, 65536}) {
        if (previous_s > 1) {
          fmt::print("{:>8}  {:>8}  {:>8}  skipped: {} devices took {:.1f} s (step by step)\n",
                     VariantName(variant), tokens, n, previous_n, previous_s);
          break;
        }
        Scenario s;
        s.model = *FindModelPreset("llama-7b");
        s.hardware = hw;
        s.devices = s.parallel.context = s.parallel.fsdp = n;
        s.parallel.variant = variant;
        s.workload.causal = true;
        s.workload.seq_len = tokens * n;
        const auto start = std::chrono::steady_clock::now();
        const Schedule schedule = MakeSchedule(s);
        const Rates rates = MakeRates(schedule, s.hardware);
        const Estimate estimate = Analyze(schedule, rates);
        const double took_s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const std::string k =
            previous_n ? fmt::format("{:.2f}", std::log(took_s / previous_s) /
                                                   std::log(static_cast<double>(n) / previous_n))
                       : "";
        fmt::print("{:>8}  {:>8}  {:>8}  {:>12.4f}  {:>10.1f}  {:>9.1f}%  {:>6}\n",
                   VariantName(variant), tokens, n, took_s, estimate.step_time_s,
                   100 * estimate.exposed_comm_time_s / estimate.step_time_s, k);
        previous_s = took_s;
        previous_n = n;
      }
    }
  fmt::print("target: a full 7B step at 65536 devices in under 1 s of engine time\n");
  fmt::print(
      "(rings whose ranks wait on their neighbours' uneven work, and never settle into\n"
      " lockstep, still run step by step: O(N^2) per pass)\n");
  return 0;
}
