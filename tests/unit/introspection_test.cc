// SLOWLOG, LATENCY, MONITOR, CLIENT PAUSE and CLIENT TRACKING on the in-process server (manual
// clock: DEBUG SLEEP advances it, so durations are exact).
#include <gtest/gtest.h>

#include "tests/support/engine_test.h"

namespace redsim::testing {
namespace {

class IntrospectionTest : public EngineTest {
 protected:
  void Configure(ServerConfig& c) override { c.enable_debug_command = "yes"; }
  std::vector<RespValue> RunAll(Client* c, const std::vector<std::string>& args) {
    std::vector<std::string_view> views(args.begin(), args.end());
    server_->ProcessCommand(c, views);
    env_.Drain();
    return TakeReplies(c);
  }
};

TEST_F(IntrospectionTest, SlowlogRecordsTrimmedArgumentsAndClient) {
  Run({"CONFIG", "SET", "slowlog-log-slower-than", "0"});
  Run({"SLOWLOG", "RESET"});
  Run({"CLIENT", "SETNAME", "app"});
  std::vector<std::string> rpush = {"RPUSH", "l"};
  for (int i = 0; i < 40; i++) rpush.push_back(std::to_string(i));
  Run(rpush);
  Run({"SET", "k", std::string(200, 'v')});
  RespValue log = Run({"SLOWLOG", "GET", "2"});
  ASSERT_EQ(log.elements.size(), 2u);
  const RespValue& set = log.elements[0];
  ASSERT_EQ(set.elements.size(), 6u);
  EXPECT_EQ(set.elements[3].elements[2], Bulk(std::string(128, 'v') + "... (72 more bytes)"));
  EXPECT_EQ(set.elements[5], Bulk("app"));
  const RespValue& push = log.elements[1];
  ASSERT_EQ(push.elements[3].elements.size(), 32u);
  EXPECT_EQ(push.elements[3].elements[31], Bulk("... (11 more arguments)"));
  EXPECT_EQ(push.elements[0].integer + 1, set.elements[0].integer);
  EXPECT_EQ(Run({"SLOWLOG", "GET", "-2"}), Err("ERR count should be greater than or equal to -1"));
}

TEST_F(IntrospectionTest, SlowlogThresholdAndMaxLen) {
  Run({"CONFIG", "SET", "slowlog-log-slower-than", "50000"});
  Run({"CONFIG", "SET", "slowlog-max-len", "2"});
  Run({"SLOWLOG", "RESET"});
  Run({"SET", "fast", "1"});
  EXPECT_EQ(Run({"SLOWLOG", "LEN"}), Int(0));
  for (int i = 0; i < 3; i++) Run({"DEBUG", "SLEEP", "0.06"});
  EXPECT_EQ(Run({"SLOWLOG", "LEN"}), Int(2));
  RespValue log = Run({"SLOWLOG", "GET"});
  EXPECT_EQ(log.elements[0].elements[2], Int(60000));
  Run({"CONFIG", "SET", "slowlog-log-slower-than", "-1"});
  Run({"SLOWLOG", "RESET"});
  Run({"DEBUG", "SLEEP", "0.06"});
  EXPECT_EQ(Run({"SLOWLOG", "LEN"}), Int(0));
}

TEST_F(IntrospectionTest, AuthPasswordsAreRedacted) {
  Client* m = NewClient();
  EXPECT_EQ(Run(m, {"MONITOR"}), Ok());
  Run({"AUTH", "secret"});
  auto lines = TakeReplies(m);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].str.find("\"AUTH\" \"(redacted)\""), std::string::npos) << lines[0].str;
  EXPECT_EQ(lines[0].str.find("secret"), std::string::npos);
}

TEST_F(IntrospectionTest, LatencyMonitorRecordsSpikesAboveThreshold) {
  EXPECT_EQ(Run({"LATENCY", "LATEST"}), Arr({}));
  Run({"CONFIG", "SET", "latency-monitor-threshold", "10"});
  Run({"DEBUG", "SLEEP", "0.005"});
  EXPECT_EQ(Run({"LATENCY", "LATEST"}), Arr({}));
  Run({"DEBUG", "SLEEP", "0.02"});
  AdvanceMs(1000);
  Run({"DEBUG", "SLEEP", "0.03"});
  RespValue latest = Run({"LATENCY", "LATEST"});
  ASSERT_EQ(latest.elements.size(), 1u);
  EXPECT_EQ(latest.elements[0].elements[0], Bulk("command"));
  EXPECT_EQ(latest.elements[0].elements[2], Int(30));
  EXPECT_EQ(latest.elements[0].elements[3], Int(30));
  EXPECT_EQ(Run({"LATENCY", "HISTORY", "command"}).elements.size(), 2u);
  EXPECT_EQ(Run({"LATENCY", "RESET", "command", "nope"}), Int(1));
  EXPECT_EQ(Run({"LATENCY", "HISTORY", "command"}), Arr({}));
}

