// Cluster: one node's view of a Redis Cluster — the table of known nodes, which node serves each
// of the 16384 hash slots, the slots this node is migrating or importing, the epochs
// (currentEpoch, each master's configEpoch, the epoch of our last vote) and the cluster state
// (ok/fail) derived from them. The Server owns one only when `cluster-enabled yes`.
//
// It reaches the node only through ClusterHandles (the Env, config, log, the keys of database 0,
// a way to follow a primary), never through the Server, and persists itself to the
// `cluster-config-file` (nodes.conf, Redis's line format, written to a temporary file, fsynced
// and renamed over the old one on every change).
//
// Invariants: exactly one node carries kMyself and it is never removed; slot_owner(s) is either
// nullptr or a node in the table whose slot bitmap has s; a replica's master_id names a node in
// the table or is empty; current_epoch() >= every known config epoch.
//
// Simulator-facing observation: the accessors below (myself_id, current_epoch, config epochs,
// role, slot owners, state) plus SetEventHook, called synchronously on each change of interest.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/status.h"
#include "engine/cluster/key_slot.h"

namespace redsim {
class Env;
class Log;
class Random;
class Database;
struct ServerConfig;
}  // namespace redsim

namespace redsim::cluster {

class Link;
class Bus;

enum NodeFlag : uint32_t {
  kNodeMyself = 1 << 0,
  kNodeMaster = 1 << 1,
  kNodeReplica = 1 << 2,
  kNodePfail = 1 << 3,
  kNodeFail = 1 << 4,
  kNodeHandshake = 1 << 5,
  kNodeNoAddr = 1 << 6,
  kNodeMeet = 1 << 7,
  kNodeNoFailover = 1 << 9,
};

struct Node {
  std::string id;  // 40 lowercase hex characters
  std::string ip;  // empty while unknown (myself before a peer tells us)
  int port = 0;
  int bus_port = 0;
  std::string hostname;
  uint32_t flags = 0;
  std::string master_id;  // the master a replica follows; empty for masters
  uint64_t config_epoch = 0;
  int64_t ping_sent_ms = 0;
  int64_t pong_received_ms = 0;
  int64_t repl_offset = 0;  // last replication offset the node announced
  int64_t created_ms = 0;   // when we learned of it (handshakes expire)
  // Masters that reported this node as failing: reporter id -> when (ms).
  std::map<std::string, int64_t> failure_reports;
  // Bus state (engine/cluster/bus.h).
  Link* link = nullptr;  // our outbound link to it
  bool connecting = false;
  int64_t fail_time_ms = 0;
  int64_t voted_time_ms = 0;  // when we last voted for one of its replicas
  int64_t data_received_ms = 0;
  std::bitset<kSlotCount> slots;

  bool is(uint32_t f) const { return (flags & f) != 0; }
  int slot_count() const { return static_cast<int>(slots.count()); }
};

// State changes a watcher (the simulator, a test) may want to see.
enum class EventKind {
  kEpochBumped,   // current epoch or myself's config epoch changed; `epoch` is the new value
  kNodeFailed,    // `node_id` was marked FAIL
  kFailoverWon,   // myself became master of its shard; `epoch` is its new config epoch
  kSlotsChanged,  // myself gained or lost slots
  kStateChanged,  // cluster_state changed; `ok` is the new state
  kRoleChanged,   // myself became a replica of `node_id`, or a master (node_id empty)
};

struct Event {
  EventKind kind;
  std::string node_id;
  uint64_t epoch = 0;
  bool ok = false;
};

struct ClusterHandles {
  Env* env = nullptr;
  const ServerConfig* config = nullptr;
  Log* log = nullptr;
  Random* rng = nullptr;
  // Database 0, whose keys are indexed per slot (the only database in cluster mode).
  Database* db0 = nullptr;
  // The client port this node listens on.
  std::function<int()> port;
  // Makes this node a replica of host:port (REPLICAOF) or, with an empty host, a master.
  std::function<void(const std::string& host, int port)> follow;
  // This node's replication offset, and how long a replica's link has been down (seconds).
  std::function<int64_t()> repl_offset;
  std::function<int64_t()> master_link_down_s;
  // Empties every database (CLUSTER RESET of a replica drops the data it copied).
  std::function<void()> flush_data;
  // Delivers a message that arrived over the bus to this node's subscribers.
  std::function<void(std::string_view channel, std::string_view message, bool shard)> publish;
  // Holds clients' writes until `end_us` (monotonic) for a manual failover, and releases them.
  std::function<void(int64_t end_us)> pause_writes;
  std::function<void()> unpause_writes;
  // The address the bus listens on (the first `bind` address).
  std::string bus_host = "127.0.0.1";
};

class Cluster {
 public:
  explicit Cluster(ClusterHandles handles);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // Loads the cluster-config-file (or creates myself with a fresh id and writes the file) and
  // starts the periodic state check. Called once the client port is known.
  Status Start();
  void Stop();

  // ---- Observation (simulator, tests, INFO) -------------------------------------------------
  const Node& myself() const { return *myself_; }
  const std::string& myself_id() const { return myself_->id; }
  uint64_t current_epoch() const { return current_epoch_; }
  uint64_t last_vote_epoch() const { return last_vote_epoch_; }
  uint64_t my_config_epoch() const { return myself_->config_epoch; }
  bool is_master() const { return myself_->is(kNodeMaster); }
  // The node serving `slot`, or nullptr when unassigned.
  const Node* slot_owner(int slot) const { return slots_[static_cast<size_t>(slot)]; }
  const Node* migrating_to(int slot) const { return migrating_[static_cast<size_t>(slot)]; }
  const Node* importing_from(int slot) const { return importing_[static_cast<size_t>(slot)]; }
  bool state_ok() const { return state_ok_; }
  // Every known node, by id (a deterministic order).
  const std::map<std::string, std::unique_ptr<Node>>& nodes() const { return nodes_; }
  const Node* FindNode(std::string_view id) const;
  using EventHook = std::function<void(const Event&)>;
  void SetEventHook(EventHook hook) { hook_ = std::move(hook); }

