// Generators of string and generic key commands for the differential tests: every option of
// every command, valid and invalid, over the tiny keyspace of foundation_gen.h. Each function
// runs inside rc::gen::exec.
#pragma once

#include "tests/differential/foundation_gen.h"

namespace redsim::testing {

// ---- Strings --------------------------------------------------------------------------------

inline Command GenSetCommand() {
  Command c{"SET", *GenKey(), *GenValue()};
  int options = *rc::gen::inRange(0, 4);
  for (int i = 0; i < options; i++) {
    switch (*rc::gen::inRange(0, 10)) {
      case 0:
        c.push_back("NX");
        break;
      case 1:
        c.push_back("XX");
        break;
      case 2:
        c.push_back(*rc::gen::element<std::string>("GET", "get"));
        break;
      case 3:
        c.push_back("KEEPTTL");
        break;
      case 4:
        Append(&c, {*rc::gen::element<std::string>("EX", "ex"), *GenSeconds()});
        break;
      case 5:
        Append(&c, {"PX", *GenMillis()});
        break;
      case 6:
        Append(&c, {"EXAT", *GenUnixSeconds()});
        break;
      case 7:
        Append(&c, {"PXAT", *GenUnixMillis()});
        break;
      case 8:
        c.push_back(*rc::gen::element<std::string>("EX", "PERSIST", "FOO"));
        break;
      default:
        break;
    }
  }
  return c;
}

inline Command GenGetExCommand() {
  Command c{"GETEX", *GenKey()};
  int options = *rc::gen::inRange(0, 3);
  for (int i = 0; i < options; i++) {
    switch (*rc::gen::inRange(0, 7)) {
      case 0:
        Append(&c, {"EX", *GenSeconds()});
        break;
      case 1:
        Append(&c, {"PX", *GenMillis()});
        break;
      case 2:
        Append(&c, {"EXAT", *GenUnixSeconds()});
        break;
      case 3:
        Append(&c, {"PXAT", *GenUnixMillis()});
        break;
      case 4:
        c.push_back("PERSIST");
        break;
      case 5:
        c.push_back(*rc::gen::element<std::string>("KEEPTTL", "NX", "GET", "EX"));
        break;
      default:
        break;
    }
  }
  return c;
}

inline Command GenLcsCommand() {
  Command c{"LCS", *GenKey(), *GenKey()};
  for (const auto& opt : PickSome({"LEN", "IDX", "MINMATCHLEN", "WITHMATCHLEN", "FOO"})) {
    c.push_back(opt);
    if (opt == "MINMATCHLEN" && *rc::gen::inRange(0, 5) != 0) {
      c.push_back(*rc::gen::element<std::string>("0", "1", "2", "3", "-1", "abc"));
    }
  }
  return c;
}

// Values that make LCS interesting: related strings with several common runs.
inline Command GenLcsSetup() {
  return {"SET", *GenKey(),
          *rc::gen::element<std::string>("ohmytext", "mynewtext", "abcdefgh", "xaybzc", "aaabbbccc",
                                         "abcabcabc", "", "banana", "ananas")};
}

inline Command GenStringCommand() {
  const std::string key = *GenKey();
  switch (*rc::gen::inRange(0, 26)) {
    case 0:
      return GenSetCommand();
    case 1:
      return {"GET", key};
    case 2:
      return GenGetExCommand();
    case 3:
      return {"SETNX", key, *GenValue()};
    case 4:
      return {"SETEX", key, *GenSeconds(), *GenValue()};
    case 5:
      return {"PSETEX", key, *GenMillis(), *GenValue()};
    case 6:
      return {"GETSET", key, *GenValue()};
    case 7:
      return {"GETDEL", key};
    case 8: {
      Command c{"MGET"};
      Append(&c, *rc::gen::container<std::vector<std::string>>(GenKey()));
      return c;
    }
    case 9:
    case 10: {
      Command c{*rc::gen::element<std::string>("MSET", "MSETNX")};
      int pairs = *rc::gen::inRange(0, 4);
      for (int i = 0; i < pairs; i++) Append(&c, {*GenKey(), *GenValue()});
      if (*rc::gen::inRange(0, 6) == 0) c.push_back(*GenKey());  // odd count
      return c;
    }
    case 11:
      return {"APPEND", key, *GenValue()};
    case 12:
      return {"STRLEN", key};
    case 13:
      return {*rc::gen::element<std::string>("INCR", "DECR"), key};
    case 14:
      return {*rc::gen::element<std::string>("INCRBY", "DECRBY"), key, *GenIntArg()};
    case 15:
      return {"INCRBYFLOAT", key,
              *rc::gen::oneOf(GenValue(), rc::gen::element<std::string>(
                                              "0.1", "-0.1", "1e308", "-1e308", "1e-20", "5.0e3",
                                              "nan", "+inf", "0x10", "1.5e", "."))};
    case 16:
      return {*rc::gen::element<std::string>("GETRANGE", "SUBSTR"), key, *GenIntArg(),
              *GenIntArg()};
    case 17:
      // (Offsets near the 512 MB limit are in LimitsMatchRedis: too slow for sequences.)
      return {"SETRANGE", key,
              *rc::gen::oneOf(GenIntArg(),
                              rc::gen::element<std::string>("536870912", "9223372036854775807")),
              *rc::gen::element<std::string>("", "x", "Redis", "12", "\xff\x01")};
    case 18:
      return GenLcsCommand();
    case 19:
      return GenLcsSetup();
    case 20:
      return {"OBJECT", "ENCODING", key};
    case 21:
      return {"OBJECT", "REFCOUNT", key};
    case 22:
      return {"TYPE", key};
    case 23:
      return {"TTL", key};
    case 24:
      return {"SET", key,
              *rc::gen::element<std::string>("12", "-3", "9999", "10000", "123456789012345678901")};
    default:
      return {"EXISTS", key};
  }
}

// ---- Keys -----------------------------------------------------------------------------------

inline Command GenExpireCommand() {
  std::string name = *rc::gen::element<std::string>("EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT");
  std::string when = name == "EXPIRE"     ? *GenSeconds()
                     : name == "PEXPIRE"  ? *GenMillis()
                     : name == "EXPIREAT" ? *GenUnixSeconds()
                                          : *GenUnixMillis();
  Command c{name, *GenKey(), when};
  Append(&c, PickSome({"NX", "XX", "GT", "LT", "nx", "FOO"}));
  return c;
}

inline Command GenScanCommand() {
  Command c;
  bool full = *rc::gen::inRange(0, 3) != 0;
  if (full) {
    c = {"#SCANALL"};
  } else {
    // One call that either completes (COUNT larger than any keyspace here) or is rejected.
    // Cursors that parse as 0 in Redis (strtoull): "", "+0", "-0"; others are rejected.
    c = {"SCAN", *rc::gen::element<std::string>("0", "0", "abc", "-0", "", "+0", " 1",
                                                "18446744073709551616")};
    Append(&c, {"COUNT", "1000"});
  }
  for (const auto& opt : PickSome({"MATCH", "COUNT", "TYPE", "FOO"})) {
    if (opt == "MATCH") Append(&c, {"MATCH", *GenPattern()});
    if (opt == "COUNT") {
      Append(&c, {"COUNT", full ? *rc::gen::element<std::string>("1", "2", "10", "0", "abc")
                                : *rc::gen::element<std::string>("1000", "0", "-1", "abc")});
    }
    if (opt == "TYPE") {
      Append(&c,
             {"TYPE", *rc::gen::element<std::string>("string", "STRING", "list", "hash", "foo")});
    }
    if (opt == "FOO") c.push_back("FOO");
  }
  if (*rc::gen::inRange(0, 10) == 0) c.push_back("MATCH");  // option without its value
  return c;
}

inline Command GenKeysCommand() {
  const std::string key = *GenKey();
  switch (*rc::gen::inRange(0, 26)) {
    case 0:
    case 1: {
      Command c{*rc::gen::element<std::string>("DEL", "UNLINK", "EXISTS", "TOUCH")};
      Append(&c, *rc::gen::container<std::vector<std::string>>(GenKey()));
      return c;
    }
    case 2:
      return {"TYPE", key};
    case 3:
      return {*rc::gen::element<std::string>("RENAME", "RENAMENX"), key, *GenKey()};
    case 4:
      return {"KEYS", *GenPattern()};
    case 5:
      return GenScanCommand();
    case 6:
      return {"RANDOMKEY"};
    case 7:
      return {"DBSIZE"};
    case 8: {
      Command c{*rc::gen::element<std::string>("FLUSHDB", "FLUSHALL")};
      if (*rc::gen::inRange(0, 2) == 0) {
        c.push_back(*rc::gen::element<std::string>("ASYNC", "SYNC", "sync", "FOO"));
      }
      return c;
    }
    case 9:
    case 10:
      return GenExpireCommand();
    case 11:
      return {*rc::gen::element<std::string>("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"), key};
    case 12:
      return {"PERSIST", key};
    case 13: {
      Command c{"COPY", key, *GenKey()};
      for (const auto& opt : PickSome({"DB", "REPLACE", "FOO"})) {
        c.push_back(opt);
        if (opt == "DB" && *rc::gen::inRange(0, 6) != 0) c.push_back(*GenDbIndex());
      }
      return c;
    }
    case 14:
      return {"MOVE", key, *GenDbIndex()};
    case 15:
      return {"SWAPDB", *GenDbIndex(), *GenDbIndex()};
    case 16:
      return {"SELECT", *GenDbIndex()};
    case 17:
      return {"OBJECT",
              *rc::gen::element<std::string>("ENCODING", "REFCOUNT", "IDLETIME", "FREQ", "encoding",
                                             "FOO"),
              key};
    case 18:
      return {"OBJECT", *rc::gen::element<std::string>("HELP", "ENCODING", "FOO")};
    case 19:
      return {"SET", key, *GenValue()};
    case 20:
      return {"SET", key, *GenValue(), "EX", "1000"};
    case 21:
      return {"GET", key};
    case 22:
      return {"INCR", key};
    default:
      return GenStringCommand();
  }
}

}  // namespace redsim::testing
