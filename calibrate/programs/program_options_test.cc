#include "calibrate/programs/program_options.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "calibrate/programs/attention_bench_options.h"
#include "calibrate/programs/attention_check_options.h"
#include "calibrate/programs/micro_bench_options.h"
#include "calibrate/programs/rehearse_options.h"

namespace rc = ringsim::calibrate;

namespace {

/// What one parse gave: the exit status (-1 = go on) and what it printed.
struct Outcome {
  int exit = -1;
  std::string out, err;
};

template <typename Options, typename ParseFn>
Outcome Parse(ParseFn parse, std::vector<std::string> args, Options* o) {
  args.insert(args.begin(), "program");
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  const std::optional<int> exit = parse(static_cast<int>(argv.size()), argv.data(), o, out, err);
  return {exit ? *exit : -1, out.str(), err.str()};
}

/// A bad option: exit 2, nothing on stdout, exactly `line` (and its newline) on stderr.
template <typename Options, typename ParseFn>
void ExpectBad(ParseFn parse, const std::vector<std::string>& args, const std::string& line) {
  Options o;
  const Outcome r = Parse(parse, args, &o);
  EXPECT_EQ(r.exit, 2) << line;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, line + "\n");
}

TEST(AttentionBenchOptions, BadOptionsAreOneLineAndExit2) {
  const auto p = rc::ParseAttentionBenchOptions;
  using O = rc::AttentionBenchOptions;
  ExpectBad<O>(p, {"--foo"}, "attention_bench: --foo: unknown option (see --help)");
  ExpectBad<O>(p, {"--heads", "x"},
               "attention_bench: --heads: expected a whole number > 0, got 'x'");
  ExpectBad<O>(p, {"--sizes", "256,0"},
               "attention_bench: --sizes: expected a whole number > 0, got '0'");
  ExpectBad<O>(p, {"--sizes"}, "attention_bench: --sizes: expected a value");
  ExpectBad<O>(p, {"--variants", "w16rows,fast"},
               "attention_bench: --variants: expected one of "
               "w32rows|w16rows|w16lean|wgmma|wgmma_pipe|all, got 'fast'");
  ExpectBad<O>(p, {"--causal", "maybe"},
               "attention_bench: --causal: expected one of both|yes|no, got 'maybe'");
  ExpectBad<O>(p, {"--min-time-ms", "lots"},
               "attention_bench: --min-time-ms: expected a number, got 'lots'");
  ExpectBad<O>(p, {"--heads", "32", "--kv-heads", "5"},
               "attention_bench: --kv-heads: expected a divisor of --heads (32), got 5");
  ExpectBad<O>(p, {"stray"}, "attention_bench: stray: unexpected argument (see --help)");
}

TEST(AttentionBenchOptions, ParsesLists) {
  rc::AttentionBenchOptions o;
  const Outcome r = Parse(rc::ParseAttentionBenchOptions,
                          {"--sizes", "512,4096", "--variants", "w16lean,w32rows", "--causal",
                           "yes", "--passes", "fwd", "--csv", "b.csv", "--append"},
                          &o);
  EXPECT_EQ(r.exit, -1) << r.err;
  EXPECT_EQ(o.sizes, (std::vector<int>{512, 4096}));
  EXPECT_EQ(o.variants, (std::vector<rc::FwdVariant>{rc::FwdVariant::kWarp16RowsLean,
                                                     rc::FwdVariant::kWarp32Rows}));
  EXPECT_EQ(o.causal, std::vector<bool>{true});
  EXPECT_TRUE(o.fwd);
  EXPECT_FALSE(o.bwd);
  EXPECT_EQ(o.csv, "b.csv");
  EXPECT_TRUE(o.append);

  rc::AttentionBenchOptions all;
  EXPECT_EQ(Parse(rc::ParseAttentionBenchOptions, {"--variants", "all"}, &all).exit, -1);
  EXPECT_EQ(all.variants.size(), std::size(rc::kFwdVariants));
}

