#include "sim/simgrid/simgrid_engine.h"

#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <set>
#include <utility>

#include "sim/config_error.h"
#include "sim/rates.h"
#include "sim/ring_closed_form.h"
#include "sim/simgrid/simgrid_replay.h"
#include "sim/trace_wire.h"
#include "sim/wire.h"

namespace ringsim {

namespace {

// ---- Building the setup (no SimGrid yet) ----

std::vector<bool> FailedLinks(const MachineTopology& topology, const SimGridOptions& options);

int64_t LinkIndex(const MachineTopology& topology, const std::string& name, const char* option) {
  int64_t index = topology.FindLink(name);
  if (index >= 0) return index;
  std::vector<std::string> names;
  names.reserve(topology.links.size());
  for (const TopologyLink& link : topology.links) names.push_back(link.name);
  std::string suggestion = ClosestMatch(name, names);
  throw SimGridError(fmt::format(
      "{}: no link '{}' in this machine{}", option, name,
      suggestion.empty()
          ? fmt::format(" (links are named like '{}'; gpuN, nodeN, ib:nodeN, nvl:nodeN and "
                        "railN name groups of them)",
                        topology.links.front().name)
          : fmt::format("; did you mean '{}'?", suggestion)));
}

// A link's name, or a group of them as people name what broke: "gpu8" (every link of GPU 8),
// "node1" (every link of node 1's GPUs), "ib:node1" / "nvl:node1" (that kind of link of each
// GPU on node 1), "rail3" / "ib:rail3" (the InfiniBand link of local GPU 3 on every node: a
// rail-optimised fabric's rail 3, as its leaf switch serves it).
std::vector<int64_t> LinkIndices(const MachineTopology& topology, const std::string& name,
                                 const char* option) {
  if (topology.FindLink(name) >= 0) return {topology.FindLink(name)};
  const size_t colon = name.find(':');
  const std::string kind = colon == std::string::npos ? "" : name.substr(0, colon);
  const std::string what = colon == std::string::npos ? name : name.substr(colon + 1);
  const int64_t per_node = std::max<int64_t>(1, topology.hardware.devices_per_node);
  DeviceGroup group;
  const bool grouped =
      ParseDeviceGroup(what, &group) &&
      (group.kind == DeviceGroup::kNode || (group.kind == DeviceGroup::kGpu && kind.empty()) ||
       (group.kind == DeviceGroup::kRail && (kind.empty() || kind == "ib")));
  const std::vector<int64_t> devices =
      grouped ? GroupDevices(group, topology.devices, per_node) : std::vector<int64_t>{};
  const bool rail = grouped && group.kind == DeviceGroup::kRail;
  std::vector<int64_t> out;
  for (int64_t d : devices) {
    for (const char* prefix : {"nvl", "ib"}) {
      if (!kind.empty() && kind != prefix) continue;
      if (rail && std::string(prefix) != "ib") continue;
      const int64_t link = topology.FindLink(fmt::format("{}:gpu{}", prefix, d));
      if (link >= 0) out.push_back(link);
    }
  }
  if (!out.empty()) return out;
  return {LinkIndex(topology, name, option)};  // one clear error
}

std::vector<bool> FailedLinks(const MachineTopology& topology, const SimGridOptions& options) {
  std::vector<bool> failed(topology.links.size(), false);
  for (const std::string& name : options.failed_links) {
    for (int64_t link : LinkIndices(topology, name, "failed_links")) failed[link] = true;
  }
  return failed;
}

const RingPass* FirstRing(const Schedule& schedule) {
  for (const auto* phases : {&schedule.layer_phases, &schedule.tail_phases}) {
    for (const Phase& phase : *phases) {
      if (phase.kind == PhaseKind::kRing) return &phase.ring;
    }
  }
  return nullptr;
}

// Scope cluster: every device of a stage of `span` devices as a host, ring by ring (host
// order: tensor/Ulysses peer, then replica, then ring rank), the first ring's embedding
// `ring` repeated on each replica's devices. Where that does not tile the stage (a torus
// snake reaching past the first replica's devices), rank order.
std::vector<int64_t> ClusterHosts(const std::vector<int64_t>& ring, int64_t span, int64_t stride) {
  const int64_t n = static_cast<int64_t>(ring.size());
  const int64_t replicas = span / (n * stride);
  std::vector<int64_t> hosts;
  std::vector<bool> taken(span, false);
  bool tiles = true;
  for (int64_t peer = 0; peer < stride; ++peer) {
    for (int64_t replica = 0; replica < replicas; ++replica) {
      for (int64_t r = 0; r < n; ++r) {
        const int64_t d = replica * n * stride + ring[r] + peer;
        tiles = tiles && d < span && !taken[d];
        if (d < span) taken[d] = true;
        hosts.push_back(d);
      }
    }
  }
  if (tiles) return hosts;
  hosts.clear();
  for (int64_t peer = 0; peer < stride; ++peer) {
    for (int64_t replica = 0; replica < replicas; ++replica) {
      for (int64_t r = 0; r < n; ++r) hosts.push_back((replica * n + r) * stride + peer);
    }
  }
  return hosts;
}

void BuildSetup(const Schedule& schedule, const HardwareSpec& hardware,
                const SimGridOptions& options, ReplaySetup& s) {
  const int64_t n = schedule.ring_devices;
  s.schedule = &schedule;
  const int64_t stride = std::max<int64_t>(1, schedule.RankStride());
  const bool cluster = options.scope == ReplayScope::kCluster;
  // The devices replayed: one ring's span, or a whole pipeline stage; a pipeline's next stage
  // sits pipeline_stride devices on, and the platform reaches its peers.
  const int64_t span =
      cluster ? schedule.total_devices / std::max<int64_t>(1, schedule.pipeline) : n * stride;
  s.topology = BuildTopology(
      hardware, schedule.pipeline > 1 ? span + schedule.pipeline_stride : span, options.fabric);
  s.rates = MakeRates(schedule, s.topology.hardware);
  if (s.rates.peak_flops_per_s <= 0) {
    throw SimGridError(fmt::format("hardware '{}': no peak FLOP rate for precision '{}'",
                                   hardware.name, PrecisionName(schedule.precision)));
  }
  s.ring_ranks = n;
  const int64_t host_devices = cluster ? 1 : stride;  // devices a host stands for
  s.rank_device = EmbedRing(s.topology, n, stride, options.embedding);
  if (cluster) s.rank_device = ClusterHosts(s.rank_device, span, stride);
  const int64_t hosts = s.hosts();
  s.rank_speed.assign(hosts, 1.0);
  for (const auto& [rank, factor] : options.rank_speed) {
    if (rank < 0 || rank >= n) {
      throw SimGridError(
          fmt::format("rank_speed: rank {} is outside the ring (ranks 0 to {})", rank, n - 1));
    }
    if (!(factor > 0)) {
      throw SimGridError(
          fmt::format("rank_speed: rank {}: speed factor {} must be > 0", rank, factor));
    }
    s.rank_speed[rank] = factor;  // the first ring's rank (host `rank` in either scope)
  }
  const int64_t per_node = std::max<int64_t>(1, s.topology.hardware.devices_per_node);
  for (const auto& [name, factor] : options.device_speed) {
    DeviceGroup group;
    if (!ParseDeviceGroup(name, &group)) {
      throw SimGridError(fmt::format("rank_speed: '{}' is not gpuN or nodeN", name));
    }
    bool any = false;
    for (int64_t d : GroupDevices(group, s.topology.devices, per_node)) {
      for (int64_t r = 0; r < hosts; ++r) {
        if (s.rank_device[r] <= d && d < s.rank_device[r] + host_devices) {  // r's devices
          s.rank_speed[r] = factor;
          any = true;
        }
      }
    }
    if (!any) {
      throw SimGridError(fmt::format(
          "rank_speed: {} holds no ring rank (the ring's {} ranks run on devices 0 to {})", name, n,
          span - 1));
    }
  }
  s.link_bw_factor.assign(s.topology.links.size(), 1.0);
  for (const auto& [name, factor] : options.link_bw_factor) {
    if (!(factor > 0)) {
      throw SimGridError(
          fmt::format("link_bw_factor: link '{}': factor {} must be > 0 (use failed_links for a "
                      "link that is down)",
                      name, factor));
    }
    for (int64_t link : LinkIndices(s.topology, name, "link_bw_factor")) {
      s.link_bw_factor[link] = factor;
    }
  }
  s.failed = FailedLinks(s.topology, options);

  // Ring hops, then the FSDP rings.
  const auto& g = s.topology.graph;
  auto device_name = [&](int64_t host) -> const std::string& {
    return g[s.topology.device_vertex[s.rank_device[host]]].name;
  };
  s.ring_routes.resize(hosts);
  for (int64_t r = 0; r < hosts && n > 1; ++r) {
    if (!FindRoute(s.topology, s.rank_device[r], s.rank_device[s.RingNext(r)], s.failed,
                   &s.ring_routes[r])) {
      throw SimGridError(fmt::format(
          "the ring is broken: no route from rank {} ({}) to rank {} ({}) avoids the failed links",
          r % n, device_name(r), (r + 1) % n, device_name(s.RingNext(r))));
    }
  }
  // LoongTrain's double ring: the inner and outer rings' routes.
  const RingPass* ring = FirstRing(schedule);
  if (ring && ring->DoubleRing() && n > 1) {
    auto route = [&](int64_t r, int64_t to, std::vector<RouteHop>* out, const char* which) {
      if (!FindRoute(s.topology, s.rank_device[r], s.rank_device[to], s.failed, out)) {
        throw SimGridError(fmt::format(
            "the double ring's {} ring is broken: no route from rank {} to rank {} avoids the "
            "failed links",
            which, r % n, to % n));
      }
    };
    s.ring_inner_next.resize(hosts);
    s.ring_outer_next.resize(hosts);
    s.inner_routes.resize(hosts);
    s.outer_routes.resize(hosts);
    for (int64_t r = 0; r < hosts; ++r) {
      s.ring_inner_next[r] = s.InRing(r, ring->InnerNext(r % n));
      s.ring_outer_next[r] = s.InRing(r, ring->OuterNext(r % n));
      route(r, s.ring_inner_next[r], &s.inner_routes[r], "inner");
      route(r, s.ring_outer_next[r], &s.outer_routes[r], "outer");
    }
  }
  // FSDP groups: `fsdp` consecutive positions (ring rank fastest, then replica; Megatron-LM's
  // and torchtitan's context-parallel-inside-data-parallel order) among the hosts of one
  // tensor/Ulysses peer; the whole block of positions where fsdp does not divide it (one ring:
  // its ranks stand for a larger group, whose chunk count the collective keeps).
  const int64_t positions = cluster ? hosts / stride : n;
  int64_t group = std::min(std::max<int64_t>(1, schedule.fsdp), positions);
  if (positions % group != 0) group = positions;
  s.fsdp_next.resize(hosts);
  s.fsdp_routes.resize(hosts);
  for (int64_t r = 0; r < hosts; ++r) {
    const int64_t block = r / positions * positions, q = r % positions;
    s.fsdp_next[r] = block + q / group * group + (q % group + 1) % group;
    if (s.fsdp_next[r] == r) continue;
    if (!FindRoute(s.topology, s.rank_device[r], s.rank_device[s.fsdp_next[r]], s.failed,
                   &s.fsdp_routes[r])) {
      throw SimGridError(
          fmt::format("the FSDP ring is broken: no route from {} to {} avoids the failed links",
                      device_name(r), device_name(s.fsdp_next[r])));
    }
  }
  if (schedule.pipeline > 1) {
    s.stage_peer.resize(hosts);
    s.stage_routes.resize(hosts);
    for (int64_t r = 0; r < hosts; ++r) {
      s.stage_peer[r] = s.rank_device[r] + schedule.pipeline_stride;
      if (!FindRoute(s.topology, s.rank_device[r], s.stage_peer[r], s.failed, &s.stage_routes[r])) {
        throw SimGridError(fmt::format(
            "the pipeline is broken: no route from rank {} to its next stage avoids the failed "
            "links",
            r));
      }
    }
  }
  s.record_trace = options.record_trace;
  s.max_trace_events = options.max_trace_events;
}

// ---- Moving a result out of the simulation process ----

// One list of fields for both directions (sim/wire.h); the trace's records are in
// sim/trace_wire.h.
template <class Wire, class Result>
void ReplayResultFields(Wire& w, Result& r) {
  w.Field(r.mode);
  w.Field(r.finish_s);
  w.Field(r.busy_s);
  w.Field(r.exposed_s);
  w.Field(r.layer_phase_end_s);
  w.Field(r.collective_s);
  w.Field(r.ring_transfer_in_s);
  w.Field(r.layers_end_s);
  w.Field(r.tail_phase_end_s);
  w.Field(r.peak_blocks);
  w.Field(r.peak_buffer_bytes);
  w.Field(r.events);
  w.Field(r.buffer_bytes);
  w.Field(r.truncated);
  w.Field(r.simulated_layers);
  w.Field(r.stage_transfer_s);
  w.Field(r.saturated_link);
  w.Field(r.saturated_forward);
  w.Field(r.saturated_flows);
  w.Field(r.saturated_by);
  w.Field(r.simgrid_hosts);
  w.Field(r.simgrid_links);
  w.Field(r.simgrid_routes);
  w.Field(r.simgrid_activities);
}

ReplayResult Replay(const ReplaySetup& setup) {
  return setup.naive ? RunNaiveReplay(setup) : RunFastReplay(setup);
}

bool WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t k = write(fd, data.data() + done, data.size() - done);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    done += static_cast<size_t>(k);
  }
  return true;
}

