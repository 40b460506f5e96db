// Introspection commands: SLOWLOG, LATENCY, MONITOR, and the CLIENT subcommands for pausing
// (PAUSE, UNPAUSE) and client-side caching (TRACKING, CACHING, GETREDIR, TRACKINGINFO). The
// state they read lives in engine/server/introspection.h and engine/server/tracking.h.
#include <cmath>
#include <cstdio>

#include "engine/base/strutil.h"
#include "engine/commands/families.h"
#include "engine/server/command_context.h"
#include "engine/server/introspection.h"
#include "engine/server/tracking.h"

namespace redsim {
namespace {

void ReplyLines(CommandContext& ctx, std::initializer_list<const char*> lines) {
  ctx.reply.ArrayHeader(static_cast<int64_t>(lines.size()));
  for (const char* line : lines) ctx.reply.Simple(line);
}

// ---- SLOWLOG ----------------------------------------------------------------------------------

// SLOWLOG GET [count]
void SlowlogGet(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" +
                    std::string(ctx.arg(1)) + "'. Try SLOWLOG HELP.");
    return;
  }
  const auto& log = ctx.server->introspection().slowlog();
  int64_t count = 10;
  if (ctx.argc() == 3 && (!ParseInt64(ctx.arg(2), &count) || count < -1)) {
    ctx.reply.Error("ERR count should be greater than or equal to -1");
    return;
  }
  if (count == -1 || count > static_cast<int64_t>(log.size())) {
    count = static_cast<int64_t>(log.size());
  }
  ctx.reply.ArrayHeader(count);
  for (int64_t i = 0; i < count; i++) {
    const SlowLogEntry& e = log[static_cast<size_t>(i)];
    ctx.reply.ArrayHeader(6);
    ctx.reply.Integer(e.id);
    ctx.reply.Integer(e.time_s);
    ctx.reply.Integer(e.duration_us);
    ctx.reply.BulkArray(e.args);
    ctx.reply.Bulk(e.peer_address);
    ctx.reply.Bulk(e.client_name);
  }
}

// SLOWLOG LEN
void SlowlogLen(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server->introspection().slowlog().size()));
}

// SLOWLOG RESET
void SlowlogReset(CommandContext& ctx) {
  ctx.server->introspection().ResetSlowLog();
  ctx.reply.Ok();
}

// SLOWLOG HELP
void SlowlogHelp(CommandContext& ctx) {
  ReplyLines(ctx,
             {"SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "GET [<count>]",
              "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
              "    Entries are made of:",
              "    id, timestamp, time in microseconds, arguments array, client IP and port,",
              "    client name", "LEN", "    Return the length of the slowlog.", "RESET",
              "    Reset the slowlog.", "HELP", "    Prints this help."});
}

// ---- LATENCY ----------------------------------------------------------------------------------

// LATENCY LATEST
void LatencyLatest(CommandContext& ctx) {
  const auto& events = ctx.server->introspection().latency_events();
  ctx.reply.ArrayHeader(static_cast<int64_t>(events.size()));
  for (const auto& [name, ev] : events) {
    ctx.reply.ArrayHeader(4);
    ctx.reply.Bulk(name);
    ctx.reply.Integer(ev.samples.empty() ? 0 : ev.samples.back().time_s);
    ctx.reply.Integer(ev.samples.empty() ? 0 : ev.samples.back().latency_ms);
    ctx.reply.Integer(ev.max_ms);
  }
}

// LATENCY HISTORY event
void LatencyHistory(CommandContext& ctx) {
  const auto& events = ctx.server->introspection().latency_events();
  auto it = events.find(std::string(ctx.arg(2)));
  if (it == events.end()) {
    ctx.reply.EmptyArray();
    return;
  }
  ctx.reply.ArrayHeader(static_cast<int64_t>(it->second.samples.size()));
  for (const LatencySample& s : it->second.samples) {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Integer(s.time_s);
    ctx.reply.Integer(s.latency_ms);
  }
}