  // ---- Changes (CLUSTER commands) ------------------------------------------------------------
  Node* FindMutable(std::string_view id);
  // Assigns/unassigns a slot (no checks).
  void AddSlot(Node* n, int slot);
  void DelSlot(int slot);
  void SetMigrating(int slot, Node* to) { migrating_[static_cast<size_t>(slot)] = to; }
  void SetImporting(int slot, Node* from) { importing_[static_cast<size_t>(slot)] = from; }
  // CLUSTER BUMPEPOCH's rule: takes a new epoch unless myself already has the unique maximum.
  // Returns true when bumped.
  bool BumpConfigEpochWithoutConsensus();
  // CLUSTER SET-CONFIG-EPOCH (checks done by the caller).
  void SetMyConfigEpoch(uint64_t epoch);
  // Removes a node (not myself) and every slot reference to it.
  void ForgetNode(std::string_view id);
  // CLUSTER FORGET also keeps gossip from bringing the node back for a minute.
  void Blacklist(const std::string& id) { forgotten_[id] = now_ms() + 60000; }
  Bus* bus() const { return bus_.get(); }
  // Makes myself a replica of `master` (CLUSTER REPLICATE).
  void SetMyMaster(Node* master);
  // CLUSTER RESET: forgets everyone, drops slots; `hard` also takes a new id and zero epochs.
  void Reset(bool hard);
  // PUBLISH (to every node) or SPUBLISH (to the nodes of myself's shard) over the bus.
  void PropagatePublish(std::string_view channel, std::string_view message, bool shard);
  // Failure reports about `n` that are still valid (younger than twice the node timeout).
  size_t FailureReportCount(const Node& n) const;
  // CLUSTER FAILOVER: TAKEOVER takes the master's slots at once with a new epoch; FORCE and the
  // default go through the bus (an election, after the master stops writes for the default).
  // Returns an error text or "".
  std::string StartManualFailover(bool force, bool takeover);
  // Myself replaces its master: becomes master, claims the master's slots, tells the watcher.
  void ReplaceMyMaster();
  // Adds a node known only by address (CLUSTER MEET); the bus completes the handshake.
  Node* AddHandshakeNode(const std::string& ip, int port, int bus_port);

  // Recomputes cluster_state from slot coverage and reachable masters, as Redis does before
  // sleeping; called after every change and from the periodic check.
  void UpdateState();
  // Writes the config file now (fsync + rename). Errors name the file.
  Status SaveConfig();
  // Updates the state and schedules a save of the config file at the next before-sleep point
  // (Env::Defer): what every change owes.
  void Changed();

  // Keys of database 0 in `slot` (from the per-slot index).
  size_t CountKeysInSlot(int slot) const;
  std::vector<std::string_view> KeysInSlot(int slot, size_t max_keys) const;
  bool db_empty() const;

  // ---- Text forms ----------------------------------------------------------------------------
  // One CLUSTER NODES / nodes.conf line (without the newline). `for_file` writes the ping and
  // pong times as 0 (a loader only asks whether they are set), so the file changes only when
  // the configuration does.
  std::string DescribeNode(const Node& n, bool for_file = false) const;
  // CLUSTER NODES: one line per node, myself's included, each ending in "\n".
  std::string NodesText() const;
  // CLUSTER INFO's text.
  std::string InfoText() const;
  // The address a MOVED/ASK redirect names for `n` ("ip:port").
  std::string RedirectAddress(const Node& n) const;
  // The endpoint CLUSTER SLOTS/SHARDS show for `n` per cluster-preferred-endpoint-type.
  std::string Endpoint(const Node& n) const;
  int64_t now_ms() const;
  const ServerConfig& config() const { return *h_.config; }
  // Runs on every periodic check (100 ms) before the state update (the bus's cron).
  void set_cron_hook(std::function<void()> hook) { cron_hook_ = std::move(hook); }

  // Cluster bus message counters, per type, for CLUSTER INFO.
  std::array<uint64_t, 16> messages_sent{};
  std::array<uint64_t, 16> messages_received{};

 private:
  friend class Bus;
  std::string NewNodeId();
  void CreateMyself();
  Status LoadConfig(const std::string& text);
  bool LoadSlotField(Node* n, std::string_view field,
                     const std::function<Node*(std::string_view)>& get_node);
  std::string ConfigPath() const;
  void RefreshMyselfAddress();
  void Emit(Event e) const;
  void ScheduleCron();

  ClusterHandles h_;
  std::map<std::string, std::unique_ptr<Node>> nodes_;
  Node* myself_ = nullptr;
  std::array<Node*, kSlotCount> slots_{};
  std::array<Node*, kSlotCount> migrating_{};
  std::array<Node*, kSlotCount> importing_{};
  uint64_t current_epoch_ = 0;
  uint64_t last_vote_epoch_ = 0;
  bool state_ok_ = false;
  int64_t first_state_check_ms_ = 0;
  int64_t among_minority_since_ms_ = 0;
  uint64_t cron_timer_ = 0;
  EventHook hook_;
  std::function<void()> cron_hook_;
  std::unique_ptr<Bus> bus_;
  bool save_scheduled_ = false;
  std::string last_saved_text_;
  // Nodes removed by CLUSTER FORGET, not re-added from gossip until the time (ms) given.
  std::map<std::string, int64_t> forgotten_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace redsim::cluster
