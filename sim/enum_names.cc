#include "sim/parallel_spec.h"
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

}  // namespace ringsim
