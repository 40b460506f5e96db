#include "engine/scripting/scripting.h"

#include <algorithm>

#include "engine/acl/acl.h"
#include "engine/base/strutil.h"
#include "engine/replication/replication.h"
#include "engine/resp/resp_value.h"
#include "engine/scripting/lua_sandbox.h"
#include "engine/scripting/sha1.h"
#include "engine/server/command_context.h"

namespace redsim {

namespace {

constexpr const char* kSelfKey = "__redsim_scripting";
constexpr const char* kLoadEnvMetaKey = "__redsim_env_meta";
constexpr int kHookInstructions = 100000;
constexpr const char* kBusyEval =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
constexpr const char* kBusyFunction =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";

Scripting* Self(lua_State* L) {
  return static_cast<Scripting*>(lua_touserdata(L, lua_upvalueindex(1)));
}

// Raises an error table {err = text} (no position prefix, as Redis's own errors).
int RaiseError(lua_State* L, const std::string& text) {
  LuaPushErrorTable(L, text);
  return lua_error(L);
}

int LuaRedisCall(lua_State* L) { return Self(L)->LuaCall(L, true); }
int LuaRedisPcall(lua_State* L) { return Self(L)->LuaCall(L, false); }
int LuaRegisterFunction(lua_State* L) { return Self(L)->RegisterFunction(L); }

int LuaSha1Hex(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseError(L, "ERR wrong number of arguments");
  size_t len;
  const char* s = lua_tolstring(L, 1, &len);
  std::string hex = Sha1Hex(std::string_view(s != nullptr ? s : "", s != nullptr ? len : 0));
  lua_pushlstring(L, hex.data(), hex.size());
  return 1;
}

int ReplyTable(lua_State* L, const char* field) {
  if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING) {
    LuaPushErrorTable(L, "ERR wrong number or type of arguments");
    return 1;
  }
  std::string text = lua_tostring(L, 1);
  if (field[0] == 'e') text = text[0] == '-' ? text.substr(1) : "ERR " + text;
  lua_createtable(L, 0, 1);
  lua_pushlstring(L, text.data(), text.size());
  lua_setfield(L, -2, field);
  return 1;
}
int LuaErrorReply(lua_State* L) { return ReplyTable(L, "err"); }
int LuaStatusReply(lua_State* L) { return ReplyTable(L, "ok"); }

int LuaLog(lua_State* L) {
  int argc = lua_gettop(L);
  if (argc < 2) return RaiseError(L, "ERR redis.log() requires two arguments or more.");
  if (lua_type(L, 1) != LUA_TNUMBER) {
    return RaiseError(L, "ERR First argument must be a number (log level).");
  }
  int level = static_cast<int>(lua_tonumber(L, 1));
  if (level < 0 || level > 3) return RaiseError(L, "ERR Invalid debug level.");
  std::string text;
  for (int i = 2; i <= argc; i++) {
    size_t len;
    const char* s = lua_tolstring(L, i, &len);
    if (s == nullptr) continue;
    if (!text.empty()) text += ' ';
    text.append(s, len);
  }
  Self(L)->server()->log().Write(static_cast<LogLevel>(level), text);
  return 0;
}

int LuaSetResp(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseError(L, "ERR redis.setresp() requires one argument.");
  int resp = static_cast<int>(lua_tonumber(L, 1));
  if (resp != 2 && resp != 3) return RaiseError(L, "ERR RESP version must be 2 or 3.");
  if (Self(L)->run() != nullptr) Self(L)->run()->resp = resp;
  return 0;
}

int LuaSetRepl(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseError(L, "ERR redis.set_repl() requires one argument.");
  int flags = static_cast<int>(lua_tonumber(L, 1));
  if (flags < 0 || flags > 3) {
    return RaiseError(
        L, "ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
  }
  return 0;
}

int LuaReplicateCommands(lua_State* L) {
  lua_pushboolean(L, 1);
  return 1;
}
int LuaBreakpoint(lua_State* L) {
  lua_pushboolean(L, 0);
  return 1;
}
int LuaDebug(lua_State*) { return 0; }

// EVAL's and FCALL's numkeys (argument 2), checked against the arguments given; false after
// replying. The two commands word a non-number differently.
bool ParseNumKeys(CommandContext& ctx, std::string_view not_integer_error, int64_t* numkeys) {
  if (!ParseInt64(ctx.arg(2), numkeys)) {
    ctx.reply.Error(not_integer_error);
    return false;
  }
  if (*numkeys < 0) {
    ctx.reply.Error("ERR Number of keys can't be negative");
    return false;
  }
  if (*numkeys > static_cast<int64_t>(ctx.argc()) - 3) {
    ctx.reply.Error("ERR Number of keys can't be greater than number of args");
    return false;
  }
  return true;
}

int LuaAclCheckCmd(lua_State* L) { return Self(L)->AclCheckCmd(L); }

void Hook(lua_State* L, lua_Debug*) {
  lua_getfield(L, LUA_REGISTRYINDEX, kSelfKey);
  auto* self = static_cast<Scripting*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  self->OnHook(L);
}

void SetFunction(lua_State* L, Scripting* self, const char* name, lua_CFunction fn) {
  lua_pushlightuserdata(L, self);
  lua_pushcclosure(L, fn, 1);
  lua_setfield(L, -2, name);
}

void SetNumber(lua_State* L, const char* name, double v) {
  lua_pushnumber(L, v);
  lua_setfield(L, -2, name);
}

// Parses "#!lua flags=a,b" (EVAL) into flags. Returns "" or Redis's error text.
std::string ParseEvalShebang(const std::string& body, uint64_t* flags, size_t* first_line_len) {
  *flags = kScriptNoShebang;
  *first_line_len = 0;
  if (body.compare(0, 2, "#!") != 0) return "";
  size_t eol = body.find('\n');
  std::string line = body.substr(0, eol);
  *first_line_len = line.size();
  *flags = 0;
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos <= line.size()) {
    size_t sp = line.find(' ', pos);
    if (sp == std::string::npos) sp = line.size();
    parts.push_back(line.substr(pos, sp - pos));
    pos = sp + 1;
  }
  if (parts[0] != "#!lua") return "ERR Unexpected engine in script shebang: " + parts[0];
  for (size_t i = 1; i < parts.size(); i++) {
    if (parts[i].empty()) continue;
    if (parts[i].compare(0, 6, "flags=") != 0) {
      return "ERR Unknown lua shebang option: " + parts[i];
    }
    std::string list = parts[i].substr(6);
    size_t p = 0;
    while (p < list.size()) {
      size_t comma = list.find(',', p);
      if (comma == std::string::npos) comma = list.size();
      std::string flag = list.substr(p, comma - p);
      p = comma + 1;
      if (flag == "no-writes")
        *flags |= kScriptNoWrites;
      else if (flag == "allow-oom")
        *flags |= kScriptAllowOom;
      else if (flag == "allow-stale")
        *flags |= kScriptAllowStale;
      else if (flag == "no-cluster")
        *flags |= kScriptNoCluster;
      else if (flag == "allow-cross-slot-keys")
        *flags |= kScriptAllowCrossSlot;
      else
        return "ERR Unexpected flag in script shebang: " + flag;
    }
  }
  return "";
}

}  // namespace