std::string ReadAll(int fd) {
  std::string data;
  char buffer[1 << 16];
  for (;;) {
    ssize_t k = read(fd, buffer, sizeof buffer);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) break;
    data.append(buffer, static_cast<size_t>(k));
  }
  return data;
}

// SimGrid keeps global state and cannot start a second engine in one process: each
// simulation runs in a forked child that sends its result back through a pipe.
ReplayResult RunIsolated(const ReplaySetup& setup, double* peak_rss_bytes) {
  int fds[2];
  if (pipe(fds) != 0) throw SimGridError(fmt::format("pipe: {}", std::strerror(errno)));
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) throw SimGridError(fmt::format("fork: {}", std::strerror(errno)));
  if (pid == 0) {
    close(fds[0]);
    WireWriter w;
    try {
      ReplayResult result = Replay(setup);
      w.data() = "K";
      ReplayResultFields(w, result);
    } catch (const std::exception& e) {
      w.data() = std::string("E") + e.what();
    }
    bool ok = WriteAll(fds[1], w.data());
    close(fds[1]);
    _exit(ok ? 0 : 1);
  }
  close(fds[1]);
  std::string data = ReadAll(fds[0]);
  close(fds[0]);
  int status = 0;
  struct rusage usage;
  std::memset(&usage, 0, sizeof usage);
  while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  *peak_rss_bytes = static_cast<double>(usage.ru_maxrss) * 1024.0;
  if (data.empty() || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw SimGridError(
        WIFSIGNALED(status)
            ? fmt::format("the SimGrid simulation died (signal {}: {})", WTERMSIG(status),
                          strsignal(WTERMSIG(status)))
            : fmt::format("the SimGrid simulation failed (exit status {})", WEXITSTATUS(status)));
  }
  if (data[0] == 'E') throw SimGridError(data.substr(1));
  std::string body = data.substr(1);
  WireReader reader(body);
  ReplayResult result;
  try {
    ReplayResultFields(reader, result);
  } catch (const WireError&) {
    throw SimGridError("the simulation process sent a short result");
  }
  if (!reader.AtEnd()) throw SimGridError("the simulation process sent a longer result");
  return result;
}

