#include "calibrate/programs/gpu_peak.h"

#include <cstdio>

namespace ringsim::calibrate {
namespace {

bool Has(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

}  // namespace

PeakRate PeakBf16Dense(const std::string& name, int cc_major, int cc_minor, int sm_count,
                       int clock_khz) {
  struct Known {
    const char* match;
    const char* also;  // must also appear, or nullptr
    double tflops;
    const char* label;
  };
  // Order matters: the more specific names first.
  static const Known kKnown[] = {
      {"GH200", nullptr, 989.4, "GH200"},       {"H200 NVL", nullptr, 835.0, "H200 NVL"},
      {"H200", nullptr, 989.4, "H200 SXM"},     {"H100 PCIe", nullptr, 756.0, "H100 PCIe"},
      {"H100 NVL", nullptr, 835.0, "H100 NVL"}, {"H100", nullptr, 989.4, "H100 SXM"},
      {"H800", "PCIe", 756.0, "H800 PCIe"},     {"H800", nullptr, 989.4, "H800 SXM"},
      {"A100", nullptr, 312.0, "A100"},         {"A800", nullptr, 312.0, "A800"},
  };
  for (const Known& k : kKnown) {
    if (Has(name, k.match) && (k.also == nullptr || Has(name, k.also)))
      return {k.tflops * 1e12, std::string("datasheet: ") + k.label};
  }
  // Dense bf16 FLOPs per SM per clock with fp32 accumulation.
  int per_clock = 1024;
  if (cc_major == 9) per_clock = 4096;
  if (cc_major == 8 && cc_minor == 0) per_clock = 2048;
  if (cc_major >= 10) per_clock = 8192;
  const double rate = static_cast<double>(sm_count) * clock_khz * 1e3 * per_clock;
  char buf[128];
  std::snprintf(buf, sizeof buf, "estimate: %d SMs x %.2f GHz x %d", sm_count, clock_khz / 1e6,
                per_clock);
  return {rate, buf};
}

}  // namespace ringsim::calibrate
