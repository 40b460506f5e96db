// SentinelCore: the state and the algorithm behind Sentinel (sentinel.h is its public face).
//
// Every monitored primary is an Instance holding its replicas and the other Sentinels that watch
// it, each an Instance too. A timer (every 50-100 ms, jittered from the seeded generator so that
// Sentinels do not act in lockstep) reconnects links, sends PING/INFO/hello, checks SDOWN, ODOWN
// and runs the failover state machine. Replies and pub/sub messages arrive on SentinelLinks.
//
// Invariants:
//  * current_epoch_ never decreases; a primary's leader_epoch never decreases, and a vote is
//    only cast for an epoch above the last one voted in (one vote per epoch per primary).
//  * A failover runs only while kFailoverInProgress is set, and only the elected leader (or a
//    forced SENTINEL FAILOVER) moves past kWaitStart.
//  * Instances are owned by their primary (replicas, sentinels) or by the core (primaries);
//    every callback that can outlive an Instance holds a weak token and checks it first.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/base/status.h"
#include "engine/env/env.h"
#include "engine/resp/resp_value.h"
#include "engine/sentinel/sentinel.h"
#include "engine/sentinel/sentinel_config.h"
#include "engine/sentinel/sentinel_link.h"

namespace redsim {

class Server;

enum SentinelInstanceFlag : uint32_t {
  kSriMaster = 1u << 0,
  kSriReplica = 1u << 1,
  kSriSentinel = 1u << 2,
  kSriSDown = 1u << 3,
  kSriODown = 1u << 4,
  kSriMasterDown = 1u << 5,  // a Sentinel told us it sees our primary down
  kSriFailoverInProgress = 1u << 6,
  kSriPromoted = 1u << 7,
  kSriReconfSent = 1u << 8,
  kSriReconfInprog = 1u << 9,
  kSriReconfDone = 1u << 10,
  kSriForceFailover = 1u << 11,
};

enum class FailoverState : uint8_t {
  kNone,
  kWaitStart,
  kSelectSlave,
  kSendSlaveofNoone,
  kWaitPromotion,
  kReconfSlaves,
  kUpdateConfig,
};
const char* FailoverStateName(FailoverState s);

// Times on the monotonic clock, in microseconds; kNever for "not yet".
inline constexpr int64_t kNever = INT64_MIN / 4;

struct SentinelInstance {
  uint32_t flags = 0;
  std::string name;  // primary: its name; replica: "ip:port"; Sentinel: its run id
  std::string ip;
  int port = 0;
  std::string run_id;
  SentinelInstance* master = nullptr;  // for replicas and Sentinels

  // Links: command link (all kinds) and pub/sub link (primaries and replicas).
  std::unique_ptr<SentinelLink> cmd;
  std::unique_ptr<SentinelLink> pubsub;
  int64_t last_reconnect_us = kNever;
  int64_t last_avail_us = 0;
  int64_t act_ping_us = 0;  // when the oldest unanswered PING was sent; 0: none pending
  int64_t last_ping_us = kNever;
  int64_t last_pong_us = 0;
  int64_t pc_last_activity_us = 0;
  int64_t last_pub_us = kNever;    // our last hello sent through it
  int64_t last_hello_us = kNever;  // Sentinel: its last hello received
  int64_t last_master_down_reply_us = kNever;
  int64_t s_down_since_us = 0;
  int64_t o_down_since_us = 0;
  int64_t down_after_ms = 30000;
  int64_t info_refresh_us = 0;  // 0: never
  std::string info;

  // From INFO.
  int role_reported = 0;  // kSriMaster or kSriReplica, 0 unknown
  int64_t role_reported_us = 0;
  int64_t slave_conf_change_us = 0;
  int64_t master_link_down_ms = 0;
  std::string slave_master_host;
  int slave_master_port = 0;
  bool slave_master_link_up = false;
  int64_t slave_priority = 100;
  int64_t slave_repl_offset = 0;
  bool replica_announced = true;
  int64_t reconf_sent_us = 0;

  // Primaries only.
  int quorum = 1;
  int64_t parallel_syncs = 1;
  int64_t failover_timeout_ms = 180000;
  int64_t master_reboot_down_after_ms = 0;
  int64_t master_reboot_since_us = 0;  // when INFO last showed a new run id (0: never)
  std::string auth_pass;
  std::string auth_user;
  uint64_t config_epoch = 0;
  std::map<std::string, std::unique_ptr<SentinelInstance>> replicas;   // by "ip:port"
  std::map<std::string, std::unique_ptr<SentinelInstance>> sentinels;  // by run id
  // Primary: our vote (leader, leader_epoch). Sentinel: the vote it reported to us.
  std::string leader;
  uint64_t leader_epoch = 0;
  uint64_t failover_epoch = 0;
  FailoverState failover_state = FailoverState::kNone;
  int64_t failover_state_change_us = 0;
  int64_t failover_start_us = kNever;
  int64_t failover_delay_logged_us = kNever;
  SentinelInstance* promoted = nullptr;

