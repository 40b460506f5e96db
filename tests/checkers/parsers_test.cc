// JSON and EDN readers, the history loaders and operation pairing: values, and malformed input
// reported with its line and column (never a crash).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "checkers/edn.h"
#include "checkers/history_formats.h"
#include "checkers/json.h"
#include "checkers/model.h"

namespace redsim::checkers {
namespace {

std::string JsonError(std::string_view text) {
  Datum d;
  SourceError err;
  EXPECT_FALSE(ParseJson(text, &d, &err)) << text;
  return err.ToString();
}

std::string EdnError(std::string_view text) {
  Datum d;
  SourceError err;
  EXPECT_FALSE(ParseEdn(text, &d, &err)) << text;
  return err.ToString();
}

TEST(Json, Values) {
  Datum d;
  SourceError err;
  ASSERT_TRUE(
      ParseJson(R"( {"a": [1, -2, 3.5, true, false, null, "x\"\u00e9\ud83d\ude00"]} )", &d, &err))
      << err.ToString();
  const Datum::List& items = d.Find("a")->items();
  ASSERT_EQ(items.size(), 7u);
  EXPECT_EQ(items[0], Datum::Int(1));
  EXPECT_EQ(items[1], Datum::Int(-2));
  EXPECT_EQ(items[2], Datum::Double(3.5));
  EXPECT_EQ(items[3], Datum::Bool(true));
  EXPECT_TRUE(items[5].is_nil());
  EXPECT_EQ(items[6].text(), "x\"\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(d.ToJson(), R"({"a":[1,-2,3.5,true,false,null,"x\"é😀"]})");
  ASSERT_TRUE(ParseJson("9223372036854775807", &d, &err));
  EXPECT_EQ(d, Datum::Int(INT64_MAX));
  ASSERT_TRUE(ParseJson("92233720368547758070", &d, &err));  // too big for int64: a double
  EXPECT_EQ(d.kind(), Datum::Kind::kDouble);
}

TEST(Json, ErrorsNameLineAndColumn) {
  EXPECT_EQ(JsonError(R"({"a":1,})"), "line 1, column 8: expected a string key in object");
  EXPECT_EQ(JsonError("{\"a\":\n  [1 2]}"), "line 2, column 6: expected ',' or ']' in array");
  EXPECT_EQ(JsonError(R"("abc)"), "line 1, column 5: unterminated string");
  EXPECT_EQ(JsonError(R"(01)"), "line 1, column 1: invalid number: leading zero");
  EXPECT_EQ(JsonError(R"(tru)"), "line 1, column 1: invalid literal, expected 'true'");
  EXPECT_EQ(JsonError(R"({} x)"), "line 1, column 4: unexpected text after the JSON value");
  EXPECT_EQ(JsonError(R"("\ud800")"), "line 1, column 8: unpaired surrogate in \\u escape");
  EXPECT_EQ(JsonError(""), "line 1, column 1: unexpected end of input, expected a value");
  EXPECT_EQ(JsonError(std::string(300, '[')), "line 1, column 202: JSON nested too deeply");
}

TEST(Edn, Forms) {
  std::vector<EdnForm> forms;
  SourceError err;
  ASSERT_TRUE(ParseEdnForms(
      "; comment\n[1, -2 3N 4.5 \"s\\n\" :kw sym nil true #{1} (a) {:k 1} #_ 99 #inst \"t\" \\c]",
      &forms, &err))
      << err.ToString();
  ASSERT_EQ(forms.size(), 1u);
  EXPECT_EQ(forms[0].line, 2);
  EXPECT_EQ(forms[0].value.ToText(),
            "[1 -2 3 4.5 \"s\\n\" :kw \"sym\" nil true [1] [\"a\"] {:k 1} \"t\" \"c\"]");
}

TEST(Edn, ErrorsNameLineAndColumn) {
  EXPECT_EQ(EdnError("[1 2"), "line 1, column 5: unterminated collection, expected ']'");
  EXPECT_EQ(EdnError("[1\n 2)"), "line 2, column 3: mismatched ')', expected ']'");
  EXPECT_EQ(EdnError("{:a}"), "line 1, column 1: map literal has an odd number of forms");
  EXPECT_EQ(EdnError("12x"), "line 1, column 1: invalid number '12x'");
  EXPECT_EQ(EdnError("\"abc"), "line 1, column 5: unterminated string");
  EXPECT_EQ(EdnError("1 2"), "line 1, column 3: expected one EDN form, found more");
  EXPECT_EQ(EdnError(":"), "line 1, column 1: empty keyword");
  EXPECT_EQ(EdnError(std::string(300, '[')), "line 1, column 202: EDN nested too deeply");
}

std::string LoadError(std::string_view text, HistoryFormat format) {
  History h;
  SourceError err;
  EXPECT_FALSE(ParseHistory(text, format, "", &h, &err)) << text;
  return err.ToString();
}

TEST(Loaders, Jsonl) {
  std::string text =
      "{\"redsim_history\":1,\"model\":\"kv\"}\n"
      "{\"process\":0,\"type\":\"invoke\",\"f\":\"put\",\"key\":\"k\",\"value\":\"v\",\"time_ns\":"
      "5}\n"
      "\n"
      "{\"process\":\"nemesis\",\"type\":\"info\",\"f\":\"partition\",\"value\":{\"cut\":[\"n1\"]},"
      "\"time_ns\":6}\n"
      "{\"process\":0,\"type\":\"ok\",\"f\":\"put\",\"key\":\"k\",\"value\":\"v\",\"time_ns\":7,"
      "\"extra\":[1]}\n";
  History h;
  SourceError err;
  ASSERT_TRUE(ParseHistory(text, HistoryFormat::kAuto, "h.jsonl", &h, &err)) << err.ToString();
  EXPECT_EQ(h.format, "jsonl");
  EXPECT_EQ(h.model, "kv");
  ASSERT_EQ(h.events.size(), 3u);
  EXPECT_EQ(h.events[0].line, 2);
  EXPECT_TRUE(h.events[1].nemesis);
  EXPECT_EQ(h.events[1].value.ToJson(), R"({"cut":["n1"]})");
  EXPECT_EQ(h.events[2].time_ns, 7);
  // Round trip through the writer.
  std::string again = JsonlHeader("kv") + "\n";
  for (const Event& e : h.events) again += EventToJsonl(e) + "\n";
  History h2;
  ASSERT_TRUE(ParseHistory(again, HistoryFormat::kJsonl, "", &h2, &err)) << err.ToString();
  ASSERT_EQ(h2.events.size(), 3u);
  EXPECT_EQ(EventToJsonl(h2.events[2]), EventToJsonl(h.events[2]));
}

TEST(Loaders, JsonlErrors) {
  EXPECT_EQ(LoadError("{\"type\":\"ok\",\"f\":\"read\"}", HistoryFormat::kJsonl),
            "line 1, column 1: missing field 'process'");
  EXPECT_EQ(LoadError("{\"process\":1,\"type\":\"done\",\"f\":\"read\"}", HistoryFormat::kJsonl),
            "line 1, column 14: 'type' must be invoke, ok, fail or info, not \"done\"");
  EXPECT_EQ(LoadError("{\"process\":-1,\"type\":\"ok\",\"f\":\"r\"}", HistoryFormat::kJsonl),
            "line 1, column 2: 'process' must be a non-negative integer or \"nemesis\", not -1");
  EXPECT_EQ(LoadError("{\"process\":1,\"type\":\"invoke\",\"f\":\"r\",\"time_ns\":9}\n"
                      "{\"process\":1,\"type\":\"ok\",\"f\":\"r\",\"time_ns\":3}",
                      HistoryFormat::kJsonl),
            "line 2, column 34: time_ns goes backwards (3 after 9): events must be in real-time "
            "order");
  EXPECT_EQ(LoadError("{\"process\":1,\"type\":\"invoke\",\"f\":\"r\"}\n{\"redsim_history\":1}",
                      HistoryFormat::kJsonl),
            "line 2, column 1: the header must be the first line");
  EXPECT_EQ(LoadError("{\"redsim_history\":2}", HistoryFormat::kJsonl),
            "line 1, column 2: unsupported history version 2 (expected 1)");
  EXPECT_EQ(LoadError("[1]", HistoryFormat::kJsonl), "line 1, column 1: expected a JSON object");
  EXPECT_EQ(LoadError("{\"process\":1,\n", HistoryFormat::kJsonl),
            "line 1, column 14: expected a string key in object");
}

TEST(Loaders, JepsenLog) {
  std::string text =
      "INFO  jepsen.core - Worker 0 starting\n"
      "INFO  jepsen.util - 0\t:invoke\t:cas\t[3 0]\n"
      "INFO  jepsen.util - 0   :fail   :cas    [3 0]\n"
      "INFO  jepsen.util - :nemesis :info :start nil\n"
      "INFO  jepsen.util - 1\t:invoke\t:read\tnil\n"
      "INFO  jepsen.util - 1\t:info\t:read\t:timed-out\n";
  History h;
  SourceError err;
  ASSERT_TRUE(ParseHistory(text, HistoryFormat::kAuto, "x.log", &h, &err)) << err.ToString();
  EXPECT_EQ(h.format, "jepsen");
  ASSERT_EQ(h.events.size(), 5u);
  EXPECT_EQ(h.events[0].value.ToText(), "[3 0]");
  EXPECT_EQ(h.events[1].type, EventType::kFail);
  EXPECT_EQ(h.events[1].line, 3);
  EXPECT_TRUE(h.events[2].nemesis);
  EXPECT_EQ(h.events[4].value, Datum::Keyword("timed-out"));
  EXPECT_EQ(DefaultModelFor(h), "etcd-cas-register");
  EXPECT_EQ(LoadError("INFO  jepsen.util - x :invoke :read nil", HistoryFormat::kJepsen),
            "line 1, column 21: invalid process 'x'");
  EXPECT_EQ(LoadError("INFO  jepsen.util - 1 :begin :read nil", HistoryFormat::kJepsen),
            "line 1, column 23: invalid type ':begin'");
  EXPECT_EQ(LoadError("INFO  jepsen.util - 1 :ok :read [1", HistoryFormat::kJepsen),
            "line 1, column 35: unterminated collection, expected ']'");
  EXPECT_EQ(LoadError("INFO  jepsen.util - 1 :ok", HistoryFormat::kJepsen),
            "line 1, column 26: expected '<process> <:type> <:f> <value>' after 'jepsen.util - '");
  EXPECT_EQ(LoadError("hello\n", HistoryFormat::kJepsen),
            "line 1, column 1: no Jepsen history lines ('... jepsen.util - <process> ...') found");
}

TEST(Loaders, PorcupineKvAndEdn) {
  History h;
  SourceError err;
  ASSERT_TRUE(
      ParseHistory("{:process 3, :type :invoke, :f :append, :key \"7\", :value \"x 3 y\"}\n"
                   "{:process 3, :type :ok, :f :append, :key \"7\", :value \"x 3 y\"}\n",
                   HistoryFormat::kAuto, "c.txt", &h, &err))
      << err.ToString();
  EXPECT_EQ(h.format, "porcupine-kv");
  EXPECT_EQ(h.events[1].key, Datum::String("7"));
  EXPECT_EQ(DefaultModelFor(h), "kv-append");
  EXPECT_EQ(LoadError("{:process 3, :type :ok}\n{:process 1 :type :ok :f :get} {:a 1}",
                      HistoryFormat::kPorcupineKv),
            "line 1, column 1: missing field 'f'");

  ASSERT_TRUE(
      ParseHistory("; multi\n({:type :invoke, :f :txn, :value [[:read :x nil]], :process 0,\n"
                   "  :time 5}\n {:process :nemesis :type :info :f :kill :value nil})",
                   HistoryFormat::kAuto, "m.edn", &h, &err))
      << err.ToString();
  EXPECT_EQ(h.format, "edn");
  ASSERT_EQ(h.events.size(), 2u);
  EXPECT_EQ(h.events[0].line, 2);
  EXPECT_EQ(h.events[0].time_ns, 5);
  EXPECT_EQ(DefaultModelFor(h), "knossos-multi-register");
  EXPECT_EQ(LoadError("[{:process 1 :type :invoke :f :read}\n 42]", HistoryFormat::kEdn),
            "line 2, column 2: expected an operation map, found 42");
  EXPECT_EQ(LoadError("[{:process 1 :type :invoke :f :read}\n {:process 2.5 :type :ok :f :read}]",
                      HistoryFormat::kEdn),
            "line 2, column 3: 'process' must be a non-negative integer or \"nemesis\", not 2.5");
  EXPECT_EQ(LoadError("[{:process 1 :type :invoke}]", HistoryFormat::kEdn),
            "line 1, column 2: missing field 'f'");
}

TEST(Loaders, MissingFile) {
  History h;
  SourceError err;
  EXPECT_FALSE(LoadHistoryFile("/nonexistent/h.jsonl", HistoryFormat::kAuto, &h, &err));
  EXPECT_EQ(err.ToString(), "cannot open '/nonexistent/h.jsonl'");
}

std::string PairError(std::string_view jsonl) {
  History h;
  SourceError err;
  EXPECT_TRUE(ParseHistory(jsonl, HistoryFormat::kJsonl, "", &h, &err)) << err.ToString();
  OpHistory ops;
  EXPECT_FALSE(PairOperations(h, &ops, &err));
  return err.ToString();
}

TEST(Pairing, PairsAndReportsBrokenHistories) {
  History h;
  SourceError err;
  ASSERT_TRUE(
      ParseHistory("{\"process\":1,\"type\":\"invoke\",\"f\":\"write\",\"value\":3}\n"
                   "{\"process\":2,\"type\":\"invoke\",\"f\":\"read\"}\n"
                   "{\"process\":1,\"type\":\"info\",\"f\":\"write\"}\n",
                   HistoryFormat::kJsonl, "", &h, &err));
  OpHistory ops;
  ASSERT_TRUE(PairOperations(h, &ops, &err)) << err.ToString();
  ASSERT_EQ(ops.ops.size(), 2u);
  EXPECT_EQ(ops.ops[0].status, OpStatus::kInfo);
  EXPECT_EQ(ops.ops[0].complete_line, 3);
  EXPECT_EQ(ops.ops[1].status, OpStatus::kPending);
  EXPECT_EQ(DescribeOperation(ops.ops[0]), "process 1 write 3 -> info (unknown outcome)");

  EXPECT_EQ(PairError("{\"process\":1,\"type\":\"ok\",\"f\":\"read\"}"),
            "line 1: 'ok' for process 1 which has no open invocation");
  EXPECT_EQ(PairError("{\"process\":1,\"type\":\"invoke\",\"f\":\"read\"}\n"
                      "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\"}"),
            "line 2: process 1 invokes again while its operation from line 1 is still open");
  EXPECT_EQ(PairError("{\"process\":1,\"type\":\"invoke\",\"f\":\"read\"}\n"
                      "{\"process\":1,\"type\":\"ok\",\"f\":\"write\"}"),
            "line 2: completion f 'write' does not match the invocation's 'read' (line 1)");
}

// Whatever bytes a file holds, loading it either succeeds or names a line; it never crashes.
RC_GTEST_PROP(Loaders, MangledFilesNeverCrash, ()) {
  static const std::vector<std::string> kSamples = {
      "{\"process\":0,\"type\":\"invoke\",\"f\":\"cas\",\"key\":\"k\",\"value\":[1,2],\"time_ns\":"
      "1}\n"
      "{\"process\":0,\"type\":\"ok\",\"f\":\"cas\",\"key\":\"k\",\"value\":true,\"time_ns\":2}\n",
      "INFO  jepsen.util - 0\t:invoke\t:cas\t[3 0]\nINFO  jepsen.util - 0\t:ok\t:cas\t[3 0]\n",
      "{:process 3, :type :invoke, :f :get, :key \"7\", :value nil}\n",
      "[{:process 0 :type :invoke :f :txn :value [[:read :x nil]]}\n {:process 0 :type :ok :f :txn "
      ":value [[:read :x 1]]}]\n"};
  std::string text = *rc::gen::elementOf(kSamples);
  int edits = *rc::gen::inRange(1, 6);
  for (int i = 0; i < edits; ++i) {
    size_t at = *rc::gen::inRange<size_t>(0, text.size());
    char c = *rc::gen::elementOf(std::string("{}[]()\":,;\\ \n#_0-9a\x01\xff"));
    if (*rc::gen::arbitrary<bool>()) {
      text.insert(at, 1, c);
    } else if (at < text.size()) {
      text[at] = c;
    }
  }
  for (HistoryFormat f : {HistoryFormat::kJsonl, HistoryFormat::kJepsen,
                          HistoryFormat::kPorcupineKv, HistoryFormat::kEdn}) {
    History h;
    SourceError err;
    if (!ParseHistory(text, f, "", &h, &err)) {
      RC_ASSERT(err.line >= 1);
      RC_ASSERT(!err.message.empty());
      continue;
    }
    OpHistory ops;
    if (!PairOperations(h, &ops, &err)) RC_ASSERT(err.line >= 1);
  }
}

}  // namespace
}  // namespace redsim::checkers
