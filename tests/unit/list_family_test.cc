// List commands in-process: replies, key lifetime, and the blocking commands with several
// clients, timers on the manual clock, MULTI/EXEC and CLIENT UNBLOCK.
#include "tests/support/engine_test.h"

namespace redsim::testing {
namespace {

class ListTest : public EngineTest {
 protected:
  std::vector<RespValue> Replies(Client* c) { return TakeReplies(c); }
};

TEST_F(ListTest, PushPopAndRanges) {
  EXPECT_EQ(Run({"RPUSH", "l", "a", "b", "c"}), Int(3));
  EXPECT_EQ(Run({"LPUSH", "l", "z"}), Int(4));
  EXPECT_EQ(Run({"LRANGE", "l", "0", "-1"}), Bulks({"z", "a", "b", "c"}));
  EXPECT_EQ(Run({"LRANGE", "l", "-2", "100"}), Bulks({"b", "c"}));
  EXPECT_EQ(Run({"LINDEX", "l", "-1"}), Bulk("c"));
  EXPECT_EQ(Run({"LPOP", "l"}), Bulk("z"));
  EXPECT_EQ(Run({"RPOP", "l", "2"}), Bulks({"c", "b"}));
  EXPECT_EQ(Run({"LPOP", "l", "5"}), Bulks({"a"}));
  EXPECT_EQ(Run({"EXISTS", "l"}), Int(0)) << "an emptied list is deleted";
  EXPECT_EQ(Run({"LPOP", "l"}), Nil());
  EXPECT_EQ(Run({"LPOP", "l", "1"}), NilArray());
  EXPECT_EQ(Run({"LPUSHX", "l", "x"}), Int(0));
  EXPECT_EQ(Run({"LPOP", "l", "-1"}), Err("ERR value is out of range, must be positive"));
}

TEST_F(ListTest, EncodingIsQuicklistAndTypeErrorsAreReported) {
  EXPECT_EQ(Run({"RPUSH", "l", "a"}), Int(1));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "l"}), Bulk("quicklist"));
  EXPECT_EQ(Run({"TYPE", "l"}), Status("list"));
  EXPECT_EQ(Run({"SET", "s", "v"}), Ok());
  const auto wrongtype = Err("WRONGTYPE Operation against a key holding the wrong kind of value");
  EXPECT_EQ(Run({"LPUSH", "s", "a"}), wrongtype);
  EXPECT_EQ(Run({"LLEN", "s"}), wrongtype);
  EXPECT_EQ(Run({"LMOVE", "l", "s", "LEFT", "LEFT"}), wrongtype);
  EXPECT_EQ(Run({"LRANGE", "l", "0", "-1"}), Bulks({"a"})) << "a failed move moves nothing";
}

// Expected replies were taken from redis-server 7.0 running the same commands.
TEST_F(ListTest, EditingCommandsAcrossManySmallNodes) {
  EXPECT_EQ(Run({"CONFIG", "SET", "list-max-listpack-size", "2"}), Ok());
  for (int i = 0; i < 20; i++) Run({"RPUSH", "l", std::to_string(i % 5)});
  EXPECT_EQ(Run({"LINSERT", "l", "AFTER", "3", "x"}), Int(21));
  EXPECT_EQ(Run({"LINSERT", "l", "BEFORE", "nope", "x"}), Int(-1));
  EXPECT_EQ(Run({"LSET", "l", "0", "a-much-longer-element-than-before"}), Ok());
  EXPECT_EQ(Run({"LREM", "l", "-2", "4"}), Int(2));
  EXPECT_EQ(Run({"LREM", "l", "0", "2"}), Int(4));
  EXPECT_EQ(Run({"LPOS", "l", "1", "RANK", "-1", "COUNT", "0"}),
            Arr({Int(13), Int(10), Int(6), Int(1)}));
  EXPECT_EQ(Run({"LTRIM", "l", "1", "-2"}), Ok());
  EXPECT_EQ(Run({"LRANGE", "l", "0", "-1"}),
            Bulks({"1", "3", "x", "4", "0", "1", "3", "4", "0", "1", "3", "0", "1"}));
  EXPECT_EQ(Run({"LMPOP", "2", "nokey", "l", "RIGHT", "COUNT", "3"}),
            Arr({Bulk("l"), Bulks({"1", "0", "3"})}));
}

TEST_F(ListTest, MoveRotatesASingleElementListInPlace) {
  EXPECT_EQ(Run({"RPUSH", "l", "only"}), Int(1));
  EXPECT_EQ(Run({"LMOVE", "l", "l", "LEFT", "RIGHT"}), Bulk("only"));
  EXPECT_EQ(Run({"LRANGE", "l", "0", "-1"}), Bulks({"only"}));
  EXPECT_EQ(Run({"RPOPLPUSH", "l", "other"}), Bulk("only"));
  EXPECT_EQ(Run({"EXISTS", "l"}), Int(0));
  EXPECT_EQ(Run({"LRANGE", "other", "0", "-1"}), Bulks({"only"}));
}

