// Recovery checking: turns what the recovery scenarios' clients did (INCR on counters, APPEND of
// unique tokens, SADD of unique members, SET of unique keys) and what was read back after each
// restart into the key/value form checkers::CheckDurability judges, one crash at a time.
//
// The durability checker wants every write to leave a unique, recognisable value. Collections do
// not, so each element becomes a "virtual key" that is present ("1") or absent:
//  * APPEND log:K "tok," -> virtual key "log:K/tok"; SADD set:K m -> "set:K/m".
//  * INCR ctr:K -> "ctr:K#n" for its ordinal n (the counter value it produced): a counter read
//    back as N means ordinals 1..N survived. An acknowledged INCR's ordinal is its reply. The
//    ordinals nobody acknowledged (above the value read back before the epoch) go to the INCRs
//    with unknown outcome in invocation order; this never invents a reordering: if x was
//    acknowledged before w was invoked, the c unclaimed ordinals below x's belong to unknown
//    INCRs invoked before w, so w (at rank > c among them) gets an ordinal above x's.
//  * SET u:... v -> the key itself (each unique key is written once).
// Anything read back that no rule explains (a piece of a log that is not a token, a repeated
// token, a counter that is not a number, an unexpected key) becomes a virtual key no write
// produced, which the checker reports as corrupt-value. Two checks the virtual keys cannot
// express are made here: tokens of one log must appear in an order consistent with real time,
// and no two acknowledged INCRs of one counter may return the same value.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "checkers/durability.h"

namespace redsim::scenarios {

// What a recovery client did. Keys: "ctr:*" (INCR), "log:*" (APPEND token+","), "set:*" (SADD
// token), "u:*" (SET key token).
struct RecoveryWrite {
  enum class Kind { kIncr, kAppend, kSadd, kSet };
  Kind kind = Kind::kSet;
  std::string key;
  std::string token;  // the appended token, the added member, the value set
  int64_t invoke_ns = 0;
  int64_t ack_ns = -1;     // -1: outcome unknown (timeout, connection lost)
  int64_t incr_reply = 0;  // the counter value an acknowledged INCR returned
  int id = -1;
  bool failed = false;  // certainly not applied (error reply, never sent): callers leave it out
};

// The data read back from the node: strings and sets by key.
struct RecoveryState {
  std::map<std::string, std::string> strings;
  std::map<std::string, std::set<std::string>> sets;
  bool operator==(const RecoveryState& o) const { return strings == o.strings && sets == o.sets; }
};

// The virtual-key view of a state (see above). Unexplained data gets keys no write produces.
std::map<std::string, std::string> FlattenRecoveryState(const RecoveryState& state);

// One epoch: the state read back after the previous restart, the writes invoked since (those
// that certainly failed left out), the crash time and the state read back after it. `policy`
// and `everysec_window_ns` as in DurabilityInput. A "crash" at the end of a run without one
// (a final read of a live node) is judged with kAlways: nothing may be missing.
checkers::DurabilityResult CheckRecoveryEpoch(const RecoveryState& before,
                                              const std::vector<RecoveryWrite>& writes,
                                              int64_t crash_ns, const RecoveryState& after,
                                              checkers::FsyncPolicy policy,
                                              int64_t everysec_window_ns = 2'000'000'000);

}  // namespace redsim::scenarios
