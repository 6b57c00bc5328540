#include "sim/loss.h"

#include <algorithm>

namespace ringsim {

int64_t LossChunkTokens(const ModelSpec& model, const WorkloadSpec& work, int64_t tokens) {
  if (work.loss == Loss::kFull || tokens <= 0) return tokens;
  if (work.loss_chunk_tokens > 0) return std::min(work.loss_chunk_tokens, tokens);
  const int64_t hidden = std::max<int64_t>(1, model.hidden);
  const int64_t factor = std::max<int64_t>(1, (model.vocab + hidden - 1) / hidden);
  const int64_t want = (tokens + factor - 1) / factor;
  int64_t chunk = 1;
  while (chunk < want) chunk *= 2;
  return std::min(chunk, tokens);
}

}  // namespace ringsim
