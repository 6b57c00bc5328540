#pragma once
// Where a scenario becomes numbers; start reading here. A scenario (sim/scenario.h) is turned
// into a schedule (sim/schedule.h: what every device computes and sends), an engine prices
// and sequences that schedule into an Estimate (sim/analytical_engine.h, or the SimGrid
// engine in sim/simgrid/), and the memory model and the overlap condition are read beside it.
// Commands only parse, call this, and render.

#include <cstdint>

#include "sim/curve_reach.h"
#include "sim/estimate.h"
#include "sim/memory_model.h"
#include "sim/overlap.h"
#include "sim/scenario.h"
#include "sim/schedule.h"
#include "sim/trace.h"

namespace ringsim {

/// Whether the forward ring's transfer hides behind its compute, beside the two minimal
/// blocks of the overlap condition (sim/overlap.h).
struct OverlapVerdict {
  int64_t ring_block_tokens = 0;    ///< tokens each device holds and sends per ring step
  double min_block_paper = 0;       ///< F*p*h_kv/(2*h*B) with the peak F
  double min_block_calibrated = 0;  ///< every block from here up hides, at the achieved rate
  double step_compute_s = 0;        ///< busiest device's largest forward step
  double step_comm_s = 0;           ///< forward transfer, as the engine priced it (PhaseTiming)
  bool comm_hidden = true;
};

struct ScenarioResult {
  Estimate estimate;
  MemoryBreakdown memory;
  OverlapVerdict overlap;
  /// Whether the attention launches read the kernel curve beyond its points.
  CurveReach curve_reach;
  Trace trace;  ///< the engine's timeline, when it was asked to record one
};

/// An interpreter of schedules: turns the schedule made from a scenario into time.
class Engine {
 public:
  virtual ~Engine() = default;
  virtual EngineKind kind() const = 0;
  /// Evaluates `schedule` (MakeSchedule(scenario)); `trace`, when not null, receives the
  /// timeline of engines that record one. Bad input is a ConfigError.
  virtual Estimate Run(const Scenario& scenario, const Schedule& schedule, Trace* trace) = 0;
};

/// The closed-form engine (sim/analytical_engine.h) behind the Engine interface.
class AnalyticalEngine final : public Engine {
 public:
  EngineKind kind() const override { return EngineKind::kAnalytical; }
  /// `trace` must be null: the closed form has no timeline (a ConfigError otherwise).
  Estimate Run(const Scenario& scenario, const Schedule& schedule, Trace* trace) override;
};

/// The overlap condition's inputs for a scenario: its peak, curve, element size, widths and
/// the slowest link its ring crosses.
OverlapInputs ScenarioOverlapInputs(const Scenario& scenario);

/// Evaluates a valid scenario (ScenarioProblem is empty) with `engine`; with `with_trace`
/// the result holds the engine's timeline.
ScenarioResult EvaluateScenario(const Scenario& scenario, Engine& engine, bool with_trace = false);

/// The same with the analytical engine.
ScenarioResult EvaluateScenario(const Scenario& scenario);

}  // namespace ringsim
