// ringsim sweep: one scenario under the cartesian product of --vary value lists, on
// several threads. One CSV row (or JSON object) per configuration, in a fixed order (the
// first --vary slowest), streamed as soon as the rows before it are done. A configuration
// the loader rejects (seq_len not divisible, ...) becomes a row with an error, not a stop.

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/mpi_world.h"
#include "cli/option_values.h"
#include "cli/output_format.h"
#include "cli/progress.h"
#include "cli/run_engine.h"
#include "cli/scenario_report.h"
#include "io/input_file.h"
#include "io/sweep.h"
#include "sim/config_error.h"
#include "sim/wire.h"

namespace ringsim {

namespace {

struct SweepOptions {
  std::string scenario;
  std::vector<std::string> vary;
  std::vector<std::string> overrides;
  int jobs = 0;  // 0: one per hardware thread
  std::string format = "csv";
  std::string engine = "analytical";
  bool progress = false;
};

std::string ReadText(const std::string& path) { return ReadInputFile(path); }

/// A --vary value as JSON: a number or boolean when it reads as one, else the text.
nlohmann::json ValueJson(const std::string& value) {
  nlohmann::json parsed = nlohmann::json::parse(value, nullptr, false);
  if (parsed.is_number() || parsed.is_boolean()) return parsed;
  return value;
}

/// What a worker leaves for the printer: the rendered result, or why there is none.
struct SweepRow {
  bool done = false;
  std::vector<Cell> cells;  ///< CSV: the result's cells under ResultTable's columns
  nlohmann::json result;    ///< JSON: the result object
  std::string error;        ///< empty when the configuration ran
  /// SweepPrinter::Render's text, made by the worker that ran the row (on this MPI rank or
  /// another): what the printer prints.
  std::string text;
};

/// Rows completed between wake-ups of the printer.
constexpr int64_t kPrintBatch = 256;

/// Prints rows in index order as they complete, holding them until one configuration has
/// run so that a sweep where everything fails prints nothing on stdout. Printed rows are freed, so
/// memory stays bounded on long sweeps.
class SweepPrinter {
 public:
  SweepPrinter(const std::vector<VaryAxis>& axes, OutputFormat format, int64_t count)
      : axes_(axes), format_(format), rows_(count), result_columns_(ResultTable().columns) {
    // The varied keys first, as given (text); a key that would repeat a result column
    // ("devices") gets "vary."; then the result's columns, then the error.
    std::set<std::string> result_keys;
    for (const Column& c : result_columns_) result_keys.insert(c.key);
    for (const VaryAxis& axis : axes_) {
      csv_.columns.push_back(
          {result_keys.count(axis.key) ? "vary." + axis.key : axis.key, Unit::kText});
      std::vector<std::string>& fields = vary_fields_.emplace_back();
      std::vector<nlohmann::json>& json = vary_json_.emplace_back();
      for (const std::string& value : axis.values) {
        fields.push_back(CsvField(value));
        json.push_back(ValueJson(value));
      }
    }
    for (const Column& c : result_columns_) {
      csv_.columns.push_back(c);
      if (c.show != Show::kHumanOnly) ++machine_result_columns_;
    }
    csv_.columns.push_back({"error", Unit::kText});
  }

  /// Called by workers.
  void Put(int64_t index, SweepRow row) {
    std::lock_guard<std::mutex> lock(mutex_);
    row.done = true;
    ++done_;
    if (row.error.empty()) {
      ++succeeded_;
    } else if (first_error_index_ < 0 || index < first_error_index_) {
      first_error_index_ = index;
      first_error_ = row.error;
    }
    rows_[index] = std::move(row);
    // Wake the printer for a batch, not for every row (a wake-up per row cost more than
    // rendering it); it also looks every 100 ms and once all rows are in.
    if (done_ % kPrintBatch == 0 || done_ == Count()) changed_.notify_all();
  }

