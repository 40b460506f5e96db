// Blocking: clients blocked on keys (BLPOP, BZPOPMIN, XREAD BLOCK, BLMOVE, ...) and on
// replication (WAIT). A blocked client's command is stored; when one of its keys is signalled
// ready (Keyspace::SignalKeyReady) the command is re-run at the next serving point, first blocked
// first served; when its timeout passes it gets the timeout reply.
//
// It is built from narrow handles (the Env for timers, the keyspace, and callbacks into the
// server for re-running a command and queueing a reply), not from the server.
//
// Invariants: a client is in blocking_keys_ under exactly the keys it blocked on while it has
// kClientBlocked; blocked_count() is the number of clients with kClientBlocked.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/db/keyspace.h"
#include "engine/env/env.h"
#include "engine/resp/reply_builder.h"

namespace redsim {

class Client;
struct Command;
struct StoredCommand;

struct BlockingHandles {
  Env* env = nullptr;
  Keyspace* keyspace = nullptr;
  const int64_t* now_ms = nullptr;  // the command time (timeouts are absolute Unix ms)
  uint64_t* total_commands_processed = nullptr;
  std::function<Client*(uint64_t id)> find_client;
  std::function<void()> refresh_time;
  // Asks for the next serving point (the server's before-sleep).
  std::function<void()> schedule_serving;
  std::function<ReplyBuilder(Client*)> reply_to;
  // Runs a stored command for `c` (already switched to its blocked database).
  std::function<void(Client* c, Command* cmd, const std::vector<std::string_view>& args)> execute;
  // A client was unblocked: its remaining input is processed and its reply flushed soon.
  std::function<void(Client*)> on_unblocked;
};

class Blocking : public KeyspaceListener {
 public:
  explicit Blocking(BlockingHandles handles) : h_(std::move(handles)) {}
  ~Blocking() override;
  Blocking(const Blocking&) = delete;
  Blocking& operator=(const Blocking&) = delete;

  // Blocks `c` on `keys` until one is signalled ready or the timeout (absolute Unix ms, 0 =
  // forever) passes; the stored command is re-run when a key is ready.
  void BlockClient(Client* c, const std::vector<std::string_view>& args, Command* cmd,
                   const std::vector<std::string>& keys, int64_t timeout_ms,
                   std::function<void(Client*, ReplyBuilder&)> timeout_reply = nullptr);
  // Unblocks with the timeout reply (null) or an error; `reply` writes nothing when empty.
  void UnblockClient(Client* c, bool timed_out, std::string_view error = {});
  // Re-runs the commands of clients blocked on keys signalled ready, until none is left.
  void ServeReadyKeys();
  bool has_ready_keys() const { return !ready_keys_.empty(); }
  size_t blocked_count() const { return blocked_count_; }
  // While ServeReadyKeys re-runs a blocked command: the key that was signalled ready. Redis
  // serves a waiting client from that key, not from the first non-empty key of its list, so
  // multi-key blocking commands look at this key only when re-run. nullptr when no blocked
  // command is being re-run (a key may be the empty string).
  const std::string* ready_key() const { return serving_ready_key_ ? &ready_key_ : nullptr; }
  // Forgets every blocked client (the server is stopping; the clients are gone).
  void Clear();

  // KeyspaceListener.
  void OnKeyReady(int db_index, std::string_view key) override;
  void OnSwapped(int a, int b) override;

  // Guards timers that may outlive the server (shared with it).
  void set_alive(std::shared_ptr<bool> alive) { alive_ = std::move(alive); }

 private:
  struct BlockedKey {
    int db;
    std::string key;
    bool operator<(const BlockedKey& o) const { return db != o.db ? db < o.db : key < o.key; }
  };
  void ServeKey(const BlockedKey& bk);

  BlockingHandles h_;
  size_t blocked_count_ = 0;
  // Blocked clients by key, first blocked first served; keys signalled ready this turn.
  std::map<BlockedKey, std::vector<Client*>> blocking_keys_;
  std::vector<BlockedKey> ready_keys_;
  std::string ready_key_;  // see ready_key()
  bool serving_ready_key_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace redsim
