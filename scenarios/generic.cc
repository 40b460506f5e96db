#include "scenarios/generic.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>

#include "checkers/lock_safety.h"
#include "scenarios/cluster_support.h"
#include "scenarios/replication_support.h"
#include "scenarios/topology_checks.h"

namespace redsim::scenarios {

namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSec = 1'000 * kMs;
constexpr int64_t kValuesPerProcess = 1'000'000'000;

// Compare-and-set and compare-and-delete, as applications write them.
constexpr const char* kCasScript =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) "
    "return 1 else return 0 end";
constexpr const char* kUnlockScript =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) "
    "else return 0 end";

// One simulated client process of a workload: a connection to every node (the first is the
// World's client; the rest share its host) and what it needs to pick operations.
struct ClientCtx {
  World* w = nullptr;
  int process = 0;
  int workload = 0;
  const GenericWorkloadSpec* spec = nullptr;
  int keys = 1;
  std::vector<SimClient*> conns;     // by node index
  std::vector<size_t> targets;       // nodes operations may go to
  std::vector<size_t> read_targets;  // nodes reads may go to
  OpBudget* budget = nullptr;
  // target = "sentinel": the Sentinel nodes to ask, the master name, the primary found (-1:
  // ask again before the next operation) and whether the last request says to ask again.
  std::vector<size_t> sentinels;
  std::string master_name;
  int primary = -1;
  bool rediscover = false;
  // target = "cluster": this client's slot map, and the flag the cluster's bootstrap raises.
  std::unique_ptr<SlotMap> slots;
  const bool* cluster_ready = nullptr;
  Random* rng = nullptr;  // the client's stream (ClientLoop's), for routing
  int64_t next_value = 0;
  std::map<std::string, std::string> last_seen;  // cas-register: last value seen per key
  int64_t lock_seq = 0;
  std::vector<checkers::LockHold> holds;  // lock: what this client believed it held
  // The kind's operation: one step on `key`, writes to `node`, reads from `read_node`.
  void (*step)(ClientCtx& c, Random& rng, size_t node, size_t read_node,
               const std::string& key) = nullptr;
};

std::string ReplyText(const CallResult& r) {
  if (r.status != CallResult::Status::kReply || r.reply.is_null()) return "null";
  if (r.reply.type == RespValue::Type::kInteger) return std::to_string(r.reply.integer);
  return History::JsonString(r.reply.str);
}

// An array reply of numeric elements as a JSON list ("[3,1,2]"); "null" when it is not one.
std::string ElementsJson(const CallResult& r) {
  if (r.status != CallResult::Status::kReply || r.reply.type != RespValue::Type::kArray) {
    return "null";
  }
  std::string out = "[";
  for (size_t i = 0; i < r.reply.elements.size(); i++) {
    out += (i == 0 ? "" : ",") + r.reply.elements[i].str;
  }
  return out + "]";
}

std::string BoolOfInteger(const CallResult& r) {
  return r.status == CallResult::Status::kReply && r.reply.type == RespValue::Type::kInteger &&
                 r.reply.integer != 0
             ? "true"
             : "false";
}

// A client that found its primary through Sentinel drops it, as redis-py and ioredis do, when
// the connection breaks or times out or the node answers that it is a replica now.
void NoteOutcome(ClientCtx& c, size_t node, const CallResult& r) {
  if (c.sentinels.empty()) return;
  bool readonly = r.status == CallResult::Status::kReply && r.reply.is_error() &&
                  r.reply.str.rfind("READONLY", 0) == 0;
  if (readonly || r.status == CallResult::Status::kTimeout ||
      r.status == CallResult::Status::kDisconnected) {
    c.rediscover = true;
    c.conns[node]->Disconnect();
  }
}

// Invokes `args`, records invoke and completion; `ok_json(reply)` is the result on ok.
// `Invoke` is JSON text (std::string) or a checkers::Datum (a cas's [expected new] pair).
template <typename Invoke, typename OkJson>
CallResult Op(ClientCtx& c, size_t node, const std::string& f, const std::string& key,
              const Invoke& invoke_json, const std::vector<std::string>& args, OkJson ok_json) {
  World& w = *c.w;
  w.history().Add(c.process, OpType::kInvoke, f, key, invoke_json, w.sim().now_ns());
  CallResult r = c.slots != nullptr
                     ? ClusterCall(w, c.conns, *c.slots, args, key, c.spec->timeout_ns, *c.rng)
                     : c.conns[node]->Call(args, c.spec->timeout_ns);
  NoteOutcome(c, node, r);
  if (r.ok()) {
    RecordReply(w, c.process, f, key, r, ok_json(r), invoke_json);
  } else {
    RecordReply(w, c.process, f, key, r, invoke_json, invoke_json);
  }
  return r;
}

