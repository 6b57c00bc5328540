#include "sim/ring_links.h"

#include <algorithm>

namespace ringsim {

std::vector<const LinkSpec*> RingHopLinks(const HardwareSpec& hw, int64_t ring_devices,
                                          int64_t tensor) {
  std::vector<const LinkSpec*> hops;
  if (ring_devices < 2) return hops;
  hops.reserve(ring_devices);
  for (int64_t r = 0; r < ring_devices; ++r) {
    if (hw.topology == Topology::kTorus) {
      hops.push_back(&hw.intra_node);  // a ring embeds in a torus along ICI neighbours
      continue;
    }
    int64_t from_node = r * tensor / hw.devices_per_node;
    int64_t to_node = ((r + 1) % ring_devices) * tensor / hw.devices_per_node;
    hops.push_back(from_node == to_node ? &hw.intra_node : &hw.inter_node);
  }
  return hops;
}

LinkSpec SlowestRingHop(const HardwareSpec& hw, int64_t ring_devices, int64_t tensor) {
  std::vector<const LinkSpec*> hops = RingHopLinks(hw, ring_devices, tensor);
  if (hops.empty()) return hw.intra_node;
  return **std::min_element(hops.begin(), hops.end(), [](const LinkSpec* a, const LinkSpec* b) {
    return a->bw_bytes_per_s < b->bw_bytes_per_s;
  });
}

const LinkSpec& DeviceLink(const HardwareSpec& hw, int64_t from_device, int64_t to_device) {
  if (hw.topology == Topology::kTorus) return hw.intra_node;
  const int64_t per_node = std::max<int64_t>(1, hw.devices_per_node);
  return from_device / per_node == to_device / per_node ? hw.intra_node : hw.inter_node;
}

const LinkSpec& GroupLink(const HardwareSpec& hw, int64_t group, int64_t stride) {
  if (hw.topology == Topology::kTorus) return hw.intra_node;
  return group * stride <= hw.devices_per_node ? hw.intra_node : hw.inter_node;
}

}  // namespace ringsim
