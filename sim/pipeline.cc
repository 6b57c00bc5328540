#include "sim/pipeline.h"

#include <algorithm>
#include <cassert>

namespace ringsim {

std::vector<int64_t> ChunkLayers(int64_t layers, int64_t chunks) {
  chunks = std::max<int64_t>(1, chunks);
  if (layers < chunks) {
    // Not a valid split (ScenarioProblem refuses it): one layer a chunk while they last.
    std::vector<int64_t> out(static_cast<size_t>(chunks), 0);
    for (int64_t i = 0; i < std::max<int64_t>(0, layers); ++i) out[static_cast<size_t>(i)] = 1;
    return out;
  }
  const int64_t base = layers / chunks;
  int64_t extra = layers % chunks;
  std::vector<int64_t> out(static_cast<size_t>(chunks), base);
  if (extra == 0) return out;
  int64_t placed = base;
  for (int64_t i = 1; i + 1 < chunks; ++i) {
    if (extra > 0) {
      ++out[static_cast<size_t>(i)];
      --extra;
    }
    placed += out[static_cast<size_t>(i)];
  }
  out.back() = layers - placed;
  return out;
}

std::vector<int64_t> StageLayers(const PipelineShape& shape) {
  const int64_t p = std::max<int64_t>(1, shape.stages);
  const int64_t v = std::max<int64_t>(1, shape.virtual_stages);
  std::vector<int64_t> out(static_cast<size_t>(p), 0);
  const std::vector<int64_t> chunks = ChunkLayers(shape.layers, p * v);
  for (int64_t c = 0; c < p * v; ++c)
    out[static_cast<size_t>(c % p)] += chunks[static_cast<size_t>(c)];
  return out;
}

double StageParams(const ModelSpec& model, const std::vector<int64_t>& stage_layers,
                   int64_t stage) {
  const int64_t p = static_cast<int64_t>(stage_layers.size());
  if (p <= 1) return model.TotalParams();
  stage = std::clamp<int64_t>(stage, 0, p - 1);
  const int64_t layers = stage_layers[static_cast<size_t>(stage)];
  const double embedding = static_cast<double>(model.vocab) * static_cast<double>(model.hidden);
  const bool first = stage == 0, last = stage == p - 1;
  return static_cast<double>(layers) * model.LayerParams() + (first ? embedding : 0.0) +
         (last ? embedding + static_cast<double>(model.hidden) : 0.0);
}

int64_t InFlightChunks(const PipelineShape& shape, int64_t stage) {
  const int64_t p = std::max<int64_t>(1, shape.stages);
  const int64_t v = std::max<int64_t>(1, shape.virtual_stages);
  const int64_t later_stages = p - 1 - std::clamp<int64_t>(stage, 0, p - 1);
  const int64_t warmup = v == 1 ? later_stages : 2 * later_stages + (v - 1) * p;
  return std::min(warmup + 1, v * std::max<int64_t>(1, shape.micro_batches));
}

double PipelineSeconds(const PipelineShape& shape, double stage_s, double last_stage_s) {
  std::vector<double> stages(static_cast<size_t>(std::max<int64_t>(1, shape.stages)), stage_s);
  stages.back() = last_stage_s;
  return PipelineSeconds(shape, stages);
}

double PipelineSeconds(const PipelineShape& shape, const std::vector<double>& stage_s) {
  assert(!stage_s.empty());
  const double v = static_cast<double>(std::max<int64_t>(1, shape.virtual_stages));
  const double m = static_cast<double>(std::max<int64_t>(1, shape.micro_batches));
  double slowest = 0, sum = 0;
  for (double x : stage_s) {
    slowest = std::max(slowest, x);
    sum += x;
  }
  return m * slowest + (sum - slowest) / v;
}

double PipelineTransferSecondsPerMicroBatch(const PipelineShape& shape, bool backward,
                                            double transfer_s) {
  if (shape.stages <= 1) return 0;
  const double v = static_cast<double>(std::max<int64_t>(1, shape.virtual_stages));
  return (backward ? 2.0 : 1.0) * v * transfer_s;
}

namespace {

// Each stage's own compute over the step: its layers at the busiest stage's time per layer
// (`layers_s` is the busiest stage's layers over all micro-batches), the LM head's `head_s`
// on the last. Without the model's layers every stage is taken alike (one unit of work each).
std::vector<double> StageComputeSeconds(const PipelineShape& shape, double layers_s,
                                        double head_s) {
  const std::vector<int64_t> layers =
      shape.layers > 0 ? StageLayers(shape)
                       : std::vector<int64_t>(static_cast<size_t>(shape.stages), 1);
  const int64_t busiest = std::max<int64_t>(1, *std::max_element(layers.begin(), layers.end()));
  const double per_layer_s = layers_s / static_cast<double>(busiest);
  std::vector<double> own(layers.size());
  for (size_t s = 0; s < layers.size(); ++s) {
    own[s] = static_cast<double>(layers[s]) * per_layer_s;
  }
  own.back() += head_s;
  return own;
}

}  // namespace

double PipelineExtraSeconds(const PipelineShape& shape, bool backward, double layers_s,
                            double head_s, double transfer_s) {
  if (shape.stages <= 1) return 0;
  const double m = static_cast<double>(std::max<int64_t>(1, shape.micro_batches));
  const double transfers_s = PipelineTransferSecondsPerMicroBatch(shape, backward, transfer_s);
  std::vector<double> stage_s = StageComputeSeconds(shape, layers_s, head_s);
  for (double& x : stage_s) x = x / m + transfers_s;
  return PipelineSeconds(shape, stage_s) - layers_s - head_s;
}

double PipelineBusiestStageSeconds(const PipelineShape& shape, double layers_s, double head_s) {
  if (shape.stages <= 1) return layers_s + head_s;
  const std::vector<double> own = StageComputeSeconds(shape, layers_s, head_s);
  return *std::max_element(own.begin(), own.end());
}

}  // namespace ringsim