  // Guards callbacks that may outlive the instance.
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);
  ~SentinelInstance() { *alive = false; }
  bool is(uint32_t f) const { return (flags & f) != 0; }
  std::string Addr() const { return ip + ":" + std::to_string(port); }
};

// Timing of the algorithm (milliseconds), adjustable with SENTINEL DEBUG.
struct SentinelTimings {
  int64_t info_period_ms = 10000;
  int64_t ping_period_ms = 1000;
  int64_t ask_period_ms = 1000;
  int64_t publish_period_ms = 2000;
  int64_t default_down_after_ms = 30000;
  int64_t tilt_trigger_ms = 2000;
  int64_t tilt_period_ms = 30000;
  int64_t slave_reconf_timeout_ms = 10000;
  int64_t min_link_reconnect_ms = 15000;
  int64_t election_timeout_ms = 10000;
  int64_t max_desync_ms = 1000;
  int64_t default_failover_timeout_ms = 180000;
};

class SentinelCore {
 public:
  explicit SentinelCore(Server* server);
  ~SentinelCore();

  // Applies the config directives (in order). Returns an error naming the directive.
  Status ApplyDirectives(const std::vector<std::vector<std::string>>& directives);
  // Reads the config file, if the node has one and it exists: keeps its other lines for
  // rewrites and, when it holds `sentinel` lines, replaces `directives` with them.
  Status ReadConfigFile(std::vector<std::vector<std::string>>* directives);
  Status Start();
  void Stop();

  // ---- State shared with the commands -----------------------------------------------------
  Server* server() const { return server_; }
  const std::string& my_id() const { return my_id_; }
  uint64_t current_epoch() const { return current_epoch_; }
  bool tilt() const { return tilt_; }
  int64_t tilt_start_us() const { return tilt_start_us_; }
  std::map<std::string, std::unique_ptr<SentinelInstance>>& masters() { return masters_; }
  const std::map<std::string, std::unique_ptr<SentinelInstance>>& masters() const {
    return masters_;
  }
  SentinelInstance* FindMaster(const std::string& name) const;
  SentinelInstance* FindMasterByAddr(const std::string& ip, int port) const;
  SentinelTimings& timings() { return timings_; }
  int64_t NowUs() const;
  std::string announce_ip;
  int64_t announce_port = 0;
  bool deny_scripts_reconfig = true;
  bool resolve_hostnames = false;
  bool announce_hostnames = false;
  std::string sentinel_user;
  std::string sentinel_pass;
  uint32_t simulate_failure_flags = 0;  // 1: crash after election, 2: crash after promotion
  const std::map<std::pair<std::string, uint64_t>, std::string>& votes() const { return votes_; }
  void SetEventHook(Sentinel::EventHook hook) { hook_ = std::move(hook); }

  // ---- Operations behind commands ---------------------------------------------------------
  // SENTINEL MONITOR: "" or an error text (without "ERR ").
  std::string Monitor(const std::string& name, const std::string& ip, int port, int quorum);
  void RemoveMaster(const std::string& name);
  // One per-primary option (config directive or SENTINEL SET): "" or an error text.
  std::string ApplyMasterOption(SentinelInstance* m, const std::string& keyword,
                                const std::vector<std::string>& values);
  // SENTINEL RESET: resets primaries whose name matches `pattern`; returns how many.
  int ResetMasters(const std::string& pattern);
  // SENTINEL FAILOVER: "" or an error text.
  std::string ForceFailover(SentinelInstance* master);
  // SENTINEL IS-MASTER-DOWN-BY-ADDR's answer.
  void IsMasterDownByAddr(const std::string& ip, int port, uint64_t req_epoch,
                          const std::string& runid, int* is_down, std::string* leader,
                          uint64_t* leader_epoch);
  // PUBLISH __sentinel__:hello <message> sent to this Sentinel.
  void ProcessHello(const std::string& text);
  // SENTINEL CKQUORUM: usable Sentinels (self included) and the verdict.
  void CheckQuorum(SentinelInstance* master, int* usable, int* voters) const;
  // Writes the config file now (if the node has one). Returns the error, if any.
  Status FlushConfig();
  // The `sentinel ...` lines that describe the current state, in config-file order.
  std::vector<std::string> StateLines() const;
  // Publishes an event (pub/sub, log, hook). `ri` may be null; "%@" in Redis terms is
  // EventWithInstance.
  void Event(const std::string& type, const std::string& master_name, uint64_t epoch,
             const std::string& text, bool warning = true);
  void EventAbout(const std::string& type, SentinelInstance* ri, const std::string& extra = "");
  static std::string Describe(const SentinelInstance* ri);
  // The INFO text of one instance's last INFO reply.
  int64_t PingPeriodMs(const SentinelInstance* ri) const;
  // The primary's address as clients should see it: the promoted replica once a failover has
  // reached the reconfiguration of the other replicas.
  void CurrentMasterAddress(const SentinelInstance* m, std::string* ip, int* port) const;

