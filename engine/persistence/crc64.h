// CRC-64/Jones (reflected, polynomial 0xad93d23594c935a9, init 0), the checksum Redis puts at
// the end of RDB files and DUMP payloads.
#pragma once

#include <cstddef>
#include <cstdint>

namespace redsim {

uint64_t Crc64(uint64_t crc, const void* data, size_t size);

}  // namespace redsim