// LATENCY HISTOGRAM reports Redis's log-2 levels (labels 1, 2, 4, 8, 16, 33, 66, ... us) with
// cumulative counts, only where the count grew; durations are clamped to [1024 ns, 1 s].
TEST_F(IntrospectionTest, LatencyHistogramUsesRedisLevels) {
  Run({"CONFIG", "RESETSTAT"});
  Run({"DEBUG", "SLEEP", "0"});         // 0 us: clamped up to the first level
  Run({"DEBUG", "SLEEP", "0.000017"});  // 17 us: past 16.511 us, so level 33
  Run({"DEBUG", "SLEEP", "0.000015"});  // 15 us: level 16
  Run({"DEBUG", "SLEEP", "3"});         // clamped to 1 s: the last level
  RespValue h = Run({"LATENCY", "HISTOGRAM", "debug", "nosuch"});
  ASSERT_EQ(h.elements.size(), 2u) << h.ToString();
  EXPECT_EQ(h.elements[0].str, "debug");
  const RespValue& body = h.elements[1];
  ASSERT_EQ(body.elements.size(), 4u) << h.ToString();
  EXPECT_EQ(body.elements[0].str, "calls");
  EXPECT_EQ(body.elements[1].integer, 4);
  EXPECT_EQ(body.elements[2].str, "histogram_usec");
  std::vector<int64_t> flat;
  for (const RespValue& v : body.elements[3].elements) flat.push_back(v.integer);
  EXPECT_EQ(flat, (std::vector<int64_t>{1, 1, 16, 2, 33, 3, 1082130, 4})) << h.ToString();
  // A container names its subcommands (with full names); unknown names are skipped.
  RespValue config = Run({"LATENCY", "HISTOGRAM", "config"});
  ASSERT_EQ(config.elements.size(), 2u) << config.ToString();
  EXPECT_EQ(config.elements[0].str, "config|resetstat");
}

TEST_F(IntrospectionTest, MonitorSeesCommandsWithQuotingAndLeavesOnReset) {
  Client* m = NewClient();
  Run(m, {"MONITOR"});
  Run({"SET", "k", std::string("a \"b\"\n\x01", 7)});
  Run({"CONFIG", "GET", "port"});  // admin: not shown
  auto lines = TakeReplies(m);
  ASSERT_EQ(lines.size(), 1u);
  std::string line = lines[0].str;
  EXPECT_NE(line.find(" [0 "), std::string::npos) << line;
  EXPECT_NE(line.find("\"SET\" \"k\" \"a \\\"b\\\"\\n\\x01\""), std::string::npos) << line;
  EXPECT_EQ(Run(m, {"GET", "k"}), Err("ERR Replica can't interact with the keyspace"));
  EXPECT_EQ(Run(m, {"RESET"}), Status("RESET"));
  Run({"SET", "k", "2"});
  EXPECT_TRUE(TakeReplies(m).empty());
}

TEST_F(IntrospectionTest, PauseWriteHoldsWritesUntilUnpause) {
  // Only connected clients are paused; the fixture's clients have no connection, so the
  // decision itself is checked here and the full path by the differential/integration tests.
  Run({"CLIENT", "PAUSE", "1000", "WRITE"});
  EXPECT_TRUE(server_->WritesPaused());
  EXPECT_FALSE(server_->AllPaused());
  EXPECT_EQ(Run({"CLIENT", "PAUSE", "10", "FOO"}),
            Err("ERR CLIENT PAUSE mode must be WRITE or ALL"));
  EXPECT_EQ(Run({"CLIENT", "PAUSE", "-1"}), Err("ERR timeout is negative"));
  // A key that expires during a write pause reads as missing but is not deleted yet.
  Run({"CLIENT", "UNPAUSE"});
  Run({"SET", "e", "v", "PX", "5"});
  Run({"CLIENT", "PAUSE", "1000", "WRITE"});
  AdvanceMs(10);
  EXPECT_EQ(Run({"GET", "e"}), Nil());
  EXPECT_EQ(Run({"DBSIZE"}), Int(1));
  AdvanceMs(1000);
  EXPECT_FALSE(server_->WritesPaused());
}

