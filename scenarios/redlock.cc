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
#include "scenarios/toml_scenarios.h"

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
  int lock_nodes = 5;  // 1 = the single-instance lock (L1)
  int clients = 3;
  double client_pauses_per_minute = 0;  // L2: stalls of 1.5-3 ttl between check and action
  bool fenced = false;                  // L5: judge the resource's accepted tokens
  faults::RandomScheduleSpec nemesis;   // node faults: the file's [nemesis]
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
      : w_(w),
        p_(p),
        process_(process),
        conns_(std::move(conns)),
        resource_(resource),
        shared_(shared),
        budget_(budget),
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
      CallResult r = conns_[n]->Call({"SET", "lock", token, "NX", "PX", std::to_string(kTtlMs)},
                                     kNodeTimeoutNs);
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
    int64_t stall =
        (kTtlMs * 3 / 2 + static_cast<int64_t>(pause_rng_.Uniform(kTtlMs * 3 / 2))) * kMs;
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
                r.ok() && r.reply.elements.size() == 2 && r.reply.elements[0].integer == 1
                    ? "true"
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

void Judge(const LockParams& p, const Shared& shared, RunResult* result) {
  checkers::LockSafetyInput in;
  // L5 is about what the resource accepted; the others about who believed it held the lock.
  if (p.fenced)
    in.resource_writes = shared.writes;
  else
    in.holds = shared.holds;
  checkers::CheckOutcome out = checkers::CheckLockSafety(in);
  std::string tally = std::to_string(shared.holds_granted) + " holds granted, " +
                      std::to_string(shared.client_pauses) + " client stalls";
  if (p.fenced) {
    tally += ", " + std::to_string(shared.writes.size()) + " fenced writes of which " +
             std::to_string(shared.stale_rejected) + " were refused as stale";
  }
  if (out.ok()) {
    result->verdict = Verdict::kHolds;
    result->explanation = "no violation (" + tally + ")";
    return;
  }
  result->verdict = Verdict::kRefuted;
  result->violation = out.violations.empty() ? "violation" : out.violations[0].kind;
  result->explanation = (out.violations.empty() ? out.summary : out.violations[0].message) + " (" +
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
  // The file's [config] (appendonly, appendfsync) is at the front of opts.config.
  std::string error = ApplyConfigOverrides(opts, &config);
  for (int n = 0; n < p.lock_nodes; n++) w.AddNode("n" + std::to_string(n + 1), config)->Start();
  RunResult result;
  // Drawn while the world has only the lock nodes, so faults never target the resource node.
  result.schedule = ChooseSchedule(opts, w, p.nemesis, opts.duration_ns);
  if (p.fenced) {  // the token issuer and resource: no persistence needed, never faulted
    ServerConfig c = config;
    c.appendonly = false;
    w.AddNode("r1", c)->Start();
  }
  int clients = opts.clients > 0 ? opts.clients : p.clients;
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
  result.probes["lock:holds-granted"] += shared.holds_granted;
  result.probes["lock:client-stall"] += shared.client_pauses;
  if (p.fenced) result.probes["lock:stale-write-refused"] += shared.stale_rejected;
  if (!error.empty()) {
    result.verdict = Verdict::kUnknown;
    result.explanation = "bad --config: " + error;
    return result;
  }
  Judge(p, shared, &result);
  return result;
}

}  // namespace

// driver = "redlock": [options] single_instance (one lock node instead of five), client_stalls
// (L2's GC-like stalls, about 12 a minute), fenced (L5's token issuer and resource node); node
// faults from [nemesis]; persistence from [config].
RunResult RunRedlockDriver(const RunOptions& opts, const std::string& name,
                           const DriverParams& params) {
  LockParams p;
  p.name = name;
  p.lock_nodes = params.Option("single_instance") ? 1 : 5;
  if (params.default_clients > 0) p.clients = params.default_clients;
  p.client_pauses_per_minute = params.Option("client_stalls") ? 12 : 0;
  p.fenced = params.Option("fenced");
  p.nemesis = params.nemesis;
  return RunLock(p, opts);
}

}  // namespace redsim::scenarios
