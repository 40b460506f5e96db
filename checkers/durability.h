// Durability: did acknowledged writes survive a crash, as the fsync policy promises?
//
// One call judges one crash: the data read back after the previous restart (`before`), the
// writes clients issued since then (with when they were invoked and, if they were, acknowledged),
// the moment of the crash, and the data read back after the restart that followed (`after`).
// Chain calls for several crashes, passing each `after` as the next `before`.
//
// The rules (claims P1-P3, P5):
//  - Survivors. Each key's recovered value identifies the write that survived (give every
//    write a unique value; with repeats, the latest-invoked matching write is taken). A value
//    no write produced and `before` did not hold is corruption.
//  - Prefix. An AOF (and an RDB snapshot) is a prefix of the order the server applied writes,
//    so if a write survived, every write acknowledged before it was invoked survived too:
//    otherwise the recovered data is not a prefix (reordering or a hole).
//  - Policy allowance. always: every write acknowledged before the crash survives. everysec:
//    those acknowledged more than `everysec_window_ns` (default 2 s) before the crash survive.
//    no: any suffix may be lost (only the prefix and corruption rules apply). Data present in
//    `before` is on disk already and must survive under every policy unless overwritten.
// "Survived" for a write w means: its key's survivor is w, or a write that may have been applied
// after w (not acknowledged before w was invoked). The checker is pure.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checkers/outcome.h"

namespace redsim::checkers {

enum class FsyncPolicy { kAlways, kEverysec, kNo };

const char* FsyncPolicyName(FsyncPolicy policy);  // "always", "everysec", "no"
bool ParseFsyncPolicy(std::string_view name, FsyncPolicy* out);

struct DurableWrite {
  std::string key;
  std::optional<std::string> value;  // nullopt: a delete
  int64_t invoke_ns = 0;
  int64_t ack_ns = -1;  // -1: never acknowledged (in flight at the crash, or outcome unknown)
  int id = -1;          // the caller's id (e.g. an operation id), for messages
};

struct DurabilityInput {
  FsyncPolicy policy = FsyncPolicy::kAlways;
  int64_t everysec_window_ns = 2'000'000'000;
  std::map<std::string, std::string> before;  // data read back after the previous restart
  std::vector<DurableWrite> writes;           // writes since then, any order
  int64_t crash_ns = 0;
  std::map<std::string, std::string> after;  // data read back after this crash
};

struct DurabilityResult {
  CheckOutcome outcome;       // kinds: lost-acknowledged-write, lost-existing-data, not-a-prefix,
                              // corrupt-value
  int acknowledged = 0;       // writes acknowledged before the crash
  int lost_acknowledged = 0;  // of those, lost
  // The oldest loss: crash time minus the acknowledgement of the earliest lost write (0: none).
  int64_t loss_window_ns = 0;
};

DurabilityResult CheckDurability(const DurabilityInput& input);

}  // namespace redsim::checkers
