// Replication drivers: one primary (n1) and two replicas (n2, n3) under partitions, clogs and
// primary crashes, each judging one claim of CLAIMS.md with a checker. The scenarios are files
// (scenarios/defs/replication-*.toml) naming a driver here and giving the nodes' config and the
// claim:
//
//   replication-partial-resync  R1+R2 holds    short partitions primary<->replicas; the primary's
//                                              sync_full counter must not grow for a gap the
//                                              backlog covered; replicas converge (convergence)
//   replication-stale-reads     R3 refuted     register workload, writes on the primary, reads
//                                              on replicas (lagging links, clogs): linearizability
//   replication-primary-reads   R3' holds      the same with reads on the primary (the control)
//   replication-primary-crash   R4 refuted     the primary, without persistence, crashes and
//                                              restarts empty; replicas resync from it (durability)
//   replication-primary-crash-aof  R4' holds   the same with appendonly yes, appendfsync always
//   replication-wait            R5 holds       SET then WAIT 1: when WAIT says n, n replicas hold
//                                              the write at that moment (read from their keyspace)
//   replication-wait-failover   R6 refuted     WAIT 1 on a minority side while the majority
//                                              promotes the cut-off replica: acked writes vanish
//
// Every run is a pure function of its seed: nemesis times, client choices and latencies come
// from the simulator's derived streams.
#include "engine/replication/replication.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "checkers/convergence.h"
#include "checkers/durability.h"
#include "engine/base/strutil.h"
#include "scenarios/replication_support.h"
#include "scenarios/toml_scenarios.h"

