// The single-node workload template: one node, clients doing random GET/SET/INCR on a few keys.
// Scenarios built on it (single-node-kv, single-node-faults) are TOML files in scenarios/defs/.
#include "scenarios/kv_check.h"
#include "scenarios/scenario.h"
#include "scenarios/toml_scenarios.h"

namespace redsim::scenarios {

namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSec = 1'000 * kMs;

void RecordCompletion(World& w, int process, const std::string& f, const std::string& key,
                      const CallResult& r, const std::string& written_json) {
  int64_t now = w.sim().now_ns();
  switch (r.status) {
    case CallResult::Status::kReply:
      if (r.reply.is_error()) {
        w.history().Add(process, OpType::kFail, f, key, written_json, now, r.reply.str);
      } else if (f == "write") {
        w.history().Add(process, OpType::kOk, f, key, written_json, now);
      } else if (r.reply.type == RespValue::Type::kInteger) {
        w.history().Add(process, OpType::kOk, f, key, std::to_string(r.reply.integer), now);
      } else if (r.reply.is_null()) {
        w.history().Add(process, OpType::kOk, f, key, "null", now);
      } else {
        w.history().Add(process, OpType::kOk, f, key, History::JsonString(r.reply.str), now);
      }
      break;
    case CallResult::Status::kNotConnected:
      w.history().Add(process, OpType::kFail, f, key, written_json, now, "not connected");
      break;
    case CallResult::Status::kTimeout:
      w.history().Add(process, OpType::kInfo, f, key, written_json, now, "timeout");
      break;
    case CallResult::Status::kDisconnected:
      w.history().Add(process, OpType::kInfo, f, key, written_json, now, "connection lost");
      break;
    case CallResult::Status::kStopped:
      break;  // the run ended with the operation open
  }
}

void ClientLoop(World& w, int process, int keys, OpBudget* budget) {
  SimClient* c = w.client(static_cast<size_t>(process));
  SimNode* node = w.node(0);
  Random rng = w.sim().StreamFor("client:" + std::to_string(process));
  int64_t next_value = process * 1'000'000LL;
  while (!w.stopping()) {
    if (!c->connected()) {
      if (!c->Connect(node->address(), node->port(), 500 * kMs)) {
        w.sim().SleepFiber(static_cast<int64_t>(50 + rng.Uniform(200)) * kMs);
        continue;
      }
    }
    std::string key = "k" + std::to_string(rng.Uniform(static_cast<uint64_t>(keys)));
    uint64_t pick = rng.Uniform(10);
    std::string f, written;
    std::vector<std::string> args;
    if (pick < 4) {
      f = "read";
      args = {"GET", key};
      written = "null";
    } else if (pick < 8) {
      f = "write";
      std::string v = std::to_string(++next_value);
      args = {"SET", key, v};
      written = History::JsonString(v);
    } else {
      f = "incr";
      args = {"INCR", key};
      written = "null";
    }
    if (!budget->Take()) break;
    w.history().Add(process, OpType::kInvoke, f, key, written, w.sim().now_ns());
    CallResult r = c->Call(args, 1 * kSec);
    RecordCompletion(w, process, f, key, r, written);
    if (rng.Chance(0.5)) w.sim().SleepFiber(static_cast<int64_t>(rng.Uniform(2 * kMs)));
  }
}

}  // namespace

// The "single-node" workload template (scenarios/defs/*.toml name it): one node, clients doing
// GET/SET/INCR on a few keys under the file's faults; reads judged by the register-with-
// increments check (scenarios/kv_check.h).
RunResult RunSingleNodeTemplate(const RunOptions& opts, const std::string& name,
                                const SingleNodeSpec& spec) {
  std::unique_ptr<World> world = MakeWorld(opts);
  World& w = *world;
  ServerConfig config;
  config.port = 6379;
  RunOptions with_file_config = opts;
  with_file_config.config.insert(with_file_config.config.begin(), spec.config.begin(),
                                 spec.config.end());
  std::string error = ApplyConfigOverrides(with_file_config, &config);
  if (!error.empty()) {
    fprintf(stderr, "%s: %s\n", name.c_str(), error.c_str());
    abort();
  }
  SimNode* node = w.AddNode("n1", config);
  node->Start();
  RunResult result;
  result.scenario = name;
  result.clients = opts.clients > 0 ? opts.clients : spec.default_clients;
  result.keys = opts.keys > 0 ? opts.keys : spec.default_keys;
  for (int i = 0; i < result.clients; i++) w.AddClient();
  result.schedule = ChooseSchedule(opts, w, spec.nemesis, opts.duration_ns);
  OpBudget budget(opts.max_ops);
  int keys = result.keys;
  for (int i = 0; i < result.clients; i++) {
    w.sim().Spawn([&w, i, keys, &budget] { ClientLoop(w, i, keys, &budget); });
  }
  w.Run(opts.duration_ns);
  FinishRun(w, opts, &result);
  KvCheckResult check = CheckKvHistory(w.history());
  result.verdict = check.ok ? "holds" : "refuted";
  result.violation = check.violation;
  result.explanation = check.ok ? "every one of " + std::to_string(check.reads_checked) +
                                      " successful reads returned a value some order of the "
                                      "operations allows"
                                : check.explanation;
  if (check.violations > 1) {
    result.explanation += " (" + std::to_string(check.violations) + " reads violated it)";
  }
  result.window_start_ns = check.window_start_ns;
  result.window_end_ns = check.window_end_ns;
  // Counted only when it happened: a scenario without crash faults does not miss this path.
  if (node->crashes() > 0) result.probes["node-crashed"] = node->crashes();
  return result;
}


}  // namespace redsim::scenarios
