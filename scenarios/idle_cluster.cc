// idle-3-node: the time-compression benchmark topology. Three nodes; each has a companion
// process that PINGs the other two every 100 ms (standing in for the node-to-node heartbeats
// replication and Sentinel will send), and ten clients each do about ten operations a second.
// No faults.
#include <cstdio>
#include <cstdlib>

#include "scenarios/scenario.h"
#include "scenarios/toml_scenarios.h"

namespace redsim::scenarios {

namespace {

constexpr int64_t kMs = 1'000'000;

void Pinger(World& w, size_t from, SimClient* const* peers) {
  while (!w.stopping()) {
    for (size_t k = 0; k < 2; k++) {
      SimClient* c = peers[k];
      SimNode* target = w.node((from + k + 1) % 3);
      if (!c->connected() && !c->Connect(target->address(), target->port(), 200 * kMs)) continue;
      c->Call({"PING"}, 200 * kMs);
    }
    w.sim().SleepFiber(100 * kMs);
  }
}

void SlowClient(World& w, int process) {
  SimClient* c = w.client(static_cast<size_t>(process));
  Random rng = w.sim().StreamFor("client:" + std::to_string(process));
  SimNode* node = w.node(static_cast<size_t>(process) % 3);
  while (!w.stopping()) {
    w.sim().SleepFiber(static_cast<int64_t>(50 + rng.Uniform(100)) * kMs);  // ~10 ops/s
    if (!c->connected() && !c->Connect(node->address(), node->port(), 500 * kMs)) continue;
    std::string key = "k" + std::to_string(rng.Uniform(10));
    bool write = rng.Chance(0.5);
    std::string value = std::to_string(rng.Uniform(1000));
    w.history().Add(process, OpType::kInvoke, write ? "write" : "read", key,
                    write ? History::JsonString(value) : "null", w.sim().now_ns());
    CallResult r =
        write ? c->Call({"SET", key, value}, 1000 * kMs) : c->Call({"GET", key}, 1000 * kMs);
    if (r.status == CallResult::Status::kStopped) break;
    w.history().Add(process, r.ok() ? OpType::kOk : OpType::kInfo, write ? "write" : "read", key,
                    write ? History::JsonString(value)
                          : (r.reply.is_null() ? "null" : History::JsonString(r.reply.str)),
                    w.sim().now_ns());
  }
}

RunResult RunIdle(const RunOptions& opts) {
  std::unique_ptr<World> world = MakeWorld(opts);
  World& w = *world;
  for (int i = 0; i < 3; i++) {
    ServerConfig config;
    config.port = 6379;
    if (std::string error = ApplyConfigOverrides(opts, &config); !error.empty()) {
      fprintf(stderr, "idle-3-node: %s\n", error.c_str());
      abort();
    }
    w.AddNode("n" + std::to_string(i + 1), config)->Start();
  }
  int clients = opts.clients > 0 ? opts.clients : 10;
  for (int i = 0; i < clients; i++) w.AddClient();
  // Two pinger connections per node, on the node's own host.
  std::vector<std::unique_ptr<SimClient>> pingers;
  for (size_t n = 0; n < 3; n++) {
    for (int k = 0; k < 2; k++)
      pingers.push_back(std::make_unique<SimClient>(&w, w.node(n)->host()));
  }
  std::vector<SimClient*> raw;
  for (auto& p : pingers) raw.push_back(p.get());
  for (size_t n = 0; n < 3; n++) {
    w.sim().Spawn([&w, n, &raw] { Pinger(w, n, raw.data() + n * 2); });
  }
  for (int i = 0; i < clients; i++) w.sim().Spawn([&w, i] { SlowClient(w, i); });
  w.Run(opts.duration_ns);
  RunResult result;
  result.scenario = "idle-3-node";
  result.clients = clients;
  FinishRun(w, opts, &result);
  for (auto& p : pingers) p->Disconnect();
  return result;
}

}  // namespace

// The "idle-3-node" driver (scenarios/defs/idle-3-node.toml).
RunResult RunIdleDriver(const RunOptions& opts, const std::string&, const DriverParams&) {
  return RunIdle(opts);
}

}  // namespace redsim::scenarios
