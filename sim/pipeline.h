#pragma once
// Pipeline parallelism as Megatron-LM runs it: the model's layers cut into `stages` stages
// (the embedding on the first, the LM head on the last), micro-batches flowing through them in
// 1F1B order, optionally interleaved (`virtual_stages` chunks of layers per stage, assigned
// round-robin). Chunks hold equal layer counts where they divide the layers, else torchtitan's
// split (ChunkLayers). Pure functions; both engines and the memory model use them.
//
// Sources (NVIDIA/Megatron-LM@d98e8a64dd, megatron/core/pipeline_parallel/):
//  - schedules.py get_pp_rank_microbatches: stage s runs P - s - 1 warm-up forwards before
//    its first backward (1F1B); interleaved, 2 (P - s - 1) + (v - 1) P warm-up chunk forwards
//    (micro-batch groups of P per virtual stage, its default).
//  - schedules.py forward_backward_pipelining_with_interleaving: the micro-batches must split
//    into groups of P (a remainder below P "introduces dependency bubbles" and is refused).
//  - p2p_communication.py _communicate: a stage's sends and receives are posted together
//    (batch_isend_irecv) and waited for before it computes (overlap_p2p_comm off, the
//    default): each activation and gradient transfer is on the critical path.
//  - Narayanan et al., "Efficient Large-Scale Language Model Training on GPU Clusters Using
//    Megatron-LM" (SC'21, arXiv:2104.04473) section 2.2: the bubble of 1F1B is (P - 1) of the
//    per-micro-batch forward+backward times, and interleaving divides it by v.
//  - pytorch/torchtitan@9dec370a torchtitan/parallelisms/pipelining_utils.py
//    generate_split_points and stage_ids_this_rank (style "loop"): how layers that P v does not
//    divide are split, and which chunks a stage runs.

#include <cstdint>
#include <vector>

#include "sim/model_spec.h"

namespace ringsim {

struct PipelineShape {
  int64_t stages = 1;          ///< P
  int64_t virtual_stages = 1;  ///< v (1: plain 1F1B)
  int64_t micro_batches = 1;   ///< m
  int64_t layers = 0;          ///< the model's layers (0: not known, stages taken as equal)
};

/// The layers of each of `chunks` consecutive model chunks (P v of them). Equal counts where
/// `chunks` divides `layers`; else torchtitan's generate_split_points: the first chunk
/// layers / chunks (base), each next one base + 1 while the remainder lasts, the last one what
/// is left (126 layers in 8: 15, 16 x 6, 15). With fewer layers than chunks (not a valid
/// pipeline) one layer a chunk while they last.
std::vector<int64_t> ChunkLayers(int64_t layers, int64_t chunks);

/// The layers each stage holds: chunks s, s + P, ..., s + (v - 1) P of ChunkLayers (the looped
/// assignment of interleaved 1F1B). All `shape.layers` on one stage without a pipeline.
std::vector<int64_t> StageLayers(const PipelineShape& shape);

/// Parameters stage `stage` holds: its layers (`stage_layers`, StageLayers of the model's
/// layers) and the embedding (first stage) or the LM head and final norm (last stage); the
/// whole model without a pipeline (fewer than two stages).
double StageParams(const ModelSpec& model, const std::vector<int64_t>& stage_layers, int64_t stage);

/// Chunk-micro-batches whose activations stage `stage` holds at once at its peak: its warm-up
/// forwards plus the one in flight, capped at the v m chunk-micro-batches there are. Each
/// chunk covers layers / (P v) layers.
int64_t InFlightChunks(const PipelineShape& shape, int64_t stage);

/// The step time of a pipeline whose stages take, per micro-batch, `stage_s` (all stages
/// but the last, each including its transfers) and `last_stage_s` (the last, with the LM
/// head): the slowest stage paces m micro-batches and the others add their fill and drain
/// once, divided by v when interleaved:
///     T = m max_s(X_s) + (sum_s X_s - max_s X_s) / v.
/// With P equal stages this is Narayanan et al.'s (m + (P - 1) / v) X.
double PipelineSeconds(const PipelineShape& shape, double stage_s, double last_stage_s);

/// The same for any per-micro-batch stage times (one per stage, the last with its LM head):
///     T = m max_s(X_s) + (sum_s X_s - max_s X_s) / v.
double PipelineSeconds(const PipelineShape& shape, const std::vector<double>& stage_s);

/// Seconds of stage-to-stage transfers on one stage's critical path per micro-batch: with a
/// backward, an activation in and a gradient in per chunk (2 v transfers), else v.
double PipelineTransferSecondsPerMicroBatch(const PipelineShape& shape, bool backward,
                                            double transfer_s);

/// Seconds a pipeline adds to what the engines ran on one timeline: `layers_s`, the busiest
/// stage's layers (the most StageLayers; every stage alike when `shape.layers` is 0) over all m
/// micro-batches, and then `head_s`, the LM head over all of them (the last stage's): the fill
/// and drain of the other stages, the busier stages' extra layers where the split is uneven,
/// and every stage-to-stage transfer of `transfer_s` on the critical path. PipelineSeconds of
/// the per-micro-batch stage times (each stage's layers at the busiest stage's time per layer),
/// less layers_s + head_s; 0 without a pipeline. Negative where no stage runs both: the LM
/// head's stage is not the one with the most layers, and the step is shorter than the two.
double PipelineExtraSeconds(const PipelineShape& shape, bool backward, double layers_s,
                            double head_s, double transfer_s);

/// The busiest stage's own compute over the step, m max_s X_s without the transfers, for the
/// same `layers_s` and `head_s`: at most layers_s + head_s, less where the LM head's stage is
/// not the one with the most layers.
double PipelineBusiestStageSeconds(const PipelineShape& shape, double layers_s, double head_s);

}  // namespace ringsim
