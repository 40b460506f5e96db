// Functions: FUNCTION LOAD|LIST|DELETE|FLUSH|DUMP|RESTORE|STATS|KILL and
// redis.register_function. Libraries live in the functions Lua state (see scripting.h).
//
// A library's code runs once, at load, with an environment that only has the library API; the
// functions it registers keep that environment, whose reads are then switched to the full
// globals. A load that fails changes nothing.
#include <algorithm>

#include "engine/base/strutil.h"
#include "engine/persistence/rdb_codec.h"
#include "engine/scripting/lua_sandbox.h"
#include "engine/scripting/scripting.h"
#include "engine/server/command_context.h"

namespace redsim {
namespace {

constexpr uint8_t kRdbOpcodeFunction2 = 245;
constexpr int64_t kLoadTimeoutMs = 500;

const std::vector<std::pair<uint64_t, const char*>>& FlagNames() {
  static const std::vector<std::pair<uint64_t, const char*>> names = {
      {kScriptNoWrites, "no-writes"},
      {kScriptAllowOom, "allow-oom"},
      {kScriptAllowStale, "allow-stale"},
      {kScriptNoCluster, "no-cluster"},
      {kScriptAllowCrossSlot, "allow-cross-slot-keys"},
  };
  return names;
}

bool ValidName(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_';
  });
}

int RaiseError(lua_State* L, const std::string& text) {
  LuaPushErrorTable(L, text);
  return lua_error(L);
}

}  // namespace

int Scripting::RegisterFunction(lua_State* L) {
  Library* lib = loading_library_;
  if (lib == nullptr) {
    return RaiseError(L, "ERR redis.register_function can only be called on FUNCTION LOAD command");
  }
  Function fn;
  int callback_index = 0;
  int argc = lua_gettop(L);
  if (argc == 1) {
    if (!lua_istable(L, 1)) {
      return RaiseError(L,
                        "ERR calling redis.register_function with a single argument is only "
                        "applicable to Lua table (representing named arguments).");
    }
    lua_pushnil(L);
    while (lua_next(L, 1) != 0) {
      const char* key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";
      std::string k = key;
      if (k == "function_name" && lua_type(L, -1) == LUA_TSTRING) {
        fn.name = lua_tostring(L, -1);
      } else if (k == "callback") {
        // Read after the loop (lua_getfield below).
      } else if (k == "description" && lua_type(L, -1) == LUA_TSTRING) {
        fn.has_description = true;
        fn.description = lua_tostring(L, -1);
      } else if (k == "flags" && lua_istable(L, -1)) {
        int flags_table = lua_gettop(L);
        for (int i = 1;; i++) {
          lua_rawgeti(L, flags_table, i);
          if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            break;
          }
          std::string flag = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
          lua_pop(L, 1);
          uint64_t bit = 0;
          for (const auto& [b, n] : FlagNames()) {
            if (flag == n) bit = b;
          }
          if (bit == 0) return RaiseError(L, "ERR unknown flag given");
          fn.flags |= bit;
        }
      } else {
        return RaiseError(L, "ERR unknown argument given to redis.register_function");
      }
      lua_pop(L, 1);
    }
    lua_getfield(L, 1, "callback");
    callback_index = lua_gettop(L);
  } else if (argc == 2) {
    if (lua_type(L, 1) != LUA_TSTRING) {
      return RaiseError(L, "ERR first argument to redis.register_function must be a string");
    }
    fn.name = lua_tostring(L, 1);
    callback_index = 2;
  } else {
    return RaiseError(L, "ERR wrong number of arguments to redis.register_function");
  }
  if (fn.name.empty()) {
    return RaiseError(L, "ERR redis.register_function must get a function name argument");
  }
  if (!lua_isfunction(L, callback_index)) {
    return RaiseError(L, "ERR redis.register_function must get a callback argument");
  }
  if (!ValidName(fn.name)) {
    return RaiseError(L,
                      "ERR Function names can only contain letters, numbers, or underscores(_) "
                      "and must be at least one character long");
  }
  if (lib->functions.count(fn.name)) {
    return RaiseError(L, "ERR Function already exists in the library");
  }
  lua_pushvalue(L, callback_index);
  fn.ref = luaL_ref(L, LUA_REGISTRYINDEX);
  std::string name = fn.name;
  lib->functions.emplace(name, std::move(fn));
  return 0;
}

