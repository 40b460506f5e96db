// The command table: metadata as data, handlers bound by name.
//
// Metadata (arity, flags, key positions, key specs, ACL categories, argument docs) comes from
// command_meta.gen.inc, generated from Redis 7.0's own COMMAND output so that COMMAND INFO and
// COMMAND DOCS answer as Redis does. Each command family registers its handlers by name; only
// commands with a handler are visible. Arity, authentication and similar checks are made in one
// place (Server::ProcessCommand) before a handler runs.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/base/latency_histogram.h"

namespace redsim {

struct CommandContext;
using CommandHandler = void (*)(CommandContext& ctx);

// ---- Generated metadata -----------------------------------------------------------------------
struct ArgMeta {
  const char* name;
  const char* type;  // key string integer double pattern unix-time pure-token oneof block
  const char* token;
  const char* display;
  int key_spec_index;
  const char* since;
  const char* flags;  // "optional multiple multiple_token"
  const char* deprecated_since;
  std::vector<ArgMeta> args;
};

struct KeySpecMeta {
  const char* flags;       // "RW access update ..."
  const char* begin_type;  // index | keyword | unknown
  int bs_index;
  const char* bs_keyword;
  int bs_startfrom;
  const char* find_type;  // range | keynum | unknown
  int fk_lastkey;
  int fk_keystep;
  int fk_limit;
  int fk_keynumidx;
  int fk_firstkey;
};

struct CommandMeta {
  const char* name;  // "get", or "config|get" for a subcommand
  int arity;
  const char* flags;
  int first_key;
  int last_key;
  int key_step;
  const char* acl_categories;
  const char* tips;
  const char* group;
  const char* since;
  const char* doc_flags;
  const char* deprecated_since;
  std::vector<KeySpecMeta> key_specs;
  std::vector<ArgMeta> args;
};

// ---- Flags ------------------------------------------------------------------------------------
enum CommandFlag : uint64_t {
  kCmdWrite = 1ULL << 0,
  kCmdReadonly = 1ULL << 1,
  kCmdDenyOom = 1ULL << 2,
  kCmdModule = 1ULL << 3,
  kCmdAdmin = 1ULL << 4,
  kCmdPubsub = 1ULL << 5,
  kCmdNoScript = 1ULL << 6,
  kCmdBlocking = 1ULL << 8,
  kCmdLoading = 1ULL << 9,
  kCmdStale = 1ULL << 10,
  kCmdSkipMonitor = 1ULL << 11,
  kCmdSkipSlowlog = 1ULL << 12,
  kCmdAsking = 1ULL << 13,
  kCmdFast = 1ULL << 14,
  kCmdNoAuth = 1ULL << 15,
  kCmdMayReplicate = 1ULL << 16,
  kCmdSentinel = 1ULL << 17,
  kCmdOnlySentinel = 1ULL << 18,
  kCmdNoMandatoryKeys = 1ULL << 19,
  kCmdProtected = 1ULL << 20,
  kCmdNoAsyncLoading = 1ULL << 23,
  kCmdNoMulti = 1ULL << 24,
  kCmdMovableKeys = 1ULL << 25,
  kCmdAllowBusy = 1ULL << 26,
};

// Flag names in the order COMMAND INFO prints them.
const std::vector<std::pair<uint64_t, const char*>>& CommandFlagNames();

// ACL categories, as ACL CAT lists them.
const std::vector<std::string>& AclCategoryNames();
// Bit for a category name ("read" or "@read"), 0 if unknown.
uint64_t AclCategoryBit(std::string_view name);

enum KeySpecFlag : uint32_t {
  kKsRO = 1 << 0,
  kKsRW = 1 << 1,
  kKsOW = 1 << 2,
  kKsRM = 1 << 3,
  kKsAccess = 1 << 4,
  kKsUpdate = 1 << 5,
  kKsInsert = 1 << 6,
  kKsDelete = 1 << 7,
  kKsNotKey = 1 << 8,
  kKsIncomplete = 1 << 9,
  kKsVariableFlags = 1 << 10,
};
// The KeySpecFlag bits of a metadata flag list of words ("RW access");
// unknown words are ignored, nullptr is no flags.
uint32_t ParseKeySpecFlags(const char* words);

struct Command {
  std::string name;          // lowercase full name: "get", "config|get"
  std::string display_name;  // name used in error texts ("config|get")
  const CommandMeta* meta = nullptr;
  int arity = 0;
  uint64_t flags = 0;
  uint64_t acl_categories = 0;
  uint32_t key_spec_flags_union = 0;
  CommandHandler handler = nullptr;
  Command* parent = nullptr;
  std::map<std::string, std::unique_ptr<Command>> subcommands;  // by lowercase name
  uint64_t id = 0;                                              // dense index (ACL bitmaps)

  // Statistics for INFO commandstats.
  uint64_t calls = 0;
  uint64_t microseconds = 0;
  uint64_t rejected_calls = 0;
  uint64_t failed_calls = 0;
  // Latencies for INFO latencystats, allocated on the first call (latency-tracking yes).
  std::unique_ptr<LatencyHistogram> latency;

  bool has_subcommands() const { return !subcommands.empty(); }
  bool is(uint64_t flag) const { return (flags & flag) != 0; }
  // Positions of key arguments in `args` (args[0] is the command name). When `spec_indexes` is
  // given, it receives for each position the index of the key spec that found it.
  void GetKeyPositions(const std::vector<std::string_view>& args, std::vector<int>* positions,
                       std::vector<int>* spec_indexes = nullptr) const;
};

class CommandTable {
 public:
  CommandTable();
  // Binds a handler to the command (or "container|sub") named in the metadata. Asserts that the
  // name exists in the metadata.
  void Register(std::string_view name, CommandHandler handler);
  // Adjusts a flag for a command (e.g. when a feature changes a command's behaviour).
  // Looks up by argv[0] (case-insensitive); nullptr when unknown or without a handler.
  Command* Find(std::string_view name) const;
  // Finds "container" then its subcommand.
  Command* FindSubcommand(const Command* container, std::string_view sub) const;
  // Looks up a "name" or "name|sub" string (COMMAND INFO, ACL rules).
  Command* FindByFullName(std::string_view full_name) const;
  // Makes metadata that is not in the generated table known to Register (the SENTINEL command
  // of sentinel mode). `meta` must outlive the table.
  void AddMeta(const CommandMeta* meta);
  // Drops every top-level command not named in `names` (sentinel mode serves only a few).
  void RetainOnly(const std::vector<std::string>& names);
  // Every registered top-level command, sorted by name.
  std::vector<Command*> All() const;
  size_t size() const { return top_.size(); }

 private:
  std::unordered_map<std::string, std::unique_ptr<Command>> top_;
  std::unordered_map<std::string, const CommandMeta*> meta_by_name_;
  uint64_t next_id_ = 0;
};

// Fills the table with every command family's handlers (the one list of registrations).
void RegisterAllCommands(CommandTable& table);

// Raw access to the generated metadata (for tests and COMMAND DOCS).
const std::vector<CommandMeta>& AllCommandMeta();

}  // namespace redsim
