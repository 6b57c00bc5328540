#include "sim/implementation.h"
#include "sim/parallel_spec.h"
#include "sim/precision.h"
#include "sim/workload_spec.h"

namespace ringsim {

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
  for (Precision p : {Precision::kBf16, Precision::kFp32, Precision::kFp8}) {
    if (name == PrecisionName(p)) {
      *precision = p;
      return true;
    }
  }
  return false;
}

const char* LaunchRuleName(LaunchRule rule) {
  switch (rule) {
    case LaunchRule::kChunkPairs:
      return "chunk-pairs";
    case LaunchRule::kHalves:
      return "halves";
    case LaunchRule::kCausalEveryStep:
      return "causal-every-step";
  }
  return "?";
}

bool ParseLaunchRule(const std::string& name, LaunchRule* rule) {
  for (LaunchRule r :
       {LaunchRule::kChunkPairs, LaunchRule::kHalves, LaunchRule::kCausalEveryStep}) {
    if (name == LaunchRuleName(r)) {
      *rule = r;
      return true;
    }
  }
  return false;
}

const char* CommPatternName(CommPattern pattern) {
  return pattern == CommPattern::kAllGather ? "all-gather" : "p2p";
}

bool ParseCommPattern(const std::string& name, CommPattern* pattern) {
  for (CommPattern p : {CommPattern::kP2P, CommPattern::kAllGather}) {
    if (name == CommPatternName(p)) {
      *pattern = p;
      return true;
    }
  }
  return false;
}

}  // namespace ringsim
