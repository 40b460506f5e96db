// ACL: users, their rules, and the permission checks made before a command runs, worded and
// logged as Redis 7.0 does.
//
// A user holds: on/off, passwords (only SHA-256 hex digests are kept), a bitmap over every
// command and subcommand Redis 7.0 knows (the generated metadata, not only the commands built
// here, so that rules and their descriptions match Redis's), key patterns with read/write
// permissions, and channel patterns. Rules are applied to a copy of the user and committed only
// if every rule is valid (ACL SETUSER is all-or-nothing).
//
// Invariants: the "default" user always exists; a client's acl_user is either nullptr (the
// default user) or a user in the registry (deleting a user closes its clients); the ACL log holds
// at most acllog-max-len entries, newest first.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/status.h"

namespace redsim {

class Server;
class Client;
class Env;
struct ServerConfig;
struct Command;

enum class AclResult { kOk, kDeniedCommand, kDeniedKey, kDeniedChannel };

// Key pattern permissions (%R~, %W~, ~ is both).
enum AclKeyPermission : int { kAclRead = 1, kAclWrite = 2, kAclReadWrite = 3 };

class AclUser {
 public:
  explicit AclUser(std::string name);

  const std::string& name() const { return name_; }
  bool enabled() const { return enabled_; }
  bool nopass() const { return nopass_; }
  // True when no rule restricts this user (the fast path for the default user).
  bool unrestricted() const { return all_commands_ && all_keys_ && all_channels_; }

  // Applies one rule ("on", "+@read", "~key*", ">password", ...). Returns "" or the reason the
  // rule is invalid, in Redis's words ("Syntax error", "Unknown command or category name...").
  std::string ApplyRule(std::string_view rule, bool pubsub_default_all_channels);

  // Whether `password` matches (always true for a nopass user).
  bool CheckPassword(std::string_view password) const;
  // Whether the command bit (or an allowed first argument) lets this user run `cmd`.
  bool CanRunCommand(const Command* cmd, const std::vector<std::string_view>& args) const;
  // Whether a key may be accessed by a key spec with these KeySpecFlag bits.
  bool CanAccessKey(std::string_view key, uint32_t key_spec_flags) const;
  // Whether a channel (or, with is_pattern, a PSUBSCRIBE pattern, which must be listed literally)
  // may be used.
  bool CanAccessChannel(std::string_view channel, bool is_pattern) const;

  // ACL LIST's line for this user ("user alice on #... ~* &* +@all").
  std::string DescribeLine() const;
  // GETUSER fields.
  std::vector<std::string> FlagNames() const;
  const std::vector<std::string>& password_hashes() const { return password_hashes_; }
  std::string DescribeCommands() const;
  std::string DescribeKeys() const;
  std::string DescribeChannels() const;

 private:
  struct KeyPattern {
    int permissions;
    std::string pattern;
  };
  bool CommandBit(size_t acl_id) const;
  void SetCommandBit(size_t acl_id, bool allowed);
  // Allows or denies a command and, for a container, every subcommand.
  void ChangeCommand(size_t acl_id, bool allowed);
  void ChangeCategory(uint64_t category_bit, bool allowed);
  std::string ApplyCommandRule(std::string_view rule);
  std::string ApplyKeyRule(std::string_view rule);
  std::string ApplyPasswordRule(std::string_view rule);

