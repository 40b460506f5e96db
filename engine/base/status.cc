#include "engine/base/status.h"

namespace redsim {

std::string Status::ToString() const {
  const char* name = "OK";
  switch (code_) {
    case kOk:
      return "OK";
    case kNotFound:
      name = "NotFound";
      break;
    case kIoError:
      name = "IO error";
      break;
    case kInvalidArgument:
      name = "Invalid argument";
      break;
    case kCorruption:
      name = "Corruption";
      break;
    case kNoSpace:
      name = "No space left";
      break;
    case kRefused:
      name = "Connection refused";
      break;
    case kTimedOut:
      name = "Timed out";
      break;
    case kClosed:
      name = "Closed";
      break;
  }
  return message_.empty() ? std::string(name) : std::string(name) + ": " + message_;
}

}  // namespace redsim
