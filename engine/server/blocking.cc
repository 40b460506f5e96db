#include "engine/server/blocking.h"

#include <algorithm>

#include "engine/base/check.h"
#include "engine/server/client.h"
#include "engine/server/command.h"

namespace redsim {

Blocking::~Blocking() = default;

void Blocking::BlockClient(Client* c, const std::vector<std::string_view>& args, Command* cmd,
                           const std::vector<std::string>& keys, int64_t timeout_ms,
                           std::function<void(Client*, ReplyBuilder&)> timeout_reply) {
  if (c->has(kClientBlocked)) return;  // re-run of a blocked command that must keep waiting
  c->flags |= kClientBlocked;
  c->block_timeout_reply = std::move(timeout_reply);
  blocked_count_++;
  c->blocked_command.cmd = cmd;
  c->blocked_command.args.assign(args.begin(), args.end());
  c->blocked_keys = keys;
  c->blocked_db = c->db_index;
  c->blocked_timeout_ms = timeout_ms;
  for (const auto& k : keys) {
    auto& waiters = blocking_keys_[BlockedKey{c->db_index, k}];
    if (std::find(waiters.begin(), waiters.end(), c) == waiters.end()) waiters.push_back(c);
  }
  if (timeout_ms > 0) {
    int64_t delay_ms = std::max<int64_t>(0, timeout_ms - *h_.now_ms);
    auto alive = alive_;
    uint64_t id = c->id();
    c->blocked_timer = h_.env->AddTimer(delay_ms * 1000, [this, alive, id] {
      if (!*alive) return;
      Client* bc = h_.find_client(id);
      if (bc == nullptr || !bc->has(kClientBlocked)) return;
      bc->blocked_timer = 0;
      h_.refresh_time();
      UnblockClient(bc, /*timed_out=*/true);
    });
  }
}

void Blocking::UnblockClient(Client* c, bool timed_out, std::string_view error) {
  if (!c->has(kClientBlocked)) return;
  c->flags &= ~kClientBlocked;
  REDSIM_CHECK(blocked_count_ > 0, "blocked client count matches the blocked flags");
  blocked_count_--;
  for (const auto& k : c->blocked_keys) {
    auto it = blocking_keys_.find(BlockedKey{c->blocked_db, k});
    if (it == blocking_keys_.end()) continue;
    auto& waiters = it->second;
    waiters.erase(std::remove(waiters.begin(), waiters.end(), c), waiters.end());
    if (waiters.empty()) blocking_keys_.erase(it);
  }
  if (c->blocked_timer != 0) {
    h_.env->CancelTimer(c->blocked_timer);
    c->blocked_timer = 0;
  }
  ReplyBuilder reply = h_.reply_to(c);
  Command* cmd = c->blocked_command.cmd;
  if (!error.empty()) {
    reply.Error(error);
  } else if (timed_out && c->block_timeout_reply) {
    auto handler = std::move(c->block_timeout_reply);
    c->block_timeout_reply = nullptr;
    handler(c, reply);
  } else if (timed_out) {
    // Redis 7.0 answers every timed-out list, sorted-set or stream wait with a null array,
    // BLMOVE and BRPOPLPUSH included (only inside MULTI do those two answer a null bulk).
    reply.NullArray();
  }
  c->block_timeout_reply = nullptr;
  if (timed_out || !error.empty()) {
    if (cmd != nullptr) {
      cmd->calls++;
      (*h_.total_commands_processed)++;
    }
  }
  c->blocked_keys.clear();
  c->blocked_command = StoredCommand();
  if (!c->has(kClientCloseAsap)) {
    c->flags |= kClientUnblocked;
    h_.on_unblocked(c);
  }
}

void Blocking::ServeReadyKeys() {
  while (!ready_keys_.empty()) {
    std::vector<BlockedKey> ready;
    ready.swap(ready_keys_);
    for (const auto& bk : ready) ServeKey(bk);
  }
}

void Blocking::ServeKey(const BlockedKey& bk) {
  auto it = blocking_keys_.find(bk);
  if (it == blocking_keys_.end()) return;
  // First blocked, first served: copy the queue since serving changes it.
  std::vector<Client*> waiters = it->second;
  Database* db = h_.keyspace->db(bk.db);
  for (Client* c : waiters) {
    if (!c->has(kClientBlocked) || c->has(kClientCloseAsap)) continue;
    // A missing key serves nobody, except that XREADGROUP answers an error when the stream it
    // waits on was deleted (Redis 7.0).
    if (db->Find(bk.key) == nullptr && c->blocked_command.cmd->name != "xreadgroup") continue;
    // Re-run the stored command. If it still has nothing to serve, BlockClient leaves the client
    // where it was in every queue; otherwise it replied and we unblock it.
    StoredCommand stored = c->blocked_command;
    std::vector<std::string_view> args(stored.args.begin(), stored.args.end());
    int saved_db = c->db_index;
    Database* saved_dbp = c->db;
    c->db_index = c->blocked_db;
    c->db = h_.keyspace->db(c->blocked_db);
    h_.refresh_time();
    size_t reply_before = c->reply_buffer().size();
    c->flags |= kClientReprocessing;
    ready_key_ = bk.key;
    serving_ready_key_ = true;
    h_.execute(c, stored.cmd, args);
    serving_ready_key_ = false;
    c->flags &= ~kClientReprocessing;
    c->db_index = saved_db;
    c->db = saved_dbp;
    if (c->reply_buffer().size() != reply_before) {
      stored.cmd->calls++;
      (*h_.total_commands_processed)++;
      UnblockClient(c, false);
    }
  }
}

void Blocking::Clear() {
  blocking_keys_.clear();
  ready_keys_.clear();
}

void Blocking::OnKeyReady(int db_index, std::string_view key) {
  if (blocking_keys_.empty()) return;
  BlockedKey bk{db_index, std::string(key)};
  if (blocking_keys_.find(bk) == blocking_keys_.end()) return;
  for (const auto& r : ready_keys_) {
    if (r.db == bk.db && r.key == bk.key) return;
  }
  ready_keys_.push_back(std::move(bk));
  h_.schedule_serving();
}

void Blocking::OnSwapped(int a, int b) {
  for (const auto& [bk, waiters] : blocking_keys_) {
    if (bk.db == a || bk.db == b) ready_keys_.push_back(bk);
  }
  if (!ready_keys_.empty()) h_.schedule_serving();
}

}  // namespace redsim
