// Determinism: a seed replays the same run, event for event, in one process and across
// processes; different seeds give different runs.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstdio>
#include <set>
#include <string>

#include "scenarios/scenario.h"

#ifndef REDSIM_CLI_PATH
#define REDSIM_CLI_PATH "redsim"
#endif

namespace redsim::scenarios {
namespace {

RunResult RunKv(uint64_t seed, int64_t duration_ns, int clients = 5) {
  RunOptions o;
  o.seed = seed;
  o.duration_ns = duration_ns;
  o.clients = clients;
  o.out_dir = "-";  // ask for the history
  return FindScenario("single-node-kv")->run(o);
}

TEST(Determinism, SameSeedSameTraceAndHistoryInOneProcess) {
  RunResult a = RunKv(42, 8'000'000'000);
  RunResult b = RunKv(42, 8'000'000'000);
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.history_jsonl, b.history_jsonl);
  EXPECT_GT(a.ok, 500u);    // 5 clients at the file's 25 ops/s for 8 s, less the crashes
  EXPECT_GT(a.faults, 0u);  // the nemesis crashed the node at least once
}

TEST(Determinism, TwentySeedsTwentyHashes) {
  std::set<uint64_t> hashes;
  for (uint64_t seed = 1; seed <= 20; seed++)
    hashes.insert(RunKv(seed, 1'000'000'000, 3).trace_hash);
  EXPECT_EQ(hashes.size(), 20u);
}

std::string RunCli(uint64_t seed, const std::string& out_dir) {
  std::string cmd = std::string(REDSIM_CLI_PATH) + " run single-node-kv --seed " +
                    std::to_string(seed) + " --duration 5s --json --out " + out_dir;
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof(buf), p)) out.append(buf, n);
  pclose(p);
  // The trace hash from the last (JSON) line.
  size_t at = out.find("\"trace_hash\":\"");
  return at == std::string::npos ? "" : out.substr(at + 14, 16);
}

std::string ReadFile(const std::string& path) {
  std::string out;
  FILE* f = fopen(path.c_str(), "rb");
  if (f == nullptr) return out;
  char buf[65536];
  while (size_t n = fread(buf, 1, sizeof(buf), f)) out.append(buf, n);
  fclose(f);
  return out;
}

TEST(Determinism, SameSeedSameTraceAndHistoryAcrossProcesses) {
  char d1[] = "/tmp/redsim-det-XXXXXX";
  char d2[] = "/tmp/redsim-det-XXXXXX";
  std::string a = RunCli(7, mkdtemp(d1));
  std::string b = RunCli(7, mkdtemp(d2));
  ASSERT_EQ(a.size(), 16u);
  EXPECT_EQ(a, b);
  std::string ha = ReadFile(std::string(d1) + "/history.jsonl");
  EXPECT_FALSE(ha.empty());
  EXPECT_EQ(ha, ReadFile(std::string(d2) + "/history.jsonl"));
  // The in-process run of the same seed and duration agrees with the CLI.
  RunOptions o;
  o.seed = 7;
  o.duration_ns = 5'000'000'000;
  char hex[17];
  snprintf(hex, sizeof(hex), "%016llx",
           static_cast<unsigned long long>(FindScenario("single-node-kv")->run(o).trace_hash));
  EXPECT_EQ(a, hex);
  std::system((std::string("rm -rf ") + d1 + " " + d2).c_str());
}

RC_GTEST_PROP(Determinism, AnySeedAndParametersReplay, ()) {
  uint64_t seed = *rc::gen::arbitrary<uint64_t>();
  int clients = *rc::gen::inRange(1, 12);
  int64_t duration_ms = *rc::gen::inRange(100, 3000);
  RunResult a = RunKv(seed, duration_ms * 1'000'000, clients);
  RunResult b = RunKv(seed, duration_ms * 1'000'000, clients);
  RC_ASSERT(a.trace_hash == b.trace_hash);
  RC_ASSERT(a.history_jsonl == b.history_jsonl);
}

}  // namespace
}  // namespace redsim::scenarios
