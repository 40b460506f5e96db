// Differential tests of Pub/Sub, keyspace notifications and client tracking against the real
// redis-server.
//
// A command that may produce several replies, or a connection that receives messages pushed by
// another connection, is run through two macros that fold everything a connection received into
// one array, using a PING with a marker as a fence (PING is allowed in every mode; replies on a
// connection are ordered, so everything before the marker's reply belongs to what came before):
//   {"@N", "#CALL", cmd...}  sends cmd, then the fence; returns every reply and message before it.
//   {"@N", "#DRAIN"}         sends only the fence: the messages that arrived on connection N.
// The folded list is normalised where Redis's order comes from its hash tables: the channels an
// argument-less UNSUBSCRIBE drops (names sorted, counts kept in place), the pmessages one client
// gets for one publication through several patterns (sorted by pattern), PUBSUB CHANNELS, and
// HELLO's client id.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "tests/differential/foundation_gen.h"

namespace redsim::testing {
namespace {

constexpr const char* kFence = "__redsim_fence__";

bool IsFence(const RespValue& v) {
  if (v.type == RespValue::Type::kBulk && v.str == kFence) return true;
  return (v.type == RespValue::Type::kArray || v.type == RespValue::Type::kPush) &&
         v.elements.size() == 2 && v.elements[0].str == "pong" && v.elements[1].str == kFence;
}

bool IsConnectionError(const RespValue& v) { return v.is_error() && v.str.rfind("<", 0) == 0; }

// The first element's text of an array or push reply ("message", "unsubscribe", ...).
std::string Kind(const RespValue& v) {
  if ((v.type != RespValue::Type::kArray && v.type != RespValue::Type::kPush) ||
      v.elements.empty()) {
    return "";
  }
  return v.elements[0].str;
}

// Sorts the names of a run of same-verb unsubscribe confirmations (counts stay in place), and
// the patterns of a run of pmessages for the same channel and payload.
void NormalizeRuns(std::vector<RespValue>* replies) {
  auto& r = *replies;
  for (size_t i = 0; i < r.size();) {
    std::string kind = Kind(r[i]);
    size_t j = i + 1;
    bool unsub = kind == "unsubscribe" || kind == "punsubscribe" || kind == "sunsubscribe";
    bool pmsg = kind == "pmessage" && r[i].elements.size() == 4;
    if (!unsub && !pmsg) {
      i++;
      continue;
    }
    while (j < r.size() && Kind(r[j]) == kind &&
           (!pmsg || (r[j].elements.size() == 4 && r[j].elements[2] == r[i].elements[2] &&
                      r[j].elements[3] == r[i].elements[3]))) {
      j++;
    }
    size_t field = 1;  // the channel name, or the pattern of a pmessage
    std::vector<RespValue> names;
    for (size_t k = i; k < j; k++) names.push_back(r[k].elements[field]);
    std::sort(names.begin(), names.end(),
              [](const RespValue& a, const RespValue& b) { return a.ToString() < b.ToString(); });
    for (size_t k = i; k < j; k++) r[k].elements[field] = names[k - i];
    i = j;
  }
}

void NormalizeCommandReply(const Command& cmd, RespValue* reply) {
  if (cmd.empty()) return;
  std::string name = ToLower(cmd[0]);
  std::string sub = cmd.size() > 1 ? ToLower(cmd[1]) : "";
  if (name == "pubsub" && (sub == "channels" || sub == "shardchannels")) {
    *reply = SortArrayReply(cmd, std::move(*reply));
  } else if (name == "hello" && reply->type == RespValue::Type::kMap) {
    for (size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
      if (reply->elements[i].str == "id") reply->elements[i + 1] = RespValue::Integer(0);
    }
  } else if (name == "hello" && reply->type == RespValue::Type::kArray) {
    for (size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
      if (reply->elements[i].str == "id") reply->elements[i + 1] = RespValue::Integer(0);
    }
  }
}

// Sends `cmd` (when given) and the fence; returns everything received before the fence's reply.
RespValue Collect(RespClient& conn, const Command* cmd) {
  std::string bytes;
  if (cmd != nullptr) bytes += RespClient::Encode(*cmd);
  bytes += RespClient::Encode({"PING", kFence});
  if (!conn.SendRaw(bytes)) return RespValue::Error("<connection error: send failed>");
  std::vector<RespValue> got;
  for (int i = 0; i < 100000; i++) {
    RespValue v = conn.ReadReply();
    if (IsFence(v)) break;
    bool broken = IsConnectionError(v);
    // A connection error's wording is the OS's: only the fact that it broke is compared.
    got.push_back(broken ? RespValue::Error("<connection closed>") : std::move(v));
    if (broken) break;
  }
  // The command's own reply is the first one that is not a pushed message.
  if (cmd != nullptr) {
    for (auto& v : got) {
      std::string kind = Kind(v);
      if (kind == "message" || kind == "pmessage" || kind == "smessage" || kind == "invalidate") {
        continue;
      }
      NormalizeCommandReply(*cmd, &v);
      break;
    }
  }
  NormalizeRuns(&got);
  return RespValue::Array(std::move(got));
}

void RegisterPubSubMacros() {
  static const bool registered = [] {
    RegisterMacro("#call", [](RespClient& conn, const Command& cmd) {
      Command inner(cmd.begin() + 1, cmd.end());
      return Collect(conn, &inner);
    });
    RegisterMacro("#drain",
                  [](RespClient& conn, const Command&) { return Collect(conn, nullptr); });
    return true;
  }();
  (void)registered;
}

const std::vector<Command> kDefaults = {
    {"CONFIG", "SET", "notify-keyspace-events", ""},
};

// ---- Generators -------------------------------------------------------------------------------

std::string GenConnection() { return *rc::gen::element<std::string>("@0", "@1", "@2"); }
rc::Gen<std::string> GenChannel() {
  return rc::gen::element<std::string>("ch1", "ch2", "news.a", "news.b", "x", "h*llo");
}
rc::Gen<std::string> GenChannelPattern() {
  return rc::gen::element<std::string>("*", "ch*", "news.*", "ch?", "[cn]*", "x", "h[^a]*",
                                       "h\\*llo", "*.[ab]", "news.\\a");
}

std::vector<std::string> Some(rc::Gen<std::string> gen, int min, int max) {
  int n = *rc::gen::inRange(min, max + 1);
  std::vector<std::string> out;
  for (int i = 0; i < n; i++) out.push_back(*gen);
  return out;
}

Command Verb(std::string verb, const std::vector<std::string>& args) {
  Command c{std::move(verb)};
  c.insert(c.end(), args.begin(), args.end());
  return c;
}

Command GenPubSubCommand() {
  switch (*rc::gen::inRange(0, 20)) {
    case 0:
    case 1:
      return Verb("SUBSCRIBE", Some(GenChannel(), 1, 3));
    case 2:
      return Verb("UNSUBSCRIBE", Some(GenChannel(), 0, 2));
    case 3:
    case 4:
      return Verb("PSUBSCRIBE", Some(GenChannelPattern(), 1, 3));
    case 5:
      return Verb("PUNSUBSCRIBE", Some(GenChannelPattern(), 0, 2));
    case 6:
      return Verb("SSUBSCRIBE", Some(GenChannel(), 1, 2));
    case 7:
      return Verb("SUNSUBSCRIBE", Some(GenChannel(), 0, 2));
    case 8:
    case 9:
    case 10:
      return {"PUBLISH", *GenChannel(), *rc::gen::element<std::string>("hi", "", "x y")};
    case 11:
      return {"SPUBLISH", *GenChannel(), "m"};
    case 12: {
      Command c{"PUBSUB", *rc::gen::element<std::string>("CHANNELS", "SHARDCHANNELS", "NUMSUB",
                                                         "SHARDNUMSUB", "NUMPAT", "FOO")};
      if (c[1] == "CHANNELS" || c[1] == "SHARDCHANNELS") {
        auto more = Some(GenChannelPattern(), 0, 2);
        c.insert(c.end(), more.begin(), more.end());
      } else if (c[1] != "NUMPAT") {
        auto more = Some(GenChannel(), 0, 3);
        c.insert(c.end(), more.begin(), more.end());
      }
      return c;
    }
    case 13:
      return *rc::gen::elementOf(std::vector<Command>{{"PING"}, {"PING", "x"}, {"PING", "a", "b"}});
    case 14:
      return *rc::gen::elementOf(std::vector<Command>{{"GET", "k"},
                                                      {"SET", "k", "1"},
                                                      {"ECHO", "e"},
                                                      {"CLIENT", "GETNAME"},
                                                      {"SUBSCRIBE"},
                                                      {"PUBLISH", "a"}});
    case 15:
      return {"HELLO", *rc::gen::element<std::string>("2", "3")};
    case 16:
      return {"RESET"};
    case 17:
      return *rc::gen::elementOf(std::vector<Command>{{"QUIT"}, {"PING"}});
    default:
      return {"#DRAIN"};
  }
}

std::vector<Command> GenPubSubSequence() {
  auto n = *rc::gen::inRange(1, 25);
  std::vector<Command> seq;
  for (int i = 0; i < n; i++) {
    Command c = GenPubSubCommand();
    if (c[0] != "#DRAIN") c.insert(c.begin(), "#CALL");
    c.insert(c.begin(), GenConnection());
    seq.push_back(std::move(c));
  }
  // Whatever is still pending on any connection must match too.
  for (const char* conn : {"@0", "@1", "@2"}) seq.push_back({conn, "#DRAIN"});
  return seq;
}

// Data commands of every family, on a few keys, with expiry times far away (or in the past).
Command GenDataCommand() {
  std::string k = *rc::gen::element<std::string>("a", "b", "c");
  std::string d = *rc::gen::element<std::string>("a", "b", "d");
  switch (*rc::gen::inRange(0, 64)) {
    case 0:
      return {"SET", k, "1"};
    case 1:
      return {"SET", k, "v", *rc::gen::element<std::string>("NX", "XX", "GET", "KEEPTTL")};
    case 2:
      return {"SET", k, "v", "EX", "1000"};
    case 3:
      return {"SETNX", k, "v"};
    case 4:
      return {"GETSET", k, "v"};
    case 5:
      return {"GETDEL", k};
    case 6:
      return {"GETEX", k, *rc::gen::element<std::string>("PERSIST", "EX")};
    case 7:
      return {"APPEND", k, "xy"};
    case 8:
      return {"SETRANGE", k, "2", "zz"};
    case 9:
      return {"INCR", k};
    case 10:
      return {"INCRBY", k, "5"};
    case 11:
      return {"DECRBY", k, "5"};
    case 12:
      return {"INCRBYFLOAT", k, "1.5"};
    case 13:
      return {"MSET", k, "1", d, "2"};
    case 14:
      return {"MSETNX", k, "1", d, "2"};
    case 15:
      return {"DEL", k, d};
    case 16:
      return {"UNLINK", k};
    case 17:
      return {"EXPIRE", k, *rc::gen::element<std::string>("1000", "0", "-1")};
    case 18:
      return {"PEXPIREAT", k, *rc::gen::element<std::string>("1", "99999999999999")};
    case 19:
      return {"PERSIST", k};
    case 20:
      return {"RENAME", k, d};
    case 21:
      return {"RENAMENX", k, d};
    case 22:
      return {"COPY", k, d, *rc::gen::element<std::string>("REPLACE", "DB")};
    case 23:
      return {"MOVE", k, "1"};
    case 24:
      return {"LPUSH", k, "x", "y"};
    case 25:
      return {"RPUSH", k, "z"};
    case 26:
      return {"LPUSHX", k, "w"};
    case 27:
      return {"LPOP", k};
    case 28:
      return {"RPOP", k, "2"};
    case 29:
      return {"LINSERT", k, "BEFORE", "z", "q"};
    case 30:
      return {"LSET", k, "0", "s"};
    case 31:
      return {"LTRIM", k, "1", "-1"};
    case 32:
      return {"LREM", k, "0", "x"};
    case 33:
      return {"LMOVE", k, d, "LEFT", "RIGHT"};
    case 34:
      return {"RPOPLPUSH", k, d};
    case 35:
      return {"HSET", k, "f", "1", "g", "2"};
    case 36:
      return {"HSETNX", k, "f", "3"};
    case 37:
      return {"HDEL", k, "f", "g"};
    case 38:
      return {"HINCRBY", k, "f", "2"};
    case 39:
      return {"HINCRBYFLOAT", k, "f", "0.5"};
    case 40:
      return {"SADD", k, "m", "n"};
    case 41:
      return {"SREM", k, "m", "n"};
    case 42:
      return {"SMOVE", k, d, "m"};
    case 43:
      return {*rc::gen::element<std::string>("SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"), d, k,
              "c"};
    case 44:
      return {"ZADD", k, "1", "m", "2", "n"};
    case 45:
      return {"ZINCRBY", k, "1", "m"};
    case 46:
      return {"ZREM", k, "m", "n"};
    case 47:
      return {"ZREMRANGEBYRANK", k, "0", "0"};
    case 48:
      return {"ZREMRANGEBYSCORE", k, "0", "1"};
    case 49:
      return {*rc::gen::element<std::string>("ZPOPMIN", "ZPOPMAX"), k};
    case 50:
      return {*rc::gen::element<std::string>("ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"), d, "2", k,
              "c"};
    case 51:
      return {"ZRANGESTORE", d, k, "0", "-1"};
    case 52:
      return {"SORT", k, "ALPHA", "STORE", d};
    case 53:
      return {"GET", k};
    case 54:
      return {"HGET", k, "f"};
    case 55:
      return {"LRANGE", k, "0", "-1"};
    case 56:
      return {"EXISTS", k};
    case 57:
      return {"FLUSHDB"};
    case 58:
      return {"SETEX", k, "1000", "v"};
    case 59:
      return {"LMPOP", "1", k, "LEFT"};
    case 60:
      return {"ZMPOP", "1", k, "MIN"};
    case 61:
      return {"SPOP", k, "0"};
    case 62:
      return {"HMSET", k, "f", "1"};
    default:
      return {"TYPE", k};
  }
}

// Event classes, with K and/or E (and sometimes neither, which delivers nothing).
rc::Gen<std::string> GenEventFlags() {
  return rc::gen::element<std::string>("KEA", "KA", "EA", "Kg", "E$", "Elshz", "KEx", "KEn", "KEm",
                                       "AKEmn", "Eg$lshzxetd", "A", "KEgl", "Ks", "Eh", "Ez", "KEe",
                                       "KEt", "KEd");
}

std::vector<Command> GenNotificationSequence() {
  std::vector<Command> seq;
  seq.push_back({"CONFIG", "SET", "notify-keyspace-events", *GenEventFlags()});
  seq.push_back({"@1", "#CALL", "PSUBSCRIBE", "__key*__:*"});
  if (*rc::gen::inRange(0, 2) == 0) seq.push_back({"@2", "#CALL", "HELLO", "3"});
  seq.push_back({"@2", "#CALL", "SUBSCRIBE", "__keyevent@0__:set", "__keyspace@0__:a"});
  auto n = *rc::gen::inRange(1, 20);
  for (int i = 0; i < n; i++) {
    seq.push_back(GenDataCommand());
    seq.push_back({"@1", "#DRAIN"});
    if (*rc::gen::inRange(0, 3) == 0) seq.push_back({"@2", "#DRAIN"});
  }
  seq.push_back({"@2", "#DRAIN"});
  return seq;
}

class PubSubDifferential : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
    RegisterFoundationRules();
    RegisterPubSubMacros();
    pair_ = DifferentialPair::Get();
    ASSERT_NE(pair_, nullptr) << "could not start redis-server and redsim-server";
  }
  bool Check(const std::string& description, std::vector<Command> (*gen)()) {
    auto first = std::make_shared<bool>(true);
    DifferentialPair* pair = pair_;
    return rc::check(description, [=] {
      auto seq = gen();
      pair->Reset(kDefaults);
      std::string mismatch = pair->CheckSequence(seq);
      if (!mismatch.empty()) {
        if (*first) fprintf(stderr, "first mismatch found:\n%s\n", mismatch.c_str());
        *first = false;
        RC_FAIL(mismatch);
      }
    });
  }
  DifferentialPair* pair_ = nullptr;
};

