// Lock scenarios (CLAIMS.md L1-L6): the single-instance lock and Redlock over five independent
// nodes, judged by checkers::CheckLockSafety.
//
// A client acquires with `SET lock <token> NX PX <ttl>` on every node in turn (a short timeout
// each), and holds the lock when a majority said OK and time is left of its lease: validity =
// ttl - elapsed - (ttl/100 + 2 ms) for clock drift, as the Redlock description prescribes. A hold
// is what the client believed: from the acquire's completion until it finished its work (or, if
// it noticed its lease had run out before working, until the lease's end). Work is a sleep, a
// check that the lease is still valid, then the protected action; a client pause (the L2 nemesis,
// a GC-like stall drawn from the seed) can strike between the check and the action, which is
// exactly where a real pause hurts. Release is a compare-and-delete Lua script on every node.
//
// The fenced variant (L5) adds a sixth node that is never faulted: it issues fencing tokens
// (INCR right after the grant) and holds the protected resource, a Lua script that accepts a
// write only when its token is not below the highest accepted one. The resource's own sequence
// number orders the writes for the checker, so reply latency cannot reorder them.
#include <algorithm>
#include <string>
#include <vector>

#include "checkers/lock_safety.h"
#include "faults/nemesis.h"
#include "scenarios/replication_support.h"
#include "scenarios/scenario.h"

namespace redsim::scenarios {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSec = 1'000 * kMs;
constexpr int64_t kTtlMs = 1000;
constexpr int64_t kNodeTimeoutNs = 50 * kMs;

constexpr const char* kReleaseScript =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) "
    "else return 0 end";
// KEYS: highest accepted token, data, sequence. ARGV: token, data. Returns {accepted, seq}.
constexpr const char* kFencedWriteScript =
    "local top = tonumber(redis.call('GET', KEYS[1]) or '-1') "
    "local token = tonumber(ARGV[1]) "
    "local seq = redis.call('INCR', KEYS[3]) "
    "if token < top then return {0, seq} end "
    "redis.call('SET', KEYS[1], ARGV[1]) redis.call('SET', KEYS[2], ARGV[2]) "
    "return {1, seq}";

struct LockParams {
  std::string name;
  std::string description;
  std::string claim_id;
  std::string claim;
  std::string expected;
  int lock_nodes = 5;
  int default_clients = 3;
  double client_pauses_per_minute = 0;  // L2: stalls of 1.5-3 ttl between check and action
  double clock_jumps_per_minute = 0;    // L3: a node's wall clock jumps forward by 1.5-4 ttl
  double crashes_per_minute = 0;        // L4/L6: kill -9, restart after the drawn down time
  // Nodes cut off from every client for a while, so that a holder can end up with a bare
  // majority (the setting in which L3 and L4 bite: the holder's other nodes are unreachable).
  double isolations_per_minute = 0;
  int64_t min_down_ns = 20 * kMs;
  int64_t max_down_ns = 200 * kMs;
  std::string appendfsync;              // "" = no persistence
  bool fenced = false;                  // L5: judge the resource's accepted tokens
};

struct Shared {
  std::vector<checkers::LockHold> holds;
  std::vector<checkers::FencedWrite> writes;
  uint64_t holds_granted = 0;
  uint64_t stale_rejected = 0;
  uint64_t client_pauses = 0;
};

class LockClient {
 public:
  LockClient(World& w, const LockParams& p, int process, std::vector<SimClient*> conns,
             SimClient* resource, Shared* shared, OpBudget* budget)
      : w_(w), p_(p), process_(process), conns_(std::move(conns)), resource_(resource),
        shared_(shared), budget_(budget),
        rng_(w.sim().StreamFor("lock-client:" + std::to_string(process))),
        pause_rng_(w.sim().StreamFor("client-pause:" + std::to_string(process))) {}

  void Loop() {
    while (!w_.stopping() && budget_->Take()) {
      Attempt();
      w_.sim().SleepFiber(static_cast<int64_t>(5 + rng_.Uniform(100)) * kMs);
    }
  }

 private:
  bool Ensure(SimClient* c, SimNode* node) {
    if (c->connected()) return true;
    c->Disconnect();
    return c->Connect(node->address(), node->port(), kNodeTimeoutNs);
  }

