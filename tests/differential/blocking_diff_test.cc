// Differential tests of the blocking list commands with several connections per server: the same
// script (which connection sends what, and when each connection's pending reply is looked for)
// runs on redis-server and redsim-server, and every reply, including whether a blocked client
// has been answered yet, must be equal.
//
// A connection that sent a blocking command is "pending" until its reply arrives. After each
// step the pending connections of both servers are polled; a reply that one server sent and the
// other did not is waited for a while longer before the difference counts, so scheduling delays
// do not make the test flaky, while a client wrongly served (or never served) still fails it.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/resp/resp_value.h"
#include "tests/support/differential.h"
#include "tests/support/resp_client.h"

namespace redsim::testing {
namespace {

// How long a reply one server sent may lag on the other before it counts as missing.
constexpr int kLagAllowanceMs = 1500;

// A raw connection that can send without reading and poll for a reply with a timeout.
class Conn {
 public:
  ~Conn() {
    if (fd_ >= 0) close(fd_);
  }
  bool Connect(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return false;
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return true;
  }
  void Send(const std::vector<Command>& cmds) {
    std::string bytes;
    for (const auto& c : cmds) bytes += RespClient::Encode(c);
    size_t sent = 0;
    while (sent < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<size_t>(n);
    }
  }
  // The next reply if one arrives within timeout_ms.
  std::optional<RespValue> TryRead(int timeout_ms) {
    while (true) {
      RespValue v;
      size_t used = 0;
      std::string error;
      if (!buffer_.empty() && ReplyParser::Parse(buffer_.data(), buffer_.size(), &v, &used,
                                                 &error) == ReplyParser::Result::kOk) {
        buffer_.erase(0, used);
        return v;
      }
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, timeout_ms) <= 0) return std::nullopt;
      char chunk[4096];
      ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
      if (n <= 0) return RespValue::Error("<connection closed>");
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }
  RespValue Read() {
    auto v = TryRead(5000);
    return v ? *v : RespValue::Error("<no reply within 5 s>");
  }

 private:
  int fd_ = -1;
  std::string buffer_;
};

// One server's side of a scenario: its connections and their client ids.
struct Side {
  std::vector<std::unique_ptr<Conn>> conns;
  std::vector<std::string> ids;
  std::vector<bool> pending;
};

enum class StepKind {
  kCall,      // send and wait for the reply
  kSend,      // send (a blocking command); its reply is looked for after each later step
  kPipeline,  // send several commands in one write, then read all their replies
  kWait,      // wait for every pending reply to arrive (timeouts), up to wait_ms
  kSetup,     // send and read the reply without comparing (replies that name the connection)
};

struct Step {
  StepKind kind;
  int conn = 0;
  std::vector<Command> cmds;  // "$ID<n>" in an argument becomes connection n's client id
  int wait_ms = 0;
};

Step Call(int conn, Command cmd) { return {StepKind::kCall, conn, {std::move(cmd)}, 0}; }
Step Send(int conn, Command cmd) { return {StepKind::kSend, conn, {std::move(cmd)}, 0}; }
Step Pipeline(int conn, std::vector<Command> cmds) {
  return {StepKind::kPipeline, conn, std::move(cmds), 0};
}
Step WaitAll(int ms) { return {StepKind::kWait, 0, {}, ms}; }
Step Unchecked(int conn, Command cmd) { return {StepKind::kSetup, conn, {std::move(cmd)}, 0}; }

class Scenario {
 public:
  explicit Scenario(DifferentialPair* pair) : pair_(pair) {}

  // Runs the steps on both servers; returns "" or a report of the first difference.
  std::string Run(int connections, const std::vector<Step>& steps) {
    pair_->Reset();
    if (!Open(pair_->redis_process().port(), connections, &redis_) ||
        !Open(pair_->redsim_process().port(), connections, &redsim_)) {
      return "could not open connections";
    }
    for (const Step& step : steps) {
      transcript_ += "  " + Describe(step) + "\n";
      std::string error = RunStep(step);
      if (!error.empty()) return error + "\nscript so far:\n" + transcript_;
    }
    return "";
  }

