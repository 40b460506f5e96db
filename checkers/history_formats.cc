#include "checkers/history_formats.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "checkers/edn.h"
#include "checkers/json.h"

namespace redsim::checkers {

namespace {

constexpr std::string_view kJepsenMarker = "jepsen.util - ";
constexpr size_t kMaxHistoryBytes = size_t{1} << 31;  // 2 GiB: refuse bigger files outright

bool SetError(int line, int column, std::string message, SourceError* error) {
  if (error) {
    error->line = line;
    error->column = column;
    error->message = std::move(message);
  }
  return false;
}

// Calls fn(line_text, line_number) for each line; stops when fn returns false.
template <class Fn>
bool ForEachLine(std::string_view text, Fn fn) {
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++line_no;
    if (!fn(line, line_no)) return false;
    pos = end + 1;
  }
  return true;
}

bool IsBlank(std::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t') return false;
  }
  return true;
}

bool ParseEventType(std::string_view name, EventType* out) {
  if (name == "invoke")
    *out = EventType::kInvoke;
  else if (name == "ok")
    *out = EventType::kOk;
  else if (name == "fail")
    *out = EventType::kFail;
  else if (name == "info")
    *out = EventType::kInfo;
  else
    return false;
  return true;
}

// Builds an Event from the fields of one map (JSON object or EDN map) as the parser reads them.
// Field names are the same in both formats ("process" / :process). Unknown fields are ignored.
class EventBuilder final : public MapFieldSink {
 public:
  void Reset(int line) {
    // Field by field: cheaper than assigning a fresh Event, and every field is covered.
    event_.process = 0;
    event_.nemesis = false;
    event_.type = EventType::kInvoke;
    event_.f.clear();
    event_.key = Datum();
    event_.value = Datum();
    event_.error = Datum();
    event_.time_ns = -1;
    event_.line = line;
    has_process_ = has_type_ = has_f_ = false;
    header_ = false;
    header_version_ = Datum();
    header_model_ = Datum();
  }

  bool Field(std::string_view key, Datum&& value, std::string* message) override {
    if (key == "process") {
      if (value.is_int() && value.int_value() >= 0) {
        event_.process = value.int_value();
      } else if (value.is_name() && value.text() == "nemesis") {
        event_.nemesis = true;
        event_.process = -1;
      } else {
        *message = "'process' must be a non-negative integer or \"nemesis\", not " + value.ToText();
        return false;
      }
      has_process_ = true;
    } else if (key == "type") {
      if (!value.is_name() || !ParseEventType(value.text(), &event_.type)) {
        *message = "'type' must be invoke, ok, fail or info, not " + value.ToText();
        return false;
      }
      has_type_ = true;
    } else if (key == "f") {
      if (!value.is_name() || value.text().empty()) {
        *message = "'f' must be a non-empty string, not " + value.ToText();
        return false;
      }
      event_.f = value.text();
      has_f_ = true;
    } else if (key == "key") {
      event_.key = std::move(value);
    } else if (key == "value") {
      event_.value = std::move(value);
    } else if (key == "error") {
      event_.error = std::move(value);
    } else if (key == "time_ns" || key == "time") {  // Jepsen's EDN calls it :time
      if (value.is_nil()) return true;
      if (!value.is_int() || value.int_value() < 0) {
        *message = "time must be a non-negative integer of nanoseconds, not " + value.ToText();
        return false;
      }
      event_.time_ns = value.int_value();
    } else if (key == "redsim_history") {
      header_ = true;
      header_version_ = std::move(value);
    } else if (key == "model") {
      header_model_ = std::move(value);
    }
    return true;
  }

  // Checks that the required fields were present.
  bool Finish(std::string* message) const {
    const char* missing = !has_process_ ? "process" : !has_type_ ? "type" : !has_f_ ? "f" : nullptr;
    if (missing) {
      *message = std::string("missing field '") + missing + "'";
      return false;
    }
    return true;
  }

  Event& event() { return event_; }
  bool header() const { return header_; }
  const Datum& header_version() const { return header_version_; }
  const Datum& header_model() const { return header_model_; }

 private:
  Event event_;
  bool has_process_ = false, has_type_ = false, has_f_ = false;
  bool header_ = false;
  Datum header_version_, header_model_;
};

// Column of `"field"` in a JSON line, so whole-line errors can point at a field (1 if absent).
int FieldColumn(std::string_view line, std::string_view field) {
  std::string quoted = "\"" + std::string(field) + "\"";
  size_t at = line.find(quoted);
  return at == std::string_view::npos ? 1 : static_cast<int>(at) + 1;
}

size_t CountLines(std::string_view text) {
  size_t n = 0;
  for (char c : text) n += c == '\n';
  return n + 1;
}

