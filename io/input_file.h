#pragma once
// Reading an input file (scenario, hardware profile, calibration, implementation, CSV, JSON)
// whole: only a regular file, and only up to a size limit, so that `hardware: /dev/zero`, a
// FIFO or a folder is a one-line error instead of a hang or a bad_alloc.

#include <cstdint>
#include <string>
#include <vector>

namespace ringsim {

/// The largest input file ringsim reads (64 MiB): every shipped file is under 1 MB.
inline constexpr std::uintmax_t kMaxInputFileBytes = std::uintmax_t{64} << 20;
/// The largest trace `report` reads (512 MiB): a SimGrid trace holds up to 2 000 000 slices
/// and flows of about 150 bytes each.
inline constexpr std::uintmax_t kMaxTraceFileBytes = std::uintmax_t{512} << 20;

/// The whole text of the file at `path`. A missing or unreadable file is the ConfigError
/// "PATH: cannot open WHAT"; a device, FIFO or folder is "PATH: not a regular file"; a file over
/// `max_bytes` names the limit.
std::string ReadInputFile(const std::string& path, const std::string& what = "file",
                          std::uintmax_t max_bytes = kMaxInputFileBytes);

/// Whether `path` names a regular file; never throws (a name too long for the file system is
/// simply not a file).
bool IsRegularFile(const std::string& path);

/// Whether anything exists at `path`; never throws.
bool PathExists(const std::string& path);

/// The regular files in folder `dir` whose name ends in `extension` (".yaml"), full paths,
/// sorted. A folder that cannot be listed is the ConfigError "DIR: cannot list WHAT: why".
std::vector<std::string> FilesWithExtension(const std::string& dir, const std::string& extension,
                                            const std::string& what);

}  // namespace ringsim