  /// Prints everything printable now, waiting up to `wait` for something to print.
  void Drain(std::chrono::milliseconds wait) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait_for(lock, wait, [&] { return Printable(); });
    if (succeeded_ == 0) return;  // nothing to print until a result gives the columns
    if (!started_) Start();
    while (next_ < Count() && rows_[next_].done) {
      Print(rows_[next_]);
      rows_[next_] = SweepRow{true, {}, nlohmann::json(), "", ""};
      ++next_;
    }
    if (next_ == Count() && !finished_) {
      finished_ = true;
      if (format_ == OutputFormat::kJson) std::cout << "\n]\n";
      std::cout.flush();
    }
  }

  int64_t Succeeded() {
    std::lock_guard<std::mutex> lock(mutex_);
    return succeeded_;
  }
  /// The error of the lowest-numbered configuration that failed.
  std::string FirstError() {
    std::lock_guard<std::mutex> lock(mutex_);
    return first_error_;
  }

  /// What Drain prints for configuration `index`: a CSV line, or a JSON array entry with
  /// the separator before it. Reads only what the constructor set, so workers call it.
  std::string Render(int64_t index, SweepRow& row) const {
    const std::vector<size_t> positions = SweepPositions(axes_, index);
    if (format_ == OutputFormat::kJson) {
      nlohmann::json vary = nlohmann::json::object();
      for (size_t a = 0; a < axes_.size(); ++a) {
        vary[axes_[a].key] = vary_json_[a][positions[a]];
      }
      nlohmann::json entry = {{"index", index}, {"vary", vary}};
      entry["error"] = row.error.empty() ? nlohmann::json() : nlohmann::json(row.error);
      entry["result"] = std::move(row.result);
      return (index > 0 ? ",\n" : "\n") + JsonText(entry);
    }
    // The header's columns: the varied values, the result's machine cells (empty where the
    // configuration failed), the error.
    std::string line;
    line.reserve(1024);
    for (size_t a = 0; a < axes_.size(); ++a) {
      if (a) line += ',';
      line += vary_fields_[a][positions[a]];
    }
    line += ',';
    if (row.error.empty()) {
      AppendCsvFields(line, result_columns_, row.cells);
      line += ",\n";
    } else {
      line.append(machine_result_columns_, ',');
      line += CsvField(row.error);
      line += '\n';
    }
    return line;
  }

 private:
  int64_t Count() const { return static_cast<int64_t>(rows_.size()); }
  bool Printable() const {
    return next_ < Count() && rows_[next_].done && (succeeded_ > 0 || done_ == Count());
  }

  void Start() {
    started_ = true;
    if (format_ == OutputFormat::kJson) {
      std::cout << "[";
      return;
    }
    std::cout << CsvHeaderLine(csv_);
  }

  void Print(const SweepRow& row) { std::cout << row.text; }