namespace redsim::scenarios {

namespace {

constexpr int64_t kMs = kReplMs;
constexpr int64_t kSec = kReplSec;

// The moment faults and client writes stop: what is left of the run is for convergence.
int64_t QuietFrom(int64_t duration_ns) {
  int64_t tail = std::min<int64_t>(12 * kSec, duration_ns / 2);
  return duration_ns - tail;
}

// A node's config: the engine's defaults on port 6379, then the file's [config] and --config
// (opts.config; the replication files set save "", repl-timeout and repl-ping-replica-period).
ServerConfig NodeConfig(const RunOptions& opts) {
  ServerConfig config;
  config.port = 6379;
  if (std::string error = ApplyConfigOverrides(opts, &config); !error.empty()) {
    fprintf(stderr, "replication scenario: %s\n", error.c_str());
    abort();
  }
  return config;
}

Replication* ReplOf(SimNode* n) { return n->server() ? n->server()->replication() : nullptr; }

// Owns the extra connections of a client process (one per node it talks to besides its main
// one). Destroyed before the world, after the run.
struct ExtraClients {
  std::vector<std::unique_ptr<SimClient>> all;
  SimClient* Add(World& w, sim::HostId host) {
    all.push_back(std::make_unique<SimClient>(&w, host));
    return all.back().get();
  }
  void DisconnectAll() {
    for (auto& c : all) c->Disconnect();
  }
};

bool EnsureConnected(World& w, SimClient* c, SimNode* node, Random& rng) {
  if (c->connected()) return true;
  if (c->Connect(node->address(), node->port(), 500 * kMs)) return true;
  w.sim().SleepFiber(static_cast<int64_t>(20 + rng.Uniform(100)) * kMs);
  return false;
}

std::string ReplyJson(const CallResult& r) {
  if (r.status != CallResult::Status::kReply) return "null";
  if (r.reply.type == RespValue::Type::kInteger) return std::to_string(r.reply.integer);
  if (r.reply.is_null()) return "null";
  return History::JsonString(r.reply.str);
}

// ---- replication-partial-resync ---------------------------------------------------------------

struct GapRecord {
  int64_t start_offset = 0;
  int64_t settled_offset = -1;  // primary offset once the replica had time to reconnect
};

// Short partitions between the primary and one or both replicas, of varied shapes, each
// followed by a pause; every gap's size in stream bytes is recorded.
void SchedulePartitions(World& w, Random rng, int64_t from, int64_t until, int64_t settle_ns,
                        std::vector<GapRecord>* gaps) {
  SimNode* p = w.node(0);
  int64_t t = from;
  while (true) {
    int64_t down = static_cast<int64_t>(300 + rng.Uniform(5200)) * kMs;
    if (t + down + settle_ns > until) break;
    int shape = static_cast<int>(rng.Uniform(4));
    size_t which = 1 + rng.Uniform(2);
    size_t gap_index = gaps->size();
    gaps->emplace_back();
    w.sim().At(
        t, sim::kNoHost,
        [&w, p, shape, which, gaps, gap_index] {
          static const char* kShapes[] = {"both-ways", "primary-to-replica", "replica-to-primary",
                                          "primary-from-all-replicas"};
          std::string detail = std::string(kShapes[shape]) + " " + p->name() + " " +
                               (shape == 3 ? std::string("n2,n3") : w.node(which)->name());
          w.RecordNemesis("partition", detail);
          (*gaps)[gap_index].start_offset = ReplOf(p)->master_repl_offset();
          for (size_t r = 1; r < w.node_count(); r++) {
            if (shape != 3 && r != which) continue;
            if (shape != 2) w.net().BlockOneWay(p->host(), w.node(r)->host());
            if (shape != 1) w.net().BlockOneWay(w.node(r)->host(), p->host());
          }
        },
        sim::TraceKind::kFault);
    w.sim().At(
        t + down, sim::kNoHost,
        [&w] {
          w.RecordNemesis("heal", "all");
          w.net().Heal();
        },
        sim::TraceKind::kFault);
    w.sim().At(t + down + settle_ns, sim::kNoHost, [p, gaps, gap_index] {
      (*gaps)[gap_index].settled_offset = ReplOf(p)->master_repl_offset();
    });
    // The next partition may begin before this gap is measured: a replica that is still
    // reconnecting then has a wider gap, which the measurement (from this start) undercounts
    // only if gaps chain; the backlog dwarfs the write rate here, so every gap is covered.
    t += down + static_cast<int64_t>(1000 + rng.Uniform(2000)) * kMs;
  }
}

// Random register / counter / set operations against the primary until `until_ns`.
void MixedWriter(World& w, int process, int keys, int64_t from_ns, int64_t until_ns) {
  SimClient* c = w.client(static_cast<size_t>(process));
  SimNode* primary = w.node(0);
  Random rng = w.sim().StreamFor("client:" + std::to_string(process));
  int64_t next_value = process * 1'000'000LL;
  w.sim().SleepFiber(from_ns);
  while (!w.stopping() && w.sim().now_ns() < until_ns) {
    if (!EnsureConnected(w, c, primary, rng)) continue;
    std::string k = std::to_string(rng.Uniform(static_cast<uint64_t>(keys)));
    std::string v = std::to_string(++next_value);
    uint64_t pick = rng.Uniform(10);
    std::string f, key, invoke = "null";
    std::vector<std::string> args;
    if (pick < 4) {
      f = "write";
      key = "r" + k;
      invoke = History::JsonString(v);
      args = {"SET", key, v};
    } else if (pick < 6) {
      f = "incr";
      key = "c" + k;
      args = {"INCR", key};
    } else if (pick < 8) {
      // Members from a small range: sets stay bounded and SADD sometimes finds the member.
      std::string m = std::to_string(rng.Uniform(200));
      f = "add";
      key = "s" + k;
      invoke = History::JsonString(m);
      args = {"SADD", key, m};
    } else {
      f = "read";
      key = "r" + k;
      args = {"GET", key};
    }
    w.history().Add(process, OpType::kInvoke, f, key, invoke, w.sim().now_ns());
    CallResult r = c->Call(args, 1 * kSec);
    std::string result = f == "write" ? invoke : ReplyJson(r);
    if (f == "add") result = result == "1" ? "true" : "false";  // the set model's "changed"
    RecordReply(w, process, f, key, r, result, invoke);
    w.sim().SleepFiber(static_cast<int64_t>(1 + rng.Uniform(5)) * kMs);
  }
}

// Snapshots every node's dataset every 500 ms from `from` to the end of the run.
void ScheduleSnapshots(World& w, int64_t from, int64_t until,
                       std::vector<checkers::DatasetSnapshot>* out) {
  for (int64_t t = from; t <= until; t += 500 * kMs) {
    w.sim().At(t, sim::kNoHost, [&w, out, t] {
      for (size_t i = 0; i < w.node_count(); i++) {
        out->push_back({w.node(i)->name(), t, SnapshotDataset(w.node(i))});
      }
    });
  }
}

// The first key whose value differs between the primary's and a replica's last snapshots, with
// both values (shortened), to show what diverged.
std::string FirstDifference(const std::vector<checkers::DatasetSnapshot>& snaps) {
  std::map<std::string, const checkers::Dataset*> last;
  for (const auto& s : snaps) last[s.node] = &s.data;
  const checkers::Dataset* p = last["n1"];
  auto cut = [](const std::string& v) { return v.size() > 160 ? v.substr(0, 160) + "..." : v; };
  for (const auto& [node, data] : last) {
    if (node == "n1") continue;
    for (const auto& [k, v] : *p) {
      auto it = data->find(k);
      std::string got = it == data->end() ? "(absent)" : it->second;
      if (got == v) continue;
      // Members of a set (or the whole value) present on only one side.
      auto split = [](const std::string& x) {
        std::set<std::string> out;
        size_t start = x.find(':') + 1;
        while (start <= x.size()) {
          size_t end = x.find('\x1f', start);
          if (end == std::string::npos) end = x.size();
          out.insert(x.substr(start, end - start));
          start = end + 1;
        }
        return out;
      };
      std::set<std::string> a = split(v), b = split(got);
      std::string only_p, only_r;
      for (const auto& m : a)
        if (!b.count(m)) only_p += " " + m;
      for (const auto& m : b)
        if (!a.count(m)) only_r += " " + m;
      return "first difference: " + k + ", only on n1:" + cut(only_p) + "; only on " + node + ":" +
             cut(only_r);
    }
  }
  return "";
}

RunResult RunPartialResync(const RunOptions& opts, const std::string& name) {
  std::unique_ptr<World> world = MakeWorld(opts);
  World& w = *world;
  ServerConfig config = NodeConfig(opts);
  AddPrimaryWithReplicas(w, 2, config);
  int clients = opts.clients > 0 ? opts.clients : 5;
  for (int i = 0; i < clients; i++) w.AddClient();
  int64_t quiet = QuietFrom(opts.duration_ns);
  const int64_t settle = (config.repl_timeout + 4) * kSec;
  std::vector<GapRecord> gaps;
  SchedulePartitions(w, w.sim().StreamFor("nemesis"), 2 * kSec, quiet, settle, &gaps);
  std::vector<checkers::DatasetSnapshot> snapshots;
  ScheduleSnapshots(w, quiet, opts.duration_ns - 1, &snapshots);
  for (int i = 0; i < clients; i++) {
    // Writes begin once the replicas made their first (full) sync of the empty dataset: the
    // claim is about what happens after that.
    w.sim().Spawn([&w, i, quiet] { MixedWriter(w, i, 10, 1 * kSec, quiet); });
  }
  w.Run(opts.duration_ns);

  RunResult result;
  // R2: each replica's first sync is full; after that only a gap the backlog could not cover
  // may need another full sync.
  int uncovered = 0;
  for (const auto& g : gaps) {
    if (g.settled_offset < 0 || g.settled_offset - g.start_offset >= config.repl_backlog_size) {
      uncovered++;
    }
  }
  Replication* pr = ReplOf(w.node(0));
  uint64_t allowed_full = 2 + 2 * static_cast<uint64_t>(uncovered);
  checkers::ConvergenceInput conv;
  conv.primary = "n1";
  conv.faults_stopped_ns = quiet;
  conv.bound_ns = 10 * kSec;
  conv.snapshots = std::move(snapshots);
  checkers::CheckOutcome converged = checkers::CheckConvergence(conv);
  std::string first_diff = converged.ok() ? "" : FirstDifference(conv.snapshots);
  bool resync_ok = pr->sync_full() <= allowed_full;
  result.verdict = resync_ok && converged.ok() ? Verdict::kHolds : Verdict::kRefuted;
  result.explanation = std::to_string(gaps.size()) + " partitions (" + std::to_string(uncovered) +
                       " wider than the " + std::to_string(config.repl_backlog_size) +
                       "-byte backlog); primary sync_full=" + std::to_string(pr->sync_full()) +
                       " (allowed " + std::to_string(allowed_full) +
                       "), sync_partial_ok=" + std::to_string(pr->sync_partial_ok()) +
                       ", sync_partial_err=" + std::to_string(pr->sync_partial_err()) +
                       (resync_ok ? "" : " -- an unneeded full resync") +
                       "\nconvergence: " + converged.ToText() + first_diff;
  FinishReplicationRun(w, opts, name, "", "", Verdict::kNone, &result);  // the claim: the file's
  return result;
}

// ---- replication-stale-reads / replication-primary-reads -------------------------------------

// Each process writes unique values to the primary and reads either from a random replica
// (`replica_reads`) or from the primary.
void RegisterClient(World& w, int process, int keys, bool replica_reads,
                    std::vector<SimClient*> conns) {
  Random rng = w.sim().StreamFor("client:" + std::to_string(process));
  int64_t next_value = process * 1'000'000LL;
  while (!w.stopping()) {
    bool write = rng.Chance(0.5);
    size_t target = write || !replica_reads ? 0 : 1 + rng.Uniform(w.node_count() - 1);
    SimClient* c = conns[target];
    if (!EnsureConnected(w, c, w.node(target), rng)) continue;
    std::string key = "k" + std::to_string(rng.Uniform(static_cast<uint64_t>(keys)));
    if (write) {
      std::string v = History::JsonString(std::to_string(++next_value));
      w.history().Add(process, OpType::kInvoke, "write", key, v, w.sim().now_ns());
      CallResult r = c->Call({"SET", key, std::to_string(next_value)}, 1 * kSec);
      RecordReply(w, process, "write", key, r, v, v);
    } else {
      w.history().Add(process, OpType::kInvoke, "read", key, "null", w.sim().now_ns());
      CallResult r = c->Call({"GET", key}, 1 * kSec);
      RecordReply(w, process, "read", key, r, ReplyJson(r), "null");
    }
    w.sim().SleepFiber(static_cast<int64_t>(rng.Uniform(20)) * kMs);
  }
}

// Replicas sit behind slower links than the clients, and those links clog now and then: the
// replication stream lags the acknowledgements clients get from the primary.
void ScheduleClogs(World& w, Random rng, int64_t until) {
  SimNode* p = w.node(0);
  for (size_t r = 1; r < w.node_count(); r++) {
    w.net().set_link_latency(p->host(), w.node(r)->host(), netsim::Latency{1 * kMs, 4 * kMs});
  }
  int64_t t = static_cast<int64_t>(500 + rng.Uniform(1500)) * kMs;
  while (t < until) {
    size_t r = 1 + rng.Uniform(w.node_count() - 1);
    int64_t len = static_cast<int64_t>(100 + rng.Uniform(700)) * kMs;
    w.sim().At(
        t, sim::kNoHost,
        [&w, p, r, t, len] {
          w.RecordNemesis("clog", p->name() + "<->" + w.node(r)->name() + " " +
                                      std::to_string(len / kMs) + "ms");
          w.net().Clog(p->host(), w.node(r)->host(), t + len);
        },
        sim::TraceKind::kFault);
    t += len + static_cast<int64_t>(500 + rng.Uniform(2500)) * kMs;
  }
}

RunResult RunRegisterReads(const RunOptions& opts, const std::string& name, bool replica_reads) {
  std::unique_ptr<World> world = MakeWorld(opts);
  World& w = *world;
  AddPrimaryWithReplicas(w, 2, NodeConfig(opts));
  int clients = opts.clients > 0 ? opts.clients : 6;
  ExtraClients extra;
  std::vector<std::vector<SimClient*>> conns(static_cast<size_t>(clients));
  for (int i = 0; i < clients; i++) {
    SimClient* main = w.AddClient();
    conns[static_cast<size_t>(i)].push_back(main);
    for (size_t r = 1; r < w.node_count(); r++) {
      conns[static_cast<size_t>(i)].push_back(extra.Add(w, main->host()));
    }
  }
  ScheduleClogs(w, w.sim().StreamFor("nemesis"), opts.duration_ns);
  for (int i = 0; i < clients; i++) {
    w.sim().Spawn([&w, i, replica_reads, &conns] {
      RegisterClient(w, i, 8, replica_reads, conns[static_cast<size_t>(i)]);
    });
  }
  w.Run(opts.duration_ns);
  RunResult result;
  JudgeLinearizability(w.history(), {"read", "write"}, "register", 20'000'000, &result);
  FinishReplicationRun(w, opts, name, "", "", Verdict::kNone, &result);  // the claim: the file's
  extra.DisconnectAll();
  return result;
}

// ---- replication-primary-crash(-aof) ----------------------------------------------------------

struct CrashPlan {
  int64_t crash_ns = 0;
  int64_t restart_ns = 0;
};

// Unique-value SETs on the primary until the crash; every write is kept for the durability
// checker.
void CrashWriter(World& w, int process, int keys, const CrashPlan& plan,
                 std::vector<checkers::DurableWrite>* writes) {
  SimClient* c = w.client(static_cast<size_t>(process));
  SimNode* primary = w.node(0);
  Random rng = w.sim().StreamFor("client:" + std::to_string(process));
  int64_t next_value = process * 1'000'000LL;
  while (!w.stopping() && w.sim().now_ns() < plan.crash_ns) {
    if (!EnsureConnected(w, c, primary, rng)) continue;
    std::string key = "k" + std::to_string(rng.Uniform(static_cast<uint64_t>(keys)));
    std::string v = std::to_string(++next_value);
    std::string vj = History::JsonString(v);
    checkers::DurableWrite dw;
    dw.key = key;
    dw.value = v;
    dw.invoke_ns = w.sim().now_ns();
    dw.id = static_cast<int>(writes->size());
    w.history().Add(process, OpType::kInvoke, "write", key, vj, dw.invoke_ns);
    CallResult r = c->Call({"SET", key, v}, 1 * kSec);
    RecordReply(w, process, "write", key, r, vj, vj);
    if (r.ok()) dw.ack_ns = w.sim().now_ns();
    if (!(r.status == CallResult::Status::kReply && r.reply.is_error())) writes->push_back(dw);
    w.sim().SleepFiber(static_cast<int64_t>(1 + rng.Uniform(10)) * kMs);
  }
}

std::map<std::string, std::string> StringKeysOf(SimNode* node) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : SnapshotDataset(node)) {
    if (k.rfind("0:", 0) == 0 && v.rfind("s:", 0) == 0) out[k.substr(2)] = v.substr(2);
  }
  return out;
}

