// ACL: rules, descriptions (as Redis 7.0.15 prints them), authentication, permission checks in
// dispatch with their NOPERM texts, the ACL log, requirepass, DRYRUN and the aclfile.
#include "engine/acl/acl.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>
#include <string>

#include "engine/acl/sha256.h"
#include "tests/support/engine_test.h"

namespace redsim::testing {
namespace {

std::set<std::string> Words(const std::string& s) {
  std::istringstream in(s);
  std::set<std::string> out;
  std::string w;
  while (in >> w) out.insert(w);
  return out;
}

// The field `name` of an ACL GETUSER / ACL LOG entry reply (a flat key/value array in RESP2).
RespValue Field(const RespValue& map, const std::string& name) {
  for (size_t i = 0; i + 1 < map.elements.size(); i += 2) {
    if (map.elements[i].str == name) return map.elements[i + 1];
  }
  return RespValue::Simple("<missing " + name + ">");
}

class AclTest : public EngineTest {
 protected:
  // A client logged in as `user` (password "p").
  Client* LoginAs(const std::string& user) {
    Client* c = NewClient();
    EXPECT_EQ(Run(c, {"AUTH", user, "p"}), Ok());
    return c;
  }
};

TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("pw"), "30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4");
  // 56 bytes: the length no longer fits in the first padding block.
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000, 'a')),
            "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
}

TEST_F(AclTest, DefaultUser) {
  EXPECT_EQ(Run({"ACL", "LIST"}), Bulks({"user default on nopass ~* &* +@all"}));
  EXPECT_EQ(Run({"ACL", "USERS"}), Bulks({"default"}));
  EXPECT_EQ(Run({"ACL", "WHOAMI"}), Bulk("default"));
}

TEST_F(AclTest, DescriptionsMatchRedis) {
  EXPECT_EQ(Run({"ACL", "SETUSER", "bob", "on", "nopass", "+@all", "-@dangerous"}), Ok());
  EXPECT_EQ(Run({"ACL", "SETUSER", "carol"}), Ok());
  EXPECT_EQ(Run({"ACL", "LIST"}),
            Bulks({"user bob on nopass resetchannels +@all -@dangerous",
                   "user carol off resetchannels -@all", "user default on nopass ~* &* +@all"}));
  EXPECT_EQ(Run({"ACL", "SETUSER", "alice", "on", ">pw", "~foo*", "%R~bar*", "&chan*", "+@read",
                 "-get", "+config|get", "+@hash", "-hset"}),
            Ok());
  RespValue user = Run({"ACL", "GETUSER", "alice"});
  // Redis prints the single-command part in its hash table's order: compare as sets.
  EXPECT_EQ(Words(Field(user, "commands").str),
            Words("-@all +@read -get +hincrbyfloat +hincrby +hdel +config|get +hsetnx +hmset"));
  EXPECT_EQ(Field(user, "keys"), Bulk("~foo* %R~bar*"));
  EXPECT_EQ(Field(user, "channels"), Bulk("&chan*"));
  EXPECT_EQ(Field(user, "passwords"),
            Bulks({"30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4"}));
  EXPECT_EQ(Field(user, "flags"), Bulks({"on"}));
}

TEST_F(AclTest, PatternsMergeAndPasswordsAccumulate) {
  EXPECT_EQ(Run({"ACL", "SETUSER", "u4", "on", ">x", ">y", "<x", ">z", "allkeys", "allchannels"}),
            Ok());
  RespValue user = Run({"ACL", "GETUSER", "u4"});
  EXPECT_EQ(Field(user, "passwords"), Bulks({Sha256Hex("y"), Sha256Hex("z")}));
  EXPECT_EQ(Field(user, "keys"), Bulk("~*"));
  EXPECT_EQ(Run({"ACL", "SETUSER", "u4", "resetkeys", "~a", "%R~b", "%RW~c", "%W~a"}), Ok());
  EXPECT_EQ(Field(Run({"ACL", "GETUSER", "u4"}), "keys"), Bulk("~a %R~b ~c"));
  EXPECT_EQ(Run({"ACL", "SETUSER", "u5", "reset"}), Ok());
  EXPECT_EQ(Run({"ACL", "LIST"}).elements[2],
            Bulk("user u5 off sanitize-payload resetchannels -@all"));
}

