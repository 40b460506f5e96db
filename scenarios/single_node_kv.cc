// The single-node workload template: one node, clients doing random GET/SET/INCR on a few keys.
// Scenarios built on it (single-node-kv, single-node-faults) are TOML files in scenarios/defs/
// naming `driver = "single-node"`.
#include <algorithm>
#include <charconv>
#include <cstring>

#include "scenarios/kv_check.h"
#include "scenarios/scenario.h"
#include "scenarios/toml_scenarios.h"

namespace redsim::scenarios {

namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSec = 1'000 * kMs;

// The names a client records with, interned once per client rather than per operation.
struct OpNames {
  uint32_t read, write, incr, not_connected, timeout, connection_lost;
  explicit OpNames(History& h)
      : read(h.Intern("read")),
        write(h.Intern("write")),
        incr(h.Intern("incr")),
        not_connected(h.Intern("not connected")),
        timeout(h.Intern("timeout")),
        connection_lost(h.Intern("connection lost")) {}
};

void RecordCompletion(World& w, int process, const OpNames& names, uint32_t f, uint32_t key,
                      const CallResult& r, std::string_view written_json) {
  int64_t now = w.sim().now_ns();
  History& h = w.history();
  switch (r.status) {
    case CallResult::Status::kReply:
      if (r.reply.is_error()) {
        h.AddInterned(process, OpType::kFail, f, key, written_json, now, h.Intern(r.reply.str));
      } else if (f == names.write) {
        h.AddInterned(process, OpType::kOk, f, key, written_json, now);
      } else if (r.reply.type == RespValue::Type::kInteger) {
        h.AddInternedInt(process, OpType::kOk, f, key, r.reply.integer, now);
      } else if (r.reply.is_null()) {
        h.AddInterned(process, OpType::kOk, f, key, "null", now);
      } else {
        h.AddInternedString(process, OpType::kOk, f, key, r.reply.str, now);
      }
      break;
    case CallResult::Status::kNotConnected:
      h.AddInterned(process, OpType::kFail, f, key, written_json, now, names.not_connected);
      break;
    case CallResult::Status::kTimeout:
      h.AddInterned(process, OpType::kInfo, f, key, written_json, now, names.timeout);
      break;
    case CallResult::Status::kDisconnected:
      h.AddInterned(process, OpType::kInfo, f, key, written_json, now, names.connection_lost);
      break;
    case CallResult::Status::kStopped:
      break;  // the run ended with the operation open
  }
}

// `rate` > 0: operations start on a per-client grid of 1/rate seconds (jittered by a tenth, a
// late client starting at once rather than bursting); 0: a closed loop with short random pauses.
void ClientLoop(World& w, int process, int keys, double rate, OpBudget* budget) {
  SimClient* c = w.client(static_cast<size_t>(process));
  SimNode* node = w.node(0);
  Random rng = w.sim().StreamFor("client:" + std::to_string(process));
  int64_t next_value = process * 1'000'000LL;
  const OpNames names(w.history());
  // Key names and their interned ids, made once: the loop below allocates nothing per operation.
  std::vector<std::string> key_names(static_cast<size_t>(keys));
  std::vector<uint32_t> key_ids(static_cast<size_t>(keys));
  for (int i = 0; i < keys; i++) {
    key_names[static_cast<size_t>(i)] = "k" + std::to_string(i);
    key_ids[static_cast<size_t>(i)] = w.history().Intern(key_names[static_cast<size_t>(i)]);
  }
  const int64_t interval_ns = rate > 0 ? static_cast<int64_t>(1e9 / rate) : 0;
  int64_t next_start_ns = w.sim().now_ns();
  while (!w.stopping()) {
    if (!c->connected()) {
      if (!c->Connect(node->address(), node->port(), 500 * kMs)) {
        w.sim().SleepFiber(static_cast<int64_t>(50 + rng.Uniform(200)) * kMs);
        continue;
      }
    }
    size_t k = static_cast<size_t>(rng.Uniform(static_cast<uint64_t>(keys)));
    std::string_view key = key_names[k];
    uint64_t pick = rng.Uniform(10);
    uint32_t f;
    std::string_view args[3];
    size_t argc;
    char value[24];
    char written_buf[28];
    std::string_view written = "null";
    if (pick < 4) {
      f = names.read;
      args[0] = "GET";
      args[1] = key;
      argc = 2;
    } else if (pick < 8) {
      f = names.write;
      char* end = std::to_chars(value, value + sizeof(value), ++next_value).ptr;
      args[0] = "SET";
      args[1] = key;
      args[2] = std::string_view(value, static_cast<size_t>(end - value));
      argc = 3;
      // Decimal digits need no escaping: the JSON string is the digits in quotes.
      written_buf[0] = '"';
      memcpy(written_buf + 1, value, args[2].size());
      written_buf[args[2].size() + 1] = '"';
      written = std::string_view(written_buf, args[2].size() + 2);
    } else {
      f = names.incr;
      args[0] = "INCR";
      args[1] = key;
      argc = 2;
    }
    if (!budget->Take()) break;
    w.history().AddInterned(process, OpType::kInvoke, f, key_ids[k], written, w.sim().now_ns());
    CallResult r = c->CallArgs(args, argc, 1 * kSec);
    RecordCompletion(w, process, names, f, key_ids[k], r, written);
    if (interval_ns == 0) {
      if (rng.Chance(0.5)) w.sim().SleepFiber(static_cast<int64_t>(rng.Uniform(2 * kMs)));
      continue;
    }
    int64_t now = w.sim().now_ns();
    next_start_ns = std::max(next_start_ns + interval_ns, now);
    int64_t jitter = interval_ns / 10;
    int64_t target = next_start_ns + (jitter > 0 ? rng.Range(-jitter, jitter) : 0);
    if (target > now) w.sim().SleepFiber(target - now);
  }
}

}  // namespace

// The "single-node" workload template (scenarios/defs/*.toml name it): one node, clients doing
// GET/SET/INCR on a few keys under the file's faults; reads judged by the register-with-
// increments check (scenarios/kv_check.h).
RunResult RunSingleNodeTemplate(const RunOptions& opts, const std::string& name,
                                const DriverParams& spec) {
  std::unique_ptr<World> world = MakeWorld(opts);
  World& w = *world;
  ServerConfig config;
  config.port = 6379;
  // The file's [config] is already at the front of opts.config (the driver wrapper puts it there).
  std::string error = ApplyConfigOverrides(opts, &config);
  if (!error.empty()) {
    fprintf(stderr, "%s: %s\n", name.c_str(), error.c_str());
    abort();
  }
  SimNode* node = w.AddNode("n1", config);
  node->Start();
  RunResult result;
  result.scenario = name;
  result.clients = opts.clients > 0 ? opts.clients : 20;
  result.keys = opts.keys > 0 ? opts.keys : 10;
  for (int i = 0; i < result.clients; i++) w.AddClient();
  result.schedule = ChooseSchedule(opts, w, spec.nemesis, opts.duration_ns);
  OpBudget budget(opts.max_ops);
  int keys = result.keys;
  for (int i = 0; i < result.clients; i++) {
    w.sim().Spawn(
        [&w, i, keys, rate = spec.rate, &budget] { ClientLoop(w, i, keys, rate, &budget); });
  }
  w.Run(opts.duration_ns);
  FinishRun(w, opts, &result);
  KvCheckResult check = CheckKvHistory(w.history());
  result.verdict = check.ok ? Verdict::kHolds : Verdict::kRefuted;
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
