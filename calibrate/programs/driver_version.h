#pragma once
// Host-only (no CUDA headers), so that the CPU tests can check it.

#include <cctype>
#include <sstream>
#include <string>

namespace ringsim::calibrate {

/// The driver version in /proc/driver/nvidia/version's first line: the first token after
/// "Kernel Module" made of digits and dots. The open module's line reads "NVRM version: NVIDIA
/// UNIX Open Kernel Module for x86_64  580.159.04  Release Build ...", so the token right
/// after the mark is "for" (an H100 run recorded that as the driver); "" if there is none.
inline std::string DriverVersionFromProcLine(const std::string& line) {
  const std::string mark = "Kernel Module";
  const size_t at = line.find(mark);
  if (at == std::string::npos) return "";
  std::istringstream rest(line.substr(at + mark.size()));
  for (std::string token; rest >> token;) {
    const bool version_shaped = std::isdigit(static_cast<unsigned char>(token[0])) &&
                                token.find_first_not_of("0123456789.") == std::string::npos;
    if (version_shaped) return token;
  }
  return "";
}

}  // namespace ringsim::calibrate