// ---- States --------------------------------------------------------------------------------

Scripting::Scripting(Server* server) : server_(server) {
  script_client_ = server_->CreateFakeClient();
  script_client_id_ = script_client_->id();
  random_state_ = LuaInitialRandomState();
  script_client_->flags |= kClientInScript | kClientDenyBlocking;
  eval_lua_ = NewState(false);
  func_lua_ = NewState(true);
}

Scripting::~Scripting() {
  if (eval_lua_ != nullptr) lua_close(eval_lua_);
  if (func_lua_ != nullptr) lua_close(func_lua_);
  // Server::Stop frees every client, fake ones included; free ours only if it is still there.
  if (server_->FindClient(script_client_id_) == script_client_) {
    server_->FreeFakeClient(script_client_);
  }
}

lua_State* Scripting::NewState(bool functions) {
  lua_State* L = LuaSandboxCreate();
  lua_pushlightuserdata(L, this);
  lua_setfield(L, LUA_REGISTRYINDEX, kSelfKey);
  lua_newtable(L);
  SetFunction(L, this, "call", LuaRedisCall);
  SetFunction(L, this, "pcall", LuaRedisPcall);
  SetFunction(L, this, "error_reply", LuaErrorReply);
  SetFunction(L, this, "status_reply", LuaStatusReply);
  SetFunction(L, this, "sha1hex", LuaSha1Hex);
  SetFunction(L, this, "log", LuaLog);
  SetFunction(L, this, "setresp", LuaSetResp);
  SetFunction(L, this, "set_repl", LuaSetRepl);
  SetFunction(L, this, "replicate_commands", LuaReplicateCommands);
  SetFunction(L, this, "breakpoint", LuaBreakpoint);
  SetFunction(L, this, "debug", LuaDebug);
  SetFunction(L, this, "acl_check_cmd", LuaAclCheckCmd);
  SetNumber(L, "LOG_DEBUG", 0);
  SetNumber(L, "LOG_VERBOSE", 1);
  SetNumber(L, "LOG_NOTICE", 2);
  SetNumber(L, "LOG_WARNING", 3);
  SetNumber(L, "REPL_NONE", 0);
  SetNumber(L, "REPL_AOF", 1);
  SetNumber(L, "REPL_SLAVE", 2);
  SetNumber(L, "REPL_REPLICA", 2);
  SetNumber(L, "REPL_ALL", 3);
  lua_pushstring(L, "7.0.15");
  lua_setfield(L, -2, "REDIS_VERSION");
  SetNumber(L, "REDIS_VERSION_NUM", 0x07000f);
  lua_setglobal(L, "redis");
  if (!functions) {
    lua_newtable(L);
    LuaRawSetGlobal(L, "KEYS");
    lua_newtable(L);
    LuaRawSetGlobal(L, "ARGV");
  }
  LuaSandboxSeal(L);
  if (functions) {
    // Library code runs with an environment that sees only the library API (a `redis` table
    // with register_function and log); functions run with the full globals. The environment's
    // metatable __index is switched between the two.
    LuaPushScriptEnv(L);
    lua_getmetatable(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, kLoadEnvMetaKey);
    lua_pop(L, 1);
    lua_newtable(L);  // the library API globals
    lua_newtable(L);  // its `redis`
    SetFunction(L, this, "register_function", LuaRegisterFunction);
    SetFunction(L, this, "log", LuaLog);
    SetNumber(L, "LOG_DEBUG", 0);
    SetNumber(L, "LOG_VERBOSE", 1);
    SetNumber(L, "LOG_NOTICE", 2);
    SetNumber(L, "LOG_WARNING", 3);
    lua_pushstring(L, "7.0.15");
    lua_setfield(L, -2, "REDIS_VERSION");
    SetNumber(L, "REDIS_VERSION_NUM", 0x07000f);
    lua_newtable(L);  // missing fields of the API's redis table are errors too
    lua_getmetatable(L, LUA_GLOBALSINDEX);
    lua_getfield(L, -1, "__index");
    lua_setfield(L, -3, "__index");
    lua_pop(L, 1);
    lua_setmetatable(L, -2);
    lua_setfield(L, -2, "redis");
    lua_newtable(L);  // the API globals' metatable: missing globals are errors
    lua_getmetatable(L, LUA_GLOBALSINDEX);
    lua_getfield(L, -1, "__index");
    lua_setfield(L, -3, "__index");
    lua_pop(L, 1);
    lua_setmetatable(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, "__redsim_library_api");
  }
  lua_sethook(L, Hook, LUA_MASKCOUNT, kHookInstructions);
  return L;
}

