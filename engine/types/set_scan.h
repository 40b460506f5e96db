// Parsing shared by SSCAN and ZSCAN (and any collection SCAN): the cursor and the MATCH/COUNT
// options, with Redis 7.0's rules and error texts.
#pragma once

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/strutil.h"

namespace redsim {

// Redis reads the cursor with strtoul: leading '-' or '+' are accepted (a negative cursor wraps),
// an empty string is 0; leading spaces, trailing junk and overflow are "invalid cursor".
inline bool ParseScanCursor(std::string_view s, uint64_t* out) {
  if (!s.empty() && isspace(static_cast<unsigned char>(s[0]))) return false;
  std::string buf(s);
  errno = 0;
  char* end = nullptr;
  unsigned long long v = strtoull(buf.c_str(), &end, 10);
  if (*end != '\0' || errno == ERANGE) return false;
  *out = v;
  return true;
}

struct ScanOptions {
  std::string_view pattern;  // empty: match everything
  bool use_pattern = false;
  int64_t count = 10;
};

// Parses [MATCH pattern] [COUNT count] from args[start..]. Returns "" or the error text.
inline std::string ParseScanOptions(const std::vector<std::string_view>& args, size_t start,
                                    ScanOptions* opts) {
  for (size_t i = start; i < args.size();) {
    size_t left = args.size() - i;
    if (EqualsIgnoreCase(args[i], "count") && left >= 2) {
      int64_t v;
      if (!ParseInt64(args[i + 1], &v)) return "ERR value is not an integer or out of range";
      if (v < 1) return "ERR syntax error";
      opts->count = v;
      i += 2;
    } else if (EqualsIgnoreCase(args[i], "match") && left >= 2) {
      opts->pattern = args[i + 1];
      opts->use_pattern = !(opts->pattern.size() == 1 && opts->pattern[0] == '*');
      i += 2;
    } else {
      return "ERR syntax error";
    }
  }
  return "";
}

}  // namespace redsim
