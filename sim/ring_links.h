#pragma once
// Which link each hop of the ring uses. Ring ranks are placed in rank order with
// tensor-parallel groups innermost, so rank r sits on device r * tensor.

#include <cstdint>
#include <vector>

#include "sim/hardware_spec.h"

namespace ringsim {

/// hop[r] is the link from ring rank r to rank (r + 1) mod N (pointing into `hardware`, which
/// must outlive them; ranks stride over `tensor` devices). Empty for N = 1.
std::vector<const LinkSpec*> RingHopLinks(const HardwareSpec& hardware, int64_t ring_devices,
                                          int64_t tensor);

/// The slowest hop of the ring (it sets the overlap condition); the intra-node link for a
/// ring of one.
LinkSpec SlowestRingHop(const HardwareSpec& hardware, int64_t ring_devices, int64_t tensor);

/// Transfer time of `bytes` over `link`: latency + bytes / bandwidth.
inline double TransferTime(const LinkSpec& link, double bytes) {
  return link.latency_s + bytes / link.bw_bytes_per_s;
}

/// The link between two devices: the intra-node link within a node (or on a torus, whose ring
/// embeddings follow its neighbours), else the inter-node one.
const LinkSpec& DeviceLink(const HardwareSpec& hardware, int64_t from_device, int64_t to_device);

/// The link a group of `group` devices (innermost placement) communicates over: the
/// intra-node link when the group fits in a node (or always, on a torus).
const LinkSpec& GroupLink(const HardwareSpec& hardware, int64_t group, int64_t stride);

}  // namespace ringsim
