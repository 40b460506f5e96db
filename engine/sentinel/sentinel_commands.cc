// The commands a Sentinel serves: SENTINEL and its subcommands, and the Sentinel flavours of
// INFO, ROLE and PUBLISH. Replies are shaped as Redis 7.0's redis-sentinel shapes them (every
// field of SENTINEL MASTER as a bulk string, in Redis's order).
#include <algorithm>

#include "engine/base/strutil.h"
#include "engine/commands/help.h"
#include "engine/sentinel/sentinel.h"
#include "engine/sentinel/sentinel_core.h"
#include "engine/server/command_context.h"
#include "engine/server/info.h"

namespace redsim {

namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

SentinelCore& Core(CommandContext& ctx) { return ctx.server->sentinel()->core(); }

std::string Ms(int64_t us) { return std::to_string(us / 1000); }

std::string FlagsText(const SentinelInstance* ri) {
  std::string f;
  auto add = [&](bool on, const char* name) {
    if (!on) return;
    if (!f.empty()) f += ",";
    f += name;
  };
  add(ri->is(kSriSDown), "s_down");
  add(ri->is(kSriODown), "o_down");
  add(ri->is(kSriMaster), "master");
  add(ri->is(kSriReplica), "slave");
  add(ri->is(kSriSentinel), "sentinel");
  add(!ri->cmd->connected(), "disconnected");
  add(ri->is(kSriMasterDown), "master_down");
  add(ri->is(kSriFailoverInProgress), "failover_in_progress");
  add(ri->is(kSriPromoted), "promoted");
  add(ri->is(kSriReconfSent), "reconf_sent");
  add(ri->is(kSriReconfInprog), "reconf_inprog");
  add(ri->is(kSriReconfDone), "reconf_done");
  add(ri->is(kSriForceFailover), "force_failover");
  return f;
}

Fields InstanceFields(SentinelCore& core, const SentinelInstance* ri) {
  int64_t now = core.NowUs();
  Fields f = {{"name", ri->name},
              {"ip", ri->ip},
              {"port", std::to_string(ri->port)},
              {"runid", ri->run_id},
              {"flags", FlagsText(ri)},
              {"link-pending-commands", std::to_string(ri->cmd->pending())},
              {"link-refcount", "1"}};
  if (ri->is(kSriFailoverInProgress))
    f.push_back({"failover-state", FailoverStateName(ri->failover_state)});
  f.push_back({"last-ping-sent", ri->act_ping_us != 0 ? Ms(now - ri->act_ping_us) : "0"});
  f.push_back({"last-ok-ping-reply", Ms(now - ri->last_avail_us)});
  f.push_back({"last-ping-reply", Ms(now - ri->last_pong_us)});
  if (ri->is(kSriSDown)) f.push_back({"s-down-time", Ms(now - ri->s_down_since_us)});
  if (ri->is(kSriODown)) f.push_back({"o-down-time", Ms(now - ri->o_down_since_us)});
  f.push_back({"down-after-milliseconds", std::to_string(ri->down_after_ms)});
  if (ri->is(kSriMaster | kSriReplica)) {
    f.push_back({"info-refresh", ri->info_refresh_us != 0 ? Ms(now - ri->info_refresh_us) : "0"});
    f.push_back({"role-reported", ri->role_reported == kSriReplica ? "slave" : "master"});
    f.push_back({"role-reported-time", Ms(now - ri->role_reported_us)});
  }
  if (ri->is(kSriMaster)) {
    f.push_back({"config-epoch", std::to_string(ri->config_epoch)});
    f.push_back({"num-slaves", std::to_string(ri->replicas.size())});
    f.push_back({"num-other-sentinels", std::to_string(ri->sentinels.size())});
    f.push_back({"quorum", std::to_string(ri->quorum)});
    f.push_back({"failover-timeout", std::to_string(ri->failover_timeout_ms)});
    f.push_back({"parallel-syncs", std::to_string(ri->parallel_syncs)});
  } else if (ri->is(kSriReplica)) {
    f.push_back({"master-link-down-time", std::to_string(ri->master_link_down_ms)});
    f.push_back({"master-link-status", ri->slave_master_link_up ? "ok" : "err"});
    f.push_back({"master-host", ri->slave_master_host.empty() ? "?" : ri->slave_master_host});
    f.push_back({"master-port", std::to_string(ri->slave_master_port)});
    f.push_back({"slave-priority", std::to_string(ri->slave_priority)});
    f.push_back({"slave-repl-offset", std::to_string(ri->slave_repl_offset)});
    f.push_back({"replica-announced", ri->replica_announced ? "1" : "0"});
  } else {
    f.push_back({"last-hello-message",
                 ri->last_hello_us == kNever ? Ms(now) : Ms(now - ri->last_hello_us)});
    f.push_back({"voted-leader", ri->leader.empty() ? "?" : ri->leader});
    f.push_back({"voted-leader-epoch", std::to_string(ri->leader_epoch)});
  }
  return f;
}

void ReplyFields(CommandContext& ctx, const Fields& f) {
  ctx.reply.MapHeader(static_cast<int64_t>(f.size()));
  for (const auto& [k, v] : f) {
    ctx.reply.Bulk(k);
    ctx.reply.Bulk(v);
  }
}

SentinelInstance* MasterOrReply(CommandContext& ctx, std::string_view name) {
  SentinelInstance* m = Core(ctx).FindMaster(std::string(name));
  if (m == nullptr) ctx.reply.Error("ERR No such master with that name");
  return m;
}

// SENTINEL MASTERS
void SentinelMasters(CommandContext& ctx) {
  auto& masters = Core(ctx).masters();
  ctx.reply.ArrayHeader(static_cast<int64_t>(masters.size()));
  for (auto& [name, m] : masters) ReplyFields(ctx, InstanceFields(Core(ctx), m.get()));
}

// SENTINEL MASTER <master-name>
void SentinelMaster(CommandContext& ctx) {
  SentinelInstance* m = MasterOrReply(ctx, ctx.arg(2));
  if (m != nullptr) ReplyFields(ctx, InstanceFields(Core(ctx), m));
}

// SENTINEL REPLICAS|SLAVES <master-name>
void SentinelReplicas(CommandContext& ctx) {
  SentinelInstance* m = MasterOrReply(ctx, ctx.arg(2));
  if (m == nullptr) return;
  ctx.reply.ArrayHeader(static_cast<int64_t>(m->replicas.size()));
  for (auto& [k, r] : m->replicas) ReplyFields(ctx, InstanceFields(Core(ctx), r.get()));
}

// SENTINEL SENTINELS <master-name>
void SentinelSentinels(CommandContext& ctx) {
  SentinelInstance* m = MasterOrReply(ctx, ctx.arg(2));
  if (m == nullptr) return;
  ctx.reply.ArrayHeader(static_cast<int64_t>(m->sentinels.size()));
  for (auto& [k, s] : m->sentinels) ReplyFields(ctx, InstanceFields(Core(ctx), s.get()));
}

// SENTINEL GET-MASTER-ADDR-BY-NAME <master-name>
void SentinelGetMasterAddr(CommandContext& ctx) {
  std::string ip;
  int port = 0;
  if (!ctx.server->sentinel()->MasterAddress(std::string(ctx.arg(2)), &ip, &port)) {
    ctx.reply.NullArray();
    return;
  }
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(ip);
  ctx.reply.BulkInteger(port);
}

// SENTINEL IS-MASTER-DOWN-BY-ADDR <ip> <port> <current-epoch> <runid>
void SentinelIsMasterDown(CommandContext& ctx) {
  int64_t port = 0;
  uint64_t epoch = 0;
  if (!ParseInt64(ctx.arg(3), &port) || !ParseUint64(ctx.arg(4), &epoch)) {
    ctx.reply.Error("ERR value is not an integer or out of range");
    return;
  }
  int is_down = 0;
  std::string leader;
  uint64_t leader_epoch = 0;
  Core(ctx).IsMasterDownByAddr(std::string(ctx.arg(2)), static_cast<int>(port), epoch,
                               std::string(ctx.arg(5)), &is_down, &leader, &leader_epoch);
  ctx.reply.ArrayHeader(3);
  ctx.reply.Integer(is_down);
  ctx.reply.Bulk(leader);
  ctx.reply.Integer(static_cast<int64_t>(leader_epoch));
}

// SENTINEL RESET <pattern>
void SentinelReset(CommandContext& ctx) {
  ctx.reply.Integer(Core(ctx).ResetMasters(std::string(ctx.arg(2))));
}

// SENTINEL FAILOVER <master-name>
void SentinelFailover(CommandContext& ctx) {
  SentinelInstance* m = MasterOrReply(ctx, ctx.arg(2));
  if (m == nullptr) return;
  std::string err = Core(ctx).ForceFailover(m);
  if (err.empty()) {
    ctx.reply.Ok();
  } else {
    ctx.reply.Error(err);
  }
}

// SENTINEL CKQUORUM <master-name>
void SentinelCkquorum(CommandContext& ctx) {
  SentinelInstance* m = MasterOrReply(ctx, ctx.arg(2));
  if (m == nullptr) return;
  int usable = 0, voters = 0;
  Core(ctx).CheckQuorum(m, &usable, &voters);
  bool no_quorum = usable < m->quorum;
  bool no_auth = usable < voters / 2 + 1;
  std::string n = std::to_string(usable);
  if (!no_quorum && !no_auth) {
    ctx.reply.Simple("OK " + n +
                     " usable Sentinels. Quorum and failover authorization can be reached");
    return;
  }
  std::string e;
  if (no_quorum) {
    e = "NOQUORUM " + n +
        " usable Sentinels. Not enough available Sentinels to reach the specified quorum for "
        "this master";
  }
  if (no_auth) {
    e += (no_quorum ? ". " : "NOAUTH ") + n +
         " usable Sentinels. Not enough available Sentinels to reach the majority and authorize "
         "a failover";
  }
  ctx.reply.Error(e);
}

// SENTINEL FLUSHCONFIG
void SentinelFlushConfig(CommandContext& ctx) {
  Status s = Core(ctx).FlushConfig();
  if (s.ok()) {
    ctx.reply.Ok();
  } else {
    ctx.reply.Error("ERR Failed to save config: " + s.message());
  }
}

// SENTINEL MONITOR <name> <ip> <port> <quorum>
void SentinelMonitor(CommandContext& ctx) {
  int64_t port = 0, quorum = 0;
  if (!ParseInt64(ctx.arg(5), &quorum)) return ctx.reply.Error("ERR Invalid quorum");
  if (!ParseInt64(ctx.arg(4), &port)) return ctx.reply.Error("ERR Invalid port");
  if (quorum <= 0) return ctx.reply.Error("ERR Quorum must be 1 or greater.");
  if (port <= 0 || port > 65535) return ctx.reply.Error("ERR Invalid port number");
  std::string err = Core(ctx).Monitor(std::string(ctx.arg(2)), std::string(ctx.arg(3)),
                                      static_cast<int>(port), static_cast<int>(quorum));
  if (!err.empty()) return ctx.reply.Error("ERR " + err);
  SentinelInstance* m = Core(ctx).FindMaster(std::string(ctx.arg(2)));
  Core(ctx).FlushConfig();
  Core(ctx).EventAbout("+monitor", m, "quorum " + std::to_string(m->quorum));
  ctx.reply.Ok();
}

// SENTINEL REMOVE <master-name>
void SentinelRemove(CommandContext& ctx) {
  if (MasterOrReply(ctx, ctx.arg(2)) == nullptr) return;
  Core(ctx).RemoveMaster(std::string(ctx.arg(2)));
  ctx.reply.Ok();
}

// SENTINEL SET <master-name> <option> <value> [<option> <value> ...]
void SentinelSet(CommandContext& ctx) {
  SentinelInstance* m = MasterOrReply(ctx, ctx.arg(2));
  if (m == nullptr) return;
  if ((ctx.argc() - 3) % 2 != 0) {
    return ctx.reply.Error("ERR Unknown option or number of arguments for SENTINEL SET '" +
                           std::string(ctx.arg(ctx.argc() - 1)) + "'");
  }
  static const char* kOptions[] = {"down-after-milliseconds",
                                   "failover-timeout",
                                   "parallel-syncs",
                                   "quorum",
                                   "auth-pass",
                                   "auth-user",
                                   "master-reboot-down-after-period"};
  for (size_t i = 3; i + 1 < ctx.argc(); i += 2) {
    std::string opt = ToLower(ctx.arg(i));
    bool known = std::any_of(std::begin(kOptions), std::end(kOptions),
                             [&](const char* o) { return opt == o; });
    if (!known) {
      return ctx.reply.Error("ERR Unknown option or number of arguments for SENTINEL SET '" + opt +
                             "'");
    }
    std::string err = Core(ctx).ApplyMasterOption(m, opt, {std::string(ctx.arg(i + 1))});
    if (!err.empty()) {
      return ctx.reply.Error("ERR Invalid argument '" + std::string(ctx.arg(i + 1)) +
                             "' for SENTINEL SET '" + opt + "'");
    }
    // Secrets are not published (nor logged).
    bool secret = opt == "auth-pass";
    Core(ctx).EventAbout("+set", m, opt + " " + (secret ? "******" : std::string(ctx.arg(i + 1))));
  }
  Core(ctx).FlushConfig();
  ctx.reply.Ok();
}

// SENTINEL MYID
void SentinelMyId(CommandContext& ctx) { ctx.reply.Bulk(Core(ctx).my_id()); }

// SENTINEL INFO-CACHE <master-name> [<master-name> ...]
void SentinelInfoCache(CommandContext& ctx) {
  std::vector<SentinelInstance*> masters;
  for (size_t i = 2; i < ctx.argc(); i++) {
    SentinelInstance* m = Core(ctx).FindMaster(std::string(ctx.arg(i)));
    if (m != nullptr) masters.push_back(m);
  }
  int64_t now = Core(ctx).NowUs();
  auto entry = [&](const SentinelInstance* ri) {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Integer(ri->info_refresh_us != 0 ? (now - ri->info_refresh_us) / 1000 : 0);
    if (ri->info.empty()) {
      ctx.reply.Null();
    } else {
      ctx.reply.Bulk(ri->info);
    }
  };
  // A flat array of name, entries pairs (not a map, even in RESP3), as Redis replies.
  ctx.reply.ArrayHeader(static_cast<int64_t>(masters.size() * 2));
  for (SentinelInstance* m : masters) {
    ctx.reply.Bulk(m->name);
    ctx.reply.ArrayHeader(static_cast<int64_t>(m->replicas.size() + 1));
    entry(m);
    for (auto& [k, r] : m->replicas) entry(r.get());
  }
}

// SENTINEL SIMULATE-FAILURE [CRASH-AFTER-ELECTION] [CRASH-AFTER-PROMOTION] [HELP]
void SentinelSimulateFailure(CommandContext& ctx) {
  uint32_t flags = 0;
  for (size_t i = 2; i < ctx.argc(); i++) {
    if (EqualsIgnoreCase(ctx.arg(i), "crash-after-election")) {
      flags |= 1;
    } else if (EqualsIgnoreCase(ctx.arg(i), "crash-after-promotion")) {
      flags |= 2;
    } else if (EqualsIgnoreCase(ctx.arg(i), "help")) {
      ctx.reply.ArrayHeader(2);
      ctx.reply.Bulk("crash-after-election");
      ctx.reply.Bulk("crash-after-promotion");
      return;
    } else {
      return ctx.reply.Error("ERR Unknown failure simulation specified");
    }
  }
  Core(ctx).simulate_failure_flags = flags;
  ctx.reply.Ok();
}

// SENTINEL PENDING-SCRIPTS
void SentinelPendingScripts(CommandContext& ctx) { ctx.reply.EmptyArray(); }

}  // namespace

