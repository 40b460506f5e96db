#include "tests/support/engine_test.h"

namespace redsim::testing {
namespace {

class StringTest : public EngineTest {};

TEST_F(StringTest, SetGet) {
  EXPECT_EQ(Run({"SET", "k", "v"}), Ok());
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v"));
  EXPECT_EQ(Run({"GET", "missing"}), Nil());
}

TEST_F(StringTest, SetOptions) {
  EXPECT_EQ(Run({"SET", "k", "v", "NX"}), Ok());
  EXPECT_EQ(Run({"SET", "k", "w", "NX"}), Nil());
  EXPECT_EQ(Run({"SET", "k", "w", "XX", "GET"}), Bulk("v"));
  EXPECT_EQ(Run({"SET", "k", "w", "NX", "XX"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SET", "k", "w", "EX", "0"}), Err("ERR invalid expire time in 'set' command"));
  EXPECT_EQ(Run({"SET", "k", "w", "EX", "x"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"SET", "k", "w", "EX", "10", "PX", "10"}), Err("ERR syntax error"));
}

TEST_F(StringTest, ExpiryIsLazyAndActive) {
  EXPECT_EQ(Run({"SET", "k", "v", "PX", "100"}), Ok());
  EXPECT_EQ(Run({"PTTL", "k"}), Int(100));
  AdvanceMs(101);
  EXPECT_EQ(Run({"GET", "k"}), Nil());
  // Active expiry removes keys nobody reads.
  for (int i = 0; i < 100; i++) Run({"SET", "v" + std::to_string(i), "x", "PX", "50"});
  EXPECT_EQ(Run({"DBSIZE"}), Int(100));
  AdvanceMs(2000);
  EXPECT_EQ(Run({"DBSIZE"}), Int(0));
}

TEST_F(StringTest, Counters) {
  EXPECT_EQ(Run({"INCR", "n"}), Int(1));
  EXPECT_EQ(Run({"INCRBY", "n", "41"}), Int(42));
  EXPECT_EQ(Run({"DECRBY", "n", "2"}), Int(40));
  EXPECT_EQ(Run({"SET", "n", "9223372036854775807"}), Ok());
  EXPECT_EQ(Run({"INCR", "n"}), Err("ERR increment or decrement would overflow"));
  EXPECT_EQ(Run({"SET", "s", "abc"}), Ok());
  EXPECT_EQ(Run({"INCR", "s"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "f", "10.5"}), Bulk("10.5"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "f", "0.1"}), Bulk("10.6"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "n"}), Bulk("int"));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "s"}), Bulk("embstr"));
}

TEST_F(StringTest, Ranges) {
  EXPECT_EQ(Run({"SET", "k", "Hello World"}), Ok());
  EXPECT_EQ(Run({"GETRANGE", "k", "0", "4"}), Bulk("Hello"));
  EXPECT_EQ(Run({"GETRANGE", "k", "-5", "-1"}), Bulk("World"));
  EXPECT_EQ(Run({"SETRANGE", "k", "6", "Redis"}), Int(11));
  EXPECT_EQ(Run({"GET", "k"}), Bulk("Hello Redis"));
  EXPECT_EQ(Run({"SETRANGE", "z", "3", "x"}), Int(4));
  EXPECT_EQ(Run({"GET", "z"}), Bulk(std::string("\0\0\0x", 4)));
  EXPECT_EQ(Run({"APPEND", "k", "!"}), Int(12));
  EXPECT_EQ(Run({"OBJECT", "ENCODING", "k"}), Bulk("raw"));
}

TEST_F(StringTest, Lcs) {
  Run({"MSET", "a", "ohmytext", "b", "mynewtext"});
  EXPECT_EQ(Run({"LCS", "a", "b"}), Bulk("mytext"));
  EXPECT_EQ(Run({"LCS", "a", "b", "LEN"}), Int(6));
}

TEST_F(StringTest, WrongTypeAndArity) {
  EXPECT_EQ(Run({"GET"}), Err("ERR wrong number of arguments for 'get' command"));
  EXPECT_EQ(Run({"NOSUCH", "a"}),
            Err("ERR unknown command 'NOSUCH', with args beginning with: 'a' "));
}

TEST_F(StringTest, MultiExecAndWatch) {
  EXPECT_EQ(Run({"MULTI"}), Ok());
  EXPECT_EQ(Run({"SET", "a", "1"}), Status("QUEUED"));
  EXPECT_EQ(Run({"INCR", "a"}), Status("QUEUED"));
  EXPECT_EQ(Run({"EXEC"}), Arr({Ok(), Int(2)}));
  Client* other = NewClient();
  EXPECT_EQ(Run({"WATCH", "a"}), Ok());
  EXPECT_EQ(Run(other, {"SET", "a", "x"}), Ok());
  EXPECT_EQ(Run({"MULTI"}), Ok());
  EXPECT_EQ(Run({"GET", "a"}), Status("QUEUED"));
  EXPECT_EQ(Run({"EXEC"}), NilArray());
  EXPECT_EQ(Run({"MULTI"}), Ok());
  EXPECT_EQ(Run({"NOSUCH"}).is_error(), true);
  EXPECT_EQ(Run({"EXEC"}), Err("EXECABORT Transaction discarded because of previous errors."));
}

}  // namespace
}  // namespace redsim::testing
