#pragma once
// Trace slices and counter samples on the wire (sim/wire.h): the SimGrid replay's isolated
// process sends its trace back this way.

#include "sim/trace.h"
#include "sim/wire.h"

namespace ringsim {

template <class Wire, class E>
auto WireFields(Wire& w, E& e) -> WireRecord<E, TraceEvent> {
  w.Field(e.device);
  WireEnum(w, e.track);
  w.Field(e.name);
  w.Field(e.start_s);
  w.Field(e.end_s);
  w.Field(e.args.layer);
  w.Field(e.args.step);
  w.Field(e.args.bytes);
  w.Field(e.args.flops);
  w.Field(e.args.flow_out);
  w.Field(e.args.flow_in);
}

template <class Wire, class E>
auto WireFields(Wire& w, E& c) -> WireRecord<E, CounterSample> {
  w.Field(c.device);
  w.Field(c.time_s);
  w.Field(c.value);
}

}  // namespace ringsim
