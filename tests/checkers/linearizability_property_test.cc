// Properties of the linearizability checker:
//  - a history made by running a random sequential execution and then stretching each
//    operation's interval around its point is always linearizable (for every model, with
//    unknown-outcome operations that did or did not happen);
//  - injecting a stale read, a lost write or a duplicated append makes it not linearizable;
//  - on small histories (<= 8 operations), random or generated, the checker agrees with a
//    brute-force reference that tries every order (which shares only the models' Step).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <array>
#include <functional>
#include <string>
#include <vector>

#include "checkers/history_formats.h"
#include "checkers/history_gen.h"
#include "checkers/linearizability.h"

namespace redsim::checkers {
namespace {

Verdict Check(const History& history, const std::string& model_name,
              LinearizabilityResult* out = nullptr) {
  OpHistory ops;
  SourceError err;
  if (!PairOperations(history, &ops, &err)) {
    RC_FAIL("pairing failed: " + err.ToString());
  }
  const Model* model = FindModel(model_name);
  RC_ASSERT(model != nullptr);
  LinearizabilityResult result;
  std::string error;
  // A deterministic bound so that a search that blows up fails the property instead of hanging.
  CheckBudget budget;
  budget.max_configurations = 2000000;
  if (!CheckLinearizability(ops, *model, budget, &result, &error)) {
    RC_FAIL("check failed: " + error);
  }
  if (out) *out = result;
  return result.verdict;
}

std::string Dump(const History& h) {
  std::string s;
  for (const Event& e : h.events) s += EventToJsonl(e) + "\n";
  return s;
}

// ---- Reference: every order of every subset of the optional operations.

bool BruteForce(const OpHistory& history, const Model& model) {
  std::vector<PreparedOp> prepared;
  for (const Operation& op : history.ops) {
    PreparedOp p;
    std::string error;
    if (!model.Prepare(op, &p, &error)) RC_FAIL("prepare: " + error);
    if (p.role != OpRole::kDrop) prepared.push_back(p);
  }
  std::vector<const PreparedOp*> ops;
  for (const PreparedOp& p : prepared) ops.push_back(&p);
  if (ops.empty()) return true;
  std::string error;
  std::unique_ptr<StepModel> m = model.Compile(ops, &error);
  RC_ASSERT(m != nullptr);
  size_t n = ops.size();
  RC_ASSERT(n <= 16u);
  std::vector<uint32_t> must_follow(n, 0);  // ops that must come before op i
  uint32_t required = 0;
  for (size_t i = 0; i < n; ++i) {
    if (ops[i]->role == OpRole::kRequired) required |= 1u << i;
    for (size_t j = 0; j < n; ++j) {
      if (j != i && ops[j]->role == OpRole::kRequired &&
          ops[j]->op->complete_event < ops[i]->op->invoke_event) {
        must_follow[i] |= 1u << j;
      }
    }
  }
  std::function<bool(uint32_t, uint32_t)> search = [&](uint32_t placed, uint32_t state) {
    if ((placed & required) == required) return true;
    for (size_t i = 0; i < n; ++i) {
      if (placed & (1u << i)) continue;
      if (must_follow[i] & ~placed) continue;
      uint32_t next = m->Step(state, static_cast<uint32_t>(i));
      if (next != StepModel::kIllegal && search(placed | (1u << i), next)) return true;
    }
    return false;
  };
  return search(0, m->Initial());
}

// ---- Random small histories (any verdict).

struct RandomOp {
  std::string f;
  Datum key, input, output;
  EventType end = EventType::kOk;  // kInvoke: never completes
};

Datum Str(const char* s) { return Datum::String(s); }

Datum RandomList(SplitMix* rng, int max_len, int values) {
  Datum::List items;
  int len = static_cast<int>(rng->Below(max_len + 1));
  for (int i = 0; i < len; ++i)
    items.push_back(Datum::Int(static_cast<int64_t>(rng->Below(values))));
  return Datum::MakeList(std::move(items));
}

RandomOp RandomOperation(const std::string& model, SplitMix* rng) {
  RandomOp op;
  uint64_t r = rng->Below(100);
  auto val = [&](int n) { return Datum::Int(static_cast<int64_t>(rng->Below(n))); };
  auto maybe_nil = [&](Datum d) { return rng->Chance(0.2) ? Datum() : d; };
  if (model.find("register") != std::string::npos && model != "multi-register" &&
      model != "knossos-multi-register") {
    if (r < 40) {
      op.f = "read";
      op.output = maybe_nil(val(3));
    } else if (r < 70 || model == "register") {
      op.f = "write";
      op.input = val(3);
      op.output = op.input;
    } else {
      op.f = "cas";
      op.input = Datum::MakeList({val(3), val(3)});
      op.output = rng->Chance(0.5) ? op.input : Datum::Bool(false);
    }
  } else if (model == "counter") {
    if (r < 40) {
      op.f = "read";
      op.output = val(4);
    } else {
      op.f = r < 80 ? "incr" : "decr";
      op.input = Datum::Int(1 + static_cast<int64_t>(rng->Below(2)));
      op.output = maybe_nil(val(4));
    }
  } else if (model == "set") {
    if (r < 35) {
      op.f = "read";
      op.output = RandomList(rng, 3, 3);
    } else {
      op.f = r < 75 ? "add" : "remove";
      op.input = val(3);
      op.output = rng->Chance(0.4) ? Datum() : Datum::Bool(rng->Chance(0.5));
    }
  } else if (model == "list-append") {
    if (r < 40) {
      op.f = "read";
      op.output = RandomList(rng, 3, 3);
    } else {
      op.f = "append";
      op.input = val(3);
    }
  } else if (model == "queue") {
    if (r < 50) {
      op.f = "enqueue";
      op.input = val(3);
    } else {
      op.f = "dequeue";
      op.output = maybe_nil(val(3));
    }
  } else if (model == "kv" || model == "kv-append") {
    static const char* kTexts[] = {"", "a", "b", "ab", "ba", "aa"};
    if (r < 40) {
      op.f = "get";
      op.output = model == "kv" && rng->Chance(0.2) ? Datum() : Str(kTexts[rng->Below(6)]);
    } else if (r < 55) {
      op.f = "put";
      op.input = Str(kTexts[1 + rng->Below(2)]);
    } else if (r < 90 || model == "kv-append") {
      op.f = "append";
      op.input = Str(kTexts[1 + rng->Below(2)]);
    } else {
      op.f = "delete";
    }
  } else if (model == "multi-register" || model == "knossos-multi-register") {
    op.f = "txn";
    Datum::List in, out;
    int micro = 1 + static_cast<int>(rng->Below(2));
    for (int i = 0; i < micro; ++i) {
      Datum key = Datum::Keyword(rng->Chance(0.5) ? "x" : "y");
      if (rng->Chance(0.5)) {
        in.push_back(Datum::MakeList({Datum::Keyword("read"), key, Datum()}));
        out.push_back(Datum::MakeList({Datum::Keyword("read"), key, maybe_nil(val(2))}));
      } else {
        Datum v = val(2);
        in.push_back(Datum::MakeList({Datum::Keyword("write"), key, v}));
        out.push_back(Datum::MakeList({Datum::Keyword("write"), key, v}));
      }
    }
    op.input = Datum::MakeList(std::move(in));
    op.output = Datum::MakeList(std::move(out));
  } else if (model == "lock") {
    op.f = r < 50 ? "acquire" : "release";
    Datum owner = Str(rng->Chance(0.5) ? "a" : "b");
    if (rng->Chance(0.3)) {
      op.input = Datum::MakeMap({{Str("owner"), owner}, {Str("lease_ns"), Datum::Int(6)}});
    } else {
      op.input = owner;
    }
    op.output = rng->Chance(0.3) ? Datum() : Datum::Bool(rng->Chance(0.6));
  }
  uint64_t s = rng->Below(100);
  op.end = s < 70   ? EventType::kOk
           : s < 82 ? EventType::kInfo
           : s < 94 ? EventType::kFail
                    : EventType::kInvoke;
  return op;
}

// Each operation gets its own process and an interval of small integer times.
History RandomHistory(const std::string& model, int n, SplitMix* rng) {
  struct Ev {
    int64_t t;
    int kind;
    int op;
  };
  std::vector<RandomOp> ops;
  std::vector<Ev> evs;
  for (int i = 0; i < n; ++i) {
    ops.push_back(RandomOperation(model, rng));
    int64_t a = static_cast<int64_t>(rng->Below(12));
    int64_t b = a + 1 + static_cast<int64_t>(rng->Below(6));
    evs.push_back({a, 0, i});
    if (ops.back().end != EventType::kInvoke) evs.push_back({b, 1, i});
  }
  std::sort(evs.begin(), evs.end(), [](const Ev& x, const Ev& y) {
    return x.t != y.t ? x.t < y.t : x.kind > y.kind;  // completions first: more real-time order
  });
  History h;
  h.model = model;
  for (const Ev& ev : evs) {
    const RandomOp& op = ops[ev.op];
    Event e;
    e.process = ev.op;
    e.f = op.f;
    e.key = op.key;
    e.time_ns = ev.t * 2;
    e.line = static_cast<int>(h.events.size()) + 1;
    e.type = ev.kind == 0 ? EventType::kInvoke : op.end;
    e.value = ev.kind == 0 ? op.input : (op.end == EventType::kOk ? op.output : Datum());
    h.events.push_back(e);
  }
  return h;
}

const std::vector<std::string>& AllModelNames() {
  static const std::vector<std::string> kNames = {
      "register", "cas-register", "etcd-cas-register", "knossos-cas-register",
      "counter",  "set",          "list-append",       "queue",
      "kv",       "kv-append",    "multi-register",    "knossos-multi-register",
      "lock"};
  return kNames;
}

void AgreesWithBruteForce(const std::string& model_name, const History& h) {
  OpHistory ops;
  SourceError err;
  RC_ASSERT(PairOperations(h, &ops, &err));
  const Model* model = FindModel(model_name);
  bool expected = BruteForce(ops, *model);
  LinearizabilityResult result;
  std::string error;
  RC_ASSERT(CheckLinearizability(ops, *model, CheckBudget{}, &result, &error));
  Verdict want = expected ? Verdict::kLinearizable : Verdict::kNotLinearizable;
  RC_TAG(model_name, VerdictName(want));
  if (result.verdict != want) {
    RC_FAIL(model_name + ": checker says " + VerdictName(result.verdict) + ", brute force says " +
            VerdictName(want) + "\n" + Dump(h));
  }
}

RC_GTEST_PROP(LinearizabilityProperty, RandomSmallHistoriesAgreeWithBruteForce, ()) {
  const std::string model = *rc::gen::elementOf(AllModelNames());
  int n = *rc::gen::inRange(1, 9);
  uint64_t seed = *rc::gen::arbitrary<uint64_t>();
  SplitMix rng(seed);
  History h = RandomHistory(model, n, &rng);
  AgreesWithBruteForce(model, h);
}

// Generated (linearizable) small histories exercise the success paths of every pruning.
RC_GTEST_PROP(LinearizabilityProperty, GeneratedSmallHistoriesAgreeWithBruteForce, ()) {
  GenOptions g;
  g.model = *rc::gen::elementOf(std::vector<std::string>{"register", "cas-register", "counter",
                                                         "set", "list-append", "queue", "kv"});
  g.operations = *rc::gen::inRange(1, 9);
  g.values = *rc::gen::inRange(1, 4);
  g.max_spread = *rc::gen::inRange(0, 4);
  g.info_fraction = *rc::gen::element(0.0, 0.3, 0.6);
  g.never_fraction = 0.5;
  g.seed = *rc::gen::arbitrary<uint64_t>();
  GeneratedHistory gen = GenerateHistory(g);
  AgreesWithBruteForce(g.model, gen.history);
}

RC_GTEST_PROP(LinearizabilityProperty, SequentialThenOverlappedIsLinearizable, ()) {
  GenOptions g;
  g.model = *rc::gen::elementOf(std::vector<std::string>{"register", "cas-register", "counter",
                                                         "set", "list-append", "queue", "kv"});
  g.operations = *rc::gen::inRange(1, 300);
  g.keys = *rc::gen::inRange(1, 5);
  g.values = *rc::gen::inRange(1, 6);
  // Queues with repeated values are a known weak spot of the search (checkers/README.md).
  g.unique_values = g.model == "queue" || *rc::gen::arbitrary<bool>();
  g.max_spread = *rc::gen::inRange(0, 6);
  // Unknown outcomes are the expensive case: each such operation may be placed anywhere after
  // its invocation, or nowhere. Registers, counters, lists and strings prune them well (blind
  // writes, dead reads); sets less so, and queues with unknown dequeues not at all (see
  // checkers/README.md, "Limits"), so those get fewer or none.
  double most = g.model == "queue" ? 0.0 : g.model == "set" ? 0.1 : 0.3;
  g.info_fraction = *rc::gen::element(0.0, most / 3, most);
  g.never_fraction =
      g.model == "kv" ? *rc::gen::element(0.0, 0.5) : *rc::gen::element(0.0, 0.5, 1.0);
  g.seed = *rc::gen::arbitrary<uint64_t>();
  RC_TAG(g.model);
  GeneratedHistory gen = GenerateHistory(g);
  LinearizabilityResult result;
  Verdict v = Check(gen.history, g.model, &result);
  if (v != Verdict::kLinearizable) {
    RC_FAIL(std::string(VerdictName(v)) + " " + result.reason + "\n" + Dump(gen.history));
  }
}

// ---- Injected anomalies. The history is built here so that the operations around the
// injection are separated in real time (their intervals are tight around their points), while
// every other operation overlaps its neighbours.

struct SeqOp {
  std::string f;
  Datum input, output;
  bool tight = false;
};

History Stretch(const std::vector<SeqOp>& seq, int spread, SplitMix* rng) {
  struct Ev {
    int64_t t;
    int kind;
    int op;
  };
  std::vector<Ev> evs;
  for (size_t i = 0; i < seq.size(); ++i) {
    int64_t point = static_cast<int64_t>(i + 1) * 100;
    int64_t width = seq[i].tight ? 1 : 1 + static_cast<int64_t>(rng->Below(spread * 100 + 1));
    evs.push_back({point - width, 0, static_cast<int>(i)});
    int64_t width2 = seq[i].tight ? 1 : 1 + static_cast<int64_t>(rng->Below(spread * 100 + 1));
    evs.push_back({point + width2, 1, static_cast<int>(i)});
  }
  std::sort(evs.begin(), evs.end(),
            [](const Ev& a, const Ev& b) { return a.t != b.t ? a.t < b.t : a.kind < b.kind; });
  History h;
  for (const Ev& ev : evs) {
    Event e;
    e.process = ev.op;  // one process per operation: no process constraints to worry about
    e.f = seq[ev.op].f;
    e.type = ev.kind == 0 ? EventType::kInvoke : EventType::kOk;
    e.value = ev.kind == 0 ? seq[ev.op].input : seq[ev.op].output;
    e.time_ns = ev.t;
    e.line = static_cast<int>(h.events.size()) + 1;
    h.events.push_back(e);
  }
  return h;
}

// A register execution with unique written values.
std::vector<SeqOp> RegisterExecution(int n, SplitMix* rng) {
  std::vector<SeqOp> seq;
  Datum current;
  int next_value = 0;
  for (int i = 0; i < n; ++i) {
    SeqOp op;
    if (rng->Chance(0.5)) {
      op.f = "read";
      op.output = current;
    } else {
      op.f = "write";
      op.input = op.output = current = Datum::Int(next_value++);
    }
    seq.push_back(op);
  }
  return seq;
}

RC_GTEST_PROP(LinearizabilityProperty, InjectedStaleReadIsNotLinearizable, ()) {
  SplitMix rng(*rc::gen::arbitrary<uint64_t>());
  std::vector<SeqOp> seq = RegisterExecution(*rc::gen::inRange(4, 120), &rng);
  // Candidates: a read r whose latest preceding write is w, with an earlier write u before w.
  std::vector<std::array<int, 3>> sites;
  int u = -1, w = -1;
  for (int i = 0; i < static_cast<int>(seq.size()); ++i) {
    if (seq[i].f == "write") {
      u = w;
      w = i;
    } else if (u >= 0) {
      sites.push_back({u, w, i});
    }
  }
  RC_PRE(!sites.empty());
  std::array<int, 3> site = sites[rng.Below(sites.size())];
  for (int i : site) seq[i].tight = true;
  seq[site[2]].output = seq[site[0]].input;  // the read returns the overwritten value
  History h = Stretch(seq, *rc::gen::inRange(0, 5), &rng);
  RC_ASSERT(Check(h, "register") == Verdict::kNotLinearizable);
}

// A list-append execution with unique elements.
std::vector<SeqOp> ListExecution(int n, SplitMix* rng) {
  std::vector<SeqOp> seq;
  Datum::List current;
  for (int i = 0; i < n; ++i) {
    SeqOp op;
    if (rng->Chance(0.5)) {
      op.f = "read";
      op.output = Datum::MakeList(current);
    } else {
      op.f = "append";
      op.input = op.output = Datum::Int(i);
      current.push_back(op.input);
    }
    seq.push_back(op);
  }
  return seq;
}

RC_GTEST_PROP(LinearizabilityProperty, InjectedLostWriteIsNotLinearizable, ()) {
  SplitMix rng(*rc::gen::arbitrary<uint64_t>());
  std::vector<SeqOp> seq = ListExecution(*rc::gen::inRange(2, 120), &rng);
  // A read r after an append w: r loses w's element.
  std::vector<std::pair<int, int>> sites;
  for (int r = 0; r < static_cast<int>(seq.size()); ++r) {
    if (seq[r].f != "read") continue;
    for (int w = 0; w < r; ++w) {
      if (seq[w].f == "append") sites.push_back({w, r});
    }
  }
  RC_PRE(!sites.empty());
  auto [w, r] = sites[rng.Below(sites.size())];
  seq[w].tight = seq[r].tight = true;
  Datum::List lost;
  for (const Datum& d : seq[r].output.items()) {
    if (d != seq[w].input) lost.push_back(d);
  }
  seq[r].output = Datum::MakeList(std::move(lost));
  History h = Stretch(seq, *rc::gen::inRange(0, 5), &rng);
  RC_ASSERT(Check(h, "list-append") == Verdict::kNotLinearizable);
}

RC_GTEST_PROP(LinearizabilityProperty, InjectedDuplicatedAppendIsNotLinearizable, ()) {
  SplitMix rng(*rc::gen::arbitrary<uint64_t>());
  std::vector<SeqOp> seq = ListExecution(*rc::gen::inRange(2, 120), &rng);
  std::vector<int> reads;
  for (int i = 0; i < static_cast<int>(seq.size()); ++i) {
    if (seq[i].f == "read" && !seq[i].output.items().empty()) reads.push_back(i);
  }
  RC_PRE(!reads.empty());
  int r = reads[rng.Below(reads.size())];
  Datum::List dup = seq[r].output.items();
  size_t at = rng.Below(dup.size());
  dup.insert(dup.begin() + at + 1, dup[at]);  // the element appears twice
  seq[r].output = Datum::MakeList(std::move(dup));
  History h = Stretch(seq, *rc::gen::inRange(0, 5), &rng);
  RC_ASSERT(Check(h, "list-append") == Verdict::kNotLinearizable);
}

}  // namespace
}  // namespace redsim::checkers
