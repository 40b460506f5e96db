// redsim-server driven by real clients: redis-cli (one-shot, --pipe, -r, and interactive with
// its command hints, through a tmux pane), redis-benchmark, and redis-py. Plus real-mode checks
// that need a real clock and sockets: keys nobody reads expire, and random bytes on some
// connections never crash the server or disturb the others.
#include <gtest/gtest.h>

#include <random>

#include "tests/integration/integration_util.h"

namespace redsim::testing {
namespace {

class ClientsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = ServerProcess::Start(ServerProcess::Kind::kRedsim);
    ASSERT_NE(server_, nullptr);
    port_ = std::to_string(server_->port());
    cli_ = "redis-cli -p " + port_ + " ";
  }
  std::unique_ptr<ServerProcess> server_;
  std::string port_;
  std::string cli_;
};

TEST_F(ClientsTest, RedisCliOneShotCommands) {
  EXPECT_EQ(Shell(cli_ + "SET greeting hello").output, "OK\n");
  EXPECT_EQ(Shell(cli_ + "GET greeting").output, "hello\n");
  EXPECT_EQ(Shell(cli_ + "INCRBY n 41").output, "41\n");
  EXPECT_EQ(Shell(cli_ + "--no-raw INCR n").output, "(integer) 42\n");
  EXPECT_EQ(Shell(cli_ + "--no-raw GET missing").output, "(nil)\n");
  EXPECT_EQ(Shell(cli_ + "--no-raw MGET greeting n").output, "1) \"hello\"\n2) \"42\"\n");
  EXPECT_EQ(Shell(cli_ + "--no-raw INCR greeting").output,
            "(error) ERR value is not an integer or out of range\n");
  EXPECT_EQ(Shell(cli_ + "-3 --no-raw HELLO 3 | head -1").output, "1# \"server\" => \"redis\"\n");
  EXPECT_EQ(
      Shell(cli_ + "-n 2 SET only-in-2 x && " + cli_ + "-n 2 DBSIZE && " + cli_ + "DBSIZE").output,
      "OK\n1\n2\n");
}

TEST_F(ClientsTest, RedisCliPipeMode) {
  std::string file = server_->dir() + "/pipe.txt";
  std::string data;
  for (int i = 0; i < 10000; i++) {
    std::string k = "key:" + std::to_string(i), v = "value:" + std::to_string(i);
    data += "*3\r\n$3\r\nSET\r\n$" + std::to_string(k.size()) + "\r\n" + k + "\r\n$" +
            std::to_string(v.size()) + "\r\n" + v + "\r\n";
  }
  data += "INCR counter\r\n";  // inline commands work in pipe mode too
  WriteFile(file, data);
  CommandResult r = Shell(cli_ + "--pipe < " + file);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(Contains(r.output, "errors: 0, replies: 10001")) << r.output;
  EXPECT_EQ(Shell(cli_ + "DBSIZE").output, "10001\n");
  EXPECT_EQ(Shell(cli_ + "GET key:9999").output, "value:9999\n");
}

TEST_F(ClientsTest, RedisCliRepeat) {
  CommandResult r = Shell(cli_ + "-r 100 INCR counter | tail -1");
  EXPECT_EQ(r.output, "100\n");
  EXPECT_EQ(Shell(cli_ + "-r 3 -i 0.01 PING").output, "PONG\nPONG\nPONG\n");
  // Reading arguments from stdin (-x) for the last argument.
  EXPECT_EQ(Shell("printf payload | " + cli_ + "-x SET blob && " + cli_ + "GET blob").output,
            "OK\npayload\n");
}

// Starts an interactive redis-cli in a tmux pane and, for each entry of `inputs`, sends its
// keys and records the line the cursor is on (the prompt, what was typed, and redis-cli's hint),
// then clears the line with Ctrl-U. Entries ending in " Enter" run the command; their record
// is the whole screen.
std::vector<std::string> InteractiveLines(int port, const std::string& socket_name,
                                          const std::vector<std::string>& inputs) {
  std::string tmux = "tmux -L " + socket_name + " ";
  Shell(tmux + "new-session -d -s cli -x 220 -y 40 \"redis-cli -p " + std::to_string(port) + "\"");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::vector<std::string> lines;
  for (const auto& keys : inputs) {
    Shell(tmux + "send-keys -t cli " + keys);
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    std::string screen = Shell(tmux + "capture-pane -t cli -p").output;
    if (keys.size() > 6 && keys.compare(keys.size() - 6, 6, " Enter") == 0) {
      lines.push_back(screen);
      continue;
    }
    // The last non-empty line is the one being edited.
    size_t end = screen.find_last_not_of("\n ");
    size_t start = screen.rfind('\n', end);
    lines.push_back(screen.substr(start == std::string::npos ? 0 : start + 1,
                                  end == std::string::npos ? 0 : end - start));
    Shell(tmux + "send-keys -t cli C-u");
  }
  Shell(tmux + "kill-server");
  return lines;
}

