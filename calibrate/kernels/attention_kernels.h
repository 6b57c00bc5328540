#pragma once
// Blockwise attention on the GPU: the forward of one query block against one key/value block,
// the exact merge of partial results across ring steps, and the backward (dQ, dK, dV).
//
// Layout: every tensor is (batch, heads, rows, head_dim) with contiguous rows of head_dim
// elements; a TensorView gives the batch and head strides (in elements), so a block can be a
// slice of a longer sequence. Q, K, V, O and dO are bf16; statistics and gradient
// accumulators are fp32. Per-row vectors (LSE, D) are (batch, heads, rows) with a row stride of
// one. Head dims 64 and 128. GQA: query head h reads key/value head h / (heads / kv_heads).
//
// A ring of N blocks runs, for query block i and each key/value block j:
//   forward:  AttentionForward(Q_i, K_j, V_j) -> (O_ij, LSE_ij); AttentionMerge into (O_i, LSE_i)
//   backward: AttentionBwdPreprocess(O_i, dO_i, LSE_i) once, then for each j
//             AttentionBackward(Q_i, K_j, V_j, dO_i) adding into dQ_i, dK_j, dV_j (fp32).

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "calibrate/kernels/attention_tiling.h"

namespace ringsim::calibrate {

/// A (batch, heads, rows, cols) tensor with contiguous rows; strides are in elements.
template <typename T>
struct TensorView {
  T* ptr = nullptr;
  std::int64_t batch_stride = 0;
  std::int64_t head_stride = 0;
};

/// A contiguous (batch, heads, rows, cols) tensor.
template <typename T>
TensorView<T> Contiguous(T* ptr, int heads, int rows, int cols) {
  return TensorView<T>{ptr, static_cast<std::int64_t>(heads) * rows * cols,
                       static_cast<std::int64_t>(rows) * cols};
}

/// Whether a view's base pointer is 16-byte aligned and its strides keep every row 16-byte
/// aligned (rows themselves are 64 or 128 elements), as the kernels' vector accesses require.
template <typename T>
bool IsAligned16(const TensorView<T>& v) {
  constexpr std::int64_t kPer16 = 16 / sizeof(T);
  return reinterpret_cast<std::uintptr_t>(v.ptr) % 16 == 0 && v.batch_stride % kPer16 == 0 &&
         v.head_stride % kPer16 == 0;
}

/// Sizes shared by all kernels of one block pair.
struct AttnDims {
  int batch = 1;
  int heads = 1;
  int kv_heads = 1;
  int head_dim = 128;
  int q_len = 0;    ///< query rows in the block
  int kv_len = 0;   ///< key/value rows in the block
  float scale = 0;  ///< softmax scale; 0 means 1/sqrt(head_dim)
};

/// Forward of one block pair: O = softmax(scale Q K^T + mask) V, normalised over this block's
/// keys, and LSE = log sum exp(scale Q K^T + mask) per query row. A row that sees no key gets
/// O = 0 and LSE = -inf.
struct FwdArgs {
  AttnDims dims;
  BlockMask mask;
  TensorView<const __nv_bfloat16> q, k, v;
  TensorView<__nv_bfloat16> o;
  TensorView<float> lse;
  FwdVariant variant = FwdVariant::kWarp32Rows;
};
cudaError_t AttentionForward(const FwdArgs& a, cudaStream_t stream);

/// Whether the current device can run a forward variant with this build: the wgmma variants
/// need an sm_90 device and a build with sm_90a code (RINGSIM_CUDA_ARCHITECTURES containing
/// 90a); the others need compute capability 8.0+. AttentionForward returns
/// cudaErrorNotSupported for a variant that is not supported.
bool FwdVariantSupported(FwdVariant v);

/// Exact merge of a block's (O_blk, LSE_blk) into a running fp32 (O_acc, LSE_acc), all
/// contiguous (batch, heads, rows, head_dim): LSE = logaddexp(LSE_acc, LSE_blk),
/// O_acc = O_acc exp(LSE_acc - LSE) + O_blk exp(LSE_blk - LSE). With `first`, the accumulator
/// is overwritten (its old contents are ignored). If `out` is not null it also receives O_acc
/// as bf16 (the last step of a ring).
struct MergeArgs {
  int rows = 0;  ///< batch * heads * rows
  int head_dim = 128;
  bool first = false;
  const __nv_bfloat16* o_blk = nullptr;
  const float* lse_blk = nullptr;
  float* o_acc = nullptr;
  float* lse_acc = nullptr;
  __nv_bfloat16* out = nullptr;
};
cudaError_t AttentionMerge(const MergeArgs& a, cudaStream_t stream);

/// Per query row, from the final O, dO and LSE of that row: delta = sum_d dO * O, and
/// lse_log2 = LSE * log2(e) (+inf where LSE = -inf, so that the row's P is zero). Both outputs
/// are contiguous (batch, heads, q_len) fp32; run once per query block.
struct BwdPreprocessArgs {
  AttnDims dims;
  TensorView<const __nv_bfloat16> o, d_o;
  TensorView<const float> lse;
  float* delta = nullptr;
  float* lse_log2 = nullptr;
};
cudaError_t AttentionBwdPreprocess(const BwdPreprocessArgs& a, cudaStream_t stream);

/// Backward of one block pair, adding into fp32 gradient accumulators:
/// dq_acc += scale dS K (atomically; must be initialised, e.g. zeroed),
/// dk_acc (+)= scale dS^T Q and dv_acc (+)= P^T dO, summed over the query heads of each
/// key/value head; with accumulate = false dK and dV are overwritten instead.
/// P = exp(scale Q K^T - LSE) with the final LSE, dS = P (dP - delta), dP = dO V^T.
/// dq_acc is (batch, heads, q_len, d); dk_acc and dv_acc are (batch, kv_heads, kv_len, d).
struct BwdArgs {
  AttnDims dims;
  BlockMask mask;
  TensorView<const __nv_bfloat16> q, k, v, d_o;
  const float* delta = nullptr;     ///< from AttentionBwdPreprocess
  const float* lse_log2 = nullptr;  ///< from AttentionBwdPreprocess
  TensorView<float> dq_acc, dk_acc, dv_acc;
  bool accumulate = true;
};
cudaError_t AttentionBackward(const BwdArgs& a, cudaStream_t stream);

/// out[i] = bf16(in[i]) for n elements.
cudaError_t ConvertToBf16(const float* in, __nv_bfloat16* out, std::int64_t n, cudaStream_t stream);

/// Sets n floats to `value` (cudaMemset cannot write NaN patterns for floats portably).
cudaError_t FillFloat(float* p, float value, std::int64_t n, cudaStream_t stream);

/// Fills n bf16 values with uniform random numbers of standard deviation `stddev` (in
/// [-sqrt(3) stddev, sqrt(3) stddev]), each a hash of (seed, index): the benchmark's inputs,
/// made on the device and never zeros.
cudaError_t FillRandomBf16(__nv_bfloat16* p, std::int64_t n, std::uint64_t seed, float stddev,
                           cudaStream_t stream);

/// Checks the arguments the kernels rely on (head dim 64 or 128, heads divisible by kv_heads,
/// 16-byte aligned rows and strides); cudaErrorInvalidValue otherwise.
cudaError_t ValidateDims(const AttnDims& d);

}  // namespace ringsim::calibrate