TEST_F(PubSubDifferential, SubscriptionsAndMessagesMatchRedis) {
  EXPECT_TRUE(Check("pub/sub sequences over three connections give the same replies and messages",
                    GenPubSubSequence));
  pair_->Reset(kDefaults);
}

TEST_F(PubSubDifferential, KeyspaceNotificationsMatchRedis) {
  EXPECT_TRUE(
      Check("data commands publish the same keyspace notifications", GenNotificationSequence));
  pair_->Reset(kDefaults);
}

// Fixed cases: the subscribed-mode error texts, RESP3 pushes, MULTI with SUBSCRIBE/SSUBSCRIBE,
// and a tracking client's invalidations (RESP3, and RESP2 through a redirect).
TEST_F(PubSubDifferential, FixedCasesMatchRedis) {
  pair_->Reset(kDefaults);
  std::vector<Command> seq = {
      {"@0", "#CALL", "SUBSCRIBE", "a", "b"},
      {"@0", "#CALL", "GET", "k"},
      {"@0", "#CALL", "CLIENT", "LIST"},
      {"@0", "#CALL", "PING"},
      {"@1", "#CALL", "HELLO", "3"},
      {"@1", "#CALL", "PSUBSCRIBE", "*"},
      {"@1", "#CALL", "GET", "k"},
      {"@2", "#CALL", "PUBLISH", "a", "m"},
      {"@0", "#DRAIN"},
      {"@1", "#DRAIN"},
      // Inside MULTI the fence would be queued too: plain commands (one reply each).
      {"@2", "MULTI"},
      {"@2", "SUBSCRIBE", "z"},
      {"@2", "SSUBSCRIBE", "s"},
      {"@2", "EXEC"},
      {"@2", "#CALL", "RESET"},
      {"@0", "#CALL", "RESET"},
      {"@1", "#CALL", "PUNSUBSCRIBE"},
      {"@1", "#CALL", "CLIENT", "TRACKING", "on"},
      {"@1", "#CALL", "GET", "t"},
      {"@1", "#CALL", "SET", "t", "1"},
      {"@1", "#CALL", "GET", "t"},
      {"@0", "#CALL", "SET", "t", "2"},
      {"@1", "#DRAIN"},
      {"@1", "#CALL", "CLIENT", "TRACKINGINFO"},
      {"@0", "#CALL", "FLUSHALL"},
      {"@1", "#DRAIN"},
      {"@1", "#CALL", "CLIENT", "TRACKING", "off"},
      {"@1", "#CALL", "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "p", "NOLOOP"},
      {"@0", "#CALL", "MSET", "p1", "1", "q1", "1", "p2", "2"},
      {"@1", "#CALL", "SET", "p3", "3"},
      {"@1", "#DRAIN"},
      {"@1", "#CALL", "CLIENT", "TRACKINGINFO"},
      {"@2", "#CALL", "SUBSCRIBE", "__redis__:invalidate"},
      {"@0", "#CALL", "CLIENT", "TRACKING", "on", "REDIRECT", "$id:2"},
      {"@0", "#CALL", "GET", "r"},
      {"@1", "#CALL", "SET", "r", "1"},
      {"@2", "#DRAIN"},
  };
  EXPECT_EQ(pair_->CheckSequence(seq), "");
  pair_->Reset(kDefaults);
}

}  // namespace
}  // namespace redsim::testing
