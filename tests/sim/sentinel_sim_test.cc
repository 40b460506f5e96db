// Sentinel under the simulator, unmodified: three redsim Sentinels, a primary and two replicas,
// each a Server on its own simulated host (SimEnv: virtual clock, netsim network, simulated
// disk). The primary is cut off from everyone; the Sentinels must agree on one promoted replica,
// elect at most one leader per epoch, and the same seed must replay the same events.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/replication/replication.h"
#include "engine/sentinel/sentinel.h"
#include "engine/server/config.h"
#include "engine/server/server.h"
#include "netsim/network.h"
#include "sim/sim_disk.h"
#include "sim/sim_env.h"
#include "sim/simulator.h"

namespace redsim {
namespace {

constexpr int64_t kSecondNs = 1'000'000'000;

struct Node {
  sim::HostId host = 0;
  std::unique_ptr<sim::SimDisk> disk;
  std::unique_ptr<sim::SimEnv> env;
  std::unique_ptr<Server> server;
};

struct SentinelWorld {
  explicit SentinelWorld(uint64_t seed) : sim(seed), net(&sim, seed + 1) {}

  Node& Add(const std::string& name, const std::string& address, ServerConfig config,
            const std::string& config_file = "") {
    auto node = std::make_unique<Node>();
    node->host = sim.AddHost(name, address);
    node->disk = std::make_unique<sim::SimDisk>(sim.seed() + nodes.size());
    node->env = std::make_unique<sim::SimEnv>(&sim, &net, node->host, node->disk.get());
    Server::Options o;
    o.env = node->env.get();
    config.save.clear();
    o.config = std::move(config);
    o.config_file = config_file;
    node->server = std::make_unique<Server>(std::move(o));
    EXPECT_TRUE(node->server->Start().ok()) << name;
    nodes.push_back(std::move(node));
    return *nodes.back();
  }

  // Primary 10.0.0.1, replicas .2 and .3, Sentinels .4 to .6 (events recorded in `events`).
  void Build() {
    ServerConfig primary;
    primary.port = 6379;
    Add("n1", "10.0.0.1", primary);
    for (int i = 2; i <= 3; i++) {
      ServerConfig replica;
      replica.port = 6379;
      replica.replicaof = "10.0.0.1 6379";
      Add("n" + std::to_string(i), "10.0.0." + std::to_string(i), replica);
    }
    for (int i = 4; i <= 6; i++) {
      ServerConfig s;
      s.sentinel_mode = true;
      s.port = 26379;
      std::string err = ConfigRegistry::Get().LoadText(
          s,
          "sentinel monitor m 10.0.0.1 6379 2\nsentinel down-after-milliseconds m 1000\n"
          "sentinel failover-timeout m 5000\n",
          "test");
      EXPECT_EQ(err, "");
      Node& n = Add("s" + std::to_string(i), "10.0.0." + std::to_string(i), s, "/sentinel.conf");
      std::string who = "s" + std::to_string(i);
      n.server->sentinel()->SetEventHook([this, who](const SentinelEvent& e) {
        events.push_back(who + " " + std::to_string(e.mono_us) + " " + e.type + " " + e.detail);
        if (e.type == "+elected-leader") leaders[e.epoch].push_back(who);
      });
    }
  }
  Sentinel* sentinel(int i) { return nodes[static_cast<size_t>(i) + 3]->server->sentinel(); }
  void RunFor(int64_t ns) { sim.RunUntil(sim.now_ns() + ns); }

  sim::Simulator sim;
  netsim::Network net;
  std::vector<std::unique_ptr<Node>> nodes;
  std::vector<std::string> events;
  std::map<uint64_t, std::vector<std::string>> leaders;
};

// Runs the scenario and returns the events the Sentinels published.
std::vector<std::string> RunIsolatedPrimary(uint64_t seed, std::string* new_primary) {
  SentinelWorld w(seed);
  w.Build();
  w.RunFor(15 * kSecondNs);  // discovery: replicas from INFO, Sentinels from hellos
  for (int i = 0; i < 3; i++) {
    SentinelMasterView v;
    EXPECT_TRUE(w.sentinel(i)->View("m", &v));
    EXPECT_EQ(v.replicas.size(), 2u) << "seed " << seed;
    EXPECT_EQ(v.sentinels.size(), 2u) << "seed " << seed;
  }
  w.net.Isolate(w.nodes[0]->host);
  w.RunFor(30 * kSecondNs);
  std::string ip;
  int port = 0;
  EXPECT_TRUE(w.sentinel(0)->MasterAddress("m", &ip, &port));
  *new_primary = ip;
  EXPECT_TRUE(ip == "10.0.0.2" || ip == "10.0.0.3") << "seed " << seed << ": " << ip;
  for (int i = 1; i < 3; i++) {
    std::string other;
    EXPECT_TRUE(w.sentinel(i)->MasterAddress("m", &other, &port));
    EXPECT_EQ(other, ip) << "seed " << seed;
  }
  for (const auto& [epoch, who] : w.leaders) {
    EXPECT_EQ(who.size(), 1u) << "seed " << seed << ": several leaders in epoch " << epoch;
  }
  // The promoted node is a primary, the other replica follows it.
  Server* promoted = w.nodes[ip == "10.0.0.2" ? 1 : 2]->server.get();
  Server* other = w.nodes[ip == "10.0.0.2" ? 2 : 1]->server.get();
  EXPECT_FALSE(promoted->replication()->is_replica()) << "seed " << seed;
  EXPECT_TRUE(other->replication()->is_replica()) << "seed " << seed;
  EXPECT_EQ(other->config().replicaof, ip + " 6379") << "seed " << seed;
  return w.events;
}

TEST(SentinelSim, IsolatedPrimaryIsReplacedAndEveryoneAgrees) {
  for (uint64_t seed = 1; seed <= 5; seed++) {
    std::string primary;
    std::vector<std::string> events = RunIsolatedPrimary(seed, &primary);
    if (getenv("SENTINEL_SIM_VERBOSE") != nullptr) {
      for (const auto& e : events) printf("seed %llu: %s\n", (unsigned long long)seed, e.c_str());
    }
    bool switched = false;
    for (const auto& e : events)
      switched = switched || e.find("+switch-master") != std::string::npos;
    EXPECT_TRUE(switched) << "seed " << seed;
  }
}

TEST(SentinelSim, SameSeedSameEvents) {
  std::string a, b;
  EXPECT_EQ(RunIsolatedPrimary(7, &a), RunIsolatedPrimary(7, &b));
}

}  // namespace
}  // namespace redsim