ReplayResult RunHere(const ReplaySetup& setup) {
  static bool used = false;
  if (used) {
    throw SimGridError(
        "SimGrid runs one simulation per process; set SimGridOptions::isolate to run more");
  }
  used = true;
  return Replay(setup);
}

// ---- Turning the result into an Estimate and a report ----

double HopSeconds(const ReplaySetup& s, int64_t rank, double bytes) {
  const std::vector<RouteHop>& route = s.ring_routes[rank];
  return RouteLatency(s.topology, route) +
         bytes / RouteBandwidth(s.topology, route, s.link_bw_factor);
}

// `transfer_in_s`: per rank, the phase's longest ring transfer into it as replayed
// (ReplayResult::ring_transfer_in_s), null for a phase outside the layers, which is then
// priced by its uncontended route. The step's transfer is the busiest rank's (most busy_s),
// in or out, as the overlap verdict speaks of the device that sets the step.
PhaseTiming Timing(const ReplaySetup& s, const Phase& phase, double time_s, double collective_s,
                   const double* transfer_in_s, int64_t busiest) {
  PhaseTiming t{phase.name, phase.kind, time_s, 0, 0};
  const int64_t n = s.ring_ranks;
  if (phase.kind == PhaseKind::kRing) {
    RingStepPricer pricer(phase.ring, s.rates);
    auto seconds = [&](int64_t i, int64_t step) { return pricer.Seconds(i, step); };
    // A plain ring's steps by relation (ring_closed_form.h): steps 0, 1 and N - 1 hold a
    // rank's own block, a lower rank's (for rank 1 up) and a higher rank's (for all but the
    // last rank); a double ring's step by step.
    RelationStepSeconds relation;
    const bool by_relation = !phase.ring.DoubleRing();
    if (by_relation) PriceByRelation(n, seconds, relation);
    // Each ring rank at the slowest speed any ring gives it.
    std::vector<double> slowest(n, 0);
    for (int64_t h = 0; h < s.hosts(); ++h) {
      slowest[h % n] = std::max(slowest[h % n], 1 / s.rank_speed[h]);
      if (n > 1 && !transfer_in_s)
        t.step_comm_s = std::max(t.step_comm_s, HopSeconds(s, h, phase.ring.message_bytes));
    }
    for (int64_t i = 0; i < n; ++i) {
      if (by_relation) {
        for (const int64_t step : {int64_t{0}, std::min<int64_t>(1, n - 1), n - 1}) {
          t.max_step_compute_s = std::max(t.max_step_compute_s, relation.At(i, step) * slowest[i]);
        }
        continue;
      }
      for (int64_t step = 0; step < n; ++step) {
        t.max_step_compute_s = std::max(t.max_step_compute_s, seconds(i, step) * slowest[i]);
      }
    }
    if (n > 1 && transfer_in_s) {
      t.step_comm_s = std::max(transfer_in_s[busiest],
                               transfer_in_s[s.InRing(busiest, phase.ring.InnerNext(busiest % n))]);
    }
  } else if (IsBesideCompute(phase)) {
    t.time_s = t.step_comm_s = collective_s;
  }
  return t;
}

