#include "engine/resp/resp_value.h"

#include <cstring>

#include "engine/base/strutil.h"

namespace redsim {

namespace {

using Result = ReplyParser::Result;

struct Cursor {
  const char* data;
  size_t size;
  size_t pos = 0;
  std::string* error;

  // Reads up to "\r\n"; returns false when incomplete.
  bool Line(std::string_view* line) {
    const char* start = data + pos;
    const void* cr = memchr(start, '\r', size - pos);
    if (cr == nullptr) return false;
    size_t off = static_cast<size_t>(static_cast<const char*>(cr) - data);
    if (off + 1 >= size) return false;
    *line = std::string_view(start, off - pos);
    pos = off + 2;
    return true;
  }
};

Result ParseValue(Cursor& c, RespValue* out, int depth) {
  if (depth > ReplyParser::kMaxDepth) {
    *c.error = "nesting too deep";
    return Result::kError;
  }
  if (c.pos >= c.size) return Result::kNeedMore;
  char type = c.data[c.pos++];
  std::string_view line;
  if (!c.Line(&line)) return Result::kNeedMore;
  auto parse_len = [&](int64_t* n, int64_t max) {
    if (!ParseInt64(line, n) || *n < -1 || *n > max) {
      *c.error = "invalid length '" + std::string(line) + "'";
      return false;
    }
    return true;
  };
  switch (type) {
    case '+':
      *out = RespValue::Simple(std::string(line));
      return Result::kOk;
    case '-':
      *out = RespValue::Error(std::string(line));
      return Result::kOk;
    case ':': {
      int64_t v;
      if (!ParseInt64(line, &v)) {
        *c.error = "invalid integer '" + std::string(line) + "'";
        return Result::kError;
      }
      *out = RespValue::Integer(v);
      return Result::kOk;
    }
    case '$':
    case '=': {
      int64_t n;
      if (!parse_len(&n, ReplyParser::kMaxBulk)) return Result::kError;
      if (n < 0) {
        *out = RespValue::Null();
        return Result::kOk;
      }
      if (c.size - c.pos < static_cast<size_t>(n) + 2) return Result::kNeedMore;
      std::string body(c.data + c.pos, static_cast<size_t>(n));
      c.pos += static_cast<size_t>(n) + 2;
      if (type == '$') {
        *out = RespValue::Bulk(std::move(body));
      } else {
        out->type = RespValue::Type::kVerbatim;
        out->str = body.size() >= 4 ? body.substr(4) : body;
      }
      return Result::kOk;
    }
    case '_':
      *out = RespValue::Null();
      return Result::kOk;
    case ',':
      out->type = RespValue::Type::kDouble;
      out->str = std::string(line);
      return Result::kOk;
    case '(':
      out->type = RespValue::Type::kBigNumber;
      out->str = std::string(line);
      return Result::kOk;
    case '#':
      if (line != "t" && line != "f") {
        *c.error = "invalid boolean";
        return Result::kError;
      }
      out->type = RespValue::Type::kBool;
      out->integer = line == "t" ? 1 : 0;
      return Result::kOk;
    case '*':
    case '~':
    case '>':
    case '%':
    case '|': {
      int64_t n;
      if (!parse_len(&n, ReplyParser::kMaxElements)) return Result::kError;
      if (n < 0) {
        *out = RespValue::Null();
        out->null_array = true;
        return Result::kOk;
      }
      RespValue agg;
      agg.type = type == '*'   ? RespValue::Type::kArray
                 : type == '~' ? RespValue::Type::kSet
                 : type == '>' ? RespValue::Type::kPush
                 : type == '%' ? RespValue::Type::kMap
                               : RespValue::Type::kAttribute;
      int64_t count = (type == '%' || type == '|') ? n * 2 : n;
      // Never trust a length for allocation: each element needs at least 3 bytes.
      if (static_cast<uint64_t>(count) > (c.size - c.pos) / 3 + 1) {
        agg.elements.reserve(static_cast<size_t>((c.size - c.pos) / 3 + 1));
      } else {
        agg.elements.reserve(static_cast<size_t>(count));
      }
      for (int64_t i = 0; i < count; i++) {
        RespValue child;
        Result r = ParseValue(c, &child, depth + 1);
        if (r != Result::kOk) return r;
        agg.elements.push_back(std::move(child));
      }
      *out = std::move(agg);
      return Result::kOk;
    }
    default:
      *c.error = std::string("unknown reply type byte '") + type + "'";
      return Result::kError;
  }
}

}  // namespace

ReplyParser::Result ReplyParser::Parse(const char* data, size_t size, RespValue* out,
                                       size_t* consumed, std::string* error) {
  Cursor c{data, size, 0, error};
  Result r = ParseValue(c, out, 0);
  if (r == Result::kOk) *consumed = c.pos;
  return r;
}

bool RespValue::operator==(const RespValue& o) const {
  if (type != o.type) return false;
  switch (type) {
    case Type::kInteger:
    case Type::kBool:
      return integer == o.integer;
    case Type::kNull:
      return null_array == o.null_array;
    case Type::kArray:
    case Type::kMap:
    case Type::kSet:
    case Type::kPush:
    case Type::kAttribute:
      return elements == o.elements;
    default:
      return str == o.str;
  }
}

static void AppendQuoted(std::string* out, const std::string& s) {
  out->push_back('"');
  for (unsigned char ch : s) {
    if (ch == '"' || ch == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(ch));
    } else if (ch < 0x20 || ch >= 0x7f) {
      char buf[8];
      snprintf(buf, sizeof(buf), "\\x%02x", ch);
      out->append(buf);
    } else {
      out->push_back(static_cast<char>(ch));
    }
  }
  out->push_back('"');
}

