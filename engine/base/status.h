// Status: the outcome of an operation that can fail for an expected reason (I/O errors, closed
// peers, bad input). Broken invariants are assertions, not Statuses.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace redsim {

class Status {
 public:
  enum Code : unsigned char {
    kOk = 0,
    kNotFound,
    kIoError,
    kInvalidArgument,
    kCorruption,
    kNoSpace,
    kRefused,
    kTimedOut,
    kClosed,
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status NotFound(std::string msg) { return Status(kNotFound, std::move(msg)); }
  static Status IoError(std::string msg) { return Status(kIoError, std::move(msg)); }
  static Status InvalidArgument(std::string msg) {
    return Status(kInvalidArgument, std::move(msg));
  }
  static Status Corruption(std::string msg) { return Status(kCorruption, std::move(msg)); }
  static Status NoSpace(std::string msg) { return Status(kNoSpace, std::move(msg)); }
  static Status Refused(std::string msg) { return Status(kRefused, std::move(msg)); }
  static Status TimedOut(std::string msg) { return Status(kTimedOut, std::move(msg)); }
  static Status Closed(std::string msg) { return Status(kClosed, std::move(msg)); }

  bool ok() const { return code_ == kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = kOk;
  std::string message_;
};

}  // namespace redsim