  void Attempt() {
    std::string token = "c" + std::to_string(process_) + "-" + std::to_string(++attempt_);
    std::string tj = History::JsonString(token);
    int64_t t0 = w_.sim().now_ns();
    w_.history().Add(process_, OpType::kInvoke, "acquire", "lock", tj, t0);
    int granted = 0;
    for (size_t n = 0; n < conns_.size(); n++) {
      if (!Ensure(conns_[n], w_.node(n))) continue;
      CallResult r = conns_[n]->Call(
          {"SET", "lock", token, "NX", "PX", std::to_string(kTtlMs)}, kNodeTimeoutNs);
      if (r.ok() && r.reply.is_string() && r.reply.str == "OK") granted++;
    }
    int64_t now = w_.sim().now_ns();
    int64_t validity_ns = kTtlMs * kMs - (now - t0) - (kTtlMs * kMs / 100 + 2 * kMs);
    int quorum = static_cast<int>(conns_.size()) / 2 + 1;
    if (granted < quorum || validity_ns <= 0) {
      w_.history().Add(process_, OpType::kOk, "acquire", "lock", "false", now);
      Release(token);
      return;
    }
    w_.history().Add(process_, OpType::kOk, "acquire", "lock", "true", now);
    shared_->holds_granted++;
    checkers::LockHold hold;
    hold.lock = "lock";
    hold.client = "c" + std::to_string(process_);
    hold.start_ns = now;
    int64_t lease_end = t0 + validity_ns;
    if (p_.fenced && !TakeToken(&hold.token)) {
      hold.end_ns = w_.sim().now_ns();
      shared_->holds.push_back(hold);
      Release(token);
      return;
    }
    // Work that fits the lease, then the check, then (maybe after a stall) the action.
    w_.sim().SleepFiber(static_cast<int64_t>(rng_.Uniform(static_cast<uint64_t>(validity_ns / 2))));
    if (w_.sim().now_ns() >= lease_end) {
      hold.end_ns = lease_end;
    } else {
      MaybePause();
      if (p_.fenced) FencedWrite(hold.token, token);
      hold.end_ns = w_.sim().now_ns();
    }
    shared_->holds.push_back(hold);
    Release(token);
  }

  // L2's nemesis: with the configured rate (as a per-hold chance), a stall of 1.5-3 ttl.
  void MaybePause() {
    if (p_.client_pauses_per_minute <= 0) return;
    // Holds last ~0.1-0.5 s; this makes the stalls arrive at about the configured rate.
    double chance = p_.client_pauses_per_minute / 60.0 * 0.3;
    if (pause_rng_.Uniform(1'000'000) >= static_cast<uint64_t>(chance * 1'000'000)) return;
    int64_t stall = (kTtlMs * 3 / 2 + static_cast<int64_t>(pause_rng_.Uniform(kTtlMs * 3 / 2))) *
                    kMs;
    w_.RecordNemesisJson("pause-client", "{\"process\":" + std::to_string(process_) +
                                             ",\"ms\":" + std::to_string(stall / kMs) + "}");
    shared_->client_pauses++;
    w_.sim().SleepFiber(stall);
    w_.RecordNemesisJson("resume-client", "{\"process\":" + std::to_string(process_) + "}");
  }

  bool TakeToken(int64_t* token) {
    if (!Ensure(resource_, w_.node(conns_.size()))) return false;
    CallResult r = resource_->Call({"INCR", "fence-token"}, 1 * kSec);
    if (!r.ok() || r.reply.type != RespValue::Type::kInteger) return false;
    *token = r.reply.integer;
    return true;
  }

  void FencedWrite(int64_t token, const std::string& data) {
    if (!Ensure(resource_, w_.node(conns_.size()))) return;
    std::string tj = std::to_string(token);
    w_.history().Add(process_, OpType::kInvoke, "fenced-write", "resource", tj, w_.sim().now_ns());
    CallResult r = resource_->Call({"EVAL", kFencedWriteScript, "3", "fence-top", "data",
                                    "fence-seq", std::to_string(token), data},
                                   1 * kSec);
    RecordReply(w_, process_, "fenced-write", "resource", r,
                r.ok() && r.reply.elements.size() == 2 && r.reply.elements[0].integer == 1 ? "true"
                                                                                       : "false",
                tj);
    if (!r.ok() || r.reply.elements.size() != 2) return;  // unknown outcome: nothing to judge
    checkers::FencedWrite fw;
    fw.resource = "resource";
    fw.client = "c" + std::to_string(process_);
    fw.token = token;
    fw.time_ns = r.reply.elements[1].integer;  // the resource's own order
    fw.accepted = r.reply.elements[0].integer == 1;
    if (!fw.accepted) shared_->stale_rejected++;
    shared_->writes.push_back(fw);
  }

  void Release(const std::string& token) {
    std::string tj = History::JsonString(token);
    w_.history().Add(process_, OpType::kInvoke, "release", "lock", tj, w_.sim().now_ns());
    for (size_t n = 0; n < conns_.size(); n++) {
      if (!Ensure(conns_[n], w_.node(n))) continue;
      conns_[n]->Call({"EVAL", kReleaseScript, "1", "lock", token}, kNodeTimeoutNs);
    }
    w_.history().Add(process_, OpType::kOk, "release", "lock", tj, w_.sim().now_ns());
  }

