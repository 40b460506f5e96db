#include "engine/server/tracking.h"

#include <algorithm>

#include "engine/base/strutil.h"
#include "engine/server/client.h"
#include "engine/server/command.h"
#include "engine/server/command_context.h"
#include "engine/server/server.h"

namespace redsim {

namespace {
constexpr std::string_view kInvalidateChannel = "__redis__:invalidate";

void AppendHeader(std::string* out, char prefix, int64_t n) {
  out->push_back(prefix);
  out->append(Int64ToString(n));
  out->append("\r\n");
}

void AppendBulk(std::string* out, std::string_view s) {
  AppendHeader(out, '$', static_cast<int64_t>(s.size()));
  out->append(s);
  out->append("\r\n");
}
}  // namespace

std::string Tracking::Enable(Client* c, uint64_t redirect, uint32_t mode_flags,
                             const std::vector<std::string>& prefixes) {
  // Prefixes must not overlap each other, nor those the client already has.
  for (size_t i = 0; i < prefixes.size(); i++) {
    for (const std::string& existing : c->tracking_prefixes) {
      if (existing.starts_with(prefixes[i]) || prefixes[i].starts_with(existing)) {
        return "ERR Prefix '" + prefixes[i] + "' overlaps with an existing prefix '" + existing +
               "'. Prefixes for a single client must not overlap.";
      }
    }
    for (size_t j = 0; j < prefixes.size(); j++) {
      if (i != j &&
          (prefixes[j].starts_with(prefixes[i]) || prefixes[i].starts_with(prefixes[j]))) {
        return "ERR Prefix '" + prefixes[i] + "' overlaps with another provided prefix '" +
               prefixes[j] + "'. Prefixes for a single client must not overlap.";
      }
    }
  }
  if (!(c->tracking_flags & kTrackingOn)) tracking_clients_++;
  c->flags |= kClientTracking;
  c->tracking_flags = (c->tracking_flags & kTrackingBcast) | kTrackingOn | mode_flags;
  c->tracking_redirect = redirect;
  if (mode_flags & kTrackingBcast) {
    std::vector<std::string> all = prefixes;
    if (all.empty() && c->tracking_prefixes.empty()) all.push_back("");  // every key
    for (const std::string& p : all) {
      if (std::find(c->tracking_prefixes.begin(), c->tracking_prefixes.end(), p) !=
          c->tracking_prefixes.end()) {
        continue;
      }
      c->tracking_prefixes.push_back(p);
      prefixes_[p].clients.push_back(c->id());
    }
  }
  return "";
}

void Tracking::Disable(Client* c) {
  if (!(c->tracking_flags & kTrackingOn)) return;
  tracking_clients_--;
  for (const std::string& p : c->tracking_prefixes) {
    auto it = prefixes_.find(p);
    if (it == prefixes_.end()) continue;
    auto& ids = it->second.clients;
    ids.erase(std::remove(ids.begin(), ids.end(), c->id()), ids.end());
    if (ids.empty()) prefixes_.erase(it);
  }
  c->tracking_prefixes.clear();
  c->tracking_flags = 0;
  c->tracking_redirect = 0;
  c->flags &= ~kClientTracking;
  // Keys it read stay in the table and are skipped when invalidated (Redis does the same).
}

void Tracking::OnClientFreed(Client* c) {
  Disable(c);
  if (deferred_client_ == c->id()) {
    deferred_client_ = 0;
    deferred_keys_.clear();
  }
}

size_t Tracking::tracked_items() const {
  size_t n = 0;
  for (const auto& [key, ids] : table_) n += ids.size();
  return n;
}

uint64_t Tracking::CurrentClientId() const {
  Client* c = server_->current_client();
  return c == nullptr ? 0 : c->id();
}

void Tracking::AfterCommand(CommandContext& ctx) {
  Client* c = ctx.client;
  uint32_t f = c->tracking_flags;
  if (!(f & kTrackingOn) || (f & kTrackingBcast) || !ctx.cmd->is(kCmdReadonly)) return;
  // OPTIN tracks only after CLIENT CACHING yes; OPTOUT tracks unless CLIENT CACHING no.
  bool caching = (f & kTrackingCaching) != 0;
  if ((f & kTrackingOptin) && !caching) return;
  if ((f & kTrackingOptout) && caching) return;
  std::vector<int> positions;
  ctx.cmd->GetKeyPositions(ctx.args, &positions);
  for (int pos : positions) RememberKey(c, ctx.args[static_cast<size_t>(pos)]);
}

void Tracking::AfterTopLevelCommand(Client* c, const Command* cmd) {
  // A CLIENT CACHING choice covers the next command (a whole transaction when given in MULTI).
  if ((c->tracking_flags & kTrackingCaching) && cmd->name != "client|caching" &&
      !(c->has(kClientMulti) && cmd->name != "exec")) {
    c->tracking_flags &= ~kTrackingCaching;
  }
  if (deferred_client_ == 0) return;
  Client* target = server_->FindClient(deferred_client_);
  std::vector<std::string> keys;
  keys.swap(deferred_keys_);
  deferred_client_ = 0;
  if (target == nullptr) return;
  // One message per key, as Redis sends them.
  for (const std::string& key : keys) {
    std::vector<std::string> one{key};
    Send(target, &one);
  }
}

void Tracking::RememberKey(Client* c, std::string_view key) {
  auto [it, added] = table_.try_emplace(std::string(key));
  auto& ids = it->second;
  if (std::find(ids.begin(), ids.end(), c->id()) == ids.end()) ids.push_back(c->id());
  if (added) {
    insertion_order_.push_back(it->first);
    EnforceTableLimit();
  }
}

void Tracking::EnforceTableLimit() {
  int64_t max_keys = server_->config().tracking_table_max_keys;
  if (max_keys > 0) {
    while (static_cast<int64_t>(table_.size()) > max_keys && !insertion_order_.empty()) {
      std::string oldest = std::move(insertion_order_.front());
      insertion_order_.pop_front();
      if (table_.count(oldest)) InvalidateKey(oldest);
    }
  }
  // Names of keys already invalidated linger in the order list: rebuild it when they dominate.
  if (insertion_order_.size() > 2 * table_.size() + 1024) {
    insertion_order_.clear();
    for (const auto& [key, ids] : table_) insertion_order_.push_back(key);
  }
}

void Tracking::InvalidateKey(std::string_view key) {
  if (tracking_clients_ == 0 && table_.empty()) return;
  uint64_t modifier = CurrentClientId();
  if (!prefixes_.empty()) {
    for (auto& [prefix, state] : prefixes_) {
      if (key.starts_with(prefix)) {
        state.pending.emplace_back(std::string(key), modifier);
        broadcast_pending_ = true;
      }
    }
    if (broadcast_pending_) server_->RequestBeforeSleep();
  }
  if (table_.empty()) return;
  auto it = table_.find(std::string(key));
  if (it == table_.end()) return;
  std::vector<uint64_t> ids = std::move(it->second);
  table_.erase(it);
  std::string name(key);
  for (uint64_t id : ids) {
    Client* target = server_->FindClient(id);
    if (target == nullptr || !(target->tracking_flags & kTrackingOn) ||
        (target->tracking_flags & kTrackingBcast)) {
      continue;
    }
    if (id == modifier) {
      if (target->tracking_flags & kTrackingNoloop) continue;
      // The running command's own key: the message follows its reply.
      deferred_client_ = id;
      deferred_keys_.push_back(name);
      continue;
    }
    std::vector<std::string> keys{name};
    Send(target, &keys);
  }
}

void Tracking::InvalidateAllOnFlush(bool all_databases) {
  if (tracking_clients_ > 0) {
    for (const auto& [id, c] : server_->clients()) {
      if (c->tracking_flags & kTrackingOn) Send(c, nullptr);
    }
  }
  // Keys are tracked by name only, so only a flush of everything empties the table.
  if (all_databases) {
    table_.clear();
    insertion_order_.clear();
  }
}

void Tracking::FlushBroadcasts() {
  if (!broadcast_pending_) return;
  broadcast_pending_ = false;
  for (auto& [prefix, state] : prefixes_) {
    if (state.pending.empty()) continue;
    for (uint64_t id : state.clients) {
      Client* c = server_->FindClient(id);
      if (c == nullptr) continue;
      std::vector<std::string> keys;
      for (const auto& [key, modifier] : state.pending) {
        if ((c->tracking_flags & kTrackingNoloop) && modifier == id) continue;
        keys.push_back(key);
      }
      if (!keys.empty()) Send(c, &keys);
    }
    state.pending.clear();
  }
}

void Tracking::Send(Client* c, const std::vector<std::string>* keys) {
  Client* target = c;
  bool redirected = false;
  if (c->tracking_redirect != 0) {
    target = server_->FindClient(c->tracking_redirect);
    if (target == nullptr || target->has(kClientCloseAsap)) {
      c->tracking_flags |= kTrackingBrokenRedirect;
      if (c->resp == 3) {
        std::string out;
        AppendHeader(&out, '>', 2);
        AppendBulk(&out, "tracking-redir-broken");
        AppendHeader(&out, ':', static_cast<int64_t>(c->tracking_redirect));
        c->reply_buffer().append(out);
        server_->ScheduleFlush(c);
      }
      return;
    }
    redirected = true;
  }
  std::string out;
  if (target->resp == 3) {
    AppendHeader(&out, '>', 2);
    AppendBulk(&out, "invalidate");
  } else if (redirected && target->has(kClientPubSub)) {
    AppendHeader(&out, '*', 3);
    AppendBulk(&out, "message");
    AppendBulk(&out, kInvalidateChannel);
  } else {
    return;  // a RESP2 client without redirection has nowhere to receive them
  }
  if (keys == nullptr) {
    out.append(target->resp == 3 ? "_\r\n" : "$-1\r\n");
  } else {
    AppendHeader(&out, '*', static_cast<int64_t>(keys->size()));
    for (const std::string& k : *keys) AppendBulk(&out, k);
  }
  if (target->has(kClientCloseAsap)) return;
  target->reply_buffer().append(out);
  server_->ScheduleFlush(target);
  server_->CheckOutputLimits(target);
}

}  // namespace redsim
