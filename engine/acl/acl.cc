#include "engine/acl/acl.h"

#include <algorithm>
#include <sstream>
#include <unordered_map>

#include "engine/acl/sha256.h"
#include "engine/base/strutil.h"
#include "engine/server/command.h"
#include "engine/server/info.h"
#include "engine/server/server.h"

namespace redsim {
namespace {

// Redis groups a denial with the previous identical one when they are this close in time.
constexpr int64_t kLogGroupingMaxDeltaMs = 60000;
constexpr size_t kLogGroupingScan = 10;

// Every command and subcommand of Redis 7.0, by a dense id (the generated metadata's order).
// Rules and descriptions range over all of them, whether redsim implements them or not, so
// that "+@read -get" describes itself exactly as Redis describes it.
struct AclCommandInfo {
  std::string full_name;
  uint64_t categories = 0;
  int parent = -1;
  std::vector<size_t> children;
  std::vector<uint32_t> key_spec_flags;
};

class AclCommandIndex {
 public:
  static const AclCommandIndex& Get() {
    static const AclCommandIndex index;
    return index;
  }
  size_t size() const { return commands_.size(); }
  const AclCommandInfo& at(size_t id) const { return commands_[id]; }
  const std::vector<size_t>& top_level() const { return top_level_; }
  // Id of a "name" or "name|sub" (case-insensitive), -1 if unknown.
  int Find(std::string_view full_name) const {
    auto it = by_name_.find(ToLower(full_name));
    return it == by_name_.end() ? -1 : static_cast<int>(it->second);
  }
  int IdOf(const Command* cmd) const {
    const auto& all = AllCommandMeta();
    return static_cast<int>(cmd->meta - all.data());
  }