Estimate MakeEstimate(const ReplaySetup& s, const ReplayResult& r) {
  const Schedule& schedule = *s.schedule;
  Estimate e;
  e.engine = EngineKind::kSimGrid;
  const int64_t busiest = std::max_element(r.busy_s.begin(), r.busy_s.end()) - r.busy_s.begin();
  for (size_t p = 0; p < schedule.layer_phases.size(); ++p) {
    double before = p == 0 ? 0 : r.layer_phase_end_s[p - 1];
    e.phases.push_back(
        Timing(s, schedule.layer_phases[p], r.layer_phase_end_s[p] - before, r.collective_s[p],
               r.ring_transfer_in_s.data() + p * static_cast<size_t>(s.hosts()), busiest));
  }
  for (size_t p = 0; p < schedule.tail_phases.size(); ++p) {
    double before = p == 0 ? r.layers_end_s : r.tail_phase_end_s[p - 1];
    e.phases.push_back(
        Timing(s, schedule.tail_phases[p], r.tail_phase_end_s[p] - before, 0, nullptr, busiest));
  }
  const double tail_end_s =
      schedule.tail_phases.empty() ? r.layers_end_s : r.tail_phase_end_s.back();
  std::vector<double> finish_s = r.finish_s;
  AddPipeline(schedule, r.layers_end_s, tail_end_s - r.layers_end_s, r.stage_transfer_s, finish_s,
              e);
  if (s.OptimizerSeconds() > 0)
    e.phases.push_back({"optimizer", PhaseKind::kOptimizer, s.OptimizerSeconds(), 0, 0});
  FinishEstimate(schedule, s.rates.mfu_peak_flops_per_s, finish_s, r.busy_s, e);
  return e;
}

