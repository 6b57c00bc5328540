#pragma once
// The element type a run trains in: its size in bytes and which peak rate its matmuls get.

#include <string>

namespace ringsim {

enum class Precision { kBf16, kFp32 };

/// "bf16", "fp32": as scenario files and options spell them.
const char* PrecisionName(Precision precision);

/// The precision `name` spells, or false when it spells none.
bool ParsePrecision(const std::string& name, Precision* precision);

/// Bytes per element of activations and K,V blocks.
inline double ElementBytes(Precision precision) {
  return precision == Precision::kFp32 ? 4.0 : 2.0;
}

}  // namespace ringsim
