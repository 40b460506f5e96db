#include "engine/scripting/lua_sandbox.h"

#include <cmath>
#include <cstring>

extern "C" {
int luaopen_cjson(lua_State* L);
int luaopen_bit(lua_State* L);
}

namespace redsim {
namespace {

constexpr const char* kEnvKey = "__redsim_env";
// A weak-keyed set of the tables scripts must not change even with rawset or setmetatable: the
// real globals, the library tables, their read-only proxies and the string metatable.
constexpr const char* kReadonlySetKey = "__redsim_readonly";
constexpr const char* kStringMetaKey = "__redsim_string_meta";
constexpr const char* kStringMetaProxyKey = "__redsim_string_meta_proxy";
// Weak-keyed: each read-only proxy -> the table it shows (rawget reads through it).
constexpr const char* kProxyTargetKey = "__redsim_proxy_target";
constexpr const char* kGlobalsMetaProxyKey = "__redsim_globals_meta_proxy";

// ---- Redis's rand48 (math.random) ----------------------------------------------------------
// The state belongs to the server whose script is running (LuaSetRandomState); scripts run one
// at a time on the loop thread, so a pointer to it is enough.
uint64_t* g_rand48 = nullptr;

int32_t Rand48Next() {
  *g_rand48 = (0x5DEECE66DULL * *g_rand48 + 0xB) & ((1ULL << 48) - 1);
  return static_cast<int32_t>(*g_rand48 >> 17);
}

void Rand48Seed(int32_t seed) {
  *g_rand48 = (static_cast<uint64_t>(static_cast<uint32_t>(seed)) << 16) | 0x330E;
}

int MathRandom(lua_State* L) {
  constexpr int32_t kMax = 2147483647;
  double r = static_cast<double>(Rand48Next() % kMax) / static_cast<double>(kMax);
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      break;
    case 1: {
      int m = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= m, 1, "interval is empty");
      lua_pushnumber(L, std::floor(r * m) + 1);
      break;
    }
    case 2: {
      int l = luaL_checkint(L, 1);
      int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, std::floor(r * (u - l + 1)) + l);
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

int MathRandomSeed(lua_State* L) {
  Rand48Seed(luaL_checkint(L, 1));
  return 0;
}

// pcall that hands back an error table's text, as Redis 7.0 does (scripts do
// `local ok, e = pcall(redis.call, ...)` and treat `e` as a string).
int SafePcall(lua_State* L) {
  luaL_checkany(L, 1);
  int status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
  if (status != 0) {
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      if (lua_type(L, -1) == LUA_TSTRING) {
        lua_remove(L, -2);
      } else {
        lua_pop(L, 1);
      }
    }
    lua_pushboolean(L, 0);
    lua_insert(L, -2);
    return 2;
  }
  lua_pushboolean(L, 1);
  lua_insert(L, 1);
  return lua_gettop(L);
}

int ReadonlyNewIndex(lua_State* L) { return luaL_error(L, "Attempt to modify a readonly table"); }

void MarkReadonly(lua_State* L, int index) {
  if (index < 0 && index > LUA_REGISTRYINDEX) index = lua_gettop(L) + 1 + index;
  lua_getfield(L, LUA_REGISTRYINDEX, kReadonlySetKey);
  lua_pushvalue(L, index);
  lua_pushboolean(L, 1);
  lua_rawset(L, -3);
  lua_pop(L, 1);
}

bool IsReadonly(lua_State* L, int index) {
  lua_getfield(L, LUA_REGISTRYINDEX, kReadonlySetKey);
  lua_pushvalue(L, index);
  lua_rawget(L, -2);
  bool readonly = lua_toboolean(L, -1) != 0;
  lua_pop(L, 2);
  return readonly;
}

// Pushes the table the proxy at `index` shows, or nil when it is not a proxy.
void PushProxyTarget(lua_State* L, int index) {
  lua_getfield(L, LUA_REGISTRYINDEX, kProxyTargetKey);
  lua_pushvalue(L, index);
  lua_rawget(L, -2);
  lua_remove(L, -2);
}

// rawget as Lua 5.1 has it; on a read-only proxy it reads the table behind it, so that
// rawget(_G, name) sees the globals as in Redis.
int ProxyAwareRawget(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  lua_settop(L, 2);
  PushProxyTarget(L, 1);
  if (lua_istable(L, -1)) lua_replace(L, 1);
  lua_settop(L, 2);
  lua_rawget(L, 1);
  return 1;
}

// Raised as Redis's patched Lua raises it from rawset and setmetatable: without a position.
int ReadonlyError(lua_State* L) {
  lua_pushstring(L, "Attempt to modify a readonly table");
  return lua_error(L);
}

// rawset and setmetatable as Lua 5.1 has them, refusing the read-only tables.
int GuardedRawset(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  luaL_checkany(L, 3);
  if (IsReadonly(L, 1)) return ReadonlyError(L);
  lua_settop(L, 3);
  lua_rawset(L, 1);
  return 1;
}

int GuardedSetmetatable(lua_State* L) {
  int t = lua_type(L, 2);
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_argcheck(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table expected");
  if (IsReadonly(L, 1)) return ReadonlyError(L);
  if (luaL_getmetafield(L, 1, "__metatable")) luaL_error(L, "cannot change a protected metatable");
  lua_settop(L, 2);
  lua_setmetatable(L, 1);
  return 1;
}

// getmetatable as Lua 5.1 has it, except that strings' metatable is shown as a read-only view
// (its __index the read-only string library): through the real one a script could change string
// methods for every later script.
int GuardedGetmetatable(lua_State* L) {
  luaL_checkany(L, 1);
  // The globals show their metatable (read-only), other proxied tables none, as in Redis.
  LuaPushScriptEnv(L);
  bool is_env = lua_rawequal(L, 1, -1) != 0;
  lua_pop(L, 1);
  if (is_env) {
    lua_getfield(L, LUA_REGISTRYINDEX, kGlobalsMetaProxyKey);
    return 1;
  }
  PushProxyTarget(L, 1);
  bool is_proxy = !lua_isnil(L, -1);
  lua_pop(L, 1);
  if (is_proxy || !lua_getmetatable(L, 1)) {
    lua_pushnil(L);
    return 1;
  }
  luaL_getmetafield(L, 1, "__metatable");
  lua_getfield(L, LUA_REGISTRYINDEX, kStringMetaKey);
  bool is_string_meta = lua_rawequal(L, -1, -2) != 0;
  lua_pop(L, 1);
  if (is_string_meta) lua_getfield(L, LUA_REGISTRYINDEX, kStringMetaProxyKey);
  return 1;
}

int MissingGlobal(lua_State* L) {
  const char* name = lua_tostring(L, 2);
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'",
                    name != nullptr ? name : "?");
}

void OpenLib(lua_State* L, const char* name, lua_CFunction fn) {
  lua_pushcfunction(L, fn);
  lua_pushstring(L, name);
  lua_call(L, 1, 0);
}

void OpenAsGlobal(lua_State* L, const char* name, lua_CFunction fn) {
  lua_pushcfunction(L, fn);
  lua_call(L, 0, 1);
  lua_setglobal(L, name);
}

// Errors in replies are one line: CR and LF become spaces.
std::string OneLine(const char* s, size_t len) {
  std::string out(s, len);
  for (char& ch : out) {
    if (ch == '\r' || ch == '\n') ch = ' ';
  }
  return out;
}

int64_t LuaNumberToInteger(double d) {
  // Out-of-range and NaN values become INT64_MIN, as the x86 conversion Redis relies on does.
  if (std::isnan(d) || d >= 9223372036854775808.0 || d < -9223372036854775808.0) return INT64_MIN;
  return static_cast<int64_t>(d);
}

// Field `name` of the table at `index` if it has type `type`; pushes it and returns true, or
// pushes nothing and returns false.
bool GetTypedField(lua_State* L, int index, const char* name, int type) {
  lua_pushstring(L, name);
  lua_rawget(L, index);
  if (lua_type(L, -1) == type) return true;
  lua_pop(L, 1);
  return false;
}

void TableToReply(lua_State* L, int index, ReplyBuilder& reply, int script_resp, int depth) {
  size_t len;
  if (GetTypedField(L, index, "err", LUA_TSTRING)) {
    const char* s = lua_tolstring(L, -1, &len);
    reply.Error(OneLine(s, len));
    lua_pop(L, 1);
    return;
  }
  if (GetTypedField(L, index, "ok", LUA_TSTRING)) {
    const char* s = lua_tolstring(L, -1, &len);
    reply.Simple(OneLine(s, len));
    lua_pop(L, 1);
    return;
  }
  if (GetTypedField(L, index, "double", LUA_TNUMBER)) {
    reply.Double(lua_tonumber(L, -1));
    lua_pop(L, 1);
    return;
  }
  if (GetTypedField(L, index, "big_number", LUA_TSTRING)) {
    const char* s = lua_tolstring(L, -1, &len);
    reply.BigNumber(OneLine(s, len));
    lua_pop(L, 1);
    return;
  }
  bool is_map = GetTypedField(L, index, "map", LUA_TTABLE);
  if (is_map || GetTypedField(L, index, "set", LUA_TTABLE)) {
    int t = lua_gettop(L);
    int64_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
      n++;
      lua_pop(L, 1);
    }
    if (is_map) {
      reply.MapHeader(n);
    } else {
      reply.SetHeader(n);
    }
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
      LuaToReply(L, lua_gettop(L) - 1, reply, script_resp, depth + 1);
      if (is_map) LuaToReply(L, lua_gettop(L), reply, script_resp, depth + 1);
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return;
  }
  // An array: elements 1..n up to the first nil.
  int64_t n = 0;
  while (true) {
    lua_rawgeti(L, index, static_cast<int>(n + 1));
    bool nil = lua_isnil(L, -1);
    lua_pop(L, 1);
    if (nil) break;
    n++;
  }
  reply.ArrayHeader(n);
  for (int64_t j = 1; j <= n; j++) {
    lua_rawgeti(L, index, static_cast<int>(j));
    LuaToReply(L, lua_gettop(L), reply, script_resp, depth + 1);
    lua_pop(L, 1);
  }
}

