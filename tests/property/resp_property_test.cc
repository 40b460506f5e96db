// Properties of the protocol layer:
//  - RESP encode -> decode is the identity for arbitrary values, RESP2 and RESP3, both through
//    RespValue::Encode and through the server's ReplyBuilder;
//  - the request parser yields the same commands however a byte stream is split into reads, and
//    whatever way the caller moves its buffer between reads;
//  - arbitrary bytes never crash either parser, and every error it reports is one of Redis's
//    "ERR Protocol error: ..." texts.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "engine/base/strutil.h"
#include "engine/resp/reply_builder.h"
#include "engine/resp/request_parser.h"
#include "engine/resp/resp_value.h"

namespace redsim {

// How RapidCheck prints a RespValue in a counterexample.
inline void showValue(const RespValue& v, std::ostream& os) { os << v.ToString(); }

namespace {

using Type = RespValue::Type;

rc::Gen<std::string> GenBytes() {
  return rc::gen::oneOf(
      rc::gen::string<std::string>(),
      rc::gen::element<std::string>("", "\r\n", "\r", "\n", "$-1", "*0", std::string("\0", 1)));
}

// Text that may appear in a simple string, error or double line (no CR or LF).
rc::Gen<std::string> GenLine() {
  return rc::gen::map(rc::gen::string<std::string>(), [](std::string s) {
    for (char& c : s) {
      if (c == '\r' || c == '\n') c = ' ';
    }
    return s;
  });
}

rc::Gen<RespValue> GenValue(int depth);

rc::Gen<RespValue> GenScalar() {
  return rc::gen::oneOf(
      rc::gen::map(GenLine(), [](std::string s) { return RespValue::Simple(s); }),
      rc::gen::map(GenLine(), [](std::string s) { return RespValue::Error(s); }),
      rc::gen::map(rc::gen::arbitrary<int64_t>(), [](int64_t v) { return RespValue::Integer(v); }),
      rc::gen::map(GenBytes(), [](std::string s) { return RespValue::Bulk(s); }),
      rc::gen::map(rc::gen::arbitrary<bool>(),
                   [](bool arr) {
                     RespValue v = RespValue::Null();
                     v.null_array = arr;
                     return v;
                   }),
      rc::gen::map(rc::gen::arbitrary<double>(),
                   [](double d) {
                     RespValue v;
                     v.type = Type::kDouble;
                     v.str = DoubleToString(d);
                     return v;
                   }),
      rc::gen::map(rc::gen::arbitrary<bool>(),
                   [](bool b) {
                     RespValue v;
                     v.type = Type::kBool;
                     v.integer = b ? 1 : 0;
                     return v;
                   }),
      rc::gen::map(rc::gen::arbitrary<int64_t>(),
                   [](int64_t n) {
                     RespValue v;
                     v.type = Type::kBigNumber;
                     v.str = Int64ToString(n) + "123456789012345678901234567890";
                     return v;
                   }),
      rc::gen::map(GenBytes(), [](std::string s) {
        RespValue v;
        v.type = Type::kVerbatim;
        v.str = s;
        return v;
      }));
}

rc::Gen<RespValue> GenAggregate(int depth) {
  return rc::gen::exec([depth] {
    RespValue v;
    v.type = *rc::gen::element(Type::kArray, Type::kMap, Type::kSet, Type::kPush, Type::kAttribute);
    int n = *rc::gen::inRange(0, 6);
    if (v.type == Type::kMap || v.type == Type::kAttribute) n *= 2;
    for (int i = 0; i < n; i++) v.elements.push_back(*GenValue(depth + 1));
    return v;
  });
}

rc::Gen<RespValue> GenValue(int depth) {
  if (depth >= 4) return GenScalar();
  return rc::gen::weightedOneOf<RespValue>({{3, GenScalar()}, {1, GenAggregate(depth)}});
}

// Writes `v` through the ReplyBuilder API, as a command handler would.
void Build(ReplyBuilder& r, const RespValue& v) {
  switch (v.type) {
    case Type::kSimple:
      r.Simple(v.str);
      break;
    case Type::kError:
      r.Error(v.str);
      break;
    case Type::kInteger:
      r.Integer(v.integer);
      break;
    case Type::kBulk:
      r.Bulk(v.str);
      break;
    case Type::kNull:
      v.null_array ? r.NullArray() : r.Null();
      break;
    case Type::kDouble: {
      double d;
      ParseDouble(v.str, &d) ? r.Double(d) : r.Double(std::stod("nan"));
      break;
    }
    case Type::kBool:
      r.Bool(v.integer != 0);
      break;
    case Type::kBigNumber:
      r.BigNumber(v.str);
      break;
    case Type::kVerbatim:
      r.Verbatim(v.str);
      break;
    case Type::kArray:
      r.ArrayHeader(static_cast<int64_t>(v.elements.size()));
      break;
    case Type::kMap:
      r.MapHeader(static_cast<int64_t>(v.elements.size() / 2));
      break;
    case Type::kSet:
      r.SetHeader(static_cast<int64_t>(v.elements.size()));
      break;
    case Type::kPush:
      r.PushHeader(static_cast<int64_t>(v.elements.size()));
      break;
    case Type::kAttribute:
      r.AttributeHeader(static_cast<int64_t>(v.elements.size() / 2));
      break;
  }
  for (const auto& e : v.elements) Build(r, e);
}

RespValue ParseAll(const std::string& bytes) {
  RespValue out;
  size_t used = 0;
  std::string error;
  auto r = ReplyParser::Parse(bytes.data(), bytes.size(), &out, &used, &error);
  RC_ASSERT(r == ReplyParser::Result::kOk);
  RC_ASSERT(used == bytes.size());
  return out;
}

RC_GTEST_PROP(RespProperty, EncodeThenParseIsIdentity, ()) {
  RespValue v = *GenValue(0);
  std::string bytes = v.Encode();
  RC_ASSERT(ParseAll(bytes) == v);
  // Every strict prefix is incomplete, never an error or a different value.
  size_t cut = *rc::gen::inRange<size_t>(0, bytes.size());
  RespValue partial;
  size_t used;
  std::string error;
  RC_ASSERT(ReplyParser::Parse(bytes.data(), cut, &partial, &used, &error) ==
            ReplyParser::Result::kNeedMore);
}

// RESP3 has one null ("_") for both the nil bulk and the nil array.
RespValue OneNull(RespValue v) {
  if (v.type == Type::kNull) v.null_array = false;
  for (auto& e : v.elements) e = OneNull(std::move(e));
  return v;
}

RC_GTEST_PROP(RespProperty, ReplyBuilderResp3RoundTrips, ()) {
  RespValue v = *GenValue(0);
  std::string out;
  ReplyBuilder r(&out, 3);
  Build(r, v);
  RC_ASSERT(ParseAll(out) == OneNull(v));
}

// RESP2 folds RESP3 types: maps and sets to arrays, doubles and big numbers to bulk strings,
// booleans to 0/1, verbatim text to a bulk string, nulls to $-1 / *-1.
RespValue FoldToResp2(const RespValue& v) {
  RespValue out = v;
  switch (v.type) {
    case Type::kDouble:
    case Type::kBigNumber:
    case Type::kVerbatim:
      out = RespValue::Bulk(v.str);
      break;
    case Type::kBool:
      out = RespValue::Integer(v.integer);
      break;
    case Type::kMap:
    case Type::kSet:
    case Type::kPush:
      out.type = Type::kArray;
      break;
    default:
      break;
  }
  for (auto& e : out.elements) e = FoldToResp2(e);
  return out;
}

bool ContainsAttribute(const RespValue& v) {
  if (v.type == Type::kAttribute) return true;
  for (const auto& e : v.elements) {
    if (ContainsAttribute(e)) return true;
  }
  return false;
}

RC_GTEST_PROP(RespProperty, ReplyBuilderResp2FoldsResp3Types, ()) {
  RespValue v = *GenValue(0);
  RC_PRE(!ContainsAttribute(v));
  std::string out;
  ReplyBuilder r(&out, 2);
  Build(r, v);
  RC_ASSERT(ParseAll(out) == FoldToResp2(v));
}

// ---- Requests ------------------------------------------------------------------------------

using Args = std::vector<std::string>;

// Arguments that an inline command can carry unquoted.
bool InlineSafe(const Args& args) {
  if (args.empty()) return false;
  for (const auto& a : args) {
    if (a.empty()) return false;
    for (char c : a) {
      if (!isalnum(static_cast<unsigned char>(c))) return false;
    }
  }
  return true;
}

std::string EncodeRequest(const Args& args, bool as_inline) {
  if (as_inline) {
    std::string out;
    for (const auto& a : args) out += (out.empty() ? "" : " ") + a;
    return out + "\r\n";
  }
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

struct Parsed {
  std::vector<Args> commands;
  std::string error;
};

// Feeds `stream` to a parser in the given chunks, as a connection would: append what arrived,
// parse every complete command, drop consumed bytes. The buffer is a fresh copy at every call
// (the parser must keep offsets, not pointers).
Parsed FeedInChunks(const std::string& stream, const std::vector<size_t>& cuts,
                    const ParserLimits& limits = ParserLimits()) {
  RequestParser parser;
  Parsed result;
  std::string buffer;
  size_t fed = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(stream.size());
  for (size_t end : ends) {
    if (end < fed) continue;
    buffer.append(stream, fed, end - fed);
    fed = end;
    while (!buffer.empty()) {
      std::string copy = buffer;  // the caller may move its buffer between calls
      std::vector<std::string_view> args;
      size_t consumed = 0;
      auto r = parser.Parse(copy.data(), copy.size(), limits, &consumed, &args, &result.error);
      if (r == RequestParser::Result::kNeedMore) break;
      if (r == RequestParser::Result::kError) return result;
      if (!args.empty()) result.commands.emplace_back(args.begin(), args.end());
      buffer.erase(0, consumed);
    }
  }
  return result;
}

rc::Gen<Args> GenArgs() {
  return rc::gen::nonEmpty(rc::gen::container<Args>(rc::gen::oneOf(
      rc::gen::string<std::string>(),
      rc::gen::element<std::string>("SET", "GET", "k", "12", "\r\n", "*1", "$3", "\"quoted\""))));
}

RC_GTEST_PROP(RequestParserProperty, SameCommandsWhateverTheSplit, ()) {
  auto commands = *rc::gen::container<std::vector<Args>>(GenArgs());
  std::string stream;
  for (const auto& c : commands) {
    stream += EncodeRequest(c, InlineSafe(c) && *rc::gen::arbitrary<bool>());
    if (*rc::gen::inRange(0, 8) == 0) stream += "\r\n";  // an empty inline line: skipped
  }
  auto cuts =
      *rc::gen::container<std::vector<size_t>>(rc::gen::inRange<size_t>(0, stream.size() + 1));
  std::sort(cuts.begin(), cuts.end());
  Parsed whole = FeedInChunks(stream, {});
  Parsed split = FeedInChunks(stream, cuts);
  RC_ASSERT(whole.error.empty());
  RC_ASSERT(whole.commands == commands);
  RC_ASSERT(split.error.empty());
  RC_ASSERT(split.commands == commands);
  // Byte at a time is the worst split of all.
  std::vector<size_t> every_byte;
  for (size_t i = 1; i < stream.size() && stream.size() < 2000; i++) every_byte.push_back(i);
  RC_ASSERT(FeedInChunks(stream, every_byte).commands == commands);
}

bool IsRedisProtocolError(const std::string& e) {
  static const std::vector<std::string> kTexts = {
      "ERR Protocol error: too big inline request",
      "ERR Protocol error: unbalanced quotes in request",
      "ERR Protocol error: too big mbulk count string",
      "ERR Protocol error: invalid multibulk length",
      "ERR Protocol error: too big bulk count string",
      "ERR Protocol error: invalid bulk length",
      "ERR Protocol error: unauthenticated multibulk length",
      "ERR Protocol error: unauthenticated bulk length"};
  for (const auto& t : kTexts) {
    if (e == t) return true;
  }
  return e.rfind("ERR Protocol error: expected '$', got '", 0) == 0 && e.size() == 41 &&
         e.back() == '\'';
}

RC_GTEST_PROP(RequestParserProperty, ArbitraryBytesNeverCrash, ()) {
  std::string stream;
  // Random bytes, or valid requests with random corruption: both reach deep parser states.
  if (*rc::gen::arbitrary<bool>()) {
    stream = *rc::gen::string<std::string>();
  } else {
    for (const auto& c : *rc::gen::container<std::vector<Args>>(GenArgs())) {
      stream += EncodeRequest(c, false);
    }
    int flips = *rc::gen::inRange(1, 5);
    for (int i = 0; i < flips && !stream.empty(); i++) {
      stream[*rc::gen::inRange<size_t>(0, stream.size())] = *rc::gen::arbitrary<char>();
    }
  }
  auto cuts =
      *rc::gen::container<std::vector<size_t>>(rc::gen::inRange<size_t>(0, stream.size() + 1));
  std::sort(cuts.begin(), cuts.end());
  ParserLimits limits;
  limits.max_bulk_len = *rc::gen::element<int64_t>(512LL << 20, 100, 0);
  limits.unauthenticated = *rc::gen::arbitrary<bool>();
  Parsed p = FeedInChunks(stream, cuts, limits);
  RC_ASSERT(p.error.empty() || IsRedisProtocolError(p.error));
  // The reply parser, too, must reject garbage without crashing or over-allocating.
  RespValue v;
  size_t used;
  std::string error;
  ReplyParser::Parse(stream.data(), stream.size(), &v, &used, &error);
}

TEST(RequestParserTest, LimitsAndErrorTexts) {
  auto error_of = [](const std::string& bytes, ParserLimits limits = ParserLimits()) {
    return FeedInChunks(bytes, {}, limits).error;
  };
  EXPECT_EQ(error_of("*abc\r\n"), "ERR Protocol error: invalid multibulk length");
  EXPECT_EQ(error_of("*2147483648\r\n"), "ERR Protocol error: invalid multibulk length");
  EXPECT_EQ(error_of("*1\r\nx\r\n"), "ERR Protocol error: expected '$', got 'x'");
  EXPECT_EQ(error_of("*1\r\n$-1\r\n"), "ERR Protocol error: invalid bulk length");
  EXPECT_EQ(error_of("*1\r\n$536870913\r\n"), "ERR Protocol error: invalid bulk length");
  EXPECT_EQ(error_of("*1\r\n$536870912\r\n"), "");  // the limit itself is allowed
  ParserLimits small;
  small.max_bulk_len = 10;
  EXPECT_EQ(error_of("*1\r\n$11\r\n", small), "ERR Protocol error: invalid bulk length");
  EXPECT_EQ(error_of("*1\r\n$10\r\n", small), "");
  ParserLimits unauth;
  unauth.unauthenticated = true;
  EXPECT_EQ(error_of("*11\r\n", unauth), "ERR Protocol error: unauthenticated multibulk length");
  EXPECT_EQ(error_of("*10\r\n", unauth), "");
  EXPECT_EQ(error_of("*1\r\n$16385\r\n", unauth),
            "ERR Protocol error: unauthenticated bulk length");
  EXPECT_EQ(error_of(std::string(65537, 'a')), "ERR Protocol error: too big inline request");
  EXPECT_EQ(error_of(std::string(65536, 'a')), "");
  EXPECT_EQ(error_of("*" + std::string(65537, '1')),
            "ERR Protocol error: too big mbulk count string");
  EXPECT_EQ(error_of("*1\r\n$" + std::string(65537, '1')),
            "ERR Protocol error: too big bulk count string");
  EXPECT_EQ(error_of("SET a \"b\r\n"), "ERR Protocol error: unbalanced quotes in request");
  EXPECT_EQ(error_of("SET a \"b\"c\r\n"), "ERR Protocol error: unbalanced quotes in request");
}

TEST(RequestParserTest, InlineQuotingAndEmptyRequests) {
  Parsed p = FeedInChunks("\r\n\n*0\r\n*-1\r\nECHO \"a\\x41\\n\" 'b c'\nPING\r\n", {});
  ASSERT_EQ(p.error, "");
  ASSERT_EQ(p.commands.size(), 2u);
  EXPECT_EQ(p.commands[0], (Args{"ECHO", "aA\n", "b c"}));
  EXPECT_EQ(p.commands[1], (Args{"PING"}));
}

}  // namespace
}  // namespace redsim
