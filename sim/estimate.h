#pragma once
// What an engine says about one scenario. Both engines fill the same struct, so
// reports and tests compare them field by field.

#include <string>
#include <vector>

namespace ringsim {

/// Time of one phase of one layer (the first layer's instance) on the slowest device.
struct PhaseTiming {
  std::string name;
  std::string kind;
  double time_s = 0;
  /// Ring phases: the largest per-device compute of one step, and one hop's transfer time.
  double max_step_compute_s = 0;
  double step_comm_s = 0;
};

struct Estimate {
  std::string engine;  ///< "analytical" or "simgrid"
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
  double tokens_per_s = 0;
  std::vector<double> device_busy_s;  ///< per ring device, over the step
  std::vector<PhaseTiming> phases;    ///< one layer's phases, then the tail
};

}  // namespace ringsim
