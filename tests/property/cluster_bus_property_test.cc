// Properties of the cluster bus codec (engine/cluster/bus_message.h):
//  - encode -> decode is the identity for every message type, whatever the field values;
//  - a message split anywhere is "need more" until its last byte arrives;
//  - arbitrary bytes, truncated or corrupted valid messages never crash the decoder, and it
//    never claims to have used more bytes than it was given.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

#include "engine/cluster/bus_message.h"

namespace redsim::cluster {
namespace {

rc::Gen<std::string> GenId() {
  return rc::gen::container<std::string>(kNodeIdSize,
                                         rc::gen::elementOf(std::string("0123456789abcdef")));
}

rc::Gen<std::string> GenShort(size_t max) {
  return rc::gen::map(rc::gen::container<std::string>(rc::gen::elementOf(std::string("abc.:1-"))),
                      [max](std::string s) { return s.substr(0, max); });
}

std::bitset<kSlotCount> GenSlots() {
  std::bitset<kSlotCount> b;
  auto ranges = *rc::gen::container<std::vector<std::pair<int, int>>>(
      rc::gen::pair(rc::gen::inRange(0, kSlotCount), rc::gen::inRange(0, 200)));
  for (auto [start, len] : ranges) {
    for (int s = start; s < std::min(kSlotCount, start + len); s++) b.set(static_cast<size_t>(s));
  }
  return b;
}

BusMessage GenMessage() {
  BusMessage m;
  m.type = *rc::gen::inRange<uint16_t>(0, kMsgTypeCount);
  m.port = *rc::gen::arbitrary<uint16_t>();
  m.current_epoch = *rc::gen::arbitrary<uint64_t>();
  m.config_epoch = *rc::gen::arbitrary<uint64_t>();
  m.offset = *rc::gen::arbitrary<uint64_t>();
  m.sender = *GenId();
  m.slots = GenSlots();
  if (*rc::gen::arbitrary<bool>()) m.master_id = *GenId();
  m.ip = *GenShort(kIpSize - 1);
  m.plain_port = *rc::gen::arbitrary<uint16_t>();
  m.bus_port = *rc::gen::arbitrary<uint16_t>();
  m.flags = *rc::gen::arbitrary<uint16_t>();
  m.state = *rc::gen::inRange<uint8_t>(0, 2);
  m.mflags[0] = *rc::gen::arbitrary<uint8_t>();
  switch (m.type) {
    case kMsgPing:
    case kMsgPong:
    case kMsgMeet: {
      int count = *rc::gen::inRange(0, 8);
      for (int i = 0; i < count; i++) {
        GossipEntry g;
        g.node_id = *GenId();
        g.ping_sent_s = *rc::gen::arbitrary<uint32_t>();
        g.pong_received_s = *rc::gen::arbitrary<uint32_t>();
        g.ip = *GenShort(kIpSize - 1);
        g.port = *rc::gen::arbitrary<uint16_t>();
        g.bus_port = *rc::gen::arbitrary<uint16_t>();
        g.flags = *rc::gen::arbitrary<uint16_t>();
        g.plain_port = *rc::gen::arbitrary<uint16_t>();
        m.gossip.push_back(g);
      }
      m.hostname = *GenShort(60);
      break;
    }
    case kMsgFail:
      m.fail_node_id = *GenId();
      break;
    case kMsgPublish:
    case kMsgPublishShard:
      m.channel = *rc::gen::string<std::string>();
      m.message = *rc::gen::string<std::string>();
      break;
    case kMsgUpdate:
      m.update_config_epoch = *rc::gen::arbitrary<uint64_t>();
      m.update_node_id = *GenId();
      m.update_slots = GenSlots();
      break;
    case kMsgModule:
      m.module_payload = *rc::gen::string<std::string>();
      break;
    default:
      break;
  }
  return m;
}

void ExpectSame(const BusMessage& a, const BusMessage& b) {
  RC_ASSERT(a.type == b.type);
  RC_ASSERT(a.port == b.port && a.plain_port == b.plain_port && a.bus_port == b.bus_port);
  RC_ASSERT(a.current_epoch == b.current_epoch && a.config_epoch == b.config_epoch);
  RC_ASSERT(a.offset == b.offset && a.sender == b.sender && a.master_id == b.master_id);
  RC_ASSERT(a.slots == b.slots && a.ip == b.ip && a.flags == b.flags && a.state == b.state);
  RC_ASSERT(a.mflags[0] == b.mflags[0]);
  RC_ASSERT(a.gossip.size() == b.gossip.size());
  for (size_t i = 0; i < a.gossip.size(); i++) {
    RC_ASSERT(a.gossip[i].node_id == b.gossip[i].node_id);
    RC_ASSERT(a.gossip[i].ip == b.gossip[i].ip && a.gossip[i].flags == b.gossip[i].flags);
    RC_ASSERT(a.gossip[i].port == b.gossip[i].port && a.gossip[i].bus_port == b.gossip[i].bus_port);
    RC_ASSERT(a.gossip[i].pong_received_s == b.gossip[i].pong_received_s);
  }
  RC_ASSERT(a.hostname == b.hostname && a.fail_node_id == b.fail_node_id);
  RC_ASSERT(a.channel == b.channel && a.message == b.message);
  RC_ASSERT(a.update_config_epoch == b.update_config_epoch);
  RC_ASSERT(a.update_node_id == b.update_node_id && a.update_slots == b.update_slots);
  RC_ASSERT(a.module_payload == b.module_payload);
}

RC_GTEST_PROP(ClusterBusProperty, EncodeDecodeRoundTrip, ()) {
  BusMessage m = GenMessage();
  std::string bytes = EncodeBusMessage(m);
  RC_ASSERT(bytes.size() >= kBusHeaderSize);
  BusMessage back;
  size_t used = 0;
  std::string error;
  RC_ASSERT(DecodeBusMessage(bytes, &back, &used, &error) == DecodeStatus::kOk);
  RC_ASSERT(used == bytes.size());
  ExpectSame(m, back);
  // Any proper prefix is incomplete, never an error or a message.
  size_t cut = *rc::gen::inRange<size_t>(0, bytes.size());
  RC_ASSERT(DecodeBusMessage(std::string_view(bytes).substr(0, cut), &back, &used, &error) ==
            DecodeStatus::kNeedMore);
}

RC_GTEST_PROP(ClusterBusProperty, GarbageAndCorruptionNeverCrash, ()) {
  std::string bytes;
  if (*rc::gen::arbitrary<bool>()) {
    bytes = *rc::gen::string<std::string>();
  } else {
    bytes = EncodeBusMessage(GenMessage());
    int flips = *rc::gen::inRange(1, 6);
    for (int i = 0; i < flips; i++) {
      size_t at = *rc::gen::inRange<size_t>(0, bytes.size());
      bytes[at] = static_cast<char>(*rc::gen::arbitrary<uint8_t>());
    }
    bytes.resize(*rc::gen::inRange<size_t>(0, bytes.size() + 1));
  }
  BusMessage out;
  size_t used = 0;
  std::string error;
  DecodeStatus s = DecodeBusMessage(bytes, &out, &used, &error);
  if (s == DecodeStatus::kOk) RC_ASSERT(used <= bytes.size() && used >= kBusHeaderSize);
  if (s == DecodeStatus::kBad) RC_ASSERT(!error.empty());
}

TEST(ClusterBusCodec, HeaderLayoutMatchesRedis) {
  BusMessage m;
  m.type = kMsgPing;
  m.sender = std::string(40, 'a');
  m.port = 7000;
  m.bus_port = 17000;
  m.slots.set(0);
  m.slots.set(9);
  std::string b = EncodeBusMessage(m);
  ASSERT_EQ(b.size(), kBusHeaderSize);
  EXPECT_EQ(b.substr(0, 4), "RCmb");
  EXPECT_EQ((static_cast<uint8_t>(b[6]) << 8) | static_cast<uint8_t>(b[7]), 2256);  // totlen
  EXPECT_EQ(static_cast<uint8_t>(b[8]), 0);  // version 1, big-endian
  EXPECT_EQ(static_cast<uint8_t>(b[9]), 1);
  EXPECT_EQ((static_cast<uint8_t>(b[10]) << 8) | static_cast<uint8_t>(b[11]), 7000);
  EXPECT_EQ(b.substr(40, 40), std::string(40, 'a'));  // sender after the three 64-bit fields
  EXPECT_EQ(static_cast<uint8_t>(b[80]), 1);          // slot 0: bit 0 of byte 0
  EXPECT_EQ(static_cast<uint8_t>(b[81]), 2);          // slot 9: bit 1 of byte 1
  // cport sits after myip (46), extensions (2) and 30 unused bytes, behind pport.
  size_t cport_at = 80 + 2048 + 40 + 46 + 2 + 30 + 2;
  EXPECT_EQ((static_cast<uint8_t>(b[cport_at]) << 8) | static_cast<uint8_t>(b[cport_at + 1]),
            17000);
}

}  // namespace
}  // namespace redsim::cluster