TEST_F(AclTest, RuleErrorsLeaveTheUserUnchanged) {
  auto err = [](const std::string& rule, const std::string& why) {
    return Err("ERR Error in ACL SETUSER modifier '" + rule + "': " + why);
  };
  EXPECT_EQ(Run({"ACL", "SETUSER", "u", "on", "+nosuch"}),
            err("+nosuch", "Unknown command or category name in ACL"));
  EXPECT_EQ(Run({"ACL", "GETUSER", "u"}), Nil());  // not created
  EXPECT_EQ(Run({"ACL", "SETUSER", "u", "+@nosuch"}),
            err("+@nosuch", "Unknown command or category name in ACL"));
  EXPECT_EQ(Run({"ACL", "SETUSER", "u", "+config|nosuch"}),
            err("+config|nosuch", "Unknown command or category name in ACL"));
  EXPECT_EQ(Run({"ACL", "SETUSER", "u", "badrule"}), err("badrule", "Syntax error"));
  EXPECT_EQ(Run({"ACL", "SETUSER", "u", "%X~a"}), err("%X~a", "Syntax error"));
  EXPECT_EQ(Run({"ACL", "SETUSER", "u", "#abc"}),
            err("#abc",
                "The password hash must be exactly 64 characters and contain only "
                "lowercase hexadecimal characters"));
  EXPECT_EQ(Run({"ACL", "SETUSER", "u", "<nope"}),
            err("<nope", "The password you are trying to remove from the user does not exist"));
  EXPECT_EQ(Run({"ACL", "SETUSER", "u", "allkeys", "~a"}),
            err("~a",
                "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid "
                "and does not have any effect. Try 'resetkeys' to start with an empty list "
                "of patterns"));
  EXPECT_EQ(Run({"ACL", "SETUSER", "u", "on", "+get"}), Ok());
  EXPECT_EQ(Run({"ACL", "SETUSER", "u", "-get", "bad"}), err("bad", "Syntax error"));
  EXPECT_EQ(Field(Run({"ACL", "GETUSER", "u"}), "commands"), Bulk("-@all +get"));
}

TEST_F(AclTest, PermissionsInDispatch) {
  Run({"ACL", "SETUSER", "u1", "on", ">p", "~a*", "%W~w*", "%R~r*", "&ch", "+@all", "-set"});
  Client* c = LoginAs("u1");
  EXPECT_EQ(Run(c, {"ACL", "WHOAMI"}), Bulk("u1"));
  const std::string no_key =
      "NOPERM this user has no permissions to access one of the keys used as arguments";
  EXPECT_EQ(Run(c, {"GET", "b"}), Err(no_key));
  EXPECT_EQ(Run(c, {"GET", "a1"}), Nil());
  EXPECT_EQ(Run(c, {"SET", "a1", "x"}),
            Err("NOPERM this user has no permissions to run the 'set' command"));
  EXPECT_EQ(Run(c, {"GET", "w1"}), Err(no_key));
  EXPECT_EQ(Run(c, {"GET", "r1"}), Nil());
  EXPECT_EQ(Run(c, {"APPEND", "r1", "x"}), Err(no_key));
  EXPECT_EQ(Run(c, {"APPEND", "w1", "x"}), Int(1));
  // COPY reads its source (RO access) and writes its destination (OW update).
  EXPECT_EQ(Run(c, {"COPY", "r1", "w1"}), Int(0));
  EXPECT_EQ(Run(c, {"COPY", "w1", "r1"}), Err(no_key));
  // Arity is checked before permissions.
  EXPECT_EQ(Run(c, {"SET", "x"}), Err("ERR wrong number of arguments for 'set' command"));
  Run({"ACL", "SETUSER", "u1", "-config|set"});
  EXPECT_EQ(Run(c, {"CONFIG", "SET", "maxmemory", "0"}),
            Err("NOPERM this user has no permissions to run the 'config|set' command"));
  std::string error;
  EXPECT_TRUE(CheckChannelPermission(server_.get(), c, "ch", false, &error));
  EXPECT_FALSE(CheckChannelPermission(server_.get(), c, "c", false, &error));
  EXPECT_EQ(error,
            "NOPERM this user has no permissions to access one of the channels used as arguments");
  EXPECT_FALSE(server_->acl().Find("u1")->CanAccessChannel("c*", true));
}

