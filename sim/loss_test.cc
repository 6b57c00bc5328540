// LossChunkTokens worked by hand.

#include "sim/loss.h"

#include <gtest/gtest.h>

namespace ringsim {
namespace {

TEST(LossChunkTokens, LigerRuleKeepsAChunksLogitsNearTheHiddenStates) {
  ModelSpec llama3;  // Llama-3-8B's head: hidden 4096, vocab 128256
  llama3.hidden = 4096;
  llama3.vocab = 128256;
  WorkloadSpec work;
  EXPECT_EQ(LossChunkTokens(llama3, work, 32768), 32768);  // full: every token at once
  work.loss = Loss::kChunked;
  // ceil(128256 / 4096) = 32; 32768 / 32 = 1024, a power of two.
  EXPECT_EQ(LossChunkTokens(llama3, work, 32768), 1024);
  // 1000 / 32 = 31.25 -> 32 -> next power of two 32.
  EXPECT_EQ(LossChunkTokens(llama3, work, 1000), 32);
  // 33 / 32 -> 2; never more than the tokens there are.
  EXPECT_EQ(LossChunkTokens(llama3, work, 33), 2);
  EXPECT_EQ(LossChunkTokens(llama3, work, 1), 1);
  work.loss_chunk_tokens = 5000;
  EXPECT_EQ(LossChunkTokens(llama3, work, 32768), 5000);
  EXPECT_EQ(LossChunkTokens(llama3, work, 3000), 3000);
}

}  // namespace
}  // namespace ringsim