  const std::vector<VaryAxis>& axes_;
  OutputFormat format_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<SweepRow> rows_;
  std::vector<Column> result_columns_;                  ///< ResultTable's
  int64_t machine_result_columns_ = 0;                  ///< those CSV shows
  std::vector<std::vector<std::string>> vary_fields_;   ///< per axis, each value as a CSV field
  std::vector<std::vector<nlohmann::json>> vary_json_;  ///< per axis, each value as JSON
  Table csv_;                                           ///< the CSV columns
  int64_t done_ = 0;
  int64_t succeeded_ = 0;
  int64_t first_error_index_ = -1;
  std::string first_error_;
  int64_t next_ = 0;
  bool started_ = false;
  bool finished_ = false;
};

/// Runs configuration `index` into a row (an error row when it cannot run). `result` is the
/// worker's ResultTable, made once (its columns are the same for every row).
SweepRow EvaluateRow(const SweepScenarioBuilder& builder, Table& result, int64_t index,
                     EngineKind engine, OutputFormat format) {
  SweepRow row;
  try {
    const Scenario& scenario = builder.Build(index);
    const EngineOutput run = RunEngine(scenario, engine, false);
    if (format == OutputFormat::kCsv) {
      row.cells = ResultCells(scenario, run.result);  // no JSON-only fields to build
    } else {
      result.rows.clear();
      result.json_extra.clear();
      AddResultRow(result, scenario, run.result, run.engine_details);
      row.result = RowJson(result, 0);
    }
  } catch (const ConfigError& e) {
    row.error = e.what();
  } catch (const std::exception& e) {
    row.error = std::string("internal error: ") + e.what();
  }
  row.error = EscapeControlCharacters(row.error);  // one line per row
  return row;
}

/// Rows of one MPI message: for each, its error and its rendered text (sim/wire.h).
std::string PackRows(const std::vector<SweepRow>& rows) {
  WireWriter w;
  for (const SweepRow& row : rows) {
    w.Field(row.error);
    w.Field(row.text);
  }
  return std::move(w.data());
}

std::vector<SweepRow> UnpackRows(const std::string& packed) {
  std::vector<SweepRow> rows;
  WireReader r(packed);
  while (!r.AtEnd()) {
    SweepRow row;
    r.Field(row.error);
    r.Field(row.text);
    rows.push_back(std::move(row));
  }
  return rows;
}

/// Configurations per MPI message: chunk c of the sweep runs on rank c mod K.
constexpr int64_t kMpiChunk = 1024;

/// The sweep split over the ranks of an MPI job: each rank runs its chunks (on its threads)
/// in order and sends them, rendered, to rank 0, which prints every row in order, as one
/// process would. Returns on rank 0 once all rows are printed; elsewhere once all are sent.
void RunMpiChunks(const MpiWorld& world, int64_t count, int jobs,
                  const std::function<SweepRow(int64_t, int)>& evaluate, SweepPrinter& printer,
                  ProgressBar* bar) {
  const int64_t chunks = (count + kMpiChunk - 1) / kMpiChunk;
  auto run_chunk = [&](int64_t c) {
    const int64_t first = c * kMpiChunk, size = std::min(kMpiChunk, count - first);
    std::vector<SweepRow> rows(static_cast<size_t>(size));
    ParallelFor(size, jobs, [&](int64_t i, int worker) { rows[i] = evaluate(first + i, worker); });
    return rows;
  };
  int64_t done = 0;
  for (int64_t c = 0; c < chunks; ++c) {
    const int owner = static_cast<int>(c % world.size);
    if (world.rank != 0) {
      if (owner != world.rank) continue;
      SendText(0, PackRows(run_chunk(c)));  // rows rendered by `evaluate`
      continue;
    }
    std::vector<SweepRow> rows = owner == 0 ? run_chunk(c) : UnpackRows(ReceiveText(owner));
    for (size_t i = 0; i < rows.size(); ++i) {
      printer.Put(c * kMpiChunk + static_cast<int64_t>(i), std::move(rows[i]));
    }
    done += static_cast<int64_t>(rows.size());
    printer.Drain(std::chrono::milliseconds(0));
    if (bar) bar->Update(done);
  }
}

void RunSweep(const SweepOptions& opt) {
  std::vector<VaryAxis> axes = ParseVaryAxes(opt.vary);
  const int64_t count = SweepSize(axes);
  const std::string text = ReadText(opt.scenario);
  // Reads the document and the --set overrides once here, so their errors stop the sweep;
  // the first worker builds with it.
  auto first_builder =
      std::make_unique<SweepScenarioBuilder>(text, opt.scenario, opt.overrides, axes);
  int jobs = opt.jobs > 0 ? opt.jobs : DefaultJobs();
  const EngineKind engine = EngineByName(opt.engine, "--engine");
  if (engine == EngineKind::kSimGrid && jobs > 1) {
    jobs = 1;  // the SimGrid engine is one simulation at a time per process
    if (opt.jobs > 1) std::fprintf(stderr, "ringsim: sweep: --engine simgrid runs with --jobs 1\n");
  }
  const OutputFormat format = ParseFormat(opt.format);

  SweepPrinter printer(axes, format, count);
  std::vector<std::unique_ptr<SweepScenarioBuilder>> builders(jobs);
  builders[0] = std::move(first_builder);
  std::vector<Table> tables(jobs, ResultTable());
  auto evaluate = [&](int64_t index, int worker) {
    if (!builders[worker]) {
      builders[worker] =
          std::make_unique<SweepScenarioBuilder>(text, opt.scenario, opt.overrides, axes);
    }
    SweepRow row = EvaluateRow(*builders[worker], tables[worker], index, engine, format);
    // Rendered here, on the worker's thread, so that the printer only writes.
    row.text = printer.Render(index, row);
    return row;
  };

  const MpiWorld& world = World();
  if (world.active && world.size > 1) {
    std::unique_ptr<ProgressBar> bar;
    if (world.rank == 0) {
      bar =
          std::make_unique<ProgressBar>("sweep", count, ProgressWanted(opt.progress), opt.progress);
    }
    RunMpiChunks(world, count, jobs, evaluate, printer, bar.get());
    if (world.rank != 0) return;  // rank 0 prints and says how it went
    bar->Finish(count);
  } else {
    std::atomic<int64_t> done{0};
    std::thread runner([&] {
      ParallelFor(
          count, jobs,
          [&](int64_t index, int worker) { printer.Put(index, evaluate(index, worker)); }, &done);
    });
    ProgressBar bar("sweep", count, ProgressWanted(opt.progress), opt.progress);
    // The runner must be joined before anything leaves this function: an exception past a
    // joinable std::thread is std::terminate (SIGABRT), not a one-line error.
    std::exception_ptr failure;
    try {
      while (done.load() < count) {
        printer.Drain(std::chrono::milliseconds(100));
        bar.Update(done.load());
      }
    } catch (...) {
      failure = std::current_exception();
    }
    runner.join();
    if (failure) std::rethrow_exception(failure);
    printer.Drain(std::chrono::milliseconds(0));
    bar.Finish(done.load());
  }

  int64_t failed = count - printer.Succeeded();
  if (failed == count) {
    throw ConfigError(count == 1 ? printer.FirstError()
                                 : fmt::format("sweep: all {} configurations failed; the first: {}",
                                               count, printer.FirstError()));
  }
  // The rows that ran are printed; the exit code still says that some did not (2, as for
  // any bad input), so a script cannot take a partial sweep for a whole one.
  if (failed > 0) {
    std::cout.flush();
    throw ConfigError(fmt::format("sweep: {} of {} configurations failed (see the error {})",
                                  failed, count,
                                  format == OutputFormat::kJson ? "field" : "column"));
  }
}

}  // namespace

