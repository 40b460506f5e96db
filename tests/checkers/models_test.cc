// The models' semantics, one small history at a time, and what the checker reports: the
// counterexample window, partitions, budgets and operations a model cannot read.
#include <gtest/gtest.h>

#include "checkers/explain.h"
#include "checkers/linearizability.h"

namespace redsim::checkers {
namespace {

Datum I(int64_t v) { return Datum::Int(v); }
Datum S(const char* s) { return Datum::String(s); }
Datum L(Datum::List items) { return Datum::MakeList(std::move(items)); }
Datum B(bool b) { return Datum::Bool(b); }

// Builds a history event by event; each call appends one line.
class H {
 public:
  H& Inv(int64_t p, const char* f, Datum value = {}, Datum key = {}) {
    return Add(p, EventType::kInvoke, f, std::move(value), std::move(key));
  }
  H& Ok(int64_t p, const char* f, Datum value = {}, Datum key = {}) {
    return Add(p, EventType::kOk, f, std::move(value), std::move(key));
  }
  H& Fail(int64_t p, const char* f, Datum value = {}) {
    return Add(p, EventType::kFail, f, std::move(value), {});
  }
  H& Info(int64_t p, const char* f) { return Add(p, EventType::kInfo, f, {}, {}); }
  // A whole operation that completes before the next one starts.
  H& Op(int64_t p, const char* f, Datum in, Datum out, Datum key = {}) {
    Inv(p, f, std::move(in), key);
    return Ok(p, f, std::move(out), std::move(key));
  }
  H& At(int64_t time_ns) {
    next_time_ = time_ns;
    return *this;
  }

  const OpHistory& Pair() {
    SourceError err;
    EXPECT_TRUE(PairOperations(history_, &ops_, &err)) << err.ToString();
    return ops_;
  }

  LinearizabilityResult Check(const char* model_name, CheckBudget budget = {}) {
    Pair();
    const Model* model = FindModel(model_name);
    EXPECT_NE(model, nullptr) << model_name;
    LinearizabilityResult result;
    std::string error;
    EXPECT_TRUE(CheckLinearizability(ops_, *model, budget, &result, &error)) << error;
    return result;
  }
  Verdict V(const char* model) { return Check(model).verdict; }
  const OpHistory& ops() const { return ops_; }

