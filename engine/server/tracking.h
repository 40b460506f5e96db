// Tracking: server-assisted client-side caching (CLIENT TRACKING). In the default mode the
// server remembers which clients read which keys and tells each of them, once, when such a key
// changes; in BCAST mode it tells every client whose prefix matches any changed key. Messages
// go to the client itself as RESP3 "invalidate" pushes, or to a REDIRECT client (RESP3 push, or
// a RESP2 message on __redis__:invalidate when that client is subscribed).
//
// Invariants:
//  * Keys are tracked by name across databases, as in Redis. An entry is dropped as soon as its
//    invalidation is sent; the table holds at most `tracking-table-max-keys` keys (older keys are
//    invalidated early to make room), so memory stays bounded.
//  * The table stores client ids, never pointers: a client that went away is skipped.
//  * Invalidations of keys the running client changed itself are sent after that command's
//    reply; BCAST invalidations are batched per prefix and sent at the before-sleep point.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/db/keyspace.h"

namespace redsim {

class Client;
class Server;
struct Command;
struct CommandContext;

enum TrackingFlag : uint32_t {
  kTrackingOn = 1 << 0,
  kTrackingBcast = 1 << 1,
  kTrackingOptin = 1 << 2,
  kTrackingOptout = 1 << 3,
  kTrackingCaching = 1 << 4,  // CLIENT CACHING yes|no was given for the next command
  kTrackingNoloop = 1 << 5,
  kTrackingBrokenRedirect = 1 << 6,
};

class Tracking : public KeyspaceListener {
 public:
  explicit Tracking(Server* server) : server_(server) {}

  // CLIENT TRACKING ON with its options (already validated by the caller). Returns "" or the
  // error text (prefix overlaps).
  std::string Enable(Client* c, uint64_t redirect, uint32_t mode_flags,
                     const std::vector<std::string>& prefixes);
  void Disable(Client* c);

  // After every command (including those inside EXEC): remembers the keys a tracking client
  // read, as its mode says.
  void AfterCommand(CommandContext& ctx);
  // After each top-level command: sends the invalidations deferred for the client that just
  // ran, and ends a one-command CLIENT CACHING choice.
  void AfterTopLevelCommand(Client* c, const Command* cmd);
  // A key changed (any database).
  // KeyspaceListener: a modified key or a flush invalidates the caches holding it.
  void OnKeyModified(int /*db_index*/, std::string_view key) override { InvalidateKey(key); }
  void OnFlushed(int index) override { InvalidateAllOnFlush(index < 0); }
  void InvalidateKey(std::string_view key);
  // FLUSHDB / FLUSHALL: every tracking client is told to drop everything (a null key list).
  void InvalidateAllOnFlush(bool all_databases);
  // Sends the BCAST batches collected this turn.
  void FlushBroadcasts();
  void OnClientFreed(Client* c);

  size_t tracked_keys() const { return table_.size(); }
  size_t tracked_items() const;
  size_t prefix_count() const { return prefixes_.size(); }
  uint64_t tracking_clients() const { return tracking_clients_; }

 private:
  struct PrefixState {
    std::vector<uint64_t> clients;
    // Keys changed this turn under the prefix, with the id of the client that changed each
    // (for NOLOOP; 0 when no client did, e.g. expiry).
    std::vector<std::pair<std::string, uint64_t>> pending;
  };

  // Sends one invalidation (keys, or null for a flush when keys == nullptr) for client `c`,
  // following its redirection.
  void Send(Client* c, const std::vector<std::string>* keys);
  void RememberKey(Client* c, std::string_view key);
  // Invalidates the oldest tracked keys until the table fits tracking-table-max-keys.
  void EnforceTableLimit();
  uint64_t CurrentClientId() const;

  Server* server_;
  std::unordered_map<std::string, std::vector<uint64_t>> table_;
  std::deque<std::string> insertion_order_;  // for the table limit; may hold stale names
  std::map<std::string, PrefixState, std::less<>> prefixes_;
  bool broadcast_pending_ = false;
  uint64_t tracking_clients_ = 0;  // clients with tracking on
  // Keys changed by the running command that it had itself tracked (sent after its reply).
  uint64_t deferred_client_ = 0;
  std::vector<std::string> deferred_keys_;
};

}  // namespace redsim