void Scripting::ResetEvalState() {
  lua_close(eval_lua_);
  scripts_.clear();
  eval_lua_ = NewState(false);
}

void Scripting::ResetFunctionState() {
  lua_close(func_lua_);
  functions_.clear();
  libraries_.clear();
  func_lua_ = NewState(true);
}

namespace {
uint64_t VmBytes(lua_State* L) {
  return static_cast<uint64_t>(lua_gc(L, LUA_GCCOUNT, 0)) * 1024 +
         static_cast<uint64_t>(lua_gc(L, LUA_GCCOUNTB, 0));
}
}  // namespace

uint64_t Scripting::EvalVmBytes() const { return VmBytes(eval_lua_); }
uint64_t Scripting::FunctionVmBytes() const { return VmBytes(func_lua_); }

// ---- EVAL ----------------------------------------------------------------------------------

std::string Scripting::CompileScript(const std::string& body, const std::string& sha,
                                     Script** out) {
  uint64_t flags;
  size_t first_line_len;
  std::string error = ParseEvalShebang(body, &flags, &first_line_len);
  if (!error.empty()) return error;
  // The shebang line is blanked, not removed, so line numbers in errors match the source.
  std::string code = first_line_len > 0 ? body.substr(first_line_len) : body;
  lua_State* L = eval_lua_;
  if (LuaLoadText(L, code.data(), code.size(), "@user_script") != 0) {
    std::string msg = lua_tostring(L, -1);
    lua_pop(L, 1);
    return "ERR Error compiling script (new function): " + msg;
  }
  LuaPushScriptEnv(L);
  lua_setfenv(L, -2);
  Script& s = scripts_[sha];
  s.body = body;
  s.flags = flags;
  s.ref = luaL_ref(L, LUA_REGISTRYINDEX);
  *out = &s;
  return "";
}