TEST_F(AclTest, LogGroupsRepeatsNewestFirst) {
  Run({"ACL", "SETUSER", "u1", "on", ">p", "~a*", "+@all", "-set"});
  Client* c = LoginAs("u1");
  Run(c, {"GET", "b"});
  Run(c, {"SET", "a1", "x"});
  Run(c, {"SET", "a2", "x"});
  Run(c, {"AUTH", "u1", "wrong"});
  RespValue log = Run({"ACL", "LOG"});
  ASSERT_EQ(log.elements.size(), 3u);
  EXPECT_EQ(Field(log.elements[0], "reason"), Bulk("auth"));
  EXPECT_EQ(Field(log.elements[0], "object"), Bulk("AUTH"));
  EXPECT_EQ(Field(log.elements[1], "reason"), Bulk("command"));
  EXPECT_EQ(Field(log.elements[1], "object"), Bulk("set"));
  EXPECT_EQ(Field(log.elements[1], "count"), Int(2));
  EXPECT_EQ(Field(log.elements[1], "context"), Bulk("toplevel"));
  EXPECT_EQ(Field(log.elements[2], "reason"), Bulk("key"));
  EXPECT_EQ(Field(log.elements[2], "object"), Bulk("b"));
  EXPECT_EQ(Field(log.elements[2], "username"), Bulk("u1"));
  EXPECT_NE(Field(log.elements[2], "client-info").str.find("user=u1"), std::string::npos);
  EXPECT_EQ(Run({"ACL", "LOG", "1"}).elements.size(), 1u);
  EXPECT_EQ(Run({"ACL", "LOG", "RESET"}), Ok());
  EXPECT_EQ(Run({"ACL", "LOG"}), Arr({}));
  // Inside MULTI the denial is logged with context "multi" and the transaction aborts.
  Run(c, {"MULTI"});
  EXPECT_EQ(Run(c, {"SET", "a", "b"}).type, RespValue::Type::kError);
  EXPECT_EQ(Field(Run({"ACL", "LOG"}).elements[0], "context"), Bulk("multi"));
  EXPECT_EQ(Run(c, {"EXEC"}), Err("EXECABORT Transaction discarded because of previous errors."));
}

TEST_F(AclTest, AuthAndRequirePass) {
  Client* c = NewClient();
  EXPECT_EQ(Run(c, {"AUTH", "x"}),
            Err("ERR AUTH <password> called without any password configured for the default "
                "user. Are you sure your configuration is correct?"));
  EXPECT_EQ(Run({"CONFIG", "SET", "requirepass", "secret"}), Ok());
  EXPECT_EQ(Run({"ACL", "LIST"}),
            Bulks({"user default on #" + Sha256Hex("secret") + " ~* &* +@all"}));
  EXPECT_EQ(Run(c, {"AUTH", "wrong"}),
            Err("WRONGPASS invalid username-password pair or user is disabled."));
  EXPECT_EQ(Run(c, {"AUTH", "secret"}), Ok());
  EXPECT_EQ(Run(c, {"AUTH", "default", "secret"}), Ok());
  Run({"ACL", "SETUSER", "off-user", "off", ">p", "+@all"});
  EXPECT_EQ(Run(c, {"AUTH", "off-user", "p"}),
            Err("WRONGPASS invalid username-password pair or user is disabled."));
  EXPECT_EQ(Run({"CONFIG", "SET", "requirepass", ""}), Ok());
  EXPECT_EQ(Run({"ACL", "LIST"}).elements.front(), Bulk("user default on nopass ~* &* +@all"));
}

TEST_F(AclTest, HelloAuthAndReset) {
  Run({"ACL", "SETUSER", "u1", "on", ">p", "+@all", "~*"});
  Client* c = NewClient();
  EXPECT_EQ(Run(c, {"HELLO", "2", "AUTH", "u1", "bad"}),
            Err("WRONGPASS invalid username-password pair or user is disabled."));
  EXPECT_EQ(Field(Run({"ACL", "LOG"}).elements[0], "object"), Bulk("HELLO"));
  EXPECT_EQ(Run(c, {"HELLO", "2", "AUTH", "u1", "p"}).type, RespValue::Type::kArray);
  EXPECT_EQ(Run(c, {"ACL", "WHOAMI"}), Bulk("u1"));
  EXPECT_EQ(Run(c, {"RESET"}), Status("RESET"));
  EXPECT_EQ(Run(c, {"ACL", "WHOAMI"}), Bulk("default"));
}