std::vector<SimGridLink> LinkUse(const ReplaySetup& s, const ReplayResult& r, double step_time_s) {
  const Schedule& schedule = *s.schedule;
  const int64_t hosts = s.hosts(), n = s.ring_ranks;
  std::map<std::pair<int64_t, bool>, SimGridLink> use;
  auto carry = [&](const std::vector<RouteHop>& route, double bytes, bool ring_hop) {
    for (const RouteHop& hop : route) {
      SimGridLink& l = use[{hop.link, hop.forward}];
      l.bytes += bytes;
      l.ring_hops += ring_hop;
    }
  };
  auto phases = [&](const std::vector<Phase>& list, double repeat) {
    for (const Phase& phase : list) {
      if (phase.kind == PhaseKind::kRing && n > 1) {
        for (int64_t h = 0; h < hosts; ++h) {
          carry(s.ring_routes[h],
                repeat *
                    (static_cast<double>(n - 1) * phase.ring.message_bytes + phase.ring.home_bytes),
                false);
        }
      }
      if (IsFsdpCollective(phase)) {
        for (int64_t h = 0; h < hosts; ++h) carry(s.fsdp_routes[h], repeat * phase.bytes, false);
      }
    }
  };
  phases(schedule.layer_phases, static_cast<double>(schedule.layers));
  phases(schedule.tail_phases, 1);
  for (int64_t h = 0; h < hosts && n > 1; ++h) carry(s.ring_routes[h], 0, true);
  for (size_t i = 0; i < r.saturated_link.size(); ++i) {
    SimGridLink& l = use[{r.saturated_link[i], r.saturated_forward[i] != 0}];
    l.saturated = true;
    l.sharing_flows = r.saturated_flows[i];
    l.saturated_by = r.saturated_by[i];
  }
  std::vector<SimGridLink> out;
  for (auto& [key, l] : use) {
    const TopologyLink& t = s.topology.links[key.first];
    const std::string& a = s.topology.graph[t.a].name;
    const std::string& b = s.topology.graph[t.b].name;
    l.name = t.name;
    l.direction = key.second ? a + " -> " + b : b + " -> " + a;
    l.kind = t.kind;
    l.bw_bytes_per_s = t.bw_bytes_per_s * s.link_bw_factor[key.first];
    l.utilisation = step_time_s > 0 ? l.bytes / (l.bw_bytes_per_s * step_time_s) : 0;
    if (l.bytes > 0) out.push_back(l);
  }
  // Saturated links first (most flows sharing), then by utilisation over the step.
  std::stable_sort(out.begin(), out.end(), [](const SimGridLink& x, const SimGridLink& y) {
    if (x.saturated != y.saturated) return x.saturated;
    if (x.sharing_flows != y.sharing_flows) return x.sharing_flows > y.sharing_flows;
    return x.utilisation > y.utilisation;
  });
  return out;
}