TEST_F(ClientsTest, RedisCliInteractiveWithHints) {
  if (Shell("command -v tmux").exit_code != 0) GTEST_SKIP() << "tmux not installed";
  std::string sock = "redsim-it-" + std::to_string(getpid());
  // Commands typed and run, then hints for half-typed commands, which redis-cli builds from
  // the COMMAND DOCS reply it asks for at startup.
  const std::vector<std::string> inputs = {
      "\"SET mykey 7\" Enter", "\"INCR mykey\" Enter", "\"GETEX mykey \"", "\"SET k v \"",
      "\"CLIENT KILL \"",      "\"LCS a b \"",         "\"EXPIRE k 10 \"", "\"SCAN 0 \"",
      "\"CONFIG SET \"",       "\"SHUTDOWN \"",        "\"COPY a b \"",    "\"HELLO \""};
  std::vector<std::string> ours = InteractiveLines(server_->port(), sock, inputs);
  ASSERT_EQ(ours.size(), inputs.size());
  EXPECT_TRUE(Contains(ours[1], "(integer) 8")) << ours[1];
  EXPECT_TRUE(Contains(ours[2],
                       "GETEX mykey [EX seconds|PX milliseconds|EXAT "
                       "unix-time-seconds|PXAT unix-time-milliseconds|PERSIST]"))
      << ours[2];
  // The same hints as against the real Redis.
  if (!ServerProcess::RedisAvailable()) return;
  auto redis = ServerProcess::Start(ServerProcess::Kind::kRedis);
  ASSERT_NE(redis, nullptr);
  std::vector<std::string> theirs = InteractiveLines(redis->port(), sock + "r", inputs);
  ASSERT_EQ(theirs.size(), inputs.size());
  // Drop the prompt (it names the port) and compare the rest of the line.
  auto hint = [](const std::string& s) { return s.substr(s.find('>') + 1); };
  for (size_t i = 2; i < inputs.size(); i++) {
    EXPECT_EQ(hint(ours[i]), hint(theirs[i])) << inputs[i];
  }
}

TEST_F(ClientsTest, RedisBenchmarkStrings) {
  CommandResult r = Shell(
      "redis-benchmark -p " + port_ + " -q -n 10000 -c 20 -t set,get,incr,mset,ping --csv", 120);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* test : {"\"SET\"", "\"GET\"", "\"INCR\"", "\"MSET (10 keys)\"",
                           "\"PING_INLINE\"", "\"PING_MBULK\""}) {
    EXPECT_TRUE(Contains(r.output, test)) << test << "\n" << r.output;
  }
  EXPECT_FALSE(Contains(r.output, "ERR")) << r.output;
  // Pipelined and with random keys.
  r = Shell("redis-benchmark -p " + port_ + " -q -n 10000 -P 16 -r 1000 -t set,get --csv", 120);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(Contains(r.output, "\"SET\"")) << r.output;
}

TEST_F(ClientsTest, RedisPy) {
  std::string script = std::string(REDSIM_SOURCE_DIR) + "/tests/integration/redis_py_check.py";
  CommandResult r = Shell("/usr/bin/python3 " + script + " " + port_, 120);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(Contains(r.output, "redis-py: all checks passed")) << r.output;
}

// A real clock and a real cron: keys that nobody reads disappear on their own.
TEST_F(ClientsTest, ActiveExpiryInRealMode) {
  RespClient c;
  ASSERT_TRUE(c.Connect(server_->port()));
  for (int i = 0; i < 200; i++) c.Call({"SET", "tmp:" + std::to_string(i), "x", "PX", "100"});
  c.Call({"SET", "stays", "x"});
  EXPECT_EQ(c.Call({"DBSIZE"}).integer, 201);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  // DBSIZE does not look keys up: only the active cycle can have removed them.
  EXPECT_EQ(c.Call({"DBSIZE"}).integer, 1);
  EXPECT_TRUE(Contains(c.Call({"INFO", "stats"}).str, "expired_keys:200\r\n"));
}

TEST_F(ClientsTest, RandomBytesNeverCrashTheServer) {
  RespClient good;
  ASSERT_TRUE(good.Connect(server_->port()));
  ASSERT_EQ(good.Call({"SET", "mine", "42"}).str, "OK");
  std::mt19937_64 rng(12345);
  for (int round = 0; round < 200; round++) {
    RespClient bad;
    ASSERT_TRUE(bad.Connect(server_->port()));
    std::string bytes;
    size_t n = rng() % 4096;
    for (size_t i = 0; i < n; i++) bytes.push_back(static_cast<char>(rng()));
    // Half the rounds start like a real request to reach the deeper parser states.
    if (round % 2 == 0) bytes = "*3\r\n$3\r\nSET\r\n$" + bytes;
    bad.SendRaw(bytes);
    if (round % 10 == 0) {
      ASSERT_EQ(good.Call({"GET", "mine"}).str, "42") << "round " << round;
    }
  }
  EXPECT_TRUE(server_->Alive());
  EXPECT_EQ(good.Call({"PING"}).str, "PONG");
  EXPECT_EQ(good.Call({"GET", "mine"}).str, "42");
}

}  // namespace
}  // namespace redsim::testing
