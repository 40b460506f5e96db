// Differential tests of ACL against the real redis-server: ACL CAT for every category, and
// random users (a small grammar of SETUSER rules) whose descriptions (GETUSER, LIST), DRYRUN
// verdicts and real commands run as that user (NOPERM texts included) must match Redis's, as
// must the ACL LOG those commands leave behind.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <sstream>

#include "tests/support/differential.h"

namespace redsim::testing {
namespace {

// ACL CAT <category> lists commands in the server's hash-table order; the set is what counts.
// (Without a category the list has a fixed order and is compared as is.)
const bool kCatOrder = RegisterNormalizer("acl|cat", [](const Command& cmd, RespValue reply) {
  return cmd.size() > 2 ? SortArrayReply(cmd, std::move(reply)) : reply;
});

// A command description ends with single-command fixes in the server's hash-table order (the
// category part comes first, in a fixed order): the fixes are sorted before comparing.
std::string CanonicalRules(const std::string& rules) {
  std::istringstream in(rules);
  std::vector<std::string> ordered, fixes;
  std::string w;
  bool in_fixes = false;
  while (in >> w) {
    bool command_rule = (w[0] == '+' || w[0] == '-');
    if (command_rule && w.size() > 1 && w[1] != '@') in_fixes = true;
    (in_fixes && command_rule ? fixes : ordered).push_back(w);
  }
  std::sort(fixes.begin(), fixes.end());
  std::string out;
  for (const auto& part : {ordered, fixes}) {
    for (const auto& x : part) out += x + " ";
  }
  return out;
}

const bool kGetUser = RegisterNormalizer("acl|getuser", [](const Command&, RespValue reply) {
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    if (reply.elements[i].str == "commands") {
      reply.elements[i + 1].str = CanonicalRules(reply.elements[i + 1].str);
    }
  }
  return reply;
});

const bool kList = RegisterNormalizer("acl|list", [](const Command&, RespValue reply) {
  for (auto& line : reply.elements) line.str = CanonicalRules(line.str);
  return reply;
});

// Log entries carry the time since the denial and a CLIENT LIST line (ids, addresses, buffer
// sizes differ between servers by nature): those two values are blanked; count, reason,
// context, object and username are compared.
const bool kLog = RegisterNormalizer("acl|log", [](const Command&, RespValue reply) {
  for (auto& entry : reply.elements) {
    for (size_t i = 0; i + 1 < entry.elements.size(); i += 2) {
      if (entry.elements[i].str == "age-seconds" || entry.elements[i].str == "client-info") {
        entry.elements[i + 1] = RespValue::Bulk("");
      }
    }
  }
  return reply;
});

TEST(AclDifferential, CatMatchesRedisForEveryCategory) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  DifferentialPair* pair = DifferentialPair::Get();
  ASSERT_NE(pair, nullptr);
  pair->Reset();
  RespValue categories = pair->redis().Call({"ACL", "CAT"});
  ASSERT_EQ(categories.elements.size(), 21u);
  std::vector<Command> seq = {{"ACL", "CAT"}, {"ACL", "CAT", "nosuch"}, {"ACL", "CAT", "@read"}};
  for (const auto& c : categories.elements) seq.push_back({"ACL", "CAT", c.str});
  EXPECT_EQ(pair->CheckSequence(seq), "");
}

rc::Gen<std::string> GenCategory() {
  return rc::gen::element<std::string>("keyspace", "read", "write", "set", "sortedset", "list",
                                       "hash", "string", "bitmap", "hyperloglog", "geo", "stream",
                                       "pubsub", "admin", "fast", "slow", "blocking", "dangerous",
                                       "connection", "transaction", "scripting", "all");
}

rc::Gen<std::string> GenCommandName() {
  return rc::gen::element<std::string>("get", "set", "del", "config", "config|get", "config|set",
                                       "lpush", "hset", "copy", "acl|whoami", "object",
                                       "object|encoding", "client", "client|id", "append", "mset",
                                       "incr", "lrange", "nosuch", "acl");
}

rc::Gen<std::string> GenPattern() {
  return rc::gen::element<std::string>("a*", "r*", "w*", "a1", "*", "?1", "[ar]*", "");
}

