// LayerElementwiseBytesPerToken worked by hand.

#include "sim/elementwise.h"

#include <gtest/gtest.h>

namespace ringsim {
namespace {

ModelSpec Llama3_8b() {
  ModelSpec m;
  m.layers = 32;
  m.hidden = 4096;
  m.heads = 32;
  m.kv_heads = 8;
  m.head_dim = 128;
  m.ffn_hidden = 14336;
  m.vocab = 128256;
  m.gated_ffn = true;
  return m;
}

TEST(ElementwiseBytes, LlamaLayerInBf16) {
  // h 4096, q 4096, kv 1024, f 14336, 2 bytes.
  const ElementwiseBytes b = LayerElementwiseBytesPerToken(Llama3_8b(), 2.0, false, 1.0);
  // Norm 2h = 8192, RoPE 2 (q + kv) = 10240: 18432 elements.
  EXPECT_DOUBLE_EQ(b.qkv_forward, 2.0 * 18432);
  // Residual 3h 12288 + norm 2h 8192 + SwiGLU 3f 43008 + residual 12288 = 75776.
  EXPECT_DOUBLE_EQ(b.post_forward, 2.0 * 75776);
  // Norm 3h 12288 + RoPE 10240 + residual 12288 = 34816.
  EXPECT_DOUBLE_EQ(b.qkv_backward, 2.0 * 34816);
  // Norm 12288 + SwiGLU 5f 71680 + residual 12288 = 96256.
  EXPECT_DOUBLE_EQ(b.post_backward, 2.0 * 96256);
}

TEST(ElementwiseBytes, Fp8LinearsAddTheirCasts) {
  const ElementwiseBytes bf16 = LayerElementwiseBytesPerToken(Llama3_8b(), 2.0, false, 1.0);
  const ElementwiseBytes fp8 = LayerElementwiseBytesPerToken(Llama3_8b(), 2.0, true, 1.0);
  // A cast of n bf16 elements: amax reads 2n, the cast reads 2n and writes n: 5n bytes.
  EXPECT_DOUBLE_EQ(fp8.qkv_forward - bf16.qkv_forward, 5.0 * 4096);                     // h
  EXPECT_DOUBLE_EQ(fp8.post_forward - bf16.post_forward, 5.0 * (4096 + 4096 + 14336));  // q h f
  EXPECT_DOUBLE_EQ(fp8.qkv_backward - bf16.qkv_backward, 5.0 * (4096 + 2048));          // q + 2 kv
  EXPECT_DOUBLE_EQ(fp8.post_backward - bf16.post_backward, 5.0 * (4096 + 28672 + 4096));
}

TEST(ElementwiseBytes, TensorParallelSplitsHeadsAndFfnNotTheHiddenWidth) {
  ModelSpec m = Llama3_8b();
  m.gated_ffn = false;  // GELU: forward 2f, backward 3f
  const ElementwiseBytes b = LayerElementwiseBytesPerToken(m, 4.0, false, 2.0);
  // q 2048, kv 512, f 7168 per member; h stays 4096.
  EXPECT_DOUBLE_EQ(b.qkv_forward, 4.0 * (2 * 4096 + 2 * (2048 + 512)));
  EXPECT_DOUBLE_EQ(b.post_forward, 4.0 * (3 * 4096 + 2 * 4096 + 2 * 7168 + 3 * 4096));
  EXPECT_DOUBLE_EQ(b.post_backward, 4.0 * (3 * 4096 + 3 * 7168 + 3 * 4096));
}

TEST(ElementwiseBytes, SequenceParallelSplitsNormsAndResiduals) {
  // Tensor 2 with sequence parallelism: h is 2048 per member in the norms and residuals.
  const ElementwiseBytes b = LayerElementwiseBytesPerToken(Llama3_8b(), 2.0, false, 2.0, 2.0);
  // Norm 2 x 2048, RoPE 2 x (2048 + 512).
  EXPECT_DOUBLE_EQ(b.qkv_forward, 2.0 * (2 * 2048 + 2 * (2048 + 512)));
  // Residual 3 x 2048, norm 2 x 2048, SwiGLU 3 x 7168, residual 3 x 2048.
  EXPECT_DOUBLE_EQ(b.post_forward, 2.0 * (8 * 2048 + 3 * 7168));
}

}  // namespace
}  // namespace ringsim