void Scripting::Eval(CommandContext& ctx, bool by_sha, bool read_only) {
  // EVALSHA looks the script up before it reads numkeys (EVAL reads numkeys before compiling).
  if (by_sha && scripts_.find(ToLower(ctx.arg(1))) == scripts_.end()) {
    ctx.reply.Error("NOSCRIPT No matching script. Please use EVAL.");
    return;
  }
  int64_t numkeys;
  if (!ParseNumKeys(ctx, err::kNotInteger, &numkeys)) return;
  std::string sha;
  Script* script = nullptr;
  if (by_sha) {
    sha = ToLower(ctx.arg(1));
  } else {
    sha = Sha1Hex(ctx.arg(1));
  }
  auto it = scripts_.find(sha);
  if (it != scripts_.end()) {
    script = &it->second;
  } else if (by_sha) {
    ctx.reply.Error("NOSCRIPT No matching script. Please use EVAL.");
    return;
  } else {
    std::string error = CompileScript(std::string(ctx.arg(1)), sha, &script);
    if (!error.empty()) {
      ctx.reply.Error(error);
      return;
    }
  }
  if (read_only && !(script->flags & (kScriptNoWrites | kScriptNoShebang))) {
    ctx.reply.Error("ERR Can not execute a script with write flag using *_ro command.");
    return;
  }
  bool ro = read_only || (script->flags & kScriptNoWrites);
  Run(ctx, eval_lua_, script->ref, sha, true, script->flags, ro, static_cast<size_t>(numkeys));
}

// Replies the error object on top of L (a table {err, line, source} from LuaErrorHandler, or a
// plain value) with Redis's suffix " script: <name>, on <source>:<line>."
static void ReplyScriptError(lua_State* L, const std::string& name, bool is_eval,
                             ReplyBuilder& reply) {
  std::string text;
  int64_t line = 0;
  // Where the error was raised: the script itself, or a chunk it loaded (its source text).
  std::string source = is_eval ? "@user_script" : "@user_function";
  if (lua_istable(L, -1)) {
    lua_getfield(L, -1, "err");
    text = lua_tostring(L, -1) != nullptr ? lua_tostring(L, -1) : "ERR unknown error";
    lua_getfield(L, -2, "line");
    line = static_cast<int64_t>(lua_tonumber(L, -1));
    lua_getfield(L, -3, "source");
    if (lua_type(L, -1) == LUA_TSTRING && lua_objlen(L, -1) > 0) source = lua_tostring(L, -1);
    for (char& ch : source) {
      if (ch == '\r' || ch == '\n') ch = ' ';
    }
    lua_pop(L, 3);
  } else {
    const char* s = lua_tostring(L, -1);
    text = std::string("ERR ") + (s != nullptr ? s : "unknown error");
  }
  for (char& ch : text) {
    if (ch == '\r' || ch == '\n') ch = ' ';
  }
  reply.Error(text + " script: " + name + ", on " + source + ":" + std::to_string(line) + ".");
}