  World& w_;
  const LockParams& p_;
  int process_;
  std::vector<SimClient*> conns_;
  SimClient* resource_;
  Shared* shared_;
  OpBudget* budget_;
  Random rng_;
  Random pause_rng_;
  uint64_t attempt_ = 0;
};

faults::RandomScheduleSpec NodeFaults(const LockParams& p) {
  faults::RandomScheduleSpec spec;
  spec.quiet_start_ns = 1 * kSec;
  spec.quiet_end_ns = 1 * kSec;
  if (p.clock_jumps_per_minute > 0) {
    faults::NemesisOptions o = faults::FindNemesis(faults::kClock)->defaults;
    o.per_minute = p.clock_jumps_per_minute;
    o.shapes = {std::string(faults::kClockJump)};
    o.min_amount = kTtlMs * 3 / 2 * kMs;
    o.max_amount = kTtlMs * 4 * kMs;
    spec.kinds.emplace_back(std::string(faults::kClock), o);
  }
  if (p.isolations_per_minute > 0) {
    faults::NemesisOptions o = faults::FindNemesis(faults::kPartition)->defaults;
    o.per_minute = p.isolations_per_minute;
    o.shapes = {std::string(faults::kIsolateHost)};
    o.min_duration_ns = 300 * kMs;
    o.max_duration_ns = 2 * kSec;
    spec.kinds.emplace_back(std::string(faults::kPartition), o);
  }
  if (p.crashes_per_minute > 0) {
    faults::NemesisOptions o = faults::FindNemesis(faults::kCrash)->defaults;
    o.per_minute = p.crashes_per_minute;
    o.min_duration_ns = p.min_down_ns;
    o.max_duration_ns = p.max_down_ns;
    spec.kinds.emplace_back(std::string(faults::kCrash), o);
  }
  return spec;
}

void Judge(const LockParams& p, const Shared& shared, RunResult* result) {
  checkers::LockSafetyInput in;
  // L5 is about what the resource accepted; the others about who believed it held the lock.
  if (p.fenced) in.resource_writes = shared.writes;
  else in.holds = shared.holds;
  checkers::CheckOutcome out = checkers::CheckLockSafety(in);
  std::string tally = std::to_string(shared.holds_granted) + " holds granted, " +
                      std::to_string(shared.client_pauses) + " client stalls";
  if (p.fenced) {
    tally += ", " + std::to_string(shared.writes.size()) + " fenced writes of which " +
             std::to_string(shared.stale_rejected) + " were refused as stale";
  }
  if (out.ok()) {
    result->verdict = "holds";
    result->explanation = "no violation (" + tally + ")";
    return;
  }
  result->verdict = "refuted";
  result->violation = out.violations.empty() ? "violation" : out.violations[0].kind;
  result->explanation =
      (out.violations.empty() ? out.summary : out.violations[0].message) + " (" +
      std::to_string(out.total_violations) + " violations; " + tally + ")";
  if (!out.violations.empty() && out.violations[0].time_ns >= 0 && !p.fenced) {
    result->window_start_ns = std::max<int64_t>(0, out.violations[0].time_ns - kTtlMs * kMs);
    result->window_end_ns = out.violations[0].time_ns;
  }
}

RunResult RunLock(const LockParams& p, const RunOptions& opts) {
  std::unique_ptr<World> world = MakeWorld(opts);
  World& w = *world;
  ServerConfig config;
  config.port = 6379;
  config.save.clear();
  if (!p.appendfsync.empty()) {
    config.appendonly = true;
    config.appendfsync = p.appendfsync;
  }
  std::string error = ApplyConfigOverrides(opts, &config);
  for (int n = 0; n < p.lock_nodes; n++) w.AddNode("n" + std::to_string(n + 1), config)->Start();
  RunResult result;
  // Drawn while the world has only the lock nodes, so faults never target the resource node.
  result.schedule = ChooseSchedule(opts, w, NodeFaults(p), opts.duration_ns);
  if (p.fenced) {  // the token issuer and resource: no persistence needed, never faulted
    ServerConfig c = config;
    c.appendonly = false;
    w.AddNode("r1", c)->Start();
  }
  int clients = opts.clients > 0 ? opts.clients : p.default_clients;
  Shared shared;
  OpBudget budget(opts.max_ops);
  std::vector<std::unique_ptr<LockClient>> lockers;
  for (int i = 0; i < clients; i++) {
    std::vector<SimClient*> conns;
    for (int n = 0; n < p.lock_nodes; n++) conns.push_back(w.AddClient());
    SimClient* resource = p.fenced ? w.AddClient() : nullptr;
    lockers.push_back(std::make_unique<LockClient>(w, p, i, conns, resource, &shared, &budget));
  }
  for (auto& l : lockers) w.sim().Spawn([lp = l.get()] { lp->Loop(); });
  w.Run(opts.duration_ns);
  result.scenario = p.name;
  result.clients = clients;
  result.keys = 1;
  FinishRun(w, opts, &result);
  result.claim_id = p.claim_id;
  result.claim = p.claim;
  result.expected = p.expected;
  result.probes["lock:holds-granted"] += shared.holds_granted;
  result.probes["lock:client-stall"] += shared.client_pauses;
  if (p.fenced) result.probes["lock:stale-write-refused"] += shared.stale_rejected;
  if (!error.empty()) {
    result.verdict = "unknown";
    result.explanation = "bad --config: " + error;
    return result;
  }
  Judge(p, shared, &result);
  return result;
}