 private:
  static bool Open(int port, int n, Side* side) {
    for (int i = 0; i < n; i++) {
      auto c = std::make_unique<Conn>();
      if (!c->Connect(port)) return false;
      c->Send({{"CLIENT", "ID"}});
      side->ids.push_back(std::to_string(c->Read().integer));
      side->conns.push_back(std::move(c));
      side->pending.push_back(false);
    }
    return true;
  }

  static Command Substitute(const Command& cmd, const Side& side) {
    Command out = cmd;
    for (auto& a : out) {
      if (a.rfind("$ID", 0) == 0) a = side.ids[static_cast<size_t>(std::stoi(a.substr(3)))];
    }
    return out;
  }

  static std::string Describe(const Step& s) {
    std::string out;
    switch (s.kind) {
      case StepKind::kCall:
        out = "call";
        break;
      case StepKind::kSend:
        out = "send";
        break;
      case StepKind::kPipeline:
        out = "pipeline";
        break;
      case StepKind::kSetup:
        out = "setup";
        break;
      case StepKind::kWait:
        return "wait " + std::to_string(s.wait_ms) + " ms";
    }
    out += " conn" + std::to_string(s.conn) + ":";
    for (const auto& c : s.cmds) out += " " + FormatCommand(c) + ";";
    return out;
  }

  std::string Compare(const std::string& what, const RespValue& a, const RespValue& b) {
    transcript_ += "    " + what + " -> " + a.ToString() + "\n";
    if (a == b) return "";
    return "mismatch at " + what + "\n  redis:  " + a.ToString() + "\n  redsim: " + b.ToString();
  }

  std::string RunStep(const Step& step) {
    size_t c = static_cast<size_t>(step.conn);
    if (step.kind == StepKind::kWait) return PollPending(step.wait_ms);
    for (Side* side : {&redis_, &redsim_}) {
      std::vector<Command> cmds;
      for (const auto& cmd : step.cmds) cmds.push_back(Substitute(cmd, *side));
      side->conns[c]->Send(cmds);
    }
    if (step.kind == StepKind::kSend) {
      redis_.pending[c] = redsim_.pending[c] = true;
      return PollPending(0);
    }
    if (step.kind == StepKind::kSetup) {
      redis_.conns[c]->Read();
      redsim_.conns[c]->Read();
      return "";
    }
    for (size_t i = 0; i < step.cmds.size(); i++) {
      std::string e = Compare("conn" + std::to_string(c) + " " + FormatCommand(step.cmds[i]),
                              redis_.conns[c]->Read(), redsim_.conns[c]->Read());
      if (!e.empty()) return e;
    }
    return PollPending(0);
  }

  // Looks for replies of pending connections; a reply present on one server only is waited
  // for on the other before it counts as a difference.
  std::string PollPending(int wait_ms) {
    for (size_t c = 0; c < redis_.conns.size(); c++) {
      if (!redis_.pending[c]) continue;
      int first_wait = wait_ms > 0 ? wait_ms : 20;
      auto a = redis_.conns[c]->TryRead(first_wait);
      auto b = redsim_.conns[c]->TryRead(a ? kLagAllowanceMs : first_wait);
      if (b && !a) a = redis_.conns[c]->TryRead(kLagAllowanceMs);
      std::string what = "pending reply of conn" + std::to_string(c);
      if (!a && !b) continue;
      if (!a || !b) {
        return Compare(what, a ? *a : RespValue::Simple("<still blocked>"),
                       b ? *b : RespValue::Simple("<still blocked>"));
      }
      redis_.pending[c] = redsim_.pending[c] = false;
      std::string e = Compare(what, *a, *b);
      if (!e.empty()) return e;
    }
    return "";
  }

  DifferentialPair* pair_;
  Side redis_;
  Side redsim_;
  std::string transcript_;
};

class BlockingDifferential : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
    pair_ = DifferentialPair::Get();
    ASSERT_NE(pair_, nullptr) << "could not start redis-server and redsim-server";
  }
  void Check(int connections, const std::vector<Step>& steps) {
    Scenario s(pair_);
    std::string error = s.Run(connections, steps);
    EXPECT_EQ(error, "");
  }
  DifferentialPair* pair_ = nullptr;
};