std::string NewValue(ClientCtx& c) { return std::to_string(++c.next_value); }

// register / cas-register: GET, SET, and for cas-register a compare-and-set of the last value
// this client saw for the key.
void RegisterStep(ClientCtx& c, Random& rng, size_t node, size_t read_node, const std::string& key,
                  bool cas) {
  const GenericWorkloadSpec& s = *c.spec;
  if (rng.Chance(s.read_fraction)) {
    CallResult r = Op(c, read_node, "read", key, "null", {"GET", key},
                      [](const CallResult& r) { return ReplyText(r); });
    if (r.ok() && r.reply.is_string()) c.last_seen[key] = r.reply.str;
    return;
  }
  std::string v = NewValue(c);
  auto seen = c.last_seen.find(key);
  if (!cas || seen == c.last_seen.end() || !rng.Chance(s.cas_fraction)) {
    std::string vj = History::JsonString(v);
    CallResult r =
        Op(c, node, "write", key, vj, {"SET", key, v}, [&](const CallResult&) { return vj; });
    if (r.ok()) c.last_seen[key] = v;
    return;
  }
  std::string expected = seen->second;
  checkers::Datum arg =
      checkers::Datum::MakeList({checkers::Datum::String(expected), checkers::Datum::String(v)});
  World& w = *c.w;
  if (s.cas_via == "lua") {
    CallResult r = Op(c, node, "cas", key, arg, {"EVAL", kCasScript, "1", key, expected, v},
                      [](const CallResult& r) { return BoolOfInteger(r); });
    if (r.ok() && r.reply.integer == 1) c.last_seen[key] = v;
    return;
  }
  // WATCH: read under watch, give up (false) on a mismatch, else MULTI SET EXEC; a nil EXEC
  // means the key changed after the WATCH, i.e. it held another value: false as well.
  SimClient* conn = c.conns[node];
  w.history().Add(c.process, OpType::kInvoke, "cas", key, arg, w.sim().now_ns());
  std::vector<CallResult> rs = conn->CallPipeline({{"WATCH", key}, {"GET", key}}, s.timeout_ns);
  if (!rs[0].ok() || !rs[1].ok()) {
    // Nothing was written yet: refused or unanswered, the cas certainly did not apply.
    CallResult bad = rs[0].ok() ? rs[1] : rs[0];
    if (bad.status == CallResult::Status::kStopped) return;
    w.history().Add(
        c.process, OpType::kFail, "cas", key, arg, w.sim().now_ns(),
        bad.status == CallResult::Status::kReply ? bad.reply.str : "no reply to WATCH/GET");
    return;
  }
  if (!rs[1].reply.is_string() || rs[1].reply.str != expected) {
    if (rs[1].reply.is_string()) c.last_seen[key] = rs[1].reply.str;
    conn->Call({"UNWATCH"}, s.timeout_ns);
    w.history().Add(c.process, OpType::kOk, "cas", key, "false", w.sim().now_ns());
    return;
  }
  rs = conn->CallPipeline({{"MULTI"}, {"SET", key, v}, {"EXEC"}}, s.timeout_ns);
  const CallResult& exec = rs[2];
  CallResult outcome = exec;
  if (exec.ok() && exec.reply.is_null()) {
    w.history().Add(c.process, OpType::kOk, "cas", key, "false", w.sim().now_ns());
    return;
  }
  if (exec.ok() && exec.reply.type == RespValue::Type::kArray) {
    w.history().Add(c.process, OpType::kOk, "cas", key, "true", w.sim().now_ns());
    c.last_seen[key] = v;
    return;
  }
  // EXEC refused (EXECABORT, READONLY...): not applied; unanswered: unknown.
  if (!rs[0].ok() && rs[0].status != CallResult::Status::kReply) outcome = rs[0];
  RecordReply(w, c.process, "cas", key, outcome, arg, arg);
}

void CounterStep(ClientCtx& c, Random& rng, size_t node, size_t read_node, const std::string& key) {
  if (rng.Chance(c.spec->read_fraction)) {
    Op(c, read_node, "read", key, "null", {"GET", key},
       [](const CallResult& r) { return r.reply.is_null() ? std::string("0") : r.reply.str; });
    return;
  }
  std::string n = std::to_string(1 + rng.Uniform(5));
  Op(c, node, "incr", key, n, {"INCRBY", key, n},
     [](const CallResult& r) { return std::to_string(r.reply.integer); });
}