 private:
  AclCommandIndex() {
    const auto& all = AllCommandMeta();
    commands_.resize(all.size());
    for (size_t i = 0; i < all.size(); i++) {
      AclCommandInfo& info = commands_[i];
      info.full_name = all[i].name;
      std::istringstream in(all[i].acl_categories == nullptr ? "" : all[i].acl_categories);
      std::string w;
      while (in >> w) info.categories |= AclCategoryBit(w);
      for (const auto& ks : all[i].key_specs) {
        info.key_spec_flags.push_back(ParseKeySpecFlags(ks.flags));
      }
      by_name_[info.full_name] = i;
    }
    for (size_t i = 0; i < commands_.size(); i++) {
      size_t bar = commands_[i].full_name.find('|');
      if (bar == std::string::npos) {
        top_level_.push_back(i);
        continue;
      }
      auto parent = by_name_.find(commands_[i].full_name.substr(0, bar));
      if (parent == by_name_.end()) continue;
      commands_[i].parent = static_cast<int>(parent->second);
      commands_[parent->second].children.push_back(i);
    }
  }
  std::vector<AclCommandInfo> commands_;
  std::vector<size_t> top_level_;
  std::unordered_map<std::string, size_t> by_name_;
};

// The key flags of commands whose spec says "variable_flags", as Redis's own key extraction for
// them reports: SET reads its key only with GET; BITFIELD writes only with SET or INCRBY.
uint32_t VariableKeyFlags(const std::string& name, const std::vector<std::string_view>& args,
                          uint32_t spec_flags) {
  if (name == "set") {
    for (size_t i = 3; i < args.size(); i++) {
      if (EqualsIgnoreCase(args[i], "get")) return kKsRW | kKsAccess | kKsUpdate;
    }
    return kKsOW | kKsUpdate;
  }
  if (name == "bitfield") {
    for (size_t i = 2; i < args.size(); i++) {
      size_t left = args.size() - i - 1;
      if (EqualsIgnoreCase(args[i], "get") && left >= 2) {
        i += 2;
      } else if (EqualsIgnoreCase(args[i], "overflow") && left >= 1) {
        i += 1;
      } else {
        return kKsRW | kKsAccess | kKsUpdate;  // a write, or a syntax error: assume a write
      }
    }
    return kKsRO | kKsAccess;
  }
  return spec_flags;
}

bool IsLowerHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

constexpr const char* kErrSyntax = "Syntax error";
constexpr const char* kErrUnknownCommand = "Unknown command or category name in ACL";
constexpr const char* kErrFirstArgOfSubcommand =
    "Allowing first-arg of a subcommand is not supported";
constexpr const char* kErrKeysAfterAll =
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have "
    "any effect. Try 'resetkeys' to start with an empty list of patterns";
constexpr const char* kErrChannelsAfterAll =
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not "
    "have any effect. Try 'resetchannels' to start with an empty list of channels";
constexpr const char* kErrNoSuchPassword =
    "The password you are trying to remove from the user does not exist";
constexpr const char* kErrBadHash =
    "The password hash must be exactly 64 characters and contain only lowercase hexadecimal "
    "characters";

}  // namespace

// ---- AclUser ----------------------------------------------------------------------------------

AclUser::AclUser(std::string name)
    : name_(std::move(name)), command_bits_((AclCommandIndex::Get().size() + 63) / 64, 0) {}

bool AclUser::CommandBit(size_t id) const { return (command_bits_[id / 64] >> (id % 64)) & 1; }

void AclUser::SetCommandBit(size_t id, bool allowed) {
  if (allowed) {
    command_bits_[id / 64] |= 1ULL << (id % 64);
  } else {
    command_bits_[id / 64] &= ~(1ULL << (id % 64));
    all_commands_ = false;  // a single denied command ends the fast path
  }
}

void AclUser::ChangeCommand(size_t id, bool allowed) {
  SetCommandBit(id, allowed);
  first_args_.erase(id);
  for (size_t child : AclCommandIndex::Get().at(id).children) SetCommandBit(child, allowed);
}

void AclUser::ChangeCategory(uint64_t bit, bool allowed) {
  const auto& index = AclCommandIndex::Get();
  // A container first, then its subcommands, as Redis walks its command table.
  for (size_t top : index.top_level()) {
    if (index.at(top).categories & bit) ChangeCommand(top, allowed);
    for (size_t child : index.at(top).children) {
      if (index.at(child).categories & bit) ChangeCommand(child, allowed);
    }
  }
}

std::string AclUser::ApplyCommandRule(std::string_view rule) {
  const auto& index = AclCommandIndex::Get();
  bool allow = rule[0] == '+';
  std::string_view what = rule.substr(1);
  if (!what.empty() && what[0] == '@') {
    uint64_t bit = AclCategoryBit(what);
    if (bit == 0 || what.substr(1) == "all") return kErrUnknownCommand;
    ChangeCategory(bit, allow);
    return "";
  }
  size_t bar = what.rfind('|');
  if (!allow || bar == std::string_view::npos) {
    int id = index.Find(what);
    if (id < 0) return kErrUnknownCommand;
    ChangeCommand(static_cast<size_t>(id), allow);
    return "";
  }
  int parent = index.Find(what.substr(0, bar));
  if (parent < 0) return kErrUnknownCommand;
  const AclCommandInfo& info = index.at(static_cast<size_t>(parent));
  if (info.parent >= 0) return kErrFirstArgOfSubcommand;
  std::string_view first_arg = what.substr(bar + 1);
  if (first_arg.empty()) return kErrSyntax;
  if (!info.children.empty()) {
    int id = index.Find(what);
    if (id < 0) return kErrUnknownCommand;
    ChangeCommand(static_cast<size_t>(id), true);
    return "";
  }
  // "+select|0": a command without subcommands allowed with this first argument only.
  auto& args = first_args_[static_cast<size_t>(parent)];
  for (const auto& a : args) {
    if (EqualsIgnoreCase(a, first_arg)) return "";
  }
  args.emplace_back(first_arg);
  return "";
}

std::string AclUser::ApplyKeyRule(std::string_view rule) {
  if (all_keys_) return kErrKeysAfterAll;
  int permissions = 0;
  size_t offset = 1;
  if (rule[0] == '%') {
    bool tilde = false;
    for (; offset < rule.size(); offset++) {
      char c = static_cast<char>(toupper(static_cast<unsigned char>(rule[offset])));
      if (c == 'R' && !(permissions & kAclRead)) {
        permissions |= kAclRead;
      } else if (c == 'W' && !(permissions & kAclWrite)) {
        permissions |= kAclWrite;
      } else if (rule[offset] == '~') {
        offset++;
        tilde = true;
        break;
      } else {
        return kErrSyntax;
      }
    }
    (void)tilde;  // "%R" alone is the empty pattern, as in Redis
    if (permissions == 0) return kErrSyntax;
  } else {
    permissions = kAclReadWrite;
  }
  std::string pattern(rule.substr(offset));
  if (pattern.find_first_of(" \t\r\n") != std::string::npos) return kErrSyntax;
  if (pattern == "*" && permissions == kAclReadWrite) {
    all_keys_ = true;
    key_patterns_.clear();
    return "";
  }
  for (auto& existing : key_patterns_) {
    if (existing.pattern == pattern) {
      existing.permissions |= permissions;
      return "";
    }
  }
  key_patterns_.push_back({permissions, std::move(pattern)});
  return "";
}

std::string AclUser::ApplyPasswordRule(std::string_view rule) {
  std::string hash;
  if (rule[0] == '>' || rule[0] == '<') {
    hash = Sha256Hex(rule.substr(1));
  } else {
    hash = std::string(rule.substr(1));
    if (!IsLowerHex64(hash)) return kErrBadHash;
  }
  auto it = std::find(password_hashes_.begin(), password_hashes_.end(), hash);
  if (rule[0] == '>' || rule[0] == '#') {
    if (it == password_hashes_.end()) password_hashes_.push_back(hash);
    nopass_ = false;
    return "";
  }
  if (it == password_hashes_.end()) return kErrNoSuchPassword;
  password_hashes_.erase(it);
  return "";
}

std::string AclUser::ApplyRule(std::string_view rule, bool pubsub_default_all_channels) {
  if (rule.empty()) return "";  // Redis ignores an empty rule
  auto is = [&](std::string_view word) { return EqualsIgnoreCase(rule, word); };
  if (is("on")) {
    enabled_ = true;
  } else if (is("off")) {
    enabled_ = false;
  } else if (is("skip-sanitize-payload")) {
    skip_sanitize_payload_ = true;
    sanitize_payload_ = false;
  } else if (is("sanitize-payload")) {
    sanitize_payload_ = true;
    skip_sanitize_payload_ = false;
  } else if (is("nopass")) {
    nopass_ = true;
    password_hashes_.clear();
  } else if (is("resetpass")) {
    nopass_ = false;
    password_hashes_.clear();
  } else if (is("allkeys") || rule == "~*") {
    all_keys_ = true;
    key_patterns_.clear();
  } else if (is("resetkeys")) {
    all_keys_ = false;
    key_patterns_.clear();
  } else if (is("allchannels") || rule == "&*") {
    all_channels_ = true;
    channel_patterns_.clear();
  } else if (is("resetchannels")) {
    all_channels_ = false;
    channel_patterns_.clear();
  } else if (is("allcommands") || is("+@all")) {
    std::fill(command_bits_.begin(), command_bits_.end(), ~uint64_t{0});
    all_commands_ = true;
    future_commands_ = true;
    first_args_.clear();
  } else if (is("nocommands") || is("-@all")) {
    std::fill(command_bits_.begin(), command_bits_.end(), 0);
    all_commands_ = false;
    future_commands_ = false;
    first_args_.clear();
  } else if (is("reset")) {
    for (const char* r : {"resetpass", "resetkeys", "resetchannels"}) ApplyRule(r, false);
    if (pubsub_default_all_channels) ApplyRule("allchannels", false);
    for (const char* r : {"off", "sanitize-payload", "-@all"}) ApplyRule(r, false);
  } else if (rule[0] == '>' || rule[0] == '<' || rule[0] == '#' || rule[0] == '!') {
    return ApplyPasswordRule(rule);
  } else if (rule[0] == '~' || rule[0] == '%') {
    return ApplyKeyRule(rule);
  } else if (rule[0] == '&') {
    if (all_channels_) return kErrChannelsAfterAll;
    std::string pattern(rule.substr(1));
    if (pattern.find_first_of(" \t\r\n") != std::string::npos) return kErrSyntax;
    if (std::find(channel_patterns_.begin(), channel_patterns_.end(), pattern) ==
        channel_patterns_.end()) {
      channel_patterns_.push_back(std::move(pattern));
    }
  } else if (rule[0] == '+' || rule[0] == '-') {
    return ApplyCommandRule(rule);
  } else {
    return kErrSyntax;
  }
  return "";
}

bool AclUser::CheckPassword(std::string_view password) const {
  if (nopass_) return true;
  if (password_hashes_.empty()) return false;
  std::string hash = Sha256Hex(password);
  // Compare every stored hash in full (no early exit on the first differing byte).
  bool match = false;
  for (const auto& h : password_hashes_) {
    unsigned diff = 0;
    for (size_t i = 0; i < 64; i++) diff |= static_cast<unsigned>(h[i] ^ hash[i]);
    match |= diff == 0;
  }
  return match;
}

bool AclUser::CanRunCommand(const Command* cmd, const std::vector<std::string_view>& args) const {
  if (all_commands_ || cmd->is(kCmdNoAuth)) return true;
  size_t id = static_cast<size_t>(AclCommandIndex::Get().IdOf(cmd));
  if (CommandBit(id)) return true;
  auto it = first_args_.find(id);
  if (it == first_args_.end() || args.size() < 2) return false;
  for (const auto& allowed : it->second) {
    if (EqualsIgnoreCase(allowed, args[1])) return true;
  }
  return false;
}

bool AclUser::CanAccessKey(std::string_view key, uint32_t key_spec_flags) const {
  if (all_keys_) return true;
  int needed = 0;
  if (key_spec_flags & kKsAccess) needed |= kAclRead;
  if (key_spec_flags & (kKsInsert | kKsDelete | kKsUpdate)) needed |= kAclWrite;
  for (const auto& p : key_patterns_) {
    if ((p.permissions & needed) != needed) continue;
    if (GlobMatch(p.pattern, key)) return true;
  }
  return false;
}

bool AclUser::CanAccessChannel(std::string_view channel, bool is_pattern) const {
  if (all_channels_) return true;
  for (const auto& p : channel_patterns_) {
    // A subscription pattern is allowed only when the very same pattern is listed.
    if (is_pattern ? p == channel : GlobMatch(p, channel)) return true;
  }
  return false;
}

std::vector<std::string> AclUser::FlagNames() const {
  std::vector<std::string> out;
  out.push_back(enabled_ ? "on" : "off");
  if (nopass_) out.push_back("nopass");
  if (skip_sanitize_payload_) out.push_back("skip-sanitize-payload");
  if (sanitize_payload_) out.push_back("sanitize-payload");
  return out;
}

// Redis's description: start from +@all (when future commands are allowed) or -@all; then,
// greedily, the category that covers the most commands the user has while adding the fewest
// it lacks (only if it helps more than it hurts); finally single commands fix the difference.
std::string AclUser::DescribeCommands() const {
  const auto& index = AclCommandIndex::Get();
  bool additive = !future_commands_;
  std::string rules = additive ? "-@all " : "+@all ";
  AclUser fake("");
  fake.ApplyRule(additive ? "-@all" : "+@all", false);
  // `remaining` holds the user's bits with the categories chosen so far cleared (or set).
  AclUser remaining = *this;
  const auto& categories = AclCategoryNames();
  std::vector<bool> applied(categories.size(), false);
  while (true) {
    int best = -1;
    size_t min_diff = SIZE_MAX, max_same = 0;
    for (size_t c = 0; c < categories.size(); c++) {
      if (applied[c]) continue;
      size_t on = 0, off = 0;
      for (size_t id = 0; id < index.size(); id++) {
        if (!(index.at(id).categories & (1ULL << c))) continue;
        if (remaining.CommandBit(id))
          on++;
        else
          off++;
      }
      size_t diff = additive ? off : on;
      size_t same = additive ? on : off;
      if (same > diff && (diff < min_diff || (diff == min_diff && same > max_same))) {
        best = static_cast<int>(c);
        min_diff = diff;
        max_same = same;
      }
    }
    if (best < 0) break;
    uint64_t bit = 1ULL << best;
    fake.ChangeCategory(bit, additive);
    remaining.ChangeCategory(bit, !additive);
    rules += std::string(additive ? "+@" : "-@") + categories[static_cast<size_t>(best)] + " ";
    applied[static_cast<size_t>(best)] = true;
  }
  for (size_t top : index.top_level()) {
    std::vector<size_t> ids = {top};
    ids.insert(ids.end(), index.at(top).children.begin(), index.at(top).children.end());
    for (size_t id : ids) {
      bool mine = CommandBit(id);
      if (mine != fake.CommandBit(id)) {
        rules += std::string(mine ? "+" : "-") + index.at(id).full_name + " ";
        fake.ChangeCommand(id, mine);
      }
      auto args = first_args_.find(id);
      if (!mine && args != first_args_.end()) {
        for (const auto& a : args->second) rules += "+" + index.at(id).full_name + "|" + a + " ";
      }
    }
  }
  rules.pop_back();
  return rules;
}

std::string AclUser::DescribeKeys() const {
  if (all_keys_) return "~*";
  std::string out;
  for (const auto& p : key_patterns_) {
    if (!out.empty()) out += ' ';
    if (p.permissions == kAclRead)
      out += "%R~";
    else if (p.permissions == kAclWrite)
      out += "%W~";
    else
      out += "~";
    out += p.pattern;
  }
  return out;
}

std::string AclUser::DescribeChannels() const {
  if (all_channels_) return "&*";
  std::string out;
  for (const auto& p : channel_patterns_) {
    if (!out.empty()) out += ' ';
    out += "&" + p;
  }
  return out;
}

std::string AclUser::DescribeLine() const {
  std::string out = "user " + name_;
  for (const auto& f : FlagNames()) out += " " + f;
  for (const auto& h : password_hashes_) out += " #" + h;
  std::string keys = DescribeKeys();
  if (!keys.empty()) out += " " + keys;
  if (all_channels_) {
    out += " &*";
  } else {
    out += " resetchannels";
    if (!channel_patterns_.empty()) out += " " + DescribeChannels();
  }
  out += " " + DescribeCommands();
  return out;
}

// ---- Acl --------------------------------------------------------------------------------------

Acl::Acl(AclHandles handles) : h_(std::move(handles)) {
  auto user = std::make_unique<AclUser>("default");
  for (const char* r : {"on", "nopass", "~*", "&*", "+@all"}) user->ApplyRule(r, false);
  default_user_ = user.get();
  users_["default"] = std::move(user);
  ApplyRequirePass(h_.config->requirepass);
}

Acl::~Acl() = default;

AclUser* Acl::Find(std::string_view name) const {
  auto it = users_.find(name);
  return it == users_.end() ? nullptr : it->second.get();
}

AclUser* Acl::UserOf(const Client* c) const {
  return c->acl_user != nullptr ? c->acl_user : default_user_;
}

void Acl::ApplyRequirePass(const std::string& password) {
  default_user_->ApplyRule("resetpass", false);
  if (password.empty()) {
    default_user_->ApplyRule("nopass", false);
  } else {
    default_user_->ApplyRule(">" + password, false);
  }
}

bool Acl::DefaultUserNeedsNoAuth() const {
  return default_user_->nopass() && default_user_->enabled();
}

std::string Acl::SetUser(std::string_view name, const std::vector<std::string_view>& rules) {
  if (name.find_first_of(std::string_view(" \0", 2)) != std::string_view::npos) {
    return "ERR Usernames can't contain spaces or null characters";
  }
  bool all_channels = h_.config->acl_pubsub_default == "allchannels";
  AclUser* existing = Find(name);
  AclUser draft = existing != nullptr ? *existing : AclUser(std::string(name));
  if (existing == nullptr && all_channels) draft.ApplyRule("allchannels", false);
  for (auto rule : rules) {
    std::string error = draft.ApplyRule(rule, all_channels);
    if (!error.empty()) {
      return "ERR Error in ACL SETUSER modifier '" + std::string(rule) + "': " + error;
    }
  }
  if (existing != nullptr) {
    *existing = std::move(draft);  // in place: clients keep pointing at it
  } else {
    users_[std::string(name)] = std::make_unique<AclUser>(std::move(draft));
  }
  return "";
}

bool Acl::DeleteUser(std::string_view name) {
  auto it = users_.find(name);
  if (it == users_.end()) return false;
  AclUser* user = it->second.get();
  for (const auto& [id, c] : h_.clients()) {
    if (c->acl_user != user) continue;
    c->acl_user = nullptr;
    c->user = "default";
    c->authenticated = false;
    // The client running DELUSER gets its reply first.
    if (c == h_.current_client())
      c->flags |= kClientCloseAfterReply;
    else
      h_.close_client_async(c);
  }
  users_.erase(it);
  return true;
}

AclResult Acl::Check(const AclUser* user, const Command* cmd,
                     const std::vector<std::string_view>& args, int* denied_arg) const {
  if (user->unrestricted()) return AclResult::kOk;
  if (!user->CanRunCommand(cmd, args)) return AclResult::kDeniedCommand;
  const auto& info =
      AclCommandIndex::Get().at(static_cast<size_t>(AclCommandIndex::Get().IdOf(cmd)));
  if (!info.key_spec_flags.empty()) {
    std::vector<int> positions, specs;
    cmd->GetKeyPositions(args, &positions, &specs);
    for (size_t i = 0; i < positions.size(); i++) {
      uint32_t flags = info.key_spec_flags[static_cast<size_t>(specs[i])];
      if (flags & kKsNotKey) continue;
      if (flags & kKsVariableFlags) flags = VariableKeyFlags(cmd->name, args, flags);
      if (!user->CanAccessKey(args[static_cast<size_t>(positions[i])], flags)) {
        *denied_arg = positions[i];
        return AclResult::kDeniedKey;
      }
    }
  }
  // Channels: PUBLISH/SPUBLISH name one; (S|P)SUBSCRIBE name several (patterns for PSUBSCRIBE).
  const std::string& n = cmd->name;
  bool publish = n == "publish" || n == "spublish";
  bool subscribe = n == "subscribe" || n == "ssubscribe" || n == "psubscribe";
  if (publish || subscribe) {
    size_t last = publish ? std::min<size_t>(1, args.size() - 1) : args.size() - 1;
    for (size_t i = 1; i <= last; i++) {
      if (!user->CanAccessChannel(args[i], n == "psubscribe")) {
        *denied_arg = static_cast<int>(i);
        return AclResult::kDeniedChannel;
      }
    }
  }
  return AclResult::kOk;
}

std::string Acl::NopermText(AclResult result, const Command* cmd) {
  switch (result) {
    case AclResult::kDeniedCommand:
      return "NOPERM this user has no permissions to run the '" + cmd->name + "' command";
    case AclResult::kDeniedKey:
      return "NOPERM this user has no permissions to access one of the keys used as arguments";
    case AclResult::kDeniedChannel:
      return "NOPERM this user has no permissions to access one of the channels used as "
             "arguments";
    case AclResult::kOk:
      break;
  }
  return "";
}

bool Acl::CheckClient(Client* c, const Command* cmd, const std::vector<std::string_view>& args,
                      std::string* error) {
  // The primary's link and data being loaded run with no user, as in Redis.
  if (c->has(kClientMaster) || h_.loading()) return true;
  AclResult result = CheckAndLog(c, cmd, args, /*in_script=*/false);
  if (result == AclResult::kOk) return true;
  *error = NopermText(result, cmd);
  return false;
}

AclResult Acl::CheckAndLog(Client* c, const Command* cmd, const std::vector<std::string_view>& args,
                           bool in_script) {
  const AclUser* user = UserOf(c);
  int denied_arg = 0;
  AclResult result = Check(user, cmd, args, &denied_arg);
  if (result == AclResult::kOk) return result;
  std::string_view reason = result == AclResult::kDeniedCommand ? "command"
                            : result == AclResult::kDeniedKey   ? "key"
                                                                : "channel";
  std::string object = result == AclResult::kDeniedCommand
                           ? cmd->name
                           : std::string(args[static_cast<size_t>(denied_arg)]);
  AddLogEntry(c, reason, object, user->name(), in_script);
  return result;
}

bool Acl::Authenticate(Client* c, std::string_view username, std::string_view password,
                       std::string_view command_name) {
  AclUser* user = Find(username);
  if (user == nullptr || !user->enabled() || !user->CheckPassword(password)) {
    AddLogEntry(c, "auth", command_name, username);
    return false;
  }
  c->acl_user = user == default_user_ ? nullptr : user;
  c->user = user->name();
  c->authenticated = true;
  return true;
}

void Acl::AddLogEntry(Client* c, std::string_view reason, std::string_view object,
                      std::string_view username, bool in_script) {
  int64_t max_len = h_.config->acllog_max_len;
  if (max_len <= 0) return;
  AclLogEntry entry;
  entry.reason = std::string(reason);
  entry.context = in_script || c->has(kClientInScript) ? "lua"
                  : c->has(kClientMulti)               ? "multi"
                                                       : "toplevel";
  entry.object = std::string(object);
  entry.username = std::string(username);
  entry.created_ms = *h_.now_ms;
  entry.client_info = h_.client_info(c);
  // A repeat of a recent identical denial (among the 10 newest entries, as Redis scans) counts
  // on the old entry, which moves to the front.
  auto scan_end = log_.size() > kLogGroupingScan ? log_.begin() + kLogGroupingScan : log_.end();
  for (auto it = log_.begin(); it != scan_end; ++it) {
    if (it->reason == entry.reason && it->context == entry.context && it->object == entry.object &&
        it->username == entry.username &&
        entry.created_ms - it->created_ms < kLogGroupingMaxDeltaMs) {
      entry.count = it->count + 1;
      log_.erase(it);
      break;
    }
  }
  log_.push_front(std::move(entry));
  while (static_cast<int64_t>(log_.size()) > max_len) log_.pop_back();
}

// ---- aclfile ----------------------------------------------------------------------------------

Status Acl::LoadFile(const std::string& path) {
  std::string text;
  Status s = h_.env->ReadFileToString(path, &text);
  if (!s.ok()) {
    return Status::IoError("Error loading ACLs, opening file '" + path + "': " + s.message());
  }
  // Users are built aside and replace the current set only if the whole file is valid.
  bool all_channels = h_.config->acl_pubsub_default == "allchannels";
  std::map<std::string, std::unique_ptr<AclUser>, std::less<>> loaded;
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    line_no++;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto words = SplitArgs(line);
    if (!words || words->empty()) continue;
    auto fail = [&](const std::string& why) {
      return Status::InvalidArgument(path + ":" + std::to_string(line_no) + ": " + why);
    };
    if ((*words)[0] != "user" || words->size() < 2) {
      return fail("should start with user keyword");
    }
    const std::string& name = (*words)[1];
    if (loaded.count(name) != 0) return fail("Duplicate user '" + name + "' found");
    auto user = std::make_unique<AclUser>(name);
    if (all_channels) user->ApplyRule("allchannels", false);
    for (size_t i = 2; i < words->size(); i++) {
      std::string error = user->ApplyRule((*words)[i], all_channels);
      if (!error.empty()) return fail(error + ". ");
    }
    loaded[name] = std::move(user);
  }
  if (loaded.count("default") == 0) {
    auto user = std::make_unique<AclUser>("default");
    for (const char* r : {"on", "nopass", "~*", "&*", "+@all"}) user->ApplyRule(r, false);
    loaded["default"] = std::move(user);
  }
  // Clients keep their user (by name) when it still exists; the others are disconnected.
  for (const auto& [id, c] : h_.clients()) {
    if (c->acl_user == nullptr) continue;
    auto it = loaded.find(c->acl_user->name());
    if (it != loaded.end() && it->first != "default") {
      c->acl_user = it->second.get();
      continue;
    }
    c->acl_user = nullptr;
    if (it == loaded.end()) {
      c->authenticated = false;
      c->user = "default";
      if (c != h_.current_client()) h_.close_client_async(c);
    }
  }
  // The default user object stays the same (clients with acl_user == nullptr use it).
  *default_user_ = std::move(*loaded["default"]);
  loaded["default"] = std::move(users_["default"]);
  users_ = std::move(loaded);
  return Status::Ok();
}

