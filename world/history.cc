#include "world/history.h"

#include <charconv>
#include <cstdio>

#include "checkers/json.h"

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

// Classifies recorded JSON text: the typed kinds are chosen only when writing the value back
// gives the same bytes (canonical integers; strings with no escapes and only printable ASCII).
void ClassifyJson(std::string_view json, ValueKind* kind, int64_t* int_value,
                  std::string_view* text) {
  *text = json;
  if (json.empty() || json == "null") {
    *kind = ValueKind::kNull;
    return;
  }
  if (json == "true" || json == "false") {
    *kind = ValueKind::kBool;
    *int_value = json == "true";
    return;
  }
  char c0 = json.front();
  if (c0 == '-' || (c0 >= '1' && c0 <= '9') || json == "0") {
    auto r = std::from_chars(json.data(), json.data() + json.size(), *int_value);
    if (r.ec == std::errc() && r.ptr == json.data() + json.size() && json != "-0" &&
        (json.size() < 2 || json[0] != '-' || json[1] != '0')) {
      *kind = ValueKind::kInt;
      return;
    }
  }
  if (c0 == '"' && json.size() >= 2 && json.back() == '"') {
    std::string_view inner = json.substr(1, json.size() - 2);
    bool plain = true;
    for (unsigned char c : inner) {
      if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
        plain = false;
        break;
      }
    }
    if (plain) {
      *kind = ValueKind::kString;
      *text = inner;
      return;
    }
  }
  *kind = ValueKind::kJson;
}

}  // namespace

void History::AddInterned(int32_t process, OpType type, uint32_t f, uint32_t key,
                          std::string_view value_json, int64_t time_ns, uint32_t error) {
  HistoryEntry e = Entry(process, type, f, key, time_ns, error);
  int64_t int_value = 0;
  std::string_view text;
  ClassifyJson(value_json, &e.value_kind, &int_value, &text);
  if (e.value_kind == ValueKind::kInt || e.value_kind == ValueKind::kBool) {
    e.value_offset = static_cast<uint64_t>(int_value);
  } else if (e.value_kind != ValueKind::kNull) {
    e.value_offset = values_.size();
    e.value_len = static_cast<uint32_t>(text.size());
    values_.append(text);
  }
  entries_.push_back(e);
}

void History::AddInternedString(int32_t process, OpType type, uint32_t f, uint32_t key,
                                std::string_view value, int64_t time_ns) {
  HistoryEntry e = Entry(process, type, f, key, time_ns, /*error=*/0);
  e.value_kind = ValueKind::kString;
  e.value_offset = values_.size();
  e.value_len = static_cast<uint32_t>(value.size());
  values_.append(value);
  entries_.push_back(e);
}

void History::AddInternedInt(int32_t process, OpType type, uint32_t f, uint32_t key, int64_t value,
                             int64_t time_ns) {
  HistoryEntry e = Entry(process, type, f, key, time_ns, /*error=*/0);
  e.value_kind = ValueKind::kInt;
  e.value_offset = static_cast<uint64_t>(value);
  entries_.push_back(e);
}

void History::Add(int32_t process, OpType type, std::string_view f, std::string_view key,
                  checkers::Datum value, int64_t time_ns, std::string_view error) {
  HistoryEntry e = Entry(process, type, Intern(f), Intern(key), time_ns, Intern(error));
  e.value_kind = ValueKind::kDatum;
  e.value_offset = datums_.size();
  datums_.push_back(std::move(value));
  entries_.push_back(e);
}

