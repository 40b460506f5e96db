#include "engine/base/check.h"

#include <cstdio>
#include <cstdlib>

namespace redsim {
namespace {
// Set by the simulation runner before a run; a plain function pointer (no captured state) so
// that reading it from a failing check needs no allocation and no locking.
CheckContextFn check_context = nullptr;
}  // namespace

void SetCheckContext(CheckContextFn fn) { check_context = fn; }

void CheckFailed(const char* file, int line, const char* condition, const char* message) {
  std::fprintf(stderr, "REDSIM_CHECK failed at %s:%d: %s", file, line, condition);
  if (message != nullptr && message[0] != '\0') std::fprintf(stderr, " (%s)", message);
  std::fputc('\n', stderr);
  if (check_context != nullptr) {
    std::string context = check_context();
    if (!context.empty()) std::fprintf(stderr, "%s\n", context.c_str());
  }
  std::fflush(stderr);
  std::abort();
}

}  // namespace redsim
