#include "engine/server/pubsub.h"

#include <algorithm>

#include "engine/base/strutil.h"
#include "engine/server/client.h"
#include "engine/server/server.h"

namespace redsim {

namespace {

// Keyspace-event classes: one bit per letter of notify-keyspace-events.
constexpr std::string_view kEventClassLetters = "g$lshzxetmdn";
constexpr uint32_t kEventKeyspace = 1u << 16;  // K
constexpr uint32_t kEventKeyevent = 1u << 17;  // E

uint32_t ClassBit(char letter) {
  size_t pos = kEventClassLetters.find(letter);
  return pos == std::string_view::npos ? 0 : 1u << pos;
}

uint32_t ParseEventFlags(std::string_view text) {
  uint32_t flags = 0;
  for (char ch : text) {
    // The config keeps "A" expanded into its letters (config.cc), so every letter is a class.
    if (ch == 'K') {
      flags |= kEventKeyspace;
    } else if (ch == 'E') {
      flags |= kEventKeyevent;
    } else {
      flags |= ClassBit(ch);
    }
  }
  return flags;
}

void AppendHeader(std::string* out, char prefix, size_t n) {
  out->push_back(prefix);
  out->append(Int64ToString(static_cast<int64_t>(n)));
  out->append("\r\n");
}

void AppendBulk(std::string* out, std::string_view s) {
  AppendHeader(out, '$', s.size());
  out->append(s);
  out->append("\r\n");
}

// Encodes a message in RESP2 (an array) and RESP3 (a push): only the first byte differs.
void Encode(std::string out[2], std::string_view kind, std::string_view pattern,
            std::string_view channel, std::string_view message) {
  std::string& body = out[0];
  body.clear();
  AppendHeader(&body, '*', pattern.data() == nullptr ? 3 : 4);
  AppendBulk(&body, kind);
  if (pattern.data() != nullptr) AppendBulk(&body, pattern);
  AppendBulk(&body, channel);
  AppendBulk(&body, message);
  out[1] = body;
  out[1][0] = '>';
}

std::unordered_set<std::string>& ClientSet(Client* c, SubKind kind) {
  switch (kind) {
    case SubKind::kChannel:
      return c->channels;
    case SubKind::kPattern:
      return c->patterns;
    case SubKind::kShard:
      return c->shard_channels;
  }
  return c->channels;
}

template <typename Map>
void RemoveSubscriber(Map& map, const std::string& name, Client* c) {
  auto it = map.find(name);
  if (it == map.end()) return;
  auto& v = it->second;
  v.erase(std::remove(v.begin(), v.end(), c), v.end());
  if (v.empty()) map.erase(it);
}

void UpdatePubSubFlag(Client* c) {
  if (c->channels.empty() && c->patterns.empty() && c->shard_channels.empty()) {
    c->flags &= ~kClientPubSub;
  } else {
    c->flags |= kClientPubSub;
  }
}

}  // namespace

bool PubSub::Subscribe(Client* c, SubKind kind, std::string_view name) {
  auto [it, added] = ClientSet(c, kind).emplace(name);
  if (!added) return false;
  switch (kind) {
    case SubKind::kChannel:
      channels_[*it].push_back(c);
      break;
    case SubKind::kShard:
      shard_channels_[*it].push_back(c);
      break;
    case SubKind::kPattern:
      patterns_[*it].push_back(c);
      break;
  }
  UpdatePubSubFlag(c);
  return true;
}

bool PubSub::Unsubscribe(Client* c, SubKind kind, std::string_view name) {
  auto& set = ClientSet(c, kind);
  auto it = set.find(std::string(name));
  if (it == set.end()) return false;
  switch (kind) {
    case SubKind::kChannel:
      RemoveSubscriber(channels_, *it, c);
      break;
    case SubKind::kShard:
      RemoveSubscriber(shard_channels_, *it, c);
      break;
    case SubKind::kPattern:
      RemoveSubscriber(patterns_, *it, c);
      break;
  }
  set.erase(it);
  UpdatePubSubFlag(c);
  return true;
}

std::vector<std::string> PubSub::SubscriptionsOf(const Client* c, SubKind kind) const {
  const auto& set = ClientSet(const_cast<Client*>(c), kind);
  return std::vector<std::string>(set.begin(), set.end());
}

void PubSub::RemoveClient(Client* c) {
  for (SubKind kind : {SubKind::kChannel, SubKind::kPattern, SubKind::kShard}) {
    for (const std::string& name : SubscriptionsOf(c, kind)) Unsubscribe(c, kind, name);
  }
}

void PubSub::Clear() {
  channels_.clear();
  shard_channels_.clear();
  patterns_.clear();
}

int64_t PubSub::ClassicCount(const Client* c) {
  return static_cast<int64_t>(c->channels.size() + c->patterns.size());
}

int64_t PubSub::ShardCount(const Client* c) {
  return static_cast<int64_t>(c->shard_channels.size());
}

void PubSub::Deliver(Client* c, const std::string& bytes) {
  // A client being closed (e.g. it overran its limit a moment ago) receives nothing more; it
  // still counts as a receiver, as in Redis.
  if (c->has(kClientCloseAsap) || c->has(kClientReplyOff)) return;
  c->reply_buffer().append(bytes);
  h_.schedule_flush(c);
  h_.check_output_limits(c);
}

int64_t PubSub::Publish(std::string_view channel, std::string_view message, bool shard) {
  int64_t receivers = 0;
  SubscriberMap& map = shard ? shard_channels_ : channels_;
  if (!map.empty()) {
    auto it = map.find(std::string(channel));
    if (it != map.end()) {
      Encode(scratch_, shard ? "smessage" : "message", {}, channel, message);
      // Delivery may close a subscriber (output limit) but never unsubscribes it here, so the
      // list is stable while we walk it.
      for (Client* c : it->second) {
        Deliver(c, scratch_[c->resp == 3 ? 1 : 0]);
        receivers++;
      }
    }
  }
  if (shard) return receivers;
  for (const auto& [pattern, clients] : patterns_) {
    if (!GlobMatch(pattern, channel)) continue;
    Encode(scratch_, "pmessage", pattern, channel, message);
    for (Client* c : clients) {
      Deliver(c, scratch_[c->resp == 3 ? 1 : 0]);
      receivers++;
    }
  }
  return receivers;
}

std::vector<std::string> PubSub::ActiveChannels(std::string_view pattern, bool shard) const {
  const SubscriberMap& map = shard ? shard_channels_ : channels_;
  std::vector<std::string> out;
  for (const auto& [name, clients] : map) {
    if (pattern.empty() || GlobMatch(pattern, name)) out.push_back(name);
  }
  return out;
}

int64_t PubSub::SubscriberCount(std::string_view channel, bool shard) const {
  const SubscriberMap& map = shard ? shard_channels_ : channels_;
  auto it = map.find(std::string(channel));
  return it == map.end() ? 0 : static_cast<int64_t>(it->second.size());
}

uint32_t PubSub::EventFlags() {
  const std::string& text = h_.config->notify_keyspace_events;
  if (text != cached_flags_text_) {
    cached_flags_text_ = text;
    cached_flags_ = ParseEventFlags(text);
  }
  return cached_flags_;
}

void PubSub::NotifyKeyspaceEvent(char type_class, std::string_view event, std::string_view key,
                                 int db_index) {
  uint32_t flags = EventFlags();
  if ((flags & ClassBit(type_class)) == 0) return;
  // Nobody can receive it: skip building channel names (the common case with events on).
  if (channels_.empty() && patterns_.empty()) return;
  std::string prefix = "@" + std::to_string(db_index) + "__:";
  if (flags & kEventKeyspace) {
    std::string channel = "__keyspace" + prefix;
    channel.append(key);
    Publish(channel, event);
  }
  if (flags & kEventKeyevent) {
    std::string channel = "__keyevent" + prefix;
    channel.append(event);
    Publish(channel, key);
  }
}

}  // namespace redsim
