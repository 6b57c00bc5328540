#pragma once
// Pipeline parallelism as Megatron-LM runs it: the model's layers cut into `stages` stages of
// equal layer counts (the embedding on the first, the LM head on the last), micro-batches
// flowing through them in 1F1B order, optionally interleaved (`virtual_stages` chunks of
// layers per stage, assigned round-robin). Pure functions; both engines and the memory model
// use them.
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

#include <cstdint>

#include "sim/model_spec.h"

namespace ringsim {

struct PipelineShape {
  int64_t stages = 1;          ///< P
  int64_t virtual_stages = 1;  ///< v (1: plain 1F1B)
  int64_t micro_batches = 1;   ///< m
};

/// Parameters a stage holds: its layers / P layers and the embedding (first stage) or the LM
/// head and final norm (last stage); the whole model without a pipeline.
double StageParams(const ModelSpec& model, int64_t stages, bool last);

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

/// Seconds of stage-to-stage transfers on one stage's critical path per micro-batch: with a
/// backward, an activation in and a gradient in per chunk (2 v transfers), else v.
double PipelineTransferSecondsPerMicroBatch(const PipelineShape& shape, bool backward,
                                            double transfer_s);

/// Seconds a pipeline adds to one stage's own work: `layers_s`, its layers over all m
/// micro-batches (every stage alike), and `head_s`, the LM head over all of them (the last
/// stage's): the fill and drain of the other stages and every stage-to-stage transfer of
/// `transfer_s` on the critical path. PipelineSeconds of the per-micro-batch stage times,
/// less layers_s + head_s; 0 without a pipeline.
double PipelineExtraSeconds(const PipelineShape& shape, bool backward, double layers_s,
                            double head_s, double transfer_s);

}  // namespace ringsim
