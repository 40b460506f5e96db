#include "engine/persistence/listpack.h"

#include <algorithm>
#include <cstring>

#include "engine/base/strutil.h"

namespace redsim {

namespace {

void PutLE(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; i++) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t GetLE(const unsigned char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; i++) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

// The entry length written after each entry, readable from its last byte backwards.
void PutBacklen(std::string* out, uint64_t l) {
  if (l <= 127) {
    out->push_back(static_cast<char>(l));
  } else if (l < 16383) {
    out->push_back(static_cast<char>(l >> 7));
    out->push_back(static_cast<char>((l & 127) | 128));
  } else if (l < 2097151) {
    out->push_back(static_cast<char>(l >> 14));
    out->push_back(static_cast<char>(((l >> 7) & 127) | 128));
    out->push_back(static_cast<char>((l & 127) | 128));
  } else if (l < 268435455) {
    out->push_back(static_cast<char>(l >> 21));
    out->push_back(static_cast<char>(((l >> 14) & 127) | 128));
    out->push_back(static_cast<char>(((l >> 7) & 127) | 128));
    out->push_back(static_cast<char>((l & 127) | 128));
  } else {
    out->push_back(static_cast<char>(l >> 28));
    out->push_back(static_cast<char>(((l >> 21) & 127) | 128));
    out->push_back(static_cast<char>(((l >> 14) & 127) | 128));
    out->push_back(static_cast<char>(((l >> 7) & 127) | 128));
    out->push_back(static_cast<char>((l & 127) | 128));
  }
}

size_t BacklenSize(uint64_t l) {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

}  // namespace

ListpackWriter::ListpackWriter() = default;

void ListpackWriter::AddEntry(std::string_view encoded) {
  body_.append(encoded);
  PutBacklen(&body_, encoded.size());
  count_++;
}

void ListpackWriter::AddInteger(int64_t v) {
  std::string e;
  if (v >= 0 && v <= 127) {
    e.push_back(static_cast<char>(v));
  } else if (v >= -4096 && v <= 4095) {
    uint64_t uv = v < 0 ? (1 << 13) + v : v;
    e.push_back(static_cast<char>((uv >> 8) | 0xC0));
    e.push_back(static_cast<char>(uv & 0xff));
  } else if (v >= -32768 && v <= 32767) {
    e.push_back(static_cast<char>(0xF1));
    PutLE(&e, static_cast<uint64_t>(v), 2);
  } else if (v >= -8388608 && v <= 8388607) {
    e.push_back(static_cast<char>(0xF2));
    PutLE(&e, static_cast<uint64_t>(v), 3);
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    e.push_back(static_cast<char>(0xF3));
    PutLE(&e, static_cast<uint64_t>(v), 4);
  } else {
    e.push_back(static_cast<char>(0xF4));
    PutLE(&e, static_cast<uint64_t>(v), 8);
  }
  AddEntry(e);
}

void ListpackWriter::AddString(std::string_view s) {
  int64_t v;
  if (s.size() <= 20 && ParseInt64(s, &v)) {
    AddInteger(v);
    return;
  }
  std::string e;
  size_t len = s.size();
  if (len < 64) {
    e.push_back(static_cast<char>(0x80 | len));
  } else if (len < 4096) {
    e.push_back(static_cast<char>((len >> 8) | 0xE0));
    e.push_back(static_cast<char>(len & 0xff));
  } else {
    e.push_back(static_cast<char>(0xF0));
    PutLE(&e, len, 4);
  }
  e.append(s);
  AddEntry(e);
}

std::string ListpackWriter::Finish() {
  std::string out;
  uint64_t total = 6 + body_.size() + 1;
  PutLE(&out, total, 4);
  PutLE(&out, count_ < 65535 ? count_ : 65535, 2);
  out.append(body_);
  out.push_back(static_cast<char>(0xFF));
  return out;
}

bool DecodeListpack(std::string_view bytes, std::vector<std::string>* elements,
                    std::string* error) {
  elements->clear();
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t n = bytes.size();
  if (n < 7) {
    *error = "listpack too short";
    return false;
  }
  uint64_t total = GetLE(p, 4);
  uint64_t count = GetLE(p + 4, 2);
  if (total != n) {
    *error = "listpack total length mismatch";
    return false;
  }
  if (p[n - 1] != 0xFF) {
    *error = "listpack missing terminator";
    return false;
  }
  // The header's count is a hint (65535 means "unknown"); each element takes at least 2 bytes.
  elements->reserve(std::min<size_t>(count, n / 2));
  size_t pos = 6;
  while (pos < n - 1) {
    size_t start = pos;
    unsigned char b = p[pos];
    auto need = [&](size_t k) { return pos + k <= n - 1; };
    std::string value;
    if ((b & 0x80) == 0) {
      value = Int64ToString(b & 0x7f);
      pos += 1;
    } else if ((b & 0xC0) == 0x80) {
      size_t len = b & 0x3f;
      if (!need(1 + len)) break;
      value.assign(reinterpret_cast<const char*>(p + pos + 1), len);
      pos += 1 + len;
    } else if ((b & 0xE0) == 0xC0) {
      if (!need(2)) break;
      uint64_t uv = (static_cast<uint64_t>(b & 0x1f) << 8) | p[pos + 1];
      int64_t v = uv >= (1 << 12) ? static_cast<int64_t>(uv) - (1 << 13) : static_cast<int64_t>(uv);
      value = Int64ToString(v);
      pos += 2;
    } else if ((b & 0xF0) == 0xE0) {
      if (!need(2)) break;
      size_t len = (static_cast<size_t>(b & 0x0f) << 8) | p[pos + 1];
      if (!need(2 + len)) break;
      value.assign(reinterpret_cast<const char*>(p + pos + 2), len);
      pos += 2 + len;
    } else if (b == 0xF0) {
      if (!need(5)) break;
      uint64_t len = GetLE(p + pos + 1, 4);
      if (len > n || !need(5 + len)) break;
      value.assign(reinterpret_cast<const char*>(p + pos + 5), len);
      pos += 5 + len;
    } else if (b >= 0xF1 && b <= 0xF4) {
      static const int kWidth[] = {2, 3, 4, 8};
      int w = kWidth[b - 0xF1];
      if (!need(1 + static_cast<size_t>(w))) break;
      uint64_t uv = GetLE(p + pos + 1, w);
      int64_t v;
      if (w == 8) {
        v = static_cast<int64_t>(uv);
      } else {
        uint64_t sign = 1ULL << (8 * w - 1);
        v = (uv & sign) ? static_cast<int64_t>(uv) - static_cast<int64_t>(sign << 1)
                        : static_cast<int64_t>(uv);
      }
      value = Int64ToString(v);
      pos += 1 + static_cast<size_t>(w);
    } else {
      *error = "listpack invalid entry encoding";
      return false;
    }
    uint64_t entry_len = pos - start;
    size_t bl = BacklenSize(entry_len);
    if (pos + bl > n - 1) break;
    // Verify the backlen matches.
    std::string expect;
    PutBacklen(&expect, entry_len);
    if (memcmp(expect.data(), p + pos, bl) != 0) {
      *error = "listpack backlen mismatch";
      return false;
    }
    pos += bl;
    elements->push_back(std::move(value));
    if (elements->size() > (1u << 30)) {
      *error = "listpack too many entries";
      return false;
    }
  }
  if (pos != n - 1) {
    *error = "listpack entry overruns its end";
    return false;
  }
  if (count != 65535 && count != elements->size()) {
    *error = "listpack element count mismatch";
    return false;
  }
  return true;
}

std::string EncodeIntset(std::vector<int64_t> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  int width = 2;
  for (int64_t v : values) {
    if (v < INT32_MIN || v > INT32_MAX)
      width = 8;
    else if ((v < INT16_MIN || v > INT16_MAX) && width < 4)
      width = 4;
  }
  std::string out;
  PutLE(&out, static_cast<uint64_t>(width), 4);
  PutLE(&out, values.size(), 4);
  for (int64_t v : values) PutLE(&out, static_cast<uint64_t>(v), width);
  return out;
}

bool DecodeIntset(std::string_view bytes, std::vector<int64_t>* values, std::string* error) {
  values->clear();
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  if (bytes.size() < 8) {
    *error = "intset too short";
    return false;
  }
  uint64_t width = GetLE(p, 4), count = GetLE(p + 4, 4);
  if (width != 2 && width != 4 && width != 8) {
    *error = "intset invalid encoding";
    return false;
  }
  if (8 + width * count != bytes.size()) {
    *error = "intset length mismatch";
    return false;
  }
  for (uint64_t i = 0; i < count; i++) {
    uint64_t uv = GetLE(p + 8 + i * width, static_cast<int>(width));
    int64_t v;
    if (width == 8)
      v = static_cast<int64_t>(uv);
    else if (width == 4)
      v = static_cast<int32_t>(static_cast<uint32_t>(uv));
    else
      v = static_cast<int16_t>(static_cast<uint16_t>(uv));
    if (!values->empty() && v <= values->back()) {
      *error = "intset not sorted";
      return false;
    }
    values->push_back(v);
  }
  return true;
}

}  // namespace redsim

namespace redsim {

namespace {

uint64_t GetBE(const unsigned char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; i++) v = (v << 8) | p[i];
  return v;
}

bool ZiplistFail(std::string* error, const char* what) {
  *error = what;
  return false;
}

// Decodes the ziplist entry at `pos` (its prevlen already skipped to `enc_pos`): appends the
// element and stores the offset just past the entry. False when it does not fit before `end`.
bool ZiplistEntry(const unsigned char* p, size_t enc_pos, size_t end, std::string* value,
                  size_t* next, std::string* error) {
  if (enc_pos >= end) return ZiplistFail(error, "ziplist entry overruns its end");
  unsigned char e = p[enc_pos];
  size_t left = end - enc_pos;
  if ((e >> 6) != 3) {
    size_t header, len;
    if ((e >> 6) == 0) {
      header = 1;
      len = e & 0x3f;
    } else if ((e >> 6) == 1) {
      if (left < 2) return ZiplistFail(error, "ziplist entry overruns its end");
      header = 2;
      len = (static_cast<size_t>(e & 0x3f) << 8) | p[enc_pos + 1];
    } else {
      if (e != 0x80) return ZiplistFail(error, "ziplist invalid string encoding");
      if (left < 5) return ZiplistFail(error, "ziplist entry overruns its end");
      header = 5;
      len = GetBE(p + enc_pos + 1, 4);
    }
    if (len > left || header + len > left)
      return ZiplistFail(error, "ziplist entry overruns its end");
    value->assign(reinterpret_cast<const char*>(p + enc_pos + header), len);
    *next = enc_pos + header + len;
    return true;
  }
  int width;
  switch (e) {
    case 0xC0:
      width = 2;
      break;
    case 0xD0:
      width = 4;
      break;
    case 0xE0:
      width = 8;
      break;
    case 0xF0:
      width = 3;
      break;
    case 0xFE:
      width = 1;
      break;
    default:
      if (e >= 0xF1 && e <= 0xFD) {
        *value = Int64ToString((e & 0x0f) - 1);
        *next = enc_pos + 1;
        return true;
      }
      return ZiplistFail(error, "ziplist invalid entry encoding");
  }
  if (left < 1 + static_cast<size_t>(width))
    return ZiplistFail(error, "ziplist entry overruns its end");
  uint64_t uv = GetLE(p + enc_pos + 1, width);
  int64_t v;
  if (width == 8) {
    v = static_cast<int64_t>(uv);
  } else {
    uint64_t sign = 1ULL << (8 * width - 1);
    v = (uv & sign) ? static_cast<int64_t>(uv) - static_cast<int64_t>(sign << 1)
                    : static_cast<int64_t>(uv);
  }
  *value = Int64ToString(v);
  *next = enc_pos + 1 + static_cast<size_t>(width);
  return true;
}

}  // namespace

bool DecodeZiplist(std::string_view bytes, std::vector<std::string>* elements, std::string* error) {
  elements->clear();
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t n = bytes.size();
  if (n < 11) return ZiplistFail(error, "ziplist too short");
  uint64_t total = GetLE(p, 4), tail = GetLE(p + 4, 4), count = GetLE(p + 8, 2);
  if (total != n) return ZiplistFail(error, "ziplist total length mismatch");
  if (p[n - 1] != 0xFF) return ZiplistFail(error, "ziplist missing terminator");
  size_t pos = 10, prev_size = 0, last_start = 10;
  while (pos < n - 1) {
    size_t start = pos;
    uint64_t prevlen;
    size_t enc_pos;
    if (p[pos] < 254) {
      prevlen = p[pos];
      enc_pos = pos + 1;
    } else if (p[pos] == 254) {
      if (pos + 5 > n - 1) return ZiplistFail(error, "ziplist entry overruns its end");
      prevlen = GetLE(p + pos + 1, 4);
      enc_pos = pos + 5;
    } else {
      return ZiplistFail(error, "ziplist invalid prevlen");
    }
    if (prevlen != prev_size) return ZiplistFail(error, "ziplist prevlen mismatch");
    std::string value;
    size_t next;
    if (!ZiplistEntry(p, enc_pos, n - 1, &value, &next, error)) return false;
    elements->push_back(std::move(value));
    prev_size = next - start;
    last_start = start;
    pos = next;
  }
  if (tail != last_start) return ZiplistFail(error, "ziplist tail offset mismatch");
  if (count != 65535 && count != elements->size()) {
    return ZiplistFail(error, "ziplist element count mismatch");
  }
  return true;
}

bool DecodeZipmap(std::string_view bytes, std::vector<std::string>* elements, std::string* error) {
  elements->clear();
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t n = bytes.size();
  if (n < 2) return ZiplistFail(error, "zipmap too short");
  size_t pos = 1;
  // Reads a zipmap length at pos (1 byte, or 254 then 4 bytes).
  auto read_len = [&](uint64_t* len) {
    if (pos >= n) return false;
    if (p[pos] < 254) {
      *len = p[pos++];
      return true;
    }
    if (p[pos] != 254 || pos + 5 > n) return false;
    *len = GetLE(p + pos + 1, 4);
    pos += 5;
    return true;
  };
  while (true) {
    if (pos >= n) return ZiplistFail(error, "zipmap missing terminator");
    if (p[pos] == 0xFF) break;
    uint64_t klen, vlen;
    if (!read_len(&klen) || klen > n - pos)
      return ZiplistFail(error, "zipmap entry overruns its end");
    elements->emplace_back(reinterpret_cast<const char*>(p + pos), klen);
    pos += klen;
    if (!read_len(&vlen) || pos >= n) return ZiplistFail(error, "zipmap entry overruns its end");
    size_t free_bytes = p[pos++];
    if (vlen > n - pos || free_bytes > n - pos - vlen) {
      return ZiplistFail(error, "zipmap entry overruns its end");
    }
    elements->emplace_back(reinterpret_cast<const char*>(p + pos), vlen);
    pos += vlen + free_bytes;
  }
  if (pos != n - 1) return ZiplistFail(error, "zipmap trailing bytes");
  if (p[0] < 254 && p[0] != elements->size() / 2)
    return ZiplistFail(error, "zipmap count mismatch");
  return true;
}

}  // namespace redsim