// ---- Loading code: source text only ----------------------------------------------------------
// Lua 5.1 runs a chunk whose first byte is ESC ("\x1bLua...") as precompiled bytecode, which it
// does not verify: crafted bytecode reads and writes memory outside the sandbox. Redis's Lua
// parses every chunk as text. We link the system Lua, so every path that turns bytes into code
// reads them through TextOnlyRead, which puts one space in front of a chunk whose first piece
// starts with ESC. The parser then stops on that byte with the error Redis gives, "<chunk>:1:
// unexpected symbol near 'char(27)'". Only the first piece matters: Lua decides text or binary
// from the first byte its reader hands back.
struct TextOnlyReader {
  lua_Reader inner;
  void* inner_data;
  bool first_read_done = false;
  const char* held = nullptr;  // the ESC piece, handed out after the space
  size_t held_size = 0;
};

const char* TextOnlyRead(lua_State* L, void* data, size_t* size) {
  auto* r = static_cast<TextOnlyReader*>(data);
  if (r->held != nullptr) {
    const char* piece = r->held;
    *size = r->held_size;
    r->held = nullptr;
    return piece;
  }
  const char* piece = r->inner(L, r->inner_data, size);
  if (!r->first_read_done) {
    r->first_read_done = true;
    if (piece != nullptr && *size > 0 && piece[0] == LUA_SIGNATURE[0]) {
      r->held = piece;
      r->held_size = *size;
      *size = 1;
      return " ";
    }
  }
  return piece;
}