void Scripting::Run(CommandContext& ctx, lua_State* L, int ref, const std::string& name,
                    bool is_eval, uint64_t flags, bool read_only, size_t numkeys) {
  Client* c = ctx.client;
  // A script that declared it may write, without allow-oom, does not start over maxmemory (the
  // dispatcher refuses it already; this catches one queued in MULTI whose flags changed).
  bool declared = !(flags & kScriptNoShebang);
  if (declared && !(flags & (kScriptAllowOom | kScriptNoWrites)) && MemoryWasFull(c)) {
    ctx.reply.Error(err::kOom);
    return;
  }
  lua_settop(L, 0);
  // Arguments: KEYS and ARGV globals for EVAL, (keys, args) parameters for functions.
  lua_createtable(L, static_cast<int>(numkeys), 0);
  for (size_t i = 0; i < numkeys; i++) {
    lua_pushlstring(L, ctx.arg(3 + i).data(), ctx.arg(3 + i).size());
    lua_rawseti(L, -2, static_cast<int>(i + 1));
  }
  size_t nargs = ctx.argc() - 3 - numkeys;
  lua_createtable(L, static_cast<int>(nargs), 0);
  for (size_t i = 0; i < nargs; i++) {
    std::string_view a = ctx.arg(3 + numkeys + i);
    lua_pushlstring(L, a.data(), a.size());
    lua_rawseti(L, -2, static_cast<int>(i + 1));
  }
  int call_args = 2;
  if (is_eval) {
    LuaRawSetGlobal(L, "ARGV");
    LuaRawSetGlobal(L, "KEYS");
    call_args = 0;
  }
  lua_pushcfunction(L, LuaErrorHandler);
  int handler_index = lua_gettop(L);
  lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
  if (!is_eval) {
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
  }

  RunContext run;
  run.caller = c;
  run.name = name;
  run.is_eval = is_eval;
  run.read_only = read_only;
  run.allow_oom = declared && (flags & kScriptAllowOom);
  // Scripts without a shebang may touch keys of several slots, as before Redis 7.
  run.allow_cross_slot = !declared || (flags & kScriptAllowCrossSlot);
  run.slot = server_->cluster() != nullptr ? server_->ClusterSlotOf(ctx.cmd, ctx.args) : -1;
  run.start_us = server_->env()->NowMicros();
  for (size_t i = 0; i < std::min<size_t>(ctx.argc(), 16); i++)
    run.command.emplace_back(ctx.arg(i));
  script_client_->db = c->db;
  script_client_->db_index = c->db_index;
  script_client_->resp = 2;
  run_ = &run;
  server_->FreezeTime();
  server_->BeginExecPropagation();
  LuaSetRandomState(&random_state_);

  int status = lua_pcall(L, call_args, 1, handler_index);

  server_->EndExecPropagation();
  server_->UnfreezeTime();
  run_ = nullptr;
  c->flags &= ~kClientProtected;
  if (run.timed_out || run.killed) {
    lua_sethook(L, Hook, LUA_MASKCOUNT, kHookInstructions);
    server_->log().Warning("Slow script detected: script finished after {} milliseconds.",
                           (server_->env()->NowMicros() - run.start_us) / 1000);
  }
  if (status != 0) {
    ReplyScriptError(L, name, is_eval, ctx.reply);
  } else {
    LuaToReply(L, lua_gettop(L), ctx.reply, run.resp);
  }
  lua_settop(L, 0);
  // The script's writes were propagated as themselves; the EVAL/FCALL never is.
  ctx.PropagateAs({});
  // Free garbage a little at a time, as Redis does after each script.
  lua_gc(L, LUA_GCSTEP, 1);
  busy_clients_.clear();
}

// The Lua arguments 1..argc as call_args_ (views into Lua's strings, valid while they stay on
// the stack); false when one is neither a string nor a number.
bool Scripting::CollectCallArgs(lua_State* L, int argc) {
  call_args_.clear();
  for (int i = 1; i <= argc; i++) {
    int t = lua_type(L, i);
    if (t != LUA_TSTRING && t != LUA_TNUMBER) return false;
    size_t len;
    const char* s = lua_tolstring(L, i, &len);  // numbers become strings in place (%.14g)
    call_args_.emplace_back(s, len);
  }
  return true;
}

