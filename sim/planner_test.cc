#include "sim/planner.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <tuple>

#include "sim/schedule.h"

namespace ringsim {
namespace {

/// Round-number GPUs: 80 GB, 1 PFLOP/s, 8 per node on a 100 GB/s link, 10 GB/s between nodes.
HardwareSpec ToyGpu(const std::string& name = "toy") {
  HardwareSpec hw;
  hw.name = name;
  hw.kind = "gpu";
  hw.peak_bf16_flops_per_s = 1e15;
  hw.peak_fp32_flops_per_s = 1e15;
  hw.hbm_bytes = 80e9;
  hw.hbm_bw_bytes_per_s = 2e12;
  hw.devices_per_node = 8;
  hw.intra_node = {"fast", 100e9, 1e-6, "", ""};
  hw.inter_node = {"slow", 10e9, 5e-6, "", ""};
  return hw;
}

PlanRequest Request(const std::string& model, int64_t context, int64_t max_devices) {
  PlanRequest req;
  req.model = *FindModelPreset(model);
  req.context_tokens = context;
  req.hardware = {ToyGpu()};
  req.max_devices = max_devices;
  return req;
}

TEST(Planner, CostPerMillionTokens) {
  // 2 USD/device-hour x 8 devices = 16 USD/h = 1/225 USD/s; at 1000 tokens/s, 1e6 tokens
  // take 1000 s: 4.444... USD.
  EXPECT_NEAR(CostPerMillionTokens(2.0, 8, 1000), 1000.0 / 225.0, 1e-12);
  EXPECT_EQ(CostPerMillionTokens(-1, 8, 1000), -1);
  EXPECT_EQ(CostPerMillionTokens(2.0, 8, 0), -1);
}

TEST(Planner, EveryCandidateFitsAndIsValid) {
  PlanSearch search = SearchPlans(Request("llama-7b", 262144, 64));
  ASSERT_FALSE(search.candidates.empty());
  EXPECT_TRUE(search.closest.empty());
  for (const PlanCandidate& c : search.candidates) {
    const Scenario& s = c.scenario;
    EXPECT_TRUE(ScenarioProblem(s).ok()) << ScenarioProblem(s).what;
    EXPECT_TRUE(DeviceMemory(s).fits);
    EXPECT_TRUE(c.memory.fits);
    EXPECT_EQ(s.devices, c.replicas * s.parallel.pipeline * s.parallel.context *
                             s.parallel.ulysses * s.parallel.tensor);
    EXPECT_EQ(s.devices & (s.devices - 1), 0) << "devices are powers of two";
    EXPECT_LE(s.devices, 64);
    EXPECT_EQ(s.workload.seq_len, 262144);
    // FSDP only where memory needs it: half the group would not fit.
    if (s.parallel.fsdp > 1) {
      Scenario half = s;
      half.parallel.fsdp /= 2;
      EXPECT_FALSE(DeviceMemory(half).fits) << LayoutText(c);
    }
    // Tensor parallelism likewise: no smaller degree fits with any FSDP group.
    if (s.parallel.tensor > 1) {
      Scenario less = s;
      less.parallel.tensor /= 2;
      less.parallel.context *= 2;
      for (int64_t f = 1; f <= s.devices; f *= 2) {
        less.parallel.fsdp = f;
        EXPECT_FALSE(ScenarioProblem(less).ok() && DeviceMemory(less).fits) << LayoutText(c);
      }
    }
  }
}

TEST(Planner, RecipeLaddersOnlyWhereMemoryNeedsIt) {
  // A context the paper's recipe cannot fit on few devices: candidates climb the ladder
  // (chunked loss, then offload on a profile with a host) only as far as they must.
  PlanRequest req = Request("llama-7b", 1048576, 16);
  req.hardware[0].host_memory_bytes = 2e12;
  req.hardware[0].host_memory_bw_bytes_per_s = 400e9;
  req.hardware[0].host_link = {"pcie", 32e9, 2e-6, "", ""};
  PlanSearch search = SearchPlans(req);
  ASSERT_FALSE(search.candidates.empty());
  int levers = 0;
  for (const PlanCandidate& c : search.candidates) {
    const Scenario& s = c.scenario;
    EXPECT_TRUE(DeviceMemory(s).fits) << LayoutText(c);
    auto fits_with = [&](Loss loss, Offload offload) {
      Scenario lower = s;
      lower.workload.loss = loss;
      lower.workload.offload = offload;
      for (int64_t f = 1; f <= s.devices; f *= 2) {
        lower.parallel.fsdp = f;
        if (DeviceMemory(lower).fits) return true;
      }
      return false;
    };
    if (s.workload.loss == Loss::kChunked) {
      ++levers;
      EXPECT_FALSE(fits_with(Loss::kFull, Offload::kNone)) << LayoutText(c);
      EXPECT_NE(LayoutText(c).find("loss chunked"), std::string::npos);
    }
    if (s.workload.offload != Offload::kNone) {
      EXPECT_FALSE(fits_with(Loss::kChunked, Offload::kNone)) << LayoutText(c);
      EXPECT_NE(LayoutText(c).find("offload"), std::string::npos);
    }
  }
  EXPECT_GT(levers, 0) << "this request should need a lever somewhere";
}

TEST(Planner, AnyDeviceCountRunsOverItsDivisors) {
  PlanRequest req = Request("llama-7b", 262144, 0);
  req.devices = 96;
  PlanSearch search = SearchPlans(req);
  ASSERT_FALSE(search.candidates.empty());
  bool three = false;
  for (const PlanCandidate& c : search.candidates) {
    const Scenario& s = c.scenario;
    EXPECT_EQ(s.devices, 96);
    EXPECT_EQ(96 % c.replicas, 0);
    EXPECT_EQ(96 % s.parallel.fsdp, 0);
    EXPECT_TRUE(ScenarioProblem(s).ok()) << LayoutText(c);
    three = three || c.replicas % 3 == 0 || s.parallel.fsdp % 3 == 0;
  }
  EXPECT_TRUE(three) << "a divisor with a factor 3 should appear";
}

TEST(Planner, TriesUlyssesGroupsInsideANode) {
  PlanSearch search = SearchPlans(Request("llama-7b", 262144, 64));
  int usp = 0;
  for (const PlanCandidate& c : search.candidates) {
    const ParallelSpec& p = c.scenario.parallel;
    if (p.ulysses == 1) continue;
    ++usp;
    EXPECT_LE(p.ulysses * p.tensor, c.scenario.hardware.devices_per_node) << LayoutText(c);
    EXPECT_GE(p.context, 2) << LayoutText(c);
    EXPECT_NE(LayoutText(c).find(" x ulysses "), std::string::npos);
    // Memory per device is that of the plain ring over the same devices.
    Scenario plain = c.scenario;
    plain.parallel.context *= p.ulysses;
    plain.parallel.ulysses = 1;
    plain.kernel_block_tokens = 0;
    EXPECT_DOUBLE_EQ(DeviceMemory(plain).total_bytes, c.memory.total_bytes) << LayoutText(c);
  }
  EXPECT_GT(usp, 0);
}

TEST(Planner, TriesEveryVariantOnlyWithACausalMask) {
  PlanRequest req = Request("llama-7b", 65536, 8);
  std::set<RingVariant> causal, full;
  for (const PlanCandidate& c : SearchPlans(req).candidates)
    causal.insert(c.scenario.parallel.variant);
  req.causal = false;
  for (const PlanCandidate& c : SearchPlans(req).candidates)
    full.insert(c.scenario.parallel.variant);
  EXPECT_EQ(causal.size(), 3u);
  EXPECT_EQ(full, std::set<RingVariant>{RingVariant::kRing});
}

TEST(Planner, TriesPipelineStagesWithEnoughMicroBatches) {
  PlanSearch search = SearchPlans(Request("llama-7b", 262144, 32));
  std::set<int64_t> degrees;
  for (const PlanCandidate& c : search.candidates) {
    const Scenario& s = c.scenario;
    degrees.insert(s.parallel.pipeline);
    EXPECT_TRUE(ScenarioProblem(s).ok()) << ScenarioProblem(s).what;
    EXPECT_EQ(c.replicas * s.parallel.pipeline * s.parallel.context * s.parallel.ulysses *
                  s.parallel.tensor,
              s.devices);
    if (s.parallel.pipeline > 1) {
      EXPECT_EQ(s.workload.micro_batches, 4 * s.parallel.pipeline);
      EXPECT_EQ(s.workload.batch, s.workload.micro_batches);
      EXPECT_NE(LayoutText(c).find("pipeline"), std::string::npos);
    }
  }
  // 32 devices and 32 layers: 1, 2, 4, 8 and 16 stages.
  EXPECT_EQ(degrees, (std::set<int64_t>{1, 2, 4, 8, 16}));
  // Qwen3-8B's 36 layers on 32 devices: 8 and 16 stages too, split unevenly (torchtitan).
  std::set<int64_t> uneven;
  for (const PlanCandidate& c : SearchPlans(Request("qwen3-8b", 262144, 32)).candidates) {
    uneven.insert(c.scenario.parallel.pipeline);
  }
  EXPECT_EQ(uneven, (std::set<int64_t>{1, 2, 4, 8, 16}));
}

TEST(Planner, SearchesCheckpointingAndZeroStages) {
  // A short context on 8 devices: the fastest recipe, no recomputation, fits; with FSDP,
  // ZeRO 1 and 2 are tried beside 3 where they fit.
  PlanSearch search = SearchPlans(Request("llama-7b", 8192, 8));
  std::set<int64_t> zeros;
  bool none = false;
  for (const PlanCandidate& c : search.candidates) {
    const Scenario& s = c.scenario;
    EXPECT_TRUE(DeviceMemory(s).fits) << LayoutText(c);
    zeros.insert(s.parallel.zero);
    if (s.workload.checkpointing == Checkpointing::kNone) {
      none = true;
      EXPECT_NE(LayoutText(c).find("checkpointing none"), std::string::npos);
    }
    if (s.parallel.zero != 3) {
      EXPECT_GT(s.parallel.fsdp, 1);
    }
  }
  EXPECT_TRUE(none);
  EXPECT_EQ(zeros, (std::set<int64_t>{1, 2, 3}));
  // At 1M tokens only full checkpointing fits: every candidate climbed past the first rungs.
  for (const PlanCandidate& c : SearchPlans(Request("llama-7b", 1048576, 8)).candidates) {
    EXPECT_EQ(c.scenario.workload.checkpointing, Checkpointing::kFull) << LayoutText(c);
  }
}

TEST(Planner, ImpossibleContextSaysWhatCameClosest) {
  PlanSearch search = SearchPlans(Request("llama-65b", 100000000, 4));
  EXPECT_TRUE(search.candidates.empty());
  EXPECT_EQ(search.layouts_fit, 0);
  EXPECT_GT(search.layouts_tried, 0);
  EXPECT_NE(search.closest.find("4 x toy"), std::string::npos) << search.closest;
  EXPECT_NE(search.closest.find("GB usable"), std::string::npos) << search.closest;
}

/// A fake engine: step time 100 s / ring size (with a pipeline's bubble), zigzag 10% faster
/// than ring, striped 5%;
/// tokens/s counts replicas; MFU falls with the ring size.
PlanMetrics FakeEngine(const Scenario& s) {
  PlanMetrics m;
  m.engine = "fake";
  double factor = s.parallel.variant == RingVariant::kZigzag    ? 0.9
                  : s.parallel.variant == RingVariant::kStriped ? 0.95
                                                                : 1.0;
  // A pipeline of P stages runs m micro-batches in (m + P - 1) stage times of 1/P of the work.
  const double p = static_cast<double>(s.parallel.pipeline);
  m.step_time_s = 100.0 / s.parallel.context / p * (s.workload.micro_batches + p - 1) * factor;
  double replicas = static_cast<double>(
      s.devices / (s.parallel.context * s.parallel.tensor * s.parallel.pipeline));
  m.tokens_per_s = replicas * s.workload.seq_len * s.workload.batch / m.step_time_s;
  m.mfu = 0.5 / std::sqrt(static_cast<double>(s.parallel.context));
  m.step_compute_s = 2;
  m.step_comm_s = 1;
  m.comm_hidden = true;
  return m;
}

TEST(Planner, RankKeepsBestVariantAndFewestReplicas) {
  PlanRequest req = Request("llama-7b", 262144, 32);
  PlanSearch search = SearchPlans(req);
  std::vector<PlanEntry> by_time = RankPlans(req, search, FakeEngine, PlanRank::kStepTime, 2);
  ASSERT_FALSE(by_time.empty());
  // Ranked by step time per sequence (pipelined layouts run several a step).
  auto per_sequence = [](const PlanEntry& e) {
    return e.metrics.step_time_s / static_cast<double>(e.candidate.scenario.workload.batch);
  };
  for (size_t i = 1; i < by_time.size(); ++i) {
    EXPECT_LE(per_sequence(by_time[i - 1]), per_sequence(by_time[i]));
  }
  std::set<std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t>> layouts;
  for (const PlanEntry& e : by_time) {
    const Scenario& s = e.candidate.scenario;
    if (s.parallel.context > 1) {
      EXPECT_EQ(s.parallel.variant, RingVariant::kZigzag);  // the fake's fastest
      EXPECT_EQ(e.variant_step_time_s.size(), 3u);
    }
    // Replicas change nothing but tokens/s: more than one only where the FSDP group
    // needs the devices of the extra replicas.
    EXPECT_TRUE(e.candidate.replicas == 1 || s.parallel.fsdp > s.devices / s.parallel.pipeline / 2)
        << LayoutText(e.candidate);
    EXPECT_TRUE(layouts
                    .insert({s.parallel.context, s.parallel.tensor, s.parallel.fsdp,
                             s.parallel.pipeline, s.parallel.zero})
                    .second);
  }
  EXPECT_EQ(by_time.front().candidate.scenario.parallel.context, 32);

  // By tokens/s, the most replicas win: 32 devices whatever the ring.
  std::vector<PlanEntry> by_rate = RankPlans(req, search, FakeEngine, PlanRank::kTokensPerS, 1);
  EXPECT_EQ(by_rate.front().candidate.scenario.devices, 32);
  for (size_t i = 1; i < by_rate.size(); ++i) {
    EXPECT_GE(by_rate[i - 1].metrics.tokens_per_s, by_rate[i].metrics.tokens_per_s);
  }
  // By MFU, the smallest ring.
  std::vector<PlanEntry> by_mfu = RankPlans(req, search, FakeEngine, PlanRank::kMfu, 1);
  EXPECT_LE(by_mfu.front().candidate.scenario.parallel.context,
            by_mfu.back().candidate.scenario.parallel.context);
}

TEST(Planner, CostRanksUnpricedHardwareLast) {
  PlanRequest req = Request("llama-7b", 65536, 8);
  req.hardware = {ToyGpu("cheap"), ToyGpu("unpriced")};
  req.price_per_device_hour = {{"cheap", 1.0}};
  std::vector<PlanEntry> entries = RankPlans(req, SearchPlans(req), FakeEngine, PlanRank::kCost, 2);
  ASSERT_FALSE(entries.empty());
  EXPECT_EQ(entries.front().candidate.scenario.hardware.name, "cheap");
  EXPECT_EQ(entries.back().candidate.scenario.hardware.name, "unpriced");
  EXPECT_LT(entries.back().cost_per_mtok, 0);
  for (size_t i = 1; i < entries.size(); ++i) {
    if (entries[i].cost_per_mtok >= 0) {
      EXPECT_LE(entries[i - 1].cost_per_mtok, entries[i].cost_per_mtok);
    }
  }
  // The fake's cost: price x devices / 3600 / tokens_per_s x 1e6.
  const PlanEntry& top = entries.front();
  EXPECT_NEAR(top.cost_per_mtok,
              1.0 * top.candidate.scenario.devices / 3600 / top.metrics.tokens_per_s * 1e6, 1e-9);
}

TEST(Planner, EngineFailuresDropCandidates) {
  PlanRequest req = Request("llama-7b", 65536, 8);
  auto picky = [](const Scenario& s) {
    if (s.parallel.context == 8) throw std::runtime_error("no");
    return FakeEngine(s);
  };
  for (const PlanEntry& e : RankPlans(req, SearchPlans(req), picky, PlanRank::kStepTime, 2)) {
    EXPECT_NE(e.candidate.scenario.parallel.context, 8);
  }
}

TEST(Planner, OverlapReasonSaysWhy) {
  PlanEntry e;
  e.candidate.scenario.workload.seq_len = 65536;
  e.candidate.scenario.workload.causal = true;
  e.candidate.scenario.parallel.context = 8;  // block 8192
  e.candidate.scenario.parallel.variant = RingVariant::kZigzag;
  e.slowest_hop = {"ib", 25e9, 0, "", ""};
  e.metrics.step_time_s = 10;
  e.metrics.step_compute_s = 0.002;
  e.metrics.step_comm_s = 0.001;
  e.metrics.min_block_calibrated = 4096;
  e.metrics.min_block_paper = 6000;
  e.metrics.comm_hidden = true;
  EXPECT_EQ(OverlapReason(e),
            "hidden: a ring step computes 2.00 ms and transfers 1.00 ms over ib (25 GB/s); block "
            "8.2K tokens >= minimal 4.1K (achieved rate; F/B 6.0K)");
  e.metrics.comm_hidden = false;
  e.metrics.step_compute_s = 0.0005;
  e.metrics.exposed_comm_time_s = 1;
  EXPECT_EQ(OverlapReason(e),
            "comm-bound: a ring step transfers 1.00 ms over ib (25 GB/s) but computes only "
            "500.0 us; block 8.2K tokens >= minimal 4.1K (achieved rate; F/B 6.0K), but the "
            "causal mask leaves the busiest device less than a full block pair per step (about "
            "half with balanced layouts); exposed communication 10.0% of the step");
  e.metrics.min_block_calibrated = 20000;
  EXPECT_EQ(
      OverlapReason(e).rfind("comm-bound: a ring step transfers 1.00 ms over ib (25 GB/s) but "
                             "computes only 500.0 us; block 8.2K tokens < minimal 20.0K",
                             0),
      0u);
  e.candidate.scenario.parallel.context = 1;
  EXPECT_EQ(OverlapReason(e),
            "no ring (context 1): each device holds the whole sequence, nothing to hide");
}

TEST(Planner, LayoutText) {
  PlanCandidate c;
  c.scenario.parallel.context = 8;
  c.scenario.parallel.fsdp = 16;
  c.replicas = 2;
  EXPECT_EQ(LayoutText(c), "ring 8 x 2 replicas, fsdp 16");
  c.scenario.parallel.tensor = 2;
  c.replicas = 1;
  EXPECT_EQ(LayoutText(c), "ring 8 x tensor 2, fsdp 16");
}

}  // namespace
}  // namespace ringsim
