// Pub/Sub commands: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE SSUBSCRIBE SUNSUBSCRIBE PUBLISH
// SPUBLISH and PUBSUB. The registry and delivery live in engine/server/pubsub.h; the RESP2
// subscribed-mode rule (only (P|S)(UN)SUBSCRIBE, PING, QUIT, RESET) is checked before handlers
// run, in Server::CheckCommandAllowed.
#include "engine/base/strutil.h"
#include "engine/cluster/cluster.h"
#include "engine/commands/families.h"
#include "engine/server/command_context.h"
#include "engine/server/pubsub.h"

namespace redsim {
namespace {

constexpr std::string_view kNoPermChannels =
    "NOPERM this user has no permissions to access one of the channels used as arguments";

const char* SubscribeVerb(SubKind kind) {
  switch (kind) {
    case SubKind::kChannel:
      return "subscribe";
    case SubKind::kPattern:
      return "psubscribe";
    case SubKind::kShard:
      return "ssubscribe";
  }
  return "";
}

const char* UnsubscribeVerb(SubKind kind) {
  switch (kind) {
    case SubKind::kChannel:
      return "unsubscribe";
    case SubKind::kPattern:
      return "punsubscribe";
    case SubKind::kShard:
      return "sunsubscribe";
  }
  return "";
}

int64_t CountFor(const Client* c, SubKind kind) {
  return kind == SubKind::kShard ? PubSub::ShardCount(c) : PubSub::ClassicCount(c);
}

// One confirmation: [verb, name (or null), count], a push in RESP3.
void ReplyConfirmation(CommandContext& ctx, const char* verb, const std::string* name,
                       int64_t count) {
  ctx.reply.PushHeader(3);
  ctx.reply.Bulk(verb);
  if (name != nullptr)
    ctx.reply.Bulk(*name);
  else
    ctx.reply.Null();
  ctx.reply.Integer(count);
}

bool CheckChannelAccess(CommandContext& ctx, size_t first, bool is_pattern) {
  PubSub& ps = ctx.server->pubsub();
  for (size_t i = first; i < ctx.argc(); i++) {
    if (!ps.MayAccess(ctx.client, ctx.arg(i), is_pattern)) {
      ctx.reply.Error(kNoPermChannels);
      return false;
    }
  }
  return true;
}

void DoSubscribe(CommandContext& ctx, SubKind kind) {
  if (!CheckChannelAccess(ctx, 1, kind == SubKind::kPattern)) return;
  PubSub& ps = ctx.server->pubsub();
  for (size_t i = 1; i < ctx.argc(); i++) {
    std::string name(ctx.arg(i));
    ps.Subscribe(ctx.client, kind, name);
    ReplyConfirmation(ctx, SubscribeVerb(kind), &name, CountFor(ctx.client, kind));
  }
}

void DoUnsubscribe(CommandContext& ctx, SubKind kind) {
  PubSub& ps = ctx.server->pubsub();
  std::vector<std::string> names;
  if (ctx.argc() > 1) {
    for (size_t i = 1; i < ctx.argc(); i++) names.emplace_back(ctx.arg(i));
  } else {
    names = ps.SubscriptionsOf(ctx.client, kind);
    if (names.empty()) {
      // Nothing to drop: one confirmation with a null name, as Redis sends.
      ReplyConfirmation(ctx, UnsubscribeVerb(kind), nullptr, CountFor(ctx.client, kind));
      return;
    }
  }
  for (const std::string& name : names) {
    ps.Unsubscribe(ctx.client, kind, name);
    ReplyConfirmation(ctx, UnsubscribeVerb(kind), &name, CountFor(ctx.client, kind));
  }
}

// SUBSCRIBE channel [channel ...]
void Subscribe(CommandContext& ctx) { DoSubscribe(ctx, SubKind::kChannel); }
// UNSUBSCRIBE [channel [channel ...]]
void Unsubscribe(CommandContext& ctx) { DoUnsubscribe(ctx, SubKind::kChannel); }
// PSUBSCRIBE pattern [pattern ...]
void PSubscribe(CommandContext& ctx) { DoSubscribe(ctx, SubKind::kPattern); }
// PUNSUBSCRIBE [pattern [pattern ...]]
void PUnsubscribe(CommandContext& ctx) { DoUnsubscribe(ctx, SubKind::kPattern); }

// SSUBSCRIBE shardchannel [shardchannel ...]
void SSubscribe(CommandContext& ctx) {
  // Redis refuses it inside EXEC (and scripts), unlike SUBSCRIBE.
  if (ctx.client->has(kClientDenyBlocking)) {
    ctx.reply.Error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
    return;
  }
  DoSubscribe(ctx, SubKind::kShard);
}
// SUNSUBSCRIBE [shardchannel [shardchannel ...]]
void SUnsubscribe(CommandContext& ctx) { DoUnsubscribe(ctx, SubKind::kShard); }

void DoPublish(CommandContext& ctx, bool shard) {
  if (!CheckChannelAccess(ctx, 1, false)) return;
  int64_t receivers = ctx.server->pubsub().Publish(ctx.arg(1), ctx.arg(2), shard);
  if (cluster::Cluster* c = ctx.server->cluster()) {
    // Cluster mode: the bus carries it to every node (SPUBLISH: to the nodes of this shard).
    c->PropagatePublish(ctx.arg(1), ctx.arg(2), shard);
  } else {
    // Replicas deliver the message to their own subscribers; the AOF never sees it.
    ctx.server->PropagateToReplicas(ctx.client->db_index, ctx.args);
  }
  ctx.reply.Integer(receivers);
}

// PUBLISH channel message
void Publish(CommandContext& ctx) { DoPublish(ctx, false); }
// SPUBLISH shardchannel message
void SPublish(CommandContext& ctx) { DoPublish(ctx, true); }

void ReplyPubsubArity(CommandContext& ctx) {
  ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" +
                  std::string(ctx.arg(1)) + "'. Try PUBSUB HELP.");
}

void ReplyChannels(CommandContext& ctx, bool shard) {
  if (ctx.argc() > 3) {
    ReplyPubsubArity(ctx);
    return;
  }
  std::string_view pattern = ctx.argc() == 3 ? ctx.arg(2) : std::string_view();
  ctx.reply.BulkArray(ctx.server->pubsub().ActiveChannels(pattern, shard));
}

void ReplyNumSub(CommandContext& ctx, bool shard) {
  // A flat array in RESP3 too (not a map), as Redis 7.0 replies.
  ctx.reply.ArrayHeader(static_cast<int64_t>(ctx.argc() - 2) * 2);
  for (size_t i = 2; i < ctx.argc(); i++) {
    ctx.reply.Bulk(ctx.arg(i));
    ctx.reply.Integer(ctx.server->pubsub().SubscriberCount(ctx.arg(i), shard));
  }
}

// PUBSUB CHANNELS [pattern]
void PubsubChannels(CommandContext& ctx) { ReplyChannels(ctx, false); }
// PUBSUB SHARDCHANNELS [pattern]
void PubsubShardChannels(CommandContext& ctx) { ReplyChannels(ctx, true); }
// PUBSUB NUMSUB [channel [channel ...]]
void PubsubNumSub(CommandContext& ctx) { ReplyNumSub(ctx, false); }
// PUBSUB SHARDNUMSUB [shardchannel [shardchannel ...]]
void PubsubShardNumSub(CommandContext& ctx) { ReplyNumSub(ctx, true); }
// PUBSUB NUMPAT
void PubsubNumPat(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server->pubsub().pattern_count()));
}