Status Acl::SaveFile(const std::string& path) const {
  std::string text;
  for (const auto& [name, user] : users_) text += user->DescribeLine() + "\n";
  std::string tmp = path + ".tmp-redsim";
  std::unique_ptr<WritableFile> file;
  Status s = h_.env->OpenWritable(tmp, /*truncate=*/true, &file);
  if (s.ok()) s = file->Append(text);
  if (s.ok()) s = file->Sync();
  if (s.ok()) s = file->Close();
  if (s.ok()) s = h_.env->RenameFile(tmp, path);
  return s;
}

std::vector<std::string> Acl::CommandsInCategory(uint64_t bit) {
  const auto& index = AclCommandIndex::Get();
  std::vector<std::string> out;
  for (size_t id = 0; id < index.size(); id++) {
    if (index.at(id).categories & bit) out.push_back(index.at(id).full_name);
  }
  return out;
}

bool CheckChannelPermission(Server* server, Client* c, std::string_view channel, bool is_pattern,
                            std::string* error) {
  if (c->has(kClientMaster) || server->loading()) return true;
  Acl& acl = server->acl();
  AclUser* user = acl.UserOf(c);
  if (user->CanAccessChannel(channel, is_pattern)) return true;
  acl.AddLogEntry(c, "channel", channel, user->name());
  *error = Acl::NopermText(AclResult::kDeniedChannel, nullptr);
  return false;
}

}  // namespace redsim