std::string FabricText(const MachineTopology& t) {
  if (t.torus) return "torus";
  return fmt::format("{}, {}:1, {}", FabricKindName(t.fabric.kind), t.fabric.oversubscription,
                     PlacementName(t.fabric.placement));
}

void FillReport(const ReplaySetup& s, const SimGridOptions& options, ReplayResult& r,
                const Estimate& e, SimGridReport* report) {
  const int64_t n = s.ring_ranks;
  report->mode = r.mode;
  report->embedding = RingEmbeddingName(options.embedding);
  report->scope = ReplayScopeName(options.scope);
  report->fabric = FabricText(s.topology);
  report->ring_copies = s.hosts() / n;
  // The first ring's embedding (every ring's in scope ring; the others repeat it).
  report->rank_device.assign(s.rank_device.begin(), s.rank_device.begin() + n);
  report->embedding_stats = AnalyzeEmbedding(s.topology, report->rank_device, s.failed);
  try {
    std::vector<int64_t> plain = EmbedRing(
        s.topology, n, std::max<int64_t>(1, s.schedule->RankStride()), RingEmbedding::kRankOrder);
    report->rank_order_stats = AnalyzeEmbedding(s.topology, plain, s.failed);
  } catch (const std::runtime_error&) {
    report->rank_order_broken = true;
  }
  report->topology_devices = s.topology.devices;
  report->topology_links = static_cast<int64_t>(s.topology.links.size());
  report->devices.clear();
  for (int64_t i = 0; i < s.hosts(); ++i) {
    SimGridDevice d;
    d.rank = i % n;
    d.ring_copy = i / n;
    d.device = s.rank_device[i];
    d.name = s.topology.graph[s.topology.device_vertex[d.device]].name;
    d.speed_factor = s.rank_speed[i];
    d.busy_s = r.busy_s[i];
    d.waiting_s = e.step_time_s - r.busy_s[i];
    d.blocked_s = r.exposed_s[i];
    d.peak_ring_blocks = r.peak_blocks[i];
    d.peak_ring_message_bytes = r.peak_buffer_bytes[i];
    report->peak_ring_message_bytes =
        std::max(report->peak_ring_message_bytes, d.peak_ring_message_bytes);
    report->devices.push_back(std::move(d));
  }
  report->links = LinkUse(s, r, e.step_time_s);
  report->saturated_links = static_cast<int64_t>(r.saturated_link.size());
  report->trace = Trace();
  if (options.record_trace) {
    for (const SimGridDevice& d : report->devices) {
      report->trace.device_names.push_back(
          report->ring_copies > 1 ? fmt::format("ring {} rank {} ({})", d.ring_copy, d.rank, d.name)
                                  : fmt::format("rank {} ({})", d.rank, d.name));
    }
    report->trace.events = std::move(r.events);
    report->trace.counters = std::move(r.buffer_bytes);
    report->trace.metadata = {{"engine", "simgrid"},
                              {"replay", r.mode},
                              {"embedding", report->embedding},
                              {"step_time_s", fmt::format("{:.9g}", e.step_time_s)},
                              {"truncated", r.truncated ? "true" : "false"}};
  }
  report->trace_truncated = r.truncated;
  report->simulated_layers = r.simulated_layers;
  report->simgrid_hosts = r.simgrid_hosts;
  report->simgrid_links = r.simgrid_links;
  report->simgrid_routes = r.simgrid_routes;
  report->simgrid_activities = r.simgrid_activities;
}