void SetStep(ClientCtx& c, Random& rng, size_t node, size_t read_node, const std::string& key) {
  if (rng.Chance(c.spec->read_fraction)) {
    Op(c, read_node, "read", key, "null", {"SMEMBERS", key}, ElementsJson);
    return;
  }
  std::string x = NewValue(c);
  Op(c, node, "add", key, x, {"SADD", key, x}, BoolOfInteger);
}

void ListStep(ClientCtx& c, Random& rng, size_t node, size_t read_node, const std::string& key) {
  if (rng.Chance(c.spec->read_fraction)) {
    Op(c, read_node, "read", key, "null", {"LRANGE", key, "0", "-1"}, ElementsJson);
    return;
  }
  std::string x = NewValue(c);
  Op(c, node, "append", key, x, {"RPUSH", key, x}, [&](const CallResult&) { return x; });
}

// Dequeues go where writes go (LPOP is a write).
void QueueStep(ClientCtx& c, Random& rng, size_t node, const std::string& key) {
  if (rng.Chance(0.5)) {
    Op(c, node, "dequeue", key, "null", {"LPOP", key},
       [](const CallResult& r) { return r.reply.is_null() ? std::string("null") : r.reply.str; });
    return;
  }
  std::string x = NewValue(c);
  Op(c, node, "enqueue", key, x, {"RPUSH", key, x}, [&](const CallResult&) { return x; });
}

// Single-instance Redlock: SET key token NX PX lease; hold a while (less than the lease); release
// with a compare-and-delete of the token. The owner in the history is the process.
void LockStep(ClientCtx& c, Random& rng, size_t node, const std::string& key) {
  const GenericWorkloadSpec& s = *c.spec;
  World& w = *c.w;
  std::string token = "p" + std::to_string(c.process) + "-" + std::to_string(++c.lock_seq);
  std::string owner = std::to_string(c.process);
  std::string acquire_arg =
      "{\"owner\":" + owner + ",\"lease_ms\":" + std::to_string(s.lease_ms) + "}";
  int64_t invoke_ns = w.sim().now_ns();
  CallResult r = Op(c, node, "acquire", key, acquire_arg,
                    {"SET", key, token, "NX", "PX", std::to_string(s.lease_ms)},
                    [](const CallResult& r) { return r.reply.is_null() ? "false" : "true"; });
  if (!r.ok() || r.reply.is_null()) return;
  // The lease as the client counts it: from its own invocation (the SET may have waited).
  checkers::LockHold held{key, owner, w.sim().now_ns(), invoke_ns + s.lease_ms * kMs, -1};
  int64_t hold = static_cast<int64_t>(rng.Uniform(static_cast<uint64_t>(s.hold_ms) + 1)) * kMs;
  if (hold > 0) w.sim().SleepFiber(hold);
  held.end_ns = std::max(held.start_ns, std::min(held.end_ns, w.sim().now_ns()));
  c.holds.push_back(held);
  if (w.stopping() || !c.budget->Take()) return;
  std::string release_arg = "{\"owner\":" + owner + "}";
  Op(c, node, "release", key, release_arg, {"EVAL", kUnlockScript, "1", key, token}, BoolOfInteger);
}

bool EnsureConnected(ClientCtx& c, size_t node, Random& rng) {
  SimClient* conn = c.conns[node];
  if (conn->connected()) return true;
  SimNode* n = c.w->node(node);
  if (conn->Connect(n->address(), n->port(), 500 * kMs)) return true;
  c.w->sim().SleepFiber(static_cast<int64_t>(20 + rng.Uniform(100)) * kMs);
  return false;
}

