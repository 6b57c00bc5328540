// Configurations per CPU-second of a 20 736-configuration sweep of the 7B scenario (8-device
// rings; nine --vary axes: lengths, variants, batch, checkpointing, four GPUs, loss,
// precision, three implementations, causal), on one thread: end to end, as the CLI runs it
// (`ringsim sweep --jobs 1 --format csv`, its CPU time with start-up and CSV writing), and
// in-process, measured in one run: scenarios built from each configuration's document (what
// sweep did before drafts), built from drafts (what it does now), and the analytical
// evaluation alone. Prints numbers; it is a benchmark, not a pass/fail test.

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <sstream>
#include <vector>

#include "io/sweep.h"
#include "sim/config_error.h"
#include "sim/evaluate.h"

namespace {

using namespace ringsim;

double CpuSeconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

const std::vector<std::string> kVary = {"workload.seq_len=32768,65536,131072,262144,524288,1048576",
                                        "parallel.variant=ring,striped,zigzag",
                                        "workload.batch=1,2,3,4",
                                        "workload.checkpointing=none,selective,full",
                                        "hardware=a100-sxm-80g,h100-sxm,h200,b200",
                                        "workload.loss=full,chunked",
                                        "workload.precision=bf16,fp8",
                                        "implementation=ringsim,ring-flash-attn,transformer-engine",
                                        "workload.causal=true,false"};

// Step time (0 for a configuration the loader refuses), so the work cannot be optimised away.
double Run(const SweepScenarioBuilder& builder, int64_t index, double* evaluate_s,
           int64_t* evaluated) {
  const Scenario* scenario = nullptr;
  try {
    scenario = &builder.Build(index);
  } catch (const ConfigError&) {
    return 0;
  }
  ++*evaluated;
  const double start = CpuSeconds();
  const double step_s = EvaluateScenario(*scenario).estimate.step_time_s;
  *evaluate_s += CpuSeconds() - start;
  return step_s;
}

double ChildrenCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_CHILDREN, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + 1e-6 * t.tv_usec; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// CPU seconds (user + system) of one `ringsim sweep --jobs 1` over kVary, its CSV to
// /dev/null; negative if it could not run. Its exit code is 2: the A100 has no FP8 rows.
double CliSweepCpuSeconds(const std::string& scenario) {
  std::vector<std::string> args = {RINGSIM_CLI, "sweep",    scenario, "--jobs",
                                   "1",         "--format", "csv"};
  for (const std::string& vary : kVary) {
    args.push_back("--vary");
    args.push_back(vary);
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const double before = ChildrenCpuSeconds();
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) > 2) return -1;
  return ChildrenCpuSeconds() - before;
}

}  // namespace

int main() {
  const std::string path = std::string(RINGSIM_DATA_DIR) + "/scenarios/llama7b-8xa100-256k.yaml";
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const std::vector<VaryAxis> axes = ParseVaryAxes(kVary);
  const int64_t count = SweepSize(axes);
  fmt::print("sweep benchmark: {} configurations of {}, one thread\n", count, path);
  // End to end: three runs of the CLI, the median reported (the machine's noise shows in the
  // spread).
  std::vector<double> cli_s;
  for (int run = 0; run < 3; ++run) cli_s.push_back(CliSweepCpuSeconds(path));
  std::sort(cli_s.begin(), cli_s.end());
  if (cli_s[0] < 0) {
    fmt::print("  end to end: {} sweep did not run\n", RINGSIM_CLI);
  } else {
    fmt::print(
        "  {:<38} {:>8.0f} configurations per CPU-second ({:.1f} us each; CPU {:.3f} s, "
        "runs {:.3f} / {:.3f} / {:.3f} s)\n",
        "end to end (ringsim sweep --jobs 1):", count / cli_s[1], 1e6 * cli_s[1] / count, cli_s[1],
        cli_s[0], cli_s[1], cli_s[2]);
  }
  double evaluate_s = 0, checksum = 0;
  int64_t evaluated = 0;
  for (bool from_document : {true, false}) {
    const SweepScenarioBuilder builder(text.str(), path, {}, axes, from_document);
    evaluate_s = 0;
    checksum = 0;
    evaluated = 0;
    const double start = CpuSeconds();
    for (int64_t i = 0; i < count; ++i) checksum += Run(builder, i, &evaluate_s, &evaluated);
    const double total_s = CpuSeconds() - start;
    fmt::print(
        "  {:<38} {:>8.0f} configurations per CPU-second ({:.1f} us each; checksum {:.6g})\n",
        from_document ? "built from documents + evaluated:" : "built from drafts + evaluated:",
        count / total_s, 1e6 * total_s / count, checksum);
  }
  // The evaluation alone, timed around each call in the last pass (clock() counts
  // microseconds here; the sum over the configurations that load is what counts).
  fmt::print("  {:<38} {:>8.0f} configurations per CPU-second ({:.1f} us each, {} that load)\n",
             "evaluated only (analytical engine):", evaluated / evaluate_s,
             1e6 * evaluate_s / evaluated, evaluated);
  return 0;
}