void AddSweepCommand(CLI::App& app) {
  auto opt = std::make_shared<SweepOptions>();
  CLI::App* cmd = app.add_subcommand(
      "sweep", "Run a scenario over the cartesian product of --vary lists, on all cores");
  cmd->add_option("scenario", opt->scenario, "Scenario YAML (see scenarios/)")->required();
  cmd->add_option("--vary", opt->vary,
                  "key=v1,v2,... : a scenario key and its values, e.g. "
                  "--vary workload.seq_len=65536,131072 (repeatable; the first varies slowest; "
                  "values cannot contain commas); keys joined by '+' vary together, e.g. "
                  "--vary devices+workload.seq_len=8+64K,16+128K (weak scaling)")
      ->required();
  cmd->add_option("--set", opt->overrides, "Override a scenario key for every configuration");
  cmd->add_option("--jobs,-j", opt->jobs, "Threads (default: one per hardware thread)")
      ->check(WholeNumber(1, kMaxJobs));
  AddFormatOption(cmd, opt->format, {"csv", "json"},
                  "csv: one row per configuration, the varied keys first (\"vary.KEY\" where "
                  "KEY is also a result column), then the simulate fields, then error; json: "
                  "an array of {index, vary, error, result}");
  cmd->add_option("--engine", opt->engine, "analytical (closed form) or simgrid (replay)")
      ->check(CLI::IsMember({"analytical", "simgrid"}));
  cmd->add_flag("--progress", opt->progress,
                "Draw the progress bar on stderr even when it is not a terminal");
  cmd->callback([opt] { RunSweep(*opt); });
}

}  // namespace ringsim