std::string Scripting::LoadLibrary(const std::string& code, bool replace, std::string* name_out) {
  if (code.compare(0, 2, "#!") != 0) return "ERR Missing library metadata";
  size_t eol = code.find('\n');
  std::string line = code.substr(0, eol);
  std::vector<std::string> parts;
  for (size_t pos = 2; pos <= line.size();) {
    size_t sp = line.find(' ', pos);
    if (sp == std::string::npos) sp = line.size();
    parts.push_back(line.substr(pos, sp - pos));
    pos = sp + 1;
  }
  if (parts.empty() || !EqualsIgnoreCase(parts[0], "lua")) {
    return "ERR Engine '" + (parts.empty() ? std::string() : parts[0]) + "' not found";
  }
  std::string name;
  bool named = false;
  for (size_t i = 1; i < parts.size(); i++) {
    if (parts[i].compare(0, 5, "name=") != 0) {
      return "ERR Invalid metadata value given: " + parts[i];
    }
    name = parts[i].substr(5);
    named = true;
  }
  if (!named) return "ERR Library name was not given";
  if (!ValidName(name)) {
    return "ERR Library names can only contain letters, numbers, or underscores(_) and must be "
           "at least one character long";
  }
  auto existing = libraries_.find(name);
  if (existing != libraries_.end() && !replace) {
    return "ERR Library '" + name + "' already exists";
  }
  lua_State* L = func_lua_;
  lua_settop(L, 0);
  std::string body = code.substr(line.size());
  if (LuaLoadText(L, body.data(), body.size(), "@user_function") != 0) {
    std::string msg = lua_tostring(L, -1);
    lua_settop(L, 0);
    return "ERR Error compiling function: " + msg;
  }
  LuaPushScriptEnv(L);
  lua_setfenv(L, -2);
  // Library code sees only the library API.
  lua_getfield(L, LUA_REGISTRYINDEX, "__redsim_env_meta");
  lua_getfield(L, LUA_REGISTRYINDEX, "__redsim_library_api");
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);

  auto lib = std::make_unique<Library>();
  lib->name = name;
  lib->code = code;
  loading_library_ = lib.get();
  load_start_us_ = server_->env()->NowMicros();
  LuaSetRandomState(&random_state_);
  lua_pushcfunction(L, LuaErrorHandler);
  lua_insert(L, 1);
  int status = lua_pcall(L, 0, 0, 1);
  loading_library_ = nullptr;
  std::string error;
  if (status != 0) {
    lua_getfield(L, -1, "err");
    const char* s = lua_tostring(L, -1);
    error = "ERR Error registering functions: " + std::string(s != nullptr ? s : "unknown error");
  } else if (lib->functions.empty()) {
    error = "ERR No functions registered";
  } else {
    for (const auto& [fname, fn] : lib->functions) {
      auto it = functions_.find(fname);
      if (it != functions_.end() && it->second.first->name != name) {
        error = "ERR Function " + fname + " already exists";
        break;
      }
    }
  }
  lua_settop(L, 0);
  if (!error.empty()) {
    for (auto& [fname, fn] : lib->functions) luaL_unref(L, LUA_REGISTRYINDEX, fn.ref);
    return error;
  }
  if (existing != libraries_.end()) DeleteLibrary(name);
  Library* raw = lib.get();
  libraries_[name] = std::move(lib);
  for (auto& [fname, fn] : raw->functions) functions_[fname] = {raw, &fn};
  *name_out = name;
  return "";
}

void Scripting::DeleteLibrary(const std::string& name) {
  auto it = libraries_.find(name);
  if (it == libraries_.end()) return;
  for (auto& [fname, fn] : it->second->functions) {
    functions_.erase(fname);
    luaL_unref(func_lua_, LUA_REGISTRYINDEX, fn.ref);
  }
  libraries_.erase(it);
}

