#include "scenarios/replication_support.h"

#include <algorithm>
#include <set>

#include "checkers/explain.h"
#include "checkers/model.h"
#include "engine/types/set_object.h"

namespace redsim::scenarios {

namespace {

std::string EncodeValue(const Value& v) {
  switch (v.type()) {
    case ObjType::kString:
      return "s:" + v.ToString();
    case ObjType::kSet: {
      std::vector<std::string> members = v.As<SetObject>()->Members();
      std::sort(members.begin(), members.end());
      std::string out = "set:";
      for (size_t i = 0; i < members.size(); i++) {
        if (i > 0) out += '\x1f';
        out += members[i];
      }
      return out;
    }
    default:
      return "type:" + std::to_string(static_cast<int>(v.type()));
  }
}

}  // namespace

checkers::Dataset SnapshotDataset(SimNode* node) {
  checkers::Dataset out;
  Server* s = node->server();
  if (s == nullptr) return out;
  for (int i = 0; i < static_cast<int>(s->config().databases); i++) {
    Database* db = s->db(i);
    if (db->size() == 0) continue;
    std::vector<std::string> keys;
    db->table().ForEach([&](DbEntry* e) { keys.emplace_back(e->key()); });
    for (const auto& k : keys) {
      // Peek applies logical expiry (replicas hide expired keys without deleting them).
      DbEntry* e = s->Peek(db, k);
      if (e != nullptr) out[std::to_string(i) + ":" + k] = EncodeValue(e->value);
    }
  }
  return out;
}

bool PeekString(SimNode* node, const std::string& key, std::string* value) {
  Server* s = node->server();
  if (s == nullptr) return false;
  DbEntry* e = s->Peek(s->db(0), key);
  if (e == nullptr || !e->value.is_string()) return false;
  *value = e->value.ToString();
  return true;
}

ServerConfig ReplicationNodeConfig(int64_t repl_timeout_s) {
  ServerConfig config;
  config.port = 6379;
  config.save.clear();  // "no persistence" unless a scenario turns AOF on
  config.repl_timeout = repl_timeout_s;
  config.repl_ping_replica_period = 1;
  return config;
}

void AddPrimaryWithReplicas(World& w, int replicas, const ServerConfig& base) {
  SimNode* primary = w.AddNode("n1", base);
  for (int i = 0; i < replicas; i++) {
    ServerConfig c = base;
    c.replicaof = primary->address() + " " + std::to_string(primary->port());
    w.AddNode("n" + std::to_string(i + 2), c);
  }
  for (size_t i = 0; i < w.node_count(); i++) w.node(i)->Start();
}

namespace {

// Records a completion: `add(type, value, error)` with the ok or invoke value as appropriate.
template <typename Add>
void RecordReplyWith(const CallResult& r, Add add) {
  switch (r.status) {
    case CallResult::Status::kReply:
      if (r.reply.is_error()) {
        add(OpType::kFail, false, r.reply.str);
      } else {
        add(OpType::kOk, true, std::string_view());
      }
      break;
    case CallResult::Status::kNotConnected:
      add(OpType::kFail, false, "not connected");
      break;
    case CallResult::Status::kTimeout:
      add(OpType::kInfo, false, "timeout");
      break;
    case CallResult::Status::kDisconnected:
      add(OpType::kInfo, false, "connection lost");
      break;
    case CallResult::Status::kStopped:
      break;  // left open: the checkers treat it as unknown
  }
}

}  // namespace

void RecordReply(World& w, int process, const std::string& f, const std::string& key,
                 const CallResult& r, const std::string& ok_value_json,
                 const std::string& invoke_value_json) {
  int64_t now = w.sim().now_ns();
  RecordReplyWith(r, [&](OpType type, bool ok, std::string_view error) {
    w.history().Add(process, type, f, key, ok ? ok_value_json : invoke_value_json, now, error);
  });
}

void RecordReply(World& w, int process, const std::string& f, const std::string& key,
                 const CallResult& r, const checkers::Datum& ok_value,
                 const checkers::Datum& invoke_value) {
  int64_t now = w.sim().now_ns();
  RecordReplyWith(r, [&](OpType type, bool ok, std::string_view error) {
    w.history().Add(process, type, f, key, ok ? ok_value : invoke_value, now, error);
  });
}

void RecordReply(World& w, int process, const std::string& f, const std::string& key,
                 const CallResult& r, const std::string& ok_value_json,
                 const checkers::Datum& invoke_value) {
  int64_t now = w.sim().now_ns();
  RecordReplyWith(r, [&](OpType type, bool ok, std::string_view error) {
    if (ok) {
      w.history().Add(process, type, f, key, ok_value_json, now, error);
    } else {
      w.history().Add(process, type, f, key, invoke_value, now, error);
    }
  });
}

bool ToCheckerOps(const History& history, const std::vector<std::string>& fs,
                  checkers::OpHistory* ops, std::string* error, ProcessRange processes) {
  std::set<std::string, std::less<>> wanted(fs.begin(), fs.end());
  checkers::History h;
  h.format = "jsonl";
  for (const auto& e : history.entries()) {
    if (e.process < 0 || e.process < processes.first || e.process >= processes.end) continue;
    std::string_view f = history.name(e.f);
    if (wanted.find(f) == wanted.end()) continue;
    checkers::Event ev;
    ev.process = e.process;
    ev.type = static_cast<checkers::EventType>(e.type);
    ev.f = std::string(f);
    if (e.key != 0) ev.key = checkers::Datum::String(std::string(history.name(e.key)));
    if (!history.ValueDatum(e, &ev.value, error)) return false;
    ev.time_ns = e.time_ns;
    ev.line = static_cast<int>(h.events.size() + 1);
    h.events.push_back(std::move(ev));
  }
  checkers::SourceError perr;
  if (!checkers::PairOperations(h, ops, &perr)) {
    *error = perr.ToString();
    return false;
  }
  return true;
}

void JudgeLinearizability(const History& history, const std::vector<std::string>& fs,
                          const std::string& model, uint64_t max_configurations, RunResult* result,
                          ProcessRange processes) {
  checkers::OpHistory ops;
  std::string error;
  if (!ToCheckerOps(history, fs, &ops, &error, processes)) {
    result->verdict = Verdict::kUnknown;
    result->explanation = "history could not be checked: " + error;
    return;
  }
  checkers::CheckBudget budget;
  budget.max_configurations = max_configurations;  // deterministic, unlike a deadline
  checkers::LinearizabilityResult lin;
  if (!checkers::CheckLinearizability(ops, *checkers::FindModel(model), budget, &lin, &error)) {
    result->verdict = Verdict::kUnknown;
    result->explanation = "checker error: " + error;
    return;
  }
  switch (lin.verdict) {
    case checkers::Verdict::kLinearizable:
      result->verdict = Verdict::kHolds;
      break;
    case checkers::Verdict::kNotLinearizable:
      result->verdict = Verdict::kRefuted;
      break;
    case checkers::Verdict::kUnknown:
      result->verdict = Verdict::kUnknown;
      break;
  }
  checkers::CheckSummary summary;
  summary.file = "(simulated history)";
  summary.format = "jsonl";
  result->explanation = checkers::ExplainText(ops, lin, summary);
}

namespace {

// The rare replication paths each scenario is meant to exercise: declared so that a sweep in
// which one never fired says so (see World::ExpectProbe).
std::vector<std::string> ExpectedProbes(const std::string& scenario) {
  if (scenario == "replication-partial-resync" || scenario == "replication-wait") {
    return {"partial-resync-accepted", "primary-partial-resync-accepted"};
  }
  if (scenario == "replication-primary-crash" || scenario == "replication-primary-crash-aof") {
    return {"replica-full-resync"};
  }
  if (scenario == "replication-wait-failover") return {"failover-started", "replica-full-resync"};
  return {};
}

}  // namespace

void FinishReplicationRun(World& w, const RunOptions& opts, const std::string& name,
                          const std::string& claim_id, const std::string& claim, Verdict expected,
                          RunResult* result) {
  for (const std::string& probe : ExpectedProbes(name)) w.ExpectProbe(probe);
  result->scenario = name;
  result->claim_id = claim_id;
  result->claim = claim;
  result->expected = expected;
  Summarize(w, result);
  result->duration_ns = opts.duration_ns;
  CollectWorldRecords(w, result);
  if (!opts.out_dir.empty() || opts.keep_history) result->history_jsonl = w.history().ToJsonLines();
  result->history_entries = w.history().size();
}

}  // namespace redsim::scenarios
