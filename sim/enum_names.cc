#include "sim/estimate.h"
#include "sim/implementation.h"
#include "sim/parallel_spec.h"
#include "sim/precision.h"
#include "sim/workload_spec.h"

namespace ringsim {

namespace {

// The value of `all` whose name `name_of` gives `name`, into `out`.
template <typename Enum, size_t N>
bool ParseByName(const std::string& name, const Enum (&all)[N], const char* (*name_of)(Enum),
                 Enum* out) {
  for (Enum value : all) {
    if (name == name_of(value)) {
      *out = value;
      return true;
    }
  }
  return false;
}

}  // namespace

const char* VariantName(RingVariant variant) {
  switch (variant) {
    case RingVariant::kRing:
      return "ring";
    case RingVariant::kStriped:
      return "striped";
    case RingVariant::kZigzag:
      return "zigzag";
  }
  return "?";
}

const char* ScopeName(Scope scope) {
  switch (scope) {
    case Scope::kAttention:
      return "attention";
    case Scope::kLayer:
      return "layer";
    case Scope::kModel:
      return "model";
  }
  return "?";
}

const char* PassName(Pass pass) { return pass == Pass::kForward ? "fwd" : "fwd_bwd"; }

const char* CheckpointingName(Checkpointing checkpointing) {
  switch (checkpointing) {
    case Checkpointing::kNone:
      return "none";
    case Checkpointing::kSelective:
      return "selective";
    case Checkpointing::kFull:
      return "full";
    case Checkpointing::kSelectiveOp:
      return "selective-op";
  }
  return "?";
}

const char* LossName(Loss loss) { return loss == Loss::kFull ? "full" : "chunked"; }

const char* OffloadName(Offload offload) {
  switch (offload) {
    case Offload::kNone:
      return "none";
    case Offload::kActivations:
      return "activations";
    case Offload::kOptimizer:
      return "optimizer";
    case Offload::kBoth:
      return "activations+optimizer";
  }
  return "?";
}

const char* PrecisionName(Precision precision) {
  switch (precision) {
    case Precision::kBf16:
      return "bf16";
    case Precision::kFp32:
      return "fp32";
    case Precision::kFp8:
      return "fp8";
  }
  return "?";
}

bool ParsePrecision(const std::string& name, Precision* precision) {
  static const Precision all[] = {Precision::kBf16, Precision::kFp32, Precision::kFp8};
  return ParseByName(name, all, PrecisionName, precision);
}

const char* LaunchRuleName(LaunchRule rule) {
  switch (rule) {
    case LaunchRule::kChunkPairs:
      return "chunk-pairs";
    case LaunchRule::kHalves:
      return "halves";
    case LaunchRule::kCausalEveryStep:
      return "causal-every-step";
    case LaunchRule::kGatheredPrefix:
      return "gathered-prefix";
  }
  return "?";
}

bool ParseLaunchRule(const std::string& name, LaunchRule* rule) {
  static const LaunchRule all[] = {LaunchRule::kChunkPairs, LaunchRule::kHalves,
                                   LaunchRule::kCausalEveryStep, LaunchRule::kGatheredPrefix};
  return ParseByName(name, all, LaunchRuleName, rule);
}

const char* CommPatternName(CommPattern pattern) {
  switch (pattern) {
    case CommPattern::kP2P:
      return "p2p";
    case CommPattern::kAllGather:
      return "all-gather";
    case CommPattern::kAllToAll:
      return "all-to-all";
    case CommPattern::kNone:
      return "none";
  }
  return "?";
}

bool ParseCommPattern(const std::string& name, CommPattern* pattern) {
  static const CommPattern all[] = {CommPattern::kP2P, CommPattern::kAllGather,
                                    CommPattern::kAllToAll, CommPattern::kNone};
  return ParseByName(name, all, CommPatternName, pattern);
}

const char* EngineName(EngineKind engine) {
  return engine == EngineKind::kSimGrid ? "simgrid" : "analytical";
}

bool ParseEngine(const std::string& name, EngineKind* engine) {
  static const EngineKind all[] = {EngineKind::kAnalytical, EngineKind::kSimGrid};
  return ParseByName(name, all, EngineName, engine);
}

}  // namespace ringsim
