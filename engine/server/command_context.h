// CommandContext: what a handler sees while it runs — the keyspace, the server, the calling
// client, the command, its arguments and a ReplyBuilder writing to the client's reply buffer —
// plus the typed-lookup helpers every family uses. ArgCursor (arg_cursor.h) reads options in order.
//
// Handlers reach keys through keyspace() and report a change with Modified(), which does the
// three things every change owes in one place: WATCH/cache invalidation, the keyspace event and
// the dirty count that makes the command propagate.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/db/database.h"
#include "engine/resp/reply_builder.h"
#include "engine/server/arg_cursor.h"
#include "engine/server/client.h"
#include "engine/server/command.h"
#include "engine/server/errors.h"
#include "engine/server/server.h"

namespace redsim {

struct CommandContext {
  CommandContext(Server* s, Client* c, Command* command, const std::vector<std::string_view>& a,
                 ReplyBuilder& r)
      : server(s), client(c), cmd(command), args(a), reply(r) {}

  Server* server;
  Client* client;
  Command* cmd;
  const std::vector<std::string_view>& args;
  ReplyBuilder& reply;

  Database* db() const { return client->db; }
  Keyspace& keyspace() const { return server->keyspace(); }
  size_t argc() const { return args.size(); }
  std::string_view arg(size_t i) const { return args[i]; }
  int64_t now_ms() const { return server->now_ms(); }

  // Looks up `key` for reading. Returns the entry, or nullptr when absent. When present with a
  // type other than `type`, replies WRONGTYPE, sets *wrong_type and returns nullptr.
  DbEntry* Read(std::string_view key, ObjType type, bool* wrong_type) {
    DbEntry* e = keyspace().LookupRead(db(), key);
    return CheckType(e, type, wrong_type);
  }
  DbEntry* Write(std::string_view key, ObjType type, bool* wrong_type) {
    DbEntry* e = keyspace().LookupWrite(db(), key);
    return CheckType(e, type, wrong_type);
  }

  // `key` of the current database was modified: invalidates WATCHes and client-side caches on
  // it, publishes the keyspace event `event` of class `event_class` (such as '$', 'l', 'g') and
  // counts `changes` towards the dirty counter, in that order.
  void Modified(std::string_view key, char event_class, std::string_view event,
                uint64_t changes = 1) {
    keyspace().SignalModifiedKey(db(), key);
    keyspace().NotifyKeyspaceEvent(event_class, event, key, db()->index());
    server->dirty += changes;
  }

  // Replaces the arguments that will be propagated to the AOF and replicas (e.g. a relative
  // expiry rewritten as absolute). Empty `args` suppresses propagation of this command.
  void PropagateAs(std::vector<std::string> new_args) {
    propagate_override = std::move(new_args);
    has_propagate_override = true;
  }
  // Extra writes to propagate after this command (e.g. DELs done on the side).
  void AlsoPropagate(std::vector<std::string> extra) { also_propagate.push_back(std::move(extra)); }

  bool has_propagate_override = false;
  std::vector<std::string> propagate_override;
  std::vector<std::vector<std::string>> also_propagate;

 private:
  DbEntry* CheckType(DbEntry* e, ObjType type, bool* wrong_type) {
    *wrong_type = false;
    if (e != nullptr && e->value.type() != type) {
      reply.Error(err::kWrongType);
      *wrong_type = true;
      return nullptr;
    }
    return e;
  }
};

}  // namespace redsim
