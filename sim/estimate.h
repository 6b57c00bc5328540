#pragma once
// What an engine says about one scenario. Both engines fill the same struct, so
// reports and tests compare them field by field.

#include <string>
#include <vector>

#include "sim/schedule.h"

namespace ringsim {

/// The two interpreters of a schedule.
enum class EngineKind {
  kAnalytical,  ///< max-plus recurrences, closed form (sim/analytical_engine.h)
  kSimGrid,     ///< replay on a simulated platform (sim/simgrid/simgrid_engine.h)
};

/// "analytical", "simgrid": as --engine spells them.
const char* EngineName(EngineKind engine);

/// The engine `name` spells, or false when it spells none.
bool ParseEngine(const std::string& name, EngineKind* engine);

/// Time of one phase of one layer (the first layer's instance) on the slowest device.
struct PhaseTiming {
  std::string name;
  PhaseKind kind = PhaseKind::kCompute;
  double time_s = 0;
  /// Ring phases: the largest per-device compute of one step, and one hop's transfer time:
  /// the slowest hop alone (analytical), or the longest transfer into or out of the busiest
  /// device as the replay ran it, links shared (SimGrid).
  double max_step_compute_s = 0;
  double step_comm_s = 0;
};

struct Estimate {
  EngineKind engine = EngineKind::kAnalytical;
  double step_time_s = 0;
  /// Busy (computing) time of the busiest device.
  double compute_time_s = 0;
  /// Time the busiest device waits: communication the compute did not hide.
  double exposed_comm_time_s = 0;
  /// Mean over devices of time not computing (waiting for data or for slower devices).
  double mean_idle_time_s = 0;
  double model_flops = 0;  ///< useful FLOPs of the step, all devices
  double tflops_per_device = 0;
  double mfu = 0;
  /// MFU with causal attention counted in full (Schedule::model_flops_full_attention): what
  /// Megatron, PaLM and torchtitan print, for comparing with published figures.
  double mfu_full_attention = 0;
  /// TFLOP/s per device in the same convention (what NeMo's flops_formulas.py prints).
  double tflops_per_device_full_attention = 0;
  double tokens_per_s = 0;
  std::vector<double> device_busy_s;  ///< per ring device, over the step
  std::vector<PhaseTiming> phases;    ///< one layer's phases, then the tail
  /// Pipeline parallelism: the busiest stage's time idle while the others fill and drain
  /// (not communication: exposed_comm_time_s leaves it out).
  double pipeline_bubble_s = 0;
  /// Pipeline parallelism: compute the engine ran on every device that no device runs (the
  /// busiest stage's layers and the last stage's LM head on one timeline, where they are
  /// different stages); FinishEstimate takes it out of the busy time.
  double pipeline_overcount_s = 0;
};

/// Pipeline parallelism: adds to every clock what the pipeline adds to one stage's own work
/// (`layers_s` of layers over all micro-batches, `head_s` of LM head; `transfer_s` per
/// stage-to-stage transfer: sim/pipeline.h), appends it as a "pipeline" timing and records
/// the bubble in `estimate`. Nothing without a pipeline.
void AddPipeline(const Schedule& schedule, double layers_s, double head_s, double transfer_s,
                 std::vector<double>& clock, Estimate& estimate);

/// Fills every figure of `estimate` but its phases from what an engine measured: each ring
/// rank's end of step and busy time, and the schedule's useful FLOPs and tokens at the peak
/// rate MFU is taken against.
void FinishEstimate(const Schedule& schedule, double peak_flops_per_s,
                    const std::vector<double>& finish_s, std::vector<double> busy_s,
                    Estimate& estimate);

}  // namespace ringsim
