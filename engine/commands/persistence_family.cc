// Persistence commands: SAVE, BGSAVE, BGREWRITEAOF, LASTSAVE.
#include "engine/base/strutil.h"
#include "engine/commands/families.h"
#include "engine/persistence/persistence.h"
#include "engine/server/command_context.h"

namespace redsim {
namespace {

// SAVE
void Save(CommandContext& ctx) {
  Persistence* p = ctx.server->persistence();
  if (p->bgsave_in_progress()) {
    ctx.reply.Error("ERR Background save already in progress");
    return;
  }
  Status s = p->SaveSync();
  if (s.ok())
    ctx.reply.Ok();
  else
    ctx.reply.Error("ERR " + s.message());
}

// BGSAVE [SCHEDULE]
void BgSave(CommandContext& ctx) {
  bool schedule = false;
  if (ctx.argc() > 1) {
    if (ctx.argc() == 2 && EqualsIgnoreCase(ctx.arg(1), "schedule")) {
      schedule = true;
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  Persistence* p = ctx.server->persistence();
  bool was_busy = p->aof_rewrite_in_progress();
  std::string error = p->BgSave(schedule);
  if (!error.empty())
    ctx.reply.Error(error);
  else if (schedule && was_busy)
    ctx.reply.Simple("Background saving scheduled");
  else
    ctx.reply.Simple("Background saving started");
}

// BGREWRITEAOF
void BgRewriteAof(CommandContext& ctx) {
  bool scheduled = false;
  std::string error = ctx.server->persistence()->BgRewriteAof(&scheduled);
  if (!error.empty())
    ctx.reply.Error(error);
  else if (scheduled)
    ctx.reply.Simple("Background append only file rewriting scheduled");
  else
    ctx.reply.Simple("Background append only file rewriting started");
}

// LASTSAVE
void LastSave(CommandContext& ctx) {
  ctx.reply.Integer(ctx.server->persistence()->last_save_time_s());
}

}  // namespace

void RegisterPersistenceFamily(CommandTable& t) {
  t.Register("save", Save);
  t.Register("bgsave", BgSave);
  t.Register("bgrewriteaof", BgRewriteAof);
  t.Register("lastsave", LastSave);
}

}  // namespace redsim