TEST(AttentionBenchOptions, HelpShowsDefaultsAndExits0) {
  rc::AttentionBenchOptions o;
  const Outcome r = Parse(rc::ParseAttentionBenchOptions, {"--help"}, &o);
  EXPECT_EQ(r.exit, 0);
  EXPECT_EQ(r.err, "");
  EXPECT_NE(r.out.find("--max-reps"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("=50"), std::string::npos) << r.out;
}

TEST(AttentionCheckOptions, ParsesAndRejects) {
  rc::AttentionCheckOptions o;
  const Outcome r = Parse(rc::ParseAttentionCheckOptions,
                          {"--quick", "--fwd-only", "--seed", "7", "--variants", "wgmma"}, &o);
  EXPECT_EQ(r.exit, -1) << r.err;
  EXPECT_TRUE(o.quick && o.fwd_only && o.seed_given);
  EXPECT_EQ(o.seed, 7u);
  EXPECT_EQ(o.variants, std::vector<std::string>{"wgmma"});
  rc::AttentionCheckOptions fresh;
  EXPECT_EQ(Parse(rc::ParseAttentionCheckOptions, {}, &fresh).exit, -1);
  EXPECT_FALSE(fresh.seed_given);
  ExpectBad<rc::AttentionCheckOptions>(rc::ParseAttentionCheckOptions, {"--tol"},
                                       "attention_check: --tol: expected a value");
  ExpectBad<rc::AttentionCheckOptions>(rc::ParseAttentionCheckOptions, {"--quik"},
                                       "attention_check: --quik: unknown option (see --help)");
}

TEST(MicroBenchOptions, QuickNarrowsAndBadValuesSayWhy) {
  rc::MicroBenchOptions o;
  const Outcome r = Parse(rc::ParseMicroBenchOptions,
                          {"--quick", "--candidates", "w16rows,w32rows", "--json", "m.json"}, &o);
  EXPECT_EQ(r.exit, -1) << r.err;
  EXPECT_EQ(o.candidates, "w16rows,w32rows");
  EXPECT_EQ(o.tokens, (std::vector<long long>{1024, 4096, 16384}));
  EXPECT_EQ(o.copy_sizes.front(), 1LL << 20);
  EXPECT_EQ(o.copy_sizes.back(), 1LL << 30);
  EXPECT_EQ(o.copy_sizes.size(), 6u);
  EXPECT_LE(o.min_time_ms, 40.0);
  using O = rc::MicroBenchOptions;
  // Before CLI11 these exited 2 without a word.
  ExpectBad<O>(rc::ParseMicroBenchOptions, {"--dim", "96"},
               "micro_bench: --dim: expected one of 64|128, got '96'");
  ExpectBad<O>(rc::ParseMicroBenchOptions, {"--copy-sizes", "1024,-1"},
               "micro_bench: --copy-sizes: expected a whole number > 0, got '-1'");
  ExpectBad<O>(rc::ParseMicroBenchOptions, {"--variant", "fastest"},
               "micro_bench: --variant: expected one of "
               "w32rows|w16rows|w16lean|wgmma|wgmma_pipe, got 'fastest'");
}

TEST(RehearseOptions, ParsesTheRingAndChecksIt) {
  rc::RehearseOptions o;
  const Outcome r =
      Parse(rc::ParseRehearseOptions,
            {"--ranks", "4", "--layout", "zigzag", "--causal", "no", "--blocks", "256,384",
             "--variant", "w16lean", "--gpus", "1", "--copy-priority", "high"},
            &o);
  EXPECT_EQ(r.exit, -1) << r.err;
  EXPECT_EQ(o.ranks, 4);
  EXPECT_EQ(o.layout, rc::RingLayout::kZigzag);
  EXPECT_FALSE(o.causal);
  EXPECT_EQ(o.blocks, (std::vector<long long>{256, 384}));
  EXPECT_EQ(o.variant, rc::FwdVariant::kWarp16RowsLean);
  EXPECT_FALSE(o.multi_gpu_allowed);
  EXPECT_TRUE(o.high_priority_copy);
  using O = rc::RehearseOptions;
  ExpectBad<O>(rc::ParseRehearseOptions, {"--ranks", "4", "--copy-priority", "urgent"},
               "rehearse: --copy-priority: expected one of normal|high, got 'urgent'");
  ExpectBad<O>(rc::ParseRehearseOptions, {"--ranks", "4", "--layout", "spiral"},
               "rehearse: --layout: expected one of ring|striped|zigzag, got 'spiral'");
  // Zigzag splits each rank's block in two: an odd block does not split.
  Outcome odd;
  O z;
  odd = Parse(rc::ParseRehearseOptions, {"--ranks", "4", "--layout", "zigzag", "--blocks", "255"},
              &z);
  EXPECT_EQ(odd.exit, 2);
  EXPECT_EQ(odd.err.rfind("rehearse: --blocks: block 255: ", 0), 0u) << odd.err;
  EXPECT_EQ(std::count(odd.err.begin(), odd.err.end(), '\n'), 1);
}

TEST(RehearseOptions, RanksAreRequired) {
  rc::RehearseOptions o;
  const Outcome r = Parse(rc::ParseRehearseOptions, {"--layout", "ring"}, &o);
  EXPECT_EQ(r.exit, 2);
  EXPECT_EQ(r.err.rfind("rehearse: --ranks", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
}

}  // namespace
