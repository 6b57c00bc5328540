#pragma once
// What a file parses into, kept for the rest of the process: sweeps and plans load the same
// hardware profile, implementation and calibration for every configuration, from several
// threads. Keyed by path, modification time and size, so that a file edited between two calls
// (in a notebook session of the Python module, say) is read again. Only successful loads are
// kept.

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace ringsim {

template <typename T>
class FileCache {
 public:
  /// The value for `path`: the kept one if the file has not changed since, else load().
  template <typename Load>
  T Get(const std::string& path, Load&& load) {
    std::error_code time_error, size_error;
    const Version version{std::filesystem::last_write_time(path, time_error),
                          std::filesystem::file_size(path, size_error)};
    const bool known = !time_error && !size_error;
    if (known) {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = kept_.find(path);
      if (it != kept_.end() && it->second.first == version) return it->second.second;
    }
    T value = load();
    if (known) {
      std::lock_guard<std::mutex> lock(mutex_);
      kept_[path] = {version, value};
    }
    return value;
  }

 private:
  using Version = std::pair<std::filesystem::file_time_type, std::uintmax_t>;
  std::mutex mutex_;
  std::map<std::string, std::pair<Version, T>> kept_;
};

}  // namespace ringsim
