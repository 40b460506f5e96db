#include "engine/server/command.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "engine/base/check.h"
#include "engine/base/strutil.h"

namespace redsim {

static const std::vector<CommandMeta> kCommandMeta = {
#include "engine/server/command_meta.gen.inc"
};

const std::vector<CommandMeta>& AllCommandMeta() { return kCommandMeta; }

const std::vector<std::pair<uint64_t, const char*>>& CommandFlagNames() {
  static const std::vector<std::pair<uint64_t, const char*>> names = {
      {kCmdWrite, "write"},
      {kCmdReadonly, "readonly"},
      {kCmdDenyOom, "denyoom"},
      {kCmdModule, "module"},
      {kCmdAdmin, "admin"},
      {kCmdPubsub, "pubsub"},
      {kCmdNoScript, "noscript"},
      {kCmdBlocking, "blocking"},
      {kCmdLoading, "loading"},
      {kCmdStale, "stale"},
      {kCmdSkipMonitor, "skip_monitor"},
      {kCmdSkipSlowlog, "skip_slowlog"},
      {kCmdAsking, "asking"},
      {kCmdFast, "fast"},
      {kCmdNoAuth, "no_auth"},
      {kCmdMayReplicate, "may_replicate"},
      {kCmdSentinel, "sentinel"},
      {kCmdOnlySentinel, "only_sentinel"},
      {kCmdNoMandatoryKeys, "no_mandatory_keys"},
      {kCmdProtected, "protected"},
      {kCmdNoAsyncLoading, "no_async_loading"},
      {kCmdNoMulti, "no_multi"},
      {kCmdMovableKeys, "movablekeys"},
      {kCmdAllowBusy, "allow_busy"},
  };
  return names;
}

const std::vector<std::string>& AclCategoryNames() {
  static const std::vector<std::string> names = {
      "keyspace", "read",   "write",       "set",       "sortedset",  "list",        "hash",
      "string",   "bitmap", "hyperloglog", "geo",       "stream",     "pubsub",      "admin",
      "fast",     "slow",   "blocking",    "dangerous", "connection", "transaction", "scripting"};
  return names;
}

uint64_t AclCategoryBit(std::string_view name) {
  if (!name.empty() && name[0] == '@') name.remove_prefix(1);
  const auto& names = AclCategoryNames();
  for (size_t i = 0; i < names.size(); i++) {
    if (EqualsIgnoreCase(names[i], name)) return 1ULL << i;
  }
  return 0;
}

static std::vector<std::string> Words(const char* s) {
  std::vector<std::string> out;
  std::istringstream in(s == nullptr ? "" : s);
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

static uint64_t ParseFlags(const char* s) {
  uint64_t flags = 0;
  for (const auto& w : Words(s)) {
    bool found = false;
    for (const auto& [bit, name] : CommandFlagNames()) {
      if (w == name) {
        flags |= bit;
        found = true;
      }
    }
    REDSIM_CHECK(found, "unknown command flag in metadata");
  }
  return flags;
}

uint32_t ParseKeySpecFlags(const char* s) {
  static const std::pair<const char*, uint32_t> names[] = {{"RO", kKsRO},
                                                           {"RW", kKsRW},
                                                           {"OW", kKsOW},
                                                           {"RM", kKsRM},
                                                           {"access", kKsAccess},
                                                           {"update", kKsUpdate},
                                                           {"insert", kKsInsert},
                                                           {"delete", kKsDelete},
                                                           {"not_key", kKsNotKey},
                                                           {"incomplete", kKsIncomplete},
                                                           {"variable_flags", kKsVariableFlags}};
  uint32_t flags = 0;
  for (const auto& w : Words(s)) {
    for (const auto& [name, bit] : names) {
      if (w == name) flags |= bit;
    }
  }
  return flags;
}

static uint64_t ParseAcl(const char* s) {
  uint64_t bits = 0;
  for (const auto& w : Words(s)) bits |= AclCategoryBit(w);
  return bits;
}

CommandTable::CommandTable() {
  for (const auto& m : kCommandMeta) meta_by_name_[m.name] = &m;
}

void CommandTable::Register(std::string_view name, CommandHandler handler) {
  std::string lname = ToLower(name);
  auto it = meta_by_name_.find(lname);
  if (it == meta_by_name_.end()) {
    fprintf(stderr, "redsim: command '%s' has no metadata\n", lname.c_str());
    abort();
  }
  const CommandMeta* meta = it->second;
  auto make = [&](const CommandMeta* m, const std::string& full) {
    auto cmd = std::make_unique<Command>();
    cmd->name = full;
    cmd->display_name = full;
    cmd->meta = m;
    cmd->arity = m->arity;
    cmd->flags = ParseFlags(m->flags);
    cmd->acl_categories = ParseAcl(m->acl_categories);
    for (const auto& ks : m->key_specs) cmd->key_spec_flags_union |= ParseKeySpecFlags(ks.flags);
    cmd->id = next_id_++;
    return cmd;
  };
  size_t bar = lname.find('|');
  if (bar == std::string::npos) {
    auto& slot = top_[lname];
    if (!slot) slot = make(meta, lname);
    slot->handler = handler;
    return;
  }
  std::string parent = lname.substr(0, bar);
  auto& container = top_[parent];
  if (!container) {
    auto pit = meta_by_name_.find(parent);
    REDSIM_CHECK(pit != meta_by_name_.end(),
                 "every subcommand has its container command in the metadata");
    container = make(pit->second, parent);
  }
  auto sub = make(meta, lname);
  sub->parent = container.get();
  sub->handler = handler;
  container->subcommands[lname.substr(bar + 1)] = std::move(sub);
}

void CommandTable::AddMeta(const CommandMeta* meta) { meta_by_name_[meta->name] = meta; }

void CommandTable::RetainOnly(const std::vector<std::string>& names) {
  for (auto it = top_.begin(); it != top_.end();) {
    if (std::find(names.begin(), names.end(), it->first) == names.end()) {
      it = top_.erase(it);
    } else {
      ++it;
    }
  }
}

Command* CommandTable::Find(std::string_view name) const {
  char buf[64];
  if (name.size() >= sizeof(buf)) return nullptr;
  for (size_t i = 0; i < name.size(); i++) {
    char c = name[i];
    buf[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  }
  auto it = top_.find(std::string(buf, name.size()));
  return it == top_.end() ? nullptr : it->second.get();
}

Command* CommandTable::FindSubcommand(const Command* container, std::string_view sub) const {
  auto it = container->subcommands.find(ToLower(sub));
  return it == container->subcommands.end() ? nullptr : it->second.get();
}

Command* CommandTable::FindByFullName(std::string_view full_name) const {
  size_t bar = full_name.find('|');
  if (bar == std::string_view::npos) return Find(full_name);
  Command* c = Find(full_name.substr(0, bar));
  if (c == nullptr) return nullptr;
  return FindSubcommand(c, full_name.substr(bar + 1));
}

std::vector<Command*> CommandTable::All() const {
  std::vector<Command*> out;
  for (const auto& [name, cmd] : top_) out.push_back(cmd.get());
  std::sort(out.begin(), out.end(), [](Command* a, Command* b) { return a->name < b->name; });
  return out;
}

// Appends the positions of the keys one key spec finds in `args`.
static void FindKeysOfSpec(const KeySpecMeta& ks, const std::vector<std::string_view>& args,
                           std::vector<int>* positions) {
  const int argc = static_cast<int>(args.size());
  std::string_view btype(ks.begin_type), ftype(ks.find_type);
  int start = -1;
  if (btype == "index") {
    start = ks.bs_index;
  } else if (btype == "keyword") {
    int from = ks.bs_startfrom;
    int end, step;
    if (from >= 0) {
      end = argc;
      step = 1;
    } else {
      from = argc + from;
      end = 0;
      step = -1;
    }
    for (int i = from; i != end && i >= 0 && i < argc; i += step) {
      if (EqualsIgnoreCase(args[i], ks.bs_keyword)) {
        start = i + 1;
        break;
      }
    }
  } else {
    return;  // unknown: the command's own key extraction handles it
  }
  if (start < 0 || start >= argc) return;
  if (ftype == "range") {
    int last;
    if (ks.fk_lastkey >= 0) {
      last = start + ks.fk_lastkey;
    } else if (ks.fk_limit <= 1) {
      last = argc + ks.fk_lastkey;
    } else {
      // Keys fill a fraction (1/limit) of the remaining arguments (XREAD STREAMS k1 k2 id1 id2).
      last = start + (argc - start) / ks.fk_limit - 1;
    }
    int step = ks.fk_keystep > 0 ? ks.fk_keystep : 1;
    for (int i = start; i <= last && i < argc; i += step) positions->push_back(i);
  } else if (ftype == "keynum") {
    int numidx = start + ks.fk_keynumidx;
    if (numidx >= argc) return;
    int64_t n;
    if (!ParseInt64(args[numidx], &n) || n <= 0) return;
    int first = start + ks.fk_firstkey;
    int step = ks.fk_keystep > 0 ? ks.fk_keystep : 1;
    for (int64_t k = 0; k < n; k++) {
      int64_t i = first + k * step;
      if (i >= argc) break;
      positions->push_back(static_cast<int>(i));
    }
  }
}

void Command::GetKeyPositions(const std::vector<std::string_view>& args,
                              std::vector<int>* positions, std::vector<int>* spec_indexes) const {
  positions->clear();
  if (spec_indexes != nullptr) spec_indexes->clear();
  for (size_t spec = 0; spec < meta->key_specs.size(); spec++) {
    FindKeysOfSpec(meta->key_specs[spec], args, positions);
    if (spec_indexes != nullptr) spec_indexes->resize(positions->size(), static_cast<int>(spec));
  }
}

}  // namespace redsim