TEST_F(BlockingDifferential, PushWakesTheBlockedClient) {
  Check(2, {Send(0, {"BLPOP", "k", "0"}), Call(1, {"RPUSH", "k", "a", "b"}),
            Call(1, {"LRANGE", "k", "0", "-1"})});
}

TEST_F(BlockingDifferential, FirstBlockedFirstServedAcrossCommands) {
  Check(4, {Send(0, {"BRPOP", "k", "0"}),
            Send(1, {"BLMPOP", "0", "2", "x", "k", "LEFT", "COUNT", "2"}),
            Send(2, {"BLPOP", "k", "0"}), Call(3, {"RPUSH", "k", "1", "2", "3", "4"}),
            Call(3, {"LPUSH", "k", "5"}), Call(3, {"LRANGE", "k", "0", "-1"})});
}

TEST_F(BlockingDifferential, TransactionPushesWakeAtExecFromTheFirstReadyKey) {
  Check(2,
        {Send(0, {"BLPOP", "k1", "k2", "0"}), Call(1, {"MULTI"}), Call(1, {"RPUSH", "k2", "x"}),
         Call(1, {"RPUSH", "k1", "y"}), Call(1, {"EXEC"}), Call(1, {"LRANGE", "k1", "0", "-1"})});
  Check(2, {Send(0, {"BLMPOP", "0", "2", "k1", "k2", "RIGHT", "COUNT", "5"}), Call(1, {"MULTI"}),
            Call(1, {"RPUSH", "k2", "x", "y"}), Call(1, {"RPUSH", "k1", "z"}), Call(1, {"EXEC"})});
}

TEST_F(BlockingDifferential, KeyDeletedOrRetypedWhileWaiting) {
  Check(2,
        {Send(0, {"BLPOP", "k", "0"}), Call(1, {"SET", "k", "string"}), Call(1, {"DEL", "k"}),
         Call(1, {"MULTI"}), Call(1, {"RPUSH", "k", "a"}), Call(1, {"DEL", "k"}), Call(1, {"EXEC"}),
         Call(1, {"MULTI"}), Call(1, {"RPUSH", "k", "a"}), Call(1, {"SET", "k", "s"}),
         Call(1, {"EXEC"}), Call(1, {"DEL", "k"}), Call(1, {"LPUSH", "k", "finally"})});
  Check(2, {Send(0, {"BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"}), Call(1, {"MULTI"}),
            Call(1, {"RPUSH", "src", "a"}), Call(1, {"DEL", "src"}), Call(1, {"SET", "src", "x"}),
            Call(1, {"EXEC"}), Call(1, {"DEL", "src"}), Call(1, {"RPUSH", "src", "b"})});
}

TEST_F(BlockingDifferential, BlmoveDestinationOfAnotherTypeAnswersWrongType) {
  Check(2, {Send(0, {"BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"}), Call(1, {"SET", "dst", "s"}),
            Call(1, {"RPUSH", "src", "a"}), Call(1, {"LRANGE", "src", "0", "-1"})});
  Check(2, {Send(0, {"BRPOPLPUSH", "src", "dst", "0"}), Call(1, {"MULTI"}),
            Call(1, {"RPUSH", "src", "a"}), Call(1, {"SET", "dst", "x"}), Call(1, {"EXEC"}),
            Call(1, {"LRANGE", "src", "0", "-1"})});
}

TEST_F(BlockingDifferential, BlmoveChainsAndRotation) {
  Check(3, {Send(0, {"BLPOP", "dst", "0"}), Send(1, {"BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"}),
            Call(2, {"RPUSH", "src", "x"}), Call(2, {"EXISTS", "src", "dst"})});
  Check(2, {Send(0, {"BLMOVE", "src", "src", "LEFT", "RIGHT", "0"}),
            Call(1, {"RPUSH", "src", "a", "b"}), Call(1, {"LRANGE", "src", "0", "-1"})});
}

