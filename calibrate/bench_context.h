#pragma once
// Where a measurement was taken (STYLE.md 11: GPU, driver, CUDA version, clocks, date), for
// micro_bench and rehearse, and the small helpers both need: medians, JSON strings, reading
// one line of a command's output.

#include <cuda_runtime.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "calibrate/cuda_check.h"
#include "calibrate/driver_version.h"
#include "calibrate/gpu_peak.h"

namespace ringsim::calibrate {

/// The median of `v` (the mean of the middle two for an even count); 0 for none.
inline double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/// `s` as a JSON string literal, quotes included.
inline std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

/// A finite double as JSON (17 significant digits); null for NaN or infinity.
inline std::string JsonNumber(double x) {
  if (!(x == x) || x > 1.7e308 || x < -1.7e308) return "null";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
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

/// The context as the members of a JSON object (no braces), one per line, indented.
inline std::string ContextJsonMembers(const DeviceContext& c, const std::string& indent) {
  std::ostringstream o;
  o << indent << "\"device\": " << JsonString(c.name) << ",\n"
    << indent << "\"compute_capability\": "
    << JsonString(std::to_string(c.cc_major) + "." + std::to_string(c.cc_minor)) << ",\n"
    << indent << "\"gpus\": " << c.gpus << ",\n"
    << indent << "\"sm_count\": " << c.sms << ",\n"
    << indent << "\"l2_bytes\": " << c.l2_bytes << ",\n"
    << indent << "\"hbm_bytes\": " << c.hbm_bytes << ",\n"
    << indent << "\"max_sm_clock_mhz\": " << JsonNumber(c.max_sm_clock_mhz) << ",\n"
    << indent << "\"driver\": " << JsonString(c.driver) << ",\n"
    << indent << "\"cuda\": " << JsonString(c.cuda_runtime) << ",\n"
    << indent << "\"cuda_driver_api\": " << JsonString(c.cuda_driver_api) << ",\n"
    << indent << "\"peak_bf16_flops_per_s\": " << JsonNumber(c.peak.flops_per_s) << ",\n"
    << indent << "\"peak_source\": " << JsonString(c.peak.source) << ",\n"
    << indent << "\"timestamp\": " << JsonString(c.timestamp) << ",\n"
    << indent << "\"date\": " << JsonString(c.date);
  return o.str();
}

}  // namespace ringsim::calibrate
