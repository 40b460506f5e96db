// Shared pieces of the foundation's differential tests (strings, keys, connection, server,
// transactions): small value pools, command generators written with rc::gen::exec, and the
// registered normalisers/comparators, each with the reason the replies may legitimately differ.
//
// Generators draw keys from a tiny pool so that commands collide on the same keys, values from a
// pool rich in edge cases (integers at the int64 limits, floats, empty strings), and expiry times
// that are either clearly in the past or at least minutes away, so that no key expires between
// the moment redis-server and redsim-server run the same command.
#pragma once

#include <rapidcheck.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "engine/base/strutil.h"
#include "tests/support/differential.h"

namespace redsim {
// gtest printing for RespValue.
inline void PrintTo(const RespValue& v, std::ostream* os) { *os << v.ToString(); }
}  // namespace redsim

namespace redsim::testing {

// ---- Pools ----------------------------------------------------------------------------------

inline rc::Gen<std::string> GenKey() { return rc::gen::element<std::string>("a", "b", "c", "x"); }

inline rc::Gen<std::string> GenValue() {
  return rc::gen::oneOf(
      rc::gen::element<std::string>("", "0", "1", "-1", "10", "007", "-0", "abc", "3.5", "1e3",
                                    " 1", "inf", "9223372036854775807", "-9223372036854775808",
                                    "9223372036854775808", "hello world",
                                    "a string longer than forty-four bytes, so it is raw"),
      rc::gen::map(rc::gen::inRange(-1000, 1000), [](int v) { return std::to_string(v); }));
}

// An integer argument: mostly small, sometimes at or beyond the edges, sometimes not a number.
inline rc::Gen<std::string> GenIntArg() {
  return rc::gen::oneOf(
      rc::gen::map(rc::gen::inRange(-10, 30), [](int v) { return std::to_string(v); }),
      rc::gen::element<std::string>("abc", "", "1.5", "9223372036854775807", "-9223372036854775808",
                                    "9223372036854775808", "+1", "01"));
}

// A relative expiry in seconds / milliseconds: far enough away that it never fires during a
// test, or invalid, or zero/negative (which deletes at once or is rejected).
inline rc::Gen<std::string> GenSeconds() {
  return rc::gen::element<std::string>("100", "1000", "86400", "0", "-1", "abc", "1.5",
                                       "9223372036854775807", "9223372036854775",
                                       "-9223372036854775808");
}
inline rc::Gen<std::string> GenMillis() {
  return rc::gen::element<std::string>("100000", "1000000", "0", "-5", "abc", "9223372036854775807",
                                       "-9223372036854775808");
}
// Absolute Unix times: long past, or in 2100.
inline rc::Gen<std::string> GenUnixSeconds() {
  return rc::gen::element<std::string>("1", "1000", "4102444800", "0", "-1", "abc",
                                       "9223372036854775807");
}
inline rc::Gen<std::string> GenUnixMillis() {
  return rc::gen::element<std::string>("1", "1000", "4102444800000", "0", "-1", "abc",
                                       "9223372036854775807", "9223372036854775806");
}

inline rc::Gen<std::string> GenPattern() {
  return rc::gen::element<std::string>("*", "a*", "?", "[ab]", "[^a]", "*[a-b]*", "\\a", "x", "",
                                       "[", "a\\", "**", "*?");
}

inline rc::Gen<std::string> GenDbIndex() {
  return rc::gen::element<std::string>("0", "1", "2", "15", "16", "-1", "abc");
}

// Picks `n` distinct items of `options` in a random order (for option lists).
inline std::vector<std::string> PickSome(const std::vector<std::string>& options) {
  auto picked = *rc::gen::container<std::vector<std::string>>(rc::gen::elementOf(options));
  if (picked.size() > 4) picked.resize(4);
  return picked;
}

inline void Append(Command* cmd, const std::vector<std::string>& more) {
  cmd->insert(cmd->end(), more.begin(), more.end());
}

// ---- Rules ----------------------------------------------------------------------------------

// Whether both replies are integers within `slack` of each other (and non-negative: -1/-2 are
// exact answers that must match).
inline bool IntegersClose(const RespValue& a, const RespValue& b, int64_t slack) {
  return a.type == RespValue::Type::kInteger && b.type == RespValue::Type::kInteger &&
         a.integer >= 0 && b.integer >= 0 && std::llabs(a.integer - b.integer) <= slack;
}

// Maps "field=value field=value ..." lines (CLIENT LIST / CLIENT INFO) to the same text with the
// values that depend on the process, the socket or memory layout replaced by "*".
inline std::string NormalizeClientLines(const std::string& text) {
  static const std::set<std::string> kVolatile = {
      "id",       "addr",      "laddr", "fd",  "age", "idle", "qbuf", "qbuf-free",
      "argv-mem", "multi-mem", "rbs",   "rbp", "obl", "oll",  "omem", "tot-mem"};
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? nl : nl - pos);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    size_t start = 0;
    while (start < line.size()) {
      size_t sp = line.find(' ', start);
      std::string field = line.substr(start, sp == std::string::npos ? sp : sp - start);
      start = sp == std::string::npos ? line.size() : sp + 1;
      size_t eq = field.find('=');
      std::string name = field.substr(0, eq);
      out += kVolatile.count(name) ? name + "=*" : field;
      out += ' ';
    }
    out += '\n';
  }
  return out;
}