RunResult RunPrimaryCrash(const RunOptions& opts, const std::string& name) {
  std::unique_ptr<World> world = MakeWorld(opts);
  World& w = *world;
  ServerConfig config = NodeConfig(opts);  // appendonly/appendfsync come from the file
  AddPrimaryWithReplicas(w, 2, config);
  int clients = opts.clients > 0 ? opts.clients : 5;
  for (int i = 0; i < clients; i++) w.AddClient();
  Random rng = w.sim().StreamFor("nemesis");
  CrashPlan plan;
  int64_t room = std::max<int64_t>(opts.duration_ns - 12 * kSec, 2 * kSec);
  plan.crash_ns = std::min<int64_t>(3 * kSec + static_cast<int64_t>(rng.Uniform(5000)) * kMs, room);
  plan.restart_ns = plan.crash_ns + static_cast<int64_t>(200 + rng.Uniform(1800)) * kMs;
  SimNode* p = w.node(0);
  w.sim().At(
      plan.crash_ns, sim::kNoHost,
      [&w, p] {
        w.RecordNemesis("crash", p->name());
        p->Crash();
      },
      sim::TraceKind::kFault);
  w.sim().At(
      plan.restart_ns, sim::kNoHost,
      [&w, p] {
        w.RecordNemesis("restart", p->name());
        p->Restart();
      },
      sim::TraceKind::kFault);
  std::vector<std::vector<checkers::DurableWrite>> writes(static_cast<size_t>(clients));
  for (int i = 0; i < clients; i++) {
    w.sim().Spawn(
        [&w, i, &plan, &writes] { CrashWriter(w, i, 20, plan, &writes[static_cast<size_t>(i)]); });
  }
  // The claim is about the node after it restarts and reloads: a run too short to see that
  // (say --duration 2s) is extended until a few seconds past the restart rather than judged early.
  w.Run(std::max<int64_t>(opts.duration_ns, plan.restart_ns + 5 * kSec));

  checkers::DurabilityInput in;
  in.policy = checkers::FsyncPolicy::kAlways;  // the claim: every acknowledged write survives
  in.crash_ns = plan.crash_ns;
  for (auto& per : writes) in.writes.insert(in.writes.end(), per.begin(), per.end());
  RunResult result;
  bool all_ok = true;
  std::string text;
  for (size_t i = 0; i < w.node_count(); i++) {
    in.after = StringKeysOf(w.node(i));
    checkers::DurabilityResult d = checkers::CheckDurability(in);
    all_ok = all_ok && d.outcome.ok();
    text += w.node(i)->name() + ": " + std::to_string(in.after.size()) + " keys, " +
            std::to_string(d.lost_acknowledged) + " of " + std::to_string(d.acknowledged) +
            " acknowledged writes lost\n";
    if (!d.outcome.ok() && i > 0 && d.outcome.violations.size() > 0) {
      text += "  first: " + d.outcome.violations[0].message + "\n";
    }
  }
  Replication* r2 = ReplOf(w.node(1));
  text += "crash at " + std::to_string(plan.crash_ns / kMs) + " ms, restart at " +
          std::to_string(plan.restart_ns / kMs) + " ms; n2 now follows replid " +
          (r2 ? r2->replid() : std::string("?"));
  result.verdict = all_ok ? Verdict::kHolds : Verdict::kRefuted;
  result.explanation = text;
  FinishReplicationRun(w, opts, name, "", "", Verdict::kNone, &result);  // the claim: the file's
  return result;
}

