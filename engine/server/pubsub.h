// PubSub: the server's registry of channel, pattern and shard-channel subscriptions, message
// delivery, and keyspace notifications (which are ordinary messages on __keyspace@N__:key and
// __keyevent@N__:event channels).
//
// Invariants:
//  * A client appears in a channel's (or pattern's) subscriber list exactly when the channel is
//    in its own set (Client::channels, patterns, shard_channels); lists keep subscription order,
//    which is the order messages reach subscribers.
//  * kClientPubSub is set on a client exactly while it has at least one subscription of any
//    kind (RESP2 clients are then in "subscribed mode"; CLIENT LIST shows flag P).
//  * A message is encoded once per protocol version and appended to each receiver's reply
//    buffer; every append is followed by the output-buffer-limit check, so a subscriber that
//    never reads is closed at `client-output-buffer-limit pubsub` instead of growing.
//  * The registry never holds a freed client: Server::FreeClient calls RemoveClient.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/db/keyspace.h"

namespace redsim {

class Client;
struct ServerConfig;

// What PubSub needs from the node: its config and a way to send a subscriber what was queued.
struct PubSubHandles {
  const ServerConfig* config = nullptr;  // notify-keyspace-events
  // A client's reply buffer gained a message: flush it soon, and enforce its output limits.
  std::function<void(Client*)> schedule_flush;
  std::function<bool(Client*)> check_output_limits;
};

// Subscription kinds, as the commands name them.
enum class SubKind : uint8_t { kChannel, kPattern, kShard };

class PubSub : public KeyspaceListener {
 public:
  explicit PubSub(PubSubHandles handles) : h_(std::move(handles)) {}
  PubSub(const PubSub&) = delete;
  PubSub& operator=(const PubSub&) = delete;

  // Adds / removes one subscription of `c`. Returns false when nothing changed (already
  // subscribed / not subscribed).
  bool Subscribe(Client* c, SubKind kind, std::string_view name);
  bool Unsubscribe(Client* c, SubKind kind, std::string_view name);
  // Every subscription `c` holds of `kind`, in the order UNSUBSCRIBE without arguments drops them.
  std::vector<std::string> SubscriptionsOf(const Client* c, SubKind kind) const;
  // Drops every subscription of `c` without replying (disconnect, RESET).
  void RemoveClient(Client* c);
  // Forgets every client (the server is stopping and deletes them itself).
  void Clear();

  // Delivers `message` to the subscribers of `channel` (and, for ordinary channels, of every
  // matching pattern). Returns the number of receivers, as PUBLISH replies.
  int64_t Publish(std::string_view channel, std::string_view message, bool shard = false);

  // Subscription counts that the replies to (P|S)(UN)SUBSCRIBE carry: channels + patterns for
  // the classic commands, shard channels alone for the sharded ones.
  static int64_t ClassicCount(const Client* c);
  static int64_t ShardCount(const Client* c);

  // Introspection (PUBSUB, INFO).
  size_t channel_count() const { return channels_.size(); }
  size_t pattern_count() const { return patterns_.size(); }
  size_t shard_channel_count() const { return shard_channels_.size(); }
  // Active channels matching `pattern` (all when empty).
  std::vector<std::string> ActiveChannels(std::string_view pattern, bool shard) const;
  int64_t SubscriberCount(std::string_view channel, bool shard) const;

  // Publishes a keyspace notification when `notify-keyspace-events` enables `type_class` (one of
  // g $ l s h z x e t m d n) and someone could receive it.
  // KeyspaceListener: keyspace events reach NotifyKeyspaceEvent.
  void OnKeyspaceEvent(char type_class, std::string_view event, std::string_view key,
                       int db_index) override {
    NotifyKeyspaceEvent(type_class, event, key, db_index);
  }
  void NotifyKeyspaceEvent(char type_class, std::string_view event, std::string_view key,
                           int db_index);

  // Hook for ACL (&channel rules): asked before a client subscribes, publishes or
  // pattern-subscribes. `is_pattern` is true for PSUBSCRIBE arguments (which ACL matches
  // literally). Return false to refuse; the command then replies with NOPERM. Unset: allowed.
  using ChannelAccessCheck =
      std::function<bool(const Client* c, std::string_view channel, bool is_pattern)>;
  void set_channel_access_check(ChannelAccessCheck check) { access_check_ = std::move(check); }
  bool MayAccess(const Client* c, std::string_view channel, bool is_pattern) const {
    return !access_check_ || access_check_(c, channel, is_pattern);
  }

 private:
  using SubscriberMap = std::unordered_map<std::string, std::vector<Client*>>;
  // Patterns are few and scanned on every PUBLISH; a sorted map keeps that scan's order (the
  // order a client matching several patterns receives its pmessages) independent of hashing.
  using PatternMap = std::map<std::string, std::vector<Client*>, std::less<>>;
  // Appends already-encoded bytes to `c`'s output and enforces its output-buffer limit.
  void Deliver(Client* c, const std::string& bytes);
  // Keyspace-event class bits from the config string (cached: re-parsed when it changes).
  uint32_t EventFlags();

  PubSubHandles h_;
  SubscriberMap channels_;
  SubscriberMap shard_channels_;
  PatternMap patterns_;
  ChannelAccessCheck access_check_;
  std::string cached_flags_text_;
  uint32_t cached_flags_ = 0;
  std::string scratch_[2];  // encoded message, RESP2 and RESP3
};

}  // namespace redsim