struct StringChunk {
  const char* data;
  size_t size;
};

const char* StringChunkRead(lua_State*, void* data, size_t* size) {
  auto* chunk = static_cast<StringChunk*>(data);
  if (chunk->size == 0) return nullptr;
  *size = chunk->size;
  chunk->size = 0;
  return chunk->data;
}

// load(func [, chunkname]) as Lua 5.1 has it: `func` returns the chunk piece by piece (a string
// or a number) until nil. Stack slot 3 keeps the last piece alive while Lua reads it.
const char* FunctionChunkRead(lua_State* L, void*, size_t* size) {
  luaL_checkstack(L, 2, "too many nested functions");
  lua_pushvalue(L, 1);
  lua_call(L, 0, 1);
  if (lua_isnil(L, -1)) {
    *size = 0;
    return nullptr;
  }
  if (!lua_isstring(L, -1)) luaL_error(L, "reader function must return a string");
  lua_replace(L, 3);
  return lua_tolstring(L, 3, size);
}

// Returns f, or nil and the error message, as load and loadstring do. The loaded function runs in
// the scripts' read-only environment, never with the raw globals (Lua gives it the raw globals).
int LoadResult(lua_State* L, int status) {
  if (status == 0) {
    LuaPushScriptEnv(L);
    if (lua_istable(L, -1)) {
      lua_setfenv(L, -2);
    } else {
      lua_pop(L, 1);
    }
    return 1;
  }
  lua_pushnil(L);
  lua_insert(L, -2);
  return 2;
}

