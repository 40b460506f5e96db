// Server commands: INFO, CONFIG, TIME, LASTSAVE, DEBUG, SHUTDOWN and COMMAND.
#include <algorithm>
#include <set>

#include "engine/base/strutil.h"
#include "engine/commands/families.h"
#include "engine/commands/help.h"
#include "engine/persistence/digest.h"
#include "engine/persistence/persistence.h"
#include "engine/server/command_context.h"
#include "engine/server/info.h"

namespace redsim {
namespace {

// INFO [section [section ...]]
void Info(CommandContext& ctx) {
  std::vector<std::string> sections;
  for (size_t i = 1; i < ctx.argc(); i++) sections.emplace_back(ctx.arg(i));
  ctx.reply.Verbatim(BuildInfo(ctx.server, sections));
}

// TIME
void Time(CommandContext& ctx) {
  int64_t us = ctx.server->env()->WallMicros();
  ctx.reply.ArrayHeader(2);
  ctx.reply.Bulk(Int64ToString(us / 1000000));
  ctx.reply.Bulk(Int64ToString(us % 1000000));
}

// ---- CONFIG ---------------------------------------------------------------------------------

// CONFIG GET parameter [parameter ...]
void ConfigGet(CommandContext& ctx) {
  const auto& registry = ConfigRegistry::Get();
  std::vector<std::pair<std::string, std::string>> out;
  std::set<std::string> seen;
  for (size_t i = 2; i < ctx.argc(); i++) {
    std::string_view pattern = ctx.arg(i);
    // A plain name is looked up directly and answered with the spelling the client used
    // ("CONFIG GET HZ" -> "HZ"), as Redis does; a glob lists the parameters' own names.
    if (pattern.find_first_of("*?[") == std::string_view::npos) {
      const ConfigParam* p = registry.Find(pattern);
      if (p != nullptr && seen.insert(ToLower(pattern)).second) {
        out.emplace_back(std::string(pattern), p->get(ctx.server->config()));
      }
      continue;
    }
    for (const auto& p : registry.params()) {
      for (const std::string* name : {&p.name, &p.alias}) {
        if (name->empty() || !GlobMatch(pattern, *name, true)) continue;
        if (seen.insert(*name).second) out.emplace_back(*name, p.get(ctx.server->config()));
      }
    }
  }
  ctx.reply.MapHeader(static_cast<int64_t>(out.size()));
  for (const auto& [name, value] : out) {
    ctx.reply.Bulk(name);
    ctx.reply.Bulk(value);
  }
}

// Whether this client may CONFIG SET protected parameters: enable-protected-configs "yes", or
// "local" and the client is on the loopback address (Redis's test: 127.0.0.1 or ::1).
bool ProtectedConfigsAllowed(const CommandContext& ctx) {
  const std::string& mode = ctx.server->config().enable_protected_configs;
  if (mode == "yes") return true;
  if (mode != "local") return false;
  std::string_view addr = ctx.client->peer_address;
  size_t colon = addr.rfind(':');
  std::string_view host = colon == std::string_view::npos ? addr : addr.substr(0, colon);
  return host == "127.0.0.1" || host == "::1";
}

// CONFIG SET parameter value [parameter value ...]
void ConfigSet(CommandContext& ctx) {
  if (ctx.argc() % 2 != 0) {
    ctx.reply.Error(err::kSyntax);  // arity (-4) already rejected fewer than one pair
    return;
  }
  const auto& registry = ConfigRegistry::Get();
  // As Redis does: first check every name in order (unknown, immutable or protected, duplicate),
  // then every value, then apply all or none.
  std::vector<const ConfigParam*> params;
  for (size_t i = 2; i < ctx.argc(); i += 2) {
    const ConfigParam* p = registry.Find(ctx.arg(i));
    auto fail = [&](const char* why) {
      ctx.reply.Error("ERR CONFIG SET failed (possibly related to argument '" +
                      std::string(ctx.arg(i)) + "') - " + why);
    };
    if (p == nullptr) {
      ctx.reply.Error("ERR Unknown option or number of arguments for CONFIG SET - '" +
                      std::string(ctx.arg(i)) + "'");
      return;
    }
    if (p->flags & kConfigImmutable) return fail("can't set immutable config");
    if ((p->flags & kConfigProtected) && !ProtectedConfigsAllowed(ctx)) {
      return fail("can't set protected config");
    }
    if (std::find(params.begin(), params.end(), p) != params.end()) {
      return fail("duplicate parameter");
    }
    params.push_back(p);
  }
  ServerConfig candidate = ctx.server->config();
  for (size_t i = 2; i < ctx.argc(); i += 2) {
    std::string error = registry.Set(candidate, ctx.arg(i), ctx.arg(i + 1), /*startup=*/false);
    if (!error.empty()) {
      ctx.reply.Error("ERR CONFIG SET failed (possibly related to argument '" +
                      std::string(ctx.arg(i)) + "') - " + error);
      return;
    }
  }
  if (candidate.dir != ctx.server->config().dir && !ctx.server->env()->FileExists(candidate.dir)) {
    ctx.reply.Error(
        "ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or "
        "directory");
    return;
  }
  ctx.server->config() = candidate;
  for (const ConfigParam* p : params) ctx.server->OnConfigChanged(p->name);
  ctx.reply.Ok();
}

// CONFIG RESETSTAT
void ConfigResetStat(CommandContext& ctx) {
  ServerStats& s = ctx.server->stats();
  uint64_t startup = s.used_memory_startup;  // a baseline, not a statistic
  s = ServerStats();
  s.used_memory_startup = startup;
  ctx.server->error_stats().clear();
  for (Command* cmd : ctx.server->commands().All()) {
    cmd->calls = cmd->microseconds = cmd->rejected_calls = cmd->failed_calls = 0;
    cmd->latency.reset();
    for (auto& [name, sub] : cmd->subcommands) {
      sub->calls = sub->microseconds = sub->rejected_calls = sub->failed_calls = 0;
      sub->latency.reset();
    }
  }
  ctx.reply.Ok();
}

// CONFIG REWRITE
void ConfigRewrite(CommandContext& ctx) {
  if (ctx.server->config_file().empty()) {
    ctx.reply.Error("ERR The server is running without a config file");
    return;
  }
  ctx.reply.Error("ERR Rewriting config file: redsim does not rewrite config files yet");
}

// CONFIG HELP
void ConfigHelp(CommandContext& ctx) {
  ReplyHelp(
      ctx, "CONFIG",
      {"GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
       "SET <directive> <value>", "    Set the configuration <directive> to <value>.", "RESETSTAT",
       "    Reset statistics reported by the INFO command.", "REWRITE",
       "    Rewrite the configuration file."});
}

// ---- DEBUG ----------------------------------------------------------------------------------

// DEBUG SLEEP seconds | DEBUG POPULATE count [prefix] [size] | DEBUG OBJECT key |
// DEBUG SET-ACTIVE-EXPIRE 0|1 | DEBUG JMAP | DEBUG HELP
void Debug(CommandContext& ctx) {
  std::string sub = ToLower(ctx.arg(1));
  if (sub == "help") {
    ReplyHelp(ctx, "DEBUG",
              {"SLEEP <seconds>", "    Stop the server for <seconds> (fractions allowed).",
               "POPULATE <count> [<prefix>] [<size>]",
               "    Create <count> string keys named key:<num> (or <prefix>:<num>).",
               "OBJECT <key>", "    Show low level information about <key>.",
               "SET-ACTIVE-EXPIRE <0|1>", "    Switch the active expiry cycle off or on."});
    return;
  }
  if (sub == "sleep" && ctx.argc() == 3) {
    // Redis reads the duration with strtod and ignores what does not parse ("abc" sleeps 0 s,
    // "0.5x" sleeps 0.5 s); negative durations do not sleep.
    std::string text(ctx.arg(2));
    double secs = strtod(text.c_str(), nullptr);
    if (!(secs > 0)) secs = 0;
    if (secs > 3600) secs = 3600;  // bound the stall a test mistake could cause
    ctx.server->env()->BlockingSleep(static_cast<int64_t>(secs * 1e6));
    ctx.reply.Ok();
    return;
  }
  if (sub == "populate" && ctx.argc() >= 3 && ctx.argc() <= 5) {
    int64_t count, size = 0;
    if (!ParseInt64(ctx.arg(2), &count) || count < 0) {
      ctx.reply.Error("ERR value is out of range, must be positive");
      return;
    }
    std::string prefix = ctx.argc() >= 4 ? std::string(ctx.arg(3)) : "key";
    if (ctx.argc() == 5 && (!ParseInt64(ctx.arg(4), &size) || size < 0)) {
      ctx.reply.Error("ERR value is out of range, must be positive");
      return;
    }
    for (int64_t i = 0; i < count; i++) {
      std::string key = prefix + ":" + std::to_string(i);
      if (ctx.db()->Find(key) != nullptr) continue;
      std::string value = "value:" + std::to_string(i);
      if (size > 0) value.resize(static_cast<size_t>(size), '\0');
      ctx.keyspace().AddKey(ctx.db(), key, Value::String(value));
    }
    ctx.reply.Ok();
    return;
  }
  if (sub == "object" && ctx.argc() == 3) {
    DbEntry* e = ctx.keyspace().Peek(ctx.db(), ctx.arg(2));
    if (e == nullptr) {
      ctx.reply.Error(err::kNoSuchKey);
      return;
    }
    ctx.reply.Simple(
        "Value at:0x0 refcount:1 encoding:" + std::string(EncodingName(e->value.encoding())) +
        " serializedlength:" + std::to_string(e->value.StringLength()) +
        " lru:" + std::to_string(e->access & 0xffffff) + " lru_seconds_idle:0");
    return;
  }
  if (sub == "set-active-expire" && ctx.argc() == 3) {
    ctx.server->set_active_expire_enabled(ctx.arg(2) != "0");
    ctx.reply.Ok();
    return;
  }
  if (sub == "reload") {
    Status s = ctx.server->persistence()->Reload();
    if (!s.ok())
      ctx.reply.Error("ERR Error trying to load the RDB dump: " + s.message());
    else
      ctx.reply.Ok();
    return;
  }
  if (sub == "digest" && ctx.argc() == 2) {
    std::vector<Database*> dbs;
    for (int i = 0; i < ctx.keyspace().db_count(); i++) dbs.push_back(ctx.keyspace().db(i));
    ctx.reply.Simple(DigestHex(DatasetDigest(dbs)));
    return;
  }
  if (sub == "digest-value") {
    // Keys are read as they are stored, logically expired or not (as Redis does).
    ctx.reply.ArrayHeader(static_cast<int64_t>(ctx.argc() - 2));
    for (size_t i = 2; i < ctx.argc(); i++) {
      Digest d{};
      DbEntry* e = ctx.db()->Find(ctx.arg(i));
      if (e != nullptr) ValueDigest(e->value, e->has_expire(), &d);
      ctx.reply.Simple(DigestHex(d));
    }
    return;
  }
  if (sub == "jmap") {
    ctx.reply.Ok();
    return;
  }
  ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" +
                  std::string(ctx.arg(1)) + "'. Try DEBUG HELP.");
}

// ---- SHUTDOWN -------------------------------------------------------------------------------

// SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]
void Shutdown(CommandContext& ctx) {
  bool save = false, nosave = false, now = false, force = false, abort = false;
  for (size_t i = 1; i < ctx.argc(); i++) {
    std::string_view a = ctx.arg(i);
    if (EqualsIgnoreCase(a, "nosave"))
      nosave = true;
    else if (EqualsIgnoreCase(a, "save"))
      save = true;
    else if (EqualsIgnoreCase(a, "now"))
      now = true;
    else if (EqualsIgnoreCase(a, "force"))
      force = true;
    else if (EqualsIgnoreCase(a, "abort"))
      abort = true;
    else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  if ((abort && ctx.argc() != 2) || (save && nosave)) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  if (abort) {
    ctx.reply.Error("ERR No shutdown in progress.");
    return;
  }
  std::string error = ctx.server->Shutdown(save, nosave, now, force);
  if (!error.empty()) ctx.reply.Error(error);
  // On success the connection is closed without a reply, as Redis does.
}

// ---- COMMAND --------------------------------------------------------------------------------

// Space-separated words as a set of simple strings (flags) or bulk strings (tips).
void ReplyWords(ReplyBuilder& r, const char* words, bool bulk = false) {
  std::vector<std::string> w;
  std::string cur;
  for (const char* p = words; p != nullptr && *p; p++) {
    if (*p == ' ') {
      if (!cur.empty()) w.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(*p);
    }
  }
  if (!cur.empty()) w.push_back(cur);
  r.SetHeader(static_cast<int64_t>(w.size()));
  for (const auto& s : w) {
    if (bulk)
      r.Bulk(s);
    else
      r.Simple(s);
  }
}

void ReplyKeySpec(ReplyBuilder& r, const KeySpecMeta& ks) {
  r.MapHeader(3);
  r.Bulk("flags");
  ReplyWords(r, ks.flags);
  r.Bulk("begin_search");
  r.MapHeader(2);
  r.Bulk("type");
  r.Bulk(ks.begin_type);
  r.Bulk("spec");
  std::string_view bt(ks.begin_type);
  if (bt == "index") {
    r.MapHeader(1);
    r.Bulk("index");
    r.Integer(ks.bs_index);
  } else if (bt == "keyword") {
    r.MapHeader(2);
    r.Bulk("keyword");
    r.Bulk(ks.bs_keyword);
    r.Bulk("startfrom");
    r.Integer(ks.bs_startfrom);
  } else {
    r.MapHeader(0);
  }
  r.Bulk("find_keys");
  r.MapHeader(2);
  r.Bulk("type");
  r.Bulk(ks.find_type);
  r.Bulk("spec");
  std::string_view ft(ks.find_type);
  if (ft == "range") {
    r.MapHeader(3);
    r.Bulk("lastkey");
    r.Integer(ks.fk_lastkey);
    r.Bulk("keystep");
    r.Integer(ks.fk_keystep);
    r.Bulk("limit");
    r.Integer(ks.fk_limit);
  } else if (ft == "keynum") {
    r.MapHeader(3);
    r.Bulk("keynumidx");
    r.Integer(ks.fk_keynumidx);
    r.Bulk("firstkey");
    r.Integer(ks.fk_firstkey);
    r.Bulk("keystep");
    r.Integer(ks.fk_keystep);
  } else {
    r.MapHeader(0);
  }
}

void ReplyCommandInfo(ReplyBuilder& r, const Command* cmd) {
  const CommandMeta* m = cmd->meta;
  r.ArrayHeader(10);
  r.Bulk(cmd->name);
  r.Integer(m->arity);
  ReplyWords(r, m->flags);
  r.Integer(m->first_key);
  r.Integer(m->last_key);
  r.Integer(m->key_step);
  ReplyWords(r, m->acl_categories);
  ReplyWords(r, m->tips, /*bulk=*/true);
  // Redis 7.0 sends key specs as a RESP3 set, and subcommands as an array, or an empty set when
  // there are none.
  r.SetHeader(static_cast<int64_t>(m->key_specs.size()));
  for (const auto& ks : m->key_specs) ReplyKeySpec(r, ks);
  if (cmd->subcommands.empty())
    r.SetHeader(0);
  else
    r.ArrayHeader(static_cast<int64_t>(cmd->subcommands.size()));
  for (const auto& [name, sub] : cmd->subcommands) ReplyCommandInfo(r, sub.get());
}

void ReplyArgDoc(ReplyBuilder& r, const ArgMeta& a) {
  int fields = 2;
  if (a.display) fields++;
  if (a.key_spec_index >= 0) fields++;
  if (a.token) fields++;
  if (a.since) fields++;
  if (a.deprecated_since) fields++;
  if (a.flags && *a.flags) fields++;
  if (!a.args.empty()) fields++;
  r.MapHeader(fields);
  r.Bulk("name");
  r.Bulk(a.name);
  r.Bulk("type");
  r.Bulk(a.type);
  if (a.display) {
    r.Bulk("display_text");
    r.Bulk(a.display);
  }
  if (a.key_spec_index >= 0) {
    r.Bulk("key_spec_index");
    r.Integer(a.key_spec_index);
  }
  if (a.token) {
    r.Bulk("token");
    r.Bulk(a.token);
  }
  if (a.since) {
    r.Bulk("since");
    r.Bulk(a.since);
  }
  if (a.deprecated_since) {
    r.Bulk("deprecated_since");
    r.Bulk(a.deprecated_since);
  }
  if (a.flags && *a.flags) {
    r.Bulk("flags");
    ReplyWords(r, a.flags);
  }
  if (!a.args.empty()) {
    r.Bulk("arguments");
    r.ArrayHeader(static_cast<int64_t>(a.args.size()));
    for (const auto& sub : a.args) ReplyArgDoc(r, sub);
  }
}

void ReplyCommandDocs(ReplyBuilder& r, const Command* cmd) {
  const CommandMeta* m = cmd->meta;
  int fields = 3;  // summary, since, group
  if (m->doc_flags && *m->doc_flags) fields++;
  if (m->deprecated_since) fields++;
  if (!m->args.empty()) fields++;
  if (!cmd->subcommands.empty()) fields++;
  r.MapHeader(fields);
  r.Bulk("summary");
  r.Bulk(ToUpper(cmd->name) + " (" + std::string(m->group) + " command)");
  r.Bulk("since");
  r.Bulk(m->since);
  r.Bulk("group");
  r.Bulk(m->group);
  if (m->doc_flags && *m->doc_flags) {
    r.Bulk("doc_flags");
    ReplyWords(r, m->doc_flags);
  }
  if (m->deprecated_since) {
    r.Bulk("deprecated_since");
    r.Bulk(m->deprecated_since);
  }
  if (!m->args.empty()) {
    r.Bulk("arguments");
    r.ArrayHeader(static_cast<int64_t>(m->args.size()));
    for (const auto& a : m->args) ReplyArgDoc(r, a);
  }
  if (!cmd->subcommands.empty()) {
    r.Bulk("subcommands");
    r.MapHeader(static_cast<int64_t>(cmd->subcommands.size()));
    for (const auto& [name, sub] : cmd->subcommands) {
      r.Bulk(sub->name);
      ReplyCommandDocs(r, sub.get());
    }
  }
}

// COMMAND
void CommandAll(CommandContext& ctx) {
  auto all = ctx.server->commands().All();
  ctx.reply.ArrayHeader(static_cast<int64_t>(all.size()));
  for (Command* c : all) ReplyCommandInfo(ctx.reply, c);
}

// COMMAND COUNT
void CommandCount(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server->commands().size()));
}

