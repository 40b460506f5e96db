#include "checkers/json.h"

#include <charconv>
#include <cstdlib>
#include <string>

namespace redsim::checkers {

namespace {

class JsonParser {
 public:
  JsonParser(std::string_view text, int first_line) : text_(text), line_(first_line) {}

  bool ParseFieldsDocument(MapFieldSink* sink, SourceError* error) {
    SkipSpace();
    if (pos_ >= text_.size() || text_[pos_] != '{') {
      Fail("expected a JSON object");
      return Report(error);
    }
    ++pos_;
    SkipSpace();
    bool first = true;
    while (true) {
      SkipSpace();
      if (first && pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        break;
      }
      first = false;
      if (pos_ >= text_.size() || text_[pos_] != '"') {
        Fail("expected a string key in object");
        return Report(error);
      }
      size_t key_pos = pos_;
      int key_line = line_;
      size_t key_line_start = line_start_;
      std::string key;
      if (!ParseString(&key)) return Report(error);
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != ':') {
        Fail("expected ':' after object key");
        return Report(error);
      }
      ++pos_;
      SkipSpace();
      Datum value;
      if (!ParseValue(&value, 1)) return Report(error);
      std::string message;
      if (!sink->Field(key, std::move(value), &message)) {
        error_.line = key_line;
        error_.column = static_cast<int>(key_pos - key_line_start) + 1;
        error_.message = std::move(message);
        return Report(error);
      }
      SkipSpace();
      if (pos_ >= text_.size()) {
        Fail("unterminated object, expected ',' or '}'");
        return Report(error);
      }
      char c = text_[pos_++];
      if (c == '}') break;
      if (c != ',') {
        --pos_;
        Fail("expected ',' or '}' in object");
        return Report(error);
      }
    }
    SkipSpace();
    if (pos_ != text_.size()) {
      Fail("unexpected text after the JSON value");
      return Report(error);
    }
    return true;
  }

  bool ParseDocument(Datum* out, SourceError* error) {
    SkipSpace();
    if (!ParseValue(out, 0)) return Report(error);
    SkipSpace();
    if (pos_ != text_.size()) {
      Fail("unexpected text after the JSON value");
      return Report(error);
    }
    return true;
  }

 private:
  bool Report(SourceError* error) {
    if (error) *error = error_;
    return false;
  }

  bool Fail(std::string message) {
    if (error_.message.empty()) {
      error_.line = line_;
      error_.column = static_cast<int>(pos_ - line_start_) + 1;
      error_.message = std::move(message);
    }
    return false;
  }

