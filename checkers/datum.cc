#include "checkers/datum.h"

#include <cmath>
#include <cstdio>
#include <cstring>

namespace redsim::checkers {

namespace {

const Datum::List& EmptyList() {
  static const Datum::List kEmpty;
  return kEmpty;
}

const Datum::Map& EmptyMap() {
  static const Datum::Map kEmpty;
  return kEmpty;
}

uint64_t Mix(uint64_t h, uint64_t v) {
  // splitmix64-style finaliser folded into a running hash: cheap and well spread.
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h ^= h >> 31;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 29;
  return h;
}

uint64_t HashBytes(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a: strings here are short.
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

void AppendDouble(double v, std::string* out) {
  if (!std::isfinite(v)) {
    out->append("null");  // JSON has no infinities; histories never need them.
    return;
  }
  char buf[32];
  int n = snprintf(buf, sizeof(buf), "%.17g", v);
  out->append(buf, n);
}

}  // namespace

Datum Datum::Bool(bool b) {
  Datum d;
  d.kind_ = Kind::kBool;
  d.num_.int_value = b ? 1 : 0;
  return d;
}

Datum Datum::Int(int64_t v) {
  Datum d;
  d.kind_ = Kind::kInt;
  d.num_.int_value = v;
  return d;
}

Datum Datum::Double(double v) {
  Datum d;
  d.kind_ = Kind::kDouble;
  d.num_.double_value = v;
  return d;
}

Datum Datum::String(std::string s) {
  Datum d;
  d.kind_ = Kind::kString;
  d.text_ = std::move(s);
  return d;
}

Datum Datum::Keyword(std::string name) {
  Datum d;
  d.kind_ = Kind::kKeyword;
  d.text_ = std::move(name);
  return d;
}

Datum Datum::MakeList(List items) {
  Datum d;
  d.kind_ = Kind::kList;
  d.tree_ = std::make_shared<const List>(std::move(items));
  return d;
}

Datum Datum::MakeMap(Map entries) {
  Datum d;
  d.kind_ = Kind::kMap;
  d.tree_ = std::make_shared<const Map>(std::move(entries));
  return d;
}

const Datum::List& Datum::items() const {
  return kind_ == Kind::kList ? *static_cast<const List*>(tree_.get()) : EmptyList();
}

const Datum::Map& Datum::entries() const {
  return kind_ == Kind::kMap ? *static_cast<const Map*>(tree_.get()) : EmptyMap();
}

const Datum* Datum::Find(std::string_view name) const {
  for (const auto& [k, v] : entries()) {
    if (k.is_name() && k.text() == name) return &v;
  }
  return nullptr;
}

bool Datum::operator==(const Datum& other) const {
  if (kind_ != other.kind_) return false;
  switch (kind_) {
    case Kind::kNil:
      return true;
    case Kind::kBool:
    case Kind::kInt:
      return num_.int_value == other.num_.int_value;
    case Kind::kDouble:
      return num_.double_value == other.num_.double_value;
    case Kind::kString:
    case Kind::kKeyword:
      return text_ == other.text_;
    case Kind::kList:
      return tree_ == other.tree_ || items() == other.items();
    case Kind::kMap:
      return tree_ == other.tree_ || entries() == other.entries();
  }
  return false;
}

uint64_t Datum::Hash() const {
  uint64_t h = Mix(0, static_cast<uint64_t>(kind_));
  switch (kind_) {
    case Kind::kNil:
      return h;
    case Kind::kBool:
    case Kind::kInt:
      return Mix(h, static_cast<uint64_t>(num_.int_value));
    case Kind::kDouble: {
      uint64_t bits;
      memcpy(&bits, &num_.double_value, sizeof(bits));
      return Mix(h, bits);
    }
    case Kind::kString:
    case Kind::kKeyword:
      return Mix(h, HashBytes(text_));
    case Kind::kList:
      for (const Datum& d : items()) h = Mix(h, d.Hash());
      return Mix(h, items().size());
    case Kind::kMap:
      for (const auto& [k, v] : entries()) h = Mix(Mix(h, k.Hash()), v.Hash());
      return Mix(h, entries().size());
  }
  return h;
}

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20) {
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

void Datum::AppendJson(std::string* out) const {
  switch (kind_) {
    case Kind::kNil:
      out->append("null");
      return;
    case Kind::kBool:
      out->append(num_.int_value ? "true" : "false");
      return;
    case Kind::kInt:
      out->append(std::to_string(num_.int_value));
      return;
    case Kind::kDouble:
      AppendDouble(num_.double_value, out);
      return;
    case Kind::kString:
    case Kind::kKeyword:
      AppendJsonString(text_, out);
      return;
    case Kind::kList: {
      out->push_back('[');
      bool first = true;
      for (const Datum& d : items()) {
        if (!first) out->push_back(',');
        first = false;
        d.AppendJson(out);
      }
      out->push_back(']');
      return;
    }
    case Kind::kMap: {
      out->push_back('{');
      bool first = true;
      for (const auto& [k, v] : entries()) {
        if (!first) out->push_back(',');
        first = false;
        // JSON object keys must be strings: non-string keys are written as their text.
        if (k.is_name()) {
          AppendJsonString(k.text(), out);
        } else {
          AppendJsonString(k.ToText(), out);
        }
        out->push_back(':');
        v.AppendJson(out);
      }
      out->push_back('}');
      return;
    }
  }
}

std::string Datum::ToJson() const {
  std::string out;
  AppendJson(&out);
  return out;
}

void Datum::AppendText(std::string* out) const {
  switch (kind_) {
    case Kind::kNil:
      out->append("nil");
      return;
    case Kind::kKeyword:
      out->push_back(':');
      out->append(text_);
      return;
    case Kind::kList: {
      out->push_back('[');
      bool first = true;
      for (const Datum& d : items()) {
        if (!first) out->push_back(' ');
        first = false;
        d.AppendText(out);
      }
      out->push_back(']');
      return;
    }
    case Kind::kMap: {
      out->push_back('{');
      bool first = true;
      for (const auto& [k, v] : entries()) {
        if (!first) out->append(", ");
        first = false;
        k.AppendText(out);
        out->push_back(' ');
        v.AppendText(out);
      }
      out->push_back('}');
      return;
    }
    default:
      AppendJson(out);
  }
}

std::string Datum::ToText() const {
  std::string out;
  AppendText(&out);
  return out;
}

std::string SourceError::ToString() const {
  if (line <= 0) return message;
  if (column <= 0) return "line " + std::to_string(line) + ": " + message;
  return "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + message;
}

}  // namespace redsim::checkers
