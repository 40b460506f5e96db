// Connection commands: PING, ECHO, QUIT, RESET, HELLO, AUTH and CLIENT.
#include <climits>
#include <iterator>

#include "engine/acl/acl.h"
#include "engine/base/strutil.h"
#include "engine/commands/families.h"
#include "engine/server/command_context.h"
#include "engine/server/info.h"
#include "engine/server/introspection.h"
#include "engine/server/pubsub.h"
#include "engine/server/tracking.h"

namespace redsim {
namespace {

// PING [message]
void Ping(CommandContext& ctx) {
  if (ctx.argc() > 2) {
    ctx.reply.Error(err::WrongArgs("ping"));
    return;
  }
  if (ctx.client->has(kClientPubSub) && ctx.client->resp == 2) {
    ctx.reply.ArrayHeader(2);
    ctx.reply.Bulk("pong");
    ctx.reply.Bulk(ctx.argc() == 2 ? ctx.arg(1) : "");
    return;
  }
  if (ctx.argc() == 2)
    ctx.reply.Bulk(ctx.arg(1));
  else
    ctx.reply.Simple("PONG");
}

// ECHO message
void Echo(CommandContext& ctx) { ctx.reply.Bulk(ctx.arg(1)); }

// QUIT
void Quit(CommandContext& ctx) {
  ctx.reply.Ok();
  ctx.client->flags |= kClientCloseAfterReply;
}

// AUTH [username] password
void Auth(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  std::string_view user = "default";
  std::string_view password = ctx.arg(1);
  if (ctx.argc() == 3) {
    user = ctx.arg(1);
    password = ctx.arg(2);
  } else if (ctx.server->acl().default_user()->nopass()) {
    ctx.reply.Error(err::kAuthNotConfigured);
    return;
  }
  if (!ctx.server->acl().Authenticate(ctx.client, user, password, ctx.arg(0))) {
    ctx.reply.Error(err::kWrongPass);
    return;
  }
  ctx.reply.Ok();
}

bool ValidClientName(std::string_view name) {
  for (char c : name) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
void Hello(CommandContext& ctx) {
  int64_t ver = 0;
  size_t next = 1;
  if (ctx.argc() >= 2) {
    if (!ParseInt64(ctx.arg(1), &ver) || ver < INT_MIN || ver > INT_MAX) {
      ctx.reply.Error("ERR Protocol version is not an integer or out of range");
      return;
    }
    next = 2;
    if (ver < 2 || ver > 3) {
      ctx.reply.Error("NOPROTO unsupported protocol version");
      return;
    }
  }
  // Options are applied as they are read, as Redis does: AUTH authenticates and SETNAME names
  // the connection at once, and both stay in effect even if a later option is refused.
  for (size_t i = next; i < ctx.argc(); i++) {
    size_t left = ctx.argc() - i - 1;
    if (EqualsIgnoreCase(ctx.arg(i), "auth") && left >= 2) {
      if (!ctx.server->acl().Authenticate(ctx.client, ctx.arg(i + 1), ctx.arg(i + 2), ctx.arg(0))) {
        ctx.reply.Error(err::kWrongPass);
        return;
      }
      i += 2;
    } else if (EqualsIgnoreCase(ctx.arg(i), "setname") && left >= 1) {
      if (!ValidClientName(ctx.arg(i + 1))) {
        ctx.reply.Error("ERR Client names cannot contain spaces, newlines or special characters.");
        return;
      }
      ctx.client->name = std::string(ctx.arg(i + 1));
      i += 1;
    } else {
      ctx.reply.Error("ERR Syntax error in HELLO option '" + std::string(ctx.arg(i)) + "'");
      return;
    }
  }
  if (!ctx.client->authenticated) {
    ctx.reply.Error(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
        "AUTH <user> <pass> option can be used to authenticate the client and select the "
        "RESP protocol version at the same time");
    return;
  }
  if (ver != 0) {
    ctx.client->resp = static_cast<int>(ver);
    ctx.reply.set_resp(ctx.client->resp);
  }
  ctx.reply.MapHeader(7);
  ctx.reply.Bulk("server");
  ctx.reply.Bulk("redis");
  ctx.reply.Bulk("version");
  ctx.reply.Bulk(kRedisVersion);
  ctx.reply.Bulk("proto");
  ctx.reply.Integer(ctx.client->resp);
  ctx.reply.Bulk("id");
  ctx.reply.Integer(static_cast<int64_t>(ctx.client->id()));
  ctx.reply.Bulk("mode");
  ctx.reply.Bulk("standalone");
  ctx.reply.Bulk("role");
  ctx.reply.Bulk(ctx.server->config().replicaof.empty() ? "master" : "replica");
  ctx.reply.Bulk("modules");
  ctx.reply.EmptyArray();
}

// RESET
void Reset(CommandContext& ctx) {
  Client* c = ctx.client;
  c->multi_queue.clear();
  c->multi_bytes = 0;
  // Redis 7.0's RESET leaves CLIENT NO-EVICT as it was.
  c->flags &= ~(kClientMulti | kClientDirtyCas | kClientDirtyExec | kClientReplyOff |
                kClientReplySkip | kClientReplySkipNext | kClientNoTouch);
  ctx.keyspace().UnwatchAllKeys(c);
  c->db_index = 0;
  c->db = ctx.keyspace().db(0);
  c->resp = 2;
  c->name.clear();
  c->authenticated = ctx.server->acl().DefaultUserNeedsNoAuth();
  c->user = "default";
  ctx.server->pubsub().RemoveClient(c);
  ctx.server->introspection().RemoveMonitor(c);
  ctx.server->tracking().Disable(c);
  c->acl_user = nullptr;
  if (ctx.server->reset_hook()) ctx.server->reset_hook()(c);
  ctx.reply.set_resp(2);
  ctx.reply.Simple("RESET");
}

// ---- CLIENT ---------------------------------------------------------------------------------

// CLIENT ID
void ClientId(CommandContext& ctx) { ctx.reply.Integer(static_cast<int64_t>(ctx.client->id())); }

// CLIENT SETNAME connection-name
void ClientSetName(CommandContext& ctx) {
  if (!ValidClientName(ctx.arg(2))) {
    ctx.reply.Error("ERR Client names cannot contain spaces, newlines or special characters.");
    return;
  }
  ctx.client->name = std::string(ctx.arg(2));
  ctx.reply.Ok();
}

// CLIENT GETNAME
void ClientGetName(CommandContext& ctx) {
  if (ctx.client->name.empty())
    ctx.reply.Null();
  else
    ctx.reply.Bulk(ctx.client->name);
}

// CLIENT INFO
void ClientInfo(CommandContext& ctx) {
  ctx.reply.Verbatim(ClientInfoLine(ctx.server, ctx.client) + "\n");
}

const char* ClientTypeName(const Client* c) {
  if (c->has(kClientMaster)) return "master";
  if (c->has(kClientReplica)) return "replica";
  if (c->has(kClientPubSub)) return "pubsub";
  return "normal";
}

bool ParseClientType(std::string_view s, std::string* out) {
  std::string t = ToLower(s);
  if (t == "slave") t = "replica";
  if (t != "normal" && t != "master" && t != "replica" && t != "pubsub") return false;
  *out = t;
  return true;
}

// CLIENT LIST [TYPE <NORMAL | MASTER | REPLICA | PUBSUB>] [ID client-id [client-id ...]]
void ClientList(CommandContext& ctx) {
  // Redis accepts exactly one filter: "TYPE <type>" alone, or "ID" followed by one or more ids
  // (any integer; ids that match no client are simply not listed).
  std::string type_filter;
  std::vector<uint64_t> ids;
  bool by_id = false;
  if (ctx.argc() == 4 && EqualsIgnoreCase(ctx.arg(2), "type")) {
    if (!ParseClientType(ctx.arg(3), &type_filter)) {
      ctx.reply.Error("ERR Unknown client type '" + std::string(ctx.arg(3)) + "'");
      return;
    }
  } else if (ctx.argc() > 3 && EqualsIgnoreCase(ctx.arg(2), "id")) {
    by_id = true;
    for (size_t i = 3; i < ctx.argc(); i++) {
      int64_t id;
      if (!ParseInt64(ctx.arg(i), &id)) {
        ctx.reply.Error("ERR Invalid client ID");
        return;
      }
      ids.push_back(static_cast<uint64_t>(id));
    }
  } else if (ctx.argc() != 2) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  std::string out;
  auto add = [&](const Client* c) {
    out += ClientInfoLine(ctx.server, c);
    out += '\n';
  };
  if (by_id) {
    // In the order the ids were given (a repeated id is listed again), as Redis does.
    for (uint64_t id : ids) {
      Client* c = ctx.server->FindClient(id);
      if (c != nullptr && !c->has(kClientFake)) add(c);
    }
  } else {
    for (const auto& [id, c] : ctx.server->clients()) {
      if (c->has(kClientFake)) continue;
      if (!type_filter.empty() && type_filter != ClientTypeName(c)) continue;
      add(c);
    }
  }
  ctx.reply.Verbatim(out);
}

// CLIENT KILL ip:port | CLIENT KILL [ID id] [TYPE type] [USER user] [ADDR ip:port]
//   [LADDR ip:port] [SKIPME yes/no]
void ClientKill(CommandContext& ctx) {
  std::string addr, laddr, type, user;
  uint64_t id = 0;
  bool skipme = true;
  bool old_style = ctx.argc() == 3;
  if (old_style) {
    addr = std::string(ctx.arg(2));
  } else {
    if (ctx.argc() % 2 != 0) {
      ctx.reply.Error(err::kSyntax);
      return;
    }
    for (size_t i = 2; i + 1 < ctx.argc(); i += 2) {
      std::string_view opt = ctx.arg(i), val = ctx.arg(i + 1);
      if (EqualsIgnoreCase(opt, "id")) {
        int64_t v;
        if (!ParseInt64(val, &v) || v <= 0) {
          ctx.reply.Error("ERR client-id should be greater than 0");
          return;
        }
        id = static_cast<uint64_t>(v);
      } else if (EqualsIgnoreCase(opt, "type")) {
        if (!ParseClientType(val, &type)) {
          ctx.reply.Error("ERR Unknown client type '" + std::string(val) + "'");
          return;
        }
      } else if (EqualsIgnoreCase(opt, "addr")) {
        addr = std::string(val);
      } else if (EqualsIgnoreCase(opt, "laddr")) {
        laddr = std::string(val);
      } else if (EqualsIgnoreCase(opt, "user")) {
        // Only the default user exists until ACLs are built.
        if (val != "default") {
          ctx.reply.Error("ERR No such user '" + std::string(val) + "'");
          return;
        }
        user = std::string(val);
      } else if (EqualsIgnoreCase(opt, "skipme")) {
        if (EqualsIgnoreCase(val, "yes"))
          skipme = true;
        else if (EqualsIgnoreCase(val, "no"))
          skipme = false;
        else {
          ctx.reply.Error(err::kSyntax);
          return;
        }
      } else {
        ctx.reply.Error(err::kSyntax);
        return;
      }
    }
  }
  std::vector<Client*> victims;
  for (const auto& [cid, c] : ctx.server->clients()) {
    if (c->has(kClientFake) || c->has(kClientCloseAsap)) continue;
    if (!addr.empty() && c->peer_address != addr) continue;
    if (!laddr.empty() && c->local_address != laddr) continue;
    if (!type.empty() && type != ClientTypeName(c)) continue;
    if (!user.empty() && c->user != user) continue;
    if (id != 0 && cid != id) continue;
    if (c == ctx.client && skipme && !old_style) continue;
    victims.push_back(c);
  }
  for (Client* c : victims) {
    if (c == ctx.client) {
      c->flags |= kClientCloseAfterReply;  // reply first, then close
    } else {
      ctx.server->CloseClientAsync(c);
    }
  }
  if (old_style) {
    if (victims.empty())
      ctx.reply.Error("ERR No such client");
    else
      ctx.reply.Ok();
  } else {
    ctx.reply.Integer(static_cast<int64_t>(victims.size()));
  }
}

// CLIENT NO-EVICT ON|OFF
void ClientNoEvict(CommandContext& ctx) {
  if (EqualsIgnoreCase(ctx.arg(2), "on")) {
    ctx.client->flags |= kClientNoEvict;
  } else if (EqualsIgnoreCase(ctx.arg(2), "off")) {
    ctx.client->flags &= ~kClientNoEvict;
  } else {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  ctx.reply.Ok();
}

// CLIENT REPLY ON|OFF|SKIP
void ClientReply(CommandContext& ctx) {
  std::string_view mode = ctx.arg(2);
  if (EqualsIgnoreCase(mode, "on")) {
    ctx.client->flags &= ~(kClientReplyOff | kClientReplySkip);
    ctx.reply.Ok();
  } else if (EqualsIgnoreCase(mode, "off")) {
    ctx.client->flags |= kClientReplyOff;
  } else if (EqualsIgnoreCase(mode, "skip")) {
    if (!ctx.client->has(kClientReplyOff)) ctx.client->flags |= kClientReplySkipNext;
  } else {
    ctx.reply.Error(err::kSyntax);
  }
}

// CLIENT UNBLOCK client-id [TIMEOUT | ERROR]
void ClientUnblock(CommandContext& ctx) {
  int64_t id;
  if (!ParseInt64(ctx.arg(2), &id)) {
    ctx.reply.Error(err::kNotInteger);
    return;
  }
  bool with_error = false;
  if (ctx.argc() == 4) {
    if (EqualsIgnoreCase(ctx.arg(3), "error"))
      with_error = true;
    else if (!EqualsIgnoreCase(ctx.arg(3), "timeout")) {
      ctx.reply.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
      return;
    }
  } else if (ctx.argc() > 4) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  Client* target = ctx.server->FindClient(static_cast<uint64_t>(id));
  if (target == nullptr || !target->has(kClientBlocked)) {
    ctx.reply.Integer(0);
    return;
  }
  if (with_error) {
    ctx.server->blocking().UnblockClient(target, false,
                                         "UNBLOCKED client unblocked via CLIENT UNBLOCK");
  } else {
    ctx.server->blocking().UnblockClient(target, true);
  }
  ctx.reply.Integer(1);
}

// CLIENT HELP (Redis 7.0's text, line for line)
void ClientHelp(CommandContext& ctx) {
  static const char* const kLines[] = {
      "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CACHING (YES|NO)",
      "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
      "GETREDIR",
      "    Return the client ID we are redirecting to when tracking is enabled.",
      "GETNAME",
      "    Return the name of the current connection.",
      "ID",
      "    Return the ID of the current connection.",
      "INFO",
      "    Return information about the current client connection.",
      "KILL <ip:port>",
      "    Kill connection made from <ip:port>.",
      "KILL <option> <value> [<option> <value> [...]]",
      "    Kill connections. Options are:",
      "    * ADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made from the specified address",
      "    * LADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made to specified local address",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Kill connections by type.",
      "    * USER <username>",
      "      Kill connections authenticated by <username>.",
      "    * SKIPME (YES|NO)",
      "      Skip killing current connection (default: yes).",
      "LIST [options ...]",
      "    Return information about client connections. Options:",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Return clients of specified type.",
      "UNPAUSE",
      "    Stop the current client pause, resuming traffic.",
      "PAUSE <timeout> [WRITE|ALL]",
      "    Suspend all, or just write, clients for <timeout> milliseconds.",
      "REPLY (ON|OFF|SKIP)",
      "    Control the replies sent to the current connection.",
      "SETNAME <name>",
      "    Assign the name <name> to the current connection.",
      "UNBLOCK <clientid> [TIMEOUT|ERROR]",
      "    Unblock the specified blocked client.",
      "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
      "         [OPTIN] [OPTOUT] [NOLOOP]",
      "    Control server assisted client side caching.",
      "TRACKINGINFO",
      "    Report tracking status for the current connection.",
      "NO-EVICT (ON|OFF)",
      "    Protect current client connection from eviction.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(static_cast<int64_t>(std::size(kLines)));
  for (const char* line : kLines) ctx.reply.Simple(line);
}

}  // namespace

void RegisterConnectionFamily(CommandTable& t) {
  t.Register("ping", Ping);
  t.Register("echo", Echo);
  t.Register("quit", Quit);
  t.Register("auth", Auth);
  t.Register("hello", Hello);
  t.Register("reset", Reset);
  t.Register("client|id", ClientId);
  t.Register("client|setname", ClientSetName);
  t.Register("client|getname", ClientGetName);
  t.Register("client|info", ClientInfo);
  t.Register("client|list", ClientList);
  t.Register("client|kill", ClientKill);
  t.Register("client|no-evict", ClientNoEvict);
  t.Register("client|reply", ClientReply);
  t.Register("client|unblock", ClientUnblock);
  t.Register("client|help", ClientHelp);
}

}  // namespace redsim
