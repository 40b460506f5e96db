#include "checkers/edn.h"

#include <charconv>
#include <cstdlib>
#include <string>

namespace redsim::checkers {

namespace {

// Character classes, as tables: the tokenizer looks every byte up.
constexpr uint8_t kSpace = 1;      // whitespace (commas are whitespace in EDN)
constexpr uint8_t kDelimiter = 2;  // ends a token

struct CharClasses {
  uint8_t of[256] = {};
  constexpr CharClasses() {
    for (char c : {' ', '\t', '\n', '\r', ','}) of[static_cast<uint8_t>(c)] = kSpace | kDelimiter;
    for (char c : {'(', ')', '[', ']', '{', '}', '"', ';'})
      of[static_cast<uint8_t>(c)] = kDelimiter;
  }
};
constexpr CharClasses kClasses;

bool IsEdnSpace(char c) { return kClasses.of[static_cast<uint8_t>(c)] & kSpace; }
bool IsDelimiter(char c) { return kClasses.of[static_cast<uint8_t>(c)] & kDelimiter; }

class EdnParser {
 public:
  EdnParser(std::string_view text, int first_line) : text_(text), line_(first_line) {}

  const SourceError& error() const { return error_; }

  // Skips whitespace and comments; false at end of input.
  bool SkipSpace() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '\n') {
        ++line_;
        line_start_ = pos_ + 1;
        ++pos_;
      } else if (IsEdnSpace(c)) {
        ++pos_;
      } else if (c == ';') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else {
        return true;
      }
    }
    return false;
  }

  int line() const { return line_; }
  int column() const { return static_cast<int>(pos_ - line_start_) + 1; }
  char Peek() const { return text_[pos_]; }
  void Advance() { ++pos_; }
  bool AtDiscard() const { return text_.substr(pos_, 2) == "#_"; }
  // Consumes `#_ form`.
  bool Discard() {
    pos_ += 2;
    Datum ignored;
    return ParseForm(&ignored, 1);
  }

  // Parses one form (a leading `#_ x` is skipped).
  bool ParseForm(Datum* out, int depth) {
    if (depth > kMaxEdnDepth) return Fail("EDN nested too deeply");
    while (true) {
      if (!SkipSpace()) return Fail("unexpected end of input, expected a form");
      if (text_.substr(pos_, 2) != "#_") break;
      pos_ += 2;
      Datum ignored;
      if (!ParseForm(&ignored, depth + 1)) return false;
    }
    char c = text_[pos_];
    switch (c) {
      case '(':
        return ParseSeq(')', out, depth);
      case '[':
        return ParseSeq(']', out, depth);
      case '{':
        return ParseMap(out, depth);
      case '"':
        return ParseString(out);
      case '\\':
        return ParseChar(out);
      case ')':
      case ']':
      case '}':
        return Fail(std::string("unexpected '") + c + "'");
      case '#':
        return ParseDispatch(out, depth);
      default:
        return ParseAtom(out);
    }
  }

  bool Fail(std::string message) {
    if (error_.message.empty()) {
      error_.line = line_;
      error_.column = column();
      error_.message = std::move(message);
    }
    return false;
  }

  // Reads a map at the current position, handing entries to `sink`.
  bool ParseMapFields(MapFieldSink* sink) {
    ++pos_;  // '{'
    while (true) {
      if (!SkipSpace()) return Fail("unterminated map, expected '}'");
      if (AtDiscard()) {
        if (!Discard()) return false;
        continue;
      }
      if (text_[pos_] == '}') {
        ++pos_;
        return true;
      }
      int key_line = line_;
      int key_column = column();
      // Keys are almost always keywords: read them as a view, without building a Datum.
      std::string_view key_name;
      Datum key;
      if (text_[pos_] == ':') {
        size_t start = ++pos_;
        while (pos_ < text_.size() && !IsDelimiter(text_[pos_])) ++pos_;
        key_name = text_.substr(start, pos_ - start);
        if (key_name.empty()) return Fail("empty keyword");
      } else {
        if (!ParseForm(&key, 1)) return false;
        if (!key.is_name()) return Fail("map key must be a keyword, not " + key.ToText());
        key_name = key.text();
      }
      if (!SkipSpace() || text_[pos_] == '}') return Fail("map literal has an odd number of forms");
      Datum value;
      if (!ParseForm(&value, 1)) return false;
      std::string message;
      if (!sink->Field(key_name, std::move(value), &message)) {
        error_.line = key_line;
        error_.column = key_column;
        error_.message = std::move(message);
        return false;
      }
    }
  }

 private:
  bool ParseDispatch(Datum* out, int depth) {
    ++pos_;
    if (pos_ >= text_.size()) return Fail("unexpected end of input after '#'");
    if (text_[pos_] == '{') return ParseSeq('}', out, depth);  // a set reads as a list
    // A tagged literal: `#tag form`. The tag names a type we do not need; keep the form.
    size_t start = pos_;
    while (pos_ < text_.size() && !IsDelimiter(text_[pos_])) ++pos_;
    if (pos_ == start) return Fail("invalid '#' dispatch");
    return ParseForm(out, depth + 1);
  }

  bool ParseSeq(char close, Datum* out, int depth) {
    ++pos_;
    Datum::List items;
    while (true) {
      if (!SkipSpace())
        return Fail(std::string("unterminated collection, expected '") + close + "'");
      char c = text_[pos_];
      if (c == close) {
        ++pos_;
        break;
      }
      if (c == ')' || c == ']' || c == '}') {
        return Fail(std::string("mismatched '") + c + "', expected '" + close + "'");
      }
      if (text_.substr(pos_, 2) == "#_") {
        pos_ += 2;
        Datum ignored;
        if (!ParseForm(&ignored, depth + 1)) return false;
        continue;
      }
      Datum item;
      if (!ParseForm(&item, depth + 1)) return false;
      items.push_back(std::move(item));
    }
    *out = Datum::MakeList(std::move(items));
    return true;
  }

  bool ParseMap(Datum* out, int depth) {
    Datum seq;
    int line = line_;
    int column = this->column();
    if (!ParseSeq('}', &seq, depth)) return false;
    const Datum::List& items = seq.items();
    if (items.size() % 2 != 0) {
      error_.line = line;
      error_.column = column;
      error_.message = "map literal has an odd number of forms";
      return false;
    }
    Datum::Map entries;
    entries.reserve(items.size() / 2);
    for (size_t i = 0; i < items.size(); i += 2) entries.emplace_back(items[i], items[i + 1]);
    *out = Datum::MakeMap(std::move(entries));
    return true;
  }

  bool ParseString(Datum* out) {
    ++pos_;
    std::string s;
    while (true) {
      if (pos_ >= text_.size()) return Fail("unterminated string");
      char c = text_[pos_++];
      if (c == '"') break;
      if (c == '\n') {
        ++line_;
        line_start_ = pos_;
      }
      if (c != '\\') {
        s.push_back(c);
        continue;
      }
      if (pos_ >= text_.size()) return Fail("unterminated string");
      char e = text_[pos_++];
      switch (e) {
        case '"':
          s.push_back('"');
          break;
        case '\\':
          s.push_back('\\');
          break;
        case 'n':
          s.push_back('\n');
          break;
        case 't':
          s.push_back('\t');
          break;
        case 'r':
          s.push_back('\r');
          break;
        case 'b':
          s.push_back('\b');
          break;
        case 'f':
          s.push_back('\f');
          break;
        case 'u': {
          if (pos_ + 4 > text_.size()) return Fail("truncated \\u escape");
          std::string hex(text_.substr(pos_, 4));
          char* end = nullptr;
          unsigned long cp = strtoul(hex.c_str(), &end, 16);
          if (end != hex.c_str() + 4) return Fail("invalid \\u escape");
          pos_ += 4;
          AppendUtf8(static_cast<uint32_t>(cp), &s);
          break;
        }
        default:
          --pos_;
          return Fail(std::string("invalid escape '\\") + e + "' in string");
      }
    }
    *out = Datum::String(std::move(s));
    return true;
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  bool ParseChar(Datum* out) {
    ++pos_;
    size_t start = pos_;
    // The first character is always part of the literal, even a delimiter (`\(`).
    if (pos_ < text_.size()) ++pos_;
    while (pos_ < text_.size() && !IsDelimiter(text_[pos_])) ++pos_;
    std::string_view name = text_.substr(start, pos_ - start);
    if (name.empty()) return Fail("empty character literal");
    if (name.size() == 1) {
      *out = Datum::String(std::string(name));
    } else if (name == "newline") {
      *out = Datum::String("\n");
    } else if (name == "space") {
      *out = Datum::String(" ");
    } else if (name == "tab") {
      *out = Datum::String("\t");
    } else if (name == "return") {
      *out = Datum::String("\r");
    } else {
      return Fail("unknown character literal '\\" + std::string(name) + "'");
    }
    return true;
  }

  bool ParseAtom(Datum* out) {
    size_t start = pos_;
    while (pos_ < text_.size() && !IsDelimiter(text_[pos_])) ++pos_;
    std::string_view tok = text_.substr(start, pos_ - start);
    if (tok.empty()) return Fail("expected a form");
    if (tok == "nil") {
      *out = Datum();
      return true;
    }
    if (tok == "true" || tok == "false") {
      *out = Datum::Bool(tok == "true");
      return true;
    }
    if (tok[0] == ':') {
      if (tok.size() == 1) {
        pos_ = start;
        return Fail("empty keyword");
      }
      *out = Datum::Keyword(std::string(tok.substr(1)));
      return true;
    }
    char c0 = tok[0];
    bool numeric = (c0 >= '0' && c0 <= '9') ||
                   ((c0 == '-' || c0 == '+') && tok.size() > 1 && tok[1] >= '0' && tok[1] <= '9');
    if (numeric) return ParseNumber(tok, start, out);
    *out = Datum::String(std::string(tok));  // a symbol
    return true;
  }

  bool ParseNumber(std::string_view tok, size_t start, Datum* out) {
    std::string_view digits = tok;
    if (digits.back() == 'N' || digits.back() == 'M') digits.remove_suffix(1);
    if (!digits.empty() && digits[0] == '+') digits.remove_prefix(1);  // from_chars takes no '+'
    const char* first = digits.data();
    const char* last = digits.data() + digits.size();
    if (digits.find_first_of(".eE") == std::string_view::npos) {
      int64_t v = 0;
      auto [ptr, ec] = std::from_chars(first, last, v);
      if (ec == std::errc() && ptr == last) {
        *out = Datum::Int(v);
        return true;
      }
    }
    double d = 0;
    auto [ptr, ec] = std::from_chars(first, last, d);
    if (ptr != last || digits.empty() ||
        (ec != std::errc() && ec != std::errc::result_out_of_range)) {
      pos_ = start;
      return Fail("invalid number '" + std::string(tok) + "'");
    }
    if (ec == std::errc::result_out_of_range) d = strtod(std::string(digits).c_str(), nullptr);
    *out = Datum::Double(d);
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
  int line_;
  size_t line_start_ = 0;
  SourceError error_;
};

}  // namespace

