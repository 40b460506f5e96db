// The Lua 5.1 sandbox scripts and functions run in, and the conversions between Lua values and
// RESP replies, worded and shaped as Redis 7.0 does.
//
// A sandboxed state has only the base, table, string and math libraries (minus print, dofile,
// loadfile, getfenv, setfenv, require, module, newproxy; load and loadstring read text only), plus
// cjson and bit (Debian's lua-cjson and lua-bitop) and our own struct and cmsgpack. Globals are
// read-only: a script's functions run with an environment table that forwards reads to the real
// globals and refuses writes; reading an undefined global is an error, as in Redis. Library tables
// are wrapped the same way. The raw globals stay out of reach: _G is the proxy, chunks that load
// or loadstring compile run in it too, rawset and setmetatable refuse the protected tables, and
// getmetatable shows read-only views of the globals' and strings' metatables. So no script can
// change what a later script sees. math.random is Redis's deterministic rand48: one sequence per
// server, from a fixed start.
//
// Conversions (both ways) are pure functions of their input; they never call back into the
// engine. Nesting is bounded (kMaxNesting) so a self-referencing table cannot loop forever.
#pragma once

#include <cstdint>
#include <string>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
}

#include "engine/resp/reply_builder.h"
#include "engine/resp/resp_value.h"

namespace redsim {

constexpr int kLuaMaxNesting = 1000;

// Creates a sandboxed state. The caller adds the `redis` table (LuaSandboxSetRedisTable) and
// then seals the globals (LuaSandboxSeal).
lua_State* LuaSandboxCreate();
// Replaces the table on top of the stack with a read-only proxy of it.
void LuaMakeReadonlyProxy(lua_State* L);
// luaL_loadbuffer for source text only: a chunk starting with Lua's binary signature (ESC) is a
// syntax error, never bytecode (bytecode is unverified and escapes the sandbox). Every path that
// compiles code uses it; the sandbox's load and loadstring do too.
int LuaLoadText(lua_State* L, const char* data, size_t size, const char* chunkname);
// Makes the globals read-only and pushes the environment table script functions must use;
// stores it in the registry under "__redsim_env".
void LuaSandboxSeal(lua_State* L);
// Pushes the sealed environment table.
void LuaPushScriptEnv(lua_State* L);
// Sets a global bypassing the read-only guard (KEYS, ARGV before each run).
void LuaRawSetGlobal(lua_State* L, const char* name);
// Points math.random at a server's generator state (set before running its scripts).
void LuaSetRandomState(uint64_t* state);
// A fresh server's generator state.
uint64_t LuaInitialRandomState();

// Pushes a command's reply (parsed) as Redis converts it for redis.call.
void RespToLua(lua_State* L, const RespValue& v, int resp, int depth = 0);
// Writes the Lua value at `index` as a reply. `script_resp` is the protocol the script chose
// with redis.setresp (booleans differ).
void LuaToReply(lua_State* L, int index, ReplyBuilder& reply, int script_resp, int depth = 0);
// Pushes an error table {err = text}.
void LuaPushErrorTable(lua_State* L, const std::string& text);
// The message handler for lua_pcall: turns the error object into a table
// {err = "<text>", line = <n>} where text is Redis's error text without the script suffix.
int LuaErrorHandler(lua_State* L);

// Library openers we implement ourselves.
int LuaOpenStruct(lua_State* L);
int LuaOpenCmsgpack(lua_State* L);

}  // namespace redsim
