// Real-mode crash test: redsim-server with appendfsync always under a write load from several
// connections, killed with SIGKILL at a random moment and restarted: every acknowledged INCR and
// every acknowledged unique SET must be there.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "tests/support/resp_client.h"
#include "tests/support/server_process.h"

namespace redsim::testing {
namespace {

struct Acked {
  std::mutex mu;
  std::map<std::string, int64_t> incr_acks;  // counter -> acknowledged INCRs
  std::map<std::string, int64_t> incr_sent;  // counter -> INCRs sent (acked or not)
  std::vector<std::pair<std::string, std::string>> sets;
};

void Writer(int port, int id, std::atomic<bool>* stop, Acked* acked) {
  RespClient c;
  if (!c.Connect(port)) return;
  std::string counter = "counter:" + std::to_string(id % 3);
  for (int i = 0; !stop->load(); i++) {
    if (i % 2 == 0) {
      {
        std::lock_guard<std::mutex> lock(acked->mu);
        acked->incr_sent[counter]++;
      }
      RespValue r = c.Call({"INCR", counter});
      if (r.type != RespValue::Type::kInteger) return;
      std::lock_guard<std::mutex> lock(acked->mu);
      acked->incr_acks[counter]++;
    } else {
      std::string key = "set:" + std::to_string(id) + ":" + std::to_string(i);
      std::string value = "v" + std::to_string(i);
      RespValue r = c.Call({"SET", key, value});
      if (r.type != RespValue::Type::kSimple) return;
      std::lock_guard<std::mutex> lock(acked->mu);
      acked->sets.emplace_back(key, value);
    }
  }
}

TEST(CrashRecovery, AppendFsyncAlwaysKeepsEveryAcknowledgedWrite) {
  char tmpl[] = "/tmp/redsim-crash-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::vector<std::string> args = {"--appendonly", "yes", "--appendfsync", "always"};
  std::mt19937 rng(std::random_device{}());
  for (int round = 0; round < 3; round++) {
    auto server = ServerProcess::StartIn(ServerProcess::Kind::kRedsim, dir, args);
    ASSERT_NE(server, nullptr);
    Acked acked;
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int w = 0; w < 6; w++) writers.emplace_back(Writer, server->port(), w, &stop, &acked);
    std::this_thread::sleep_for(std::chrono::milliseconds(200 + rng() % 400));
    server->Kill();  // SIGKILL mid-load
    stop = true;
    for (auto& t : writers) t.join();
    ASSERT_GT(acked.sets.size(), 10u) << "the load did not run";

    auto restarted = ServerProcess::StartIn(ServerProcess::Kind::kRedsim, dir, args);
    ASSERT_NE(restarted, nullptr) << "redsim-server did not restart after the crash";
    RespClient c;
    ASSERT_TRUE(c.Connect(restarted->port()));
    for (const auto& [counter, acks] : acked.incr_acks) {
      RespValue v = c.Call({"GET", counter});
      ASSERT_EQ(v.type, RespValue::Type::kBulk) << counter;
      int64_t value = std::stoll(v.str);
      // Earlier rounds' increments are there too; this round's acknowledged ones must be.
      EXPECT_GE(value, acks) << counter;
    }
    size_t missing = 0;
    for (const auto& [key, value] : acked.sets) {
      RespValue v = c.Call({"GET", key});
      if (v.type != RespValue::Type::kBulk || v.str != value) missing++;
    }
    EXPECT_EQ(missing, 0u) << "acknowledged SETs lost after kill -9 (round " << round << ")";
    restarted->Kill();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace redsim::testing