bool ParseEdnForms(std::string_view text, std::vector<EdnForm>* out, SourceError* error,
                   int first_line) {
  EdnParser parser(text, first_line);
  out->clear();
  while (parser.SkipSpace()) {
    if (parser.AtDiscard()) {
      if (!parser.Discard()) {
        if (error) *error = parser.error();
        return false;
      }
      continue;
    }
    EdnForm form;
    form.line = parser.line();
    form.column = parser.column();
    if (!parser.ParseForm(&form.value, 0)) {
      if (error) *error = parser.error();
      return false;
    }
    out->push_back(std::move(form));
  }
  return true;
}

bool ParseEdn(std::string_view text, Datum* out, SourceError* error, int first_line) {
  std::vector<EdnForm> forms;
  if (!ParseEdnForms(text, &forms, error, first_line)) return false;
  if (forms.size() != 1) {
    if (error) {
      error->line = forms.empty() ? first_line : forms[1].line;
      error->column = forms.empty() ? 1 : forms[1].column;
      error->message = forms.empty() ? "expected an EDN form, found nothing"
                                     : "expected one EDN form, found more";
    }
    return false;
  }
  *out = std::move(forms[0].value);
  return true;
}

namespace {

bool VisitMap(EdnParser* parser, EdnMapVisitor* visitor, SourceError* error) {
  int line = parser->line();
  int column = parser->column();
  if (parser->Peek() != '{') {
    Datum item;
    if (!parser->ParseForm(&item, 1)) {
      if (error) *error = parser->error();
      return false;
    }
    if (error)
      *error = SourceError{line, column,
                           "expected an operation map, found " + item.ToText().substr(0, 40)};
    return false;
  }
  MapFieldSink* sink = visitor->BeginMap(line, column);
  if (!parser->ParseMapFields(sink)) {
    if (error) *error = parser->error();
    return false;
  }
  std::string message;
  if (!visitor->EndMap(&message)) {
    if (error) *error = SourceError{line, column, message};
    return false;
  }
  return true;
}

}  // namespace