// Asks the Sentinels, in a random order, for the primary of c.master_name and checks with ROLE
// that the node it names says it is a primary; false when none answers with one (the caller
// waits a little and asks again).
bool DiscoverPrimary(ClientCtx& c, Random& rng) {
  World& w = *c.w;
  std::vector<size_t> order = c.sentinels;
  for (size_t i = order.size(); i > 1; i--) std::swap(order[i - 1], order[rng.Uniform(i)]);
  for (size_t s : order) {
    if (!EnsureConnected(c, s, rng)) continue;
    CallResult r = c.conns[s]->Call({"SENTINEL", "GET-MASTER-ADDR-BY-NAME", c.master_name},
                                    c.spec->timeout_ns);
    if (!r.ok() || r.reply.type != RespValue::Type::kArray || r.reply.elements.size() != 2) {
      continue;
    }
    const std::string& address = r.reply.elements[0].str;
    const std::string& port = r.reply.elements[1].str;
    for (size_t n = 0; n < w.node_count(); n++) {
      SimNode* node = w.node(n);
      if (node->address() != address || std::to_string(node->port()) != port) continue;
      if (!EnsureConnected(c, n, rng)) break;
      CallResult role = c.conns[n]->Call({"ROLE"}, c.spec->timeout_ns);
      if (role.ok() && role.reply.type == RespValue::Type::kArray && !role.reply.elements.empty() &&
          role.reply.elements[0].str == "master") {
        c.primary = static_cast<int>(n);
        c.rediscover = false;
        return true;
      }
      break;
    }
  }
  return false;
}

// Think time before the next operation: the rate's grid (jittered, never bursting), or a short
// random pause in a closed loop.
void Pace(ClientCtx& c, Random& rng, int64_t* next_start_ns) {
  World& w = *c.w;
  if (c.spec->rate <= 0) {
    if (rng.Chance(0.5)) w.sim().SleepFiber(static_cast<int64_t>(rng.Uniform(2 * kMs)));
    return;
  }
  int64_t interval = static_cast<int64_t>(1e9 / c.spec->rate);
  int64_t jitter = interval / 10;
  int64_t now = w.sim().now_ns();
  // The next slot of the grid; a late client starts at once instead of bursting to catch up.
  *next_start_ns = std::max(*next_start_ns + interval, now);
  int64_t target = *next_start_ns + (jitter > 0 ? rng.Range(-jitter, jitter) : 0);
  if (target > now) w.sim().SleepFiber(target - now);
}

// Every workload kind, once: its name, checkers and own options (the public WorkloadKindInfo)
// and its step. Dequeues and lock operations go where writes go (LPOP is a write).
struct KindEntry {
  WorkloadKindInfo info;
  void (*step)(ClientCtx& c, Random& rng, size_t node, size_t read_node, const std::string& key);
};

const std::vector<KindEntry>& KindTable() {
  static const std::vector<KindEntry> table = {
      {{"register", {"register"}, {"read_fraction", "read_target"}},
       [](ClientCtx& c, Random& rng, size_t node, size_t read_node, const std::string& key) {
         RegisterStep(c, rng, node, read_node, key, false);
       }},
      {{"cas-register",
        {"cas-register"},
        {"read_fraction", "read_target", "cas_fraction", "cas_via"}},
       [](ClientCtx& c, Random& rng, size_t node, size_t read_node, const std::string& key) {
         RegisterStep(c, rng, node, read_node, key, true);
       }},
      {{"counter", {"counter"}, {"read_fraction", "read_target"}}, CounterStep},
      {{"set", {"set", "lost-adds"}, {"read_fraction", "read_target"}}, SetStep},
      {{"list-append", {"list-append"}, {"read_fraction", "read_target"}}, ListStep},
      {{"queue", {"queue"}, {}},
       [](ClientCtx& c, Random& rng, size_t node, size_t, const std::string& key) {
         QueueStep(c, rng, node, key);
       }},
      {{"lock", {"lock-safety", "lock"}, {"lease", "hold"}},
       [](ClientCtx& c, Random& rng, size_t node, size_t, const std::string& key) {
         LockStep(c, rng, node, key);
       }},
  };
  return table;
}

const KindEntry* FindKind(std::string_view name) {
  for (const KindEntry& k : KindTable()) {
    if (k.info.name == name) return &k;
  }
  return nullptr;
}