// LATENCY RESET [event [event ...]]
void LatencyReset(CommandContext& ctx) {
  Introspection& in = ctx.server->introspection();
  if (ctx.argc() == 2) {
    ctx.reply.Integer(static_cast<int64_t>(in.ResetAllLatency()));
    return;
  }
  int64_t reset = 0;
  for (size_t i = 2; i < ctx.argc(); i++) reset += in.ResetLatencyEvent(std::string(ctx.arg(i)));
  ctx.reply.Integer(reset);
}

// LATENCY DOCTOR
// The per-event summary follows Redis's wording; the advice section is shorter than Redis's.
void LatencyDoctor(CommandContext& ctx) {
  const ServerConfig& config = ctx.server->config();
  const auto& events = ctx.server->introspection().latency_events();
  std::string report;
  if (config.latency_monitor_threshold == 0) {
    report =
        "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis "
        "instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order "
        "to enable it. If we weren't in a deep space mission I'd suggest to take a look at "
        "https://redis.io/topics/latency-monitor.\n";
  } else if (events.empty()) {
    report =
        "Dave, no latency spike was observed during the lifetime of this Redis instance, not in "
        "the slightest bit. I honestly think you ought to sleep better tonight.\n";
  } else {
    report =
        "Dave, I have observed latency spikes in this Redis instance. You don't mind talking "
        "about it, do you Dave?\n\n";
    int n = 1;
    for (const auto& [name, ev] : events) {
      double sum = 0;
      for (const auto& s : ev.samples) sum += static_cast<double>(s.latency_ms);
      double avg = sum / static_cast<double>(ev.samples.size());
      double dev = 0;
      for (const auto& s : ev.samples) dev += std::fabs(static_cast<double>(s.latency_ms) - avg);
      dev /= static_cast<double>(ev.samples.size());
      double period =
          ev.samples.size() > 1
              ? static_cast<double>(ev.samples.back().time_s - ev.samples.front().time_s) /
                    static_cast<double>(ev.samples.size())
              : 0;
      char line[512];
      snprintf(line, sizeof(line),
               "%d. %s: %zu latency spikes (average %lldms, mean deviation %lldms, period %.2f "
               "sec). Worst all time event %lldms.\n",
               n++, name.c_str(), ev.samples.size(), static_cast<long long>(avg),
               static_cast<long long>(dev), period, static_cast<long long>(ev.max_ms));
      report += line;
    }
    report +=
        "\nI have a few advices for you:\n\n- Check your Slow Log to understand what are the "
        "commands you are running which are too slow to execute. Please check "
        "https://redis.io/commands/slowlog for more information.\n";
  }
  ctx.reply.Verbatim(report);
}

void LatencyHistogramOf(CommandContext& ctx, const Command* cmd) {
  ctx.reply.Bulk(cmd->name);
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("calls");
  ctx.reply.Integer(static_cast<int64_t>(cmd->latency->total()));
  ctx.reply.Bulk("histogram_usec");
  std::vector<std::pair<uint64_t, uint64_t>> levels;
  cmd->latency->ForEachRedisLevel(
      [&](uint64_t label_us, uint64_t cumulative) { levels.emplace_back(label_us, cumulative); });
  ctx.reply.MapHeader(static_cast<int64_t>(levels.size()));
  for (const auto& [label, cumulative] : levels) {
    ctx.reply.Integer(static_cast<int64_t>(label));
    ctx.reply.Integer(static_cast<int64_t>(cumulative));
  }
}

bool HasLatency(const Command* cmd) { return cmd->latency && cmd->latency->total() > 0; }