TEST_F(ListTest, BlockedClientIsServedByAPushFromAnother) {
  Client* a = NewClient();
  EXPECT_EQ(Run(a, {"BLPOP", "k", "0"}), NoReply());
  EXPECT_EQ(server_->blocked_client_count(), 1u);
  EXPECT_EQ(Run({"RPUSH", "k", "x", "y"}), Int(2));
  EXPECT_EQ(Replies(a), std::vector<RespValue>{Bulks({"k", "x"})});
  EXPECT_EQ(Run({"LRANGE", "k", "0", "-1"}), Bulks({"y"}));
  EXPECT_EQ(server_->blocked_client_count(), 0u);
}

TEST_F(ListTest, FirstBlockedIsFirstServed) {
  Client* a = NewClient();
  Client* b = NewClient();
  Client* c = NewClient();
  Run(a, {"BRPOP", "k", "0"});
  Run(b, {"BLPOP", "other", "k", "0"});
  Run(c, {"BLPOP", "k", "0"});
  EXPECT_EQ(Run({"RPUSH", "k", "1", "2"}), Int(2));
  EXPECT_EQ(Replies(a), std::vector<RespValue>{Bulks({"k", "2"})});
  EXPECT_EQ(Replies(b), std::vector<RespValue>{Bulks({"k", "1"})});
  EXPECT_TRUE(Replies(c).empty()) << "nothing left for the third client";
  EXPECT_EQ(server_->blocked_client_count(), 1u);
}

TEST_F(ListTest, ServedFromTheKeyThatBecameReadyFirst) {
  Client* a = NewClient();
  Run(a, {"BLPOP", "k1", "k2", "0"});
  EXPECT_EQ(Run({"MULTI"}), Ok());
  Run({"RPUSH", "k2", "x"});
  Run({"RPUSH", "k1", "y"});
  EXPECT_EQ(Run({"EXEC"}), Arr({Int(1), Int(1)}));
  EXPECT_EQ(Replies(a), std::vector<RespValue>{Bulks({"k2", "x"})});
}

TEST_F(ListTest, PipelinedPopAfterPushLosesToTheBlockedClient) {
  Client* a = NewClient();
  Run(a, {"BLPOP", "k", "0"});
  // Both commands arrive in one read: nothing runs between them but the server's own work.
  std::vector<std::string_view> push = {"RPUSH", "k", "v"};
  std::vector<std::string_view> pop = {"LPOP", "k"};
  server_->ProcessCommand(client_, push);
  server_->ProcessCommand(client_, pop);
  env_.Drain();
  EXPECT_EQ(Replies(client_), (std::vector<RespValue>{Int(1), Nil()}));
  EXPECT_EQ(Replies(a), std::vector<RespValue>{Bulks({"k", "v"})});
}

TEST_F(ListTest, TimeoutsAreFractionalSeconds) {
  Client* a = NewClient();
  EXPECT_EQ(Run(a, {"BLPOP", "k", "0.25"}), NoReply());
  AdvanceMs(249);
  EXPECT_TRUE(Replies(a).empty());
  AdvanceMs(1);
  EXPECT_EQ(Replies(a), std::vector<RespValue>{NilArray()});
  EXPECT_EQ(Run(a, {"BLMOVE", "k", "d", "LEFT", "LEFT", "0.0001"}), NoReply());
  AdvanceMs(1);
  // Redis 7.0 answers a timed-out BLMOVE with a null array too (a null bulk only inside MULTI).
  EXPECT_EQ(Replies(a), std::vector<RespValue>{NilArray()});
  EXPECT_EQ(Run(a, {"BLPOP", "k", "-0.0011"}), Err("ERR timeout is negative"));
  EXPECT_EQ(Run(a, {"BLPOP", "k", "inf"}), Err("ERR timeout is negative"));
  EXPECT_EQ(Run(a, {"BLPOP", "k", "1x"}), Err("ERR timeout is not a float or out of range"));
  // -0.001 rounds up to 0 ms: wait forever, as Redis does.
  EXPECT_EQ(Run(a, {"BLMPOP", "-0.001", "1", "k", "LEFT"}), NoReply());
  AdvanceMs(100000);
  EXPECT_TRUE(Replies(a).empty());
}

TEST_F(ListTest, BlockingInsideMultiAnswersAsATimeout) {
  Run({"MULTI"});
  Run({"BLPOP", "k", "0"});
  Run({"BLMOVE", "k", "d", "LEFT", "LEFT", "0"});
  Run({"BLMPOP", "0", "1", "k", "LEFT"});
  EXPECT_EQ(Run({"EXEC"}), Arr({NilArray(), Nil(), NilArray()}));
}

