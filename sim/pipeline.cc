#include "sim/pipeline.h"

#include <algorithm>

namespace ringsim {

double StageParams(const ModelSpec& model, int64_t stages, bool last) {
  if (stages <= 1) return model.TotalParams();
  const double embedding = static_cast<double>(model.vocab) * static_cast<double>(model.hidden);
  return static_cast<double>(model.layers / stages) * model.LayerParams() + embedding +
         (last ? static_cast<double>(model.hidden) : 0.0);
}

int64_t InFlightChunks(const PipelineShape& shape, int64_t stage) {
  const int64_t p = std::max<int64_t>(1, shape.stages);
  const int64_t v = std::max<int64_t>(1, shape.virtual_stages);
  const int64_t later_stages = p - 1 - std::clamp<int64_t>(stage, 0, p - 1);
  const int64_t warmup = v == 1 ? later_stages : 2 * later_stages + (v - 1) * p;
  return std::min(warmup + 1, v * std::max<int64_t>(1, shape.micro_batches));
}

double PipelineSeconds(const PipelineShape& shape, double stage_s, double last_stage_s) {
  const double p = static_cast<double>(std::max<int64_t>(1, shape.stages));
  const double v = static_cast<double>(std::max<int64_t>(1, shape.virtual_stages));
  const double m = static_cast<double>(std::max<int64_t>(1, shape.micro_batches));
  const double slowest = std::max(stage_s, last_stage_s);
  const double sum = (p - 1) * stage_s + last_stage_s;
  return m * slowest + (sum - slowest) / v;
}

double PipelineTransferSecondsPerMicroBatch(const PipelineShape& shape, bool backward,
                                            double transfer_s) {
  if (shape.stages <= 1) return 0;
  const double v = static_cast<double>(std::max<int64_t>(1, shape.virtual_stages));
  return (backward ? 2.0 : 1.0) * v * transfer_s;
}

double PipelineExtraSeconds(const PipelineShape& shape, bool backward, double layers_s,
                            double head_s, double transfer_s) {
  if (shape.stages <= 1) return 0;
  const double m = static_cast<double>(std::max<int64_t>(1, shape.micro_batches));
  const double stage_s =
      layers_s / m + PipelineTransferSecondsPerMicroBatch(shape, backward, transfer_s);
  return std::max(0.0, PipelineSeconds(shape, stage_s, stage_s + head_s / m) - layers_s - head_s);
}

}  // namespace ringsim
