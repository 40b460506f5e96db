// Sentinel's administrative commands (SENTINEL CONFIG, DEBUG, HELP), its INFO, ROLE and PUBLISH,
// and the command metadata of SENTINEL (which the generated table, taken from a plain Redis
// server, does not have). Shapes and texts follow Redis 7.0's redis-sentinel.
#include <algorithm>

#include "engine/base/strutil.h"
#include "engine/commands/help.h"
#include "engine/sentinel/sentinel.h"
#include "engine/sentinel/sentinel_core.h"
#include "engine/server/command_context.h"
#include "engine/server/info.h"

namespace redsim {

namespace {

SentinelCore& Core(CommandContext& ctx) { return ctx.server->sentinel()->core(); }

CommandMeta Meta(const char* name, int arity, const char* flags = "admin",
                 const char* acl = "@admin @slow @dangerous") {
  return CommandMeta{name, arity,      flags,   0,  0,       0,  acl,
                     "",   "sentinel", "2.8.4", "", nullptr, {}, {}};
}

// The SENTINEL CONFIG parameters: name -> (getter, setter).
struct GlobalParam {
  const char* name;
  std::string (*get)(SentinelCore&);
  bool (*set)(SentinelCore&, const std::string&);
};

bool YesNo(const std::string& v, bool* out) {
  if (EqualsIgnoreCase(v, "yes")) {
    *out = true;
  } else if (EqualsIgnoreCase(v, "no")) {
    *out = false;
  } else {
    return false;
  }
  return true;
}

const GlobalParam kGlobalParams[] = {
    {"resolve-hostnames",
     [](SentinelCore& c) { return std::string(c.resolve_hostnames ? "yes" : "no"); },
     [](SentinelCore& c, const std::string& v) { return YesNo(v, &c.resolve_hostnames); }},
    {"announce-hostnames",
     [](SentinelCore& c) { return std::string(c.announce_hostnames ? "yes" : "no"); },
     [](SentinelCore& c, const std::string& v) { return YesNo(v, &c.announce_hostnames); }},
    {"announce-ip", [](SentinelCore& c) { return c.announce_ip; },
     [](SentinelCore& c, const std::string& v) {
       c.announce_ip = v;
       return true;
     }},
    {"announce-port", [](SentinelCore& c) { return std::to_string(c.announce_port); },
     [](SentinelCore& c, const std::string& v) {
       int64_t n;
       if (!ParseInt64(v, &n) || n < 0 || n > 65535) return false;
       c.announce_port = n;
       return true;
     }},
    {"sentinel-user", [](SentinelCore& c) { return c.sentinel_user; },
     [](SentinelCore& c, const std::string& v) {
       c.sentinel_user = v;
       return true;
     }},
    {"sentinel-pass", [](SentinelCore& c) { return c.sentinel_pass; },
     [](SentinelCore& c, const std::string& v) {
       c.sentinel_pass = v;
       return true;
     }},
};

// SENTINEL CONFIG GET <param> | SENTINEL CONFIG SET <param> <value>
void ConfigGet(CommandContext& ctx) {
  std::string pattern(ctx.arg(3));
  std::vector<std::pair<std::string, std::string>> found;
  for (const GlobalParam& p : kGlobalParams) {
    if (GlobMatch(pattern, p.name, true)) found.emplace_back(p.name, p.get(Core(ctx)));
  }
  ctx.reply.MapHeader(static_cast<int64_t>(found.size()));
  for (const auto& [k, v] : found) {
    ctx.reply.Bulk(k);
    ctx.reply.Bulk(v);
  }
}

void ConfigSet(CommandContext& ctx) {
  std::string name = ToLower(ctx.arg(3));
  for (const GlobalParam& p : kGlobalParams) {
    if (name != p.name) continue;
    if (!p.set(Core(ctx), std::string(ctx.arg(4)))) {
      return ctx.reply.Error("ERR Invalid value for '" + name + "'");
    }
    Core(ctx).FlushConfig();
    return ctx.reply.Ok();
  }
  ctx.reply.Error("ERR Invalid argument '" + name + "' to SENTINEL CONFIG SET");
}

int64_t* DebugField(SentinelTimings& t, std::string_view name) {
  const std::pair<const char*, int64_t SentinelTimings::*> fields[] = {
      {"info-period", &SentinelTimings::info_period_ms},
      {"ping-period", &SentinelTimings::ping_period_ms},
      {"ask-period", &SentinelTimings::ask_period_ms},
      {"publish-period", &SentinelTimings::publish_period_ms},
      {"default-down-after", &SentinelTimings::default_down_after_ms},
      {"tilt-trigger", &SentinelTimings::tilt_trigger_ms},
      {"tilt-period", &SentinelTimings::tilt_period_ms},
      {"slave-reconf-timeout", &SentinelTimings::slave_reconf_timeout_ms},
      {"min-link-reconnect-period", &SentinelTimings::min_link_reconnect_ms},
      {"election-timeout", &SentinelTimings::election_timeout_ms},
      {"default-failover-timeout", &SentinelTimings::default_failover_timeout_ms},
  };
  for (const auto& [n, field] : fields) {
    if (EqualsIgnoreCase(name, n)) return &(t.*field);
  }
  return nullptr;
}

}  // namespace

// SENTINEL CONFIG (GET <param> | SET <param> <value>)
void SentinelConfigCommand(CommandContext& ctx) {
  if (EqualsIgnoreCase(ctx.arg(2), "get") && ctx.argc() == 4) return ConfigGet(ctx);
  if (EqualsIgnoreCase(ctx.arg(2), "set") && ctx.argc() == 5) return ConfigSet(ctx);
  ctx.reply.Error("ERR Only SENTINEL CONFIG GET <param> / SET <param> <value> are supported.");
}

// SENTINEL DEBUG [<param> <value> ...]
void SentinelDebug(CommandContext& ctx) {
  SentinelTimings& t = Core(ctx).timings();
  if (ctx.argc() == 2) {
    const char* names[] = {"INFO-PERIOD",          "PING-PERIOD",
                           "ASK-PERIOD",           "PUBLISH-PERIOD",
                           "DEFAULT-DOWN-AFTER",   "DEFAULT-FAILOVER-TIMEOUT",
                           "TILT-TRIGGER",         "TILT-PERIOD",
                           "SLAVE-RECONF-TIMEOUT", "MIN-LINK-RECONNECT-PERIOD",
                           "ELECTION-TIMEOUT"};
    ctx.reply.MapHeader(static_cast<int64_t>(std::size(names)));
    for (const char* n : names) {
      ctx.reply.Bulk(n);
      ctx.reply.BulkInteger(*DebugField(t, n));
    }
    return;
  }
  if (ctx.argc() % 2 != 0) return ctx.reply.Error("ERR wrong number of arguments");
  for (size_t i = 2; i + 1 < ctx.argc(); i += 2) {
    int64_t* field = DebugField(t, ctx.arg(i));
    int64_t v;
    if (field == nullptr || !ParseInt64(ctx.arg(i + 1), &v) || v <= 0) {
      return ctx.reply.Error("ERR Invalid argument '" + std::string(ctx.arg(i + 1)) +
                             "' for SENTINEL DEBUG '" + std::string(ctx.arg(i)) + "'");
    }
    *field = v;
  }
  ctx.reply.Ok();
}

// SENTINEL HELP
void SentinelHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "SENTINEL",
            {"CKQUORUM <master-name>",
             "    Check if the current Sentinel configuration is able to reach the quorum",
             "    needed to failover a master and the majority needed to authorize the",
             "    failover.",
             "CONFIG SET <param> <value>",
             "    Set a global Sentinel configuration parameter.",
             "CONFIG GET <param>",
             "    Get global Sentinel configuration parameter.",
             "DEBUG [<param> <value> ...]",
             "    Show a list of configurable time parameters and their values (milliseconds).",
             "    Or update current configurable parameters values (one or more).",
             "GET-MASTER-ADDR-BY-NAME <master-name>",
             "    Return the ip and port number of the master with that name.",
             "FAILOVER <master-name>",
             "    Manually failover a master node without asking for agreement from other",
             "    Sentinels",
             "FLUSHCONFIG",
             "    Force Sentinel to rewrite its configuration on disk, including the current",
             "    Sentinel state.",
             "INFO-CACHE <master-name>",
             "    Return last cached INFO output from masters and all its replicas.",
             "IS-MASTER-DOWN-BY-ADDR <ip> <port> <current-epoch> <runid>",
             "    Check if the master specified by ip:port is down from current Sentinel's",
             "    point of view.",
             "MASTER <master-name>",
             "    Show the state and info of the specified master.",
             "MASTERS",
             "    Show a list of monitored masters and their state.",
             "MONITOR <name> <ip> <port> <quorum>",
             "    Start monitoring a new master with the specified name, ip, port and quorum.",
             "MYID",
             "    Return the ID of the Sentinel instance.",
             "PENDING-SCRIPTS",
             "    Get pending scripts information.",
             "REMOVE <master-name>",
             "    Remove master from Sentinel's monitor list.",
             "REPLICAS <master-name>",
             "    Show a list of replicas for this master and their state.",
             "RESET <pattern>",
             "    Reset masters for specific master name matching this pattern.",
             "SENTINELS <master-name>",
             "    Show a list of Sentinel instances for this master and their state.",
             "SET <master-name> <option> <value> [<option> <value> ...]",
             "    Set configuration parameters for certain masters.",
             "SIMULATE-FAILURE [CRASH-AFTER-ELECTION] [CRASH-AFTER-PROMOTION] [HELP]",
             "    Simulate a Sentinel crash."});
}