  void SkipSpace() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '\n') {
        ++line_;
        line_start_ = pos_ + 1;
      } else if (c != ' ' && c != '\t' && c != '\r') {
        return;
      }
      ++pos_;
    }
  }

  bool ParseValue(Datum* out, int depth) {
    if (depth > kMaxJsonDepth) return Fail("JSON nested too deeply");
    if (pos_ >= text_.size()) return Fail("unexpected end of input, expected a value");
    char c = text_[pos_];
    switch (c) {
      case '{':
        return ParseObject(out, depth);
      case '[':
        return ParseArray(out, depth);
      case '"': {
        std::string s;
        if (!ParseString(&s)) return false;
        *out = Datum::String(std::move(s));
        return true;
      }
      case 't':
        return ParseWord("true", Datum::Bool(true), out);
      case 'f':
        return ParseWord("false", Datum::Bool(false), out);
      case 'n':
        return ParseWord("null", Datum(), out);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return ParseNumber(out);
        return Fail(std::string("unexpected character '") + c + "', expected a value");
    }
  }

  bool ParseWord(std::string_view word, Datum value, Datum* out) {
    if (text_.substr(pos_, word.size()) != word) {
      return Fail("invalid literal, expected '" + std::string(word) + "'");
    }
    pos_ += word.size();
    *out = std::move(value);
    return true;
  }

  bool ParseNumber(Datum* out) {
    size_t start = pos_;
    if (text_[pos_] == '-') ++pos_;
    if (pos_ >= text_.size() || !IsDigit(text_[pos_])) return Fail("invalid number");
    if (text_[pos_] == '0' && pos_ + 1 < text_.size() && IsDigit(text_[pos_ + 1])) {
      return Fail("invalid number: leading zero");
    }
    while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
    bool integral = true;
    if (pos_ < text_.size() && text_[pos_] == '.') {
      integral = false;
      ++pos_;
      if (pos_ >= text_.size() || !IsDigit(text_[pos_]))
        return Fail("invalid number: no digits after '.'");
      while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      integral = false;
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (pos_ >= text_.size() || !IsDigit(text_[pos_]))
        return Fail("invalid number: bad exponent");
      while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
    }
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    if (integral) {
      int64_t v = 0;
      auto [ptr, ec] = std::from_chars(first, last, v);
      if (ec == std::errc() && ptr == last) {
        *out = Datum::Int(v);
        return true;
      }
    }
    double d = 0;
    auto [ptr, ec] = std::from_chars(first, last, d);
    if (ec != std::errc() || ptr != last) d = strtod(std::string(first, last).c_str(), nullptr);
    *out = Datum::Double(d);
    return true;
  }

  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }

  static int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool ParseHex4(uint32_t* out) {
    if (pos_ + 4 > text_.size()) return Fail("truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      int h = HexValue(text_[pos_ + i]);
      if (h < 0) return Fail("invalid \\u escape");
      v = v * 16 + static_cast<uint32_t>(h);
    }
    pos_ += 4;
    *out = v;
    return true;
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  bool ParseEscape(std::string* out) {
    if (pos_ >= text_.size()) return Fail("unterminated string");
    char e = text_[pos_++];
    switch (e) {
      case '"':
        out->push_back('"');
        return true;
      case '\\':
        out->push_back('\\');
        return true;
      case '/':
        out->push_back('/');
        return true;
      case 'b':
        out->push_back('\b');
        return true;
      case 'f':
        out->push_back('\f');
        return true;
      case 'n':
        out->push_back('\n');
        return true;
      case 'r':
        out->push_back('\r');
        return true;
      case 't':
        out->push_back('\t');
        return true;
      case 'u': {
        uint32_t cp;
        if (!ParseHex4(&cp)) return false;
        if (cp >= 0xD800 && cp < 0xDC00) {
          // A high surrogate must be followed by an escaped low surrogate.
          if (text_.substr(pos_, 2) != "\\u") return Fail("unpaired surrogate in \\u escape");
          pos_ += 2;
          uint32_t low;
          if (!ParseHex4(&low)) return false;
          if (low < 0xDC00 || low > 0xDFFF) return Fail("unpaired surrogate in \\u escape");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return Fail("unpaired surrogate in \\u escape");
        }
        AppendUtf8(cp, out);
        return true;
      }
      default:
        --pos_;
        return Fail(std::string("invalid escape '\\") + e + "'");
    }
  }

  bool ParseString(std::string* out) {
    ++pos_;  // opening quote
    while (true) {
      size_t run = pos_;
      while (pos_ < text_.size() && text_[pos_] != '"' && text_[pos_] != '\\' &&
             static_cast<unsigned char>(text_[pos_]) >= 0x20) {
        ++pos_;
      }
      out->append(text_.substr(run, pos_ - run));
      if (pos_ >= text_.size()) return Fail("unterminated string");
      char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c == '\\') {
        ++pos_;
        if (!ParseEscape(out)) return false;
        continue;
      }
      return Fail("control character in string");
    }
  }

  bool ParseArray(Datum* out, int depth) {
    ++pos_;
    Datum::List items;
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      *out = Datum::MakeList(std::move(items));
      return true;
    }
    while (true) {
      SkipSpace();
      Datum item;
      if (!ParseValue(&item, depth + 1)) return false;
      items.push_back(std::move(item));
      SkipSpace();
      if (pos_ >= text_.size()) return Fail("unterminated array, expected ',' or ']'");
      char c = text_[pos_++];
      if (c == ']') break;
      if (c != ',') {
        --pos_;
        return Fail("expected ',' or ']' in array");
      }
    }
    *out = Datum::MakeList(std::move(items));
    return true;
  }

  bool ParseObject(Datum* out, int depth) {
    ++pos_;
    Datum::Map entries;
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      *out = Datum::MakeMap(std::move(entries));
      return true;
    }
    while (true) {
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != '"')
        return Fail("expected a string key in object");
      std::string key;
      if (!ParseString(&key)) return false;
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != ':') return Fail("expected ':' after object key");
      ++pos_;
      SkipSpace();
      Datum value;
      if (!ParseValue(&value, depth + 1)) return false;
      entries.emplace_back(Datum::String(std::move(key)), std::move(value));
      SkipSpace();
      if (pos_ >= text_.size()) return Fail("unterminated object, expected ',' or '}'");
      char c = text_[pos_++];
      if (c == '}') break;
      if (c != ',') {
        --pos_;
        return Fail("expected ',' or '}' in object");
      }
    }
    *out = Datum::MakeMap(std::move(entries));
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
  int line_;
  size_t line_start_ = 0;
  SourceError error_;
};

}  // namespace

bool ParseJsonObjectFields(std::string_view text, MapFieldSink* sink, SourceError* error,
                           int first_line) {
  JsonParser parser(text, first_line);
  return parser.ParseFieldsDocument(sink, error);
}

bool ParseJson(std::string_view text, Datum* out, SourceError* error, int first_line) {
  JsonParser parser(text, first_line);
  return parser.ParseDocument(out, error);
}

}  // namespace redsim::checkers
