// Arguments shared by SCAN, SSCAN, HSCAN and ZSCAN: the cursor and the MATCH / COUNT (/ TYPE)
// options, parsed with Redis 7.0's rules and error texts, and the common opening of the
// collection scans (cursor, then the key's type, then the options, in Redis's order: a missing
// key answers an empty page even when the options are bad).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/strutil.h"
#include "engine/server/command_context.h"
#include "engine/server/errors.h"

namespace redsim {

// Redis reads the cursor with strtoull, base 10: an optional sign ("-1" wraps to 2^64-1), then
// digits; the empty string is cursor 0; a lone sign, leading spaces, trailing bytes and values
// over 64 bits are "invalid cursor".
inline bool ParseScanCursor(std::string_view s, uint64_t* out) {
  size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    negative = s[i] == '-';
    if (++i == s.size()) return false;
  }
  uint64_t v = 0;
  for (; i < s.size(); i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    uint64_t digit = static_cast<uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *out = negative ? 0 - v : v;
  return true;
}

struct ScanOptions {
  std::string_view pattern;  // used only when use_pattern
  bool use_pattern = false;  // false for no MATCH and for MATCH *
  int64_t count = 10;
  std::string_view type;  // SCAN's TYPE filter, used only when use_type
  bool use_type = false;
};

// Parses [MATCH pattern] [COUNT count] (and [TYPE type] when allow_type) from args[start..].
// Returns "" or the error text.
inline std::string ParseScanOptions(const std::vector<std::string_view>& args, size_t start,
                                    ScanOptions* opts, bool allow_type = false) {
  for (size_t i = start; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) return std::string(err::kSyntax);
    std::string_view name = args[i], value = args[i + 1];
    if (EqualsIgnoreCase(name, "count")) {
      if (!ParseInt64(value, &opts->count)) return std::string(err::kNotInteger);
      if (opts->count < 1) return std::string(err::kSyntax);
    } else if (EqualsIgnoreCase(name, "match")) {
      opts->pattern = value;
      opts->use_pattern = value != "*";
    } else if (allow_type && EqualsIgnoreCase(name, "type")) {
      opts->type = value;
      opts->use_type = true;
    } else {
      return std::string(err::kSyntax);
    }
  }
  return "";
}

// The opening of SSCAN/HSCAN/ZSCAN key cursor [MATCH pattern] [COUNT count]: returns the entry to
// scan, or nullptr when it has already replied (a bad cursor, WRONGTYPE, a missing key's empty
// page, or a bad option).
inline DbEntry* BeginCollectionScan(CommandContext& ctx, ObjType type, uint64_t* cursor,
                                    ScanOptions* opts) {
  if (!ParseScanCursor(ctx.arg(2), cursor)) {
    ctx.reply.Error(err::kInvalidCursor);
    return nullptr;
  }
  bool wrong_type;
  DbEntry* e = ctx.Read(ctx.arg(1), type, &wrong_type);
  if (wrong_type) return nullptr;
  if (e == nullptr) {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk("0");
    ctx.reply.ArrayHeader(0);
    return nullptr;
  }
  std::string error = ParseScanOptions(ctx.args, 3, opts);
  if (!error.empty()) {
    ctx.reply.Error(error);
    return nullptr;
  }
  return e;
}

}  // namespace redsim