// PUBSUB HELP
void PubsubHelp(CommandContext& ctx) {
  static const char* const kLines[] = {
      "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CHANNELS [<pattern>]",
      "    Return the currently active channels matching a <pattern> (default: '*').",
      "NUMPAT",
      "    Return number of subscriptions to patterns.",
      "NUMSUB [<channel> ...]",
      "    Return the number of subscribers for the specified channels, excluding",
      "    pattern subscriptions(default: no channels).",
      "SHARDCHANNELS [<pattern>]",
      "    Return the currently active shard level channels matching a <pattern> (default: "
      "'*').",
      "SHARDNUMSUB [<shardchannel> ...]",
      "    Return the number of subscribers for the specified shard level channel(s)",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(static_cast<int64_t>(std::size(kLines)));
  for (const char* line : kLines) ctx.reply.Simple(line);
}

}  // namespace

void RegisterPubSubFamily(CommandTable& t) {
  t.Register("subscribe", Subscribe);
  t.Register("unsubscribe", Unsubscribe);
  t.Register("psubscribe", PSubscribe);
  t.Register("punsubscribe", PUnsubscribe);
  t.Register("ssubscribe", SSubscribe);
  t.Register("sunsubscribe", SUnsubscribe);
  t.Register("publish", Publish);
  t.Register("spublish", SPublish);
  t.Register("pubsub|channels", PubsubChannels);
  t.Register("pubsub|shardchannels", PubsubShardChannels);
  t.Register("pubsub|numsub", PubsubNumSub);
  t.Register("pubsub|shardnumsub", PubsubShardNumSub);
  t.Register("pubsub|numpat", PubsubNumPat);
  t.Register("pubsub|help", PubsubHelp);
}

}  // namespace redsim
