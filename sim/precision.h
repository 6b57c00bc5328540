#pragma once
// The element type a run trains in: its size in bytes and which peak rate its matmuls get.

#include <string>

namespace ringsim {

/// kFp8 is FP8 training as Transformer Engine does it: the linear layers' GEMMs (QKV, output
/// projection, FFN, LM head) take FP8 inputs and run at the FP8 peak; activations between
/// layers, the K,V blocks a ring sends, the attention kernel and the weights stay bf16 (with
/// an fp32 master copy, as under bf16 mixed precision).
enum class Precision { kBf16, kFp32, kFp8 };

/// "bf16", "fp32", "fp8": as scenario files and options spell them.
const char* PrecisionName(Precision precision);

/// The precision `name` spells, or false when it spells none.
bool ParsePrecision(const std::string& name, Precision* precision);

/// Bytes per element of activations, K,V blocks and weights. FP8 training keeps them in bf16
/// (2 bytes): only a GEMM's inputs are cast to FP8, inside the layer.
inline double ElementBytes(Precision precision) {
  return precision == Precision::kFp32 ? 4.0 : 2.0;
}

}  // namespace ringsim