void ClientLoop(ClientCtx& c) {
  World& w = *c.w;
  Random rng = w.sim().StreamFor("client:" + std::to_string(c.process));
  const std::string& kind = c.spec->kind;
  std::string prefix = "w" + std::to_string(c.workload) + ":" + kind + ":";
  c.rng = &rng;
  while (c.cluster_ready != nullptr && !*c.cluster_ready && !w.stopping()) {
    w.sim().SleepFiber(50 * kMs);
  }
  int64_t next_start = w.sim().now_ns();
  bool first = true;
  while (!w.stopping()) {
    if (!first) Pace(c, rng, &next_start);
    first = false;
    if (w.stopping()) break;
    if (c.slots != nullptr) {
      // The slot of the key decides the node (ClusterCall); `node` is unused.
      std::string key = prefix + std::to_string(rng.Uniform(static_cast<uint64_t>(c.keys)));
      if (!c.budget->Take()) break;
      c.step(c, rng, 0, 0, key);
      continue;
    }
    if (!c.sentinels.empty() && (c.primary < 0 || c.rediscover)) {
      c.primary = -1;
      if (!DiscoverPrimary(c, rng)) {
        w.sim().SleepFiber(static_cast<int64_t>(100 + rng.Uniform(100)) * kMs);
        continue;
      }
    }
    size_t node = c.sentinels.empty() ? c.targets[rng.Uniform(c.targets.size())]
                                      : static_cast<size_t>(c.primary);
    size_t read_node = c.sentinels.empty() || !c.read_targets.empty()
                           ? c.read_targets[rng.Uniform(c.read_targets.size())]
                           : node;
    if (!EnsureConnected(c, node, rng) || !EnsureConnected(c, read_node, rng)) {
      c.rediscover = true;  // a client of Sentinel asks again when its primary is unreachable
      continue;
    }
    std::string key = prefix + std::to_string(rng.Uniform(static_cast<uint64_t>(c.keys)));
    if (!c.budget->Take()) break;
    c.step(c, rng, node, read_node, key);
  }
}

// Node indexes for a target name (empty for "sentinel": the client asks a Sentinel).
std::vector<size_t> TargetNodes(const GenericSpec& spec, const std::string& target) {
  std::vector<size_t> out;
  for (size_t i = 0; i < spec.nodes.size(); i++) {
    const std::string& role = spec.nodes[i].role;
    bool primary = role == "primary";
    if ((target == "any" && role != "sentinel") || (target == "replicas" && role == "replica") ||
        (target == "primary" && primary) || (target == "sentinels" && role == "sentinel") ||
        (target == "primary-all" && primary)) {
      out.push_back(i);
    }
    if (target == "primary" && primary) break;  // the first primary
  }
  return out;
}

// A Sentinel's directives: the primary it is told about and the file's [sentinel] settings.
std::string SentinelDirectives(World& w, const GenericSpec& spec, const GenericNodeSpec& n) {
  std::string text;
  for (size_t j = 0; j < spec.nodes.size(); j++) {
    if (spec.nodes[j].name != n.monitor) continue;
    text += "sentinel monitor " + n.master_name + " " + w.node(j)->address() + " " +
            std::to_string(w.node(j)->port()) + " " + std::to_string(n.quorum) + "\n";
  }
  for (const auto& [key, value] : spec.sentinel_config) {
    text += "sentinel " + key + " " + n.master_name + " " + value + "\n";
  }
  return text;
}

void BuildNodes(World& w, const RunOptions& opts, const std::string& name,
                const GenericSpec& spec) {
  for (const GenericNodeSpec& n : spec.nodes) {
    ServerConfig config;
    config.port = 6379;
    RunOptions with_file_config = opts;
    if (spec.cluster) {
      with_file_config.config.insert(with_file_config.config.begin(), {"cluster-enabled", "yes"});
    } else if (n.role == "sentinel") {
      // A Sentinel takes its own [node.config] only: the file's [config] and --config are the
      // data nodes' engine settings.
      config.port = 26379;
      config.sentinel_mode = true;
      with_file_config.config.clear();
    }
    with_file_config.config.insert(with_file_config.config.begin(), n.config.begin(),
                                   n.config.end());
    std::string error = ApplyConfigOverrides(with_file_config, &config);
    if (!error.empty()) {
      fprintf(stderr, "%s: node %s: %s\n", name.c_str(), n.name.c_str(), error.c_str());
      abort();
    }
    w.AddNode(n.name, config);
  }
  for (size_t i = 0; i < spec.nodes.size(); i++) {
    const GenericNodeSpec& n = spec.nodes[i];
    if (n.role == "sentinel") {
      std::string error = ConfigRegistry::Get().LoadText(
          w.node(i)->config(), SentinelDirectives(w, spec, n), "scenario " + name);
      if (!error.empty()) {
        fprintf(stderr, "%s: sentinel %s: %s\n", name.c_str(), n.name.c_str(), error.c_str());
        abort();
      }
    }
    if (n.role != "replica" || spec.cluster) continue;  // cluster replicas: CLUSTER REPLICATE
    for (size_t j = 0; j < spec.nodes.size(); j++) {
      if (spec.nodes[j].name != n.replicaof) continue;
      w.node(i)->config().replicaof =
          w.node(j)->address() + " " + std::to_string(w.node(j)->port());
    }
  }
  for (size_t i = 0; i < w.node_count(); i++) w.node(i)->Start();
}