TEST_F(ListTest, KeyDeletedOrRetypedBeforeServingKeepsTheClientWaiting) {
  Client* a = NewClient();
  Run(a, {"BLPOP", "k", "0"});
  Run({"MULTI"});
  Run({"RPUSH", "k", "a"});
  Run({"DEL", "k"});
  Run({"EXEC"});
  Run({"MULTI"});
  Run({"RPUSH", "k", "a"});
  Run({"SET", "k", "string"});
  Run({"EXEC"});
  EXPECT_TRUE(Replies(a).empty());
  EXPECT_EQ(server_->blocked_client_count(), 1u);
  Run({"DEL", "k"});
  Run({"LPUSH", "k", "finally"});
  EXPECT_EQ(Replies(a), std::vector<RespValue>{Bulks({"k", "finally"})});
}

TEST_F(ListTest, BlmoveChainsServeTheClientBlockedOnTheDestination) {
  Client* a = NewClient();
  Client* b = NewClient();
  Run(b, {"BLPOP", "dst", "0"});
  Run(a, {"BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"});
  EXPECT_EQ(Run({"RPUSH", "src", "x"}), Int(1));
  EXPECT_EQ(Replies(a), std::vector<RespValue>{Bulk("x")});
  EXPECT_EQ(Replies(b), std::vector<RespValue>{Bulks({"dst", "x"})});
  EXPECT_EQ(Run({"EXISTS", "src", "dst"}), Int(0));
}

TEST_F(ListTest, BlmoveToAWrongTypeDestinationFailsWhenServed) {
  Client* a = NewClient();
  Run(a, {"BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"});
  Run({"SET", "dst", "string"});
  Run({"RPUSH", "src", "a"});
  EXPECT_EQ(Replies(a), std::vector<RespValue>{Err(
                            "WRONGTYPE Operation against a key holding the wrong kind of value")});
  EXPECT_EQ(Run({"LRANGE", "src", "0", "-1"}), Bulks({"a"}));
}

TEST_F(ListTest, ClientUnblockTimeoutOrError) {
  Client* a = NewClient();
  Run(a, {"BLMPOP", "0", "1", "k", "LEFT"});
  EXPECT_EQ(Run({"CLIENT", "UNBLOCK", std::to_string(a->id())}), Int(1));
  EXPECT_EQ(Replies(a), std::vector<RespValue>{NilArray()});
  Run(a, {"BRPOPLPUSH", "k", "d", "0"});
  EXPECT_EQ(Run({"CLIENT", "UNBLOCK", std::to_string(a->id()), "ERROR"}), Int(1));
  EXPECT_EQ(Replies(a),
            std::vector<RespValue>{Err("UNBLOCKED client unblocked via CLIENT UNBLOCK")});
  EXPECT_EQ(Run({"CLIENT", "UNBLOCK", std::to_string(a->id())}), Int(0));
}

TEST_F(ListTest, BlmpopServesCountFromTheReadyKey) {
  Client* a = NewClient();
  Run(a, {"BLMPOP", "0", "2", "k1", "k2", "RIGHT", "COUNT", "5"});
  Run({"RPUSH", "k2", "x", "y"});
  EXPECT_EQ(Replies(a), std::vector<RespValue>{Arr({Bulk("k2"), Bulks({"y", "x"})})});
}

}  // namespace
}  // namespace redsim::testing

namespace redsim::testing {
namespace {

// Records what the server propagates to the AOF and replicas.
class RecordingSink : public PropagationSink {
 public:
  void Feed(int, const std::vector<std::string_view>& args) override {
    fed.emplace_back(args.begin(), args.end());
  }
  std::vector<std::vector<std::string>> fed;
};

class ListPropagationTest : public ListTest {
 protected:
  void SetUp() override {
    ListTest::SetUp();
    server_->AddPropagationSink(&sink_);
  }
  void TearDown() override {
    server_->RemovePropagationSink(&sink_);
    ListTest::TearDown();
  }
  RecordingSink sink_;
};

TEST_F(ListPropagationTest, PopsAndBlockingCommandsPropagateAsTheirEffect) {
  Run({"RPUSH", "k", "a", "b", "c", "d"});
  Run({"BLPOP", "k", "0"});
  Run({"LMPOP", "1", "k", "RIGHT", "COUNT", "2"});
  Run({"BLMOVE", "k", "d", "LEFT", "RIGHT", "0"});
  Run({"LPOP", "nothing"});  // no change: not propagated
  Client* a = NewClient();
  Run(a, {"BRPOPLPUSH", "src", "dst", "0"});
  Run({"RPUSH", "src", "x"});
  using Args = std::vector<std::string>;
  EXPECT_EQ(sink_.fed, (std::vector<Args>{{"RPUSH", "k", "a", "b", "c", "d"},
                                          {"LPOP", "k"},
                                          {"RPOP", "k", "2"},
                                          {"LMOVE", "k", "d", "LEFT", "RIGHT"},
                                          {"RPUSH", "src", "x"},
                                          {"RPOPLPUSH", "src", "dst"}}));
}

}  // namespace
}  // namespace redsim::testing