// INFO text reduced to what must match: section headers, field names, and the values that are a
// function of the commands run (keyspace counts, per-command call counts, error counts).
inline std::string NormalizeInfo(const std::string& text) {
  static const std::set<std::string> kExactValues = {"connected_clients",
                                                     "blocked_clients",
                                                     "role",
                                                     "maxmemory",
                                                     "maxmemory_policy",
                                                     "aof_enabled",
                                                     "cluster_enabled",
                                                     "redis_mode",
                                                     "redis_version",
                                                     "tracking_clients",
                                                     "total_error_replies",
                                                     "expired_keys",
                                                     "keyspace_hits",
                                                     "keyspace_misses",
                                                     "loading",
                                                     "rdb_bgsave_in_progress",
                                                     "pubsub_channels",
                                                     "pubsub_patterns"};
  std::string out;
  std::vector<std::string> unordered;  // lines of a section listed in hash-table order
  auto flush = [&] {
    std::sort(unordered.begin(), unordered.end());
    for (const auto& l : unordered) out += l;
    unordered.clear();
  };
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find("\r\n", pos);
    std::string line = text.substr(pos, nl == std::string::npos ? nl : nl - pos);
    pos = nl == std::string::npos ? text.size() : nl + 2;
    // redsim adds its own version next to redis_version; everything else must be Redis's.
    if (line.rfind("redsim_version:", 0) == 0) continue;
    if (line.empty() || line[0] == '#') {
      flush();
      out += line + "\n";
      continue;
    }
    size_t colon = line.find(':');
    std::string name = line.substr(0, colon);
    std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
    if (name.rfind("db", 0) == 0) {
      // db0:keys=1,expires=0,avg_ttl=0 -- avg_ttl is an estimate from random samples.
      value = value.substr(0, value.find(",avg_ttl="));
    } else if (name.rfind("cmdstat_", 0) == 0) {
      // calls=1,usec=2,usec_per_call=2.00,rejected_calls=0,failed_calls=0 -- drop timings.
      // A full scan (#SCANALL) takes as many SCAN calls as the hash layout needs.
      std::string kept;
      size_t s = 0;
      while (s < value.size()) {
        size_t comma = value.find(',', s);
        std::string kv = value.substr(s, comma == std::string::npos ? comma : comma - s);
        s = comma == std::string::npos ? value.size() : comma + 1;
        if (kv.rfind("usec", 0) != 0) kept += kv + ",";
      }
      value = name == "cmdstat_scan" ? "calls=*" : kept;
    } else if (name.rfind("errorstat_", 0) != 0 &&
               name.rfind("latency_percentiles_usec_", 0) != 0 && !kExactValues.count(name)) {
      value = "*";
    } else if (name.rfind("latency_percentiles_usec_", 0) == 0) {
      value = "*";
    }
    // Commandstats and latencystats follow the command table's hash order in Redis.
    if (name.rfind("cmdstat_", 0) == 0 || name.rfind("latency_percentiles_usec_", 0) == 0) {
      unordered.push_back(name + ":" + value + "\n");
    } else {
      out += name + ":" + value + "\n";
    }
  }
  flush();
  return out;
}