// Lock safety over one workload's clients.
void JudgeLocks(const std::vector<std::unique_ptr<ClientCtx>>& ctxs, int workload, RunResult* one) {
  checkers::LockSafetyInput in;
  for (const auto& c : ctxs) {
    if (c->workload == workload) in.holds.insert(in.holds.end(), c->holds.begin(), c->holds.end());
  }
  std::sort(in.holds.begin(), in.holds.end(),
            [](const checkers::LockHold& a, const checkers::LockHold& b) {
              return a.start_ns < b.start_ns;
            });
  checkers::CheckOutcome o = checkers::CheckLockSafety(in);
  one->verdict = o.ok() ? Verdict::kHolds : Verdict::kRefuted;
  one->explanation = std::to_string(in.holds.size()) + " holds checked; " + o.ToText();
  if (!o.ok() && !o.violations.empty() && o.violations[0].time_ns >= 0) {
    one->window_start_ns = o.violations[0].time_ns;
    one->window_end_ns = o.violations[0].time_ns;
  }
}

// One checker's verdict folded into the run's: the first refutation names the violation and
// its window; an unknown (budget ran out) keeps a clean run from claiming it holds.
void Merge(const std::string& label, const std::string& checker, const std::string& violation,
           const RunResult& one, RunResult* result) {
  result->explanation +=
      label + ": " + std::string(VerdictName(one.verdict)) + "\n" + one.explanation + "\n";
  if (one.verdict == Verdict::kRefuted && result->verdict != Verdict::kRefuted) {
    result->verdict = Verdict::kRefuted;
    result->violation = checker + ":" + violation;
    result->window_start_ns = one.window_start_ns;
    result->window_end_ns = one.window_end_ns;
  } else if (one.verdict == Verdict::kUnknown && result->verdict == Verdict::kHolds) {
    result->verdict = Verdict::kUnknown;
  }
}

// A pure checker's outcome as a one-checker result.
RunResult FromOutcome(const checkers::CheckOutcome& o, const std::string& summary) {
  RunResult one;
  one.verdict = o.ok() ? Verdict::kHolds : Verdict::kRefuted;
  one.explanation = summary + (o.ok() ? "" : "\n" + o.ToText());
  if (!o.ok() && !o.violations.empty()) {
    one.window_start_ns = one.window_end_ns = o.violations[0].time_ns;
  }
  return one;
}

bool Wanted(const GenericSpec& spec, const std::string& checker, bool by_default) {
  return spec.checkers.empty() ? by_default
                               : std::find(spec.checkers.begin(), spec.checkers.end(), checker) !=
                                     spec.checkers.end();
}

// The checks of the whole topology (generic.h): what the Sentinels decided.
void JudgeTopology(World& w, const GenericSpec& spec, RunResult* result) {
  if (spec.cluster) {
    if (Wanted(spec, kElectionSafety, true)) {
      checkers::CheckOutcome o = ClusterElectionSafety(w);
      Merge(kElectionSafety, kElectionSafety, o.ok() ? "" : o.violations[0].kind,
            FromOutcome(o, o.summary), result);
    }
    if (Wanted(spec, kFailoverTime, false)) {
      std::vector<std::pair<std::string, int64_t>> crashes;
      for (const faults::Fault& f : result->schedule.faults) {
        for (int t : f.targets) {
          if (f.kind == "crash" && spec.nodes[static_cast<size_t>(t)].role == "primary") {
            crashes.emplace_back(spec.nodes[static_cast<size_t>(t)].name, f.at_ns);
          }
        }
      }
      std::map<std::string, std::string> replica_of;
      for (const GenericNodeSpec& n : spec.nodes) {
        if (n.role == "replica") replica_of[n.name] = n.replicaof;
      }
      checkers::CheckOutcome o =
          ClusterFailoverTime(w, crashes, replica_of, spec.failover_bound_ns);
      Merge(kFailoverTime, kFailoverTime, o.ok() ? "" : o.violations[0].kind,
            FromOutcome(o, o.summary), result);
    }
    if (Wanted(spec, kClusterConvergence, false)) {
      checkers::CheckOutcome o = ClusterConvergence(w, TargetNodes(spec, "any"));
      Merge(kClusterConvergence, kClusterConvergence, o.ok() ? "" : o.violations[0].kind,
            FromOutcome(o, o.summary), result);
    }
    return;
  }
  std::vector<size_t> sentinels = TargetNodes(spec, "sentinels");
  if (sentinels.empty()) return;
  if (Wanted(spec, kElectionSafety, true)) {
    checkers::CheckOutcome o = SentinelElectionSafety(w);
    std::string kind = o.ok() ? "" : o.violations[0].kind;
    Merge(kElectionSafety, kElectionSafety, kind, FromOutcome(o, o.summary), result);
  }
  for (const auto& [name, check] : {std::pair{kNoFailover, &SentinelNoFailover},
                                    {kNoPromotion, &SentinelNoPromotion},
                                    {kTiltSafety, &SentinelTiltSafety}}) {
    if (!Wanted(spec, name, false)) continue;
    checkers::CheckOutcome o = check(w);
    Merge(name, name, o.ok() ? "" : o.violations[0].kind, FromOutcome(o, o.summary), result);
  }
  if (Wanted(spec, kSentinelConvergence, false)) {
    checkers::CheckOutcome o = SentinelConvergence(w, sentinels, TargetNodes(spec, "any"),
                                                   spec.nodes[sentinels[0]].master_name);
    std::string kind = o.ok() ? "" : o.violations[0].kind;
    Merge(kSentinelConvergence, kSentinelConvergence, kind, FromOutcome(o, o.summary), result);
  }
}

