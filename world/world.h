// World: one simulated run's universe — the simulator, the network, the engine nodes (each an
// unmodified Server on its own simulated host, disk and clock) and the simulated clients (fibers
// that speak RESP over netsim and record a history).
//
// Node lifecycle: Start builds a Server on the host's SimEnv; Crash resets the host's
// connections, drops its pending events, destroys the Server (no graceful shutdown) and loses the
// disk's page cache; Restart builds a fresh Server on the same disk; Pause/Resume stop the host's
// events (timers pile up).
//
// Role lanes: every node records its role over simulated time (RoleSpan: primary, replica of a
// node, down, paused) with its replication epoch. Samples are taken on events, never polled:
// Start, Crash, Pause and Resume here, and the engine's Replication change hook (REPLICAOF,
// promotion, a new replication id, a completed full or partial sync). Recording only reads the
// server, so it never changes what a run does or its trace hash.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/cluster/cluster.h"
#include "engine/resp/resp_value.h"
#include "engine/sentinel/sentinel.h"
#include "engine/server/config.h"
#include "engine/server/server.h"
#include "netsim/network.h"
#include "sim/fiber.h"
#include "sim/sim_disk.h"
#include "sim/sim_env.h"
#include "sim/simulator.h"
#include "world/history.h"

namespace redsim::world {

class World;

// One node's role over [from_ns, to_ns) of simulated time.
struct RoleSpan {
  std::string node;
  int64_t from_ns = 0;
  int64_t to_ns = -1;  // -1 while open (the run's end once the run is finished)
  std::string role;    // "primary", "replica", "sentinel", "down" (crashed or not started) or
                       // "paused"
  std::string master;  // replica: the node it follows (its name, or host:port of a stranger)
  // The replication epoch: each replication id a primary announces is a new epoch, numbered from
  // 1 in order of first appearance in the run; a replica holds the epoch of the history it
  // synced (0: none yet, e.g. a replica before its first sync; down nodes have 0).
  int epoch = 0;
  std::string replid;  // the node's replication id (empty when down)
};

class SimNode {
 public:
  SimNode(World* world, std::string name, std::string address, ServerConfig config);
  ~SimNode();

  const std::string& name() const { return name_; }
  const std::string& address() const { return address_; }
  sim::HostId host() const { return host_; }
  sim::SimDisk& disk() { return *disk_; }
  Server* server() const { return server_.get(); }
  bool up() const { return server_ != nullptr; }
  ServerConfig& config() { return config_; }
  int port() const { return static_cast<int>(config_.port); }

  // Start aborts when the server cannot start; TryStart returns why instead (a scenario may
  // judge a failed restart).
  void Start();
  Status TryStart();
  void Crash();
  void Restart() { Start(); }
  void Pause();
  void Resume();
  uint32_t crashes() const { return crashes_; }

  // Role lane (see the file comment). NoteRole samples the current role and starts a new span
  // when it differs from the open one; two samples at one instant keep the last.
  void NoteRole();
  const std::vector<RoleSpan>& roles() const { return roles_; }
  static constexpr size_t kMaxRoleSpans = 4096;  // later changes are counted, not kept
  uint64_t roles_dropped() const { return roles_dropped_; }

 private:
  World* world_;
  std::string name_;
  std::string address_;
  ServerConfig config_;
  sim::HostId host_;
  std::unique_ptr<sim::SimDisk> disk_;
  std::unique_ptr<sim::SimEnv> env_;
  std::unique_ptr<Server> server_;
  // The engine's fault points (Env::FaultPoint) under this node's config: "drop-acked-write".
  bool FaultPointFires(std::string_view point);

  uint32_t crashes_ = 0;
  bool paused_ = false;
  int64_t drop_acked_writes_every_ = 0;  // config debug-drop-acked-writes-every, at Start
  uint64_t fault_point_sets_ = 0;        // plain SETs asked about since Start
  std::vector<RoleSpan> roles_;
  uint64_t roles_dropped_ = 0;
};

// Outcome of one request from a simulated client.
struct CallResult {
  enum class Status { kReply, kTimeout, kDisconnected, kNotConnected, kStopped };
  Status status = Status::kNotConnected;
  RespValue reply;
  bool ok() const { return status == Status::kReply && !reply.is_error(); }
};

// A RESP client living on its own simulated host; its calls block the calling fiber.
class SimClient : public StreamHandler, public sim::EventTarget {
 public:
  SimClient(World* world, sim::HostId host);
  ~SimClient() override;

  sim::HostId host() const { return host_; }
  bool connected() const { return stream_ != nullptr && !broken_; }
  // Connects (blocking the fiber) to address:port; false on refusal, timeout or stop.
  bool Connect(const std::string& address, int port, int64_t timeout_ns);
  void Disconnect();
  // Sends a command and waits for its reply, at most `timeout_ns`.
  CallResult Call(const std::vector<std::string>& args, int64_t timeout_ns);
  // The same without building a vector of strings (the hot path of the workloads).
  CallResult CallArgs(const std::string_view* args, size_t count, int64_t timeout_ns);
  // Sends several commands in one write (a pipeline) and waits for all their replies; the
  // results are in order. A timeout or disconnect marks the unanswered rest the same way.
  std::vector<CallResult> CallPipeline(const std::vector<std::vector<std::string>>& commands,
                                       int64_t timeout_ns);
  // Wakes a waiting fiber so it can notice the world is stopping.
  void Interrupt();

  void OnReadable() override;
  void OnWritable() override;
  // The request timeout timer (one pending at a time, re-armed lazily).
  void Fire(int64_t arg) override;

