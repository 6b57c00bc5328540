#include "sim/parallel_for.h"

#include <algorithm>
#include <thread>
#include <vector>

namespace ringsim {

int DefaultJobs() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

void ParallelFor(int64_t count, int jobs, const std::function<void(int64_t, int)>& fn,
                 std::atomic<int64_t>* done) {
  std::atomic<int64_t> next{0};
  auto work = [&](int worker) {
    for (int64_t i = next++; i < count; i = next++) {
      fn(i, worker);
      if (done) ++*done;
    }
  };
  int threads = static_cast<int>(std::min<int64_t>(std::max(jobs, 1), std::max<int64_t>(count, 1)));
  if (threads <= 1) {
    work(0);
    return;
  }
  std::vector<std::thread> pool;
  for (int w = 0; w < threads; ++w) pool.emplace_back(work, w);
  for (std::thread& t : pool) t.join();
}

}  // namespace ringsim
