#include "engine/resp/request_parser.h"

#include <cstring>

#include "engine/base/strutil.h"

namespace redsim {

void RequestParser::Reset() {
  state_ = State::kStart;
  inline_ = false;
  expected_args_ = 0;
  bulk_len_ = -1;
  pos_ = 0;
  spans_.clear();
}

int64_t RequestParser::pending_bulk_bytes() const {
  if (state_ != State::kMultibulk || bulk_len_ < 0) return 0;
  return bulk_len_ + 2;
}

// Finds "\r\n" starting at `from`; returns the offset of '\r' or -1.
static int64_t FindCrlf(const char* buf, size_t from, size_t size) {
  if (from >= size) return -1;
  const char* p = static_cast<const char*>(memchr(buf + from, '\r', size - from));
  while (p != nullptr) {
    size_t off = static_cast<size_t>(p - buf);
    if (off + 1 >= size) return -1;  // '\r' is the last byte: need more
    if (buf[off + 1] == '\n') return static_cast<int64_t>(off);
    p = static_cast<const char*>(memchr(p + 1, '\r', size - off - 1));
  }
  return -1;
}

RequestParser::Result RequestParser::ParseInline(const char* buf, size_t size, size_t* consumed,
                                                 std::vector<std::string_view>* args,
                                                 std::string* error) {
  const char* nl = static_cast<const char*>(memchr(buf, '\n', size));
  if (nl == nullptr) {
    if (size > kInlineMax) {
      *error = "ERR Protocol error: too big inline request";
      return Result::kError;
    }
    return Result::kNeedMore;
  }
  size_t line_len = static_cast<size_t>(nl - buf);
  size_t end = line_len;
  if (end > 0 && buf[end - 1] == '\r') end--;
  *consumed = line_len + 1;
  // Redis splits the line as a C string: a NUL byte ends it.
  const void* nul = memchr(buf, '\0', end);
  if (nul != nullptr) end = static_cast<size_t>(static_cast<const char*>(nul) - buf);
  auto split = SplitArgs(std::string_view(buf, end));
  if (!split) {
    *error = "ERR Protocol error: unbalanced quotes in request";
    return Result::kError;
  }
  // Inline arguments may contain escapes, so they cannot be views into `buf`; keep them in
  // storage owned by the parser until the next call.
  inline_storage_.swap(*split);
  args->clear();
  for (const auto& a : inline_storage_) args->emplace_back(a);
  return Result::kCommand;
}

RequestParser::Result RequestParser::Parse(const char* buf, size_t size, const ParserLimits& limits,
                                           size_t* consumed, std::vector<std::string_view>* args,
                                           std::string* error) {
  *consumed = 0;
  if (state_ == State::kStart) {
    if (size == 0) return Result::kNeedMore;
    if (buf[0] != '*') {
      inline_ = true;
      Result r = ParseInline(buf, size, consumed, args, error);
      return r;
    }
    inline_ = false;
    int64_t cr = FindCrlf(buf, 1, size);
    if (cr < 0) {
      if (size > kInlineMax) {
        *error = "ERR Protocol error: too big mbulk count string";
        return Result::kError;
      }
      return Result::kNeedMore;
    }
    int64_t count;
    std::string_view digits(buf + 1, static_cast<size_t>(cr - 1));
    bool ok = ParseInt64(digits, &count);
    if (!ok || count > limits.max_multibulk_len || count > INT32_MAX) {
      *error = "ERR Protocol error: invalid multibulk length";
      return Result::kError;
    }
    if (limits.unauthenticated && count > kUnauthenticatedMaxArgs) {
      *error = "ERR Protocol error: unauthenticated multibulk length";
      return Result::kError;
    }
    size_t header_end = static_cast<size_t>(cr) + 2;
    if (count <= 0) {
      *consumed = header_end;
      args->clear();
      return Result::kCommand;
    }
    expected_args_ = count;
    spans_.clear();
    spans_.reserve(static_cast<size_t>(count < 1024 ? count : 1024));
    bulk_len_ = -1;
    pos_ = header_end;
    state_ = State::kMultibulk;
  }

  while (static_cast<int64_t>(spans_.size()) < expected_args_) {
    if (bulk_len_ < 0) {
      if (pos_ >= size) return Result::kNeedMore;
      if (buf[pos_] != '$') {
        *error = std::string("ERR Protocol error: expected '$', got '") + buf[pos_] + "'";
        return Result::kError;
      }
      int64_t cr = FindCrlf(buf, pos_ + 1, size);
      if (cr < 0) {
        if (size - pos_ > kInlineMax) {
          *error = "ERR Protocol error: too big bulk count string";
          return Result::kError;
        }
        return Result::kNeedMore;
      }
      int64_t len;
      std::string_view digits(buf + pos_ + 1, static_cast<size_t>(cr) - pos_ - 1);
      if (!ParseInt64(digits, &len) || len < 0 || len > limits.max_bulk_len) {
        *error = "ERR Protocol error: invalid bulk length";
        return Result::kError;
      }
      if (limits.unauthenticated && len > kUnauthenticatedMaxBulk) {
        *error = "ERR Protocol error: unauthenticated bulk length";
        return Result::kError;
      }
      bulk_len_ = len;
      pos_ = static_cast<size_t>(cr) + 2;
    }
    size_t need = pos_ + static_cast<size_t>(bulk_len_) + 2;
    if (size < need) return Result::kNeedMore;
    // Redis does not check the two bytes after a bulk; it skips them. We do the same.
    spans_.emplace_back(pos_, static_cast<size_t>(bulk_len_));
    pos_ = need;
    bulk_len_ = -1;
  }

  args->clear();
  args->reserve(spans_.size());
  for (const auto& [off, len] : spans_) args->emplace_back(buf + off, len);
  *consumed = pos_;
  state_ = State::kStart;
  pos_ = 0;
  expected_args_ = 0;
  return Result::kCommand;
}

}  // namespace redsim