bool ParseJsonl(std::string_view text, History* out, SourceError* error) {
  bool seen_event = false;
  int64_t last_time = -1;
  EventBuilder builder;
  out->events.reserve(CountLines(text));
  return ForEachLine(text, [&](std::string_view line, int line_no) {
    if (IsBlank(line)) return true;
    builder.Reset(line_no);
    if (!ParseJsonObjectFields(line, &builder, error, line_no)) return false;
    if (builder.header()) {
      if (seen_event) return SetError(line_no, 1, "the header must be the first line", error);
      seen_event = true;
      const Datum& version = builder.header_version();
      if (!version.is_int() || version.int_value() != 1) {
        return SetError(line_no, FieldColumn(line, "redsim_history"),
                        "unsupported history version " + version.ToText() + " (expected 1)", error);
      }
      if (!builder.header_model().is_nil()) {
        if (!builder.header_model().is_string()) {
          return SetError(line_no, FieldColumn(line, "model"), "'model' must be a string", error);
        }
        out->model = builder.header_model().text();
      }
      return true;
    }
    seen_event = true;
    std::string message;
    if (!builder.Finish(&message)) return SetError(line_no, 1, message, error);
    Event& e = builder.event();
    if (e.time_ns >= 0) {
      // The recorder promises real-time order; a time going back means the file is broken.
      if (e.time_ns < last_time) {
        return SetError(line_no, FieldColumn(line, "time_ns"),
                        "time_ns goes backwards (" + std::to_string(e.time_ns) + " after " +
                            std::to_string(last_time) + "): events must be in real-time order",
                        error);
      }
      last_time = e.time_ns;
    }
    out->events.push_back(std::move(e));
    return true;
  });
}

// Collects the operation maps of an EDN history (or of one Porcupine kv line) as Events.
class EdnEventCollector final : public EdnMapVisitor {
 public:
  explicit EdnEventCollector(History* out) : out_(out) {}
  MapFieldSink* BeginMap(int line, int) override {
    builder_.Reset(line);
    return &builder_;
  }
  bool EndMap(std::string* message) override {
    if (!builder_.Finish(message)) return false;
    out_->events.push_back(std::move(builder_.event()));
    ++maps_;
    return true;
  }
  int maps() const { return maps_; }

 private:
  History* out_;
  EventBuilder builder_;
  int maps_ = 0;
};

// Splits off the next whitespace-separated token of `rest`, returning its offset in the line.
std::string_view NextToken(std::string_view* rest) {
  size_t start = rest->find_first_not_of(" \t");
  if (start == std::string_view::npos) {
    *rest = {};
    return {};
  }
  size_t end = rest->find_first_of(" \t", start);
  if (end == std::string_view::npos) end = rest->size();
  std::string_view tok = rest->substr(start, end - start);
  *rest = rest->substr(end);
  return tok;
}

bool ParseJepsenLine(std::string_view line, size_t body_at, int line_no, Event* e,
                     SourceError* error) {
  std::string_view rest = line.substr(body_at);
  auto column_of = [&](std::string_view tok) {
    return static_cast<int>(tok.data() - line.data()) + 1;
  };
  std::string_view process = NextToken(&rest);
  std::string_view type = NextToken(&rest);
  std::string_view f = NextToken(&rest);
  if (f.empty()) {
    return SetError(line_no, static_cast<int>(line.size()) + 1,
                    "expected '<process> <:type> <:f> <value>' after 'jepsen.util - '", error);
  }
  e->line = line_no;
  if (process == ":nemesis" || process == "nemesis") {
    e->nemesis = true;
    e->process = -1;
  } else {
    char* end = nullptr;
    std::string p(process);
    long long v = strtoll(p.c_str(), &end, 10);
    if (p.empty() || end != p.c_str() + p.size() || v < 0) {
      return SetError(line_no, column_of(process), "invalid process '" + p + "'", error);
    }
    e->process = v;
  }
  std::string_view type_name = type.substr(type.starts_with(':') ? 1 : 0);
  if (!ParseEventType(type_name, &e->type)) {
    return SetError(line_no, column_of(type), "invalid type '" + std::string(type) + "'", error);
  }
  e->f = std::string(f.substr(f.starts_with(':') ? 1 : 0));
  size_t value_at = rest.find_first_not_of(" \t");
  if (value_at == std::string_view::npos) return true;  // no value: nil
  std::string_view value_text = rest.substr(value_at);
  int value_column = column_of(value_text);
  SourceError value_error;
  if (!ParseEdn(value_text, &e->value, &value_error, line_no)) {
    // Report the column within the whole line, not within the value.
    return SetError(line_no, value_column + value_error.column - 1, value_error.message, error);
  }
  return true;
}

bool ParseJepsenLog(std::string_view text, History* out, SourceError* error) {
  bool ok = ForEachLine(text, [&](std::string_view line, int line_no) {
    size_t at = line.find(kJepsenMarker);
    if (at == std::string_view::npos) return true;  // other log lines carry no events
    Event e;
    if (!ParseJepsenLine(line, at + kJepsenMarker.size(), line_no, &e, error)) return false;
    out->events.push_back(std::move(e));
    return true;
  });
  if (ok && out->events.empty() && !IsBlank(text)) {
    return SetError(1, 1, "no Jepsen history lines ('... jepsen.util - <process> ...') found",
                    error);
  }
  return ok;
}