int Scripting::LuaCall(lua_State* L, bool raise) {
  auto fail = [&](const std::string& text) {
    if (raise) return RaiseError(L, text);
    LuaPushErrorTable(L, text);
    return 1;
  };
  if (run_ == nullptr) return fail("ERR redis.call can only be called from a running script");
  int argc = lua_gettop(L);
  if (argc == 0) return fail("ERR Please specify at least one argument for this redis lib call");
  if (!CollectCallArgs(L, argc)) {
    return fail("ERR Lua redis lib command arguments must be strings or integers");
  }
  std::string error;
  if (!Execute(call_args_, &error)) return fail(error);
  std::string& buf = script_client_->reply_buffer();
  RespValue value;
  size_t consumed = 0;
  std::string parse_error;
  if (ReplyParser::Parse(buf.data(), buf.size(), &value, &consumed, &parse_error) !=
      ReplyParser::Result::kOk) {
    buf.clear();
    return fail("ERR reply of the command could not be read by the script");
  }
  buf.clear();
  if (value.is_error() && raise) return RaiseError(L, value.str);
  RespToLua(L, value, run_->resp);
  return 1;
}

// redis.acl_check_cmd(command [, arg...]): whether the script's user may run the command with
// those arguments (no log entry, no arity check; an unknown command or subcommand is an error).
int Scripting::AclCheckCmd(lua_State* L) {
  int argc = lua_gettop(L);
  if (argc < 1) {
    return RaiseError(L, "ERR Please specify at least one argument for this redis lib call");
  }
  if (!CollectCallArgs(L, argc)) {
    return RaiseError(L, "ERR Lua redis lib command arguments must be strings or integers");
  }
  const Command* cmd = FindScriptCommand(call_args_);
  if (cmd == nullptr) return RaiseError(L, "ERR Invalid command passed to redis.acl_check_cmd()");
  bool allowed = true;
  if (run_ != nullptr && !run_->caller->has(kClientMaster)) {
    Acl& acl = server_->acl();
    int denied_arg = 0;
    allowed = acl.Check(acl.UserOf(run_->caller), cmd, call_args_, &denied_arg) == AclResult::kOk;
  }
  lua_pushboolean(L, allowed ? 1 : 0);
  return 1;
}

Command* Scripting::FindScriptCommand(const std::vector<std::string_view>& args) const {
  CommandTable& table = server_->commands();
  Command* cmd = table.Find(args[0]);
  if (cmd != nullptr && cmd->has_subcommands() && args.size() > 1) {
    cmd = table.FindSubcommand(cmd, args[1]);
  }
  return cmd;
}

bool Scripting::Execute(const std::vector<std::string_view>& args, std::string* error) {
  CommandTable& table = server_->commands();
  Command* cmd = table.Find(args[0]);
  if (cmd != nullptr && cmd->has_subcommands() && args.size() > 1) {
    Command* sub = table.FindSubcommand(cmd, args[1]);
    if (sub == nullptr) {
      *error = err::UnknownSubcommand(args[1], cmd->name);
      return false;
    }
    cmd = sub;
  }
  if (cmd == nullptr || cmd->handler == nullptr) {
    *error = "ERR Unknown Redis command called from script";
    return false;
  }
  int argc = static_cast<int>(args.size());
  if ((cmd->arity > 0 && cmd->arity != argc) || (cmd->arity < 0 && argc < -cmd->arity)) {
    *error = "ERR Wrong number of args calling Redis command from script";
    return false;
  }
  if (cmd->is(kCmdNoScript)) {
    *error = "ERR This Redis command is not allowed from script";
    return false;
  }
  // The script runs as its caller's user (a primary's link runs as no user, as at top level);
  // denials are logged on the caller with context "lua", and worded as Redis words them.
  if (!run_->caller->has(kClientMaster) && !server_->loading()) {
    switch (server_->acl().CheckAndLog(run_->caller, cmd, args, /*in_script=*/true)) {
      case AclResult::kOk:
        break;
      case AclResult::kDeniedCommand:
        *error = "ERR The user executing the script can't run this command or subcommand";
        return false;
      case AclResult::kDeniedKey:
        *error =
            "ERR The user executing the script can't access at least one of the keys mentioned "
            "in the command arguments";
        return false;
      case AclResult::kDeniedChannel:
        *error =
            "ERR The user executing the script can't publish to the channel mentioned in "
            "the command";
        return false;
    }
  }
  if (cmd->is(kCmdWrite)) {
    if (run_->read_only) {
      *error = "ERR Write commands are not allowed from read-only scripts.";
      return false;
    }
    if (server_->replication()->is_replica() && server_->config().replica_read_only &&
        !run_->caller->has(kClientMaster)) {
      *error = std::string(err::kNoWriteReplica);
      return false;
    }
  }
  // Over maxmemory, a deny-oom command fails unless the script declared allow-oom or already
  // called a write command (a script cannot be stopped halfway through its writes).
  if (cmd->is(kCmdDenyOom) && !run_->allow_oom && !run_->write_called &&
      MemoryWasFull(run_->caller)) {
    *error = std::string(err::kOom);
    return false;
  }
  if (server_->cluster() != nullptr && !run_->caller->has(kClientMaster) && !server_->loading()) {
    *error =
        server_->ClusterScriptCheck(run_->caller, cmd, args, run_->allow_cross_slot, &run_->slot);
    if (!error->empty()) return false;
  }
  if (cmd->is(kCmdWrite)) run_->write_called = true;
  Client* fake = script_client_;
  fake->resp = run_->resp;
  fake->reply_buffer().clear();
  ReplyBuilder reply = server_->ReplyTo(fake);
  CommandContext ctx{server_, fake, cmd, args, reply};
  uint64_t dirty_before = server_->dirty;
  server_->Call(ctx);
  if (server_->dirty != dirty_before) run_->wrote = true;
  return true;
}

