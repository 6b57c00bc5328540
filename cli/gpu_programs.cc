#include "cli/gpu_programs.h"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>

#include "sim/config_error.h"

namespace ringsim {

namespace fs = std::filesystem;

namespace {

bool Executable(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec) && access(p.c_str(), X_OK) == 0;
}

// The first line a shell command prints, or "" (for git).
std::string FirstLine(const std::string& command) {
  std::FILE* p = popen((command + " 2>/dev/null").c_str(), "r");
  if (p == nullptr) return "";
  std::array<char, 256> buf{};
  std::string line;
  if (std::fgets(buf.data(), static_cast<int>(buf.size()), p) != nullptr) line = buf.data();
  if (pclose(p) != 0) return "";
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  return line;
}

}  // namespace

std::string FindCalibrateProgram(const std::string& name) {
  std::vector<fs::path> candidates;
  if (const char* dir = std::getenv("RINGSIM_CALIBRATE_BIN"))
    candidates.push_back(fs::path(dir) / name);
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    candidates.push_back(self.parent_path() / "calibrate" / name);
    candidates.push_back(self.parent_path() / name);
  }
  for (const fs::path& p : candidates)
    if (Executable(p)) return p.string();
  return "";
}

std::string ShellQuote(const std::string& arg) {
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

int RunProgram(const std::string& program, const std::vector<std::string>& args,
               const std::string& log) {
  std::string command = ShellQuote(program);
  for (const std::string& a : args) command += " " + ShellQuote(a);
  {
    std::ofstream f(log, std::ios::app);
    f << "$ " << command << "\n";
  }
  std::fflush(nullptr);
  const int status = std::system((command + " >>" + ShellQuote(log) + " 2>&1").c_str());
  if (status == -1 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

std::string NoDeviceReasonInLog(const std::string& log) {
  std::ifstream f(log);
  const std::string mark = "SKIP: no CUDA device (";
  for (std::string line; std::getline(f, line);) {
    const size_t at = line.find(mark);
    if (at == std::string::npos) continue;
    std::string reason = line.substr(at + mark.size());
    if (!reason.empty() && reason.back() == ')') reason.pop_back();
    return reason;
  }
  return "";
}

std::string TailOfFile(const std::string& path, int lines) {
  std::ifstream f(path);
  std::deque<std::string> last;
  for (std::string line; std::getline(f, line);) {
    if (line.empty()) continue;
    last.push_back(line);
    if (static_cast<int>(last.size()) > lines) last.pop_front();
  }
  std::string out;
  for (const std::string& l : last) out += (out.empty() ? "" : " | ") + l;
  return out;
}

std::string SourceTreeGitSha() {
  if (const char* given = std::getenv("RINGSIM_GIT_SHA"); given != nullptr && given[0] != '\0')
    return given;
  const std::string dir = ShellQuote(RINGSIM_DATA_DIR);
  std::string sha = FirstLine("git -C " + dir + " rev-parse --short=12 HEAD");
  if (sha.empty()) return "";
  const std::string dirty =
      FirstLine("git -C " + dir + " status --porcelain --untracked-files=no | head -1");
  return dirty.empty() ? sha : sha + "-dirty";
}

std::string MakeTempFolder(const std::string& prefix) {
  std::string pattern = (fs::temp_directory_path() / (prefix + "-XXXXXX")).string();
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr)
    throw ConfigError(fmt::format("cannot make a temporary folder like {}", pattern));
  return buf.data();
}

}  // namespace ringsim
