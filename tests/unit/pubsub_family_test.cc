// Pub/Sub and keyspace notifications on the in-process server: subscription replies, message
// delivery and order, subscribed-mode rules, RESET and disconnect cleanup, the pubsub output
// buffer limit, and keyspace/keyevent messages.
#include <gtest/gtest.h>

#include "engine/server/pubsub.h"
#include "tests/support/engine_test.h"

namespace redsim::testing {
namespace {

RespValue Msg(const std::string& channel, const std::string& message) {
  return Bulks({"message", channel, message});
}
RespValue PMsg(const std::string& pattern, const std::string& channel, const std::string& m) {
  return Bulks({"pmessage", pattern, channel, m});
}
RespValue Confirm(const std::string& verb, const std::string& name, int64_t count) {
  return Arr({Bulk(verb), Bulk(name), Int(count)});
}

class PubSubTest : public EngineTest {
 protected:
  // Runs a command and returns every reply it produced.
  std::vector<RespValue> RunAll(Client* c, const std::vector<std::string>& args) {
    std::vector<std::string_view> views(args.begin(), args.end());
    server_->ProcessCommand(c, views);
    env_.Drain();
    return TakeReplies(c);
  }
};

TEST_F(PubSubTest, SubscribeRepliesOnePerChannelWithRunningCount) {
  auto r = RunAll(client_, {"SUBSCRIBE", "a", "b", "a"});
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0], Confirm("subscribe", "a", 1));
  EXPECT_EQ(r[1], Confirm("subscribe", "b", 2));
  EXPECT_EQ(r[2], Confirm("subscribe", "a", 2));
  r = RunAll(client_, {"PSUBSCRIBE", "x*"});
  EXPECT_EQ(r[0], Confirm("psubscribe", "x*", 3));
  // Shard subscriptions are counted on their own.
  r = RunAll(client_, {"SSUBSCRIBE", "s"});
  EXPECT_EQ(r[0], Confirm("ssubscribe", "s", 1));
}

TEST_F(PubSubTest, PublishReachesChannelThenPatternSubscribers) {
  Client* pub = NewClient();
  RunAll(client_, {"SUBSCRIBE", "news"});
  RunAll(client_, {"PSUBSCRIBE", "n*", "z*"});
  EXPECT_EQ(Run(pub, {"PUBLISH", "news", "hi"}), Int(2));
  auto got = TakeReplies(client_);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], Msg("news", "hi"));
  EXPECT_EQ(got[1], PMsg("n*", "news", "hi"));
  EXPECT_EQ(Run(pub, {"PUBLISH", "other", "x"}), Int(0));
  EXPECT_TRUE(TakeReplies(client_).empty());
}

TEST_F(PubSubTest, GlobPatternsMatchAsRedisDoes) {
  Client* pub = NewClient();
  RunAll(client_, {"PSUBSCRIBE", "h?llo", "h[^e]llo", "a\\*b"});
  EXPECT_EQ(Run(pub, {"PUBLISH", "hello", "1"}), Int(1));
  EXPECT_EQ(Run(pub, {"PUBLISH", "hallo", "1"}), Int(2));
  EXPECT_EQ(Run(pub, {"PUBLISH", "a*b", "1"}), Int(1));
  EXPECT_EQ(Run(pub, {"PUBLISH", "axb", "1"}), Int(0));
}

TEST_F(PubSubTest, SubscribedModeAllowsOnlySubscriptionCommandsPingQuitReset) {
  RunAll(client_, {"SUBSCRIBE", "a"});
  EXPECT_EQ(Run({"GET", "k"}),
            Err("ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT "
                "/ RESET are allowed in this context"));
  EXPECT_EQ(Run({"CLIENT", "LIST"}),
            Err("ERR Can't execute 'client|list': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING "
                "/ QUIT / RESET are allowed in this context"));
  EXPECT_EQ(Run({"PING"}), Bulks({"pong", ""}));
  EXPECT_EQ(Run({"PING", "x"}), Bulks({"pong", "x"}));
  auto r = RunAll(client_, {"UNSUBSCRIBE"});
  EXPECT_EQ(r[0], Confirm("unsubscribe", "a", 0));
  EXPECT_EQ(Run({"GET", "k"}), Nil());
}