// Judges every checked model over its workload's processes, then the topology.
void Judge(World& w, const GenericSpec& spec, const std::vector<std::pair<int, int>>& ranges,
           const std::vector<std::unique_ptr<ClientCtx>>& ctxs, RunResult* result) {
  History& history = w.history();
  result->verdict = Verdict::kHolds;
  result->explanation.clear();
  for (size_t i = 0; i < spec.workloads.size(); i++) {
    const std::vector<std::string>& kind_checkers = FindKind(spec.workloads[i].kind)->info.checkers;
    for (const std::string& checker : kind_checkers) {
      if (!Wanted(spec, checker, checker == kind_checkers[0])) continue;
      RunResult one;
      std::string violation = "not-linearizable";
      if (checker == "lock-safety") {
        JudgeLocks(ctxs, static_cast<int>(i), &one);
        violation = "overlapping-holders";
      } else if (checker == kLostAdds) {
        std::vector<int64_t> starts;
        for (const faults::Fault& f : result->schedule.faults) starts.push_back(f.at_ns);
        checkers::LostAddsResult lost =
            LostAddsOf(history, ranges[i], spec.lost_adds_bound_ns, starts);
        one = FromOutcome(lost.outcome, lost.outcome.summary);
        violation = "lost-acknowledged-add";
      } else {
        // The workload's own processes only: another may use the same operation names.
        static const std::vector<std::string> kAll = {"read",    "write",  "cas",     "incr",
                                                      "add",     "append", "enqueue", "dequeue",
                                                      "acquire", "release"};
        JudgeLinearizability(history, kAll, checker, spec.max_configurations, &one,
                             {ranges[i].first, ranges[i].second});
      }
      Merge("workload " + std::to_string(i) + " (" + spec.workloads[i].kind + ", " + checker + ")",
            checker, violation, one, result);
    }
  }
  JudgeTopology(w, spec, result);
}

}  // namespace

bool WorkloadKindInfo::TakesOption(std::string_view key) const {
  const auto& common = CommonWorkloadOptions();
  return std::find(common.begin(), common.end(), key) != common.end() ||
         std::find(options.begin(), options.end(), key) != options.end();
}

const std::vector<std::string>& CommonWorkloadOptions() {
  static const std::vector<std::string> common = {"kind",   "clients", "keys",    "rate",
                                                  "target", "timeout", "slot_map"};
  return common;
}

const std::vector<WorkloadKindInfo>& AllWorkloadKinds() {
  static const std::vector<WorkloadKindInfo> kinds = [] {
    std::vector<WorkloadKindInfo> out;
    for (const KindEntry& k : KindTable()) out.push_back(k.info);
    return out;
  }();
  return kinds;
}

const WorkloadKindInfo* FindWorkloadKind(std::string_view name) {
  const KindEntry* k = FindKind(name);
  return k == nullptr ? nullptr : &k->info;
}

// The cluster of a `cluster = true` file, built at the start of the run by a fiber of its own
// (an administrator's connections, one per node, on a host of their own).
struct ClusterBootstrap {
  bool ready = false;
  std::string progress = "not started";
  std::vector<SimClient*> conns;
};