void Scripting::FunctionCommand(CommandContext& ctx) {
  std::string sub = ToLower(ctx.arg(1));
  if (sub == "load") {
    FunctionLoad(ctx);
  } else if (sub == "list") {
    FunctionList(ctx);
  } else if (sub == "delete") {
    std::string name(ctx.arg(2));
    if (libraries_.find(name) == libraries_.end()) {
      ctx.reply.Error("ERR Library not found");
      return;
    }
    DeleteLibrary(name);
    server_->dirty++;
    ctx.reply.Ok();
  } else if (sub == "flush") {
    if (ctx.argc() > 3) {
      ctx.reply.Error(
          "ERR unknown subcommand or wrong number of arguments for 'flush'. Try "
          "FUNCTION HELP.");
      return;
    }
    if (ctx.argc() == 3 && !EqualsIgnoreCase(ctx.arg(2), "sync") &&
        !EqualsIgnoreCase(ctx.arg(2), "async")) {
      ctx.reply.Error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
      return;
    }
    ResetFunctionState();
    server_->dirty++;
    ctx.reply.Ok();
  } else if (sub == "dump") {
    FunctionDump(ctx);
  } else if (sub == "restore") {
    FunctionRestore(ctx);
  } else if (sub == "stats") {
    FunctionStats(ctx);
  } else if (sub == "kill") {
    Kill(ctx, false);
  }
}

void Scripting::FunctionLoad(CommandContext& ctx) {
  bool replace = false;
  size_t i = 2;
  if (ctx.argc() > 3) {
    if (!EqualsIgnoreCase(ctx.arg(2), "replace")) {
      ctx.reply.Error("ERR Unknown option given: " + std::string(ctx.arg(2)));
      return;
    }
    replace = true;
    i = 3;
  }
  if (i + 1 != ctx.argc()) {
    ctx.reply.Error("ERR Function code was not given");
    return;
  }
  std::string name;
  std::string error = LoadLibrary(std::string(ctx.arg(i)), replace, &name);
  if (!error.empty()) {
    ctx.reply.Error(error);
    return;
  }
  server_->dirty++;
  ctx.reply.Bulk(name);
}

void Scripting::FunctionList(CommandContext& ctx) {
  bool with_code = false;
  std::string pattern;
  bool has_pattern = false;
  for (size_t i = 2; i < ctx.argc(); i++) {
    if (EqualsIgnoreCase(ctx.arg(i), "withcode") && !with_code) {
      with_code = true;
    } else if (EqualsIgnoreCase(ctx.arg(i), "libraryname") && !has_pattern) {
      if (i + 1 >= ctx.argc()) {
        ctx.reply.Error("ERR library name argument was not given");
        return;
      }
      pattern = std::string(ctx.arg(++i));
      has_pattern = true;
    } else {
      ctx.reply.Error("ERR Unknown argument " + std::string(ctx.arg(i)));
      return;
    }
  }
  std::vector<Library*> libs;
  for (auto& [name, lib] : libraries_) {
    if (!has_pattern || GlobMatch(pattern, name)) libs.push_back(lib.get());
  }
  ctx.reply.ArrayHeader(static_cast<int64_t>(libs.size()));
  for (Library* lib : libs) {
    ctx.reply.MapHeader(with_code ? 4 : 3);
    ctx.reply.Bulk("library_name");
    ctx.reply.Bulk(lib->name);
    ctx.reply.Bulk("engine");
    ctx.reply.Bulk("LUA");
    ctx.reply.Bulk("functions");
    ctx.reply.ArrayHeader(static_cast<int64_t>(lib->functions.size()));
    for (const auto& [fname, fn] : lib->functions) {
      ctx.reply.MapHeader(3);
      ctx.reply.Bulk("name");
      ctx.reply.Bulk(fname);
      ctx.reply.Bulk("description");
      if (fn.has_description) {
        ctx.reply.Bulk(fn.description);
      } else {
        ctx.reply.Null();
      }
      ctx.reply.Bulk("flags");
      std::vector<const char*> flags;
      for (const auto& [bit, n] : FlagNames()) {
        if (fn.flags & bit) flags.push_back(n);
      }
      ctx.reply.SetHeader(static_cast<int64_t>(flags.size()));
      for (const char* f : flags) ctx.reply.Simple(f);  // status strings, as Redis sends them
    }
    if (with_code) {
      ctx.reply.Bulk("library_code");
      ctx.reply.Bulk(lib->code);
    }
  }
}

