// Scripting: Lua scripts (EVAL, EVALSHA, SCRIPT) and functions (FUNCTION, FCALL) for one Server.
//
// Two Lua 5.1 states per server, as in Redis: one for EVAL scripts (the script cache lives in it;
// SCRIPT FLUSH replaces it) and one for function libraries (FUNCTION FLUSH replaces it). Both are
// sandboxed (lua_sandbox.h).
//
// A script's redis.call runs through the normal command table on a fake client that carries the
// caller's database and kClientDenyBlocking, so blocking commands answer as if timed out.
// Everything a script writes is propagated as its effects, wrapped in MULTI ... EXEC; the EVAL
// itself is never propagated. Key expiry time is frozen while a script runs.
//
// Atomicity and busy scripts: nothing else runs while a script runs. A count hook measures the
// run time with the Env's monotonic clock; past busy-reply-threshold the script is "timed out":
// the hook then asks the Env for pending socket events (Env::PollIoWhileBusy) so other clients
// get -BUSY (or may SCRIPT KILL / FUNCTION KILL / SHUTDOWN NOSAVE), while the caller's own input
// waits (kClientProtected). Under simulation the clock does not move while a script runs, so a
// script never times out there and runs stay deterministic.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct lua_State;

namespace redsim {

class Server;
class Client;
struct Command;
struct CommandContext;
class ReplyBuilder;

enum ScriptFlag : uint64_t {
  kScriptNoWrites = 1 << 0,
  kScriptAllowOom = 1 << 1,
  kScriptAllowStale = 1 << 2,
  kScriptNoCluster = 1 << 3,
  kScriptAllowCrossSlot = 1 << 4,
  kScriptNoShebang = 1 << 5,  // an EVAL script without "#!lua": Redis's compatibility mode
};

class Scripting {
 public:
  explicit Scripting(Server* server);
  ~Scripting();
  Scripting(const Scripting&) = delete;
  Scripting& operator=(const Scripting&) = delete;

  // ---- Commands (argument parsing included) ------------------------------------------------
  void Eval(CommandContext& ctx, bool by_sha, bool read_only);
  void ScriptCommand(CommandContext& ctx);    // SCRIPT LOAD|EXISTS|FLUSH|KILL
  void FunctionCommand(CommandContext& ctx);  // FUNCTION LOAD|LIST|DELETE|FLUSH|DUMP|...
  void FCall(CommandContext& ctx, bool read_only);

  // ---- Memory limit ---------------------------------------------------------------------------
  // For the dispatcher's maxmemory check: true when `cmd` (EVAL, EVALSHA, their _RO forms, FCALL,
  // FCALL_RO) names a script or function that declared flags (shebang, function) without
  // allow-oom or no-writes: Redis treats those as deny-oom commands. `arg1` is the script body,
  // its sha or the function name. Scripts without a shebang keep the command's own flags.
  bool DeclaredFlagsDenyOom(const Command* cmd, std::string_view arg1) const;

  // ---- Busy scripts -------------------------------------------------------------------------
  // True while a script runs past busy-reply-threshold.
  bool busy() const;
  // Called by the dispatcher for every command it reads: while busy(), the client's replies are
  // sent from the script's hook (the event loop that normally sends them is not running).
  void NoteCommandWhileBusy(Client* c);
  // While busy(), the -BUSY error for a command that may not run now (all but allow-busy
  // commands and SHUTDOWN NOSAVE), else nullptr. The dispatcher rejects it like any refused
  // command: inside MULTI that dooms the transaction, and an EXEC is answered EXECABORT.
  const char* BusyRejection(Command* cmd, const std::vector<std::string_view>& args);

  // ---- Persistence: the libraries an RDB file or a full sync carries (FUNCTION2 opcodes) ----
  // Every library's code, by library name.
  std::vector<std::string> LibraryCodes() const;
  // Loads one library's code from an RDB image, replacing a library of the same name (as a
  // reload or a full sync does). Returns "" or the error text.
  std::string LoadLibraryFromRdb(const std::string& code);
  // Drops every library (a replica about to load its primary's dataset).
  void FlushFunctions() { ResetFunctionState(); }