rc::Gen<std::string> GenRule() {
  return rc::gen::oneOf(rc::gen::element<std::string>(
                            "on", "on", "on", "off", "nopass", "resetpass", ">p", ">q", "<q",
                            "allkeys", "resetkeys", "allchannels", "resetchannels", "allcommands",
                            "nocommands", "reset", "&ch*", "&*", "%RX~a", "%~a", "#abc"),
                        rc::gen::map(GenCategory(), [](std::string c) { return "+@" + c; }),
                        rc::gen::map(GenCategory(), [](std::string c) { return "-@" + c; }),
                        rc::gen::map(GenCommandName(), [](std::string c) { return "+" + c; }),
                        rc::gen::map(GenCommandName(), [](std::string c) { return "-" + c; }),
                        rc::gen::map(GenPattern(), [](std::string p) { return "~" + p; }),
                        rc::gen::map(GenPattern(), [](std::string p) { return "%R~" + p; }),
                        rc::gen::map(GenPattern(), [](std::string p) { return "%W~" + p; }));
}

rc::Gen<std::string> GenKey() {
  return rc::gen::element<std::string>("a1", "a2", "r1", "w1", "b", "l1");
}

// Commands run as the user (implemented in redsim, with key specs of several kinds).
rc::Gen<Command> GenUserCommand() {
  return rc::gen::oneOf(
      rc::gen::apply(
          [](std::string k) {
            return Command{"GET", k};
          },
          GenKey()),
      rc::gen::apply(
          [](std::string k) {
            return Command{"SET", k, "v"};
          },
          GenKey()),
      rc::gen::apply(
          [](std::string k) {
            return Command{"APPEND", k, "x"};
          },
          GenKey()),
      rc::gen::apply(
          [](std::string a, std::string b) {
            return Command{"DEL", a, b};
          },
          GenKey(), GenKey()),
      rc::gen::apply(
          [](std::string a, std::string b) {
            return Command{"COPY", a, b};
          },
          GenKey(), GenKey()),
      rc::gen::apply(
          [](std::string a, std::string b) {
            return Command{"MSET", a, "1", b, "2"};
          },
          GenKey(), GenKey()),
      rc::gen::apply(
          [](std::string a, std::string b) {
            return Command{"MGET", a, b};
          },
          GenKey(), GenKey()),
      rc::gen::apply(
          [](std::string k) {
            return Command{"LPUSH", k, "x"};
          },
          GenKey()),
      rc::gen::apply(
          [](std::string k) {
            return Command{"LRANGE", k, "0", "-1"};
          },
          GenKey()),
      rc::gen::apply(
          [](std::string k) {
            return Command{"OBJECT", "ENCODING", k};
          },
          GenKey()),
      rc::gen::apply(
          [](std::string k) {
            return Command{"EXISTS", k};
          },
          GenKey()),
      rc::gen::apply(
          [](std::string a, std::string b) {
            return Command{"LMOVE", a, b, "LEFT", "RIGHT"};
          },
          GenKey(), GenKey()),
      rc::gen::elementOf(std::vector<Command>{{"CONFIG", "GET", "maxmemory"},
                                              {"DBSIZE"},
                                              {"PING"},
                                              {"ACL", "WHOAMI"},
                                              {"CLIENT", "GETNAME"},
                                              {"SET", "a1"},
                                              {"INFO", "nosuchsection"}}));
}

TEST(AclDifferential, RandomUsersMatchRedis) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  DifferentialPair* pair = DifferentialPair::Get();
  ASSERT_NE(pair, nullptr);
  bool ok = rc::check("random ACL users behave as in Redis", [pair] {
    auto rules = *rc::gen::resize(12, rc::gen::container<std::vector<std::string>>(GenRule()));
    auto commands =
        *rc::gen::resize(15, rc::gen::container<std::vector<Command>>(GenUserCommand()));
    pair->Reset({{"ACL", "DELUSER", "u"}, {"ACL", "LOG", "RESET"}});
    std::vector<Command> seq = {{"SET", "a1", "x"}, {"SET", "r1", "y"}, {"RPUSH", "l1", "z"}};
    Command setuser = {"ACL", "SETUSER", "u"};
    setuser.insert(setuser.end(), rules.begin(), rules.end());
    seq.push_back(setuser);
    // The user can always log in; the random rules decide the rest.
    seq.push_back({"ACL", "SETUSER", "u", "on", ">p"});
    seq.push_back({"ACL", "GETUSER", "u"});
    seq.push_back({"ACL", "LIST"});
    seq.push_back({"@1", "AUTH", "u", "p"});
    for (const auto& c : commands) {
      Command dry = {"ACL", "DRYRUN", "u"};
      dry.insert(dry.end(), c.begin(), c.end());
      seq.push_back(dry);
      Command as_user = {"@1"};
      as_user.insert(as_user.end(), c.begin(), c.end());
      seq.push_back(as_user);
      // The same command from a script runs as the same user: redis.pcall's denial texts,
      // redis.acl_check_cmd's answer, and the "lua" entries in the ACL LOG below.
      for (const char* body :
           {"return redis.pcall(unpack(ARGV))", "return redis.acl_check_cmd(unpack(ARGV))"}) {
        Command script = {"@1", "EVAL", body, "0"};
        script.insert(script.end(), c.begin(), c.end());
        seq.push_back(script);
      }
    }
    seq.push_back({"ACL", "LOG"});
    std::string mismatch = pair->CheckSequence(seq);
    RC_ASSERT(mismatch == "");
  });
  EXPECT_TRUE(ok);
}

