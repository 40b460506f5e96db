// Differential testing against the real redis-server.
//
// DifferentialPair starts one real redis-server (Debian's, 7.0) and one redsim-server on free
// loopback ports, once per test binary, and keeps a connection to each. A property generates a
// command sequence; CheckSequence runs it on both and requires equal replies, after the
// normalisation registered for commands whose replies are legitimately unordered (KEYS,
// SMEMBERS, ...) or time-dependent (TTL: a tolerance). Every tolerance is registered by name in
// the family's test file, with a comment saying why, so the exceptions are easy to audit.
//
// Between test cases, Reset() runs FLUSHALL and resets connection state on both servers, which
// gives each sequence a fresh keyspace without paying for new processes.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/resp/resp_value.h"
#include "tests/support/resp_client.h"
#include "tests/support/server_process.h"

namespace redsim::testing {

using Command = std::vector<std::string>;

// Rewrites a reply into a canonical form before comparison (e.g. sorts an unordered array).
using Normalizer = std::function<RespValue(const Command& cmd, RespValue reply)>;
// Decides equality for replies that may legitimately differ a little (e.g. TTL ±1).
using Comparator = std::function<bool(const Command& cmd, const RespValue& redis,
                                      const RespValue& redsim)>;

// Registers a rule for a command name (lowercase; "object|encoding" style for subcommands is
// matched on the first argument only, so use the top-level name). Call at static init time:
//   static const bool kRegistered = RegisterNormalizer("keys", SortArrayReply);
bool RegisterNormalizer(const std::string& command, Normalizer n);
bool RegisterComparator(const std::string& command, Comparator c);

// Common normalisers.
RespValue SortArrayReply(const Command& cmd, RespValue reply);
// For replies like SCAN's [cursor, [items]]: drops the cursor value and sorts the items.
RespValue SortScanReply(const Command& cmd, RespValue reply);

class DifferentialPair {
 public:
  // The shared pair, started on first use. Returns nullptr if either server cannot start
  // (the test then fails with the reason).
  static DifferentialPair* Get(std::vector<std::string> extra_args = {});

  RespClient& redis() { return redis_conn_; }
  RespClient& redsim() { return redsim_conn_; }
  ServerProcess& redis_process() { return *redis_; }
  ServerProcess& redsim_process() { return *redsim_; }

  // FLUSHALL on both; reconnects if a connection was closed; RESET connection state.
  void Reset();

  // Runs one command on both servers; returns the (normalised) replies.
  std::pair<RespValue, RespValue> Run(const Command& cmd);

  // Runs a whole sequence; returns "" when every reply matched, else a report naming the first
  // mismatching command with the sequence so far (for RC_ASSERT / EXPECT messages).
  std::string CheckSequence(const std::vector<Command>& seq);

 private:
  std::unique_ptr<ServerProcess> redis_;
  std::unique_ptr<ServerProcess> redsim_;
  RespClient redis_conn_;
  RespClient redsim_conn_;
};

std::string FormatCommand(const Command& cmd);

}  // namespace redsim::testing