LockParams Claim(std::string name, std::string description, std::string claim_id,
                 std::string claim, std::string expected) {
  LockParams p;
  p.name = std::move(name);
  p.description = std::move(description);
  p.claim_id = std::move(claim_id);
  p.claim = std::move(claim);
  p.expected = std::move(expected);
  return p;
}

std::vector<LockParams> AllLockParams() {
  std::vector<LockParams> all;
  LockParams single = Claim(
      "lock-single-node",
      "one node, clients taking a SET NX PX lock and releasing it with a compare-and-delete "
      "script; no faults",
      "L1",
      "On one node, SET key token NX PX ttl + compare-and-delete release gives mutual exclusion "
      "as long as no holder outlives its lease.",
      "holds");
  single.lock_nodes = 1;
  all.push_back(single);

  LockParams pause = Claim(
      "redlock-client-pause",
      "Redlock on 5 nodes; a holder stalls (GC-like) for 1.5-3 leases between checking its "
      "lease and acting",
      "L2",
      "Redlock on 5 independent nodes gives mutual exclusion when a holder pauses longer than "
      "the lease.",
      "refuted");
  pause.client_pauses_per_minute = 12;
  all.push_back(pause);

  LockParams clock = Claim(
      "redlock-clock-jump",
      "Redlock on 5 nodes; one node's wall clock jumps forward by 1.5-4 leases (its keys expire "
      "early) while nodes are cut off from clients now and then",
      "L3", "Redlock gives mutual exclusion when one node's wall clock jumps forward.", "refuted");
  clock.clock_jumps_per_minute = 60;
  clock.isolations_per_minute = 90;
  all.push_back(clock);

  LockParams crash = Claim(
      "redlock-crash-restart",
      "Redlock on 5 nodes with appendfsync everysec; a node is killed and restarts at once, "
      "without the unsynced lock key",
      "L4",
      "Redlock gives mutual exclusion when a node crashes and restarts without the key (fsync "
      "everysec, immediate restart).",
      "refuted");
  crash.crashes_per_minute = 60;
  crash.isolations_per_minute = 90;
  crash.appendfsync = "everysec";
  crash.default_clients = 5;
  all.push_back(crash);

  LockParams fenced = Claim(
      "redlock-fenced",
      "Redlock on 5 nodes under client stalls, clock jumps and crashes, with fencing tokens "
      "checked by the protected resource",
      "L5",
      "With fencing tokens checked by the protected resource, no stale holder's write is "
      "accepted, whatever L2-L4 do.",
      "holds");
  fenced.client_pauses_per_minute = 12;
  fenced.clock_jumps_per_minute = 15;
  fenced.crashes_per_minute = 15;
  fenced.appendfsync = "everysec";
  fenced.fenced = true;
  all.push_back(fenced);

  const std::string l6 =
      "L4 holds again with appendfsync always or a restart delayed beyond the maximum TTL.";
  LockParams always = crash;
  always.name = "redlock-crash-restart-always";
  always.description = "as redlock-crash-restart, with appendfsync always";
  always.claim_id = "L6";
  always.claim = l6;
  always.expected = "holds";
  always.appendfsync = "always";
  all.push_back(always);

  LockParams delayed = always;
  delayed.name = "redlock-crash-delayed-restart";
  delayed.description = "as redlock-crash-restart (everysec), with the restart delayed beyond "
                        "the lease";
  delayed.appendfsync = "everysec";
  delayed.min_down_ns = kTtlMs * kMs + 100 * kMs;
  delayed.max_down_ns = 3 * kTtlMs * kMs;
  all.push_back(delayed);
  return all;
}

}  // namespace

std::vector<Scenario> LockScenarios() {
  std::vector<Scenario> out;
  for (const LockParams& p : AllLockParams()) {
    out.emplace_back(
        p.name, p.description, [p](const RunOptions& opts) { return RunLock(p, opts); },
        p.claim_id, p.claim, p.expected);
  }
  return out;
}

}  // namespace redsim::scenarios