  std::string name_;
  bool enabled_ = false;
  bool nopass_ = false;
  bool sanitize_payload_ = false;
  bool skip_sanitize_payload_ = false;
  std::vector<std::string> password_hashes_;  // insertion order, as ACL LIST shows them
  std::vector<uint64_t> command_bits_;        // one bit per AclCommandIndex id
  bool all_commands_ = false;                 // fast path: every bit set
  bool future_commands_ = false;              // +@all was the last word on "all"
  std::map<size_t, std::vector<std::string>> first_args_;  // "+select|0" style allowances
  bool all_keys_ = false;
  std::vector<KeyPattern> key_patterns_;
  bool all_channels_ = false;
  std::vector<std::string> channel_patterns_;
};

struct AclLogEntry {
  uint64_t count = 1;
  std::string reason;   // command, key, channel, auth
  std::string context;  // toplevel, multi, lua
  std::string object;
  std::string username;
  int64_t created_ms = 0;
  std::string client_info;
};

// What ACL needs from the node it belongs to: narrow handles, not the server.
struct AclHandles {
  Env* env = nullptr;  // the ACL file
  const ServerConfig* config = nullptr;
  const int64_t* now_ms = nullptr;  // the command time (ACL LOG entries)
  // The connected clients; the one whose command runs now; closing one after this turn (a
  // client whose user was deleted or changed).
  std::function<const std::map<uint64_t, Client*>&()> clients;
  std::function<Client*()> current_client;
  std::function<void(Client*)> close_client_async;
  // True while the dataset loads (AOF replay is not checked).
  std::function<bool()> loading;
  // CLIENT LIST's line for a client (ACL LOG client-info).
  std::function<std::string(const Client*)> client_info;
};

class Acl {
 public:
  explicit Acl(AclHandles handles);
  ~Acl();

  AclUser* default_user() const { return default_user_; }
  AclUser* Find(std::string_view name) const;
  // The user a client runs as (nullptr on the client means the default user).
  AclUser* UserOf(const Client* c) const;
  const std::map<std::string, std::unique_ptr<AclUser>, std::less<>>& users() const {
    return users_;
  }

  // ACL SETUSER: applies the rules to a copy of the user (created if absent) and commits it.
  // Returns "" or Redis's full error text.
  std::string SetUser(std::string_view name, const std::vector<std::string_view>& rules);
  // ACL DELUSER for one name: false when absent. Closes the clients logged in as that user.
  bool DeleteUser(std::string_view name);

  // Whether `c` may run `cmd` with `args`; on denial `*denied_arg` is the offending argument.
  AclResult Check(const AclUser* user, const Command* cmd,
                  const std::vector<std::string_view>& args, int* denied_arg) const;
  // Dispatch's check for a client: on denial logs it and returns the NOPERM error text.
  bool CheckClient(Client* c, const Command* cmd, const std::vector<std::string_view>& args,
                   std::string* error);
  // Checks what `c`'s user may do and logs a denial against `c` (context "lua" when
  // `in_script`: redis.call runs with the calling client's user and is logged on that client).
  AclResult CheckAndLog(Client* c, const Command* cmd, const std::vector<std::string_view>& args,
                        bool in_script);
  // NOPERM text for a denial.
  static std::string NopermText(AclResult result, const Command* cmd);

  // AUTH / HELLO AUTH. On success the client runs as the user; on failure an "auth" entry is
  // logged (object: the command name as the client sent it) and false is returned.
  bool Authenticate(Client* c, std::string_view username, std::string_view password,
                    std::string_view command_name);
  // Whether a new connection starts authenticated (the default user is on and nopass).
  bool DefaultUserNeedsNoAuth() const;
  // requirepass changed: the default user's password follows it.
  void ApplyRequirePass(const std::string& password);

  // The ACL log, newest first.
  void AddLogEntry(Client* c, std::string_view reason, std::string_view object,
                   std::string_view username, bool in_script = false);
  const std::deque<AclLogEntry>& log() const { return log_; }
  void ResetLog() { log_.clear(); }

  // aclfile: loads every user from the file (all-or-nothing) or saves them.
  Status LoadFile(const std::string& path);
  Status SaveFile(const std::string& path) const;

  // Every command/subcommand full name in a category (ACL CAT <category>).
  static std::vector<std::string> CommandsInCategory(uint64_t category_bit);

 private:
  AclHandles h_;
  std::map<std::string, std::unique_ptr<AclUser>, std::less<>> users_;
  AclUser* default_user_ = nullptr;
  std::deque<AclLogEntry> log_;
};

// For other families (Pub/Sub): whether `c` may use `channel` (a literal pattern when
// is_pattern). On denial logs a "channel" entry and sets `*error` to the NOPERM text.
bool CheckChannelPermission(Server* server, Client* c, std::string_view channel, bool is_pattern,
                            std::string* error);

}  // namespace redsim
