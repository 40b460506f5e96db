// The wire protocol against real Redis, byte for byte: malformed requests, the limits
// (proto-max-bulk-len, client-query-buffer-limit, multibulk length, inline size, the tighter
// limits before authentication), Redis's exact "-ERR Protocol error: ..." texts, and whether the
// connection is closed afterwards. Each case runs on a fresh connection to each server.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>

#include "tests/differential/foundation_gen.h"

namespace redsim::testing {
namespace {

struct RawOutcome {
  std::string bytes;
  bool closed = false;
  bool operator==(const RawOutcome& o) const { return bytes == o.bytes && closed == o.closed; }
};

// Client ids differ between the processes: HELLO's "id" field is masked.
std::string MaskIds(std::string bytes) {
  const std::string marker = "$2\r\nid\r\n:";
  for (size_t pos = bytes.find(marker); pos != std::string::npos;
       pos = bytes.find(marker, pos + 1)) {
    size_t start = pos + marker.size();
    size_t end = bytes.find("\r\n", start);
    if (end != std::string::npos) bytes.replace(start, end - start, "N");
  }
  return bytes;
}

std::ostream& operator<<(std::ostream& os, const RawOutcome& o) {
  return os << RespValue::Bulk(o.bytes.substr(0, 300)).ToString()
            << (o.closed ? " <closed>" : " <open>");
}

// Sends `payload` on a new connection and collects what comes back until the server closes the
// connection or stays silent for `quiet_ms`.
RawOutcome SendRaw(int port, const std::string& payload, int quiet_ms = 300) {
  RawOutcome out;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    out.bytes = "<connect failed>";
    return out;
  }
  size_t sent = 0;
  while (sent < payload.size()) {
    ssize_t n = send(fd, payload.data() + sent, payload.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close while we are still sending
    sent += static_cast<size_t>(n);
  }
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, quiet_ms) <= 0) break;
    char buf[65536];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      out.closed = true;
      break;
    }
    out.bytes.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  out.bytes = MaskIds(out.bytes);
  return out;
}

std::string Multibulk(const std::vector<std::string>& args) { return RespClient::Encode(args); }

class ProtocolDifferential : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
    pair_ = DifferentialPair::Get();
    ASSERT_NE(pair_, nullptr);
    pair_->Reset();
  }
  void TearDown() override {
    if (pair_ == nullptr) return;
    for (RespClient* c : {&pair_->redis(), &pair_->redsim()}) {
      c->Call({"CONFIG", "SET", "proto-max-bulk-len", "512mb"});
      c->Call({"CONFIG", "SET", "client-query-buffer-limit", "1gb"});
    }
    pair_->Reset();
  }
  void ExpectSame(const std::string& payload, int quiet_ms = 250) {
    // Both servers at once (test code: a thread is fine here), to halve the waiting.
    auto redis =
        std::async(std::launch::async, SendRaw, pair_->redis_process().port(), payload, quiet_ms);
    RawOutcome ours = SendRaw(pair_->redsim_process().port(), payload, quiet_ms);
    RawOutcome theirs = redis.get();
    EXPECT_EQ(ours, theirs) << "payload: " << RespValue::Bulk(payload.substr(0, 200)).ToString();
  }
  DifferentialPair* pair_ = nullptr;
};

TEST_F(ProtocolDifferential, WellFormedAndMalformedRequests) {
  const std::vector<std::string> payloads = {
      "*1\r\n$4\r\nPING\r\n",
      "PING\r\n",
      "PING\n",
      "\r\n",
      "\n\n\nPING\r\n",
      "*0\r\nPING\r\n",
      "*-1\r\nPING\r\n",
      "*abc\r\n",
      "*1\r\n$-1\r\n",
      "*1\r\n$abc\r\n",
      "*1\r\nx\r\n",
      "*1\r\n$4\r\nPINGxx",
      "*2\r\n$4\r\nECHO\r\n$2\r\nabcd\r\n",
      "*2147483648\r\n",
      "*1\r\n$-5\r\n",
      "SET a \"b\r\n",
      "SET a 'b\r\n",
      "SET a \"b\"c\r\n",
      "ECHO \"\\x41\\n\" 'it''s'\r\n",
      "ECHO \"\\x4\"\r\n",
      "*1 \r\n$4\r\nPING\r\n",
      "*01\r\n$4\r\nPING\r\n",
      "*+1\r\n$4\r\nPING\r\n",
      "*1\r\n$04\r\nPING\r\n",
      "*1\r\n$ 4\r\nPING\r\n",
      "*\r\n",
      "*1\r\n$\r\n",
      "*1\n$4\r\nPING\r\n",
      "*1\r\n$4\nPING\r\n",
      "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
      "GET k\r\nQUIT\r\nPING\r\n",
      "*1\r\n$4\r\nQUIT\r\n*1\r\n$4\r\nPING\r\n",
      "PING\r\n*1\r\n$-1\r\nPING\r\n",  // a reply, then the error, then nothing more
      std::string("\0\0\0\r\n", 5),
      "\x01\x02\x03\r\n",
      "$5\r\nhello\r\n",
      ":1\r\n",
      "+OK\r\n",
      "-ERR\r\n",
  };
  for (const auto& p : payloads) ExpectSame(p);
}