// LATENCY HISTOGRAM [command ...]
// Every command with recorded latencies, or the named ones (a container names its
// subcommands; unknown names and repeats are as Redis has them: skipped, and repeated).
void LatencyHistogramCmd(CommandContext& ctx) {
  std::vector<const Command*> picked;
  auto add = [&](const Command* cmd) {
    if (HasLatency(cmd)) picked.push_back(cmd);
    for (const auto& [name, sub] : cmd->subcommands) {
      if (HasLatency(sub.get())) picked.push_back(sub.get());
    }
  };
  CommandTable& table = ctx.server->commands();
  if (ctx.argc() == 2) {
    for (const Command* cmd : table.All()) add(cmd);
  } else {
    for (size_t i = 2; i < ctx.argc(); i++) {
      std::string_view name = ctx.arg(i);
      size_t bar = name.find('|');
      const Command* cmd = table.Find(name.substr(0, bar));
      if (cmd != nullptr && bar != std::string_view::npos) {
        cmd = table.FindSubcommand(cmd, name.substr(bar + 1));
      }
      if (cmd != nullptr) add(cmd);
    }
  }
  ctx.reply.MapHeader(static_cast<int64_t>(picked.size()));
  for (const Command* cmd : picked) LatencyHistogramOf(ctx, cmd);
}

// LATENCY HELP
void LatencyHelp(CommandContext& ctx) {
  ReplyLines(
      ctx,
      {"LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "DOCTOR",
       "    Return a human readable latency analysis report.", "GRAPH <event>",
       "    Return an ASCII latency graph for the <event> class.", "HISTORY <event>",
       "    Return time-latency samples for the <event> class.", "LATEST",
       "    Return the latest latency samples for all events.", "RESET [<event> ...]",
       "    Reset latency data of one or more <event> classes.",
       "    (default: reset all data for all event classes)", "HISTOGRAM [COMMAND ...]",
       "    Return a cumulative distribution of latencies in the format of a histogram for the "
       "specified command names.",
       "    If no commands are specified then all histograms are replied.", "HELP",
       "    Prints this help."});
}

// ---- MONITOR ----------------------------------------------------------------------------------

// MONITOR
void Monitor(CommandContext& ctx) {
  Client* c = ctx.client;
  if (c->has(kClientDenyBlocking)) {
    ctx.reply.Error("ERR MONITOR isn't allowed for DENY BLOCKING client");
    return;
  }
  // Already a monitor (or a replica): ignored without a reply, as Redis does.
  if (c->has(kClientMonitor) || c->has(kClientReplica)) return;
  ctx.server->introspection().AddMonitor(c);
  ctx.reply.Ok();
}

// ---- CLIENT PAUSE / UNPAUSE -------------------------------------------------------------------

// CLIENT PAUSE timeout [WRITE | ALL]
void ClientPause(CommandContext& ctx) {
  int64_t timeout_ms;
  if (!ParseInt64(ctx.arg(2), &timeout_ms)) {
    ctx.reply.Error("ERR timeout is not an integer or out of range");
    return;
  }
  if (timeout_ms < 0) {
    ctx.reply.Error("ERR timeout is negative");
    return;
  }
  bool all = true;
  if (ctx.argc() == 4) {
    if (EqualsIgnoreCase(ctx.arg(3), "write"))
      all = false;
    else if (!EqualsIgnoreCase(ctx.arg(3), "all")) {
      ctx.reply.Error("ERR CLIENT PAUSE mode must be WRITE or ALL");
      return;
    }
  } else if (ctx.argc() > 4) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  Server* s = ctx.server;
  s->PauseClients(all, s->env()->NowMicros() + timeout_ms * 1000);
  ctx.reply.Ok();
}

// CLIENT UNPAUSE
void ClientUnpause(CommandContext& ctx) {
  ctx.server->UnpauseClients();
  ctx.reply.Ok();
}

// ---- CLIENT TRACKING --------------------------------------------------------------------------

struct TrackingOptions {
  bool on = false;
  uint64_t redirect = 0;
  uint32_t flags = 0;
  std::vector<std::string> prefixes;
};

