// History: what the simulated clients saw, as Jepsen records it. Each operation is an `invoke`
// followed by `ok` (it happened), `fail` (it certainly did not happen) or `info` (unknown:
// timeout, connection lost); nemesis actions are `info` entries of process "nemesis". Times are
// simulated ns. Written as JSON lines in the format documented in checkers/README.md.
//
// Storage is compact (about 40 bytes an entry): operation names, keys and error texts are
// interned, values are kept as JSON text in one shared buffer. A long run records millions of
// entries without reallocating and copying them.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace redsim::world {

enum class OpType : uint8_t { kInvoke, kOk, kFail, kInfo };

struct HistoryEntry {
  int64_t time_ns = 0;
  int32_t process = 0;  // -1 for the nemesis
  OpType type = OpType::kInvoke;
  uint32_t f = 0;      // interned operation name
  uint32_t key = 0;    // interned key (0 = none)
  uint32_t error = 0;  // interned error text (0 = none)
  uint64_t value_offset = 0;
  uint32_t value_len = 0;  // 0 = null
};

class History {
 public:
  History();

  // Records an entry; `value_json` is JSON text ("17", "\"abc\"", "null", "[1,2]").
  void Add(int32_t process, OpType type, std::string_view f, std::string_view key,
           std::string_view value_json, int64_t time_ns, std::string_view error = {});
  // The interned id of a name (operation, key or error text; "" is 0). Hot loops intern their
  // names once and record with AddInterned.
  uint32_t Intern(std::string_view s);
  void AddInterned(int32_t process, OpType type, uint32_t f, uint32_t key,
                   std::string_view value_json, int64_t time_ns, uint32_t error = 0);
  // Records a plain string value, stored as its JSON string (what JsonString would give).
  void AddInternedString(int32_t process, OpType type, uint32_t f, uint32_t key,
                         std::string_view value, int64_t time_ns);

  size_t size() const { return entries_.size(); }
  const std::deque<HistoryEntry>& entries() const { return entries_; }
  std::string_view name(uint32_t id) const { return names_[id]; }
  std::string_view value(const HistoryEntry& e) const {
    return e.value_len == 0 ? std::string_view("null")
                            : std::string_view(values_).substr(e.value_offset, e.value_len);
  }
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
};

}  // namespace redsim::world