TEST_F(ProtocolDifferential, InlineAndCountLineLimits) {
  ExpectSame("PING " + std::string(70000, 'a'));    // no newline past 64 KB
  ExpectSame(std::string(65535, 'a') + "\n");       // long but complete
  ExpectSame("*" + std::string(70000, '1'));        // count line too long
  ExpectSame("*1\r\n$" + std::string(70000, '1'));  // bulk length line too long
  ExpectSame("*1048577\r\n");                       // many args are fine...
  ExpectSame("*2147483647\r\n");
  ExpectSame("*2147483648\r\n");  // ...up to INT_MAX
}

TEST_F(ProtocolDifferential, ProtoMaxBulkLen) {
  ExpectSame("*1\r\n$536870913\r\n");  // default 512 MB: one byte over
  ExpectSame("*1\r\n$536870912\r\n");  // exactly 512 MB: waits for the data
  for (RespClient* c : {&pair_->redis(), &pair_->redsim()}) {
    ASSERT_EQ(c->Call({"CONFIG", "SET", "proto-max-bulk-len", "1mb"}).str, "OK");
  }
  std::string mb(1 << 20, 'x');
  ExpectSame(Multibulk({"SET", "k", mb + "y"}));  // over: protocol error
  ExpectSame(Multibulk({"SET", "k", mb}));        // at the limit: OK
  ExpectSame(Multibulk({"STRLEN", "k"}));
  ExpectSame(Multibulk({"APPEND", "k", "z"}));  // the value limit follows the same setting
}

TEST_F(ProtocolDifferential, ClientQueryBufferLimit) {
  for (RespClient* c : {&pair_->redis(), &pair_->redsim()}) {
    ASSERT_EQ(c->Call({"CONFIG", "SET", "client-query-buffer-limit", "1mb"}).str, "OK");
  }
  // A 4 MB argument: the query buffer passes 1 MB before it completes, and the connection is
  // closed without a reply.
  ExpectSame("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4194304\r\n" + std::string(4 << 20, 'x') + "\r\n",
             1000);
  // A pipeline of small commands never accumulates 1 MB unparsed: all are served.
  std::string pipeline;
  for (int i = 0; i < 20000; i++) pipeline += Multibulk({"INCR", "n"});
  ExpectSame(pipeline, 1000);
}

TEST(ProtocolAuthDifferential, UnauthenticatedLimits) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  auto pair = DifferentialPair::Create({"--requirepass", "pw"});
  ASSERT_NE(pair, nullptr);
  auto same = [&](const std::string& payload) {
    RawOutcome theirs = SendRaw(pair->redis_process().port(), payload);
    RawOutcome ours = SendRaw(pair->redsim_process().port(), payload);
    EXPECT_EQ(ours, theirs) << RespValue::Bulk(payload.substr(0, 100)).ToString();
  };
  same("*11\r\n");
  same("*10\r\n");
  same("*1\r\n$16385\r\n");
  same("*1\r\n$16384\r\n");
  same("GET a\r\n");
  same("AUTH pw\r\n*11\r\n");  // after AUTH the normal limits apply
  same("AUTH pw\r\n*1\r\n$16385\r\n");
  same("AUTH wrong\r\n*11\r\n");
  same("HELLO 3 AUTH default pw\r\n*1\r\n$16385\r\n");
  same("*2\r\n$4\r\nAUTH\r\n$" + std::to_string(20000) + "\r\n" + std::string(20000, 'p') + "\r\n");
}

}  // namespace
}  // namespace redsim::testing