namespace {

// A recorded Datum as JSON: the same bytes as the JSON text a caller would have built with
// History::JsonString for its strings.
void AppendDatumJson(const checkers::Datum& d, std::string* out) {
  using Kind = checkers::Datum::Kind;
  switch (d.kind()) {
    case Kind::kString:
    case Kind::kKeyword:
      History::AppendJsonString(d.text(), out);
      return;
    case Kind::kList: {
      out->push_back('[');
      for (size_t i = 0; i < d.items().size(); ++i) {
        if (i > 0) out->push_back(',');
        AppendDatumJson(d.items()[i], out);
      }
      out->push_back(']');
      return;
    }
    case Kind::kMap: {
      out->push_back('{');
      bool first = true;
      for (const auto& [k, v] : d.entries()) {
        if (!first) out->push_back(',');
        first = false;
        History::AppendJsonString(k.is_name() ? k.text() : k.ToText(), out);
        out->push_back(':');
        AppendDatumJson(v, out);
      }
      out->push_back('}');
      return;
    }
    default:
      d.AppendJson(out);  // nil, booleans and numbers: no strings to escape
      return;
  }
}

// What a JSON reader gives for the \u00XX escapes AppendJsonString writes for bytes from 0x80
// up: the UTF-8 of U+00XX.
std::string Latin1ToUtf8(std::string_view raw) {
  std::string text;
  text.reserve(raw.size());
  for (unsigned char c : raw) {
    if (c < 0x80) {
      text.push_back(static_cast<char>(c));
    } else {
      text.push_back(static_cast<char>(0xC0 | (c >> 6)));
      text.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return text;
}

bool HasHighBytes(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return true;
  }
  return false;
}

// `d` as the checkers would read it back from its JSON; shares `d`'s tree when nothing changes.
checkers::Datum AsRead(const checkers::Datum& d) {
  using Kind = checkers::Datum::Kind;
  switch (d.kind()) {
    case Kind::kString:
    case Kind::kKeyword:
      return HasHighBytes(d.text()) || d.kind() == Kind::kKeyword
                 ? checkers::Datum::String(Latin1ToUtf8(d.text()))
                 : d;
    case Kind::kList: {
      checkers::Datum::List items;
      items.reserve(d.items().size());
      for (const auto& item : d.items()) items.push_back(AsRead(item));
      return checkers::Datum::MakeList(std::move(items));
    }
    case Kind::kMap: {
      checkers::Datum::Map entries;
      entries.reserve(d.entries().size());
      for (const auto& [k, v] : d.entries()) {
        entries.emplace_back(
            checkers::Datum::String(Latin1ToUtf8(k.is_name() ? k.text() : k.ToText())), AsRead(v));
      }
      return checkers::Datum::MakeMap(std::move(entries));
    }
    default:
      return d;
  }
}

}  // namespace

void History::AppendValueJson(const HistoryEntry& e, std::string* out) const {
  switch (e.value_kind) {
    case ValueKind::kNull:
      out->append("null");
      return;
    case ValueKind::kInt: {
      char buf[24];
      auto end = std::to_chars(buf, buf + sizeof(buf), static_cast<int64_t>(e.value_offset)).ptr;
      out->append(buf, static_cast<size_t>(end - buf));
      return;
    }
    case ValueKind::kBool:
      out->append(e.value_offset != 0 ? "true" : "false");
      return;
    case ValueKind::kString:
      AppendJsonString(stored(e), out);
      return;
    case ValueKind::kDatum:
      AppendDatumJson(datums_[e.value_offset], out);
      return;
    case ValueKind::kJson:
      out->append(stored(e));
      return;
  }
}

bool History::ValueDatum(const HistoryEntry& e, checkers::Datum* out, std::string* error) const {
  switch (e.value_kind) {
    case ValueKind::kNull:
      *out = checkers::Datum();
      return true;
    case ValueKind::kInt:
      *out = checkers::Datum::Int(static_cast<int64_t>(e.value_offset));
      return true;
    case ValueKind::kBool:
      *out = checkers::Datum::Bool(e.value_offset != 0);
      return true;
    case ValueKind::kString:
      *out = checkers::Datum::String(Latin1ToUtf8(stored(e)));
      return true;
    case ValueKind::kDatum:
      *out = AsRead(datums_[e.value_offset]);
      return true;
    case ValueKind::kJson: {
      checkers::SourceError perr;
      if (checkers::ParseJson(stored(e), out, &perr)) return true;
      *error = "bad value in history: " + perr.ToString();
      return false;
    }
  }
  return false;
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
    AppendValueJson(e, &out);
    out += ",\"time_ns\":" + std::to_string(e.time_ns);
    if (e.error != 0) out += ",\"error\":" + JsonString(name(e.error));
    out += "}\n";
  }
  return out;
}

}  // namespace redsim::world
