#pragma once
// ringsim uses decimal SI units throughout (like google/benchmark's Counter::kIs1000):
// 1 GB = 1e9 bytes, 1 TFLOPS = 1e12 FLOP/s, 1K tokens = 1000 tokens. Binary prefixes
// appear only where a name says so (GiB).

namespace ringsim {

inline constexpr double kKilo = 1e3;
inline constexpr double kMega = 1e6;
inline constexpr double kGiga = 1e9;
inline constexpr double kTera = 1e12;
inline constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

}  // namespace ringsim
