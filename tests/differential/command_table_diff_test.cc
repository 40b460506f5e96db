// The command table against real Redis: for every command redsim implements, COMMAND INFO must
// equal Redis's (arity, flags, first/last/step key, ACL categories, tips, key specs,
// subcommands), in RESP2 and RESP3; COMMAND DOCS must carry the same interface facts (since,
// group, flags, and the full argument tree that redis-cli turns into hints); COMMAND, COUNT,
// LIST, GETKEYS agree with it. Prose (summary, complexity, history) is Redis's own writing and
// is deliberately not copied.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "tests/differential/foundation_gen.h"

namespace redsim::testing {
namespace {

class CommandTableDifferential : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
    pair_ = DifferentialPair::Get();
    ASSERT_NE(pair_, nullptr);
    pair_->Reset();
    RespValue list = pair_->redsim().Call({"COMMAND", "LIST"});
    ASSERT_EQ(list.type, RespValue::Type::kArray);
    for (const auto& n : list.elements) implemented_.insert(n.str);
    ASSERT_GT(implemented_.size(), 60u);
  }
  void TearDown() override {
    if (pair_ != nullptr) pair_->Reset();
  }

  // A COMMAND INFO entry with the subcommands redsim does not implement removed, and the others
  // sorted by name (Redis lists them in hash-table order). Key-spec "notes" are left out: they
  // are Redis's prose, which redsim does not copy, and no client reads them.
  RespValue KeepImplementedSubcommands(RespValue info) {
    if (info.elements.size() == 10) {
      for (auto& spec : info.elements[8].elements) {
        if (spec.elements.size() >= 2 && spec.elements[0].str == "notes") {
          spec.elements.erase(spec.elements.begin(), spec.elements.begin() + 2);
        }
      }
      auto& subs = info.elements[9].elements;
      subs.erase(std::remove_if(subs.begin(), subs.end(),
                                [&](const RespValue& s) {
                                  return s.elements.empty() ||
                                         !implemented_.count(s.elements[0].str);
                                }),
                 subs.end());
      SortByName(&subs);
      for (auto& sub : subs) sub = KeepImplementedSubcommands(sub);
    }
    return info;
  }
  static void SortByName(std::vector<RespValue>* entries) {
    std::sort(entries->begin(), entries->end(), [](const RespValue& a, const RespValue& b) {
      return a.elements[0].str < b.elements[0].str;
    });
  }
  static RespValue SortedSubcommands(RespValue info) {
    if (info.elements.size() == 10) SortByName(&info.elements[9].elements);
    return info;
  }

  DifferentialPair* pair_ = nullptr;
  std::set<std::string> implemented_;  // "get", "config|get", ...
};

TEST_F(CommandTableDifferential, CommandInfoMatchesRedisForEveryImplementedCommand) {
  for (int resp : {2, 3}) {
    pair_->redis().Call({"HELLO", std::to_string(resp)});
    pair_->redsim().Call({"HELLO", std::to_string(resp)});
    for (const auto& name : implemented_) {
      RespValue theirs = pair_->redis().Call({"COMMAND", "INFO", name});
      RespValue ours = pair_->redsim().Call({"COMMAND", "INFO", name});
      ASSERT_EQ(theirs.elements.size(), 1u) << name;
      ASSERT_EQ(ours.elements.size(), 1u) << name;
      EXPECT_EQ(SortedSubcommands(ours.elements[0]), KeepImplementedSubcommands(theirs.elements[0]))
          << name << " (RESP" << resp << ")";
    }
  }
  pair_->Reset();
}

TEST_F(CommandTableDifferential, CommandListsOnlyWhatIsImplemented) {
  RespValue all = pair_->redsim().Call({"COMMAND"});
  RespValue count = pair_->redsim().Call({"COMMAND", "COUNT"});
  ASSERT_EQ(all.type, RespValue::Type::kArray);
  EXPECT_EQ(static_cast<int64_t>(all.elements.size()), count.integer);
  size_t top_level = 0;
  for (const auto& n : implemented_) top_level += n.find('|') == std::string::npos;
  EXPECT_EQ(all.elements.size(), top_level);
  for (const auto& entry : all.elements) {
    RespValue theirs = pair_->redis().Call({"COMMAND", "INFO", entry.elements[0].str});
    EXPECT_EQ(SortedSubcommands(entry), KeepImplementedSubcommands(theirs.elements[0]))
        << entry.elements[0].str;
  }
  // Filters.
  for (const Command& filter : {Command{"COMMAND", "LIST", "FILTERBY", "ACLCAT", "string"},
                                Command{"COMMAND", "LIST", "FILTERBY", "PATTERN", "*ex*"},
                                Command{"COMMAND", "LIST", "FILTERBY", "ACLCAT", "keyspace"}}) {
    std::set<std::string> ours, theirs;
    for (const auto& n : pair_->redsim().Call(filter).elements) ours.insert(n.str);
    for (const auto& n : pair_->redis().Call(filter).elements) {
      if (implemented_.count(n.str)) theirs.insert(n.str);
    }
    EXPECT_EQ(ours, theirs) << FormatCommand(filter);
  }
}