std::vector<std::string> Scripting::LibraryCodes() const {
  std::vector<std::string> codes;
  for (const auto& [name, lib] : libraries_) codes.push_back(lib->code);
  return codes;
}

std::string Scripting::LoadLibraryFromRdb(const std::string& code) {
  std::string name;
  return LoadLibrary(code, /*replace=*/true, &name);
}

void Scripting::FunctionDump(CommandContext& ctx) {
  std::string body;
  rdb::Encoder enc(&body, /*compress=*/false);
  for (const auto& [name, lib] : libraries_) {
    enc.Byte(kRdbOpcodeFunction2);
    enc.String(lib->code);
  }
  ctx.reply.Bulk(rdb::MakeDumpPayload(body));
}

void Scripting::FunctionRestore(CommandContext& ctx) {
  enum class Policy { kAppend, kReplace, kFlush } policy = Policy::kAppend;
  if (ctx.argc() > 4) {
    ctx.reply.Error(
        "ERR unknown subcommand or wrong number of arguments for 'restore'. Try "
        "FUNCTION HELP.");
    return;
  }
  if (ctx.argc() == 4) {
    std::string_view p = ctx.arg(3);
    if (EqualsIgnoreCase(p, "append"))
      policy = Policy::kAppend;
    else if (EqualsIgnoreCase(p, "replace"))
      policy = Policy::kReplace;
    else if (EqualsIgnoreCase(p, "flush"))
      policy = Policy::kFlush;
    else {
      ctx.reply.Error(
          "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
      return;
    }
  }
  std::string_view body;
  if (!rdb::CheckDumpPayload(ctx.arg(2), &body)) {
    ctx.reply.Error("ERR DUMP payload version or checksum are wrong");
    return;
  }
  std::vector<std::string> codes;
  rdb::Decoder dec(body);
  while (!dec.at_end()) {
    uint8_t type = 0;
    std::string code;
    if (!dec.Byte(&type) || type != kRdbOpcodeFunction2) {
      ctx.reply.Error("ERR given type is not a function");
      return;
    }
    if (!dec.String(&code)) {
      ctx.reply.Error("ERR Failed loading library");
      return;
    }
    codes.push_back(std::move(code));
  }
  if (policy == Policy::kFlush) ResetFunctionState();
  for (const std::string& code : codes) {
    std::string name;
    std::string error = LoadLibrary(code, policy == Policy::kReplace, &name);
    if (!error.empty()) {
      ctx.reply.Error(error);
      return;
    }
  }
  server_->dirty++;
  ctx.reply.Ok();
}

void Scripting::FunctionStats(CommandContext& ctx) {
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("running_script");
  if (run_ == nullptr || run_->is_eval) {
    ctx.reply.Null();
  } else {
    ctx.reply.MapHeader(3);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(run_->name);
    ctx.reply.Bulk("command");
    ctx.reply.BulkArray(run_->command);
    ctx.reply.Bulk("duration_ms");
    ctx.reply.Integer((server_->env()->NowMicros() - run_->start_us) / 1000);
  }
  ctx.reply.Bulk("engines");
  ctx.reply.MapHeader(1);
  ctx.reply.Bulk("LUA");
  ctx.reply.MapHeader(2);
  ctx.reply.Bulk("libraries_count");
  ctx.reply.Integer(static_cast<int64_t>(libraries_.size()));
  ctx.reply.Bulk("functions_count");
  ctx.reply.Integer(static_cast<int64_t>(functions_.size()));
}

bool Scripting::LoadTimedOut() const {
  return loading_library_ != nullptr &&
         (server_->env()->NowMicros() - load_start_us_) / 1000 > kLoadTimeoutMs;
}

}  // namespace redsim