  // For INFO memory.
  size_t cached_scripts() const { return scripts_.size(); }
  size_t function_count() const { return functions_.size(); }
  size_t library_count() const { return libraries_.size(); }
  uint64_t EvalVmBytes() const;
  uint64_t FunctionVmBytes() const;

  // Internal, for the Lua C functions.
  struct RunContext {
    Client* caller = nullptr;
    std::string name;  // script sha or function name
    bool is_eval = true;
    bool read_only = false;
    int resp = 2;  // redis.setresp
    int64_t start_us = 0;
    bool timed_out = false;  // ran past busy-reply-threshold
    bool killed = false;
    bool wrote = false;                // changed the dataset: SCRIPT KILL refuses (UNKILLABLE)
    bool allow_oom = false;            // declared allow-oom: writes ignore maxmemory
    bool write_called = false;         // a write command ran: later ones ignore maxmemory
    bool allow_cross_slot = true;      // cluster mode: keys of several slots may be touched
    int slot = -1;                     // cluster mode: the slot the script's keys belong to
    std::vector<std::string> command;  // for FUNCTION STATS
  };
  RunContext* run() const { return run_; }
  Server* server() const { return server_; }
  void OnHook(lua_State* L);
  int LuaCall(lua_State* L, bool raise);
  int AclCheckCmd(lua_State* L);
  int RegisterFunction(lua_State* L);

 private:
  struct Script {
    std::string body;
    int ref = 0;  // the compiled function in the eval state's registry
    uint64_t flags = 0;
  };
  struct Function {
    std::string name;
    int ref = 0;
    uint64_t flags = 0;
    bool has_description = false;
    std::string description;
  };
  struct Library {
    std::string name;
    std::string code;
    std::map<std::string, Function> functions;
  };

  lua_State* NewState(bool functions);
  void ResetEvalState();
  void ResetFunctionState();
  // Compiles an EVAL script into the cache; returns "" or the error reply text.
  std::string CompileScript(const std::string& body, const std::string& sha, Script** out);
  // Runs the function `ref` in `L` and writes its result (or error) to ctx.reply.
  void Run(CommandContext& ctx, lua_State* L, int ref, const std::string& name, bool is_eval,
           uint64_t flags, bool read_only, size_t numkeys);
  // Runs one command for a script; fills *reply with its parsed reply.
  bool Execute(const std::vector<std::string_view>& args, std::string* error);
  // True when memory was over maxmemory as the command running this script started (never for
  // our primary's stream or while loading): Redis's test for scripts and their writes.
  bool MemoryWasFull(const Client* caller) const;
  bool CollectCallArgs(lua_State* L, int argc);
  // The command (or subcommand) a script names, or nullptr.
  Command* FindScriptCommand(const std::vector<std::string_view>& args) const;
  void FlushBusyClients();

  void FunctionLoad(CommandContext& ctx);
  void FunctionList(CommandContext& ctx);
  void FunctionDump(CommandContext& ctx);
  void FunctionRestore(CommandContext& ctx);
  void FunctionStats(CommandContext& ctx);
  void Kill(CommandContext& ctx, bool eval);
  // Loads a library's code; on success moves it into the library set (replacing the old one
  // when `replace`). Returns "" or the error reply text.
  std::string LoadLibrary(const std::string& code, bool replace, std::string* name_out);
  void DeleteLibrary(const std::string& name);
  // True when a library's load-time code has run too long (it cannot be killed otherwise).
  bool LoadTimedOut() const;

  Server* server_;
  lua_State* eval_lua_ = nullptr;
  lua_State* func_lua_ = nullptr;
  Client* script_client_ = nullptr;
  uint64_t script_client_id_ = 0;
  uint64_t random_state_ = 0;  // math.random's rand48 state
  std::unordered_map<std::string, Script> scripts_;
  std::map<std::string, std::unique_ptr<Library>> libraries_;
  std::unordered_map<std::string, std::pair<Library*, Function*>> functions_;
  Library* loading_library_ = nullptr;  // set while FUNCTION LOAD runs the library's code
  int64_t load_start_us_ = 0;
  RunContext* run_ = nullptr;
  std::vector<Client*> busy_clients_;
  std::vector<std::string_view> call_args_;
  std::string call_error_;
};

}  // namespace redsim