// COMMAND INFO [command-name [command-name ...]]
void CommandInfo(CommandContext& ctx) {
  if (ctx.argc() == 2) {
    CommandAll(ctx);
    return;
  }
  ctx.reply.ArrayHeader(static_cast<int64_t>(ctx.argc() - 2));
  for (size_t i = 2; i < ctx.argc(); i++) {
    Command* c = ctx.server->commands().FindByFullName(ctx.arg(i));
    if (c == nullptr)
      ctx.reply.NullArray();
    else
      ReplyCommandInfo(ctx.reply, c);
  }
}

// COMMAND DOCS [command-name [command-name ...]]
void CommandDocs(CommandContext& ctx) {
  std::vector<Command*> cmds;
  if (ctx.argc() == 2) {
    cmds = ctx.server->commands().All();
  } else {
    for (size_t i = 2; i < ctx.argc(); i++) {
      Command* c = ctx.server->commands().FindByFullName(ctx.arg(i));
      if (c != nullptr) cmds.push_back(c);
    }
  }
  ctx.reply.MapHeader(static_cast<int64_t>(cmds.size()));
  for (Command* c : cmds) {
    ctx.reply.Bulk(c->name);
    ReplyCommandDocs(ctx.reply, c);
  }
}

// COMMAND LIST [FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]
void CommandList(CommandContext& ctx) {
  std::string filter, value;
  if (ctx.argc() == 5 && EqualsIgnoreCase(ctx.arg(2), "filterby")) {
    filter = ToLower(ctx.arg(3));
    value = std::string(ctx.arg(4));
    if (filter != "module" && filter != "aclcat" && filter != "pattern") {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  } else if (ctx.argc() != 2) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  std::vector<std::string> names;
  auto consider = [&](const Command* c) {
    if (filter == "module") return;
    if (filter == "aclcat" && !(c->acl_categories & AclCategoryBit(value))) return;
    if (filter == "pattern" && !GlobMatch(value, c->name, true)) return;
    names.push_back(c->name);
  };
  for (Command* c : ctx.server->commands().All()) {
    consider(c);
    for (const auto& [n, sub] : c->subcommands) consider(sub.get());
  }
  ctx.reply.BulkArray(names);
}

// The key flags COMMAND GETKEYSANDFLAGS reports for a key found by a spec with
// "variable_flags": they depend on the arguments, as Redis's per-command key procedures decide.
const char* ActualKeyFlags(const Command* c, const std::vector<std::string_view>& args,
                           const char* spec_flags) {
  if (std::string_view(spec_flags).find("variable_flags") == std::string_view::npos) {
    return spec_flags;
  }
  if (c->name == "set") {
    for (size_t i = 3; i < args.size(); i++) {
      if (EqualsIgnoreCase(args[i], "get")) return "RW access update";
    }
    return "OW update";
  }
  if (c->name == "bitfield") {
    // Read-only unless a SET or INCRBY operation is present.
    for (size_t i = 2; i < args.size(); i++) {
      if (EqualsIgnoreCase(args[i], "set") || EqualsIgnoreCase(args[i], "incrby")) {
        return "RW access update";
      }
    }
    return "RO access";
  }
  return spec_flags;
}

// COMMAND GETKEYS command [arg [arg ...]] / COMMAND GETKEYSANDFLAGS ...
void CommandGetKeysGeneric(CommandContext& ctx, bool with_flags) {
  std::vector<std::string_view> args(ctx.args.begin() + 2, ctx.args.end());
  Command* c = ctx.server->commands().Find(args[0]);
  if (c != nullptr && c->has_subcommands() && args.size() >= 2) {
    c = ctx.server->commands().FindSubcommand(c, args[1]);
  }
  if (c == nullptr) {
    ctx.reply.Error("ERR Invalid command specified");
    return;
  }
  int argc = static_cast<int>(args.size());
  if ((c->arity > 0 && c->arity != argc) || (c->arity < 0 && argc < -c->arity)) {
    ctx.reply.Error("ERR Invalid number of arguments specified for command");
    return;
  }
  std::vector<int> positions, specs;
  c->GetKeyPositions(args, &positions, &specs);
  if (positions.empty()) {
    ctx.reply.Error(c->meta->key_specs.empty() ? "ERR The command has no key arguments"
                                               : "ERR Invalid arguments specified for command");
    return;
  }
  ctx.reply.ArrayHeader(static_cast<int64_t>(positions.size()));
  for (size_t i = 0; i < positions.size(); i++) {
    size_t p = static_cast<size_t>(positions[i]);
    if (with_flags) {
      ctx.reply.ArrayHeader(2);
      ctx.reply.Bulk(args[p]);
      ReplyWords(ctx.reply,
                 ActualKeyFlags(c, args, c->meta->key_specs[static_cast<size_t>(specs[i])].flags));
    } else {
      ctx.reply.Bulk(args[p]);
    }
  }
}

void CommandGetKeys(CommandContext& ctx) { CommandGetKeysGeneric(ctx, false); }
void CommandGetKeysAndFlags(CommandContext& ctx) { CommandGetKeysGeneric(ctx, true); }

// COMMAND HELP
void CommandHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "COMMAND",
            {"(no subcommand)", "    Return details about all commands.", "COUNT",
             "    Return the total number of commands.", "INFO [<command-name> ...]",
             "    Return details about the given commands, or all of them.",
             "DOCS [<command-name> ...]", "    Return documentation details about commands.",
             "LIST [FILTERBY (MODULE <name>|ACLCAT <cat>|PATTERN <pattern>)]",
             "    Return the names of the commands, optionally filtered.", "GETKEYS <full-command>",
             "    Return the keys of a full command.", "GETKEYSANDFLAGS <full-command>",
             "    Return the keys and their access flags."});
}

}  // namespace

void RegisterServerFamily(CommandTable& t) {
  t.Register("info", Info);
  t.Register("time", Time);
  t.Register("config|get", ConfigGet);
  t.Register("config|set", ConfigSet);
  t.Register("config|resetstat", ConfigResetStat);
  t.Register("config|rewrite", ConfigRewrite);
  t.Register("config|help", ConfigHelp);
  t.Register("debug", Debug);
  t.Register("shutdown", Shutdown);
  t.Register("command", CommandAll);
  t.Register("command|count", CommandCount);
  t.Register("command|info", CommandInfo);
  t.Register("command|docs", CommandDocs);
  t.Register("command|list", CommandList);
  t.Register("command|getkeys", CommandGetKeys);
  t.Register("command|getkeysandflags", CommandGetKeysAndFlags);
  t.Register("command|help", CommandHelp);
}

}  // namespace redsim
