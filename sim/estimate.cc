#include "sim/estimate.h"

#include <algorithm>

#include "sim/pipeline.h"

namespace ringsim {

void AddPipeline(const Schedule& schedule, double layers_s, double head_s, double transfer_s,
                 std::vector<double>& clock, Estimate& e) {
  if (schedule.pipeline <= 1) return;
  const PipelineShape shape{schedule.pipeline, schedule.virtual_stages, schedule.micro_batches,
                            schedule.model_layers};
  const bool backward = schedule.backward;
  const double extra_s = PipelineExtraSeconds(shape, backward, layers_s, head_s, transfer_s);
  // The engines ran the busiest stage's layers and the last stage's LM head on one timeline;
  // where those are different stages no device computes both (FinishEstimate takes the
  // difference out of the busy time).
  const double busiest_s = PipelineBusiestStageSeconds(shape, layers_s, head_s);
  e.pipeline_overcount_s = std::max(0.0, layers_s + head_s - busiest_s);
  // The transfers of the busiest stage's own micro-batches are communication; the rest idles.
  const double own_transfers_s = static_cast<double>(shape.micro_batches) *
                                 PipelineTransferSecondsPerMicroBatch(shape, backward, transfer_s);
  e.pipeline_bubble_s = std::max(0.0, layers_s + head_s + extra_s - busiest_s - own_transfers_s);
  for (double& c : clock) c += extra_s;
  e.phases.push_back({"pipeline", PhaseKind::kPipeline, extra_s, 0, transfer_s});
}

void FinishEstimate(const Schedule& schedule, double peak_flops_per_s,
                    const std::vector<double>& finish_s, std::vector<double> busy_s, Estimate& e) {
  const double end = *std::max_element(finish_s.begin(), finish_s.end());
  e.step_time_s = end;
  for (double& b : busy_s) b = std::max(0.0, b - e.pipeline_overcount_s);
  e.compute_time_s = *std::max_element(busy_s.begin(), busy_s.end());
  e.exposed_comm_time_s = std::max(0.0, end - e.compute_time_s - e.pipeline_bubble_s);
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
