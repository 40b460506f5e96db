#include "world/history.h"

#include <cstdio>

namespace redsim::world {

History::History() { names_.emplace_back(); }  // id 0 = none

uint32_t History::Intern(std::string_view s) {
  if (s.empty()) return 0;
  auto it = name_ids_.find(s);
  if (it != name_ids_.end()) return it->second;
  uint32_t id = static_cast<uint32_t>(names_.size());
  names_.emplace_back(s);
  name_ids_.emplace(std::string(s), id);
  return id;
}

void History::Add(int32_t process, OpType type, std::string_view f, std::string_view key,
                  std::string_view value_json, int64_t time_ns, std::string_view error) {
  AddInterned(process, type, Intern(f), Intern(key), value_json, time_ns, Intern(error));
}

namespace {

HistoryEntry Entry(int32_t process, OpType type, uint32_t f, uint32_t key, int64_t time_ns,
                   uint32_t error) {
  HistoryEntry e;
  e.time_ns = time_ns;
  e.process = process;
  e.type = type;
  e.f = f;
  e.key = key;
  e.error = error;
  return e;
}

}  // namespace

void History::AddInterned(int32_t process, OpType type, uint32_t f, uint32_t key,
                          std::string_view value_json, int64_t time_ns, uint32_t error) {
  HistoryEntry e = Entry(process, type, f, key, time_ns, error);
  if (!value_json.empty() && value_json != "null") {
    e.value_offset = values_.size();
    e.value_len = static_cast<uint32_t>(value_json.size());
    values_.append(value_json);
  }
  entries_.push_back(e);
}

void History::AddInternedString(int32_t process, OpType type, uint32_t f, uint32_t key,
                                std::string_view value, int64_t time_ns) {
  HistoryEntry e = Entry(process, type, f, key, time_ns, /*error=*/0);
  e.value_offset = values_.size();
  AppendJsonString(value, &values_);
  e.value_len = static_cast<uint32_t>(values_.size() - e.value_offset);
  entries_.push_back(e);
}

uint64_t History::count(OpType t) const {
  uint64_t n = 0;
  for (const auto& e : entries_) n += e.type == t;
  return n;
}

std::string History::JsonString(std::string_view s) {
  std::string out;
  AppendJsonString(s, &out);
  return out;
}

void History::AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out->append("\\\"", 2);
        break;
      case '\\':
        out->append("\\\\", 2);
        break;
      case '\n':
        out->append("\\n", 2);
        break;
      case '\r':
        out->append("\\r", 2);
        break;
      case '\t':
        out->append("\\t", 2);
        break;
      default:
        if (c < 0x20 || c >= 0x7f) {
          char buf[8];
          snprintf(buf, sizeof(buf), "\\u%04x", c);
          out->append(buf);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

std::string History::ToJsonLines() const {
  static const char* kTypes[] = {"invoke", "ok", "fail", "info"};
  std::string out;
  for (const auto& e : entries_) {
    out += "{\"process\":";
    out += e.process < 0 ? "\"nemesis\"" : std::to_string(e.process);
    out += ",\"type\":\"";
    out += kTypes[static_cast<int>(e.type)];
    out += "\",\"f\":" + JsonString(name(e.f));
    if (e.key != 0) out += ",\"key\":" + JsonString(name(e.key));
    out += ",\"value\":";
    out += value(e);
    out += ",\"time_ns\":" + std::to_string(e.time_ns);
    if (e.error != 0) out += ",\"error\":" + JsonString(name(e.error));
    out += "}\n";
  }
  return out;
}

}  // namespace redsim::world