// Whether the fast replay gives the naive replay's answer: its one approximation is how a
// rank's ring sends share links with traffic that does not move in step with them (FSDP
// collectives, or other ring hops on the same link direction, which the fast replay prices as
// if all sent at once). Without either, each hop's transfer takes what SimGrid prices for it
// alone whenever it is sent, in both.
bool FastReplayIsExact(const ReplaySetup& s) {
  for (int64_t r = 0; r < s.hosts(); ++r) {
    if (s.fsdp_next[r] != r) return false;
  }
  std::set<std::pair<int64_t, bool>> used;
  for (const std::vector<RouteHop>& route : s.ring_routes) {
    for (const RouteHop& hop : route) {
      if (!used.insert({hop.link, hop.forward}).second) return false;
    }
  }
  return true;
}

}  // namespace

const char* ReplayScopeName(ReplayScope scope) {
  return scope == ReplayScope::kCluster ? "cluster" : "ring";
}

const char* ReplayModeName(ReplayMode mode) {
  switch (mode) {
    case ReplayMode::kAuto:
      return "auto";
    case ReplayMode::kNaive:
      return "naive";
    case ReplayMode::kFast:
      return "fast";
  }
  return "?";
}

int64_t NaiveReplaySteps(const Schedule& schedule) {
  auto steps = [&](const std::vector<Phase>& phases) {
    int64_t total = 0;
    for (const Phase& phase : phases) {
      if (phase.kind == PhaseKind::kRing) total += phase.ring.devices * phase.ring.devices;
      if (IsFsdpCollective(phase)) total += (phase.group - 1) * schedule.ring_devices;
    }
    return total;
  };
  return schedule.layers * steps(schedule.layer_phases) + steps(schedule.tail_phases);
}