// ---- Memory limit ---------------------------------------------------------------------------

bool Scripting::MemoryWasFull(const Client* caller) const {
  return server_->config().maxmemory > 0 && server_->oom_before_command() &&
         !caller->has(kClientMaster) && !server_->loading();
}

bool Scripting::DeclaredFlagsDenyOom(const Command* cmd, std::string_view arg1) const {
  const std::string& n = cmd->name;
  uint64_t flags;
  if (n == "fcall" || n == "fcall_ro") {
    auto it = functions_.find(std::string(arg1));
    if (it == functions_.end()) return false;
    flags = it->second.second->flags;
  } else if (n == "evalsha" || n == "evalsha_ro") {
    if (arg1.size() != 40) return false;
    auto it = scripts_.find(ToLower(arg1));
    if (it == scripts_.end()) return false;
    flags = it->second.flags;
  } else if (n == "eval" || n == "eval_ro") {
    auto it = scripts_.find(Sha1Hex(arg1));
    if (it != scripts_.end()) {
      flags = it->second.flags;
    } else {
      size_t first_line_len;
      if (!ParseEvalShebang(std::string(arg1), &flags, &first_line_len).empty()) return false;
    }
  } else {
    return false;
  }
  if (flags & kScriptNoShebang) return false;
  return !(flags & (kScriptAllowOom | kScriptNoWrites));
}

// ---- Busy scripts --------------------------------------------------------------------------

bool Scripting::busy() const { return run_ != nullptr && run_->timed_out; }

void Scripting::OnHook(lua_State* L) {
  RunContext* run = run_;
  if (run == nullptr) {
    if (LoadTimedOut()) RaiseError(L, "ERR FUNCTION LOAD timeout");
    return;
  }
  if (!run->timed_out) {
    int64_t threshold_ms = server_->config().busy_reply_threshold;
    int64_t elapsed_ms = (server_->env()->NowMicros() - run->start_us) / 1000;
    if (threshold_ms <= 0 || elapsed_ms < threshold_ms) return;
    run->timed_out = true;
    run->caller->flags |= kClientProtected;
    server_->log().Warning(
        "Slow script detected: still in execution after {} milliseconds. You can try killing "
        "the script using the {} command. Script name is: {}.",
        elapsed_ms, run->is_eval ? "SCRIPT KILL" : "FUNCTION KILL", run->name);
  }
  server_->env()->PollIoWhileBusy();
  FlushBusyClients();
  if (run->killed || server_->shutting_down()) {
    run->killed = true;
    // Fire on every instruction from now on, so a pcall in the script cannot swallow the kill.
    lua_sethook(L, Hook, LUA_MASKCOUNT, 1);
    // Redis words it this way for functions too.
    RaiseError(L, "ERR Script killed by user with SCRIPT KILL...");
  }
}