TEST_F(IntrospectionTest, TrackingSendsOneInvalidationPerReadKey) {
  Client* reader = NewClient();
  Client* writer = NewClient();
  Run(reader, {"HELLO", "3"});
  EXPECT_EQ(Run(reader, {"CLIENT", "TRACKING", "on"}), Ok());
  Run(reader, {"GET", "k"});
  Run(writer, {"SET", "k", "1"});
  auto got = TakeReplies(reader);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].type, RespValue::Type::kPush);
  EXPECT_EQ(got[0].elements[0], Bulk("invalidate"));
  EXPECT_EQ(got[0].elements[1], Bulks({"k"}));
  // Once sent, the key is forgotten until read again.
  Run(writer, {"SET", "k", "2"});
  EXPECT_TRUE(TakeReplies(reader).empty());
  // Own writes: the invalidation follows the reply.
  Run(reader, {"GET", "k"});
  auto own = RunAll(reader, {"SET", "k", "3"});
  ASSERT_EQ(own.size(), 2u);
  EXPECT_EQ(own[0], Ok());
  EXPECT_EQ(own[1].type, RespValue::Type::kPush);
}

TEST_F(IntrospectionTest, TrackingBcastBatchesPerPrefixAndHonoursNoloop) {
  Client* reader = NewClient();
  Run(reader, {"HELLO", "3"});
  EXPECT_EQ(Run(reader, {"CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "user:", "NOLOOP"}), Ok());
  Run({"MSET", "user:1", "a", "order:1", "b", "user:2", "c"});
  auto got = TakeReplies(reader);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].elements[1], Bulks({"user:1", "user:2"}));
  // Its own change is not reported (NOLOOP).
  EXPECT_EQ(RunAll(reader, {"SET", "user:3", "d"}), std::vector<RespValue>{Ok()});
  EXPECT_EQ(Run(reader, {"CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "user:1"}),
            Err("ERR Prefix 'user:1' overlaps with an existing prefix 'user:'. Prefixes for a "
                "single client must not overlap."));
}

TEST_F(IntrospectionTest, TrackingRedirectToResp2Subscriber) {
  Client* sink = NewClient();
  Client* reader = NewClient();
  RunAll(sink, {"SUBSCRIBE", "__redis__:invalidate"});
  std::string sink_id = std::to_string(sink->id());
  EXPECT_EQ(Run(reader, {"CLIENT", "TRACKING", "on", "REDIRECT", sink_id}), Ok());
  EXPECT_EQ(Run(reader, {"CLIENT", "GETREDIR"}), Int(static_cast<int64_t>(sink->id())));
  Run(reader, {"GET", "k"});
  Run({"SET", "k", "1"});
  auto got = TakeReplies(sink);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], Arr({Bulk("message"), Bulk("__redis__:invalidate"), Bulks({"k"})}));
  Run({"FLUSHALL"});
  got = TakeReplies(sink);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], Arr({Bulk("message"), Bulk("__redis__:invalidate"), Nil()}));
  EXPECT_EQ(Run(reader, {"CLIENT", "TRACKING", "on", "REDIRECT", "99999"}),
            Err("ERR The client ID you want redirect to does not exist"));
}

TEST_F(IntrospectionTest, TrackingTableIsBounded) {
  Run({"CONFIG", "SET", "tracking-table-max-keys", "10"});
  Client* reader = NewClient();
  Run(reader, {"HELLO", "3"});
  Run(reader, {"CLIENT", "TRACKING", "on"});
  size_t pushes = 0;
  for (int i = 0; i < 25; i++) {
    for (const auto& r : RunAll(reader, {"GET", "key" + std::to_string(i)})) {
      pushes += r.type == RespValue::Type::kPush;
    }
  }
  // The oldest keys were invalidated early to make room.
  EXPECT_EQ(pushes, 15u);
  std::string info = Run({"INFO", "stats"}).str;
  EXPECT_NE(info.find("tracking_total_keys:10\r\n"), std::string::npos) << info;
}

}  // namespace
}  // namespace redsim::testing