void StartClusterBootstrap(World& w, const GenericSpec& spec, ClusterBootstrap* b,
                           std::vector<std::unique_ptr<SimClient>>* owned) {
  SimClient* admin = w.AddClient();
  for (size_t n = 0; n < w.node_count(); n++) {
    if (n == 0) {
      b->conns.push_back(admin);
    } else {
      owned->push_back(std::make_unique<SimClient>(&w, admin->host()));
      b->conns.push_back(owned->back().get());
    }
  }
  std::vector<size_t> primaries = TargetNodes(spec, "primary-all");
  std::vector<std::pair<size_t, size_t>> replicas;
  for (size_t i = 0; i < spec.nodes.size(); i++) {
    for (size_t j = 0; j < spec.nodes.size(); j++) {
      if (spec.nodes[i].role == "replica" && spec.nodes[j].name == spec.nodes[i].replicaof) {
        replicas.emplace_back(i, j);
      }
    }
  }
  w.sim().Spawn([&w, b, primaries, replicas] {
    b->ready = BootstrapCluster(w, b->conns, primaries, replicas, 60'000 * kMs, &b->progress);
    if (b->ready) b->progress = "";
    w.Probe(b->ready ? "cluster-ready" : "cluster-never-ready");
  });
}

RunResult RunGeneric(const RunOptions& opts, const std::string& name, const GenericSpec& spec) {
  std::unique_ptr<World> world = MakeWorld(opts);
  World& w = *world;
  BuildNodes(w, opts, name, spec);
  RunResult result;
  result.scenario = name;
  std::vector<std::unique_ptr<SimClient>> extra;  // destroyed before the world
  std::vector<std::unique_ptr<ClientCtx>> ctxs;
  std::vector<std::pair<int, int>> ranges;
  OpBudget budget(opts.max_ops);
  ClusterBootstrap cluster;
  for (size_t wi = 0; wi < spec.workloads.size(); wi++) {
    const GenericWorkloadSpec& ws = spec.workloads[wi];
    int clients = opts.clients > 0 ? opts.clients : ws.clients;
    int keys = opts.keys > 0 ? opts.keys : ws.keys;
    result.clients += clients;
    result.keys = std::max(result.keys, keys);
    int first = static_cast<int>(w.client_count());
    ranges.emplace_back(first, first + clients);
    for (int i = 0; i < clients; i++) {
      auto c = std::make_unique<ClientCtx>();
      c->w = &w;
      c->process = static_cast<int>(w.client_count());
      c->workload = static_cast<int>(wi);
      c->spec = &ws;
      c->step = FindKind(ws.kind)->step;
      c->keys = keys;
      c->budget = &budget;
      c->next_value = c->process * kValuesPerProcess;
      SimClient* main = w.AddClient();
      for (size_t n = 0; n < w.node_count(); n++) {
        if (n == 0) {
          c->conns.push_back(main);
        } else {
          extra.push_back(std::make_unique<SimClient>(&w, main->host()));
          c->conns.push_back(extra.back().get());
        }
      }
      c->targets = TargetNodes(spec, ws.target);
      c->read_targets = TargetNodes(spec, ws.read_target.empty() ? ws.target : ws.read_target);
      if (ws.target == "sentinel") {
        c->sentinels = TargetNodes(spec, "sentinels");
        c->master_name = spec.nodes[c->sentinels.at(0)].master_name;
      }
      if (spec.cluster) {
        c->slots = std::make_unique<SlotMap>(ws.slot_map == "refresh");
        c->cluster_ready = &cluster.ready;
      }
      ctxs.push_back(std::move(c));
    }
  }
  if (spec.cluster) StartClusterBootstrap(w, spec, &cluster, &extra);
  result.schedule = ChooseSchedule(opts, w, spec.nemesis, opts.duration_ns, spec.faults);
  for (auto& c : ctxs) {
    ClientCtx* ctx = c.get();
    w.sim().Spawn([ctx] { ClientLoop(*ctx); });
  }
  w.Run(opts.duration_ns);
  FinishRun(w, opts, &result);
  Judge(w, spec, ranges, ctxs, &result);
  if (spec.cluster && !cluster.ready) {
    result.verdict = Verdict::kInconclusive;
    result.explanation = "the cluster was never ready (stuck " + cluster.progress +
                         "): nothing was tested\n" + result.explanation;
  }
  uint64_t crashes = 0;
  for (size_t i = 0; i < w.node_count(); i++) crashes += w.node(i)->crashes();
  result.crashes = crashes;
  result.probes["node-crashed"] = crashes;
  for (auto& c : extra) c->Disconnect();
  return result;
}

}  // namespace redsim::scenarios
