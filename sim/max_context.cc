#include "sim/max_context.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "sim/limits.h"
#include "sim/scenario.h"
#include "sim/schedule.h"
#include "sim/units.h"

namespace ringsim {

namespace {

/// Why the search cannot start, or "".
std::string InputProblem(AttentionMethod method, const ModelSpec& model,
                         const HardwareSpec& hardware, int64_t devices,
                         const MaxContextAssumptions& a) {
  if (devices < 1) return fmt::format("devices must be >= 1, got {}", devices);
  std::string problem = model.Problem();
  if (!problem.empty()) return "model: " + problem;
  if (!(hardware.hbm_bytes > 0) || !std::isfinite(hardware.hbm_bytes)) {
    return fmt::format("hardware.hbm_bytes must be positive and finite, got {}",
                       hardware.hbm_bytes);
  }
  if (a.batch < 1) return fmt::format("batch must be >= 1, got {}", a.batch);
  if (a.offload != Offload::kNone && !(hardware.host_memory_bytes > 0)) {
    return fmt::format("offload {}: hardware '{}' gives no host (node.host_memory_bytes)",
                       OffloadName(a.offload), hardware.name);
  }
  if (method == AttentionMethod::kMemoryEfficient && a.block_tokens < 1) {
    return fmt::format("block_tokens must be >= 1, got {}", a.block_tokens);
  }
  if (!(a.headroom_fraction == kImplementationReserve ||
        (a.headroom_fraction >= 0 && a.headroom_fraction < 1))) {
    return fmt::format("headroom_fraction must be in [0, 1), got {}", a.headroom_fraction);
  }
  return "";
}

int64_t FloorPow2(int64_t x) {
  if (x < 1) return 0;
  int64_t p = 1;
  while (p <= x / 2) p *= 2;
  return p;
}

}  // namespace

MaxContext ScenarioMaxContext(const Scenario& scenario) {
  MaxContext result;
  Scenario s = scenario;
  const ParallelSpec& par = s.parallel;
  int64_t step = 2 * par.context * par.ulysses;  // each at most 2^20 (limits.h)
  if (s.kernel_block_tokens > 0) step = std::lcm(step, s.kernel_block_tokens * par.context);
  const int64_t batch = std::max<int64_t>(1, s.workload.batch);
  const int64_t max_steps = kMaxTokensPerStep / batch / step;
  auto fits = [&](int64_t k, MemoryBreakdown* memory) {
    s.workload.seq_len = k * step;
    if (!ScenarioProblem(s).ok()) return false;
    *memory = DeviceMemory(s);
    return memory->fits;
  };
  MemoryBreakdown memory;
  if (max_steps < 1 || !fits(1, &memory)) {
    s.workload.seq_len = step;
    result.memory = DeviceMemory(s);
    result.reason =
        ScenarioProblem(s).ok()
            ? fmt::format("not even {} tokens fit: {:.2f} GB per device of {:.2f} GB usable", step,
                          result.memory.total_bytes / kGiga, result.memory.usable_bytes / kGiga)
            : ScenarioProblem(s).key + ": " + ScenarioProblem(s).what;
    return result;
  }
  // Bisection: fits(lo), and hi is the first count known not to (or past the limit).
  int64_t lo = 1, hi = 2;
  while (hi <= max_steps && fits(hi, &memory)) {
    lo = hi;
    hi = hi > max_steps / 2 ? max_steps + 1 : hi * 2;
  }
  result.capped = hi > max_steps;
  if (result.capped) hi = max_steps + 1;
  while (hi - lo > 1) {
    const int64_t mid = lo + (hi - lo) / 2;
    (fits(mid, &memory) ? lo : hi) = mid;
  }
  fits(lo, &result.memory);
  result.tokens = lo * step;
  result.tokens_per_device = result.tokens / (par.context * par.ulysses);
  result.pow2_tokens = FloorPow2(result.tokens);
  if (result.capped) result.reason = "the search's limit of tokens per step was reached";
  return result;
}

MaxContext FindMaxContext(AttentionMethod method, const ModelSpec& model,
                          const HardwareSpec& hardware, int64_t devices,
                          const MaxContextAssumptions& assumptions) {
  MaxContext result;
  result.reason = InputProblem(method, model, hardware, devices, assumptions);
  if (!result.reason.empty()) return result;

  const bool ring = method == AttentionMethod::kRing;
  Scenario scenario;
  scenario.name = "max-context";
  scenario.model = model;
  scenario.hardware = hardware;
  scenario.devices = devices;
  scenario.parallel.context = ring ? devices : 1;
  scenario.parallel.tensor = 1;
  scenario.parallel.fsdp = devices;
  scenario.workload.batch = assumptions.batch;
  scenario.workload.precision = assumptions.precision;
  scenario.workload.pass = Pass::kForwardBackward;
  scenario.workload.checkpointing = assumptions.checkpointing;
  scenario.workload.loss = assumptions.loss;
  scenario.workload.offload = assumptions.offload;
  scenario.kernel_block_tokens = ring ? 0 : assumptions.block_tokens;

  // Memory with `per_device` tokens on each device.
  auto memory_at = [&](int64_t per_device) {
    scenario.workload.seq_len = per_device * scenario.parallel.context;
    return DeviceMemory(scenario, method, assumptions.headroom_fraction);
  };

  const MemoryBreakdown empty = memory_at(0);
  if (!empty.fits) {
    result.memory = empty;
    result.reason = fmt::format(
        "model states and FSDP working set alone need {:.2f} GB per device, more than the "
        "{:.2f} GB usable",
        empty.total_bytes / kGiga, empty.usable_bytes / kGiga);
    return result;
  }
  const MemoryBreakdown one = memory_at(1);
  if (!one.fits) {
    result.memory = empty;
    result.reason = fmt::format(
        "not even one token per device fits: it needs {:.2f} GB, more than the {:.2f} GB "
        "usable",
        one.total_bytes / kGiga, one.usable_bytes / kGiga);
    return result;
  }

  // Largest tokens per device that fits, in [1, cap]: double, then bisect.
  const int64_t cap = std::min(kMaxContextSearchTokens,
                               std::numeric_limits<int64_t>::max() / scenario.parallel.context);
  int64_t lo = 1;  // fits
  int64_t hi = 0;  // first known not to fit; 0 while none is known
  while (hi == 0 && lo < cap) {
    const int64_t next = lo > cap / 2 ? cap : 2 * lo;
    if (memory_at(next).fits) {
      lo = next;
    } else {
      hi = next;
    }
  }
  if (hi == 0) {
    result.capped = true;
    result.reason = fmt::format("search capped at {} tokens per device", cap);
  } else {
    while (hi - lo > 1) {
      const int64_t mid = lo + (hi - lo) / 2;
      if (memory_at(mid).fits) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
  }
  result.tokens_per_device = lo;
  result.tokens = lo * scenario.parallel.context;
  result.pow2_tokens = FloorPow2(result.tokens);
  result.memory = memory_at(lo);
  return result;
}

int64_t MaxContextTokens(AttentionMethod method, const ModelSpec& model,
                         const HardwareSpec& hardware, int64_t devices,
                         const MaxContextAssumptions& assumptions) {
  return FindMaxContext(method, model, hardware, devices, assumptions).tokens;
}

int64_t MaxContextPow2Tokens(AttentionMethod method, const ModelSpec& model,
                             const HardwareSpec& hardware, int64_t devices,
                             const MaxContextAssumptions& assumptions) {
  return FindMaxContext(method, model, hardware, devices, assumptions).pow2_tokens;
}

}  // namespace ringsim
