// Key slots of Redis Cluster: the keyspace is cut into 16384 hash slots, and a key belongs to
// slot CRC16(key) mod 16384, where CRC16 is the XMODEM variant (polynomial 0x1021, initial value
// 0, no reflection) that the Redis Cluster specification names.
//
// Hash tags: when a key holds a '{' followed later by a '}' with at least one byte between them,
// only the bytes between the first '{' and the first '}' after it are hashed, so "{user1}.a" and
// "{user1}.b" share a slot. "{}" (empty tag) and a '{' without a closing '}' hash the whole key.
#pragma once

#include <cstdint>
#include <string_view>

namespace redsim::cluster {

constexpr int kSlotCount = 16384;

// CRC16-XMODEM of `data` ("123456789" gives 0x31C3).
uint16_t Crc16(std::string_view data);

// The part of `key` that decides its slot (the hash tag, or the whole key).
std::string_view HashTagOf(std::string_view key);

// The slot of `key`, in [0, kSlotCount).
int KeySlot(std::string_view key);

}  // namespace redsim::cluster