Estimate SimulateSimGrid(const Schedule& schedule, const HardwareSpec& hardware,
                         const SimGridOptions& options, SimGridReport* report) {
  auto wall_start = std::chrono::steady_clock::now();
  if (schedule.ring_devices < 1) throw SimGridError("the schedule has no ring devices");
  if (schedule.ring_devices > kMaxSimGridRanks) {
    throw SimGridError(fmt::format(
        "a ring of {} ranks is above the SimGrid engine's limit of {} (its time grows as "
        "ranks^2); use --engine analytical",
        schedule.ring_devices, kMaxSimGridRanks));
  }
  if (options.mode == ReplayMode::kNaive && NaiveReplaySteps(schedule) > kMaxNaiveReplaySteps) {
    throw SimGridError(
        fmt::format("mode: naive replay of {} rank-steps is above the limit of {}; use mode fast "
                    "or auto",
                    NaiveReplaySteps(schedule), kMaxNaiveReplaySteps));
  }
  if (options.scope == ReplayScope::kCluster) {
    const int64_t stage = schedule.total_devices / std::max<int64_t>(1, schedule.pipeline);
    if (stage > kMaxSimGridHosts) {
      throw SimGridError(fmt::format(
          "scope: cluster replays every device of a pipeline stage: {} is above the limit of {}",
          stage, kMaxSimGridHosts));
    }
    if (options.mode == ReplayMode::kNaive) {
      throw SimGridError(
          "mode: scope cluster runs the fast replay (a naive replay of every replica's ring would "
          "take hours); use mode fast or auto");
    }
  }
  // The naive replay's actors run the plain ring protocol only.
  const RingPass* ring = FirstRing(schedule);
  const bool double_ring = ring && ring->DoubleRing();
  if (double_ring && options.mode == ReplayMode::kNaive) {
    throw SimGridError(
        "mode: the naive replay runs the plain ring only; parallel.window (a double ring) needs "
        "mode fast or auto");
  }
  ReplaySetup setup;
  BuildSetup(schedule, hardware, options, setup);
  setup.naive = !double_ring && options.scope == ReplayScope::kRing &&
                (options.mode == ReplayMode::kNaive ||
                 (options.mode == ReplayMode::kAuto && !FastReplayIsExact(setup) &&
                  NaiveReplaySteps(schedule) <= options.auto_naive_max_steps));
  double peak_rss = 0;
  ReplayResult result = options.isolate ? RunIsolated(setup, &peak_rss) : RunHere(setup);
  Estimate estimate = MakeEstimate(setup, result);
  if (report) {
    FillReport(setup, options, result, estimate, report);
    report->simulator_peak_rss_bytes = peak_rss;
    report->wall_time_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  }
  return estimate;
}

Estimate SimGridEngine::Run(const Scenario& scenario, const Schedule& schedule, Trace* trace) {
  SimGridOptions options;
  options.record_trace = trace != nullptr;
  const SimGridSpec& spec = scenario.simgrid;
  options.mode = spec.mode == "naive"  ? ReplayMode::kNaive
                 : spec.mode == "fast" ? ReplayMode::kFast
                                       : ReplayMode::kAuto;
  options.embedding =
      spec.embedding == "rank-order" ? RingEmbedding::kRankOrder : RingEmbedding::kTopologyAware;
  options.rank_speed = spec.rank_speed;
  options.device_speed = spec.device_speed;
  options.link_bw_factor = spec.link_bw_factor;
  options.failed_links.insert(spec.failed_links.begin(), spec.failed_links.end());
  options.scope = spec.scope == "cluster" ? ReplayScope::kCluster : ReplayScope::kRing;
  options.fabric.kind =
      spec.fabric == "fat-tree" ? FabricSpec::kFatTree : FabricSpec::kRailOptimised;
  options.fabric.oversubscription = spec.oversubscription;
  options.fabric.placement = spec.placement == "spread" ? FabricSpec::kSpread : FabricSpec::kPacked;
  report_ = SimGridReport();
  Estimate estimate;
  try {
    estimate = SimulateSimGrid(schedule, scenario.hardware, options, &report_);
  } catch (const SimGridError& e) {
    // Errors about the scenario's simgrid: keys name the key; others the engine.
    const std::string what = e.what();
    for (const char* key : {"failed_links", "link_bw_factor", "rank_speed", "mode", "scope"}) {
      if (what.rfind(key, 0) == 0) {
        throw ConfigError(fmt::format("{}: simgrid.{}", scenario.file, what));
      }
    }
    throw ConfigError(fmt::format("{}: --engine simgrid: {}", scenario.file, what));
  }
  if (trace) *trace = std::move(report_.trace);
  return estimate;
}

}  // namespace ringsim
