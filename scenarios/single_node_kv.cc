// single-node-kv: one node, clients doing random GET/SET/INCR on a few keys, and a nemesis that
// crashes and restarts the node every few seconds (no persistence: the node comes back empty).
#include "scenarios/scenario.h"

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

void ClientLoop(World& w, int process, int keys) {
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
    w.history().Add(process, OpType::kInvoke, f, key, written, w.sim().now_ns());
    CallResult r = c->Call(args, 1 * kSec);
    RecordCompletion(w, process, f, key, r, written);
    if (rng.Chance(0.5)) w.sim().SleepFiber(static_cast<int64_t>(rng.Uniform(2 * kMs)));
  }
}

void ScheduleCrashes(World& w, Random rng, int64_t end_ns) {
  SimNode* node = w.node(0);
  int64_t t = static_cast<int64_t>(2 * kSec + rng.Uniform(3 * kSec));
  while (t < end_ns) {
    int64_t down = static_cast<int64_t>(200 * kMs + rng.Uniform(1300 * kMs));
    w.sim().At(t, sim::kNoHost, [&w, node] {
      w.RecordNemesis("crash", node->name());
      node->Crash();
    }, sim::TraceKind::kFault);
    w.sim().At(t + down, sim::kNoHost, [&w, node] {
      w.RecordNemesis("restart", node->name());
      node->Restart();
    }, sim::TraceKind::kFault);
    t += down + static_cast<int64_t>(2 * kSec + rng.Uniform(3 * kSec));
  }
}

RunResult RunSingleNodeKv(const RunOptions& opts) {
  std::unique_ptr<World> world = MakeWorld(opts);
  World& w = *world;
  ServerConfig config;
  config.port = 6379;
  SimNode* node = w.AddNode("n1", config);
  node->Start();
  int clients = opts.clients > 0 ? opts.clients : 20;
  for (int i = 0; i < clients; i++) w.AddClient();
  ScheduleCrashes(w, w.sim().StreamFor("nemesis"), opts.duration_ns);
  for (int i = 0; i < clients; i++) {
    w.sim().Spawn([&w, i] { ClientLoop(w, i, 10); });
  }
  w.Run(opts.duration_ns);
  RunResult result;
  result.scenario = "single-node-kv";
  Summarize(w, &result);
  if (!opts.out_dir.empty()) result.history_jsonl = w.history().ToJsonLines();
  result.history_entries = w.history().size();
  return result;
}

}  // namespace

Scenario SingleNodeKvScenario() {
  return {"single-node-kv",
          "one node, clients doing random GET/SET/INCR on 10 keys, the node crashed and "
          "restarted every few seconds (no persistence)",
          RunSingleNodeKv};
}

}  // namespace redsim::scenarios
