#include "engine/base/strutil.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace redsim {

bool ParseUint64(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  if (s.size() > 1 && s[0] == '0') return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

bool ParseInt64(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  if (s.size() == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  bool negative = false;
  size_t i = 0;
  if (s[0] == '-') {
    negative = true;
    i = 1;
    if (s.size() == 1) return false;
  }
  // First digit must be 1-9: no leading zeros, no "-0".
  if (s[i] < '1' || s[i] > '9') return false;
  uint64_t v = 0;
  for (; i < s.size(); i++) {
    char c = s[i];
    if (c < '0' || c > '9') return false;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  if (negative) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    *out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

bool ParseDouble(std::string_view s, double* out) {
  if (s.empty() || s.size() > 5000) return false;
  if (isspace(static_cast<unsigned char>(s[0]))) return false;
  char buf[5001];
  memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  char* end = nullptr;
  errno = 0;
  double v = strtod(buf, &end);
  if (end != buf + s.size()) return false;
  if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || std::fpclassify(v) == FP_ZERO)) {
    // Overflow or underflow: Redis rejects overflow, accepts underflow to zero as strtod gives.
    if (std::isinf(v)) return false;
  }
  if (std::isnan(v)) return false;
  *out = v;
  return true;
}

bool ParseLongDouble(std::string_view s, long double* out) {
  if (s.empty() || s.size() > 5000) return false;
  if (isspace(static_cast<unsigned char>(s[0]))) return false;
  char buf[5001];
  memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  char* end = nullptr;
  errno = 0;
  long double v = strtold(buf, &end);
  if (end != buf + s.size()) return false;
  if (isspace(static_cast<unsigned char>(buf[s.size() - 1]))) return false;
  if (errno == ERANGE || std::isnan(v)) return false;
  *out = v;
  return true;
}

size_t FormatInt64(char* buf, int64_t v) {
  char tmp[24];
  size_t n = 0;
  uint64_t u = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  do {
    tmp[n++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  size_t len = 0;
  if (v < 0) buf[len++] = '-';
  while (n > 0) buf[len++] = tmp[--n];
  return len;
}

std::string Int64ToString(int64_t v) {
  char buf[24];
  return std::string(buf, FormatInt64(buf, v));
}

size_t AppendInt64(std::string* out, int64_t v) {
  char buf[24];
  size_t n = FormatInt64(buf, v);
  out->append(buf, n);
  return n;
}

std::string DoubleToString(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (std::isnan(v)) return "nan";
  char buf[64];
  int n = snprintf(buf, sizeof(buf), "%.17g", v);
  return std::string(buf, static_cast<size_t>(n));
}

std::string LongDoubleToString(long double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (std::isnan(v)) return "nan";
  char buf[5200];
  int n = snprintf(buf, sizeof(buf), "%.17Lf", v);
  if (n <= 0 || static_cast<size_t>(n) >= sizeof(buf)) return "0";
  std::string s(buf, static_cast<size_t>(n));
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

static inline char AsciiLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

void ToLowerInPlace(std::string* s) {
  for (char& c : *s) c = AsciiLower(c);
}

std::string ToLower(std::string_view s) {
  std::string r(s);
  ToLowerInPlace(&r);
  return r;
}

std::string ToUpper(std::string_view s) {
  std::string r(s);
  for (char& c : r) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  }
  return r;
}

// Recursive-descent glob matcher. `depth` bounds recursion on patterns like "*a*a*a*..."; past
// the bound the match fails rather than exhausting the stack.
static bool GlobMatchImpl(const char* p, const char* pend, const char* s, const char* send,
                          bool nocase, bool* skip_longer, int depth) {
  if (depth > 1000) return false;
  while (p < pend && s < send) {
    switch (*p) {
      case '*': {
        while (p + 1 < pend && p[1] == '*') p++;
        if (p + 1 == pend) return true;
        while (s < send) {
          if (GlobMatchImpl(p + 1, pend, s, send, nocase, skip_longer, depth + 1)) return true;
          if (*skip_longer) return false;
          s++;
        }
        *skip_longer = true;
        return false;
      }
      case '?':
        s++;
        break;
      case '[': {
        p++;
        bool negate = p < pend && *p == '^';
        if (negate) p++;
        bool matched = false;
        while (p < pend) {
          if (*p == '\\' && p + 2 <= pend) {
            p++;
            if (*p == *s) matched = true;
          } else if (*p == ']') {
            break;
          } else if (p + 2 < pend && p[1] == '-') {
            char start = p[0], end = p[2];
            char c = *s;
            if (start > end) std::swap(start, end);
            if (nocase) {
              start = AsciiLower(start);
              end = AsciiLower(end);
              c = AsciiLower(c);
            }
            p += 2;
            if (c >= start && c <= end) matched = true;
          } else {
            if (nocase ? AsciiLower(*p) == AsciiLower(*s) : *p == *s) matched = true;
          }
          p++;
        }
        if (p >= pend) p = pend - 1;  // unterminated class: treat end of pattern as ']'
        if (negate) matched = !matched;
        if (!matched) return false;
        s++;
        break;
      }
      case '\\':
        if (p + 1 < pend) p++;
        [[fallthrough]];
      default:
        if (nocase ? AsciiLower(*p) != AsciiLower(*s) : *p != *s) return false;
        s++;
        break;
    }
    p++;
    if (s == send) {
      while (p < pend && *p == '*') p++;
      break;
    }
  }
  return p == pend && s == send;
}

bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase) {
  bool skip_longer = false;
  return GlobMatchImpl(pattern.data(), pattern.data() + pattern.size(), text.data(),
                       text.data() + text.size(), nocase, &skip_longer, 0);
}

bool ParseMemory(std::string_view s, int64_t* out) {
  // Like Redis's memtoull: digits then an optional unit; no sign.
  size_t digits = 0;
  while (digits < s.size() && isdigit(static_cast<unsigned char>(s[digits]))) digits++;
  std::string unit = ToLower(s.substr(digits));
  int64_t mul = 1;
  if (unit.empty() || unit == "b")
    mul = 1;
  else if (unit == "k")
    mul = 1000;
  else if (unit == "kb")
    mul = 1024;
  else if (unit == "m")
    mul = 1000LL * 1000;
  else if (unit == "mb")
    mul = 1024LL * 1024;
  else if (unit == "g")
    mul = 1000LL * 1000 * 1000;
  else if (unit == "gb")
    mul = 1024LL * 1024 * 1024;
  else
    return false;
  if (digits == 0) return false;
  int64_t v = 0;  // leading zeros are fine, as with strtoull
  for (size_t i = 0; i < digits; i++) {
    int d = s[i] - '0';
    if (v > (INT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  if (v > INT64_MAX / mul) return false;
  *out = v * mul;
  return true;
}

static int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::vector<std::string>> SplitArgs(std::string_view line) {
  std::vector<std::string> args;
  size_t i = 0, n = line.size();
  while (true) {
    while (i < n && isspace(static_cast<unsigned char>(line[i]))) i++;
    if (i >= n) return args;
    std::string current;
    bool in_double = false, in_single = false, done = false;
    while (!done) {
      if (in_double) {
        if (i >= n) return std::nullopt;
        char c = line[i];
        if (c == '\\' && i + 3 < n && line[i + 1] == 'x' && HexValue(line[i + 2]) >= 0 &&
            HexValue(line[i + 3]) >= 0) {
          current.push_back(static_cast<char>(HexValue(line[i + 2]) * 16 + HexValue(line[i + 3])));
          i += 3;
        } else if (c == '\\' && i + 1 < n) {
          char e = line[++i];
          switch (e) {
            case 'n':
              current.push_back('\n');
              break;
            case 'r':
              current.push_back('\r');
              break;
            case 't':
              current.push_back('\t');
              break;
            case 'b':
              current.push_back('\b');
              break;
            case 'a':
              current.push_back('\a');
              break;
            default:
              current.push_back(e);
              break;
          }
        } else if (c == '"') {
          // A closing quote must be followed by a space or the end.
          if (i + 1 < n && !isspace(static_cast<unsigned char>(line[i + 1]))) return std::nullopt;
          done = true;
        } else {
          current.push_back(c);
        }
      } else if (in_single) {
        if (i >= n) return std::nullopt;
        char c = line[i];
        if (c == '\\' && i + 1 < n && line[i + 1] == '\'') {
          i++;
          current.push_back('\'');
        } else if (c == '\'') {
          if (i + 1 < n && !isspace(static_cast<unsigned char>(line[i + 1]))) return std::nullopt;
          done = true;
        } else {
          current.push_back(c);
        }
      } else {
        if (i >= n) {
          done = true;
          break;
        }
        char c = line[i];
        switch (c) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0':
            done = true;
            break;
          case '"':
            in_double = true;
            break;
          case '\'':
            in_single = true;
            break;
          default:
            current.push_back(c);
            break;
        }
      }
      if (i < n) i++;
    }
    args.push_back(std::move(current));
  }
}

}  // namespace redsim