int TextOnlyLoad(lua_State* L) {
  const char* chunkname = luaL_optstring(L, 2, "=(load)");
  luaL_checktype(L, 1, LUA_TFUNCTION);
  lua_settop(L, 3);
  TextOnlyReader reader{FunctionChunkRead, nullptr};
  return LoadResult(L, lua_load(L, TextOnlyRead, &reader, chunkname));
}

int TextOnlyLoadString(lua_State* L) {
  size_t len;
  const char* s = luaL_checklstring(L, 1, &len);
  const char* chunkname = luaL_optstring(L, 2, s);
  return LoadResult(L, LuaLoadText(L, s, len, chunkname));
}

}  // namespace

int LuaLoadText(lua_State* L, const char* data, size_t size, const char* chunkname) {
  StringChunk chunk{data, size};
  TextOnlyReader reader{StringChunkRead, &chunk};
  return lua_load(L, TextOnlyRead, &reader, chunkname);
}

void LuaSetRandomState(uint64_t* state) { g_rand48 = state; }

uint64_t LuaInitialRandomState() {
  // rand48's unseeded state: Redis never seeds it, so a fresh server's first math.random()
  // values are always the same.
  return 0x1234ABCD330EULL;
}

lua_State* LuaSandboxCreate() {
  lua_State* L = luaL_newstate();
  OpenLib(L, "", luaopen_base);
  OpenLib(L, LUA_TABLIBNAME, luaopen_table);
  OpenLib(L, LUA_STRLIBNAME, luaopen_string);
  OpenLib(L, LUA_MATHLIBNAME, luaopen_math);
  OpenAsGlobal(L, "cjson", luaopen_cjson);
  OpenAsGlobal(L, "bit", luaopen_bit);
  OpenAsGlobal(L, "struct", LuaOpenStruct);
  OpenAsGlobal(L, "cmsgpack", LuaOpenCmsgpack);
  for (const char* name :
       {"print", "dofile", "loadfile", "getfenv", "setfenv", "require", "module", "newproxy"}) {
    lua_pushnil(L);
    lua_setglobal(L, name);
  }
  lua_getglobal(L, "math");
  lua_pushcfunction(L, MathRandom);
  lua_setfield(L, -2, "random");
  lua_pushcfunction(L, MathRandomSeed);
  lua_setfield(L, -2, "randomseed");
  lua_pop(L, 1);
  lua_pushcfunction(L, SafePcall);
  lua_setglobal(L, "pcall");
  lua_newtable(L);  // the read-only set, weak-keyed
  lua_newtable(L);
  lua_pushstring(L, "k");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, kReadonlySetKey);
  lua_newtable(L);  // proxy -> target, weak-keyed
  lua_newtable(L);
  lua_pushstring(L, "k");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, kProxyTargetKey);
  lua_pushcfunction(L, GuardedRawset);
  lua_setglobal(L, "rawset");
  lua_pushcfunction(L, ProxyAwareRawget);
  lua_setglobal(L, "rawget");
  lua_pushcfunction(L, GuardedSetmetatable);
  lua_setglobal(L, "setmetatable");
  lua_pushcfunction(L, GuardedGetmetatable);
  lua_setglobal(L, "getmetatable");
  lua_pushcfunction(L, TextOnlyLoad);
  lua_setglobal(L, "load");
  lua_pushcfunction(L, TextOnlyLoadString);
  lua_setglobal(L, "loadstring");
  return L;
}

