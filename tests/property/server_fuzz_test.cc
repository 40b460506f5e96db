// Arbitrary bytes on one connection of an in-process server never crash it and never disturb
// another connection: the bad connection gets Redis's protocol error and is closed (or its bytes
// happen to be commands, which run), and the good one keeps its state and its replies.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <deque>
#include <memory>
#include <string>

#include "engine/server/server.h"
#include "tests/support/manual_env.h"

namespace redsim {
namespace {

// A Stream fed by the test: bytes queued with Deliver() are handed to the server in reads of at
// most `read_size` bytes; what the server writes accumulates in `written`.
class FakeStream : public Stream {
 public:
  struct State {
    std::deque<std::string> inbound;
    std::string written;
    bool closed = false;
    StreamHandler* handler = nullptr;
    size_t read_size = 16 * 1024;
  };
  explicit FakeStream(std::shared_ptr<State> s) : s_(std::move(s)) {}
  ~FakeStream() override { Close(); }
  void SetHandler(StreamHandler* h) override { s_->handler = h; }
  IoResult Read(char* buffer, size_t capacity) override {
    if (s_->closed) return IoResult::Error("closed");
    if (s_->inbound.empty()) return IoResult::WouldBlock();
    std::string& front = s_->inbound.front();
    size_t n = std::min({capacity, front.size(), s_->read_size});
    memcpy(buffer, front.data(), n);
    front.erase(0, n);
    if (front.empty()) s_->inbound.pop_front();
    return IoResult::Ok(n);
  }
  IoResult Write(const char* data, size_t size) override {
    if (s_->closed) return IoResult::Error("closed");
    s_->written.append(data, size);
    return IoResult::Ok(size);
  }
  void Close() override {
    s_->closed = true;
    s_->handler = nullptr;
  }
  std::string PeerAddress() const override { return "127.0.0.1:1"; }
  std::string LocalAddress() const override { return "127.0.0.1:6379"; }

 private:
  std::shared_ptr<State> s_;
};

class Harness {
 public:
  Harness() {
    Server::Options options;
    options.env = &env_;
    server_ = std::make_unique<Server>(std::move(options));
    server_->Start();
  }
  std::shared_ptr<FakeStream::State> Connect() {
    auto state = std::make_shared<FakeStream::State>();
    server_->OnAccept(std::make_unique<FakeStream>(state));
    return state;
  }
  // Delivers bytes and lets the server read and answer everything it can.
  void Send(const std::shared_ptr<FakeStream::State>& s, const std::string& bytes) {
    s->inbound.push_back(bytes);
    for (int i = 0; i < 100000 && s->handler != nullptr && !s->inbound.empty(); i++) {
      s->handler->OnReadable();
      env_.Drain();
    }
    env_.Drain();
  }
  Server& server() { return *server_; }
  testing::ManualEnv& env() { return env_; }

 private:
  testing::ManualEnv env_;
  std::unique_ptr<Server> server_;
};

rc::Gen<std::string> GenGarbage() {
  return rc::gen::oneOf(
      rc::gen::string<std::string>(),
      rc::gen::element<std::string>("*1\r\n$-5\r\n", "*abc\r\n", "$3\r\nfoo\r\n", "*1\r\nx\r\n",
                                    "\"unbalanced\r\n", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n",
                                    "*1\r\n$999999\r\n", std::string(70000, 'z')),
      rc::gen::map(rc::gen::string<std::string>(), [](std::string s) { return "*2\r\n" + s; }));
}

RC_GTEST_PROP(ServerFuzz, GarbageOnOneConnectionNeverHurtsAnother, ()) {
  Harness h;
  auto good = h.Connect();
  auto bad = h.Connect();
  bad->read_size = *rc::gen::inRange<size_t>(1, 20000);
  h.Send(good, "SET mine 42\r\n");
  auto chunks = *rc::gen::nonEmpty(rc::gen::container<std::vector<std::string>>(GenGarbage()));
  for (const auto& chunk : chunks) {
    h.Send(bad, chunk);
    h.env().Advance(*rc::gen::inRange(0, 200) * 1000);  // cron, expiry, timeouts run meanwhile
  }
  // The bad connection was either closed after a protocol error, or is still usable.
  if (bad->closed) {
    size_t pos = bad->written.rfind("-ERR Protocol error: ");
    RC_ASSERT(pos != std::string::npos);
  }
  good->written.clear();
  h.Send(good, "GET mine\r\nPING\r\n");
  RC_ASSERT(!good->closed);
  // "mine" may have been changed by the garbage (it can contain valid commands) but the good
  // connection must get exactly two well-formed replies, the second a PONG.
  RC_ASSERT(good->written.size() >= 7u);
  RC_ASSERT(good->written.compare(good->written.size() - 7, 7, "+PONG\r\n") == 0);
}

TEST(ServerFuzzTest, ProtocolErrorClosesOnlyTheOffender) {
  Harness h;
  auto good = h.Connect();
  auto bad = h.Connect();
  h.Send(bad, "*1\r\n$-5\r\nPING\r\n");
  EXPECT_EQ(bad->written, "-ERR Protocol error: invalid bulk length\r\n");
  EXPECT_TRUE(bad->closed);
  h.Send(good, "PING\r\n");
  EXPECT_EQ(good->written, "+PONG\r\n");
  EXPECT_FALSE(good->closed);
}

TEST(ServerFuzzTest, QueryBufferLimitClosesTheConnection) {
  Harness h;
  h.server().config().client_query_buffer_limit = 1 << 20;
  auto bad = h.Connect();
  auto good = h.Connect();
  // A 10 MB argument being received: under the limit the bytes are buffered...
  h.Send(bad, "*2\r\n$3\r\nGET\r\n$10000000\r\n" + std::string(512 << 10, 'x'));
  EXPECT_FALSE(bad->closed);
  // ...past it the connection is closed without a reply, as Redis does.
  h.Send(bad, std::string(600 << 10, 'x'));
  EXPECT_TRUE(bad->closed);
  EXPECT_EQ(bad->written, "");
  h.Send(good, "PING\r\n");
  EXPECT_EQ(good->written, "+PONG\r\n");
}

}  // namespace
}  // namespace redsim
