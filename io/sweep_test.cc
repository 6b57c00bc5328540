#include "io/sweep.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>

#include "sim/config_error.h"

namespace ringsim {
namespace {

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Sweep, ParsesVaryOptions) {
  VaryAxis axis = ParseVary("workload.seq_len=4096, 8192,16384");
  EXPECT_EQ(axis.key, "workload.seq_len");
  EXPECT_EQ(axis.values, (std::vector<std::string>{"4096", "8192", "16384"}));
  EXPECT_EQ(ParseVary("parallel.variant=zigzag").values, std::vector<std::string>{"zigzag"});
}

TEST(Sweep, VaryErrorsNameTheOption) {
  EXPECT_EQ(ErrorOf([] { ParseVary("devices"); }),
            "--vary devices: expected key=v1,v2,..., e.g. workload.seq_len=65536,131072");
  EXPECT_EQ(ErrorOf([] { ParseVary("=1,2"); }),
            "--vary =1,2: expected key=v1,v2,..., e.g. workload.seq_len=65536,131072");
  EXPECT_EQ(ErrorOf([] { ParseVary("devices=4,,8"); }),
            "--vary devices=4,,8: empty value in the list; expected key=v1,v2,... (values "
            "cannot contain commas)");
  EXPECT_EQ(ErrorOf([] {
              ParseVaryAxes({"devices=4", "devices=8"});
            }),
            "--vary devices=8: key 'devices' is varied twice; give all its values in one --vary");
}

TEST(Sweep, ProductOrderIsNestedLoops) {
  std::vector<VaryAxis> axes = {{"a", {"1", "2"}}, {"b", {"x", "y", "z"}}};
  ASSERT_EQ(SweepSize(axes), 6);
  EXPECT_EQ(SweepValues(axes, 0), (std::vector<std::string>{"1", "x"}));
  EXPECT_EQ(SweepValues(axes, 1), (std::vector<std::string>{"1", "y"}));
  EXPECT_EQ(SweepValues(axes, 3), (std::vector<std::string>{"2", "x"}));
  EXPECT_EQ(SweepValues(axes, 5), (std::vector<std::string>{"2", "z"}));
  EXPECT_EQ(SweepSize({}), 1);
}

TEST(Sweep, RefusesHugeProducts) {
  std::vector<std::string> thousand;
  for (int i = 0; i < 1000; ++i) thousand.push_back(std::to_string(i + 1));
  std::vector<VaryAxis> axes = {{"a", thousand}, {"b", thousand}, {"c", thousand}};
  EXPECT_EQ(ErrorOf([&] { SweepSize(axes); }),
            "--vary: the product of the value lists has more than 10000000 configurations; "
            "split the sweep");
}

TEST(Sweep, ParallelForRunsEachIndexOnce) {
  for (int jobs : {1, 3}) {
    std::mutex mutex;
    std::multiset<int64_t> seen;
    std::set<int> workers;
    std::atomic<int64_t> done{0};
    ParallelFor(
        100, jobs,
        [&](int64_t i, int worker) {
          std::lock_guard<std::mutex> lock(mutex);
          seen.insert(i);
          workers.insert(worker);
        },
        &done);
    EXPECT_EQ(seen.size(), 100u);
    EXPECT_EQ(std::set<int64_t>(seen.begin(), seen.end()).size(), 100u);
    EXPECT_EQ(done.load(), 100);
    EXPECT_LE(static_cast<int>(workers.size()), jobs);
    EXPECT_GE(*workers.begin(), 0);
  }
  ParallelFor(0, 4, [](int64_t, int) { FAIL(); });
}

const char* kScenario =
    R"(model: {layers: 2, hidden: 256, heads: 4, kv_heads: 2, ffn_hidden: 1024, vocab: 1000}
hardware: paper-a100-nvlink
devices: 4
workload: {seq_len: 4096}
)";

TEST(Sweep, BuilderAppliesValuesLikeSet) {
  std::vector<VaryAxis> axes =
      ParseVaryAxes({"parallel.variant=ring,zigzag", "workload.seq_len=4096,4100"});
  SweepScenarioBuilder builder(kScenario, "S.yaml", {"workload.batch=2"}, axes);
  Scenario s = builder.Build(2);  // zigzag, 4096
  EXPECT_EQ(s.parallel.variant, RingVariant::kZigzag);
  EXPECT_EQ(s.workload.seq_len, 4096);
  EXPECT_EQ(s.workload.batch, 2);
  EXPECT_EQ(builder.Build(1).workload.seq_len, 4100);  // ring: 4100 = 4 x 1025 is fine
  EXPECT_EQ(ErrorOf([&] { builder.Build(3); }),
            "--vary workload.seq_len: seq_len 4100 is not divisible by 8 (zigzag needs 2 x 4 "
            "devices)");
}

TEST(Sweep, BuilderNamesVaryForUnknownKeys) {
  SweepScenarioBuilder builder(kScenario, "S.yaml", {}, ParseVaryAxes({"workload.seq_lenn=1"}));
  EXPECT_EQ(ErrorOf([&] { builder.Build(0); }),
            "--vary workload.seq_lenn: unknown key 'seq_lenn'; did you mean 'seq_len'?");
}

}  // namespace
}  // namespace ringsim

namespace ringsim {
namespace {

TEST(Sweep, KeysJoinedByPlusVaryTogether) {
  // Weak scaling: devices and length together (3 configurations, not 9), times 2 variants.
  const std::vector<VaryAxis> axes = ParseVaryAxes(
      {"devices+workload.seq_len=8+64K,16+128K,32+256K", "parallel.variant=ring,zigzag"});
  ASSERT_EQ(axes.size(), 3u);
  EXPECT_FALSE(axes[0].zipped_with_previous);
  EXPECT_TRUE(axes[1].zipped_with_previous);
  EXPECT_EQ(axes[1].values, (std::vector<std::string>{"64K", "128K", "256K"}));
  EXPECT_EQ(SweepSize(axes), 6);
  EXPECT_EQ(SweepValues(axes, 0), (std::vector<std::string>{"8", "64K", "ring"}));
  EXPECT_EQ(SweepValues(axes, 3), (std::vector<std::string>{"16", "128K", "zigzag"}));
  EXPECT_EQ(SweepValues(axes, 4), (std::vector<std::string>{"32", "256K", "ring"}));
  // The zipped group last: it varies fastest, as one axis.
  const std::vector<VaryAxis> last =
      ParseVaryAxes({"parallel.variant=ring,zigzag", "devices+parallel.context=8+8,16+16"});
  EXPECT_EQ(SweepSize(last), 4);
  EXPECT_EQ(SweepValues(last, 1), (std::vector<std::string>{"ring", "16", "16"}));
}

TEST(Sweep, ZippedValuesNeedOnePartPerKey) {
  auto error = [](const std::string& text) {
    try {
      ParseVaryAxes({text});
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(error("devices+workload.seq_len=8+64K,16"),
            "--vary devices+workload.seq_len=8+64K,16: value '16' has 1 part(s) for 2 keys; give "
            "one per key, joined by '+'");
  EXPECT_NE(error("devices+=8+8").find("empty key"), std::string::npos);
  EXPECT_NE(error("devices+devices=8+8").find("varied twice"), std::string::npos);
}

}  // namespace
}  // namespace ringsim