// INFO [section ...]: the sections a Sentinel has, then its own.
void SentinelInfoCommand(CommandContext& ctx) {
  static const std::vector<std::string> kSections = {"server", "clients", "stats", "cpu"};
  std::vector<std::string> wanted;
  bool sentinel_section = ctx.argc() == 1;
  for (size_t i = 1; i < ctx.argc(); i++) {
    std::string s = ToLower(ctx.arg(i));
    if (s == "default" || s == "all" || s == "everything") {
      wanted = kSections;
      sentinel_section = true;
    } else if (s == "sentinel") {
      sentinel_section = true;
    } else if (std::find(kSections.begin(), kSections.end(), s) != kSections.end()) {
      wanted.push_back(s);
    }
  }
  if (ctx.argc() == 1) wanted = kSections;
  std::string out = wanted.empty() ? "" : BuildInfo(ctx.server, wanted);
  if (sentinel_section) {
    SentinelCore& core = Core(ctx);
    if (!out.empty()) out += "\r\n";
    out += "# Sentinel\r\nsentinel_masters:" + std::to_string(core.masters().size()) + "\r\n";
    out += std::string("sentinel_tilt:") + (core.tilt() ? "1" : "0") + "\r\n";
    int64_t since = core.tilt() ? (core.NowUs() - core.tilt_start_us()) / 1'000'000 : -1;
    out += "sentinel_tilt_since_seconds:" + std::to_string(since) + "\r\n";
    out += "sentinel_running_scripts:0\r\nsentinel_scripts_queue_length:0\r\n";
    out +=
        "sentinel_simulate_failure_flags:" + std::to_string(core.simulate_failure_flags) + "\r\n";
    int i = 0;
    for (const auto& [name, m] : core.masters()) {
      const char* status = m->is(kSriODown) ? "odown" : m->is(kSriSDown) ? "sdown" : "ok";
      std::string ip;
      int port = 0;
      ctx.server->sentinel()->MasterAddress(name, &ip, &port);
      out += "master" + std::to_string(i++) + ":name=" + name + ",status=" + status +
             ",address=" + ip + ":" + std::to_string(port) +
             ",slaves=" + std::to_string(m->replicas.size()) +
             ",sentinels=" + std::to_string(m->sentinels.size() + 1) + "\r\n";
    }
  }
  ctx.reply.Verbatim(out);
}

