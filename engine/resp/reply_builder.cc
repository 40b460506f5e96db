#include "engine/resp/reply_builder.h"

#include <cmath>
#include <cstdio>

#include "engine/base/strutil.h"

namespace redsim {

void ReplyBuilder::Header(char prefix, int64_t n) {
  char buf[32];
  buf[0] = prefix;
  size_t len = 1 + FormatInt64(buf + 1, n);
  buf[len++] = '\r';
  buf[len++] = '\n';
  out_->append(buf, len);
}

void ReplyBuilder::Simple(std::string_view s) {
  out_->push_back('+');
  out_->append(s);
  out_->append("\r\n", 2);
}

void ReplyBuilder::Error(std::string_view msg) {
  out_->push_back('-');
  // Error texts must be one line: replace newlines like Redis does.
  for (char c : msg) out_->push_back((c == '\r' || c == '\n') ? ' ' : c);
  out_->append("\r\n", 2);
  if (error_observer_ != nullptr) error_observer_->OnErrorReply(msg);
}

void ReplyBuilder::Integer(int64_t v) { Header(':', v); }

void ReplyBuilder::Bulk(std::string_view s) {
  Header('$', static_cast<int64_t>(s.size()));
  out_->append(s);
  out_->append("\r\n", 2);
}

void ReplyBuilder::BulkInteger(int64_t v) {
  char buf[24];
  Bulk(std::string_view(buf, FormatInt64(buf, v)));
}

void ReplyBuilder::Null() {
  if (resp_ >= 3)
    out_->append("_\r\n", 3);
  else
    out_->append("$-1\r\n", 5);
}

void ReplyBuilder::NullArray() {
  if (resp_ >= 3)
    out_->append("_\r\n", 3);
  else
    out_->append("*-1\r\n", 5);
}

void ReplyBuilder::ArrayHeader(int64_t n) { Header('*', n); }
void ReplyBuilder::MapHeader(int64_t n) {
  if (resp_ >= 3)
    Header('%', n);
  else
    Header('*', n * 2);
}
void ReplyBuilder::SetHeader(int64_t n) { Header(resp_ >= 3 ? '~' : '*', n); }
void ReplyBuilder::PushHeader(int64_t n) { Header(resp_ >= 3 ? '>' : '*', n); }
void ReplyBuilder::AttributeHeader(int64_t n) { Header('|', n); }

void ReplyBuilder::Double(double d) {
  if (resp_ >= 3) {
    out_->push_back(',');
    out_->append(DoubleToString(d));
    out_->append("\r\n", 2);
  } else {
    Bulk(DoubleToString(d));
  }
}

void ReplyBuilder::Bool(bool b) {
  if (resp_ >= 3)
    out_->append(b ? "#t\r\n" : "#f\r\n", 4);
  else
    out_->append(b ? ":1\r\n" : ":0\r\n", 4);
}

void ReplyBuilder::BigNumber(std::string_view digits) {
  if (resp_ >= 3) {
    out_->push_back('(');
    out_->append(digits);
    out_->append("\r\n", 2);
  } else {
    Bulk(digits);
  }
}

void ReplyBuilder::Verbatim(std::string_view text, std::string_view format) {
  if (resp_ >= 3) {
    Header('=', static_cast<int64_t>(text.size() + 4));
    out_->append(format);
    out_->push_back(':');
    out_->append(text);
    out_->append("\r\n", 2);
  } else {
    Bulk(text);
  }
}

}  // namespace redsim
