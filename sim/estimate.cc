#include "sim/estimate.h"

#include <algorithm>

namespace ringsim {

void FinishEstimate(const Schedule& schedule, double peak_flops_per_s,
                    const std::vector<double>& finish_s, std::vector<double> busy_s, Estimate& e) {
  const double end = *std::max_element(finish_s.begin(), finish_s.end());
  e.step_time_s = end;
  e.compute_time_s = *std::max_element(busy_s.begin(), busy_s.end());
  e.exposed_comm_time_s = std::max(0.0, end - e.compute_time_s);
  double idle = 0;
  for (double b : busy_s) idle += end - b;
  e.mean_idle_time_s = idle / static_cast<double>(busy_s.size());
  e.device_busy_s = std::move(busy_s);
  e.model_flops = schedule.model_flops;
  const double devices = static_cast<double>(schedule.total_devices);
  e.tflops_per_device = schedule.model_flops / end / devices / 1e12;
  e.mfu = schedule.model_flops / end / devices / peak_flops_per_s;
  e.mfu_full_attention = schedule.model_flops_full_attention / end / devices / peak_flops_per_s;
  e.tflops_per_device_full_attention = schedule.model_flops_full_attention / end / devices / 1e12;
  e.tokens_per_s = schedule.tokens_per_step / end;
}

}  // namespace ringsim