// ---- replication-wait ------------------------------------------------------------------------

struct WaitStats {
  uint64_t waits = 0;    // WAIT replies
  uint64_t acked = 0;    // of those, >= 1
  uint64_t checked = 0;  // replica holdings checked
  uint64_t violations = 0;
  std::string first_violation;
};

// SET p<process> <seq>, then WAIT 1 200; when WAIT answers n, at least n replicas must hold a
// value >= seq for the key at the moment the reply arrives (only this process writes the key,
// and values only grow).
void WaitClient(World& w, int process, int64_t until_ns, WaitStats* stats) {
  SimClient* c = w.client(static_cast<size_t>(process));
  SimNode* primary = w.node(0);
  Random rng = w.sim().StreamFor("client:" + std::to_string(process));
  std::string key = "p" + std::to_string(process);
  int64_t seq = 0;
  while (!w.stopping() && w.sim().now_ns() < until_ns) {
    if (!EnsureConnected(w, c, primary, rng)) continue;
    std::string v = std::to_string(++seq);
    std::string vj = History::JsonString(v);
    w.history().Add(process, OpType::kInvoke, "write", key, vj, w.sim().now_ns());
    CallResult r = c->Call({"SET", key, v}, 1 * kSec);
    RecordReply(w, process, "write", key, r, vj, vj);
    if (!r.ok()) continue;
    w.history().Add(process, OpType::kInvoke, "wait", key, "1", w.sim().now_ns());
    CallResult wr = c->Call({"WAIT", "1", "200"}, 1 * kSec);
    RecordReply(w, process, "wait", key, wr, ReplyJson(wr), "1");
    if (wr.status != CallResult::Status::kReply || wr.reply.type != RespValue::Type::kInteger) {
      continue;
    }
    stats->waits++;
    int64_t n = wr.reply.integer;
    if (n < 1) continue;
    stats->acked++;
    int64_t holding = 0;
    for (size_t i = 1; i < w.node_count(); i++) {
      std::string got;
      int64_t got_seq;
      if (PeekString(w.node(i), key, &got) && ParseInt64(got, &got_seq) && got_seq >= seq) {
        holding++;
      }
    }
    stats->checked++;
    if (holding < n) {
      stats->violations++;
      if (stats->first_violation.empty()) {
        stats->first_violation = "at " + std::to_string(w.sim().now_ns() / kMs) +
                                 " ms WAIT "
                                 "returned " +
                                 std::to_string(n) + " for SET " + key + " " + v + " but only " +
                                 std::to_string(holding) + " replicas held it";
      }
    }
    w.sim().SleepFiber(static_cast<int64_t>(rng.Uniform(10)) * kMs);
  }
}

