// ACL commands: SETUSER GETUSER DELUSER LIST USERS WHOAMI CAT LOG DRYRUN GENPASS SAVE LOAD HELP.
// The users, rules and checks live in engine/acl/acl.h; these handlers parse and reply.
#include "engine/acl/acl.h"
#include "engine/base/strutil.h"
#include "engine/commands/families.h"
#include "engine/server/command_context.h"

namespace redsim {
namespace {

constexpr const char* kNoAclFile =
    "ERR This Redis instance is not configured to use an ACL file. You may want to specify users "
    "via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis "
    "configuration file set) in order to store users in the Redis configuration.";

// ACL CAT [categoryname]
void AclCat(CommandContext& ctx) {
  if (ctx.argc() == 2) {
    ctx.reply.BulkArray(AclCategoryNames());
    return;
  }
  if (ctx.argc() > 3) {
    ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" +
                    std::string(ctx.arg(1)) + "'. Try ACL HELP.");
    return;
  }
  uint64_t bit = AclCategoryBit(ctx.arg(2));
  if (bit == 0 || (!ctx.arg(2).empty() && ctx.arg(2)[0] == '@')) {
    ctx.reply.Error("ERR Unknown category '" + std::string(ctx.arg(2)) + "'");
    return;
  }
  ctx.reply.BulkArray(Acl::CommandsInCategory(bit));
}

// ACL SETUSER username [rule [rule ...]]
void AclSetUser(CommandContext& ctx) {
  std::vector<std::string_view> rules(ctx.args.begin() + 3, ctx.args.end());
  std::string error = ctx.server->acl().SetUser(ctx.arg(2), rules);
  if (!error.empty())
    ctx.reply.Error(error);
  else
    ctx.reply.Ok();
}

// ACL GETUSER username
void AclGetUser(CommandContext& ctx) {
  AclUser* user = ctx.server->acl().Find(ctx.arg(2));
  if (user == nullptr) {
    ctx.reply.Null();
    return;
  }
  ctx.reply.MapHeader(6);
  ctx.reply.Bulk("flags");
  auto flags = user->FlagNames();
  ctx.reply.SetHeader(static_cast<int64_t>(flags.size()));
  for (const auto& f : flags) ctx.reply.Bulk(f);
  ctx.reply.Bulk("passwords");
  ctx.reply.BulkArray(user->password_hashes());
  ctx.reply.Bulk("commands");
  ctx.reply.Bulk(user->DescribeCommands());
  ctx.reply.Bulk("keys");
  ctx.reply.Bulk(user->DescribeKeys());
  ctx.reply.Bulk("channels");
  ctx.reply.Bulk(user->DescribeChannels());
  ctx.reply.Bulk("selectors");
  ctx.reply.EmptyArray();
}

// ACL DELUSER username [username ...]
void AclDelUser(CommandContext& ctx) {
  int64_t deleted = 0;
  for (size_t i = 2; i < ctx.argc(); i++) {
    if (ctx.arg(i) == "default") {
      ctx.reply.Error("ERR The 'default' user cannot be removed");
      return;
    }
    if (ctx.server->acl().DeleteUser(ctx.arg(i))) deleted++;
  }
  ctx.reply.Integer(deleted);
}

// ACL LIST
void AclList(CommandContext& ctx) {
  const auto& users = ctx.server->acl().users();
  ctx.reply.ArrayHeader(static_cast<int64_t>(users.size()));
  for (const auto& [name, user] : users) ctx.reply.Bulk(user->DescribeLine());
}

// ACL USERS
void AclUsers(CommandContext& ctx) {
  const auto& users = ctx.server->acl().users();
  ctx.reply.ArrayHeader(static_cast<int64_t>(users.size()));
  for (const auto& [name, user] : users) ctx.reply.Bulk(name);
}

// ACL WHOAMI
void AclWhoAmI(CommandContext& ctx) {
  ctx.reply.Bulk(ctx.server->acl().UserOf(ctx.client)->name());
}

// ACL LOG [count | RESET]
void AclLog(CommandContext& ctx) {
  Acl& acl = ctx.server->acl();
  int64_t count = 10;
  if (ctx.argc() > 3) {
    ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" +
                    std::string(ctx.arg(1)) + "'. Try ACL HELP.");
    return;
  }
  if (ctx.argc() == 3) {
    if (EqualsIgnoreCase(ctx.arg(2), "reset")) {
      acl.ResetLog();
      ctx.reply.Ok();
      return;
    }
    if (!ParseInt64(ctx.arg(2), &count)) {
      ctx.reply.Error(err::kNotInteger);
      return;
    }
    count = std::max<int64_t>(count, 0);  // Redis answers a negative count with no entries
  }
  const auto& log = acl.log();
  int64_t n = std::min<int64_t>(count, static_cast<int64_t>(log.size()));
  ctx.reply.ArrayHeader(n);
  for (int64_t i = 0; i < n; i++) {
    const AclLogEntry& e = log[static_cast<size_t>(i)];
    ctx.reply.MapHeader(7);
    ctx.reply.Bulk("count");
    ctx.reply.Integer(static_cast<int64_t>(e.count));
    ctx.reply.Bulk("reason");
    ctx.reply.Bulk(e.reason);
    ctx.reply.Bulk("context");
    ctx.reply.Bulk(e.context);
    ctx.reply.Bulk("object");
    ctx.reply.Bulk(e.object);
    ctx.reply.Bulk("username");
    ctx.reply.Bulk(e.username);
    ctx.reply.Bulk("age-seconds");
    ctx.reply.Double(static_cast<double>(ctx.server->now_ms() - e.created_ms) / 1000.0);
    ctx.reply.Bulk("client-info");
    ctx.reply.Bulk(e.client_info);
  }
}