// Interface facts of COMMAND DOCS, as a comparable value: the doc map without the prose fields,
// with nested maps (arguments, subcommands) treated the same way. Maps are compared as sets of
// pairs (RESP2 flattens them to arrays; order is not part of the contract).
RespValue DocFacts(const RespValue& doc) {
  static const std::set<std::string> kProse = {"summary", "complexity", "history", "replaced_by"};
  if (!doc.is_aggregate()) return doc;
  RespValue out = doc;
  out.elements.clear();
  std::vector<std::pair<std::string, RespValue>> pairs;
  for (size_t i = 0; i + 1 < doc.elements.size(); i += 2) {
    const std::string& key = doc.elements[i].str;
    if (kProse.count(key)) continue;
    RespValue value = doc.elements[i + 1];
    if (key == "arguments") {
      for (auto& a : value.elements) a = DocFacts(a);
    } else if (key == "subcommands") {
      for (size_t j = 1; j < value.elements.size(); j += 2) {
        value.elements[j] = DocFacts(value.elements[j]);
      }
      value = SortPairs({}, std::move(value));  // hash-table order in Redis
    }
    pairs.emplace_back(key, value);
  }
  std::sort(pairs.begin(), pairs.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [k, v] : pairs) {
    out.elements.push_back(RespValue::Bulk(k));
    out.elements.push_back(std::move(v));
  }
  return out;
}

TEST_F(CommandTableDifferential, CommandDocsCarryRedisInterfaceFacts) {
  for (int resp : {2, 3}) {
    pair_->redis().Call({"HELLO", std::to_string(resp)});
    pair_->redsim().Call({"HELLO", std::to_string(resp)});
    for (const auto& name : implemented_) {
      if (name.find('|') != std::string::npos) continue;  // documented inside the container
      RespValue theirs = pair_->redis().Call({"COMMAND", "DOCS", name});
      RespValue ours = pair_->redsim().Call({"COMMAND", "DOCS", name});
      ASSERT_EQ(theirs.elements.size(), 2u) << name;
      ASSERT_EQ(ours.elements.size(), 2u) << name;
      EXPECT_EQ(ours.elements[0], theirs.elements[0]) << name;
      RespValue their_doc = DocFacts(theirs.elements[1]);
      // Keep only implemented subcommands of Redis's container documentation.
      for (size_t i = 0; i + 1 < their_doc.elements.size(); i += 2) {
        if (their_doc.elements[i].str != "subcommands") continue;
        auto& subs = their_doc.elements[i + 1].elements;
        std::vector<RespValue> kept;
        for (size_t j = 0; j + 1 < subs.size(); j += 2) {
          if (implemented_.count(subs[j].str)) {
            kept.push_back(subs[j]);
            kept.push_back(subs[j + 1]);
          }
        }
        subs = kept;
      }
      RespValue our_doc = DocFacts(ours.elements[1]);
      EXPECT_EQ(SortPairs({}, our_doc), SortPairs({}, their_doc)) << name << " RESP" << resp;
    }
  }
  // Every field redis-cli reads for its hints is present and typed as Redis types it.
  pair_->redsim().Call({"HELLO", "3"});
  RespValue all = pair_->redsim().Call({"COMMAND", "DOCS"});
  ASSERT_EQ(all.type, RespValue::Type::kMap);
  for (size_t i = 1; i < all.elements.size(); i += 2) {
    const RespValue& doc = all.elements[i];
    ASSERT_EQ(doc.type, RespValue::Type::kMap) << all.elements[i - 1].str;
    std::set<std::string> keys;
    for (size_t j = 0; j < doc.elements.size(); j += 2) keys.insert(doc.elements[j].str);
    for (const char* needed : {"summary", "since", "group"}) {
      EXPECT_TRUE(keys.count(needed)) << all.elements[i - 1].str << " lacks " << needed;
    }
  }
  pair_->Reset();
}

TEST_F(CommandTableDifferential, GetKeysMatchesRedisForEveryKeyedCommand) {
  // One plausible invocation per command, keys in the positions the key specs describe.
  const std::vector<Command> invocations = {{"GET", "k"},
                                            {"SET", "k", "v"},
                                            {"SET", "k", "v", "GET"},
                                            {"GETEX", "k", "PERSIST"},
                                            {"GETDEL", "k"},
                                            {"GETSET", "k", "v"},
                                            {"SETNX", "k", "v"},
                                            {"SETEX", "k", "1", "v"},
                                            {"PSETEX", "k", "1", "v"},
                                            {"MGET", "a", "b", "c"},
                                            {"MSET", "a", "1", "b", "2"},
                                            {"MSETNX", "a", "1", "b", "2"},
                                            {"APPEND", "k", "v"},
                                            {"STRLEN", "k"},
                                            {"INCR", "k"},
                                            {"DECRBY", "k", "2"},
                                            {"INCRBYFLOAT", "k", "1.5"},
                                            {"GETRANGE", "k", "0", "1"},
                                            {"SETRANGE", "k", "0", "v"},
                                            {"LCS", "a", "b"},
                                            {"DEL", "a", "b"},
                                            {"UNLINK", "a"},
                                            {"EXISTS", "a", "b"},
                                            {"TOUCH", "a"},
                                            {"TYPE", "k"},
                                            {"RENAME", "a", "b"},
                                            {"RENAMENX", "a", "b"},
                                            {"COPY", "a", "b", "DB", "1"},
                                            {"MOVE", "k", "1"},
                                            {"EXPIRE", "k", "1"},
                                            {"PEXPIREAT", "k", "1"},
                                            {"TTL", "k"},
                                            {"PEXPIRETIME", "k"},
                                            {"PERSIST", "k"},
                                            {"OBJECT", "ENCODING", "k"},
                                            {"WATCH", "a", "b"},
                                            {"SUBSTR", "k", "0", "1"}};
  for (const auto& cmd : invocations) {
    for (const char* sub : {"GETKEYS", "GETKEYSANDFLAGS"}) {
      Command c = {"COMMAND", sub};
      c.insert(c.end(), cmd.begin(), cmd.end());
      EXPECT_EQ(pair_->redsim().Call(c), pair_->redis().Call(c)) << FormatCommand(c);
    }
  }
}

}  // namespace
}  // namespace redsim::testing