RunResult RunWait(const RunOptions& opts, const std::string& name) {
  std::unique_ptr<World> world = MakeWorld(opts);
  World& w = *world;
  ServerConfig config = NodeConfig(opts);
  AddPrimaryWithReplicas(w, 2, config);
  int clients = opts.clients > 0 ? opts.clients : 5;
  for (int i = 0; i < clients; i++) w.AddClient();
  int64_t quiet = QuietFrom(opts.duration_ns);
  std::vector<GapRecord> gaps;
  SchedulePartitions(w, w.sim().StreamFor("nemesis"), 2 * kSec, quiet, 1 * kSec, &gaps);
  ScheduleClogs(w, w.sim().StreamFor("clogs"), quiet);
  WaitStats stats;
  for (int i = 0; i < clients; i++) {
    w.sim().Spawn([&w, i, &stats, d = opts.duration_ns] { WaitClient(w, i, d, &stats); });
  }
  w.Run(opts.duration_ns);
  RunResult result;
  result.verdict = stats.violations == 0 ? Verdict::kHolds : Verdict::kRefuted;
  result.explanation = std::to_string(stats.waits) + " WAIT replies, " +
                       std::to_string(stats.acked) +
                       " of them >= 1 (each checked against the "
                       "replicas' keyspace at that moment), " +
                       std::to_string(stats.violations) + " violations" +
                       (stats.first_violation.empty() ? "" : "; first: " + stats.first_violation) +
                       "\n(not claimed: that a later failover keeps the write -- R6, refuted by "
                       "Redis's own documentation)";
  FinishReplicationRun(w, opts, name, "", "", Verdict::kNone, &result);  // the claim: the file's
  return result;
}

