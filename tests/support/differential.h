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
using Comparator =
    std::function<bool(const Command& cmd, const RespValue& redis, const RespValue& redsim)>;

// Registers a rule for a command name (lowercase). A rule for "container|sub" (e.g.
// "client|list") takes precedence over one for the container. Call at static init time:
//   static const bool kRegistered = RegisterNormalizer("keys", SortArrayReply);
bool RegisterNormalizer(const std::string& command, Normalizer n);
bool RegisterComparator(const std::string& command, Comparator c);

// A macro is a pseudo-command, named with a leading '#', that a test runs as several real
// commands on one connection and folds into one reply (e.g. "#SCANALL" iterates SCAN to the end
// and returns the sorted set of keys). The same macro runs on both servers and the two folded
// replies are compared like any other.
using Macro = std::function<RespValue(RespClient& conn, const Command& cmd)>;
bool RegisterMacro(const std::string& name, Macro m);

// Common normalisers.
RespValue SortArrayReply(const Command& cmd, RespValue reply);
// For replies like SCAN's [cursor, [items]]: drops the cursor value and sorts the items.
RespValue SortScanReply(const Command& cmd, RespValue reply);

class DifferentialPair {
 public:
  // The shared pair, started on first use. Returns nullptr if either server cannot start
  // (the test then fails with the reason).
  static DifferentialPair* Get(std::vector<std::string> extra_args = {});
  // A separate pair with its own servers (e.g. started with --requirepass), owned by the caller.
  static std::unique_ptr<DifferentialPair> Create(std::vector<std::string> extra_args = {});

  RespClient& redis() { return redis_conn_; }
  RespClient& redsim() { return redsim_conn_; }
  ServerProcess& redis_process() { return *redis_; }
  ServerProcess& redsim_process() { return *redsim_; }

  // Gives each test case a fresh start: closes extra connections, reconnects connection 0 if it
  // was closed and RESETs it, FLUSHALL, CONFIG RESETSTAT, then runs `extra` (e.g. CONFIG SETs
  // restoring defaults a generator may have changed) on both servers.
  void Reset(const std::vector<Command>& extra = {});

  // Runs one command on both servers; returns the (normalised) replies.
  //  - A first argument "@N" (N = 0..7) runs the command on connection N of each server (opened
  //    on first use); without it, connection 0 is used.
  //  - An argument "$id:N" or "$addr:N" is replaced, per server, by that server's client id or
  //    peer address of connection N (e.g. {"CLIENT", "KILL", "ID", "$id:1"}).
  std::pair<RespValue, RespValue> Run(const Command& cmd);

  // Runs a whole sequence; returns "" when every reply matched, else a report naming the first
  // mismatching command with the sequence so far (for RC_ASSERT / EXPECT messages).
  std::string CheckSequence(const std::vector<Command>& seq);

 private:
  static constexpr int kMaxConnections = 8;
  // Connection `n` to server `side` (0 = redis, 1 = redsim), connected if it was not.
  RespClient& Conn(int side, int n);
  // Runs `cmd` (placeholders already substituted) on one connection, expanding macros.
  RespValue RunOn(int side, int n, const Command& cmd);
  std::string Placeholder(int side, const std::string& arg);

  std::unique_ptr<ServerProcess> redis_;
  std::unique_ptr<ServerProcess> redsim_;
  RespClient redis_conn_;
  RespClient redsim_conn_;
  std::unique_ptr<RespClient> extra_[2][kMaxConnections];
  struct Transaction {
    bool open = false;
    std::vector<Command> queued;
  };
  void TrackTransaction(int n, const Command& cmd, RespValue* replies);
  Transaction transactions_[kMaxConnections];
  std::vector<Command> last_exec_queue_;  // the commands the last EXEC answered
  std::vector<std::string> extra_args_;
  std::string ids_[2][kMaxConnections];
  std::string addrs_[2][kMaxConnections];
};

std::string FormatCommand(const Command& cmd);

// Runs every command on both servers, going on past differences (unlike CheckSequence, which
// stops at the first); returns one paragraph per command whose replies differ, "" when all agree.
std::string AllMismatches(DifferentialPair* pair, const std::vector<Command>& cmds);

}  // namespace redsim::testing
