// Packed entries: the compact byte layout shared by small hashes (a "listpack" for OBJECT
// ENCODING) and by the nodes of large lists ("quicklist"). Elements are stored back to back, each
// as a length header followed by its bytes; layouts that are also walked backwards (list nodes)
// add a trailer after the bytes that holds the size of header + bytes, so the previous entry can
// be found from the end of the one before it.
//
// Header: lengths < 128 take one byte (0xxxxxxx), lengths < 16384 two bytes (10xxxxxx xxxxxxxx,
// big-endian), longer ones nine bytes (0xC0, then the length as 8 little-endian bytes).
// Trailer: the entry size in 7-bit groups, read from the last byte backwards: the last byte holds
// the lowest group, and a byte's high bit says that another (higher) group precedes it.
//
// Every function here is pure arithmetic on caller-owned bytes; bounds are the caller's job.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace redsim::packed {

inline constexpr size_t kMaxHeaderSize = 9;
inline constexpr size_t kMaxTrailerSize = 10;

inline size_t HeaderSize(size_t len) { return len < 128 ? 1 : (len < 16384 ? 2 : 9); }

inline size_t WriteHeader(uint8_t* p, size_t len) {
  if (len < 128) {
    p[0] = static_cast<uint8_t>(len);
    return 1;
  }
  if (len < 16384) {
    p[0] = static_cast<uint8_t>(0x80 | (len >> 8));
    p[1] = static_cast<uint8_t>(len & 0xff);
    return 2;
  }
  p[0] = 0xC0;
  uint64_t v = len;
  for (int i = 0; i < 8; i++) p[1 + i] = static_cast<uint8_t>(v >> (8 * i));
  return 9;
}

// Reads the header at p; stores the element length and returns the header size.
inline size_t ReadHeader(const uint8_t* p, size_t* len) {
  uint8_t b = p[0];
  if (b < 0x80) {
    *len = b;
    return 1;
  }
  if (b < 0xC0) {
    *len = (static_cast<size_t>(b & 0x3f) << 8) | p[1];
    return 2;
  }
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v |= static_cast<uint64_t>(p[1 + i]) << (8 * i);
  *len = static_cast<size_t>(v);
  return 9;
}

inline size_t TrailerSize(size_t entry_size) {
  size_t n = 1;
  while (entry_size >= 128) {
    entry_size >>= 7;
    n++;
  }
  return n;
}

// Writes the trailer for `entry_size` into the `trailer_size` bytes starting at p.
inline void WriteTrailer(uint8_t* p, size_t entry_size, size_t trailer_size) {
  for (size_t i = 0; i < trailer_size; i++) {
    uint8_t group = static_cast<uint8_t>(entry_size & 0x7f);
    entry_size >>= 7;
    bool more = i + 1 < trailer_size;
    p[trailer_size - 1 - i] = static_cast<uint8_t>(group | (more ? 0x80 : 0));
  }
}

// Reads the trailer that ends just before `end`; returns the entry's header + bytes size and
// stores the trailer's own size.
inline size_t ReadTrailer(const uint8_t* end, size_t* trailer_size) {
  size_t value = 0;
  size_t n = 0;
  uint8_t b;
  do {
    b = *(end - 1 - n);
    value |= static_cast<size_t>(b & 0x7f) << (7 * n);
    n++;
  } while ((b & 0x80) && n < kMaxTrailerSize);
  *trailer_size = n;
  return value;
}

// Size of a whole entry holding `len` bytes, with or without a trailer.
inline size_t EntrySize(size_t len, bool with_trailer) {
  size_t body = HeaderSize(len) + len;
  return with_trailer ? body + TrailerSize(body) : body;
}

// Writes an entry at p; returns its size.
inline size_t WriteEntry(uint8_t* p, std::string_view s, bool with_trailer) {
  size_t h = WriteHeader(p, s.size());
  if (!s.empty()) memcpy(p + h, s.data(), s.size());
  size_t body = h + s.size();
  if (!with_trailer) return body;
  size_t t = TrailerSize(body);
  WriteTrailer(p + body, body, t);
  return body + t;
}

// The element stored in the entry at p, and (through *size) the entry's full size.
inline std::string_view ReadEntry(const uint8_t* p, bool with_trailer, size_t* size) {
  size_t len;
  size_t h = ReadHeader(p, &len);
  size_t body = h + len;
  *size = with_trailer ? body + TrailerSize(body) : body;
  return std::string_view(reinterpret_cast<const char*>(p + h), len);
}

// Start of the entry that ends just before `end` (layouts with trailers only).
inline const uint8_t* PreviousEntry(const uint8_t* end) {
  size_t trailer;
  size_t body = ReadTrailer(end, &trailer);
  return end - trailer - body;
}

}  // namespace redsim::packed