// ---- replication-wait-failover -------------------------------------------------------------

// SET p<process> <seq> then WAIT 1 200 against the primary until `until_ns`; a write counts as
// acknowledged when WAIT answered >= 1.
void WaitWriter(World& w, int process, int64_t until_ns,
                std::vector<checkers::DurableWrite>* writes) {
  SimClient* c = w.client(static_cast<size_t>(process));
  SimNode* primary = w.node(0);
  Random rng = w.sim().StreamFor("client:" + std::to_string(process));
  std::string key = "p" + std::to_string(process);
  int64_t seq = 0;
  while (!w.stopping() && w.sim().now_ns() < until_ns) {
    if (!EnsureConnected(w, c, primary, rng)) continue;
    std::string v = std::to_string(++seq);
    std::string vj = History::JsonString(v);
    checkers::DurableWrite dw{key, v, w.sim().now_ns(), -1, static_cast<int>(writes->size())};
    w.history().Add(process, OpType::kInvoke, "write", key, vj, dw.invoke_ns);
    CallResult r = c->Call({"SET", key, v}, 1 * kSec);
    RecordReply(w, process, "write", key, r, vj, vj);
    if (r.ok()) {
      w.history().Add(process, OpType::kInvoke, "wait", key, "1", w.sim().now_ns());
      CallResult wr = c->Call({"WAIT", "1", "200"}, 1 * kSec);
      RecordReply(w, process, "wait", key, wr, ReplyJson(wr), "1");
      if (wr.status == CallResult::Status::kReply && wr.reply.type == RespValue::Type::kInteger &&
          wr.reply.integer >= 1) {
        dw.ack_ns = w.sim().now_ns();
      }
    }
    if (!(r.status == CallResult::Status::kReply && r.reply.is_error())) writes->push_back(dw);
    w.sim().SleepFiber(static_cast<int64_t>(rng.Uniform(10)) * kMs);
  }
}