 private:
  H& Add(int64_t p, EventType t, const char* f, Datum value, Datum key) {
    Event e;
    e.process = p;
    e.type = t;
    e.f = f;
    e.value = std::move(value);
    e.key = std::move(key);
    e.line = static_cast<int>(history_.events.size()) + 1;
    e.time_ns = next_time_ >= 0 ? next_time_ : e.line * 10;
    next_time_ = -1;
    history_.events.push_back(std::move(e));
    return *this;
  }
  History history_;
  OpHistory ops_;
  int64_t next_time_ = -1;
};

constexpr Verdict kYes = Verdict::kLinearizable;
constexpr Verdict kNo = Verdict::kNotLinearizable;

TEST(Models, Register) {
  EXPECT_EQ(
      H().Op(0, "read", {}, {}).Op(0, "write", I(1), I(1)).Op(1, "read", {}, I(1)).V("register"),
      kYes);
  EXPECT_EQ(H().Op(0, "write", I(1), I(1))
                .Op(0, "write", I(2), I(2))
                .Op(1, "read", {}, I(1))
                .V("register"),
            kNo);  // stale read
  // Concurrent write and read: the read may see either value.
  EXPECT_EQ(H().Op(0, "write", I(1), I(1))
                .Inv(0, "write", I(2))
                .Op(1, "read", {}, I(1))
                .Ok(0, "write", I(2))
                .V("register"),
            kYes);
  // An info write may have happened at any later point...
  EXPECT_EQ(H().Inv(0, "write", I(5))
                .Info(0, "write")
                .Op(1, "read", {}, {})
                .Op(1, "read", {}, I(5))
                .V("register"),
            kYes);
  // ...but only once, and never before it was invoked.
  EXPECT_EQ(H().Op(1, "read", {}, I(5)).Inv(0, "write", I(5)).Info(0, "write").V("register"), kNo);
  // A failed write never happened.
  EXPECT_EQ(H().Inv(0, "write", I(5)).Fail(0, "write").Op(1, "read", {}, I(5)).V("register"), kNo);
}

TEST(Models, CasRegister) {
  EXPECT_EQ(H().Op(0, "write", I(1), I(1))
                .Op(0, "cas", L({I(1), I(2)}), B(true))
                .Op(1, "read", {}, I(2))
                .V("cas-register"),
            kYes);
  EXPECT_EQ(H().Op(0, "write", I(1), I(1)).Op(0, "cas", L({I(3), I(2)}), B(true)).V("cas-register"),
            kNo);
  // ok false: the compare ran and did not match.
  EXPECT_EQ(
      H().Op(0, "write", I(1), I(1)).Op(0, "cas", L({I(3), I(2)}), B(false)).V("cas-register"),
      kYes);
  EXPECT_EQ(
      H().Op(0, "write", I(1), I(1)).Op(0, "cas", L({I(1), I(2)}), B(false)).V("cas-register"),
      kNo);
  // An unknown cas may or may not have swapped.
  H h;
  h.Op(0, "write", I(1), I(1))
      .Inv(1, "cas", L({I(1), I(2)}))
      .Info(1, "cas")
      .Op(0, "read", {}, I(1));
  EXPECT_EQ(h.Op(0, "read", {}, I(2)).V("cas-register"), kYes);
}

TEST(Models, EtcdAndKnossosReadingsOfAFailedCas) {
  // A cas that fails while the register certainly holds its expected value: the etcd reading
  // (the compare ran) calls that a violation; the Knossos reading (it never happened) does not.
  auto history = [] {
    H h;
    h.Op(0, "write", I(1), I(1)).Inv(0, "cas", L({I(1), I(2)})).Fail(0, "cas", L({I(1), I(2)}));
    return h;
  };
  EXPECT_EQ(history().V("etcd-cas-register"), kNo);
  EXPECT_EQ(history().V("knossos-cas-register"), kYes);
  EXPECT_EQ(history().V("cas-register"), kYes);
  // Knossos: the register starts at 0 and a nil read matches anything.
  EXPECT_EQ(H().Op(0, "read", {}, I(0)).V("knossos-cas-register"), kYes);
  EXPECT_EQ(H().Op(0, "read", {}, I(0)).V("etcd-cas-register"), kNo);  // etcd starts absent
  EXPECT_EQ(H().Op(0, "write", I(3), I(3)).Op(0, "read", {}, {}).V("knossos-cas-register"), kYes);
  EXPECT_EQ(H().Op(0, "write", I(3), I(3)).Op(0, "read", {}, {}).V("etcd-cas-register"), kNo);
  // Knossos: a pending cas whose compare can never match may simply never happen.
  EXPECT_EQ(H().Inv(1, "cas", L({I(7), I(8)})).Op(0, "read", {}, I(0)).V("knossos-cas-register"),
            kYes);
}

TEST(Models, Counter) {
  EXPECT_EQ(H().Op(0, "incr", {}, I(1))
                .Op(1, "incr", I(5), I(6))
                .Op(0, "decr", I(2), I(4))
                .Op(1, "read", {}, I(4))
                .V("counter"),
            kYes);
  EXPECT_EQ(H().Op(0, "incr", {}, I(1)).Op(1, "incr", {}, I(1)).V("counter"),
            kNo);  // both saw 0 -> 1
  EXPECT_EQ(H().Op(0, "incr", {}, {}).Op(1, "read", {}, I(0)).V("counter"), kNo);
}

TEST(Models, Set) {
  EXPECT_EQ(H().Op(0, "add", I(1), B(true))
                .Op(1, "add", I(1), B(false))
                .Op(0, "read", {}, L({I(1)}))
                .Op(0, "remove", I(1), B(true))
                .Op(1, "read", {}, L({}))
                .V("set"),
            kYes);
  EXPECT_EQ(
      H().Op(0, "add", I(1), {}).Op(1, "add", I(2), {}).Op(0, "read", {}, L({I(2), I(1)})).V("set"),
      kYes);  // order of a set read is irrelevant
  EXPECT_EQ(H().Op(0, "add", I(1), B(true)).Op(1, "add", I(1), B(true)).V("set"), kNo);
  EXPECT_EQ(H().Op(0, "add", I(1), {}).Op(1, "read", {}, L({I(1), I(1)})).V("set"), kNo);
}

TEST(Models, ListAppend) {
  EXPECT_EQ(H().Op(0, "append", I(1), {})
                .Op(1, "append", I(2), {})
                .Op(0, "read", {}, L({I(1), I(2)}))
                .V("list-append"),
            kYes);
  EXPECT_EQ(H().Op(0, "append", I(1), {})
                .Op(1, "append", I(2), {})
                .Op(0, "read", {}, L({I(2), I(1)}))
                .V("list-append"),
            kNo);
  // Concurrent appends: either order.
  EXPECT_EQ(H().Inv(0, "append", I(1))
                .Inv(1, "append", I(2))
                .Ok(0, "append")
                .Ok(1, "append")
                .Op(2, "read", {}, L({I(2), I(1)}))
                .V("list-append"),
            kYes);
}

TEST(Models, Queue) {
  EXPECT_EQ(H().Op(0, "enqueue", I(1), {})
                .Op(0, "enqueue", I(2), {})
                .Op(1, "dequeue", {}, I(1))
                .Op(1, "dequeue", {}, I(2))
                .Op(1, "dequeue", {}, {})
                .V("queue"),
            kYes);
  EXPECT_EQ(H().Op(0, "enqueue", I(1), {})
                .Op(0, "enqueue", I(2), {})
                .Op(1, "dequeue", {}, I(2))
                .V("queue"),
            kNo);
  // An unknown dequeue may have taken the head.
  EXPECT_EQ(H().Op(0, "enqueue", I(1), {})
                .Op(0, "enqueue", I(2), {})
                .Inv(1, "dequeue")
                .Info(1, "dequeue")
                .Op(2, "dequeue", {}, I(2))
                .V("queue"),
            kYes);
}

TEST(Models, KvAndKvAppend) {
  EXPECT_EQ(H().Op(0, "get", {}, {})
                .Op(0, "append", S("a"), {})
                .Op(0, "append", S("b"), {})
                .Op(1, "get", {}, S("ab"))
                .Op(1, "delete", {}, {})
                .Op(1, "get", {}, {})
                .V("kv"),
            kYes);
  EXPECT_EQ(H().Op(0, "get", {}, S("")).V("kv"), kNo);          // kv: a new key is absent
  EXPECT_EQ(H().Op(0, "get", {}, S("")).V("kv-append"), kYes);  // kv-append: it is ""
  EXPECT_EQ(
      H().Op(0, "put", S("x"), {}).Op(0, "append", S("y"), {}).Op(1, "get", {}, S("yx")).V("kv"),
      kNo);
  // Keys are independent; the counterexample names the key that failed.
  H h;
  h.Op(0, "put", S("1"), {}, S("k1"))
      .Op(0, "put", S("2"), {}, S("k2"))
      .Op(1, "get", {}, S("1"), S("k1"));
  h.Op(1, "get", {}, S("0"), S("k2"));
  LinearizabilityResult r = h.Check("kv");
  EXPECT_EQ(r.verdict, kNo);
  EXPECT_EQ(r.partitions, 2);
  ASSERT_TRUE(r.counterexample);
  EXPECT_EQ(r.counterexample->partition, "\"k2\"");
}

TEST(Models, MultiRegisterTransactionsAreAtomic) {
  auto w = [](const char* k, int v) { return L({S("w"), S(k), I(v)}); };
  auto r = [](const char* k, Datum v) { return L({S("r"), S(k), std::move(v)}); };
  EXPECT_EQ(H().Op(0, "txn", L({w("x", 1), w("y", 1)}), L({w("x", 1), w("y", 1)}))
                .Op(1, "txn", L({r("x", {}), r("y", {})}), L({r("x", I(1)), r("y", I(1))}))
                .V("multi-register"),
            kYes);
  // A reader concurrent with the writer sees both or neither, never half.
  EXPECT_EQ(H().Inv(0, "txn", L({w("x", 1), w("y", 1)}))
                .Op(1, "txn", L({r("x", {}), r("y", {})}), L({r("x", I(1)), r("y", {})}))
                .Ok(0, "txn", L({w("x", 1), w("y", 1)}))
                .V("multi-register"),
            kNo);
  EXPECT_EQ(H().Op(1, "txn", L({r("x", {}), r("y", {})}), L({r("x", I(0)), r("y", {})}))
                .V("knossos-multi-register"),
            kYes);
}

TEST(Models, Lock) {
  EXPECT_EQ(H().Op(0, "acquire", {}, {})
                .Op(1, "acquire", {}, B(false))
                .Op(0, "release", {}, {})
                .Op(1, "acquire", {}, {})
                .V("lock"),
            kYes);
  EXPECT_EQ(H().Op(0, "acquire", {}, {}).Op(1, "acquire", {}, {}).V("lock"), kNo);  // two holders
  EXPECT_EQ(H().Op(0, "acquire", {}, {}).Op(1, "release", {}, {}).V("lock"), kNo);  // not the owner
  // With a lease, the lock frees itself: a later acquire by someone else is fine.
  Datum lease = Datum::MakeMap({{S("owner"), S("a")}, {S("lease_ms"), I(10)}});
  EXPECT_EQ(H().At(0)
                .Inv(0, "acquire", lease)
                .At(1'000'000)
                .Ok(0, "acquire")
                .At(20'000'000)
                .Inv(1, "acquire", S("b"))
                .At(21'000'000)
                .Ok(1, "acquire")
                .V("lock"),
            kYes);
  EXPECT_EQ(H().At(0)
                .Inv(0, "acquire", lease)
                .At(1'000'000)
                .Ok(0, "acquire")
                .At(5'000'000)
                .Inv(1, "acquire", S("b"))
                .At(6'000'000)
                .Ok(1, "acquire")
                .V("lock"),
            kNo);
}

TEST(Checker, CounterexampleNamesTheStuckOperationAndWindow) {
  H h;
  h.Op(0, "write", I(1), I(1));  // #0
  h.Inv(1, "write", I(2));       // #1 (concurrent with #2)
  h.Op(2, "read", {}, I(2));     // #2
  h.Ok(1, "write", I(2));
  h.Op(2, "read", {}, I(1));  // #3: stale
  LinearizabilityResult r = h.Check("register");
  ASSERT_EQ(r.verdict, kNo);
  ASSERT_TRUE(r.counterexample);
  const Counterexample& cx = *r.counterexample;
  EXPECT_EQ(cx.failed_op, 3);
  // The search sees #3 is doomed as soon as #1 is linearized: nothing left can bring 1 back.
  EXPECT_EQ(cx.linearized_before, 2);
  EXPECT_EQ(cx.open_ops, std::vector<int>{2});
  EXPECT_EQ(cx.states_tried, std::vector<std::string>{"2"});
  EXPECT_EQ(cx.window, (std::vector<int>{0, 1, 2, 3}));
  ASSERT_FALSE(cx.last_steps.empty());
  EXPECT_EQ(cx.last_steps.back().op, 1);
  std::string text = ExplainText(h.ops(), r, CheckSummary{"f", "jsonl", 1});
  EXPECT_NE(text.find("#3     process 2 read -> ok 1"), std::string::npos) << text;
  EXPECT_NE(text.find("States in which it was due: 2;"), std::string::npos) << text;
  std::string json = ResultJson(h.ops(), r, CheckSummary{"f", "jsonl", 1});
  EXPECT_NE(json.find("\"verdict\":\"not-linearizable\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"failed_op\":{\"id\":3"), std::string::npos) << json;
  History history;
  std::string html = TimelineHtml(history, h.ops(), r, CheckSummary{"f<x>", "jsonl", 1});
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("f&lt;x&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http"), html.find("http://www.w3.org/2000/svg"));  // no external assets
}

TEST(Checker, BudgetGivesUnknownNeverAGuess) {
  // Forty unknown increments and decrements, then a read no subset of them explains: deciding
  // that means trying every subset.
  H h;
  for (int i = 0; i < 40; ++i) h.Inv(i, i % 2 ? "incr" : "decr", I(i + 1));
  for (int i = 0; i < 40; ++i) h.Info(i, i % 2 ? "incr" : "decr");
  h.Op(100, "read", {}, I(100000));
  CheckBudget tiny;
  tiny.max_configurations = 10000;
  LinearizabilityResult r = h.Check("counter", tiny);
  EXPECT_EQ(r.verdict, Verdict::kUnknown);
  EXPECT_NE(r.reason.find("configuration budget"), std::string::npos) << r.reason;
  EXPECT_FALSE(r.counterexample);
}

TEST(Checker, OperationsAModelCannotReadAreErrors) {
  H h;
  h.Op(0, "frobnicate", {}, {});
  LinearizabilityResult r;
  std::string error;
  EXPECT_FALSE(CheckLinearizability(h.Pair(), *FindModel("register"), {}, &r, &error));
  EXPECT_EQ(error, "line 2: model register has no operation 'frobnicate'");
  H cas;
  cas.Op(0, "cas", I(1), B(true));
  EXPECT_FALSE(CheckLinearizability(cas.Pair(), *FindModel("cas-register"), {}, &r, &error));
  EXPECT_EQ(error, "line 2: cas value must be [expected new], not 1");
}

TEST(Checker, EmptyAndNemesisOnlyHistoriesAreLinearizable) {
  EXPECT_EQ(H().V("register"), kYes);
  H h;
  h.Inv(0, "write", I(1)).Info(0, "write");  // only optional operations
  EXPECT_EQ(h.V("register"), kYes);
}

TEST(Checker, ModelRegistry) {
  for (const char* name : {"register", "cas-register", "etcd-cas-register", "knossos-cas-register",
                           "counter", "set", "list-append", "queue", "kv", "kv-append",
                           "multi-register", "knossos-multi-register", "lock"}) {
    EXPECT_NE(FindModel(name), nullptr) << name;
  }
  EXPECT_EQ(FindModel("nope"), nullptr);
}

}  // namespace
}  // namespace redsim::checkers
