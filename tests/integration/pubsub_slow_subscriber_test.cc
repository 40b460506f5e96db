// A subscriber that never reads its socket: the server must disconnect it once its output buffer
// passes `client-output-buffer-limit pubsub`, and its memory must stay bounded meanwhile. Run
// against redsim-server and, for reference, against the real redis-server.
#include <gtest/gtest.h>

#include <string>

#include "tests/integration/integration_util.h"

namespace redsim::testing {
namespace {

int64_t InfoField(RespClient& c, const std::string& section, const std::string& field) {
  std::string info = c.Call({"INFO", section}).str;
  size_t pos = info.find(field + ":");
  if (pos == std::string::npos) return -1;
  return std::stoll(info.substr(pos + field.size() + 1));
}

void CheckSlowSubscriberIsDropped(ServerProcess::Kind kind) {
  auto server = ServerProcess::Start(kind, {"--client-output-buffer-limit", "pubsub 1mb 256kb 60"});
  ASSERT_NE(server, nullptr);
  RespClient subscriber, publisher;
  ASSERT_TRUE(subscriber.Connect(server->port()));
  ASSERT_TRUE(publisher.Connect(server->port()));
  RespValue confirm = subscriber.Call({"SUBSCRIBE", "firehose"});
  ASSERT_EQ(confirm.elements.size(), 3u);
  // From here on the subscriber never reads.
  int64_t baseline = InfoField(publisher, "memory", "used_memory");
  ASSERT_GT(baseline, 0);
  const std::string payload(16 * 1024, 'p');
  const int kMessages = 4000;  // 64 MB in all, far beyond the 1 MB limit plus socket buffers
  int delivered_to = -1;
  int64_t peak = baseline;
  for (int i = 0; i < kMessages; i++) {
    RespValue r = publisher.Call({"PUBLISH", "firehose", payload});
    ASSERT_EQ(r.type, RespValue::Type::kInteger) << r.ToString();
    if (r.integer == 0) {
      delivered_to = i;
      break;
    }
    if (i % 100 == 0) peak = std::max(peak, InfoField(publisher, "memory", "used_memory"));
  }
  ASSERT_GE(delivered_to, 0) << "the subscriber was never disconnected";
  // The buffer limit (1 MB) plus allocator slack: far below the 64 MB that was published.
  EXPECT_LT(peak - baseline, 16LL * 1024 * 1024) << "peak used_memory " << peak;
  EXPECT_EQ(publisher.Call({"PUBSUB", "NUMSUB", "firehose"}).elements[1].integer, 0);
  EXPECT_EQ(publisher.Call({"CLIENT", "LIST", "TYPE", "pubsub"}).str, "");
  // The subscriber's connection is closed: reading drains what was sent (a few MB of socket
  // buffers at most), then meets the end of the stream.
  int read = 0;
  while (read < kMessages) {
    RespValue m = subscriber.ReadReply();
    if (m.is_error()) {
      EXPECT_EQ(m.str.rfind("<connection error", 0), 0u) << m.str;
      break;
    }
    read++;
  }
  EXPECT_LT(read, delivered_to) << "every message reached the subscriber: nothing was dropped";
}

TEST(SlowSubscriber, RedsimDisconnectsAtTheOutputBufferLimit) {
  CheckSlowSubscriberIsDropped(ServerProcess::Kind::kRedsim);
}

TEST(SlowSubscriber, RedisDoesTheSame) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  CheckSlowSubscriberIsDropped(ServerProcess::Kind::kRedis);
}

}  // namespace
}  // namespace redsim::testing
