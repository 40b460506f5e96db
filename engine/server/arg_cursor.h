// ArgCursor: reads a command's arguments left to right, the way Redis's option loops do.
//
// Contract:
// - Reads happen strictly in order; position() is the index of the next unread argument.
// - Keywords (Consume) match case-insensitively, as Redis's strcasecmp does.
// - The first error is kept, as the exact reply text Redis sends (an err:: constant or a
//   formatted text), and later reads return defaults (empty view, 0) without replacing it, so a
//   handler may read everything and check ok() once. Which error wins therefore follows the
//   order of the reads: a handler keeps Redis's error precedence by reading in Redis's order.
// - The cursor never owns the arguments; it must not outlive the vector it was built on.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/server/errors.h"

namespace redsim {

class ArgCursor {
 public:
  ArgCursor(const std::vector<std::string_view>& args, size_t start) : args_(args), pos_(start) {}

  bool done() const { return pos_ >= args_.size(); }
  size_t remaining() const { return pos_ < args_.size() ? args_.size() - pos_ : 0; }
  size_t position() const { return pos_; }
  std::string_view Peek() const { return done() ? std::string_view() : args_[pos_]; }

  // The next argument; a missing one is a syntax error.
  std::string_view Next() {
    if (done()) {
      Fail(err::kSyntax);
      return {};
    }
    return args_[pos_++];
  }
  // Consumes the next argument if it equals `keyword` (case-insensitive).
  bool Consume(std::string_view keyword);
  int64_t NextInt64(std::string_view error = err::kNotInteger);
  double NextDouble(std::string_view error = err::kNotFloat);

  // Records `error` unless an earlier one is already kept.
  void Fail(std::string_view error) {
    if (!error_) error_ = std::string(error);
  }
  bool ok() const { return !error_.has_value(); }
  const std::string& error() const { return *error_; }

 private:
  const std::vector<std::string_view>& args_;
  size_t pos_;
  std::optional<std::string> error_;
};

}  // namespace redsim
