// Unit tests of the stream family: ID generation (including a wall clock that goes backwards),
// blocks and trimming, consumer groups, blocking readers with two clients, propagation of
// XREADGROUP/XCLAIM effects, and the StreamObject layout itself.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/server/server.h"
#include "engine/types/stream_object.h"
#include "tests/support/engine_test.h"

namespace redsim::testing {
namespace {

class StreamTest : public EngineTest {
 protected:
  // Sets the wall clock (Unix µs) without moving the monotonic clock.
  void SetWallUs(int64_t us) { env_.set_wall_offset_us(us - env_.NowMicros()); }

  // Entry reply [id, [f, v, ...]].
  static RespValue Entry(const std::string& id, const std::vector<std::string>& fv) {
    return Arr({Bulk(id), Bulks(fv)});
  }
};

TEST_F(StreamTest, XaddAssignsIncreasingIdsEvenWhenTheClockGoesBack) {
  SetWallUs(5'000'000);
  server_->RefreshTime();
  EXPECT_EQ(Run({"XADD", "s", "*", "f", "v"}), Bulk("5000-0"));
  EXPECT_EQ(Run({"XADD", "s", "*", "f", "v"}), Bulk("5000-1"));
  SetWallUs(1'000'000);  // the wall clock jumps back 4 s
  EXPECT_EQ(Run({"XADD", "s", "*", "f", "v"}), Bulk("5000-2"));
  SetWallUs(6'000'000);
  EXPECT_EQ(Run({"XADD", "s", "*", "f", "v"}), Bulk("6000-0"));
  EXPECT_EQ(Run({"XADD", "s", "6000-*", "f", "v"}), Bulk("6000-1"));
  EXPECT_EQ(Run({"XADD", "s", "7000-*", "f", "v"}), Bulk("7000-0"));
  EXPECT_EQ(Run({"XADD", "s", "7000-0", "f", "v"}),
            Err("ERR The ID specified in XADD is equal or smaller than the target stream top "
                "item"));
  EXPECT_EQ(Run({"XLEN", "s"}), Int(6));
}

TEST_F(StreamTest, ExplicitIdsAndErrors) {
  EXPECT_EQ(Run({"XADD", "s", "0-0", "f", "v"}),
            Err("ERR The ID specified in XADD must be greater than 0-0"));
  EXPECT_EQ(Run({"EXISTS", "s"}), Int(0));
  EXPECT_EQ(Run({"XADD", "s", "NOMKSTREAM", "1-1", "f", "v"}), Nil());
  EXPECT_EQ(Run({"XADD", "s", "1-1", "f"}), Err("ERR wrong number of arguments for 'xadd' command"));
  EXPECT_EQ(Run({"XADD", "s", "18446744073709551615-18446744073709551615", "f", "v"}),
            Bulk("18446744073709551615-18446744073709551615"));
  EXPECT_EQ(Run({"XADD", "s", "*", "f", "v"}),
            Err("ERR The stream has exhausted the last possible ID, unable to add more items"));
  EXPECT_EQ(Run({"TYPE", "s"}), Status("stream"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "s"}), Bulk("stream"));
  EXPECT_EQ(Run({"SET", "str", "x"}), Ok());
  EXPECT_EQ(Run({"XADD", "str", "*", "f", "v"}),
            Err("WRONGTYPE Operation against a key holding the wrong kind of value"));
}

TEST_F(StreamTest, RangesWithExclusiveBoundsAndCount) {
  for (int i = 1; i <= 5; i++) Run({"XADD", "s", std::to_string(i) + "-0", "f", std::to_string(i)});
  EXPECT_EQ(Run({"XRANGE", "s", "(2", "4"}),
            Arr({Entry("3-0", {"f", "3"}), Entry("4-0", {"f", "4"})}));
  EXPECT_EQ(Run({"XREVRANGE", "s", "+", "-", "COUNT", "2"}),
            Arr({Entry("5-0", {"f", "5"}), Entry("4-0", {"f", "4"})}));
  EXPECT_EQ(Run({"XRANGE", "s", "-", "(1-0"}), Arr({}));
  EXPECT_EQ(Run({"XRANGE", "s", "-", "+", "COUNT", "0"}), NilArray());
  EXPECT_EQ(Run({"XRANGE", "s", "(18446744073709551615-18446744073709551615", "+"}),
            Err("ERR invalid start ID for the interval"));
  EXPECT_EQ(Run({"XRANGE", "nokey", "-", "+"}), Arr({}));
}

TEST_F(StreamTest, DeletionAndTrimmingAcrossBlocks) {
  Run({"CONFIG", "SET", "stream-node-max-entries", "3"});
  for (int i = 1; i <= 10; i++) Run({"XADD", "s", std::to_string(i) + "-1", "f", "v"});
  // 4 blocks of 3, 3, 3, 1: MAXLEN ~ 5 may only drop whole blocks.
  EXPECT_EQ(Run({"XTRIM", "s", "MAXLEN", "~", "5"}), Int(3));
  EXPECT_EQ(Run({"XLEN", "s"}), Int(7));
  EXPECT_EQ(Run({"XTRIM", "s", "MAXLEN", "=", "5"}), Int(2));
  EXPECT_EQ(Run({"XRANGE", "s", "-", "+", "COUNT", "1"}), Arr({Entry("6-1", {"f", "v"})}));
  EXPECT_EQ(Run({"XDEL", "s", "6-1", "7-1", "99-1"}), Int(2));
  EXPECT_EQ(Run({"XTRIM", "s", "MINID", "9"}), Int(1));
  EXPECT_EQ(Run({"XRANGE", "s", "-", "+"}),
            Arr({Entry("9-1", {"f", "v"}), Entry("10-1", {"f", "v"})}));
  RespValue info = Run({"XINFO", "STREAM", "s"});
  ASSERT_EQ(info.elements.size(), 20u);
  EXPECT_EQ(info.elements[9], Bulk("7-1"));  // max-deleted-entry-id
  EXPECT_EQ(info.elements[11], Int(10));     // entries-added
  EXPECT_EQ(info.elements[13], Bulk("9-1"));  // recorded-first-entry-id
}

TEST_F(StreamTest, StreamObjectKeepsEntriesCompactAndInOrder) {
  StreamObject s;
  StreamNodeLimits limits;
  for (uint64_t i = 1; i <= 1000; i++) {
    std::string v = std::to_string(i);
    s.Append(StreamId{i / 10, i % 10}, {"field", v}, limits);
  }
  EXPECT_EQ(s.length(), 1000u);
  EXPECT_EQ(s.block_count(), 10u);
  // A one-field entry with a short value costs a few bytes beyond its value.
  EXPECT_LT(s.MemoryUsage(), 1000u * 12 + 2000);
  uint64_t n = 0;
  StreamId prev;
  s.Range(StreamId::Min(), StreamId::Max(), false, [&](const StreamObject::Entry& e) {
    EXPECT_LT(prev, e.id);
    prev = e.id;
    EXPECT_EQ(e.fields_values[1], std::to_string(e.id.ms * 10 + e.id.seq));
    n++;
    return true;
  });
  EXPECT_EQ(n, 1000u);
  EXPECT_TRUE(s.Delete(StreamId{50, 5}));
  EXPECT_FALSE(s.Contains(StreamId{50, 5}));
  EXPECT_EQ(s.length(), 999u);
  auto clone = s.Clone();
  EXPECT_EQ(clone->Length(), 999u);
}

TEST_F(StreamTest, ConsumerGroupDeliveryAckAndPending) {
  Run({"XADD", "s", "1-1", "a", "1"});
  Run({"XADD", "s", "2-1", "b", "2"});
  EXPECT_EQ(Run({"XGROUP", "CREATE", "s", "g", "0"}), Ok());
  EXPECT_EQ(Run({"XGROUP", "CREATE", "s", "g", "0"}),
            Err("BUSYGROUP Consumer Group name already exists"));
  EXPECT_EQ(Run({"XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "s", ">"}),
            Arr({Arr({Bulk("s"), Arr({Entry("1-1", {"a", "1"})})})}));
  EXPECT_EQ(Run({"XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">"}),
            Arr({Arr({Bulk("s"), Arr({Entry("2-1", {"b", "2"})})})}));
  EXPECT_EQ(Run({"XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">"}), NilArray());
  EXPECT_EQ(Run({"XPENDING", "s", "g"}),
            Arr({Int(2), Bulk("1-1"), Bulk("2-1"),
                 Arr({Bulks({"alice", "1"}), Bulks({"bob", "1"})})}));
  // History: alice's own pending entries.
  EXPECT_EQ(Run({"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"}),
            Arr({Arr({Bulk("s"), Arr({Entry("1-1", {"a", "1"})})})}));
  AdvanceMs(100);
  EXPECT_EQ(Run({"XPENDING", "s", "g", "IDLE", "50", "-", "+", "10", "alice"}),
            Arr({Arr({Bulk("1-1"), Bulk("alice"), Int(100), Int(2)})}));
  EXPECT_EQ(Run({"XCLAIM", "s", "g", "bob", "50", "1-1", "JUSTID"}), Bulks({"1-1"}));
  EXPECT_EQ(Run({"XACK", "s", "g", "1-1", "2-1", "3-1"}), Int(2));
  EXPECT_EQ(Run({"XPENDING", "s", "g"}), Arr({Int(0), Nil(), Nil(), NilArray()}));
  EXPECT_EQ(Run({"XGROUP", "DELCONSUMER", "s", "g", "alice"}), Int(0));
  EXPECT_EQ(Run({"XGROUP", "DESTROY", "s", "g"}), Int(1));
}

TEST_F(StreamTest, AutoclaimReportsDeletedEntries) {
  Run({"XADD", "s", "1-1", "a", "1"});
  Run({"XADD", "s", "2-1", "b", "2"});
  Run({"XGROUP", "CREATE", "s", "g", "0"});
  Run({"XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"});
  Run({"XDEL", "s", "1-1"});
  EXPECT_EQ(Run({"XAUTOCLAIM", "s", "g", "bob", "0", "0"}),
            Arr({Bulk("0-0"), Arr({Entry("2-1", {"b", "2"})}), Bulks({"1-1"})}));
}

TEST_F(StreamTest, BlockedXreadIsServedByAnotherClientsXadd) {
  Client* reader = NewClient();
  Run({"XADD", "s", "1-1", "f", "old"});
  EXPECT_EQ(Run(reader, {"XREAD", "BLOCK", "0", "STREAMS", "s", "$"}), NoReply());
  EXPECT_EQ(server_->blocked_client_count(), 1u);
  Run({"XADD", "s", "2-1", "f", "new"});
  auto replies = TakeReplies(reader);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0], Arr({Arr({Bulk("s"), Arr({Entry("2-1", {"f", "new"})})})}));
  EXPECT_EQ(server_->blocked_client_count(), 0u);
}

TEST_F(StreamTest, BlockedXreadTimesOut) {
  Client* reader = NewClient();
  EXPECT_EQ(Run(reader, {"XREAD", "BLOCK", "100", "STREAMS", "s", "$"}), NoReply());
  AdvanceMs(150);
  auto replies = TakeReplies(reader);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0], NilArray());
}

TEST_F(StreamTest, BlockedXreadgroupServedAndUnblockedWhenTheStreamGoes) {
  Run({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"});
  Client* reader = NewClient();
  EXPECT_EQ(Run(reader, {"XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"}),
            NoReply());
  Run({"XADD", "s", "5-1", "f", "v"});
  auto replies = TakeReplies(reader);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0], Arr({Arr({Bulk("s"), Arr({Entry("5-1", {"f", "v"})})})}));
  EXPECT_EQ(Run({"XPENDING", "s", "g"}), Arr({Int(1), Bulk("5-1"), Bulk("5-1"),
                                              Arr({Bulks({"c", "1"})})}));
  // Waiting again; the stream is deleted.
  EXPECT_EQ(Run(reader, {"XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"}),
            NoReply());
  Run({"DEL", "s"});
  replies = TakeReplies(reader);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0], Err("UNBLOCKED the stream key no longer exists"));
  // And a destroyed group.
  Run({"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"});
  EXPECT_EQ(Run(reader, {"XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"}),
            NoReply());
  Run({"XGROUP", "DESTROY", "s", "g"});
  replies = TakeReplies(reader);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0],
            Err("NOGROUP the consumer group this client was blocked on no longer exists"));
}

