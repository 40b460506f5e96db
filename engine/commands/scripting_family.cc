// Scripting commands: EVAL EVALSHA EVAL_RO EVALSHA_RO SCRIPT FUNCTION FCALL FCALL_RO. The work is
// done by the server's Scripting (engine/scripting/scripting.h); these handlers only route.
#include "engine/commands/families.h"
#include "engine/scripting/scripting.h"
#include "engine/server/command_context.h"

namespace redsim {
namespace {

// EVAL script numkeys [key [key ...]] [arg [arg ...]]
void Eval(CommandContext& ctx) { ctx.server->scripting()->Eval(ctx, false, false); }
// EVALSHA sha1 numkeys [key [key ...]] [arg [arg ...]]
void EvalSha(CommandContext& ctx) { ctx.server->scripting()->Eval(ctx, true, false); }
// EVAL_RO script numkeys [key [key ...]] [arg [arg ...]]
void EvalRo(CommandContext& ctx) { ctx.server->scripting()->Eval(ctx, false, true); }
// EVALSHA_RO sha1 numkeys [key [key ...]] [arg [arg ...]]
void EvalShaRo(CommandContext& ctx) { ctx.server->scripting()->Eval(ctx, true, true); }
// SCRIPT LOAD script | EXISTS sha1 [sha1 ...] | FLUSH [ASYNC|SYNC] | KILL
void Script(CommandContext& ctx) { ctx.server->scripting()->ScriptCommand(ctx); }
// FUNCTION LOAD [REPLACE] code | LIST ... | DELETE lib | FLUSH | DUMP | RESTORE | STATS | KILL
void Function(CommandContext& ctx) { ctx.server->scripting()->FunctionCommand(ctx); }
// FCALL function numkeys [key [key ...]] [arg [arg ...]]
void FCall(CommandContext& ctx) { ctx.server->scripting()->FCall(ctx, false); }
// FCALL_RO function numkeys [key [key ...]] [arg [arg ...]]
void FCallRo(CommandContext& ctx) { ctx.server->scripting()->FCall(ctx, true); }

void ScriptHelp(CommandContext& ctx) {
  static const char* kLines[] = {
      "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DEBUG (YES|SYNC|NO)",
      "    Set the debug mode for subsequent scripts executed.",
      "EXISTS <sha1> [<sha1> ...]",
      "    Return information about the existence of the scripts in the script cache.",
      "FLUSH [ASYNC|SYNC]",
      "    Flush the Lua scripts cache. Very dangerous on replicas.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the scripts cache.",
      "    * SYNC: Synchronously flush the scripts cache.",
      "KILL",
      "    Kill the currently executing Lua script.",
      "LOAD <script>",
      "    Load a script into the scripts cache without executing it.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(sizeof(kLines) / sizeof(kLines[0]));
  for (const char* line : kLines) ctx.reply.Simple(line);
}

void FunctionHelp(CommandContext& ctx) {
  static const char* kLines[] = {
      "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "LOAD [REPLACE] <FUNCTION CODE>",
      "    Create a new library with the given library name and code.",
      "DELETE <LIBRARY NAME>",
      "    Delete the given library.",
      "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
      "    Return general information on all the libraries:",
      "    * Library name",
      "    * The engine used to run the Library",
      "    * Library description",
      "    * Functions list",
      "    * Library code (if WITHCODE is given)",
      "    It also possible to get only function that matches a pattern using LIBRARYNAME "
      "argument.",
      "STATS",
      "    Return information about the current function running:",
      "    * Function name",
      "    * Command used to run the function",
      "    * Duration in MS that the function is running",
      "    If no function is running, return nil",
      "    In addition, returns a list of available engines.",
      "KILL",
      "    Kill the current running function.",
      "FLUSH [ASYNC|SYNC]",
      "    Delete all the libraries.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the libraries.",
      "    * SYNC: Synchronously flush the libraries.",
      "DUMP",
      "    Return a serialized payload representing the current libraries, can be restored "
      "using FUNCTION RESTORE command",
      "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
      "    Restore the libraries represented by the given payload, it is possible to give a "
      "restore policy to",
      "    control how to handle existing libraries (default APPEND):",
      "    * FLUSH: delete all existing libraries.",
      "    * APPEND: appends the restored libraries to the existing libraries. On collision, "
      "abort.",
      "    * REPLACE: appends the restored libraries to the existing libraries, On collision, "
      "replace the old",
      "      libraries with the new libraries (notice that even on this option there is a "
      "chance of failure",
      "      in case of functions name collision with another library).",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(sizeof(kLines) / sizeof(kLines[0]));
  for (const char* line : kLines) ctx.reply.Simple(line);
}

}  // namespace

void RegisterScriptingFamily(CommandTable& t) {
  t.Register("eval", Eval);
  t.Register("evalsha", EvalSha);
  t.Register("eval_ro", EvalRo);
  t.Register("evalsha_ro", EvalShaRo);
  t.Register("fcall", FCall);
  t.Register("fcall_ro", FCallRo);
  for (const char* sub : {"load", "exists", "flush", "kill"}) {
    t.Register(std::string("script|") + sub, Script);
  }
  t.Register("script|help", ScriptHelp);
  for (const char* sub : {"load", "list", "delete", "flush", "dump", "restore", "stats", "kill"}) {
    t.Register(std::string("function|") + sub, Function);
  }
  t.Register("function|help", FunctionHelp);
}

}  // namespace redsim
