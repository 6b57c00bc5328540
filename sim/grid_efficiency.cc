#include "sim/grid_efficiency.h"

#include <algorithm>
#include <functional>
#include <queue>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace ringsim {
namespace {

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Inner-loop iterations of the CTA owning grid block `block`. The causal mask is aligned at
// the bottom right: query i sees keys up to i + (k - q).
int64_t BlockWork(const PassTiling& t, const LaunchGrid& l, int64_t block) {
  const int64_t offset = l.k_tokens - l.q_tokens;
  if (t.grid_over_query) {
    if (!l.causal) return CeilDiv(l.k_tokens, t.inner_tile_tokens);
    const int64_t last_key = std::min(l.k_tokens, (block + 1) * t.grid_tile_tokens + offset);
    return std::max<int64_t>(0, CeilDiv(last_key, t.inner_tile_tokens));
  }
  if (!l.causal) return CeilDiv(l.q_tokens, t.inner_tile_tokens);
  const int64_t first_query = std::max<int64_t>(0, block * t.grid_tile_tokens - offset);
  return std::max<int64_t>(0, CeilDiv(l.q_tokens - first_query, t.inner_tile_tokens));
}

// Above this many CTAs (about 30 waves) the last wave is a small part of a causal launch:
// the bound below is within about 1% of the schedule, and long sequences stay cheap to price.
constexpr int64_t kScheduledCtas = 4096;

double Schedule(const PassTiling& tiling, const LaunchGrid& launch, int64_t sm_count);

// Sweeps and plans price the same few launch shapes over and over: remember them per thread.
struct Key {
  int64_t grid_tile, inner_tile, q, k, heads_x_batch, sms;
  bool over_query, causal, backward;
  bool operator==(const Key& o) const {
    return std::tie(grid_tile, inner_tile, q, k, heads_x_batch, sms, over_query, causal,
                    backward) == std::tie(o.grid_tile, o.inner_tile, o.q, o.k, o.heads_x_batch,
                                          o.sms, o.over_query, o.causal, o.backward);
  }
};
struct KeyHash {
  size_t operator()(const Key& k) const {
    size_t h = std::hash<int64_t>()(k.q);
    for (int64_t v : {k.k, k.heads_x_batch, k.sms, k.grid_tile, k.inner_tile})
      h = h * 1000003u ^ std::hash<int64_t>()(v);
    return h * 8u + (k.over_query ? 4u : 0u) + (k.causal ? 2u : 0u) + (k.backward ? 1u : 0u);
  }
};
constexpr size_t kRemembered = 1 << 14;

}  // namespace

double GridEfficiency(const PassTiling& tiling, const LaunchGrid& launch, int64_t sm_count) {
  thread_local std::unordered_map<Key, double, KeyHash> remembered;
  const Key key{tiling.grid_tile_tokens, tiling.inner_tile_tokens,
                launch.q_tokens,         launch.k_tokens,
                launch.heads_x_batch,    sm_count,
                tiling.grid_over_query,  launch.causal,
                launch.backward};
  const auto it = remembered.find(key);
  if (it != remembered.end()) return it->second;
  if (remembered.size() >= kRemembered) remembered.clear();
  const double busy = Schedule(tiling, launch, sm_count);
  remembered.emplace(key, busy);
  return busy;
}

namespace {

double Schedule(const PassTiling& tiling, const LaunchGrid& launch, int64_t sm_count) {
  if (sm_count <= 0 || tiling.grid_tile_tokens <= 0 || tiling.inner_tile_tokens <= 0 ||
      launch.q_tokens <= 0 || launch.k_tokens <= 0 || launch.heads_x_batch <= 0) {
    return 1.0;
  }
  const int64_t grid_tokens = tiling.grid_over_query ? launch.q_tokens : launch.k_tokens;
  const int64_t blocks = CeilDiv(grid_tokens, tiling.grid_tile_tokens);
  std::vector<int64_t> work(static_cast<size_t>(blocks));
  int64_t per_head = 0, largest = 0;
  for (int64_t b = 0; b < blocks; ++b) {
    work[static_cast<size_t>(b)] = BlockWork(tiling, launch, b);
    per_head += work[static_cast<size_t>(b)];
    largest = std::max(largest, work[static_cast<size_t>(b)]);
  }
  if (per_head == 0) return 1.0;
  const double total = static_cast<double>(per_head) * static_cast<double>(launch.heads_x_batch);
  const double sms = static_cast<double>(sm_count);
  const int64_t ctas = blocks * launch.heads_x_batch;
  if (!launch.causal) {
    // Equal CTAs: whole waves, the last one partly filled.
    const int64_t waves = CeilDiv(ctas, sm_count);
    return static_cast<double>(ctas) / static_cast<double>(waves * sm_count);
  }
  if (ctas > kScheduledCtas) {
    // List scheduling ends within one largest CTA of the balanced time.
    const double balanced = total / sms;
    return balanced / (balanced + 0.5 * static_cast<double>(largest));
  }
  std::priority_queue<int64_t, std::vector<int64_t>, std::greater<int64_t>> free_at;
  for (int64_t s = 0; s < sm_count; ++s) free_at.push(0);
  int64_t makespan = 0;
  for (int64_t h = 0; h < launch.heads_x_batch; ++h) {
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t start = free_at.top();
      free_at.pop();
      const int64_t end = start + work[static_cast<size_t>(b)];
      makespan = std::max(makespan, end);
      free_at.push(end);
    }
  }
  return total / (sms * static_cast<double>(makespan));
}

}  // namespace
}  // namespace ringsim
