// Unit tests of the stream family: ID generation (including a wall clock that goes backwards),
// blocks and trimming, consumer groups, blocking readers with two clients, propagation of
// XREADGROUP/XCLAIM effects, and the StreamObject layout itself.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/persistence/rdb_codec.h"
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
  EXPECT_EQ(Run({"XADD", "s", "1-1", "f"}),
            Err("ERR wrong number of arguments for 'xadd' command"));
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
  EXPECT_EQ(info.elements[9], Bulk("7-1"));   // max-deleted-entry-id
  EXPECT_EQ(info.elements[11], Int(10));      // entries-added
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
  EXPECT_EQ(Run({"XPENDING", "s", "g"}), Arr({Int(2), Bulk("1-1"), Bulk("2-1"),
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
  EXPECT_EQ(Run({"XPENDING", "s", "g"}),
            Arr({Int(1), Bulk("5-1"), Bulk("5-1"), Arr({Bulks({"c", "1"})})}));
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
      // No CREATECONSUMER, as in Redis: the XCLAIM creates the consumer on the replica.
      {"XCLAIM", "s", "g", "c", "0", "9000-0", "TIME", "9000", "RETRYCOUNT", "1", "FORCE", "JUSTID",
       "LASTID", "9000-0"},
  };
  // Propagation may wrap commands (SELECT first); compare the stream commands only.
  std::vector<std::vector<std::string>> got;
  for (auto& c : rec.commands) {
    if (c[0] != "SELECT" && c[0] != "select") got.push_back(c);
  }
  EXPECT_EQ(got, want);
}

// ---- RDB codec (DUMP payloads of Redis 7.0.15, captured with redis-cli DUMP) ----------------

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// XADD a 1-1 f v; XADD a 1-2 f 12; XADD a 2-0 x 1 y 2; XADD a 5-5 f "hello world"
constexpr std::string_view kRedisDumpA =
    "130110000000000000000100000000000000014051510000001d00040100010101816602000102010001000181"
    "760204010201000101010c01040100010101dfff0202018178020101817902020108010201040104018b68656c"
    "6c6f20776f726c640c0401ff0405050101000004000a003380d38a73d579f2";
// The same, then XDEL b 1-2; XGROUP CREATE b g 0; XREADGROUP GROUP g c1 COUNT 2 STREAMS b >;
// XGROUP CREATE b g2 $
constexpr std::string_view kRedisDumpB =
    "130110000000000000000100000000000000014051510000001d00030101010101816602000102010001000181"
    "760204010301000101010c01040100010101dfff0202018178020101817902020108010201040104018b68656c"
    "6c6f20776f726c640c0401ff0305050101010204020167020081ffffffffffffffff0200000000000000010000"
    "00000000000136e21603a2010000010000000000000002000000000000000036e21603a2010000010102633136"
    "e21603a2010000020000000000000001000000000000000100000000000000020000000000000000026732050581"
    "ffffffffffffffff00000a00c918c98d5925f2a2";

TEST_F(StreamTest, DumpOfAnAppendedStreamIsByteIdenticalToRedis) {
  Run({"XADD", "a", "1-1", "f", "v"});
  Run({"XADD", "a", "1-2", "f", "12"});
  Run({"XADD", "a", "2-0", "x", "1", "y", "2"});
  Run({"XADD", "a", "5-5", "f", "hello world"});
  DbEntry* e = server_->keyspace().Peek(client_->db, "a");
  ASSERT_NE(e, nullptr);
  std::string body;
  rdb::Encoder enc(&body);
  ASSERT_TRUE(rdb::SaveValue(e->value, enc));
  EXPECT_EQ(rdb::MakeDumpPayload(body), FromHex(kRedisDumpA));
}

TEST_F(StreamTest, RedisDumpWithGroupsLoads) {
  std::string payload = FromHex(kRedisDumpB);
  std::string_view body;
  ASSERT_TRUE(rdb::CheckDumpPayload(payload, &body));
  rdb::Decoder dec(body.substr(1));
  rdb::LoadContext lctx;
  lctx.config = &server_->config();
  Value v;
  ASSERT_TRUE(rdb::LoadValue(static_cast<uint8_t>(body[0]), dec, lctx, &v)) << dec.error();
  server_->keyspace().AddKey(client_->db, "b", std::move(v));
  EXPECT_EQ(Run({"XRANGE", "b", "-", "+", "COUNT", "2"}),
            Arr({Entry("1-1", {"f", "v"}), Entry("2-0", {"x", "1", "y", "2"})}));
  EXPECT_EQ(Run({"XPENDING", "b", "g"}),
            Arr({Int(2), Bulk("1-1"), Bulk("2-0"), Arr({Bulks({"c1", "2"})})}));
  EXPECT_EQ(Run({"XINFO", "GROUPS", "b"}),
            Arr({Arr({Bulk("name"), Bulk("g"), Bulk("consumers"), Int(1), Bulk("pending"), Int(2),
                      Bulk("last-delivered-id"), Bulk("2-0"), Bulk("entries-read"), Nil(),
                      Bulk("lag"), Nil()}),
                 Arr({Bulk("name"), Bulk("g2"), Bulk("consumers"), Int(0), Bulk("pending"), Int(0),
                      Bulk("last-delivered-id"), Bulk("5-5"), Bulk("entries-read"), Nil(),
                      Bulk("lag"), Int(0)})}));
  // And back: what redsim writes loads again to the same stream.
  std::string again;
  rdb::Encoder enc(&again);
  ASSERT_TRUE(rdb::SaveValue(server_->keyspace().Peek(client_->db, "b")->value, enc));
  rdb::Decoder dec2(std::string_view(again).substr(1));
  Value v2;
  ASSERT_TRUE(rdb::LoadValue(static_cast<uint8_t>(again[0]), dec2, lctx, &v2)) << dec2.error();
  EXPECT_EQ(v2.As<StreamObject>()->length(), 3u);
}

TEST_F(StreamTest, CorruptStreamPayloadsFailCleanly) {
  std::string payload = FromHex(kRedisDumpB);
  std::string_view body;
  ASSERT_TRUE(rdb::CheckDumpPayload(payload, &body));
  rdb::LoadContext lctx;
  lctx.config = &server_->config();
  // Every truncation fails; every single-byte change loads or fails, and never crashes.
  for (size_t cut = 1; cut < body.size(); cut++) {
    rdb::Decoder dec(body.substr(1, cut - 1));
    Value v;
    EXPECT_FALSE(rdb::LoadValue(static_cast<uint8_t>(body[0]), dec, lctx, &v)) << cut;
  }
  for (size_t i = 1; i < body.size(); i++) {
    for (int delta : {1, 0x7f, 0x80}) {
      std::string mutated(body);
      mutated[i] = static_cast<char>(mutated[i] + delta);
      rdb::Decoder dec(std::string_view(mutated).substr(1));
      Value v;
      if (rdb::LoadValue(static_cast<uint8_t>(mutated[0]), dec, lctx, &v)) {
        // Whatever loaded must be usable.
        auto* s = v.As<StreamObject>();
        s->Range(StreamId::Min(), StreamId::Max(), false,
                 [](const StreamObject::Entry&) { return true; });
      }
    }
  }
}

}  // namespace
}  // namespace redsim::testing
