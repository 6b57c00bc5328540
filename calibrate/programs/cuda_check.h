#pragma once
// Host-side CUDA error checking and device buffers for the calibration programs.

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>

namespace ringsim::calibrate {

/// Thrown when a CUDA call fails; what() names the call, the file and line, and the error.
class CudaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline void CheckCuda(cudaError_t err, const char* what, const char* file, int line) {
  if (err != cudaSuccess)
    throw CudaError(std::string(file) + ":" + std::to_string(line) + ": " + what + ": " +
                    cudaGetErrorName(err) + " (" + cudaGetErrorString(err) + ")");
}

/// Checks a CUDA call's return code (and so, for the kernel launchers, the launch).
#define RINGSIM_CUDA_CHECK(expr) ::ringsim::calibrate::CheckCuda((expr), #expr, __FILE__, __LINE__)

/// n elements of T in device memory, freed on destruction.
template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t n) : n_(n) {
    if (n > 0) RINGSIM_CUDA_CHECK(cudaMalloc(&ptr_, n * sizeof(T)));
  }
  ~DeviceBuffer() {
    if (ptr_ != nullptr) cudaFree(ptr_);
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(o.ptr_), n_(o.n_) {
    o.ptr_ = nullptr;
    o.n_ = 0;
  }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      if (ptr_ != nullptr) cudaFree(ptr_);
      ptr_ = o.ptr_;
      n_ = o.n_;
      o.ptr_ = nullptr;
      o.n_ = 0;
    }
    return *this;
  }

  T* get() const { return ptr_; }
  std::size_t size() const { return n_; }
  std::size_t bytes() const { return n_ * sizeof(T); }

  /// Fills every byte with 0xff: a NaN in both bf16 and fp32, so unwritten outputs show.
  void Poison(cudaStream_t stream = nullptr) {
    RINGSIM_CUDA_CHECK(cudaMemsetAsync(ptr_, 0xff, bytes(), stream));
  }

 private:
  T* ptr_ = nullptr;
  std::size_t n_ = 0;
};

/// Why there is no usable CUDA device, or "" if there is one.
inline std::string NoDeviceReason() {
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess)
    return std::string(cudaGetErrorName(err)) + ": " + cudaGetErrorString(err);
  if (count == 0) return "cudaGetDeviceCount returned 0";
  return "";
}

/// The body of a GPU program's main(): without a device it prints "SKIP: no CUDA device
/// (why)" and returns `skip_code` (0, or 77 for CTest's SKIP_RETURN_CODE); otherwise it runs
/// `run` and turns an exception into one line on stderr and exit code 1.
template <typename Run>
int RunOnDevice(const char* program, int skip_code, Run run) {
  const std::string reason = NoDeviceReason();
  if (!reason.empty()) {
    std::printf("SKIP: no CUDA device (%s)\n", reason.c_str());
    return skip_code;
  }
  try {
    return run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", program, e.what());
    return 1;
  }
}

}  // namespace ringsim::calibrate
