#include "engine/persistence/lzf.h"

#include <cstdint>
#include <cstring>
#include <vector>

namespace redsim {

// Format: a control byte below 32 starts a literal run of ctrl+1 bytes; otherwise the top three
// bits are a match length (7 means "add the next byte"), and the low five bits plus the next byte
// are the distance back minus one. Matches copy length+2 bytes.
namespace {
constexpr size_t kMaxLiteral = 32;
constexpr size_t kMaxOffset = 1 << 13;
constexpr size_t kMaxMatch = (1 << 8) + (1 << 3);  // 264
constexpr int kHashBits = 14;

inline uint32_t Hash3(const unsigned char* p) {
  uint32_t v = (static_cast<uint32_t>(p[0]) << 16) | (static_cast<uint32_t>(p[1]) << 8) | p[2];
  return (v * 2654435761u) >> (32 - kHashBits);
}
}  // namespace

bool LzfCompress(std::string_view input, size_t max_out, std::string* out) {
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  const size_t n = input.size();
  out->clear();
  if (n == 0) return false;
  out->reserve(max_out);
  std::vector<int64_t> table(1u << kHashBits, -1);
  size_t lit_start_pos = 0;  // index in `out` of the current literal run's control byte
  size_t lit_len = 0;
  auto start_literal = [&] {
    lit_start_pos = out->size();
    out->push_back(0);
    lit_len = 0;
  };
  auto end_literal = [&] {
    if (lit_len == 0)
      out->pop_back();
    else
      (*out)[lit_start_pos] = static_cast<char>(lit_len - 1);
  };
  start_literal();
  size_t i = 0;
  while (i < n) {
    if (out->size() >= max_out) return false;
    if (i + 2 < n) {
      uint32_t h = Hash3(in + i);
      int64_t ref = table[h];
      table[h] = static_cast<int64_t>(i);
      if (ref >= 0 && i - static_cast<size_t>(ref) <= kMaxOffset &&
          memcmp(in + ref, in + i, 3) == 0) {
        size_t off = i - static_cast<size_t>(ref) - 1;
        size_t len = 3;
        size_t max_len = std::min(kMaxMatch, n - i);
        while (len < max_len && in[ref + static_cast<int64_t>(len)] == in[i + len]) len++;
        end_literal();
        size_t code_len = len - 2;
        if (code_len < 7) {
          out->push_back(static_cast<char>((code_len << 5) | (off >> 8)));
        } else {
          out->push_back(static_cast<char>((7 << 5) | (off >> 8)));
          out->push_back(static_cast<char>(code_len - 7));
        }
        out->push_back(static_cast<char>(off & 0xff));
        i += len;
        start_literal();
        continue;
      }
    }
    out->push_back(static_cast<char>(in[i]));
    i++;
    if (++lit_len == kMaxLiteral) {
      (*out)[lit_start_pos] = static_cast<char>(kMaxLiteral - 1);
      start_literal();
    }
  }
  end_literal();
  return out->size() < max_out;
}

bool LzfDecompress(std::string_view input, size_t expected_len, std::string* out) {
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  const size_t n = input.size();
  out->assign(expected_len, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out->data());
  size_t ip = 0, op = 0;
  while (ip < n) {
    unsigned ctrl = in[ip++];
    if (ctrl < 32) {
      size_t len = ctrl + 1;
      if (ip + len > n || op + len > expected_len) return false;
      memcpy(o + op, in + ip, len);
      ip += len;
      op += len;
    } else {
      size_t len = ctrl >> 5;
      if (len == 7) {
        if (ip >= n) return false;
        len += in[ip++];
      }
      if (ip >= n) return false;
      size_t back = ((ctrl & 0x1f) << 8) + in[ip++] + 1;
      len += 2;
      if (back > op || op + len > expected_len) return false;
      // Overlapping copies are allowed (runs): copy byte by byte.
      for (size_t k = 0; k < len; k++, op++) o[op] = o[op - back];
    }
  }
  return op == expected_len;
}

}  // namespace redsim
