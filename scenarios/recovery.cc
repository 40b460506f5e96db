// Recovery scenarios (issue 6 item 5): one node persisting to its simulated disk, clients writing
// unique values (INCR counters, APPEND of unique tokens, SADD of unique members, SET of unique
// keys), and a nemesis that crashes the node at seeded moments — the disk keeps what was fsynced
// and, of the rest, nothing, a prefix, everything, or all but a torn last write — restarts it
// (aof-load-truncated yes) and reads everything back before clients write again. Each crash is
// judged by checkers::CheckDurability (through scenarios/recovery_check.h) against the fsync
// policy's promise; the run ends with a read of the live node, where nothing acknowledged may be
// missing.
//
// Each scenario states its claim and the verdict it expects. `aof-recovery-always-lying-disk`
// expects "refuted": shortly before each crash its disk starts acknowledging fsyncs without
// making anything durable, and the checker must notice the acknowledged writes that vanish.
//
// The workload pauses while the node is down and while it is read back (a gate the writers check
// right before each invocation), so every read-back state is exactly what the node recovered.
#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "checkers/datum.h"
#include "engine/persistence/persistence.h"
#include "engine/persistence/rdb_codec.h"
#include "scenarios/recovery_check.h"
#include "scenarios/scenario.h"
#include "scenarios/toml_scenarios.h"