TEST_F(BlockingDifferential, PipelinedPopLosesToTheBlockedClient) {
  Check(2, {Send(0, {"BLPOP", "k", "0"}), Pipeline(1, {{"RPUSH", "k", "a"},
                                                       {"LPOP", "k"},
                                                       {"RPUSH", "k", "b", "c"},
                                                       {"LRANGE", "k", "0", "-1"}})});
}

TEST_F(BlockingDifferential, BlockedClientsOwnPipelineContinuesAfterService) {
  Check(2, {Pipeline(0, {{"SET", "x", "1"}}), Send(0, {"BLPOP", "k", "0"}),
            Call(1, {"RPUSH", "k", "a"})});
  // The blocked client's following commands wait behind the blocking one.
  Check(2, {Send(0, {"BLPOP", "k", "0"}), Send(0, {"INCR", "counter"}), Call(1, {"GET", "counter"}),
            Call(1, {"RPUSH", "k", "a"}), WaitAll(500), Call(1, {"GET", "counter"})});
}

TEST_F(BlockingDifferential, TimeoutsAndTheirReplies) {
  Check(1, {Send(0, {"BLPOP", "k", "0.2"}), WaitAll(3000),
            Send(0, {"BLMOVE", "k", "d", "LEFT", "LEFT", "0.05"}), WaitAll(3000),
            Send(0, {"BRPOPLPUSH", "k", "d", "0.0001"}), WaitAll(3000),
            Send(0, {"BLMPOP", "0.1", "1", "k", "LEFT"}), WaitAll(3000),
            Call(0, {"BLPOP", "k", "-1"}), Call(0, {"BLPOP", "k", "x"}),
            Call(0, {"BLPOP", "k", "inf"}), Call(0, {"BLPOP", "k", "-0.0011"}),
            Call(0, {"BLPOP", "k", "1e20"}), Call(0, {"BLMOVE", "a", "b", "UP", "LEFT", "x"}),
            Call(0, {"BLMPOP", "x", "0", "k", "LEFT"})});
  // In RESP3 a timeout is a null.
  Check(1, {Unchecked(0, {"HELLO", "3"}), Send(0, {"BLPOP", "k", "0.05"}), WaitAll(3000),
            Send(0, {"BLMOVE", "k", "d", "LEFT", "LEFT", "0.05"}), WaitAll(3000)});
}

TEST_F(BlockingDifferential, ClientUnblock) {
  Check(
      2,
      {Send(0, {"BLPOP", "k", "0"}), Call(1, {"CLIENT", "UNBLOCK", "$ID0"}),
       Call(1, {"CLIENT", "UNBLOCK", "$ID0"}), Send(0, {"BLMOVE", "k", "d", "LEFT", "LEFT", "0"}),
       Call(1, {"CLIENT", "UNBLOCK", "$ID0", "TIMEOUT"}),
       Send(0, {"BLMPOP", "0", "1", "k", "LEFT"}), Call(1, {"CLIENT", "UNBLOCK", "$ID0", "ERROR"}),
       Send(0, {"BRPOPLPUSH", "k", "d", "0"}), Call(1, {"CLIENT", "UNBLOCK", "$ID0", "FOO"}),
       Call(1, {"CLIENT", "UNBLOCK", "$ID0", "ERROR"}), Call(1, {"CLIENT", "UNBLOCK", "$ID1"})});
}

TEST_F(BlockingDifferential, DatabasesAreSeparate) {
  Check(2, {Call(0, {"SELECT", "1"}), Send(0, {"BLPOP", "k", "0"}), Call(1, {"RPUSH", "k", "db0"}),
            Call(1, {"SELECT", "1"}), Call(1, {"RPUSH", "k", "db1"}),
            Call(1, {"LRANGE", "k", "0", "-1"})});
}

// ---- Random interleavings -------------------------------------------------------------------

rc::Gen<std::string> GenKey() { return rc::gen::element<std::string>("k1", "k2", "k3"); }

