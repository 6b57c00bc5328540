#include "io/measured_runs.h"

#include <gtest/gtest.h>

#include "sim/config_error.h"

namespace ringsim {
namespace {

std::vector<MeasuredRun> Read(const std::string& text) {
  return ReadMeasuredRuns(ParseCsv(text, "m.csv"), "m.csv");
}

std::string ErrorOf(const std::string& text) {
  try {
    Read(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

const std::string kHeader = "label,model,hardware,devices,workload.seq_len,parallel.variant,";

TEST(MeasuredRuns, ReadsInlineScenariosAndMeasures) {
  std::vector<MeasuredRun> runs =
      Read(kHeader +
           "mfu,step_time_s,source\n"
           "first,llama-7b,paper-a100-nvlink,8,65536,zigzag,0.31,,paper\n"
           ",llama-7b,paper-a100-nvlink,8,65536,,35%,12.5,\n");
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].line, 2);
  EXPECT_EQ(runs[0].label, "first");
  EXPECT_EQ(runs[0].scenario.name, "first");
  EXPECT_EQ(runs[0].scenario.devices, 8);
  EXPECT_EQ(runs[0].scenario.parallel.context, 8);
  EXPECT_EQ(runs[0].scenario.parallel.variant, RingVariant::kZigzag);
  EXPECT_EQ(runs[0].source, "paper");
  ASSERT_EQ(runs[0].measured.size(), 1u);
  EXPECT_EQ(runs[0].measured[0].first, MeasuredMetric::kMfu);
  EXPECT_DOUBLE_EQ(runs[0].measured[0].second, 0.31);
  EXPECT_EQ(runs[1].label, "line 3");
  EXPECT_EQ(runs[1].scenario.parallel.variant, RingVariant::kRing);  // empty cell: default
  ASSERT_EQ(runs[1].measured.size(), 2u);
  EXPECT_DOUBLE_EQ(runs[1].measured[0].second, 0.35);
  EXPECT_EQ(runs[1].measured[1].first, MeasuredMetric::kStepTime);
  EXPECT_DOUBLE_EQ(runs[1].measured[1].second, 12.5);
}

TEST(MeasuredRuns, PeakMemoryIsAMeasureToo) {
  std::vector<MeasuredRun> runs = Read(
      kHeader + "step_time_s,peak_memory_gb\nrun,llama-7b,paper-a100-nvlink,8,65536,,380,56.2\n");
  ASSERT_EQ(runs.size(), 1u);
  ASSERT_EQ(runs[0].measured.size(), 2u);
  EXPECT_EQ(runs[0].measured[1].first, MeasuredMetric::kPeakMemoryGb);
  EXPECT_STREQ(MeasuredMetricName(runs[0].measured[1].first), "peak_memory_gb");
  EXPECT_DOUBLE_EQ(runs[0].measured[1].second, 56.2);
  EXPECT_EQ(ErrorOf(kHeader + "peak_memory_gb\nrun,llama-7b,paper-a100-nvlink,8,65536,,0\n"),
            "m.csv:2:peak_memory_gb: expected a positive number, got '0'");
}

TEST(MeasuredRuns, MfuConventionSaysHowCausalAttentionWasCounted) {
  std::vector<MeasuredRun> runs =
      Read(kHeader +
           "mfu,flops_convention\n"
           "a,llama-7b,paper-a100-nvlink,8,65536,zigzag,0.31,full-attention\n"
           "b,llama-7b,paper-a100-nvlink,8,65536,zigzag,0.31,executed\n"
           "c,llama-7b,paper-a100-nvlink,8,65536,zigzag,0.31,\n");
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_TRUE(runs[0].flops_full_attention);
  EXPECT_FALSE(runs[1].flops_full_attention);
  EXPECT_FALSE(runs[2].flops_full_attention);
  // The same column says how a measured TFLOP/s counts.
  EXPECT_TRUE(Read(kHeader + "tflops_per_device,flops_convention\n"
                             "a,llama-7b,paper-a100-nvlink,8,65536,zigzag,150,full-attention\n")[0]
                  .flops_full_attention);
  const std::string error = ErrorOf(kHeader +
                                    "mfu,flops_convention\n"
                                    "a,llama-7b,paper-a100-nvlink,8,65536,zigzag,0.31,halved\n");
  EXPECT_EQ(error.rfind("m.csv:2:flops_convention: expected executed", 0), 0u) << error;
  EXPECT_NE(error.find("got 'halved'"), std::string::npos) << error;
}

TEST(MeasuredRuns, ConfidenceIsHighUnlessALowOneSaysWhy) {
  std::vector<MeasuredRun> runs =
      Read(kHeader +
           "mfu,confidence\n"
           "a,llama-7b,paper-a100-nvlink,8,65536,zigzag,0.31,\n"
           "b,llama-7b,paper-a100-nvlink,8,65536,zigzag,0.31,high\n"
           "c,llama-7b,paper-a100-nvlink,8,65536,zigzag,0.31,\"low: read off a chart\"\n");
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].low_confidence, "");
  EXPECT_EQ(runs[1].low_confidence, "");
  EXPECT_EQ(runs[2].low_confidence, "read off a chart");
  // A low confidence without its reason, or another word, is refused.
  for (const std::string cell : {"low", "low:  ", "medium"}) {
    const std::string error =
        ErrorOf(kHeader + "mfu,confidence\n" + "a,llama-7b,paper-a100-nvlink,8,65536,zigzag,0.31," +
                cell + "\n");
    EXPECT_EQ(error.rfind("m.csv:2:confidence: expected high, or 'low: <why>'", 0), 0u) << error;
  }
}

TEST(MeasuredRuns, ErrorsNameFileRowAndColumn) {
  const std::string row = "x,llama-7b,paper-a100-nvlink,8,65536,ring,";
  EXPECT_EQ(ErrorOf(kHeader + "mfu\n" + row + "abc\n"),
            "m.csv:2:mfu: expected a positive number, got 'abc'");
  EXPECT_EQ(ErrorOf(kHeader + "mfu\n" + row + "35\n"),
            "m.csv:2:mfu: expected a fraction of peak in (0, 1] or a percentage, got '35' (write "
            "35% as 0.35 or 35%)");
  EXPECT_EQ(ErrorOf(kHeader + "step_time_s\n" + row + "-3\n"),
            "m.csv:2:step_time_s: expected a positive number, got '-3'");
  EXPECT_EQ(ErrorOf(kHeader + "mfu\n" + row + "\n"),
            "m.csv:2: no measured value; fill one of step_time_s, tflops_per_device, mfu, "
            "tokens_per_s, peak_memory_gb");
  EXPECT_EQ(ErrorOf(kHeader + "mfuu\n" + row + "0.3\n"),
            "m.csv:1:mfuu: unknown column 'mfuu' (did you mean 'mfu'?); expected scenario, "
            "scenario keys such as workload.seq_len, measured step_time_s, tflops_per_device, mfu, "
            "tokens_per_s or peak_memory_gb, confidence, or label, source, note");
  EXPECT_EQ(ErrorOf(kHeader + "source\n" + row + "x\n"),
            "m.csv:1: no measured column; expected one of step_time_s, tflops_per_device, mfu, "
            "tokens_per_s, peak_memory_gb");
  EXPECT_EQ(ErrorOf("model,hardware,devices,mfu\nllama-7b,paper-a100-nvlink,8,0.3\n"),
            "m.csv:1: missing column 'workload.seq_len' (needed when there is no 'scenario' "
            "column)");
  EXPECT_EQ(ErrorOf(kHeader + "mfu\nx,llama-7b,paper-a100-nvlink,eight,65536,ring,0.3\n"),
            "m.csv:2:devices: expected a number, got 'eight'");
  EXPECT_EQ(ErrorOf(kHeader + "mfu\nx,llama-7b,paper-a100-nvlink,8,65540,zigzag,0.3\n"),
            "m.csv:2:workload.seq_len: seq_len 65540 is not divisible by 16 (zigzag needs 2 x 8 "
            "devices)");
  EXPECT_EQ(ErrorOf(kHeader + "mfu\nx,llama-7b,a100,8,65536,ring,0.3\n"),
            "m.csv:2:hardware: unknown hardware 'a100'; did you mean 'a100-sxm-80g'? (ringsim hw "
            "list shows all)");
  EXPECT_EQ(ErrorOf(kHeader + "mfu\nx,,paper-a100-nvlink,8,65536,ring,0.3\n"),
            "m.csv:2:model: empty, and the row has no scenario file; expected a value");
  EXPECT_EQ(ErrorOf("scenario,mfu\nnope.yaml,0.3\n"),
            "m.csv:2:scenario: nope.yaml: cannot open file");
  EXPECT_EQ(ErrorOf(kHeader + "mfu\n"), "m.csv: no rows after the header");
}

TEST(MeasuredRuns, ErrorStatistics) {
  EXPECT_DOUBLE_EQ(PercentError(110, 100), 10);
  EXPECT_DOUBLE_EQ(PercentError(0.3, 0.4), -25);
  EXPECT_DOUBLE_EQ(MeanAbsolutePercentError({10, -20, 30}), 20);
  EXPECT_DOUBLE_EQ(MeanAbsolutePercentError({}), 0);
}

}  // namespace
}  // namespace ringsim
