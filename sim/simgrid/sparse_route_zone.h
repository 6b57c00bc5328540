#pragma once
// A SimGrid netzone that holds only the routes it is given. SimGrid's full zone keeps an
// N x N routing table whatever the routes (2.1 GiB of pointers at 16 384 hosts for the 2N
// routes a ring replay sets); this one keeps each route's links by (source, destination), so
// a platform's memory grows with its routes. A route asked for and never given is an error,
// as in a full zone.

#include <simgrid/s4u.hpp>
#include <string>

namespace ringsim {

/// Creates the zone (the engine's root when it is the first zone) and returns its interface.
simgrid::s4u::NetZone* CreateSparseRouteZone(const std::string& name);

}  // namespace ringsim