void LuaMakeReadonlyProxy(lua_State* L) {
  int target = lua_gettop(L);
  lua_newtable(L);  // proxy
  lua_newtable(L);  // its metatable
  lua_pushvalue(L, target);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, ReadonlyNewIndex);
  lua_setfield(L, -2, "__newindex");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  MarkReadonly(L, target);
  MarkReadonly(L, -1);
  lua_getfield(L, LUA_REGISTRYINDEX, kProxyTargetKey);
  lua_pushvalue(L, -2);
  lua_pushvalue(L, target);
  lua_rawset(L, -3);
  lua_pop(L, 1);
  lua_replace(L, target);
}

void LuaSandboxSeal(lua_State* L) {
  for (const char* name :
       {"string", "math", "table", "coroutine", "cjson", "bit", "struct", "cmsgpack", "redis"}) {
    lua_getglobal(L, name);
    if (lua_istable(L, -1)) {
      LuaMakeReadonlyProxy(L);
      lua_setglobal(L, name);
    } else {
      lua_pop(L, 1);
    }
  }
  // Strings' metatable is read-only, and getmetatable shows a read-only view of it.
  lua_pushstring(L, "");
  lua_getmetatable(L, -1);
  MarkReadonly(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, kStringMetaKey);
  lua_pop(L, 1);
  lua_newtable(L);
  lua_getglobal(L, "string");
  lua_setfield(L, -2, "__index");
  LuaMakeReadonlyProxy(L);
  lua_setfield(L, LUA_REGISTRYINDEX, kStringMetaProxyKey);
  // Undefined globals are errors; new globals cannot be created.
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_newtable(L);
  lua_pushcfunction(L, MissingGlobal);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, ReadonlyNewIndex);
  lua_setfield(L, -2, "__newindex");
  lua_setmetatable(L, -2);
  lua_getmetatable(L, -1);
  MarkReadonly(L, -1);
  LuaMakeReadonlyProxy(L);
  lua_setfield(L, LUA_REGISTRYINDEX, kGlobalsMetaProxyKey);
  // Scripts see a proxy, so that existing globals cannot be replaced either; _G is that proxy.
  LuaMakeReadonlyProxy(L);
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, kEnvKey);
  lua_pushstring(L, "_G");
  lua_pushvalue(L, -2);
  lua_rawset(L, LUA_GLOBALSINDEX);
}

void LuaPushScriptEnv(lua_State* L) { lua_getfield(L, LUA_REGISTRYINDEX, kEnvKey); }

void LuaRawSetGlobal(lua_State* L, const char* name) {
  lua_pushstring(L, name);
  lua_insert(L, -2);
  lua_rawset(L, LUA_GLOBALSINDEX);
}

void LuaPushErrorTable(lua_State* L, const std::string& text) {
  lua_createtable(L, 0, 1);
  lua_pushlstring(L, text.data(), text.size());
  lua_setfield(L, -2, "err");
}

int LuaErrorHandler(lua_State* L) {
  int line = 0;
  std::string source;
  lua_Debug ar;
  for (int level = 1; lua_getstack(L, level, &ar) != 0; level++) {
    lua_getinfo(L, "Sl", &ar);
    if (ar.currentline > 0) {
      line = ar.currentline;
      source = ar.source != nullptr ? ar.source : "";
      break;
    }
  }
  std::string text;
  int type = lua_type(L, 1);
  if (type == LUA_TTABLE) {
    lua_getfield(L, 1, "err");
    if (lua_type(L, -1) == LUA_TSTRING) {
      text = lua_tostring(L, -1);
    } else {
      text = "ERR unknown error";
    }
    lua_pop(L, 1);
  } else if (type == LUA_TSTRING || type == LUA_TNUMBER) {
    text = "ERR " + std::string(lua_tostring(L, 1));
  } else if (type == LUA_TBOOLEAN) {
    text = lua_toboolean(L, 1) ? "ERR true" : "ERR false";
  } else {
    text = "ERR " + std::string(lua_typename(L, type));
  }
  lua_createtable(L, 0, 2);
  lua_pushlstring(L, text.data(), text.size());
  lua_setfield(L, -2, "err");
  lua_pushinteger(L, line);
  lua_setfield(L, -2, "line");
  lua_pushlstring(L, source.data(), source.size());
  lua_setfield(L, -2, "source");
  return 1;
}