TEST_F(AclTest, DeleteUserDisconnectsItsClients) {
  Run({"ACL", "SETUSER", "u1", "on", ">p", "+@all"});
  uint64_t id = LoginAs("u1")->id();
  EXPECT_EQ(Run({"ACL", "DELUSER", "u1", "nobody"}), Int(1));
  EXPECT_EQ(server_->FindClient(id), nullptr);  // closed and freed
  EXPECT_EQ(Run({"ACL", "DELUSER", "default"}), Err("ERR The 'default' user cannot be removed"));
  EXPECT_EQ(Run({"ACL", "USERS"}), Bulks({"default"}));
}

TEST_F(AclTest, DryRunAndCat) {
  Run({"ACL", "SETUSER", "u3", "on", "nopass", "~a*", "&c", "+@all", "-set"});
  EXPECT_EQ(Run({"ACL", "DRYRUN", "u3", "get", "a"}), Ok());
  EXPECT_EQ(Run({"ACL", "DRYRUN", "u3", "get", "b"}),
            Bulk("This user has no permissions to access the 'b' key"));
  EXPECT_EQ(Run({"ACL", "DRYRUN", "u3", "set", "a", "b"}),
            Bulk("This user has no permissions to run the 'set' command"));
  if (server_->commands().Find("publish") != nullptr) {  // once Pub/Sub is built in
    EXPECT_EQ(Run({"ACL", "DRYRUN", "u3", "publish", "d", "x"}),
              Bulk("This user has no permissions to access the 'd' channel"));
  }
  EXPECT_EQ(Run({"ACL", "DRYRUN", "nobody", "get", "x"}), Err("ERR User 'nobody' not found"));
  EXPECT_EQ(Run({"ACL", "DRYRUN", "u3", "nosuch"}), Err("ERR Command 'nosuch' not found"));
  EXPECT_EQ(Run({"ACL", "DRYRUN", "u3", "get"}),
            Err("ERR wrong number of arguments for 'get' command"));
  EXPECT_EQ(Run({"ACL", "CAT"}).elements.size(), 21u);
  EXPECT_EQ(Run({"ACL", "CAT", "@read"}), Err("ERR Unknown category '@read'"));
  RespValue keyspace = Run({"ACL", "CAT", "KEYSPACE"});
  std::set<std::string> names;
  for (const auto& e : keyspace.elements) names.insert(e.str);
  EXPECT_TRUE(names.count("object|freq"));
  EXPECT_TRUE(names.count("del"));
  EXPECT_FALSE(names.count("get"));
  EXPECT_EQ(Run({"ACL", "GENPASS"}).str.size(), 64u);
  EXPECT_EQ(Run({"ACL", "GENPASS", "5"}).str.size(), 2u);
  EXPECT_EQ(Run({"ACL", "GENPASS", "0"}).type, RespValue::Type::kError);
}

TEST_F(AclTest, AclFileSaveAndLoad) {
  char path[] = "/tmp/redsim-acl-test-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  server_->config().aclfile = path;
  Run({"ACL", "SETUSER", "u1", "on", ">p", "~a*", "+@read"});
  EXPECT_EQ(Run({"ACL", "SAVE"}), Ok());
  Run({"ACL", "SETUSER", "u2", "on"});
  Client* c = LoginAs("u1");
  EXPECT_EQ(Run({"ACL", "LOAD"}), Ok());
  EXPECT_EQ(Run({"ACL", "USERS"}), Bulks({"default", "u1"}));
  // u1's client survives the reload and runs with the reloaded rules.
  EXPECT_EQ(Run(c, {"GET", "a"}), Nil());
  EXPECT_EQ(Run(c, {"SET", "a", "b"}),
            Err("NOPERM this user has no permissions to run the 'set' command"));
  FILE* f = fopen(path, "w");
  fputs("user u9 on +nosuch\n", f);
  fclose(f);
  RespValue bad = Run({"ACL", "LOAD"});
  EXPECT_EQ(bad.type, RespValue::Type::kError);
  EXPECT_NE(bad.str.find(":1: "), std::string::npos);
  EXPECT_EQ(Run({"ACL", "USERS"}), Bulks({"default", "u1"}));  // unchanged
  remove(path);
}

}  // namespace
}  // namespace redsim::testing
