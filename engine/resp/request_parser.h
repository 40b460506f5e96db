// RequestParser: turns the bytes a client sent into commands, incrementally.
//
// Accepts RESP multibulk requests ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n") and inline commands
// ("GET k\r\n"), in any mix and split across reads in any way. The parser keeps offsets, not
// pointers, so the caller may grow or move its buffer between calls; it never reads past `size`.
// Limits (bulk length, element count, inline length) are enforced before anything is buffered
// beyond them, and errors use Redis's exact protocol error texts.
#pragma once

#include <climits>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace redsim {

struct ParserLimits {
  int64_t max_bulk_len = 512LL * 1024 * 1024;  // proto-max-bulk-len
  int64_t max_multibulk_len = INT32_MAX;       // Redis 7.0 accepts counts up to INT_MAX
  // When the client has not authenticated yet (and a password is required), Redis tightens the
  // limits to stop unauthenticated clients from making the server buffer large requests.
  bool unauthenticated = false;
};

class RequestParser {
 public:
  enum class Result { kCommand, kNeedMore, kError };

  // Inline requests longer than this without a newline are an error, as in Redis.
  static constexpr size_t kInlineMax = 64 * 1024;
  // Before a client that must authenticate has done so, requests are limited to this many
  // arguments and this many bytes per argument (Redis 7.0's limits for unauthenticated clients).
  static constexpr int64_t kUnauthenticatedMaxArgs = 10;
  static constexpr int64_t kUnauthenticatedMaxBulk = 16384;

  // Parses from buf[0..size). On kCommand, `args` holds views into `buf` and *consumed is the
  // number of bytes the command used (the caller drops them before the next call). On kNeedMore,
  // *consumed is 0 and the parser remembers its progress. On kError, `error` holds the text
  // Redis replies with ("ERR Protocol error: ...", without the leading '-'); the connection
  // must then be closed.
  // Empty requests ("*0\r\n", blank inline lines) are consumed and produce a command with no
  // arguments (args empty), which the caller skips.
  Result Parse(const char* buf, size_t size, const ParserLimits& limits, size_t* consumed,
               std::vector<std::string_view>* args, std::string* error);

  // Forgets partial progress (after the caller discarded the buffer).
  void Reset();

  // Bytes the current partial bulk argument still needs (a hint for read sizing), or 0.
  int64_t pending_bulk_bytes() const;

 private:
  enum class State { kStart, kMultibulk };
  Result ParseInline(const char* buf, size_t size, size_t* consumed,
                     std::vector<std::string_view>* args, std::string* error);

  State state_ = State::kStart;
  bool inline_ = false;
  int64_t expected_args_ = 0;
  int64_t bulk_len_ = -1;  // length of the bulk being read, -1 when reading its header
  size_t pos_ = 0;         // next byte to examine
  std::vector<std::pair<size_t, size_t>> spans_;  // (offset, length) of parsed args
  std::vector<std::string> inline_storage_;
};

}  // namespace redsim
