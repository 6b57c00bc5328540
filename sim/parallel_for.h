#pragma once
// A small parallel loop for sweeps and plans: indices handed out to worker threads.

#include <atomic>
#include <cstdint>
#include <functional>

namespace ringsim {

/// Default --jobs: the hardware threads, at least 1.
int DefaultJobs();

/// Calls fn(index, worker) for every index in [0, count) on `jobs` threads (worker is
/// 0..jobs-1; jobs <= 1 runs on the calling thread). Indices are handed out in increasing
/// order; each is run exactly once. `done`, when given, counts finished calls (for a
/// progress display on another thread). `fn` must not throw.
void ParallelFor(int64_t count, int jobs, const std::function<void(int64_t, int)>& fn,
                 std::atomic<int64_t>* done = nullptr);

}  // namespace ringsim
