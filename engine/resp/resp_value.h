// RespValue and ReplyParser: a parsed RESP2/RESP3 reply, and a parser for replies coming from a
// server (used by clients: the simulator's client, replication links, tests, and scripts that
// turn a command's reply into Lua values).
//
// The parser is not incremental: it parses one complete value from the start of the buffer or
// reports kNeedMore, so callers keep bytes until a whole reply has arrived. Nesting depth and
// element counts are bounded, so garbage input cannot exhaust the stack or memory.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace redsim {

struct RespValue {
  enum class Type : uint8_t {
    kSimple,     // +
    kError,      // -
    kInteger,    // :
    kBulk,       // $
    kNull,       // $-1, *-1 or _
    kArray,      // *
    kMap,        // % (elements alternate key, value)
    kSet,        // ~
    kPush,       // >
    kDouble,     // ,
    kBool,       // #
    kBigNumber,  // (
    kVerbatim,   // = (str holds the text without the "txt:" prefix)
    kAttribute,  // |
  };
  Type type = Type::kNull;
  std::string str;          // simple, error, bulk, double and big-number text, verbatim text
  int64_t integer = 0;      // integer, bool (0/1)
  bool null_array = false;  // for kNull: it came as *-1
  std::vector<RespValue> elements;

  static RespValue Simple(std::string s) { return Make(Type::kSimple, std::move(s)); }
  static RespValue Error(std::string s) { return Make(Type::kError, std::move(s)); }
  static RespValue Bulk(std::string s) { return Make(Type::kBulk, std::move(s)); }
  static RespValue Integer(int64_t v) {
    RespValue r;
    r.type = Type::kInteger;
    r.integer = v;
    return r;
  }
  static RespValue Null() { return RespValue(); }
  static RespValue Array(std::vector<RespValue> items) {
    RespValue r;
    r.type = Type::kArray;
    r.elements = std::move(items);
    return r;
  }

  bool is_error() const { return type == Type::kError; }
  bool is_null() const { return type == Type::kNull; }
  bool is_string() const { return type == Type::kBulk || type == Type::kSimple; }
  bool is_aggregate() const {
    return type == Type::kArray || type == Type::kMap || type == Type::kSet ||
           type == Type::kPush || type == Type::kAttribute;
  }

  // A compact, unambiguous rendering for test output and comparisons ("[1, "a", nil]").
  std::string ToString() const;
  // Encodes back to RESP bytes (round trip: Parse(Encode(v)) == v).
  std::string Encode() const;
  bool operator==(const RespValue& o) const;
  bool operator!=(const RespValue& o) const { return !(*this == o); }

 private:
  static RespValue Make(Type t, std::string s) {
    RespValue r;
    r.type = t;
    r.str = std::move(s);
    return r;
  }
};

class ReplyParser {
 public:
  enum class Result { kOk, kNeedMore, kError };
  static constexpr int kMaxDepth = 128;
  static constexpr int64_t kMaxElements = 1LL << 32;
  static constexpr int64_t kMaxBulk = 1LL << 32;

  // Parses one value from data[0..size). On kOk, *consumed is its length.
  static Result Parse(const char* data, size_t size, RespValue* out, size_t* consumed,
                      std::string* error);
};

}  // namespace redsim
