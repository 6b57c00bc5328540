#pragma once
// How `ringsim calibrate` and `ringsim rehearse` reach the GPU: the CUDA programs built in
// calibrate/ (micro_bench, attention_bench, attention_check, rehearse), found beside this
// binary, and run as child processes with their output in a log file. ringsim itself links no
// CUDA, so it builds and runs where there is no GPU.

#include <string>
#include <vector>

namespace ringsim {

/// The path of calibrate/`name`: $RINGSIM_CALIBRATE_BIN/name, else <this binary's
/// folder>/calibrate/name, else <this binary's folder>/name; "" if none is executable.
std::string FindCalibrateProgram(const std::string& name);

/// `arg` quoted for /bin/sh.
std::string ShellQuote(const std::string& arg);

/// Runs `program` with `args`, stdout and stderr into `log` (appended); returns its exit
/// status (-1 if it could not run or was killed).
int RunProgram(const std::string& program, const std::vector<std::string>& args,
               const std::string& log);

/// The reason in a "SKIP: no CUDA device (<reason>)" line of `log`, or "" if there is none.
std::string NoDeviceReasonInLog(const std::string& log);

/// The last `lines` lines of a file, joined with " | " (for one-line error messages).
std::string TailOfFile(const std::string& path, int lines);

/// $RINGSIM_GIT_SHA if set (a copy of the tree without .git, as on a device machine), else the
/// source tree's commit ("0123abcd4567", "-dirty" appended when tracked files differ from it),
/// or "" when it is not a git checkout or git is missing.
std::string SourceTreeGitSha();

/// A fresh folder under the system's temporary folder, named after `prefix`.
std::string MakeTempFolder(const std::string& prefix);

}  // namespace ringsim