rc::Gen<Command> GenBlocking() {
  return rc::gen::oneOf(rc::gen::map(GenKey(),
                                     [](std::string k) {
                                       return Command{"BLPOP", k, "0"};
                                     }),
                        rc::gen::apply(
                            [](std::string a, std::string b) {
                              return Command{"BRPOP", a, b, "0"};
                            },
                            GenKey(), GenKey()),
                        rc::gen::apply(
                            [](std::string a, std::string b, bool left) {
                              return Command{"BLMOVE", a, b, left ? "LEFT" : "RIGHT", "LEFT", "0"};
                            },
                            GenKey(), GenKey(), rc::gen::arbitrary<bool>()),
                        rc::gen::apply(
                            [](std::string a, std::string b) {
                              return Command{"BRPOPLPUSH", a, b, "0"};
                            },
                            GenKey(), GenKey()),
                        rc::gen::apply(
                            [](std::string a, std::string b, int count) {
                              return Command{"BLMPOP", "0",    "2",     a,
                                             b,        "LEFT", "COUNT", std::to_string(count)};
                            },
                            GenKey(), GenKey(), rc::gen::inRange(1, 3)));
}

rc::Gen<std::vector<Command>> GenOther() {
  auto one = [](rc::Gen<Command> g) {
    return rc::gen::map(g, [](Command c) { return std::vector<Command>{c}; });
  };
  auto push = rc::gen::apply(
      [](bool left, std::string k, int n) {
        Command c{left ? "LPUSH" : "RPUSH", k};
        for (int i = 0; i < n; i++) c.push_back("v" + std::to_string(i));
        return c;
      },
      rc::gen::arbitrary<bool>(), GenKey(), rc::gen::inRange(1, 4));
  // Inside a transaction the key may also be deleted or given another type after a push, so
  // the key is ready but holds no list when blocked clients are served.
  auto in_multi = rc::gen::weightedOneOf<Command>({{4, push},
                                                   {1, rc::gen::map(GenKey(),
                                                                    [](std::string k) {
                                                                      return Command{"DEL", k};
                                                                    })},
                                                   {1, rc::gen::map(GenKey(), [](std::string k) {
                                                      return Command{"SET", k, "str"};
                                                    })}});
  return rc::gen::weightedOneOf<std::vector<Command>>({
      {6, one(push)},
      {2, one(rc::gen::map(GenKey(),
                           [](std::string k) {
                             return Command{"RPOP", k};
                           }))},
      {1, one(rc::gen::map(GenKey(),
                           [](std::string k) {
                             return Command{"DEL", k};
                           }))},
      {1, one(rc::gen::map(GenKey(),
                           [](std::string k) {
                             return Command{"SET", k, "str"};
                           }))},
      {2, one(rc::gen::map(GenKey(),
                           [](std::string k) {
                             return Command{"LRANGE", k, "0", "-1"};
                           }))},
      {2, rc::gen::mapcat(rc::gen::inRange(1, 4),
                          [in_multi](int n) {
                            return rc::gen::map(
                                rc::gen::container<std::vector<Command>>(n, in_multi),
                                [](std::vector<Command> body) {
                                  body.insert(body.begin(), Command{"MULTI"});
                                  body.push_back({"EXEC"});
                                  return body;
                                });
                          })},
      {1, one(rc::gen::map(rc::gen::inRange(0, 3),
                           [](int c) {
                             return Command{"CLIENT", "UNBLOCK", "$ID" + std::to_string(c)};
                           }))},
  });
}

// ---- Streams: XREAD and XREADGROUP waiting for entries ----------------------------------------

