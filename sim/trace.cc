#include "sim/trace.h"

namespace ringsim {

const char* TraceTrackName(TraceTrack track) {
  switch (track) {
    case TraceTrack::kCompute:
      return "compute";
    case TraceTrack::kComm:
      return "comm";
    case TraceTrack::kCollective:
      return "fsdp";
  }
  return "?";
}

}  // namespace ringsim