// ROLE: "sentinel" and the names of the monitored primaries.
void SentinelRole(CommandContext& ctx) {
  auto names = ctx.server->sentinel()->MasterNames();
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk("sentinel");
  ctx.reply.BulkArray(names);
}

// PUBLISH __sentinel__:hello <message>: another Sentinel's hello, sent to us directly.
void SentinelPublish(CommandContext& ctx) {
  if (ctx.arg(1) != "__sentinel__:hello") {
    return ctx.reply.Error("ERR Only HELLO messages are accepted by Sentinel instances.");
  }
  Core(ctx).ProcessHello(std::string(ctx.arg(2)));
  ctx.reply.Integer(1);
}

const std::vector<CommandMeta>& SentinelCommandMeta() {
  static const std::vector<CommandMeta> metas = {
      Meta("sentinel", -2),
      Meta("sentinel|ckquorum", 3),
      Meta("sentinel|config", -3),
      Meta("sentinel|debug", -2),
      Meta("sentinel|failover", 3),
      Meta("sentinel|flushconfig", 2),
      Meta("sentinel|get-master-addr-by-name", 3),
      Meta("sentinel|help", 2, "loading stale", "@slow"),
      Meta("sentinel|info-cache", -3),
      Meta("sentinel|is-master-down-by-addr", 6),
      Meta("sentinel|master", 3),
      Meta("sentinel|masters", 2),
      Meta("sentinel|monitor", 6),
      Meta("sentinel|myid", 2),
      Meta("sentinel|pending-scripts", 2),
      Meta("sentinel|remove", 3),
      Meta("sentinel|replicas", 3),
      Meta("sentinel|reset", 3),
      Meta("sentinel|sentinels", 3),
      Meta("sentinel|set", -5),
      Meta("sentinel|simulate-failure", -3),
      Meta("sentinel|slaves", 3),
  };
  return metas;
}

}  // namespace redsim