 private:
  friend class SentinelFailover;
  void Tick();
  void ScheduleTick();
  void CheckTilt();
  void HandleMaster(SentinelInstance* master);
  void HandleInstance(SentinelInstance* ri);
  void Reconnect(SentinelInstance* ri);
  void ConnectCmd(SentinelInstance* ri);
  void ConnectPubsub(SentinelInstance* ri);
  void SendAuth(SentinelInstance* ri, SentinelLink* link);
  void SendPeriodic(SentinelInstance* ri);
  void SendPing(SentinelInstance* ri);
  void SendHello(SentinelInstance* ri);
  void OnPingReply(SentinelInstance* ri, const RespValue& v);
  void OnInfoReply(SentinelInstance* ri, const RespValue& v);
  void OnPubsubMessage(SentinelInstance* ri, const RespValue& v);
  void ParseInfoLine(SentinelInstance* ri, const std::string& line);
  void AfterInfo(SentinelInstance* ri, int old_role);
  void AddReplicaFromInfo(SentinelInstance* master, const std::string& fields);
  void CheckSubjectivelyDown(SentinelInstance* ri);
  void CheckObjectivelyDown(SentinelInstance* master);
  void AskOthers(SentinelInstance* master, bool forced);
  bool MasterLooksSane(const SentinelInstance* master) const;
  bool NoDownFor(const SentinelInstance* ri, int64_t ms) const;
  // Sends REPLICAOF (or REPLICAOF NO ONE when ip is empty) wrapped as Redis does.
  bool SendReplicaOf(SentinelInstance* ri, const std::string& ip, int port);
  void CloseLinks(SentinelInstance* ri);

  // Failover (sentinel_failover.cc).
  bool StartFailoverIfNeeded(SentinelInstance* master);
  void StartFailover(SentinelInstance* master);
  void FailoverStateMachine(SentinelInstance* master);
  void FailoverWaitStart(SentinelInstance* master);
  void FailoverSelectSlave(SentinelInstance* master);
  void FailoverSendNoOne(SentinelInstance* master);
  void FailoverWaitPromotion(SentinelInstance* master);
  void FailoverReconfNext(SentinelInstance* master);
  void FailoverDetectEnd(SentinelInstance* master);
  void AbortFailover(SentinelInstance* master);
  void SwitchToPromoted(SentinelInstance* master);
  void ResetMasterAndChangeAddress(SentinelInstance* master, const std::string& ip, int port);
  void ResetMaster(SentinelInstance* master, bool keep_sentinels);
  void OnPromoted(SentinelInstance* ri);

 public:
  // Election rules (sentinel_failover.cc), public for tests.
  // Votes for `runid` in `req_epoch` if this Sentinel has not voted in that epoch (and adopts the
  // epoch if newer). Returns the leader voted for in the primary's current leader_epoch.
  std::string VoteLeader(SentinelInstance* master, uint64_t req_epoch, const std::string& runid,
                         uint64_t* leader_epoch);
  // The leader of `epoch` as this Sentinel sees the votes (its own included), or "" when no
  // candidate has both a majority of all known Sentinels and the quorum.
  std::string GetLeader(SentinelInstance* master, uint64_t epoch);
  // The replica to promote, or nullptr (priority 0, down, disconnected, stale excluded).
  SentinelInstance* SelectReplica(SentinelInstance* master);
  // Applies an INFO reply of `ri` (role, replicas, offsets, run id...).
  void RefreshFromInfo(SentinelInstance* ri, const std::string& info);
  SentinelInstance* AddInstance(SentinelInstance* master, uint32_t kind, const std::string& ip,
                                int port, const std::string& name_or_run_id);

 private:
  Server* server_;
  Env* env_;
  std::string my_id_;
  uint64_t current_epoch_ = 0;
  bool tilt_ = false;
  int64_t tilt_start_us_ = 0;
  int64_t previous_wall_us_ = 0;
  SentinelTimings timings_;
  std::map<std::string, std::unique_ptr<SentinelInstance>> masters_;
  std::map<std::pair<std::string, uint64_t>, std::string> votes_;
  Sentinel::EventHook hook_;
  TimerId timer_ = 0;
  bool started_ = false;
  bool stopped_ = false;
  std::string config_file_;
  std::vector<std::string> preserved_lines_;  // non-sentinel lines of the config file
  // Instances dropped while one of their own link callbacks may be running (a hello on a
  // replica's link that moves the primary): destroyed at the next deferred point.
  std::vector<std::unique_ptr<SentinelInstance>> graveyard_;
  void Bury(std::unique_ptr<SentinelInstance> ri);
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace redsim
