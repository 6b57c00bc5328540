// A sweep built from drafts (the document and each --vary value read once, overlaid per
// configuration) must give every configuration exactly what reading its whole document gives:
// the same scenario, or the same error.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "io/scenario_draft.h"
#include "io/sweep.h"
#include "io/yaml_reader.h"
#include "sim/analytical_engine.h"
#include "sim/config_error.h"
#include "sim/memory_model.h"
#include "sim/schedule.h"

namespace ringsim {
namespace {

// What a configuration is: its keys, the kernel curve it uses (which the calibration and the
// implementation choose), and what the engine and the memory model make of it.
std::string Fingerprint(const Scenario& s) {
  const Schedule schedule = MakeSchedule(s);
  const double step_s = Analyze(schedule, MakeRates(schedule, s.hardware)).step_time_s;
  const ParallelSpec& p = s.parallel;
  const WorkloadSpec& w = s.workload;
  return fmt::format(
      "{} {} {} L{} hw={} kernel={} eff={} impl={} devices={} | cp={} var={} u={} t={} pp={} "
      "vs={} win={} fsdp={} zero={} sp={} tpo={} | seq={} b={} mb={} causal={} prec={} scope={} "
      "pass={} ckpt={} loss={} chunk={} offload={} | block={} simgrid={} | step={:.12g} "
      "mem={:.12g}",
      s.name, s.file, s.model.name, s.model.layers, s.hardware.name, s.hardware.attention_kernel,
      s.hardware.attention_efficiency.At(4096), s.implementation.name, s.devices, p.context,
      static_cast<int>(p.variant), p.ulysses, p.tensor, p.pipeline, p.virtual_stages, p.window,
      p.fsdp, p.zero, p.sequence_parallel, p.tp_comm_overlap, w.seq_len, w.batch, w.micro_batches,
      w.causal, static_cast<int>(w.precision), static_cast<int>(w.scope), static_cast<int>(w.pass),
      static_cast<int>(w.checkpointing), static_cast<int>(w.loss), w.loss_chunk_tokens,
      static_cast<int>(w.offload), s.kernel_block_tokens, s.simgrid.mode, step_s,
      DeviceMemory(s).total_bytes);
}

std::string Outcome(const SweepScenarioBuilder& builder, int64_t index) {
  try {
    return Fingerprint(builder.Build(index));
  } catch (const ConfigError& e) {
    return std::string("error: ") + e.what();
  }
}

// Every configuration of the sweep, from drafts and from documents; returns how many ran.
int64_t ExpectSameConfigurations(const std::string& text, const std::vector<std::string>& overrides,
                                 const std::vector<std::string>& vary) {
  const std::vector<VaryAxis> axes = ParseVaryAxes(vary);
  const SweepScenarioBuilder drafts(text, "scenarios/S.yaml", overrides, axes);
  const SweepScenarioBuilder documents(text, "scenarios/S.yaml", overrides, axes, true);
  EXPECT_TRUE(drafts.from_drafts());
  EXPECT_FALSE(documents.from_drafts());
  int64_t ran = 0;
  for (int64_t i = 0; i < SweepSize(axes); ++i) {
    const std::string expected = Outcome(documents, i);
    EXPECT_EQ(Outcome(drafts, i), expected) << "configuration " << i;
    ran += expected.rfind("error: ", 0) != 0;
  }
  return ran;
}

const char* kDocument =
    R"(model: {layers: 2, hidden: 512, heads: 8, kv_heads: 2, ffn_hidden: 1024, vocab: 1000}
hardware: h100-sxm
devices: 8
parallel: {fsdp: 4, variant: zigzag}
workload: {seq_len: 64Ki, batch: 2, checkpointing: selective}
block: 2048
)";

TEST(SweepDrafts, EveryKeyKindGivesWhatTheDocumentGives) {
  // Leaves, whole mappings (parallel, workload, model), names that load files (hardware,
  // implementation, calibration), defaults that follow other keys (context and fsdp follow
  // devices; the implementation picks its kernel's calibration), relations between keys
  // (divisibility, loss_chunk_tokens only with chunked loss), and values that are wrong.
  const int64_t ran = ExpectSameConfigurations(
      kDocument, {"workload.loss_chunk_tokens=4096"},
      {"devices=4,6,8", "parallel.variant=ring,striped,bogus", "workload.seq_len=64Ki,65540,zero",
       "implementation=ringsim,transformer-engine-a2a,ring-flash-attn",
       "hardware=h100-sxm,a100-sxm-80g", "workload.loss=chunked,full",
       "parallel={context: 2},{tensor: 2}", "block=auto,1024"});
  EXPECT_GT(ran, 50);  // the sweep is not all errors
  ExpectSameConfigurations(kDocument, {},
                           {"model=llama-7b,{layers: 1},tiny-model-typo",
                            "workload={seq_len: 32K},{seq_len: 16K},{batch: 2}",
                            "calibration=h100-sxm-torch-cudnn.yaml,nowhere.yaml"});
}

TEST(SweepDrafts, DocumentErrorsOutsideTheVariedKeysFailEveryConfiguration) {
  // The document's own error stays; one in a varied key is replaced by the values.
  const std::string text = std::string(kDocument) + "extra_key: 1\n";
  const SweepScenarioBuilder builder(text, "S.yaml", {}, ParseVaryAxes({"devices=4,8"}));
  EXPECT_EQ(Outcome(builder, 1),
            "error: S.yaml:7:1: extra_key: unknown key 'extra_key'; expected "
            "one of block, calibration, devices, hardware, implementation, kernel, "
            "model, name, parallel, simgrid, workload");
  const std::string bad_devices =
      "model: llama-7b\nhardware: h100-sxm\ndevices: many\nworkload: {seq_len: 64K}\n";
  EXPECT_EQ(ExpectSameConfigurations(bad_devices, {}, {"devices=4,8"}), 2);
}

TEST(SweepDrafts, ResolvingInPlaceForgetsTheScenarioBefore) {
  // A scenario with every optional key set, then one with none: resolved into the same
  // ResolvedScenario, each gives what resolving it alone gives (nothing of the other leaks:
  // defaults come back, the default implementation replaces a named one, the kernel
  // calibration follows the implementation), in either order.
  const std::string rich = std::string(kDocument) +
                           R"(implementation: ring-flash-attn
simgrid: {mode: naive, embedding: rank-order}
name: rich
)";
  const std::string rich_workload =
      "workload: {seq_len: 64Ki, batch: 2, checkpointing: full, loss: chunked, "
      "loss_chunk_tokens: 4096, precision: fp8, offload: activations, causal: false}\n";
  const std::string plain =
      "model: llama-7b\nhardware: a100-sxm-80g\ndevices: 4\nworkload: {seq_len: 32K}\n";
  auto draft = [](const std::string& text) {
    return DraftFromYaml(LoadYamlString(text, "S.yaml"), "S.yaml");
  };
  // The rich document's own workload replaced by one that sets every key.
  std::string rich_text = rich;
  rich_text.replace(
      rich_text.find("workload:"),
      rich_text.find('\n', rich_text.find("workload:")) + 1 - rich_text.find("workload:"),
      rich_workload);
  const ScenarioDraft drafts[] = {draft(rich_text), draft(plain)};
  auto fingerprint = [](const Scenario& s) {
    return fmt::format("{} | {} | {} | {} | {} {} {} | {} | {} {}", Fingerprint(s),
                       s.implementation.kernel, s.hardware.calibration, s.simgrid.embedding,
                       static_cast<int>(s.workload.offload), s.workload.loss_chunk_tokens,
                       s.workload.causal, s.overrides.size(), s.parallel.sequence_parallel,
                       s.hardware.attention_efficiency.source);
  };
  for (const int first : {0, 1}) {
    ResolvedScenario resolved;
    for (const int d : {first, 1 - first, first}) {
      ScenarioIssue issue, alone_issue;
      ResolveScenario(drafts[d], &issue, nullptr, resolved);
      const Scenario alone = ResolveScenario(drafts[d], &alone_issue);
      ASSERT_TRUE(issue.ok()) << issue.key << ": " << issue.what;
      ASSERT_TRUE(alone_issue.ok());
      EXPECT_EQ(fingerprint(resolved.scenario), fingerprint(alone)) << "draft " << d;
    }
  }
  // The two differ where it matters, so the comparison can fail.
  ScenarioIssue issue;
  EXPECT_NE(fingerprint(ResolveScenario(drafts[0], &issue)),
            fingerprint(ResolveScenario(drafts[1], &issue)));
}

TEST(SweepDrafts, KeysInsideAModelReadTheDocument) {
  const SweepScenarioBuilder builder(kDocument, "S.yaml", {},
                                     ParseVaryAxes({"model.layers=1,3", "devices=4,8"}));
  EXPECT_FALSE(builder.from_drafts());
  EXPECT_EQ(builder.Build(2).model.layers, 3);
}

}  // namespace
}  // namespace ringsim
