// Cluster bus messages in Redis 7.0's binary format, so redsim nodes and redis-server nodes can
// gossip with each other. Every message starts with a fixed 2256-byte header: the signature
// "RCmb", the total length, protocol version 1, the sender's client port, the message type, a
// gossip count, currentEpoch, configEpoch and replication offset (all big-endian), the sender's
// 40-character id, its 16384-bit slot bitmap (bit s is bit s%8 of byte s/8), its master's id (40
// zero bytes when it is a master), its announced ip (46 bytes, NUL padded), the number of ping
// extensions, 30 unused bytes, its plaintext and bus ports, its node flags, the cluster state it
// sees and three message-flag bytes. The type-specific body follows: gossip entries (104 bytes
// each) plus extensions for PING/PONG/MEET, a node id for FAIL, channel and message for
// PUBLISH/PUBLISHSHARD, an epoch, id and bitmap for UPDATE, a module payload for MODULE, nothing
// for FAILOVER_AUTH_REQUEST/ACK and MFSTART.
//
// Decode never trusts its input: lengths are checked against the declared total length and the
// per-type expected size before anything is read, so garbage yields kBad, never a crash.
#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/cluster/key_slot.h"

namespace redsim::cluster {

enum BusType : uint16_t {
  kMsgPing = 0,
  kMsgPong = 1,
  kMsgMeet = 2,
  kMsgFail = 3,
  kMsgPublish = 4,
  kMsgAuthRequest = 5,
  kMsgAuthAck = 6,
  kMsgUpdate = 7,
  kMsgMfStart = 8,
  kMsgModule = 9,
  kMsgPublishShard = 10,
  kMsgTypeCount = 11,
};

// Node flags as the bus carries them (not NodeFlag, which is this engine's own).
enum BusNodeFlag : uint16_t {
  kBusMaster = 1,
  kBusReplica = 2,
  kBusPfail = 4,
  kBusFail = 8,
  kBusMyself = 16,
  kBusHandshake = 32,
  kBusNoAddr = 64,
  kBusMeet = 128,
  kBusMigrateTo = 256,
  kBusNoFailover = 512,
};

// mflags[0] bits.
constexpr uint8_t kMsgFlagPaused = 1 << 0;    // master paused for a manual failover
constexpr uint8_t kMsgFlagForceAck = 1 << 1;  // vote even though the master is not failed
constexpr uint8_t kMsgFlagExtData = 1 << 2;   // the sender understands ping extensions

constexpr size_t kBusHeaderSize = 2256;
constexpr size_t kGossipEntrySize = 104;
constexpr size_t kNodeIdSize = 40;
constexpr size_t kIpSize = 46;
// A bound on what a peer may make us buffer (Redis's own messages stay far below it).
constexpr size_t kMaxBusMessageSize = 64 * 1024 * 1024;

struct GossipEntry {
  std::string node_id;
  uint32_t ping_sent_s = 0;
  uint32_t pong_received_s = 0;
  std::string ip;
  uint16_t port = 0;
  uint16_t bus_port = 0;
  uint16_t flags = 0;
  uint16_t plain_port = 0;
};

struct BusMessage {
  uint16_t type = kMsgPing;
  uint16_t port = 0;
  uint64_t current_epoch = 0;
  uint64_t config_epoch = 0;
  uint64_t offset = 0;
  std::string sender;  // 40 characters
  std::bitset<kSlotCount> slots;
  std::string master_id;  // empty: the sender is a master
  std::string ip;         // empty: use the connection's address
  uint16_t plain_port = 0;
  uint16_t bus_port = 0;
  uint16_t flags = 0;
  uint8_t state = 0;  // 0 ok, 1 fail
  uint8_t mflags[3] = {0, 0, 0};

  std::vector<GossipEntry> gossip;   // PING, PONG, MEET
  std::string hostname;              // PING/PONG/MEET hostname extension (type 0)
  std::string fail_node_id;          // FAIL
  std::string channel, message;      // PUBLISH, PUBLISHSHARD
  uint64_t update_config_epoch = 0;  // UPDATE
  std::string update_node_id;
  std::bitset<kSlotCount> update_slots;
  std::string module_payload;  // MODULE: kept opaque (id, type and data bytes)
};

std::string EncodeBusMessage(const BusMessage& m);

enum class DecodeStatus { kOk, kNeedMore, kBad };
// Decodes one message from the front of `data`. kNeedMore: not all of it has arrived yet
// (*used untouched). kBad: the stream is unusable (`error` says why); drop the link.
DecodeStatus DecodeBusMessage(std::string_view data, BusMessage* out, size_t* used,
                              std::string* error);

}  // namespace redsim::cluster
