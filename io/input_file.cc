#include "io/input_file.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "sim/config_error.h"

namespace ringsim {

namespace fs = std::filesystem;

std::string ReadInputFile(const std::string& path, const std::string& what,
                          std::uintmax_t max_bytes) {
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (error || !fs::exists(status)) {
    throw ConfigError(fmt::format("{}: cannot open {}", path, what));
  }
  if (!fs::is_regular_file(status)) {
    throw ConfigError(
        fmt::format("{}: cannot open {}: not a regular file ({})", path, what,
                    fs::is_directory(status) ? "a folder" : "a device, pipe or socket"));
  }
  const std::uintmax_t size = fs::file_size(path, error);
  if (!error && size > max_bytes) {
    throw ConfigError(fmt::format("{}: cannot open {}: {} bytes, over the limit of {} MiB", path,
                                  what, size, max_bytes >> 20));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(fmt::format("{}: cannot open {}", path, what));
  // Read in chunks and stop past the limit: the file may have grown since the size check.
  std::string text;
  if (!error) text.reserve(static_cast<size_t>(size));
  char chunk[1 << 16];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    text.append(chunk, static_cast<size_t>(in.gcount()));
    if (text.size() > max_bytes) {
      throw ConfigError(
          fmt::format("{}: cannot open {}: over the limit of {} MiB", path, what, max_bytes >> 20));
    }
  }
  if (in.bad()) throw ConfigError(fmt::format("{}: cannot read {}", path, what));
  return text;
}

bool IsRegularFile(const std::string& path) {
  std::error_code error;
  return fs::is_regular_file(path, error);
}

bool PathExists(const std::string& path) {
  std::error_code error;
  return fs::exists(path, error);
}

std::vector<std::string> FilesWithExtension(const std::string& dir, const std::string& extension,
                                            const std::string& what) {
  std::error_code error;
  fs::directory_iterator it(dir, error);
  if (error) throw ConfigError(fmt::format("{}: cannot list {}: {}", dir, what, error.message()));
  std::vector<std::string> files;
  for (const fs::directory_entry& entry : it) {
    if (entry.is_regular_file() && entry.path().extension() == extension)
      files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace ringsim