std::string RespValue::ToString() const {
  std::string out;
  switch (type) {
    case Type::kSimple:
      out = "+" + str;
      break;
    case Type::kError:
      out = "(error) " + str;
      break;
    case Type::kInteger:
      out = "(integer) " + Int64ToString(integer);
      break;
    case Type::kBulk:
      AppendQuoted(&out, str);
      break;
    case Type::kNull:
      out = null_array ? "(nil-array)" : "(nil)";
      break;
    case Type::kDouble:
      out = "(double) " + str;
      break;
    case Type::kBool:
      out = integer ? "(true)" : "(false)";
      break;
    case Type::kBigNumber:
      out = "(big) " + str;
      break;
    case Type::kVerbatim:
      out = "(verbatim) ";
      AppendQuoted(&out, str);
      break;
    default: {
      const char* open = type == Type::kArray  ? "["
                         : type == Type::kSet  ? "~["
                         : type == Type::kPush ? ">["
                         : type == Type::kMap  ? "{"
                                               : "|{";
      out = open;
      for (size_t i = 0; i < elements.size(); i++) {
        if (i > 0)
          out += (type == Type::kMap || type == Type::kAttribute) && i % 2 == 1 ? ": " : ", ";
        out += elements[i].ToString();
      }
      out += (type == Type::kMap || type == Type::kAttribute) ? "}" : "]";
    }
  }
  return out;
}

std::string RespValue::Encode() const {
  auto header = [](char p, int64_t n) { return std::string(1, p) + Int64ToString(n) + "\r\n"; };
  switch (type) {
    case Type::kSimple:
      return "+" + str + "\r\n";
    case Type::kError:
      return "-" + str + "\r\n";
    case Type::kInteger:
      return header(':', integer);
    case Type::kBulk:
      return header('$', static_cast<int64_t>(str.size())) + str + "\r\n";
    case Type::kNull:
      return null_array ? "*-1\r\n" : "$-1\r\n";
    case Type::kDouble:
      return "," + str + "\r\n";
    case Type::kBool:
      return integer ? "#t\r\n" : "#f\r\n";
    case Type::kBigNumber:
      return "(" + str + "\r\n";
    case Type::kVerbatim:
      return header('=', static_cast<int64_t>(str.size() + 4)) + "txt:" + str + "\r\n";
    default: {
      char p = type == Type::kArray  ? '*'
               : type == Type::kSet  ? '~'
               : type == Type::kPush ? '>'
               : type == Type::kMap  ? '%'
                                     : '|';
      bool pairs = type == Type::kMap || type == Type::kAttribute;
      std::string out =
          header(p, static_cast<int64_t>(pairs ? elements.size() / 2 : elements.size()));
      for (const auto& e : elements) out += e.Encode();
      return out;
    }
  }
}

}  // namespace redsim
