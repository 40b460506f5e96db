#include "engine/persistence/crc64.h"

#include <array>

namespace redsim {

namespace {

// Slicing-by-8 tables for the reflected polynomial.
struct Tables {
  std::array<std::array<uint64_t, 256>, 8> t;
  Tables() {
    const uint64_t poly = 0x95ac9329ac4bc9b5ULL;  // 0xad93d23594c935a9 bit-reversed
    for (uint64_t i = 0; i < 256; i++) {
      uint64_t c = i;
      for (int k = 0; k < 8; k++) c = (c >> 1) ^ ((c & 1) ? poly : 0);
      t[0][i] = c;
    }
    for (int s = 1; s < 8; s++) {
      for (int i = 0; i < 256; i++) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
    }
  }
};

const Tables& GetTables() {
  static const Tables tables;
  return tables;
}

}  // namespace

uint64_t Crc64(uint64_t crc, const void* data, size_t size) {
  const auto& t = GetTables().t;
  const auto* p = static_cast<const unsigned char*>(data);
  while (size >= 8) {
    uint64_t v = crc ^ (static_cast<uint64_t>(p[0]) | static_cast<uint64_t>(p[1]) << 8 |
                        static_cast<uint64_t>(p[2]) << 16 | static_cast<uint64_t>(p[3]) << 24 |
                        static_cast<uint64_t>(p[4]) << 32 | static_cast<uint64_t>(p[5]) << 40 |
                        static_cast<uint64_t>(p[6]) << 48 | static_cast<uint64_t>(p[7]) << 56);
    crc = t[7][v & 0xff] ^ t[6][(v >> 8) & 0xff] ^ t[5][(v >> 16) & 0xff] ^ t[4][(v >> 24) & 0xff] ^
          t[3][(v >> 32) & 0xff] ^ t[2][(v >> 40) & 0xff] ^ t[1][(v >> 48) & 0xff] ^ t[0][v >> 56];
    p += 8;
    size -= 8;
  }
  while (size-- > 0) crc = t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return crc;
}

}  // namespace redsim