void Scripting::NoteCommandWhileBusy(Client* c) {
  if (!busy()) return;
  if (std::find(busy_clients_.begin(), busy_clients_.end(), c) == busy_clients_.end()) {
    busy_clients_.push_back(c);
  }
}

const char* Scripting::BusyRejection(Command* cmd, const std::vector<std::string_view>& args) {
  if (!busy()) return nullptr;
  bool allowed = cmd->is(kCmdAllowBusy);
  if (cmd->name == "shutdown") {
    allowed = false;
    for (size_t i = 1; i < args.size(); i++) {
      if (EqualsIgnoreCase(args[i], "nosave")) allowed = true;
    }
  }
  if (allowed) return nullptr;
  return run_->is_eval ? kBusyEval : kBusyFunction;
}

void Scripting::FlushBusyClients() {
  for (Client* c : busy_clients_) {
    if (!c->has(kClientCloseAsap)) c->FlushOutput();
  }
  busy_clients_.clear();
}

void Scripting::Kill(CommandContext& ctx, bool eval) {
  if (run_ == nullptr) {
    ctx.reply.Error("NOTBUSY No scripts in execution right now.");
    return;
  }
  if (run_->is_eval != eval) {
    // SCRIPT KILL cannot stop a function, nor FUNCTION KILL a script: the error says which
    // command would.
    ctx.reply.Error(run_->is_eval ? kBusyEval : kBusyFunction);
    return;
  }
  if (run_->wrote) {
    ctx.reply.Error(
        "UNKILLABLE Sorry the script already executed write commands against the dataset. You "
        "can either wait the script termination or kill the server in a hard way using the "
        "SHUTDOWN NOSAVE command.");
    return;
  }
  run_->killed = true;
  ctx.reply.Ok();
}

// ---- SCRIPT ---------------------------------------------------------------------------------

void Scripting::ScriptCommand(CommandContext& ctx) {
  std::string sub = ToLower(ctx.arg(1));
  if (sub == "load") {
    std::string body(ctx.arg(2));
    std::string sha = Sha1Hex(body);
    if (scripts_.find(sha) == scripts_.end()) {
      Script* script;
      std::string error = CompileScript(body, sha, &script);
      if (!error.empty()) {
        ctx.reply.Error(error);
        return;
      }
    }
    ctx.reply.Bulk(sha);
    ctx.PropagateAs({});
  } else if (sub == "exists") {
    ctx.reply.ArrayHeader(static_cast<int64_t>(ctx.argc() - 2));
    for (size_t i = 2; i < ctx.argc(); i++) {
      ctx.reply.Integer(scripts_.count(ToLower(ctx.arg(i))) ? 1 : 0);
    }
  } else if (sub == "flush") {
    if (ctx.argc() > 3 || (ctx.argc() == 3 && !EqualsIgnoreCase(ctx.arg(2), "sync") &&
                           !EqualsIgnoreCase(ctx.arg(2), "async"))) {
      ctx.reply.Error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
      return;
    }
    ResetEvalState();
    ctx.reply.Ok();
  } else if (sub == "kill") {
    Kill(ctx, true);
  }
}

void Scripting::FCall(CommandContext& ctx, bool read_only) {
  auto it = functions_.find(std::string(ctx.arg(1)));
  if (it == functions_.end()) {
    ctx.reply.Error("ERR Function not found");
    return;
  }
  int64_t numkeys;
  if (!ParseNumKeys(ctx, "ERR Bad number of keys provided", &numkeys)) return;
  Function* fn = it->second.second;
  if (read_only && !(fn->flags & kScriptNoWrites)) {
    ctx.reply.Error("ERR Can not execute a script with write flag using *_ro command.");
    return;
  }
  bool ro = read_only || (fn->flags & kScriptNoWrites);
  // Functions see the full globals (library code saw only the library API).
  lua_State* L = func_lua_;
  lua_getfield(L, LUA_REGISTRYINDEX, kLoadEnvMetaKey);
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  std::string name = fn->name;
  Run(ctx, L, fn->ref, name, false, fn->flags, ro, static_cast<size_t>(numkeys));
}

}  // namespace redsim
