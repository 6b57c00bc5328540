#include "sim/flops.h"

namespace ringsim {

double QkvFlopsPerToken(const ModelSpec& m) {
  return 2.0 * m.hidden * (m.AttentionWidth() + 2.0 * m.KvWidth());
}

double OutProjectionFlopsPerToken(const ModelSpec& m) {
  return 2.0 * m.AttentionWidth() * m.hidden;
}

double FfnFlopsPerToken(const ModelSpec& m) {
  return 2.0 * m.hidden * m.ffn_hidden * (m.gated_ffn ? 3.0 : 2.0);
}

double LmHeadFlopsPerToken(const ModelSpec& m) { return 2.0 * m.hidden * m.vocab; }

double AttentionFlopsPerPair(const ModelSpec& m) { return 4.0 * m.AttentionWidth(); }

}  // namespace ringsim