// Jepsen's shape with WAIT: n3 is cut off from n1, n2 and the clients; the majority side (n3
// and, implicitly, the Sentinels with it) promotes n3; meanwhile clients keep writing to n1,
// and WAIT 1 succeeds through n2 -- two of three nodes hold each write. At the heal, n1 and n2
// are made replicas of n3 and resynchronise from it.
RunResult RunWaitFailover(const RunOptions& opts, const std::string& name) {
  std::unique_ptr<World> world = MakeWorld(opts);
  World& w = *world;
  AddPrimaryWithReplicas(w, 2, NodeConfig(opts));
  int clients = opts.clients > 0 ? opts.clients : 5;
  for (int i = 0; i < clients; i++) w.AddClient();
  Random rng = w.sim().StreamFor("nemesis");
  int64_t t_part = static_cast<int64_t>(3000 + rng.Uniform(2000)) * kMs;
  int64_t t_fail = t_part + static_cast<int64_t>(2000 + rng.Uniform(2000)) * kMs;
  int64_t t_heal = t_fail + static_cast<int64_t>(2000 + rng.Uniform(1000)) * kMs;
  SimNode *n1 = w.node(0), *n2 = w.node(1), *n3 = w.node(2);
  w.sim().At(
      t_part, sim::kNoHost,
      [&w, n3] {
        w.RecordNemesis("partition", "n3 | n1 n2 clients");
        w.net().Partition({{n3->host()}});
      },
      sim::TraceKind::kFault);
  w.sim().At(
      t_fail, sim::kNoHost,
      [&w, n3] {
        w.RecordNemesis("failover", "n3 promoted by the majority side");
        ReplOf(n3)->BecomeMaster();
      },
      sim::TraceKind::kFault);
  w.sim().At(
      t_heal, sim::kNoHost,
      [&w, n1, n2, n3] {
        w.RecordNemesis("heal", "n1, n2 reconfigured as replicas of n3");
        w.net().Heal();
        ReplOf(n1)->ReplicaOf(n3->address(), n3->port());
        ReplOf(n2)->ReplicaOf(n3->address(), n3->port());
      },
      sim::TraceKind::kFault);
  std::vector<std::vector<checkers::DurableWrite>> writes(static_cast<size_t>(clients));
  for (int i = 0; i < clients; i++) {
    w.sim().Spawn(
        [&w, i, t_heal, &writes] { WaitWriter(w, i, t_heal, &writes[static_cast<size_t>(i)]); });
  }
  w.Run(opts.duration_ns);

  checkers::DurabilityInput in;
  in.policy = checkers::FsyncPolicy::kAlways;  // the claim: nothing WAIT-acknowledged is lost
  in.crash_ns = t_heal;
  for (auto& per : writes) in.writes.insert(in.writes.end(), per.begin(), per.end());
  in.after = StringKeysOf(n3);
  checkers::DurabilityResult d = checkers::CheckDurability(in);
  RunResult result;
  result.verdict = d.outcome.ok() ? Verdict::kHolds : Verdict::kRefuted;
  result.explanation =
      "partition at " + std::to_string(t_part / kMs) + " ms, n3 promoted at " +
      std::to_string(t_fail / kMs) + " ms, heal at " + std::to_string(t_heal / kMs) +
      " ms; on the new primary n3: " + std::to_string(d.lost_acknowledged) + " of " +
      std::to_string(d.acknowledged) + " WAIT-acknowledged writes lost" +
      (d.outcome.violations.empty() ? "" : "; first: " + d.outcome.violations[0].message) +
      "\n(durability checker wording: the 'crash' is the heal; policy 'always' = no loss "
      "allowed)";
  FinishReplicationRun(w, opts, name, "", "", Verdict::kNone, &result);  // the claim: the file's
  return result;
}

}  // namespace

// The replication drivers (scenarios/defs/replication-*.toml), each registered once under its
// name; each file gives the nodes' config.
std::vector<DriverInfo> ReplicationDrivers() {
  auto plain = [](RunResult (*run)(const RunOptions&, const std::string&)) {
    return [run](const RunOptions& o, const std::string& name, const DriverParams&) {
      return run(o, name);
    };
  };
  return {
      {"replication-partial-resync", false, {}, plain(RunPartialResync)},
      {"replication-register-reads",
       false,
       {"replica_reads"},
       [](const RunOptions& o, const std::string& name, const DriverParams& p) {
         return RunRegisterReads(o, name, p.Option("replica_reads"));
       }},
      {"replication-primary-crash", false, {}, plain(RunPrimaryCrash)},
      {"replication-wait", false, {}, plain(RunWait)},
      {"replication-wait-failover", false, {}, plain(RunWaitFailover)},
  };
}

}  // namespace redsim::scenarios