TEST_F(BlockingDifferential, StreamXreadWokenByXadd) {
  Check(3, {Call(2, {"XADD", "s", "1-1", "f", "old"}),
            Send(0, {"XREAD", "BLOCK", "0", "STREAMS", "s", "$"}),
            Send(1, {"XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "t", "s", "0-0", "1-1"}),
            Call(2, {"XADD", "s", "2-1", "f", "a"}), Call(2, {"XADD", "s", "3-1", "f", "b"}),
            Call(2, {"XLEN", "s"})});
  // A transaction adding twice wakes the reader once with both entries.
  Check(2, {Send(0, {"XREAD", "BLOCK", "0", "STREAMS", "s", "$"}), Call(1, {"MULTI"}),
            Call(1, {"XADD", "s", "1-1", "f", "v"}), Call(1, {"XADD", "s", "1-2", "f", "w"}),
            Call(1, {"EXEC"})});
}

TEST_F(BlockingDifferential, StreamXreadgroupServedInTurnAndPending) {
  Check(4,
        {Call(3, {"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"}),
         Send(0, {"XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">"}),
         Send(1,
              {"XREADGROUP", "GROUP", "g", "bob", "COUNT", "1", "BLOCK", "0", "STREAMS", "s", ">"}),
         Send(2, {"XREADGROUP", "GROUP", "g", "carol", "NOACK", "BLOCK", "0", "STREAMS", "s", ">"}),
         Call(3, {"XADD", "s", "1-1", "f", "a"}), Call(3, {"XADD", "s", "2-1", "f", "b"}),
         Call(3, {"XADD", "s", "3-1", "f", "c"}), Call(3, {"XPENDING", "s", "g"}),
         Call(3, {"XINFO", "GROUPS", "s"})});
}

TEST_F(BlockingDifferential, StreamReadersWhenTheStreamOrGroupGoes) {
  Check(3, {Call(2, {"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"}),
            Send(0, {"XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"}),
            Send(1, {"XREAD", "BLOCK", "0", "STREAMS", "s", "$"}), Call(2, {"DEL", "s"}),
            Call(2, {"SET", "s", "x"}), Call(2, {"DEL", "s"}),
            Call(2, {"XADD", "s", "5-1", "f", "v"})});
  Check(2, {Call(1, {"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"}),
            Send(0, {"XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"}),
            Call(1, {"XGROUP", "DESTROY", "s", "g"})});
  Check(2, {Call(1, {"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"}),
            Send(0, {"XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"}),
            Call(1, {"SET", "s", "x"})});
}

TEST_F(BlockingDifferential, StreamReadTimeoutsAndTransactions) {
  Check(1, {Send(0, {"XREAD", "BLOCK", "100", "STREAMS", "s", "$"}), WaitAll(3000),
            Call(0, {"XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"}),
            Send(0, {"XREADGROUP", "GROUP", "g", "c", "BLOCK", "50", "STREAMS", "s", ">"}),
            WaitAll(3000), Call(0, {"XREAD", "BLOCK", "-1", "STREAMS", "s", "$"}),
            Call(0, {"XREAD", "BLOCK", "x", "STREAMS", "s", "$"}), Call(0, {"MULTI"}),
            Call(0, {"XREAD", "BLOCK", "0", "STREAMS", "s", "$"}),
            Call(0, {"XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"}),
            Call(0, {"EXEC"})});
  Check(1, {Unchecked(0, {"HELLO", "3"}), Send(0, {"XREAD", "BLOCK", "50", "STREAMS", "s", "$"}),
            WaitAll(3000), Call(0, {"XADD", "s", "1-1", "f", "v"}),
            Call(0, {"XREAD", "STREAMS", "s", "0"})});
}

TEST_F(BlockingDifferential, RandomInterleavingsMatchRedis) {
  DifferentialPair* pair = pair_;
  bool ok = rc::check("blocking commands interleaved over three connections", [pair] {
    const int kConns = 3;
    std::vector<bool> blocked(kConns, false);
    std::vector<Step> steps;
    int n = *rc::gen::inRange(1, 16);
    for (int i = 0; i < n; i++) {
      int c = *rc::gen::inRange(0, kConns);
      if (!blocked[static_cast<size_t>(c)] && *rc::gen::inRange(0, 3) == 0) {
        steps.push_back(Send(c, *GenBlocking()));
        blocked[static_cast<size_t>(c)] = true;  // may be answered at once: then it only sent
      } else {
        // A connection that may be blocked cannot send; another one acts.
        for (int t = 0; t < kConns && blocked[static_cast<size_t>(c)]; t++) c = (c + 1) % kConns;
        if (blocked[static_cast<size_t>(c)]) break;
        for (const Command& cmd : *GenOther()) steps.push_back(Call(c, cmd));
      }
    }
    Scenario s(pair);
    std::string error = s.Run(kConns, steps);
    RC_ASSERT(error == "");
  });
  EXPECT_TRUE(ok);
}

}  // namespace
}  // namespace redsim::testing