// Parses "ON|OFF [REDIRECT id] [BCAST] [PREFIX p ...] [OPTIN] [OPTOUT] [NOLOOP]"; replies and
// returns false on error.
bool ParseTracking(CommandContext& ctx, TrackingOptions* o) {
  if (EqualsIgnoreCase(ctx.arg(2), "on"))
    o->on = true;
  else if (!EqualsIgnoreCase(ctx.arg(2), "off")) {
    ctx.reply.Error(err::kSyntax);
    return false;
  }
  for (size_t i = 3; i < ctx.argc(); i++) {
    std::string_view opt = ctx.arg(i);
    bool more = i + 1 < ctx.argc();
    if (EqualsIgnoreCase(opt, "redirect") && more) {
      if (o->redirect != 0) {
        ctx.reply.Error("ERR A client can only redirect to a single other client");
        return false;
      }
      int64_t id;
      if (!ParseInt64(ctx.arg(++i), &id)) {
        ctx.reply.Error(err::kNotInteger);
        return false;
      }
      if (id == static_cast<int64_t>(ctx.client->id())) continue;  // itself: no redirection
      if (id <= 0 || ctx.server->FindClient(static_cast<uint64_t>(id)) == nullptr) {
        ctx.reply.Error("ERR The client ID you want redirect to does not exist");
        return false;
      }
      o->redirect = static_cast<uint64_t>(id);
    } else if (EqualsIgnoreCase(opt, "bcast")) {
      o->flags |= kTrackingBcast;
    } else if (EqualsIgnoreCase(opt, "optin")) {
      o->flags |= kTrackingOptin;
    } else if (EqualsIgnoreCase(opt, "optout")) {
      o->flags |= kTrackingOptout;
    } else if (EqualsIgnoreCase(opt, "noloop")) {
      o->flags |= kTrackingNoloop;
    } else if (EqualsIgnoreCase(opt, "prefix") && more) {
      o->prefixes.emplace_back(ctx.arg(++i));
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  return true;
}

// Checks the combination against the client's current mode; replies and returns false if bad.
bool ValidTrackingMode(CommandContext& ctx, const TrackingOptions& o) {
  uint32_t current = ctx.client->tracking_flags;
  bool was_on = (current & kTrackingOn) != 0;
  if (was_on && ((current ^ o.flags) & kTrackingBcast)) {
    ctx.reply.Error(
        "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and "
        "then re-enabling it with a different mode.");
    return false;
  }
  if (!(o.flags & kTrackingBcast) && !o.prefixes.empty()) {
    ctx.reply.Error("ERR PREFIX option requires BCAST mode to be enabled");
    return false;
  }
  if ((o.flags & kTrackingOptin) && (o.flags & kTrackingOptout)) {
    ctx.reply.Error("ERR You can't specify both OPTIN mode and OPTOUT mode");
    return false;
  }
  if ((o.flags & kTrackingBcast) && (o.flags & (kTrackingOptin | kTrackingOptout))) {
    ctx.reply.Error("ERR OPTIN and OPTOUT are not compatible with BCAST");
    return false;
  }
  uint32_t opt_mask = kTrackingOptin | kTrackingOptout;
  if (was_on && (current & opt_mask) != (o.flags & opt_mask)) {
    ctx.reply.Error(
        "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and "
        "then re-enabling it with a different mode.");
    return false;
  }
  return true;
}

// CLIENT TRACKING ON|OFF [REDIRECT client-id] [PREFIX prefix [PREFIX prefix ...]] [BCAST]
//   [OPTIN] [OPTOUT] [NOLOOP]
void ClientTracking(CommandContext& ctx) {
  TrackingOptions o;
  if (!ParseTracking(ctx, &o)) return;
  Tracking& tracking = ctx.server->tracking();
  if (!o.on) {
    tracking.Disable(ctx.client);
    ctx.reply.Ok();
    return;
  }
  if (!ValidTrackingMode(ctx, o)) return;
  std::string error = tracking.Enable(ctx.client, o.redirect, o.flags, o.prefixes);
  if (!error.empty()) {
    ctx.reply.Error(error);
    return;
  }
  ctx.reply.Ok();
}

// CLIENT CACHING YES|NO
void ClientCaching(CommandContext& ctx) {
  Client* c = ctx.client;
  if (!(c->tracking_flags & kTrackingOn) ||
      !(c->tracking_flags & (kTrackingOptin | kTrackingOptout))) {
    ctx.reply.Error(
        "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or "
        "OPTOUT mode enabled");
    return;
  }
  if (EqualsIgnoreCase(ctx.arg(2), "yes")) {
    if (!(c->tracking_flags & kTrackingOptin)) {
      ctx.reply.Error(
          "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
      return;
    }
  } else if (EqualsIgnoreCase(ctx.arg(2), "no")) {
    if (!(c->tracking_flags & kTrackingOptout)) {
      ctx.reply.Error(
          "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
      return;
    }
  } else {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  c->tracking_flags |= kTrackingCaching;
  ctx.reply.Ok();
}

// CLIENT GETREDIR
void ClientGetRedir(CommandContext& ctx) {
  const Client* c = ctx.client;
  if (!(c->tracking_flags & kTrackingOn))
    ctx.reply.Integer(-1);
  else
    ctx.reply.Integer(static_cast<int64_t>(c->tracking_redirect));
}

// CLIENT TRACKINGINFO
void ClientTrackingInfo(CommandContext& ctx) {
  const Client* c = ctx.client;
  uint32_t f = c->tracking_flags;
  std::vector<std::string> flags;
  if (!(f & kTrackingOn)) {
    flags.push_back("off");
  } else {
    flags.push_back("on");
    if (f & kTrackingBcast) flags.push_back("bcast");
    if (f & kTrackingOptin) {
      flags.push_back("optin");
      if (f & kTrackingCaching) flags.push_back("caching-yes");
    }
    if (f & kTrackingOptout) {
      flags.push_back("optout");
      if (f & kTrackingCaching) flags.push_back("caching-no");
    }
    if (f & kTrackingNoloop) flags.push_back("noloop");
    if (f & kTrackingBrokenRedirect) flags.push_back("broken_redirect");
  }
  ctx.reply.MapHeader(3);
  ctx.reply.Bulk("flags");
  ctx.reply.SetHeader(static_cast<int64_t>(flags.size()));
  for (const auto& s : flags) ctx.reply.Bulk(s);
  ctx.reply.Bulk("redirect");
  if (!(f & kTrackingOn))
    ctx.reply.Integer(-1);
  else
    ctx.reply.Integer(static_cast<int64_t>(c->tracking_redirect));
  ctx.reply.Bulk("prefixes");
  ctx.reply.BulkArray(c->tracking_prefixes);
}

}  // namespace

void RegisterIntrospectionFamily(CommandTable& t) {
  t.Register("slowlog|get", SlowlogGet);
  t.Register("slowlog|len", SlowlogLen);
  t.Register("slowlog|reset", SlowlogReset);
  t.Register("slowlog|help", SlowlogHelp);
  t.Register("latency|latest", LatencyLatest);
  t.Register("latency|history", LatencyHistory);
  t.Register("latency|reset", LatencyReset);
  t.Register("latency|doctor", LatencyDoctor);
  t.Register("latency|help", LatencyHelp);
  t.Register("latency|histogram", LatencyHistogramCmd);
  t.Register("monitor", Monitor);
  t.Register("client|pause", ClientPause);
  t.Register("client|unpause", ClientUnpause);
  t.Register("client|tracking", ClientTracking);
  t.Register("client|caching", ClientCaching);
  t.Register("client|getredir", ClientGetRedir);
  t.Register("client|trackinginfo", ClientTrackingInfo);
}

}  // namespace redsim
