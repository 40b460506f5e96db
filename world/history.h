// History: what the simulated clients saw, as Jepsen records it. Each operation is an `invoke`
// followed by `ok` (it happened), `fail` (it certainly did not happen) or `info` (unknown:
// timeout, connection lost); nemesis actions are `info` entries of process "nemesis". Times are
// simulated ns. Written as JSON lines in the format documented in checkers/README.md.
//
// Storage is compact (about 48 bytes an entry): operation names, keys and error texts are
// interned; values are typed (null, integer, boolean, string) with integers and booleans held in
// the entry and string bytes, unescaped, in one shared buffer. Only values of other shapes (lists,
// maps) are kept as JSON text. A long run records millions of entries without reallocating and
// copying them. Checkers read values as checkers::Datum straight from this storage (ValueDatum),
// so checking a run parses no JSON for typed values; JSON text is produced only when a file or
// report asks for it (ToJsonLines), byte for byte what the recorded JSON text was.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "checkers/datum.h"

namespace redsim::world {

enum class OpType : uint8_t { kInvoke, kOk, kFail, kInfo };

// How an entry's value is stored. kString holds the raw bytes (JSON-escaped only on output);
// kDatum a checkers::Datum recorded as such (lists, maps); kJson JSON text for any other value.
enum class ValueKind : uint8_t { kNull, kInt, kBool, kString, kDatum, kJson };

struct HistoryEntry {
  int64_t time_ns = 0;
  int32_t process = 0;  // -1 for the nemesis
  OpType type = OpType::kInvoke;
  ValueKind value_kind = ValueKind::kNull;
  uint32_t f = 0;             // interned operation name
  uint32_t key = 0;           // interned key (0 = none)
  uint32_t error = 0;         // interned error text (0 = none)
  uint64_t value_offset = 0;  // kInt/kBool: the value itself; kString/kJson: into the buffer
  uint32_t value_len = 0;
};

class History {
 public:
  History();

  // Records an entry; `value_json` is JSON text ("17", "\"abc\"", "null", "[1,2]"). Null, plain
  // integers, booleans and strings that need no escapes are stored typed (see ValueKind).
  void Add(int32_t process, OpType type, std::string_view f, std::string_view key,
           std::string_view value_json, int64_t time_ns, std::string_view error = {});
  // The interned id of a name (operation, key or error text; "" is 0). Hot loops intern their
  // names once and record with AddInterned.
  uint32_t Intern(std::string_view s);
  void AddInterned(int32_t process, OpType type, uint32_t f, uint32_t key,
                   std::string_view value_json, int64_t time_ns, uint32_t error = 0);
  // Records a plain string value, written as its JSON string (what JsonString would give).
  void AddInternedString(int32_t process, OpType type, uint32_t f, uint32_t key,
                         std::string_view value, int64_t time_ns);
  // Records a structured value (a list, a map) without writing it as JSON. Its strings are raw
  // bytes, written as JsonString would; integers, booleans and nil as in JSON.
  void Add(int32_t process, OpType type, std::string_view f, std::string_view key,
           checkers::Datum value, int64_t time_ns, std::string_view error = {});
  // Records an integer value.
  void AddInternedInt(int32_t process, OpType type, uint32_t f, uint32_t key, int64_t value,
                      int64_t time_ns);

  size_t size() const { return entries_.size(); }
  const std::deque<HistoryEntry>& entries() const { return entries_; }
  std::string_view name(uint32_t id) const { return names_[id]; }
  // The stored bytes of a kString or kJson value.
  std::string_view stored(const HistoryEntry& e) const {
    return std::string_view(values_).substr(e.value_offset, e.value_len);
  }
  // Appends the value's JSON text, exactly as recorded.
  void AppendValueJson(const HistoryEntry& e, std::string* out) const;
  // The value as the checkers read it: what checkers::ParseJson would give for the JSON text
  // (a string's bytes from 0x80 up become UTF-8, as its \u00XX escapes would). Only kJson values
  // are parsed; false (with *error set) if that text is not JSON.
  bool ValueDatum(const HistoryEntry& e, checkers::Datum* out, std::string* error) const;
  uint64_t count(OpType t) const;
  // One JSON object per line.
  std::string ToJsonLines() const;

  static std::string JsonString(std::string_view s);
  // Appends the JSON string of `s` to `out`.
  static void AppendJsonString(std::string_view s, std::string* out);

 private:
  // Lets the name table be searched by string_view without building a std::string.
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::deque<HistoryEntry> entries_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, uint32_t, NameHash, std::equal_to<>> name_ids_;
  std::string values_;
  std::vector<checkers::Datum> datums_;  // kDatum values
};

}  // namespace redsim::world