// Permissions lost between MULTI and EXEC: each queued command is checked again as it runs
// (command, key and channel denials, each logged with context "multi"), and the rest runs.
TEST(AclDifferential, ExecRechecksPermissionsChangedWhileQueued) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  DifferentialPair* pair = DifferentialPair::Get();
  ASSERT_NE(pair, nullptr);
  pair->Reset({{"ACL", "DELUSER", "m"}, {"ACL", "LOG", "RESET"}});
  std::vector<Command> seq = {
      {"ACL", "SETUSER", "m", "on", ">p", "~*", "+@all", "resetchannels", "&ch1"},
      {"@1", "AUTH", "m", "p"},
      {"@1", "MULTI"},
      {"@1", "SET", "z1", "v"},
      {"@1", "GET", "z1"},
      {"@1", "GET", "z2"},
      {"@1", "PUBLISH", "ch1", "x"},
      {"ACL", "SETUSER", "m", "-set", "resetkeys", "~z1", "resetchannels"},
      {"@1", "EXEC"},
      {"ACL", "SETUSER", "m", "+set", "~*", "&*"},
      {"@1", "MULTI"},
      {"@1", "SET", "z2", "w"},
      {"ACL", "SETUSER", "m", "resetkeys", "~z2"},
      {"@1", "EXEC"},
      {"@1", "GET", "z2"},
      {"ACL", "LOG"},
  };
  EXPECT_EQ(pair->CheckSequence(seq), "");
}

TEST(AclDifferential, AuthFailuresAndUserManagement) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  DifferentialPair* pair = DifferentialPair::Get();
  ASSERT_NE(pair, nullptr);
  pair->Reset({{"ACL", "DELUSER", "u", "v"}, {"ACL", "LOG", "RESET"}});
  std::vector<Command> seq = {
      {"ACL", "SETUSER", "u", "on", ">p", "+@all", "~*"},
      {"@1", "AUTH", "u", "wrong"},
      {"@1", "AUTH", "nobody", "x"},
      {"@1", "AUTH", "u", "wrong"},
      {"@1", "HELLO", "2", "AUTH", "u", "bad"},
      {"@1", "AUTH", "u", "p"},
      {"@1", "ACL", "WHOAMI"},
      {"ACL", "LOG"},
      {"ACL", "LOG", "2"},
      {"ACL", "LOG", "-1"},
      {"ACL", "LOG", "x"},
      {"ACL", "LOG", "RESET", "x"},
      {"ACL", "SETUSER", "v", "reset", "+@read", "-@keyspace", "+del"},
      {"ACL", "USERS"},
      {"ACL", "LIST"},
      {"ACL", "DELUSER", "v", "nobody"},
      {"ACL", "DELUSER", "default"},
      {"ACL", "GETUSER", "nobody"},
      {"ACL", "GENPASS", "0"},
      {"ACL", "GENPASS", "4097"},
      {"ACL", "SAVE"},
      {"ACL", "LOAD"},
      {"ACL", "HELP"},
      {"ACL", "DRYRUN", "nobody", "get", "x"},
      {"ACL", "DRYRUN", "u", "nosuch"},
      {"ACL", "DRYRUN", "u", "get"},
      {"AUTH", "x"},
  };
  EXPECT_EQ(pair->CheckSequence(seq), "");
}

}  // namespace
}  // namespace redsim::testing