bool ParseEdnMaps(std::string_view text, EdnMapVisitor* visitor, SourceError* error,
                  int first_line) {
  EdnParser parser(text, first_line);
  if (!parser.SkipSpace()) return true;
  char open = parser.Peek();
  char close = 0;
  if (open == '[' || open == '(') {
    close = open == '[' ? ']' : ')';
    parser.Advance();
  }
  while (true) {
    if (!parser.SkipSpace()) {
      if (close == 0) return true;
      parser.Fail(std::string("unterminated top-level collection, expected '") + close + "'");
      if (error) *error = parser.error();
      return false;
    }
    if (close != 0 && parser.Peek() == close) {
      parser.Advance();
      break;
    }
    if (parser.AtDiscard()) {
      if (!parser.Discard()) {
        if (error) *error = parser.error();
        return false;
      }
      continue;
    }
    if (!VisitMap(&parser, visitor, error)) return false;
  }
  if (parser.SkipSpace()) {
    parser.Fail("unexpected text after the top-level collection");
    if (error) *error = parser.error();
    return false;
  }
  return true;
}

bool ParseEdnItems(std::string_view text, std::vector<EdnForm>* out, SourceError* error) {
  EdnParser parser(text, 1);
  out->clear();
  if (!parser.SkipSpace()) return true;  // empty file: no items
  char open = parser.Peek();
  if (open != '[' && open != '(') return ParseEdnForms(text, out, error);
  char close = open == '[' ? ']' : ')';
  parser.Advance();
  while (true) {
    if (!parser.SkipSpace()) {
      parser.Fail(std::string("unterminated top-level collection, expected '") + close + "'");
      if (error) *error = parser.error();
      return false;
    }
    if (parser.Peek() == close) {
      parser.Advance();
      break;
    }
    if (parser.AtDiscard()) {
      if (!parser.Discard()) {
        if (error) *error = parser.error();
        return false;
      }
      continue;
    }
    EdnForm form;
    form.line = parser.line();
    form.column = parser.column();
    if (!parser.ParseForm(&form.value, 1)) {
      if (error) *error = parser.error();
      return false;
    }
    out->push_back(std::move(form));
  }
  if (parser.SkipSpace()) {
    parser.Fail("unexpected text after the top-level collection");
    if (error) *error = parser.error();
    return false;
  }
  return true;
}

}  // namespace redsim::checkers