TEST_F(PubSubTest, UnsubscribeWithNothingRepliesNullName) {
  auto r = RunAll(client_, {"PUNSUBSCRIBE"});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0], Arr({Bulk("punsubscribe"), Nil(), Int(0)}));
}

TEST_F(PubSubTest, Resp3SubscriberGetsPushesAndMayRunAnyCommand) {
  Client* pub = NewClient();
  Run({"HELLO", "3"});
  auto r = RunAll(client_, {"SUBSCRIBE", "a"});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].type, RespValue::Type::kPush);
  EXPECT_EQ(Run({"PING"}), Status("PONG"));
  EXPECT_EQ(Run({"SET", "k", "v"}), Ok());
  Run(pub, {"PUBLISH", "a", "m"});
  auto got = TakeReplies(client_);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].type, RespValue::Type::kPush);
  EXPECT_EQ(got[0].elements[0], Bulk("message"));
}

TEST_F(PubSubTest, ResetAndDisconnectDropSubscriptions) {
  Client* other = NewClient();
  RunAll(client_, {"SUBSCRIBE", "a"});
  RunAll(other, {"SUBSCRIBE", "a"});
  RunAll(other, {"PSUBSCRIBE", "p*"});
  EXPECT_EQ(Run(NewClient(), {"PUBSUB", "NUMSUB", "a"}), Arr({Bulk("a"), Int(2)}));
  EXPECT_EQ(Run({"RESET"}), Status("RESET"));
  EXPECT_EQ(Run({"PUBSUB", "NUMSUB", "a"}), Arr({Bulk("a"), Int(1)}));
  server_->FreeFakeClient(other);
  EXPECT_EQ(Run({"PUBSUB", "NUMSUB", "a"}), Arr({Bulk("a"), Int(0)}));
  EXPECT_EQ(Run({"PUBSUB", "NUMPAT"}), Int(0));
  EXPECT_EQ(Run({"PUBLISH", "a", "x"}), Int(0));
}

TEST_F(PubSubTest, PubsubIntrospection) {
  Client* other = NewClient();
  RunAll(client_, {"SUBSCRIBE", "news.a", "news.b", "x"});
  RunAll(other, {"SSUBSCRIBE", "s1"});
  auto channels = Run(NewClient(), {"PUBSUB", "CHANNELS", "news.*"});
  ASSERT_EQ(channels.elements.size(), 2u);
  EXPECT_EQ(Run(NewClient(), {"PUBSUB", "SHARDCHANNELS"}), Bulks({"s1"}));
  EXPECT_EQ(Run(NewClient(), {"PUBSUB", "SHARDNUMSUB", "s1", "s2"}),
            Arr({Bulk("s1"), Int(1), Bulk("s2"), Int(0)}));
  EXPECT_EQ(Run(NewClient(), {"PUBSUB", "CHANNELS", "a", "b"}),
            Err("ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB "
                "HELP."));
  EXPECT_EQ(Run(NewClient(), {"SPUBLISH", "s1", "m"}), Int(1));
  EXPECT_EQ(TakeReplies(other)[0], Bulks({"smessage", "s1", "m"}));
}

TEST_F(PubSubTest, InfoAndClientListCountSubscriptions) {
  RunAll(client_, {"SUBSCRIBE", "a", "b"});
  RunAll(client_, {"PSUBSCRIBE", "p*"});
  Client* other = NewClient();
  std::string info = Run(other, {"INFO", "stats"}).str;
  EXPECT_NE(info.find("pubsub_channels:2\r\n"), std::string::npos);
  EXPECT_NE(info.find("pubsub_patterns:1\r\n"), std::string::npos);
}

class PubSubLimitTest : public PubSubTest {
 protected:
  void Configure(ServerConfig& c) override { c.obuf_pubsub = {64 * 1024, 0, 0}; }
};