// Defined in sentinel_admin_commands.cc.
void SentinelConfigCommand(CommandContext& ctx);
void SentinelDebug(CommandContext& ctx);
void SentinelHelp(CommandContext& ctx);
void SentinelInfoCommand(CommandContext& ctx);
void SentinelRole(CommandContext& ctx);
void SentinelPublish(CommandContext& ctx);
const std::vector<CommandMeta>& SentinelCommandMeta();

void Sentinel::RegisterSentinelCommands(CommandTable& t) {
  t.RetainOnly({"acl", "auth", "client", "command", "hello", "info", "ping", "psubscribe",
                "publish", "punsubscribe", "role", "shutdown", "subscribe", "unsubscribe"});
  for (const CommandMeta& m : SentinelCommandMeta()) t.AddMeta(&m);
  t.Register("info", SentinelInfoCommand);
  t.Register("role", SentinelRole);
  t.Register("publish", SentinelPublish);
  t.Register("sentinel|masters", SentinelMasters);
  t.Register("sentinel|master", SentinelMaster);
  t.Register("sentinel|replicas", SentinelReplicas);
  t.Register("sentinel|slaves", SentinelReplicas);
  t.Register("sentinel|sentinels", SentinelSentinels);
  t.Register("sentinel|get-master-addr-by-name", SentinelGetMasterAddr);
  t.Register("sentinel|is-master-down-by-addr", SentinelIsMasterDown);
  t.Register("sentinel|reset", SentinelReset);
  t.Register("sentinel|failover", SentinelFailover);
  t.Register("sentinel|ckquorum", SentinelCkquorum);
  t.Register("sentinel|flushconfig", SentinelFlushConfig);
  t.Register("sentinel|monitor", SentinelMonitor);
  t.Register("sentinel|remove", SentinelRemove);
  t.Register("sentinel|set", SentinelSet);
  t.Register("sentinel|myid", SentinelMyId);
  t.Register("sentinel|info-cache", SentinelInfoCache);
  t.Register("sentinel|simulate-failure", SentinelSimulateFailure);
  t.Register("sentinel|pending-scripts", SentinelPendingScripts);
  t.Register("sentinel|config", SentinelConfigCommand);
  t.Register("sentinel|debug", SentinelDebug);
  t.Register("sentinel|help", SentinelHelp);
}

}  // namespace redsim