// Sorts [name, value, name, value...] pairs (CONFIG GET), keeping each pair together.
inline RespValue SortPairs(const Command&, RespValue reply) {
  if (!reply.is_aggregate()) return reply;
  std::vector<std::pair<RespValue, RespValue>> pairs;
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    pairs.emplace_back(reply.elements[i], reply.elements[i + 1]);
  }
  std::stable_sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) {
    return a.first.ToString() < b.first.ToString();
  });
  reply.elements.clear();
  for (auto& [k, v] : pairs) {
    reply.elements.push_back(std::move(k));
    reply.elements.push_back(std::move(v));
  }
  return reply;
}

inline RespValue ReplaceMapValue(RespValue reply, const std::string& key, RespValue with) {
  if (!reply.is_aggregate()) return reply;
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    if (reply.elements[i].is_string() && reply.elements[i].str == key) {
      reply.elements[i + 1] = with;
    }
  }
  return reply;
}

// Registers every rule the foundation's differential tests rely on. Idempotent.
inline void RegisterFoundationRules() {
  static const bool registered = [] {
    // KEYS returns keys in hash-table order, which differs between servers.
    RegisterNormalizer("keys", SortArrayReply);
    // A SCAN that completes in one call (the generators use a COUNT larger than the keyspace)
    // returns the same keys in hash-table order; the cursor value is implementation-defined.
    RegisterNormalizer("scan", [](const Command& cmd, RespValue r) {
      if (r.type == RespValue::Type::kArray && r.elements.size() == 2 && r.elements[0].str == "0") {
        return SortScanReply(cmd, std::move(r));
      }
      return r;
    });
    // TTLs depend on the instant each server ran the command (a few ms apart): allow 1 s / 1000
    // ms. EXPIRETIME of a relative expiry differs by that same instant.
    RegisterComparator("ttl", [](const Command&, const RespValue& a, const RespValue& b) {
      return IntegersClose(a, b, 1);
    });
    RegisterComparator("expiretime", [](const Command&, const RespValue& a, const RespValue& b) {
      return IntegersClose(a, b, 1);
    });
    RegisterComparator("pttl", [](const Command&, const RespValue& a, const RespValue& b) {
      return IntegersClose(a, b, 1000);
    });
    RegisterComparator("pexpiretime", [](const Command&, const RespValue& a, const RespValue& b) {
      return IntegersClose(a, b, 1000);
    });
    // Idle time is counted on a clock of 1 s resolution that each server ticks on its own.
    RegisterComparator("object|idletime",
                       [](const Command&, const RespValue& a, const RespValue& b) {
                         return IntegersClose(a, b, 2);
                       });
    // RANDOMKEY picks by hash-table layout: only "a key" vs "no key" must agree.
    RegisterComparator("randomkey", [](const Command&, const RespValue& a, const RespValue& b) {
      return (a.is_null() && b.is_null()) ||
             (a.type == RespValue::Type::kBulk && b.type == RespValue::Type::kBulk);
    });
    // Client ids are per process: both must be positive integers.
    RegisterComparator("client|id", [](const Command&, const RespValue& a, const RespValue& b) {
      return a.type == RespValue::Type::kInteger && b.type == RespValue::Type::kInteger &&
             a.integer > 0 && b.integer > 0;
    });
    RegisterNormalizer("hello", [](const Command&, RespValue r) {
      return ReplaceMapValue(std::move(r), "id", RespValue::Simple("<id>"));
    });

    // CLIENT LIST / INFO: ids, addresses, ages and buffer sizes depend on the process.
    auto client_lines = [](const Command&, RespValue r) {
      if (r.type == RespValue::Type::kBulk || r.type == RespValue::Type::kVerbatim) {
        r.str = NormalizeClientLines(r.str);
      }
      return r;
    };
    RegisterNormalizer("client|list", client_lines);
    RegisterNormalizer("client|info", client_lines);
    // CONFIG GET lists parameters in hash-table order.
    RegisterNormalizer("config|get", SortPairs);
    // INFO values are mostly measurements; see NormalizeInfo for what must match exactly.
    RegisterNormalizer("info", [](const Command&, RespValue r) {
      if (r.type == RespValue::Type::kBulk || r.type == RespValue::Type::kVerbatim) {
        r.str = NormalizeInfo(r.str);
      }
      return r;
    });
    // TIME: [seconds, microseconds] as bulk strings, clocks of two processes a moment apart.
    RegisterComparator("time", [](const Command&, const RespValue& a, const RespValue& b) {
      if (a.type != RespValue::Type::kArray || b.type != RespValue::Type::kArray ||
          a.elements.size() != 2 || b.elements.size() != 2) {
        return false;
      }
      int64_t sa, sb, ua, ub;
      return ParseInt64(a.elements[0].str, &sa) && ParseInt64(b.elements[0].str, &sb) &&
             ParseInt64(a.elements[1].str, &ua) && ParseInt64(b.elements[1].str, &ub) &&
             std::llabs(sa - sb) <= 2 && ua >= 0 && ua < 1000000 && ub >= 0 && ub < 1000000;
    });
    // LASTSAVE: the time each server started (no save has happened).
    RegisterComparator("lastsave", [](const Command&, const RespValue& a, const RespValue& b) {
      return a.type == RespValue::Type::kInteger && b.type == RespValue::Type::kInteger &&
             std::llabs(a.integer - b.integer) < 3600;
    });
    // HELP texts are worded by each implementation; the shape and first line must match.
    for (const char* help : {"object|help", "client|help", "config|help", "command|help"}) {
      RegisterNormalizer(help, [](const Command&, RespValue r) {
        if (r.type == RespValue::Type::kArray && !r.elements.empty()) r.elements.resize(1);
        return r;
      });
    }
    // #SCANALL [MATCH p] [COUNT n] [TYPE t]: iterates SCAN to the end (bounded) and returns the
    // sorted, de-duplicated keys seen; errors are returned as they came.
    RegisterMacro("#scanall", [](RespClient& conn, const Command& cmd) {
      std::set<std::string> keys;
      std::string cursor = "0";
      for (int calls = 0; calls < 10000; calls++) {
        Command scan = {"SCAN", cursor};
        scan.insert(scan.end(), cmd.begin() + 1, cmd.end());
        RespValue r = conn.Call(scan);
        if (r.type != RespValue::Type::kArray || r.elements.size() != 2) return r;
        for (const auto& k : r.elements[1].elements) keys.insert(k.str);
        cursor = r.elements[0].str;
        if (cursor == "0") break;
      }
      std::vector<RespValue> items;
      for (const auto& k : keys) items.push_back(RespValue::Bulk(k));
      return RespValue::Array(std::move(items));
    });
    return true;
  }();
  (void)registered;
}

// Runs a property over command sequences on the shared pair, resetting between cases.
// `reset` holds commands that restore state a generator may change (CONFIG SET ...).
template <typename GenFn>
bool CheckSequences(const std::string& description, DifferentialPair* pair, GenFn gen_command,
                    const std::vector<Command>& reset = {}) {
  // The first mismatch is printed as found: if it does not reproduce while shrinking (a race
  // with a clock), the final report alone would hide it.
  auto first = std::make_shared<bool>(true);
  return rc::check(description, [=] {
    auto seq = *rc::gen::container<std::vector<Command>>(gen_command());
    pair->Reset(reset);
    std::string mismatch = pair->CheckSequence(seq);
    if (!mismatch.empty()) {
      if (*first) fprintf(stderr, "first mismatch found:\n%s\n", mismatch.c_str());
      *first = false;
      RC_FAIL(mismatch);
    }
  });
}

}  // namespace redsim::testing