 private:
  bool TryParseReply();
  void AppendRequest(const std::string_view* args, size_t count);
  void Wake();
  // Sets the deadline of the call in progress (Fire wakes the waiter once it passes).
  void ArmDeadline(int64_t timeout_ns);

  World* world_;
  sim::HostId host_;
  std::unique_ptr<Stream> stream_;
  std::string in_;
  std::string out_;
  bool have_reply_ = false;
  RespValue reply_;
  uint64_t reply_hash_ = 0;  // of the parsed reply's RESP bytes
  bool broken_ = false;
  sim::FiberEvent* waiter_ = nullptr;
  int64_t deadline_ns_ = 0;
  bool timer_pending_ = false;
  bool timed_out_ = false;
};

// One event a Sentinel node published (its SentinelEvent), when and by which node.
struct SentinelEventRecord {
  std::string node;
  int64_t time_ns = 0;
  SentinelEvent event;
  // +switch-master: the node the Sentinel names as primary from now on (its world name, or
  // ip:port of a stranger); "" for other events.
  std::string primary;
};

// One change a Cluster node announced (engine/cluster/cluster.h Event), with the names of the
// nodes involved as the world calls them.
struct ClusterEventRecord {
  std::string node;  // who announced it
  int64_t time_ns = 0;
  std::string kind;  // failover-won, node-failed, epoch-bumped, slots-changed, state-changed,
                     // role-changed
  uint64_t epoch = 0;
  std::string peer;  // node-failed: the failed node; role-changed: the new master ("" = myself)
  bool ok = false;   // state-changed: the new cluster_state
};

class World {
 public:
  explicit World(uint64_t seed);
  ~World();

  sim::Simulator& sim() { return sim_; }
  netsim::Network& net() { return net_; }
  History& history() { return history_; }
  uint64_t seed() const { return sim_.seed(); }

  SimNode* AddNode(const std::string& name, ServerConfig config);
  SimNode* node(size_t i) { return nodes_[i].get(); }
  size_t node_count() const { return nodes_.size(); }
  // A client host and its client; the client's process id is its index.
  SimClient* AddClient();
  size_t client_count() const { return clients_.size(); }
  SimClient* client(size_t i) { return clients_[i].get(); }
  // The node listening on address:port, or nullptr.
  SimNode* NodeAt(const std::string& address, int port) const;

  // Replication epochs (see RoleSpan::epoch): the epoch of a replication id, numbering it when
  // `assign` (a primary announces it) and it is new; 0 for an id no primary announced.
  int EpochOf(const std::string& replid, bool assign);
  // Every node's role spans, in node order then time; open spans end now.
  std::vector<RoleSpan> RoleSpans() const;

  // Records a nemesis action in the history and the trace.
  void RecordNemesis(const std::string& action, const std::string& detail);
  // The same with a JSON value as the detail ({"nodes":["n1"],"shape":"halves",...}).
  void RecordNemesisJson(const std::string& action, const std::string& detail_json);

  // Runs the world for `duration_ns` of simulated time, then stops the clients and joins their
  // fibers.
  void Run(int64_t duration_ns);
  bool stopping() const { return stopping_; }
  void RequestStop();

  // Coverage probes: named counters of rare paths a run went through. Scenario code bumps them
  // with Probe(); engine log lines matching a pattern from AddLogProbe bump them too (see
  // world/probes.h). Scenarios copy them into their results at the end of a run.
  void Probe(const std::string& name, uint64_t n = 1) { probes_[name] += n; }
  // Declares a probe this run could hit, so a run that never hits it reports 0 (and a sweep can
  // flag probes that never fired) rather than leaving it out.
  void ExpectProbe(const std::string& name) { probes_.emplace(name, 0); }
  const std::map<std::string, uint64_t>& probes() const { return probes_; }

  // Every event the Sentinel nodes published, in simulated-time order (recorded through the
  // engine's event hook; recording never changes what a run does). Bounded: later events are
  // counted, not kept.
  void RecordSentinelEvent(const std::string& node, const SentinelEvent& event);
  const std::vector<SentinelEventRecord>& sentinel_events() const { return sentinel_events_; }
  static constexpr size_t kMaxSentinelEvents = 100'000;
  uint64_t sentinel_events_dropped() const { return sentinel_events_dropped_; }

  // Every change the Cluster nodes announced, in simulated-time order (bounded like the Sentinel
  // events; repeats of one change by one node at one instant, e.g. per slot, are kept once). Node
  // ids are translated to the nodes' names when the node is known.
  void RecordClusterEvent(const std::string& node, const cluster::Event& event);
  const std::vector<ClusterEventRecord>& cluster_events() const { return cluster_events_; }
  // The world name of the node whose cluster id is `id` (the id itself if none has it).
  std::string NodeNameOfClusterId(const std::string& id) const;

  // A per-node log sink (nullptr: engine logs are discarded).
  void set_log_sink(std::shared_ptr<spdlog::logger> sink) { log_sink_ = std::move(sink); }
  std::shared_ptr<spdlog::logger> log_sink() const { return log_sink_; }

 private:
  sim::Simulator sim_;
  netsim::Network net_;
  History history_;
  std::vector<std::unique_ptr<SimNode>> nodes_;
  std::vector<std::unique_ptr<SimClient>> clients_;
  std::shared_ptr<spdlog::logger> log_sink_;
  std::map<std::string, uint64_t> probes_;
  std::map<std::string, int> epochs_;  // replication id -> epoch number
  std::vector<SentinelEventRecord> sentinel_events_;
  std::vector<ClusterEventRecord> cluster_events_;
  uint64_t sentinel_events_dropped_ = 0;
  bool stopping_ = false;
};

}  // namespace redsim::world