// ACL DRYRUN username command [arg [arg ...]]
void AclDryRun(CommandContext& ctx) {
  Acl& acl = ctx.server->acl();
  AclUser* user = acl.Find(ctx.arg(2));
  if (user == nullptr) {
    ctx.reply.Error("ERR User '" + std::string(ctx.arg(2)) + "' not found");
    return;
  }
  std::vector<std::string_view> args(ctx.args.begin() + 3, ctx.args.end());
  Command* cmd = ctx.server->commands().Find(args[0]);
  if (cmd != nullptr && cmd->has_subcommands() && args.size() > 1) {
    cmd = ctx.server->commands().FindSubcommand(cmd, args[1]);
  }
  if (cmd == nullptr) {
    ctx.reply.Error("ERR Command '" + std::string(args[0]) + "' not found");
    return;
  }
  int argc = static_cast<int>(args.size());
  if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity) {
    ctx.reply.Error(err::WrongArgs(cmd->display_name));
    return;
  }
  int denied_arg = 0;
  switch (acl.Check(user, cmd, args, &denied_arg)) {
    case AclResult::kOk:
      ctx.reply.Ok();
      break;
    case AclResult::kDeniedCommand:
      ctx.reply.Bulk("This user has no permissions to run the '" + cmd->name + "' command");
      break;
    case AclResult::kDeniedKey:
      ctx.reply.Bulk("This user has no permissions to access the '" +
                     std::string(args[static_cast<size_t>(denied_arg)]) + "' key");
      break;
    case AclResult::kDeniedChannel:
      ctx.reply.Bulk("This user has no permissions to access the '" +
                     std::string(args[static_cast<size_t>(denied_arg)]) + "' channel");
      break;
  }
}

// ACL GENPASS [bits]
void AclGenPass(CommandContext& ctx) {
  int64_t bits = 256;
  if (ctx.argc() == 3 && (!ParseInt64(ctx.arg(2), &bits) || bits <= 0 || bits > 4096)) {
    ctx.reply.Error(
        "ERR ACL GENPASS argument must be the number of bits for the output password, a "
        "positive number up to 4096");
    return;
  }
  static const char kHex[] = "0123456789abcdef";
  size_t chars = static_cast<size_t>((bits + 3) / 4);
  std::string random((chars + 1) / 2, '\0');
  ctx.server->env()->RandomBytes(random.data(), random.size());
  std::string out;
  for (unsigned char byte : random) {
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 15]);
  }
  out.resize(chars);
  ctx.reply.Bulk(out);
}

// ACL SAVE
void AclSave(CommandContext& ctx) {
  const std::string& path = ctx.server->config().aclfile;
  if (path.empty()) {
    ctx.reply.Error(kNoAclFile);
    return;
  }
  Status s = ctx.server->acl().SaveFile(path);
  if (!s.ok())
    ctx.reply.Error(
        "ERR There was an error trying to save the ACLs. Please check the "
        "server logs for more information");
  else
    ctx.reply.Ok();
}

// ACL LOAD
void AclLoad(CommandContext& ctx) {
  const std::string& path = ctx.server->config().aclfile;
  if (path.empty()) {
    ctx.reply.Error(kNoAclFile);
    return;
  }
  Status s = ctx.server->acl().LoadFile(path);
  if (!s.ok())
    ctx.reply.Error("ERR " + s.message());
  else
    ctx.reply.Ok();
}

// ACL HELP
void AclHelp(CommandContext& ctx) {
  static const char* const kLines[] = {
      "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CAT [<category>]",
      "    List all commands that belong to <category>, or all command categories",
      "    when no category is specified.",
      "DELUSER <username> [<username> ...]",
      "    Delete a list of users.",
      "DRYRUN <username> <command> [<arg> ...]",
      "    Returns whether the user can execute the given command without executing the command.",
      "GETUSER <username>",
      "    Get the user's details.",
      "GENPASS [<bits>]",
      "    Generate a secure 256-bit user password. The optional `bits` argument can",
      "    be used to specify a different size.",
      "LIST",
      "    Show users details in config file format.",
      "LOAD",
      "    Reload users from the ACL file.",
      "LOG [<count> | RESET]",
      "    Show the ACL log entries.",
      "SAVE",
      "    Save the current config to the ACL file.",
      "SETUSER <username> <attribute> [<attribute> ...]",
      "    Create or modify a user with the specified attributes.",
      "USERS",
      "    List all the registered usernames.",
      "WHOAMI",
      "    Return the current connection username.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(static_cast<int64_t>(std::size(kLines)));
  for (const char* line : kLines) ctx.reply.Simple(line);
}

}  // namespace

void RegisterAclFamily(CommandTable& t) {
  t.Register("acl|cat", AclCat);
  t.Register("acl|setuser", AclSetUser);
  t.Register("acl|getuser", AclGetUser);
  t.Register("acl|deluser", AclDelUser);
  t.Register("acl|list", AclList);
  t.Register("acl|users", AclUsers);
  t.Register("acl|whoami", AclWhoAmI);
  t.Register("acl|log", AclLog);
  t.Register("acl|dryrun", AclDryRun);
  t.Register("acl|genpass", AclGenPass);
  t.Register("acl|save", AclSave);
  t.Register("acl|load", AclLoad);
  t.Register("acl|help", AclHelp);
}

}  // namespace redsim