void RespToLua(lua_State* L, const RespValue& v, int resp, int depth) {
  if (depth > kLuaMaxNesting || !lua_checkstack(L, 4)) {
    lua_pushnil(L);
    return;
  }
  using T = RespValue::Type;
  switch (v.type) {
    case T::kSimple:
      lua_createtable(L, 0, 1);
      lua_pushlstring(L, v.str.data(), v.str.size());
      lua_setfield(L, -2, "ok");
      return;
    case T::kError:
      LuaPushErrorTable(L, v.str);
      return;
    case T::kInteger:
      lua_pushnumber(L, static_cast<lua_Number>(v.integer));
      return;
    case T::kBulk:
      lua_pushlstring(L, v.str.data(), v.str.size());
      return;
    case T::kNull:
      // RESP2's nil bulk and nil array become false; RESP3's null is nil.
      if (resp == 3) {
        lua_pushnil(L);
      } else {
        lua_pushboolean(L, 0);
      }
      return;
    case T::kArray:
    case T::kPush: {
      lua_createtable(L, static_cast<int>(v.elements.size()), 0);
      for (size_t i = 0; i < v.elements.size(); i++) {
        RespToLua(L, v.elements[i], resp, depth + 1);
        lua_rawseti(L, -2, static_cast<int>(i + 1));
      }
      return;
    }
    case T::kMap:
    case T::kSet: {
      bool map = v.type == T::kMap;
      lua_createtable(L, 0, 1);
      lua_newtable(L);
      if (map) {
        for (size_t i = 0; i + 1 < v.elements.size(); i += 2) {
          RespToLua(L, v.elements[i], resp, depth + 1);
          RespToLua(L, v.elements[i + 1], resp, depth + 1);
          lua_settable(L, -3);
        }
      } else {
        for (const auto& e : v.elements) {
          RespToLua(L, e, resp, depth + 1);
          lua_pushboolean(L, 1);
          lua_settable(L, -3);
        }
      }
      lua_setfield(L, -2, map ? "map" : "set");
      return;
    }
    case T::kDouble:
      lua_createtable(L, 0, 1);
      lua_pushnumber(L, std::strtod(v.str.c_str(), nullptr));
      lua_setfield(L, -2, "double");
      return;
    case T::kBool:
      lua_pushboolean(L, v.integer != 0);
      return;
    case T::kBigNumber:
      lua_createtable(L, 0, 1);
      lua_pushlstring(L, v.str.data(), v.str.size());
      lua_setfield(L, -2, "big_number");
      return;
    case T::kVerbatim:
      lua_createtable(L, 0, 1);
      lua_createtable(L, 0, 2);
      lua_pushstring(L, "txt");
      lua_setfield(L, -2, "format");
      lua_pushlstring(L, v.str.data(), v.str.size());
      lua_setfield(L, -2, "string");
      lua_setfield(L, -2, "verbatim_string");
      return;
    case T::kAttribute:
      lua_pushnil(L);
      return;
  }
  lua_pushnil(L);
}

void LuaToReply(lua_State* L, int index, ReplyBuilder& reply, int script_resp, int depth) {
  if (depth > kLuaMaxNesting || !lua_checkstack(L, 4)) {
    reply.Error("ERR reached lua stack limit");
    return;
  }
  switch (lua_type(L, index)) {
    case LUA_TSTRING: {
      size_t len;
      const char* s = lua_tolstring(L, index, &len);
      reply.Bulk(std::string_view(s, len));
      return;
    }
    case LUA_TBOOLEAN:
      if (script_resp == 3) {
        reply.Bool(lua_toboolean(L, index) != 0);
      } else if (lua_toboolean(L, index)) {
        reply.Integer(1);
      } else {
        reply.Null();
      }
      return;
    case LUA_TNUMBER:
      reply.Integer(LuaNumberToInteger(lua_tonumber(L, index)));
      return;
    case LUA_TTABLE:
      TableToReply(L, index, reply, script_resp, depth);
      return;
    default:
      reply.Null();
      return;
  }
}

}  // namespace redsim