TEST_F(StreamTest, BlockingReadInsideMultiAnswersAsATimeout) {
  EXPECT_EQ(Run({"MULTI"}), Ok());
  Run({"XREAD", "BLOCK", "0", "STREAMS", "s", "$"});
  EXPECT_EQ(Run({"EXEC"}), Arr({NilArray()}));
}

// Records what the server propagates.
class Recorder : public PropagationSink {
 public:
  void Feed(int, const std::vector<std::string_view>& args) override {
    commands.emplace_back(args.begin(), args.end());
  }
  std::vector<std::vector<std::string>> commands;
};

TEST_F(StreamTest, ReadgroupPropagatesAsXclaimAndXaddWithTheGeneratedId) {
  Recorder rec;
  server_->AddPropagationSink(&rec);
  SetWallUs(9'000'000);
  Run({"XADD", "s", "MAXLEN", "~", "10", "*", "f", "v"});
  Run({"XGROUP", "CREATE", "s", "g", "0"});
  Run({"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"});
  Run({"XREADGROUP", "GROUP", "g", "c", "NOACK", "STREAMS", "s", ">"});
  server_->RemovePropagationSink(&rec);
  std::vector<std::vector<std::string>> want = {
      {"XADD", "s", "MAXLEN", "=", "1", "9000-0", "f", "v"},
      {"XGROUP", "CREATE", "s", "g", "0"},
      {"XGROUP", "CREATECONSUMER", "s", "g", "c"},
      {"XCLAIM", "s", "g", "c", "0", "9000-0", "TIME", "9000", "RETRYCOUNT", "1", "FORCE",
       "JUSTID", "LASTID", "9000-0"},
  };
  // Propagation may wrap commands (SELECT first); compare the stream commands only.
  std::vector<std::vector<std::string>> got;
  for (auto& c : rec.commands) {
    if (c[0] != "SELECT" && c[0] != "select") got.push_back(c);
  }
  EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace redsim::testing
