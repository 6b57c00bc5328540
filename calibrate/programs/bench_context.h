#pragma once
// Where a measurement was taken (GPU, driver, CUDA version, clocks, date: every number has a
// source, ARCHITECTURE.md "Conventions"), for micro_bench and rehearse, and the small helpers both
// need: medians, the context as JSON, reading one line of a command's output.

#include <cuda_runtime.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "calibrate/programs/cuda_check.h"
#include "calibrate/programs/driver_version.h"
#include "calibrate/programs/gpu_peak.h"

namespace ringsim::calibrate {

/// JSON as the programs write it: members in insertion order (nlohmann-json writes a
/// non-finite number as null, which the readers take as "not measured").
using Json = nlohmann::ordered_json;

/// The median of `v` (the mean of the middle two for an even count); 0 for none.
inline double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/// The first line `command` prints on stdout, trimmed; "" if it fails or prints nothing.
inline std::string FirstLineOf(const std::string& command) {
  std::FILE* p = popen((command + " 2>/dev/null").c_str(), "r");
  if (p == nullptr) return "";
  std::array<char, 512> buf{};
  std::string line;
  if (std::fgets(buf.data(), static_cast<int>(buf.size()), p) != nullptr) line = buf.data();
  const int rc = pclose(p);
  if (rc != 0) return "";
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ' '))
    line.pop_back();
  while (!line.empty() && line.front() == ' ') line.erase(line.begin());
  return line;
}

/// "YYYY-MM-DD" (date_only) or "YYYY-MM-DDTHH:MM:SSZ", in UTC.
inline std::string UtcNow(bool date_only) {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, date_only ? "%Y-%m-%d" : "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

/// The NVIDIA kernel driver's version ("580.159.04") from /proc/driver/nvidia/version or
/// nvidia-smi; "" if neither says.
inline std::string NvidiaDriverVersion() {
  std::ifstream f("/proc/driver/nvidia/version");
  std::string line;
  if (f && std::getline(f, line)) {
    const std::string version = DriverVersionFromProcLine(line);
    if (!version.empty()) return version;
  }
  return FirstLineOf("nvidia-smi --query-gpu=driver_version --format=csv,noheader -i 0");
}

/// "13.0" from a CUDA version number such as 13000.
inline std::string CudaVersionString(int v) {
  return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}

/// The device and software a run measured.
struct DeviceContext {
  int device = 0;
  int gpus = 0;  ///< CUDA devices visible
  std::string name;
  int cc_major = 0, cc_minor = 0, sms = 0;
  long long l2_bytes = 0, hbm_bytes = 0;
  double max_sm_clock_mhz = 0;  ///< cudaDevAttrClockRate: the peak (boost) clock
  std::string driver;           ///< NVIDIA driver, or "CUDA driver API x.y" if unknown
  std::string cuda_runtime, cuda_driver_api;
  PeakRate peak;
  std::string timestamp, date;
};

inline DeviceContext GetDeviceContext(int device) {
  DeviceContext c;
  c.device = device;
  RINGSIM_CUDA_CHECK(cudaGetDeviceCount(&c.gpus));
  cudaDeviceProp prop;
  RINGSIM_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  c.name = prop.name;
  c.cc_major = prop.major;
  c.cc_minor = prop.minor;
  c.sms = prop.multiProcessorCount;
  c.l2_bytes = prop.l2CacheSize;
  c.hbm_bytes = static_cast<long long>(prop.totalGlobalMem);
  int clock_khz = 0, driver = 0, runtime = 0;
  RINGSIM_CUDA_CHECK(cudaDeviceGetAttribute(&clock_khz, cudaDevAttrClockRate, device));
  RINGSIM_CUDA_CHECK(cudaDriverGetVersion(&driver));
  RINGSIM_CUDA_CHECK(cudaRuntimeGetVersion(&runtime));
  c.max_sm_clock_mhz = clock_khz / 1000.0;
  c.cuda_runtime = CudaVersionString(runtime);
  c.cuda_driver_api = CudaVersionString(driver);
  c.driver = NvidiaDriverVersion();
  if (c.driver.empty()) c.driver = "CUDA driver API " + c.cuda_driver_api;
  c.peak = PeakBf16Dense(prop.name, prop.major, prop.minor, prop.multiProcessorCount, clock_khz);
  c.timestamp = UtcNow(false);
  c.date = UtcNow(true);
  return c;
}

/// The SM clock nvidia-smi reads now (MHz), or 0 if it cannot.
inline double CurrentSmClockMhz(int device) {
  const std::string s = FirstLineOf(
      "nvidia-smi --query-gpu=clocks.sm --format=csv,noheader,"
      "nounits -i " +
      std::to_string(device));
  try {
    return s.empty() ? 0 : std::stod(s);
  } catch (const std::exception&) {
    return 0;
  }
}

/// The context as a JSON object, members in the order the readers' tests and files show.
inline Json ContextJson(const DeviceContext& c) {
  return Json{{"device", c.name},
              {"compute_capability", std::to_string(c.cc_major) + "." + std::to_string(c.cc_minor)},
              {"gpus", c.gpus},
              {"sm_count", c.sms},
              {"l2_bytes", c.l2_bytes},
              {"hbm_bytes", c.hbm_bytes},
              {"max_sm_clock_mhz", c.max_sm_clock_mhz},
              {"driver", c.driver},
              {"cuda", c.cuda_runtime},
              {"cuda_driver_api", c.cuda_driver_api},
              {"peak_bf16_flops_per_s", c.peak.flops_per_s},
              {"peak_source", c.peak.source},
              {"timestamp", c.timestamp},
              {"date", c.date}};
}

}  // namespace ringsim::calibrate