namespace redsim::scenarios {

namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSec = 1'000 * kMs;
constexpr int kCollections = 4;  // ctr:0..3, log:0..3, set:0..3
constexpr int64_t kCallTimeoutNs = 1 * kSec;
constexpr size_t kReadBatch = 256;  // commands per read-back pipeline
constexpr size_t kMaxListedInExplanation = 8;

// What a recovery file sets: the node's config (its persistence) and whether the disk lies.
struct RecoveryParams {
  std::string name;
  ServerConfig config;
  bool aof = true;                                                // config.appendonly
  checkers::FsyncPolicy policy = checkers::FsyncPolicy::kAlways;  // what each crash is judged by
  bool lying_disk = false;
};

// Shared by the writers and the nemesis (all fibers on one thread).
struct RecoveryRun {
  World* world = nullptr;
  SimNode* node = nullptr;
  const RecoveryParams* params = nullptr;
  // SADD is part of the workload only when snapshots can encode sets: without a codec, an RDB
  // save or an AOF rewrite leaves sets out (see the report), which would only measure that.
  bool use_sets = true;
  bool gate_open = false;  // writers may invoke
  int in_flight = 0;
  uint32_t epoch = 0;
  std::vector<RecoveryWrite> writes;  // writes invoked in the current epoch
  int next_op_id = 0;
  // Verdict material.
  checkers::CheckOutcome outcome;
  std::vector<std::string> epoch_summaries;
  int crashes = 0;
  int checks = 0;
  int acknowledged = 0;
  int lost_acknowledged = 0;
  int64_t worst_loss_window_ns = 0;
  bool restart_failed = false;
  // Coverage: AOF tails cut at restart, background jobs that completed (over all incarnations).
  uint64_t torn_tails_cut = 0;
  uint64_t rewrites_done = 0;
  uint64_t snapshots_done = 0;
  bool read_failed = false;
};

// The dataset as a map (strings, then sets as lists of members), recorded without JSON text.
checkers::Datum DatumOf(const RecoveryState& s) {
  checkers::Datum::Map entries;
  for (const auto& [k, v] : s.strings) {
    entries.emplace_back(checkers::Datum::String(k), checkers::Datum::String(v));
  }
  for (const auto& [k, members] : s.sets) {
    checkers::Datum::List items;
    for (const auto& m : members) items.push_back(checkers::Datum::String(m));
    entries.emplace_back(checkers::Datum::String(k), checkers::Datum::MakeList(std::move(items)));
  }
  return checkers::Datum::MakeMap(std::move(entries));
}

// ---- Writers ---------------------------------------------------------------------------------

RecoveryWrite NextWrite(int process, int64_t* counter, Random& rng, bool use_sets) {
  RecoveryWrite w;
  std::string token = "p" + std::to_string(process) + "." + std::to_string(++*counter);
  std::string slot = std::to_string(rng.Uniform(kCollections));
  uint64_t pick = rng.Uniform(100);
  if (pick < 30) {
    w.kind = RecoveryWrite::Kind::kIncr;
    w.key = "ctr:" + slot;
  } else if (pick < 55) {
    w.kind = RecoveryWrite::Kind::kAppend;
    w.key = "log:" + slot;
    w.token = token;
  } else if (pick < 80 && !use_sets) {
    w.kind = RecoveryWrite::Kind::kAppend;
    w.key = "log:" + slot;
    w.token = token;
  } else if (pick < 80) {
    w.kind = RecoveryWrite::Kind::kSadd;
    w.key = "set:" + slot;
    w.token = token;
  } else {
    w.kind = RecoveryWrite::Kind::kSet;
    w.key = "u:" + token;
    w.token = "v" + token;
  }
  return w;
}

std::vector<std::string> CommandFor(const RecoveryWrite& w) {
  switch (w.kind) {
    case RecoveryWrite::Kind::kIncr:
      return {"INCR", w.key};
    case RecoveryWrite::Kind::kAppend:
      return {"APPEND", w.key, w.token + ","};
    case RecoveryWrite::Kind::kSadd:
      return {"SADD", w.key, w.token};
    case RecoveryWrite::Kind::kSet:
      return {"SET", w.key, w.token};
  }
  return {};
}

const char* OpName(RecoveryWrite::Kind k) {
  switch (k) {
    case RecoveryWrite::Kind::kIncr:
      return "incr";
    case RecoveryWrite::Kind::kAppend:
      return "append";
    case RecoveryWrite::Kind::kSadd:
      return "sadd";
    case RecoveryWrite::Kind::kSet:
      return "set";
  }
  return "?";
}

// Records the completion in the history and, if the epoch the write belongs to is still open,
// in the epoch's writes (a completion seen after the crash leaves the outcome unknown).
void Complete(RecoveryRun& run, int process, uint32_t epoch, size_t index, const char* f,
              const std::string& key, const CallResult& r) {
  World& w = *run.world;
  int64_t now = w.sim().now_ns();
  RecoveryWrite* write = epoch == run.epoch ? &run.writes[index] : nullptr;
  switch (r.status) {
    case CallResult::Status::kReply:
      if (r.reply.is_error()) {
        w.history().Add(process, OpType::kFail, f, key, "null", now, r.reply.str);
        if (write != nullptr) write->failed = true;
      } else {
        std::string value = r.reply.type == RespValue::Type::kInteger
                                ? std::to_string(r.reply.integer)
                                : History::JsonString(r.reply.str);
        w.history().Add(process, OpType::kOk, f, key, value, now);
        if (write != nullptr) {
          write->ack_ns = now;
          write->incr_reply = r.reply.integer;
        }
      }
      break;
    case CallResult::Status::kNotConnected:
      w.history().Add(process, OpType::kFail, f, key, "null", now, "not connected");
      if (write != nullptr) write->failed = true;
      break;
    case CallResult::Status::kTimeout:
      w.history().Add(process, OpType::kInfo, f, key, "null", now, "timeout");
      break;
    case CallResult::Status::kDisconnected:
      w.history().Add(process, OpType::kInfo, f, key, "null", now, "connection lost");
      break;
    case CallResult::Status::kStopped:
      break;
  }
}

void WriterLoop(RecoveryRun& run, int process) {
  World& w = *run.world;
  SimClient* c = w.client(static_cast<size_t>(process));
  Random rng = w.sim().StreamFor("client:" + std::to_string(process));
  int64_t counter = 0;
  while (!w.stopping()) {
    if (!run.gate_open) {
      w.sim().SleepFiber(20 * kMs);
      continue;
    }
    if (!c->connected() && !c->Connect(run.node->address(), run.node->port(), 500 * kMs)) {
      w.sim().SleepFiber(static_cast<int64_t>(20 + rng.Uniform(100)) * kMs);
      continue;
    }
    if (!run.gate_open || w.stopping()) continue;  // the node went down while connecting
    RecoveryWrite op = NextWrite(process, &counter, rng, run.use_sets);
    op.invoke_ns = w.sim().now_ns();
    op.id = run.next_op_id++;
    std::string written =
        op.kind == RecoveryWrite::Kind::kIncr ? "null" : History::JsonString(op.token);
    w.history().Add(process, OpType::kInvoke, OpName(op.kind), op.key, written, op.invoke_ns);
    std::vector<std::string> args = CommandFor(op);
    const char* f = OpName(op.kind);
    std::string key = op.key;
    uint32_t epoch = run.epoch;
    size_t index = run.writes.size();
    run.writes.push_back(std::move(op));
    run.in_flight++;
    CallResult r = c->Call(args, kCallTimeoutNs);
    run.in_flight--;
    Complete(run, process, epoch, index, f, key, r);
    w.sim().SleepFiber(static_cast<int64_t>(1 + rng.Uniform(20)) * kMs);
  }
}

// ---- Read-back -------------------------------------------------------------------------------

bool ReadOnce(RecoveryRun& run, SimClient* c, RecoveryState* out) {
  *out = RecoveryState();
  if (!c->connected() && !c->Connect(run.node->address(), run.node->port(), 500 * kMs)) {
    return false;
  }
  CallResult keys = c->Call({"KEYS", "*"}, 5 * kSec);
  if (!keys.ok() || keys.reply.type != RespValue::Type::kArray) return false;
  std::vector<std::string> names;
  for (const RespValue& k : keys.reply.elements) names.push_back(k.str);
  std::sort(names.begin(), names.end());
  for (size_t start = 0; start < names.size(); start += kReadBatch) {
    size_t end = std::min(names.size(), start + kReadBatch);
    std::vector<std::vector<std::string>> cmds;
    for (size_t i = start; i < end; i++) {
      bool is_set = names[i].rfind("set:", 0) == 0;
      cmds.push_back({is_set ? "SMEMBERS" : "GET", names[i]});
    }
    std::vector<CallResult> replies = c->CallPipeline(cmds, 5 * kSec);
    for (size_t i = start; i < end; i++) {
      const CallResult& r = replies[i - start];
      if (!r.ok()) return false;
      if (r.reply.type == RespValue::Type::kArray || r.reply.type == RespValue::Type::kSet) {
        auto& members = out->sets[names[i]];
        for (const RespValue& m : r.reply.elements) members.insert(m.str);
      } else if (!r.reply.is_null()) {
        out->strings[names[i]] = r.reply.str;
      }
    }
  }
  return true;
}

// Reads the whole dataset (retrying: the node may still be starting); records it in the history.
bool ReadAll(RecoveryRun& run, SimClient* c, int process, RecoveryState* out) {
  World& w = *run.world;
  w.history().Add(process, OpType::kInvoke, "read-all", "", "null", w.sim().now_ns());
  for (int attempt = 0; attempt < 20 && !w.stopping(); attempt++) {
    if (ReadOnce(run, c, out)) {
      w.history().Add(process, OpType::kOk, "read-all", "", DatumOf(*out), w.sim().now_ns());
      return true;
    }
    c->Disconnect();
    w.sim().SleepFiber(50 * kMs);
  }
  w.history().Add(process, OpType::kFail, "read-all", "", "null", w.sim().now_ns(),
                  "could not read the node back");
  return false;
}

// ---- Nemesis and verdict ---------------------------------------------------------------------

void Judge(RecoveryRun& run, const RecoveryState& before, std::vector<RecoveryWrite> writes,
           int64_t crash_ns, const RecoveryState& after, checkers::FsyncPolicy policy,
           const std::string& label) {
  writes.erase(
      std::remove_if(writes.begin(), writes.end(), [](const RecoveryWrite& w) { return w.failed; }),
      writes.end());
  checkers::DurabilityResult r = CheckRecoveryEpoch(before, writes, crash_ns, after, policy);
  run.checks++;
  run.acknowledged += r.acknowledged;
  run.lost_acknowledged += r.lost_acknowledged;
  run.worst_loss_window_ns = std::max(run.worst_loss_window_ns, r.loss_window_ns);
  run.epoch_summaries.push_back(
      label + ": " + r.outcome.summary +
      (r.outcome.ok() ? "" : " - " + std::to_string(r.outcome.total_violations) + " violation(s)"));
  for (const checkers::Violation& v : r.outcome.violations) {
    run.outcome.Add(v.kind, label + ": " + v.message, v.time_ns);
  }
  run.outcome.total_violations += r.outcome.total_violations - r.outcome.violations.size();
}

// Sleeps until `t_ns`, issuing a background save or rewrite on the way with some probability;
// with `crash_inside`, sometimes returns a few ms after issuing it, so the crash lands while the
// job runs (a rewrite has switched to a new incremental file but not installed its base yet).
void WaitWithBackgroundWork(RecoveryRun& run, SimClient* c, Random& rng, int64_t t_ns,
                            bool crash_inside) {
  World& w = *run.world;
  int64_t now = w.sim().now_ns();
  if (t_ns > now && rng.Chance(0.5)) {
    w.sim().SleepFiber(static_cast<int64_t>(rng.Uniform(static_cast<uint64_t>(t_ns - now))));
    if (c->connected() || c->Connect(run.node->address(), run.node->port(), 500 * kMs)) {
      const char* cmd = run.params->aof ? "BGREWRITEAOF" : "BGSAVE";
      w.RecordNemesis(run.params->aof ? "bgrewriteaof" : "bgsave", run.node->name());
      c->Call({cmd}, kCallTimeoutNs);
      if (crash_inside && rng.Chance(0.5)) {
        w.sim().SleepFiber(static_cast<int64_t>(rng.Uniform(1 * kMs)));
        return;
      }
    }
  }
  now = w.sim().now_ns();
  if (t_ns > now) w.sim().SleepFiber(t_ns - now);
}

void NoteJobs(RecoveryRun& run) {
  if (!run.node->up()) return;
  Persistence* p = run.node->server()->persistence();
  run.rewrites_done += p->aof_rewrites();
  run.snapshots_done += p->rdb_saves();
}

// Crashes, restarts and reads back; false when the run cannot go on.
bool CrashCycle(RecoveryRun& run, SimClient* reader, int reader_process, Random& rng,
                RecoveryState* state) {
  World& w = *run.world;
  SimNode* node = run.node;
  run.gate_open = false;
  if (!run.params->lying_disk) {
    // Per crash: the disk either draws a loss mode per file (nothing, a prefix, everything or all
    // but a torn last write), or cuts every file's unsynced bytes at a sector inside any write.
    bool sector = rng.Chance(0.35);
    node->disk().set_crash_loss(sector ? sim::CrashLoss::kTornAtSector
                                       : sim::CrashLoss::kChosenBySeed);
    w.RecordNemesis("crash", node->name() + (sector ? " (torn at a sector)" : ""));
  } else {
    w.RecordNemesis("crash", node->name() + " (unsynced data lost)");
  }
  NoteJobs(run);
  node->Crash();
  run.crashes++;
  int64_t crash_ns = w.sim().now_ns();
  std::vector<RecoveryWrite> epoch_writes = std::move(run.writes);
  run.writes.clear();
  run.epoch++;
  reader->Disconnect();
  w.sim().SleepFiber(static_cast<int64_t>(50 + rng.Uniform(750)) * kMs);
  node->disk().faults().fsync_lies = false;
  w.RecordNemesis("restart", node->name());
  auto torn_tails = [&w] {
    auto it = w.probes().find("aof-truncated-tail-loaded");
    return it == w.probes().end() ? uint64_t{0} : it->second;
  };
  uint64_t torn_before = torn_tails();
  Status s = node->TryStart();
  run.torn_tails_cut += torn_tails() - torn_before;
  if (!s.ok()) {
    run.restart_failed = true;
    run.outcome.Add(
        "restart-failed",
        "crash " + std::to_string(run.crashes) + ": the node did not start: " + s.ToString(),
        w.sim().now_ns());
    return false;
  }
  RecoveryState after;
  if (!ReadAll(run, reader, reader_process, &after)) {
    run.read_failed = true;
    run.outcome.Add("read-back-failed",
                    "could not read the node back after crash " + std::to_string(run.crashes));
    return false;
  }
  Judge(run, *state, std::move(epoch_writes), crash_ns, after, run.params->policy,
        "crash " + std::to_string(run.crashes) + " at " + std::to_string(crash_ns / kMs) + " ms");
  *state = std::move(after);
  run.gate_open = true;
  return true;
}

void NemesisLoop(RecoveryRun& run, int reader_process, int64_t end_ns) {
  World& w = *run.world;
  SimClient* reader = w.client(static_cast<size_t>(reader_process));
  Random rng = w.sim().StreamFor("nemesis");
  RecoveryState state;  // the node starts empty
  run.gate_open = true;
  int64_t final_read_ns = end_ns - 1 * kSec;
  while (!w.stopping()) {
    int64_t gap = static_cast<int64_t>(1500 + rng.Uniform(3500)) * kMs;
    int64_t crash_at = w.sim().now_ns() + gap;
    if (crash_at + 1 * kSec > final_read_ns) break;
    if (run.params->lying_disk) {
      // The disk starts lying a little before the crash: fsyncs succeed, nothing is durable.
      int64_t lie_ns = static_cast<int64_t>(300 + rng.Uniform(1200)) * kMs;
      WaitWithBackgroundWork(run, reader, rng, crash_at - lie_ns, false);
      w.RecordNemesis("fsync-lies", run.node->name());
      run.node->disk().faults().fsync_lies = true;
    }
    WaitWithBackgroundWork(run, reader, rng, crash_at, true);
    if (!CrashCycle(run, reader, reader_process, rng, &state)) return;
  }
  // The end: writers stop, the live node is read back; nothing acknowledged may be missing.
  if (final_read_ns > w.sim().now_ns()) w.sim().SleepFiber(final_read_ns - w.sim().now_ns());
  run.gate_open = false;
  while (run.in_flight > 0 && !w.stopping()) w.sim().SleepFiber(10 * kMs);
  NoteJobs(run);
  RecoveryState final_state;
  int64_t read_ns = w.sim().now_ns();
  if (!ReadAll(run, reader, reader_process, &final_state)) {
    run.read_failed = true;
    run.outcome.Add("read-back-failed", "could not read the live node at the end");
    return;
  }
  std::vector<RecoveryWrite> writes = std::move(run.writes);
  run.writes.clear();
  run.epoch++;
  Judge(run, state, std::move(writes), read_ns, final_state, checkers::FsyncPolicy::kAlways,
        "final read (no crash)");
}

std::string Explain(const RecoveryRun& run) {
  std::string out = std::to_string(run.crashes) + " crashes (" +
                    std::to_string(run.torn_tails_cut) + " torn AOF tails cut at restart), " +
                    std::to_string(run.params->aof ? run.rewrites_done : run.snapshots_done) +
                    (run.params->aof ? " AOF rewrites" : " RDB snapshots") + " completed, " +
                    std::to_string(run.checks) + " checks; " + std::to_string(run.acknowledged) +
                    " writes acknowledged before a crash or the final read, " +
                    std::to_string(run.lost_acknowledged) + " of them lost";
  if (run.worst_loss_window_ns > 0) {
    char buf[64];
    snprintf(buf, sizeof(buf), "; losses reach back at most %.1f ms",
             static_cast<double>(run.worst_loss_window_ns) / 1e6);
    out += buf;
  }
  out += "\n";
  if (!run.use_sets) out += "  (no SADD: this build has no RDB encoding for sets)\n";
  for (const auto& s : run.epoch_summaries) out += "  " + s + "\n";
  if (!run.outcome.ok()) {
    out += std::to_string(run.outcome.total_violations) + " violation(s):\n";
    for (size_t i = 0; i < run.outcome.violations.size() && i < kMaxListedInExplanation; i++) {
      out +=
          "  [" + run.outcome.violations[i].kind + "] " + run.outcome.violations[i].message + "\n";
    }
    if (run.outcome.total_violations > kMaxListedInExplanation) out += "  ...\n";
  }
  return out;
}

RunResult RunRecovery(const RecoveryParams& params, const RunOptions& opts) {
  std::unique_ptr<World> world = MakeWorld(opts);
  World& w = *world;
  RecoveryRun run;
  run.world = &w;
  run.params = &params;
  run.node = w.AddNode("n1", params.config);
  // The rare recovery paths a sweep should see (a sweep flags those that never fired). A torn
  // AOF tail needs unsynced appends at the crash: under appendfsync always every append is
  // fsynced in the event that writes it, so no crash can land between them here.
  w.ExpectProbe(params.aof ? "aof-loaded" : "rdb-loaded");
  if (params.aof && params.config.appendfsync != "always") {
    w.ExpectProbe("aof-truncated-tail-loaded");
  }
  run.use_sets = rdb::CodecForType(ObjType::kSet) != nullptr;
  if (params.lying_disk) run.node->disk().set_crash_loss(sim::CrashLoss::kAllUnsynced);
  run.node->Start();
  int writers = opts.clients > 0 ? opts.clients : 6;
  for (int i = 0; i <= writers; i++) w.AddClient();  // the last one reads back
  int64_t end_ns = std::max<int64_t>(opts.duration_ns, 3 * kSec);
  for (int i = 0; i < writers; i++) {
    w.sim().Spawn([&run, i] { WriterLoop(run, i); });
  }
  w.sim().Spawn([&run, writers, end_ns] { NemesisLoop(run, writers, end_ns); });
  w.Run(end_ns);
  RunResult result;
  result.scenario = params.name;
  Summarize(w, &result);
  CollectWorldRecords(w, &result);
  if (!opts.out_dir.empty() || opts.keep_history) result.history_jsonl = w.history().ToJsonLines();
  result.history_entries = w.history().size();
  bool complete = run.checks > 0 && !run.read_failed;
  result.verdict = !run.outcome.ok() ? Verdict::kRefuted
                   : complete        ? Verdict::kHolds
                                     : Verdict::kInconclusive;
  result.explanation = Explain(run);
  result.crashes = static_cast<uint64_t>(run.crashes);
  return result;
}

}  // namespace

// The "crash-recovery" driver: the node's persistence comes from the file's [config] (the
// policy each crash is judged by follows from appendonly / appendfsync: RDB alone promises only
// a prefix), `[options] lying_disk = true` makes fsync lie before each crash.
RunResult RunRecoveryDriver(const RunOptions& opts, const std::string& name,
                            const DriverParams& driver) {
  RecoveryParams p;
  p.name = name;
  p.config.port = 6379;
  if (std::string error = ApplyConfigOverrides(opts, &p.config); !error.empty()) {
    fprintf(stderr, "%s: %s\n", name.c_str(), error.c_str());
    abort();
  }
  p.aof = p.config.appendonly;
  using checkers::FsyncPolicy;
  p.policy = !p.aof                               ? FsyncPolicy::kNo
             : p.config.appendfsync == "always"   ? FsyncPolicy::kAlways
             : p.config.appendfsync == "everysec" ? FsyncPolicy::kEverysec
                                                  : FsyncPolicy::kNo;
  p.lying_disk = driver.Option("lying_disk");
  return RunRecovery(p, opts);
}

}  // namespace redsim::scenarios