TEST_F(PubSubLimitTest, SubscriberThatNeverReadsIsClosedAtTheHardLimit) {
  Client* sub = NewClient();
  uint64_t id = sub->id();
  RunAll(sub, {"SUBSCRIBE", "c"});
  std::string payload(1000, 'x');
  for (int i = 0; i < 200; i++) {
    Run({"PUBLISH", "c", payload});
    // Never more than the limit plus one message is held for it.
    if (server_->FindClient(id) != nullptr) {
      ASSERT_LE(sub->pending_reply_bytes(), 64u * 1024 + 2000);
    }
  }
  EXPECT_EQ(server_->FindClient(id), nullptr);
  EXPECT_EQ(Run({"PUBSUB", "NUMSUB", "c"}), Arr({Bulk("c"), Int(0)}));
}

class PubSubSoftLimitTest : public PubSubTest {
 protected:
  void Configure(ServerConfig& c) override { c.obuf_pubsub = {0, 4096, 2}; }
};

TEST_F(PubSubSoftLimitTest, SoftLimitClosesAfterItsSeconds) {
  Client* sub = NewClient();
  uint64_t id = sub->id();
  RunAll(sub, {"SUBSCRIBE", "c"});
  Run({"PUBLISH", "c", std::string(5000, 'x')});
  EXPECT_NE(server_->FindClient(id), nullptr);
  AdvanceMs(1000);
  Run({"PUBLISH", "c", "y"});
  EXPECT_NE(server_->FindClient(id), nullptr);
  AdvanceMs(2500);
  Run({"PUBLISH", "c", "y"});
  EXPECT_EQ(server_->FindClient(id), nullptr);
}

// ---- Keyspace notifications ------------------------------------------------------------------

TEST_F(PubSubTest, KeyspaceAndKeyeventMessages) {
  Run({"CONFIG", "SET", "notify-keyspace-events", "KEA"});
  Client* sub = NewClient();
  RunAll(sub, {"PSUBSCRIBE", "__key*__:*"});
  Run({"SET", "k", "v"});
  auto got = TakeReplies(sub);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], PMsg("__key*__:*", "__keyspace@0__:k", "set"));
  EXPECT_EQ(got[1], PMsg("__key*__:*", "__keyevent@0__:set", "k"));
}

TEST_F(PubSubTest, EventClassesFilter) {
  Client* sub = NewClient();
  RunAll(sub, {"PSUBSCRIBE", "*"});
  Run({"CONFIG", "SET", "notify-keyspace-events", "El"});
  Run({"SET", "k", "v"});
  Run({"LPUSH", "l", "a"});
  auto got = TakeReplies(sub);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], PMsg("*", "__keyevent@0__:lpush", "l"));
  // Neither K nor E: nothing at all.
  Run({"CONFIG", "SET", "notify-keyspace-events", "A"});
  Run({"SET", "k", "v"});
  EXPECT_TRUE(TakeReplies(sub).empty());
}

// "A" does not include 'n', and Redis prints "A" alone even when 'n' is on too; the new-key
// events must still flow.
TEST_F(PubSubTest, NewKeyEventsSurviveTheCanonicalAllSpelling) {
  Client* sub = NewClient();
  RunAll(sub, {"SUBSCRIBE", "__keyevent@0__:new"});
  Run({"CONFIG", "SET", "notify-keyspace-events", "AKEmn"});
  EXPECT_EQ(Run({"CONFIG", "GET", "notify-keyspace-events"}),
            Bulks({"notify-keyspace-events", "AKEm"}));
  Run({"SET", "k", "v"});
  auto got = TakeReplies(sub);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], Msg("__keyevent@0__:new", "k"));
}

TEST_F(PubSubTest, ExpiredNewAndKeymissEvents) {
  Client* sub = NewClient();
  RunAll(sub,
         {"SUBSCRIBE", "__keyevent@0__:expired", "__keyevent@0__:new", "__keyevent@0__:keymiss"});
  Run({"CONFIG", "SET", "notify-keyspace-events", "Exnm"});
  Run({"SET", "k", "v", "PX", "10"});
  Run({"GET", "nothing"});
  AdvanceMs(20);
  Run({"GET", "k"});
  auto got = TakeReplies(sub);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0], Msg("__keyevent@0__:new", "k"));
  EXPECT_EQ(got[1], Msg("__keyevent@0__:keymiss", "nothing"));
  EXPECT_EQ(got[2], Msg("__keyevent@0__:expired", "k"));
  EXPECT_EQ(got[3], Msg("__keyevent@0__:keymiss", "k"));
}

}  // namespace
}  // namespace redsim::testing
