// Dataset helpers shared by the persistence tests: building keys of every type and encoding
// (small and big) with commands, and describing a whole keyspace as canonical text so two
// servers (or one before and after a reload) can be compared. The description orders what has
// no order (hash fields, set members) and includes types, encodings and TTL presence.
#pragma once

#include <algorithm>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "engine/resp/resp_value.h"

namespace redsim::testing {

using CommandFn = std::function<RespValue(const std::vector<std::string>&)>;

// Commands that create one key of every type in both encodings (default thresholds), plus keys
// with TTLs and keys whose elements are integers, long strings and binary bytes.
inline std::vector<std::vector<std::string>> EveryTypeCommands() {
  std::vector<std::vector<std::string>> cmds;
  cmds.push_back({"SET", "str", "hello"});
  cmds.push_back({"SET", "int", "12345"});
  cmds.push_back({"RPUSH", "list:small", "a", "1", "-7", "100000", "4294967296", "b"});
  std::vector<std::string> big_list = {"RPUSH", "list:big"};
  for (int i = 0; i < 3000; i++) {
    big_list.push_back(i % 7 == 0 ? std::string(300, static_cast<char>('a' + i % 26))
                                  : std::to_string(i * 37 - 5000));
  }
  cmds.push_back(big_list);
  cmds.push_back({"RPUSH", "list:huge-elem", std::string(20000, 'z'), "x", std::string(70, 'q')});
  cmds.push_back({"HSET", "hash:small", "f1", "v1", "n", "12345", "neg", "-5", "empty", ""});
  std::vector<std::string> big_hash = {"HSET", "hash:big"};
  for (int i = 0; i < 700; i++) {
    big_hash.push_back("field:" + std::to_string(i));
    big_hash.push_back(i % 3 == 0 ? std::to_string(i) : "value-" + std::to_string(i));
  }
  cmds.push_back(big_hash);
  cmds.push_back({"HSET", "hash:longval", "f", std::string(100, 'v')});
  cmds.push_back({"SADD", "set:ints", "1", "-40000", "70000", "1099511627776", "0"});
  cmds.push_back({"SADD", "set:strs", "a", "b", "c", "1", std::string("bin\0ary", 7)});
  std::vector<std::string> big_ints = {"SADD", "set:manyints"};
  for (int i = 0; i < 600; i++) big_ints.push_back(std::to_string(i * 3));
  cmds.push_back(big_ints);
  cmds.push_back({"ZADD", "zset:small", "1.5", "a", "2", "b", "-0", "c", "1152921504606846976", "d",
                  "-3e-7", "e", "inf", "f", "4503599627370497", "g", "-inf", "h"});
  std::vector<std::string> big_zset = {"ZADD", "zset:big"};
  for (int i = 0; i < 300; i++) {
    big_zset.push_back(std::to_string((i * 7919) % 1000) + "." + std::to_string(i % 10));
    big_zset.push_back("member:" + std::to_string(i));
  }
  cmds.push_back(big_zset);
  cmds.push_back({"ZADD", "zset:longmember", "3", std::string(100, 'm'), "1", "x"});
  cmds.push_back({"RPUSH", "ttl:list", "x", "y"});
  cmds.push_back({"PEXPIRE", "ttl:list", "100000000"});
  cmds.push_back({"HSET", "ttl:hash", "a", "b"});
  cmds.push_back({"EXPIRE", "ttl:hash", "100000"});
  return cmds;
}

// Canonical text of one key (type, encoding, contents, whether it has a TTL).
inline std::string DescribeKey(const CommandFn& run, const std::string& key,
                               bool with_encoding = true) {
  std::string type = run({"TYPE", key}).str;
  std::string out = key + " " + type;
  if (with_encoding) out += " " + run({"OBJECT", "ENCODING", key}).str;
  out += run({"PTTL", key}).integer >= 0 ? " ttl" : " persist";
  auto sorted = [](const RespValue& arr) {
    std::vector<std::string> items;
    for (const auto& e : arr.elements) items.push_back(e.str);
    std::sort(items.begin(), items.end());
    return items;
  };
  std::vector<std::string> items;
  if (type == "string") {
    items = {run({"GET", key}).str};
  } else if (type == "list") {
    for (const auto& e : run({"LRANGE", key, "0", "-1"}).elements) items.push_back(e.str);
  } else if (type == "set") {
    items = sorted(run({"SMEMBERS", key}));
  } else if (type == "hash") {
    RespValue all = run({"HGETALL", key});
    for (size_t i = 0; i + 1 < all.elements.size(); i += 2) {
      items.push_back(all.elements[i].str + "=" + all.elements[i + 1].str);
    }
    std::sort(items.begin(), items.end());
  } else if (type == "zset") {
    RespValue all = run({"ZRANGE", key, "0", "-1", "WITHSCORES"});
    for (size_t i = 0; i + 1 < all.elements.size(); i += 2) {
      items.push_back(all.elements[i].str + "@" + all.elements[i + 1].str);
    }
  }
  for (const auto& i : items) {
    out += " [";
    out += i;
    out += "]";
  }
  return out;
}

// Every key of the current database, described and sorted by name.
inline std::vector<std::string> DescribeDb(const CommandFn& run, bool with_encoding = true) {
  std::vector<std::string> keys;
  for (const auto& k : run({"KEYS", "*"}).elements) keys.push_back(k.str);
  std::sort(keys.begin(), keys.end());
  std::vector<std::string> out;
  for (const auto& k : keys) out.push_back(DescribeKey(run, k, with_encoding));
  return out;
}

}  // namespace redsim::testing