bool ParsePorcupineKv(std::string_view text, History* out, SourceError* error) {
  EdnEventCollector collector(out);
  out->events.reserve(CountLines(text));
  return ForEachLine(text, [&](std::string_view line, int line_no) {
    if (IsBlank(line)) return true;
    int before = collector.maps();
    if (!ParseEdnMaps(line, &collector, error, line_no)) return false;
    if (collector.maps() != before + 1) {
      return SetError(line_no, 1, "expected exactly one EDN map per line", error);
    }
    return true;
  });
}

bool ParseEdnHistory(std::string_view text, History* out, SourceError* error) {
  EdnEventCollector collector(out);
  out->events.reserve(std::count(
      text.begin(), text.end(), '{'));  // an upper bound (strings may hold braces): no reallocation
  return ParseEdnMaps(text, &collector, error);
}

bool HasSuffix(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

const char* HistoryFormatName(HistoryFormat format) {
  switch (format) {
    case HistoryFormat::kAuto:
      return "auto";
    case HistoryFormat::kJsonl:
      return "jsonl";
    case HistoryFormat::kJepsen:
      return "jepsen";
    case HistoryFormat::kPorcupineKv:
      return "porcupine-kv";
    case HistoryFormat::kEdn:
      return "edn";
  }
  return "?";
}

bool ParseHistoryFormat(std::string_view name, HistoryFormat* out) {
  for (HistoryFormat f : {HistoryFormat::kAuto, HistoryFormat::kJsonl, HistoryFormat::kJepsen,
                          HistoryFormat::kPorcupineKv, HistoryFormat::kEdn}) {
    if (name == HistoryFormatName(f)) {
      *out = f;
      return true;
    }
  }
  return false;
}

HistoryFormat DetectHistoryFormat(std::string_view path, std::string_view text) {
  if (HasSuffix(path, ".edn")) return HistoryFormat::kEdn;
  if (HasSuffix(path, ".jsonl") || HasSuffix(path, ".json")) return HistoryFormat::kJsonl;
  std::string_view head = text.substr(0, 4096);
  if (head.find(kJepsenMarker) != std::string_view::npos) return HistoryFormat::kJepsen;
  size_t first = head.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return HistoryFormat::kJsonl;
  char c = head[first];
  if (c == '[' || c == '(' || c == ';') return HistoryFormat::kEdn;
  if (c == '{') {
    size_t next = head.find_first_not_of(" \t\r\n", first + 1);
    if (next != std::string_view::npos && head[next] == ':') {
      // EDN maps: one per line is the Porcupine kv layout; otherwise a bare EDN sequence.
      return HistoryFormat::kPorcupineKv;
    }
    return HistoryFormat::kJsonl;
  }
  return HistoryFormat::kJsonl;
}

bool ParseHistory(std::string_view text, HistoryFormat format, std::string_view path, History* out,
                  SourceError* error) {
  out->events.clear();
  out->model.clear();
  if (format == HistoryFormat::kAuto) format = DetectHistoryFormat(path, text);
  out->format = HistoryFormatName(format);
  switch (format) {
    case HistoryFormat::kJsonl:
      return ParseJsonl(text, out, error);
    case HistoryFormat::kJepsen:
      return ParseJepsenLog(text, out, error);
    case HistoryFormat::kPorcupineKv:
      return ParsePorcupineKv(text, out, error);
    case HistoryFormat::kEdn:
      return ParseEdnHistory(text, out, error);
    case HistoryFormat::kAuto:
      break;
  }
  return SetError(0, 0, "unknown history format", error);
}

bool LoadHistoryFile(const std::string& path, HistoryFormat format, History* out,
                     SourceError* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return SetError(0, 0, "cannot open '" + path + "'", error);
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  if (size < 0) return SetError(0, 0, "cannot read '" + path + "'", error);
  if (static_cast<size_t>(size) > kMaxHistoryBytes) {
    return SetError(0, 0, "'" + path + "' is larger than 2 GiB", error);
  }
  in.seekg(0, std::ios::beg);
  std::string text(static_cast<size_t>(size), '\0');
  if (!in.read(text.data(), size)) return SetError(0, 0, "cannot read '" + path + "'", error);
  return ParseHistory(text, format, path, out, error);
}

std::string JsonlHeader(std::string_view model) {
  std::string out = "{\"redsim_history\":1,\"model\":";
  AppendJsonString(model, &out);
  out.push_back('}');
  return out;
}

std::string EventToJsonl(const Event& event) {
  std::string out = "{\"process\":";
  if (event.nemesis) {
    out.append("\"nemesis\"");
  } else {
    out.append(std::to_string(event.process));
  }
  out.append(",\"type\":\"");
  out.append(EventTypeName(event.type));
  out.append("\",\"f\":");
  AppendJsonString(event.f, &out);
  if (!event.key.is_nil()) {
    out.append(",\"key\":");
    event.key.AppendJson(&out);
  }
  out.append(",\"value\":");
  event.value.AppendJson(&out);
  if (!event.error.is_nil()) {
    out.append(",\"error\":");
    event.error.AppendJson(&out);
  }
  if (event.time_ns >= 0) {
    out.append(",\"time_ns\":");
    out.append(std::to_string(event.time_ns));
  }
  out.push_back('}');
  return out;
}

}  // namespace redsim::checkers
