#include "checkers/history_gen.h"

#include <algorithm>
#include <map>
#include <queue>

namespace redsim::checkers {

namespace {

// One operation of the sequential execution.
struct SeqOp {
  int key = 0;
  std::string f;
  Datum input;
  Datum output;
  bool info = false;    // the client does not learn the outcome
  bool applied = true;  // false: it never took effect (only for info operations)
  int64_t invoke_ns = 0;
  int64_t complete_ns = 0;
  int64_t process = 0;
};

// The state of one key under each model, as plain data.
struct KeyState {
  Datum reg;  // register / cas-register (nil = absent)
  int64_t counter = 0;
  std::vector<int64_t> list;  // set (sorted), list-append, queue
  bool kv_present = false;
  std::string kv;
};

class Executor {
 public:
  Executor(const GenOptions& o, SplitMix* rng) : o_(o), rng_(rng) {}

  // Picks an operation for `s` and computes its result; applies it when `apply`.
  SeqOp Next(KeyState* s, bool apply) {
    SeqOp op;
    const std::string& m = o_.model;
    uint64_t r = rng_->Below(100);
    if (m == "register" || m == "cas-register") {
      if (r < 35) {
        op.f = "read";
        op.output = s->reg;
      } else if (r < 70 || m == "register") {
        op.f = "write";
        op.input = Value();
        if (apply) s->reg = op.input;
      } else {
        op.f = "cas";
        Datum expected = rng_->Chance(0.5) && !s->reg.is_nil() ? s->reg : Value();
        Datum next = Value();
        op.input = Datum::MakeList({expected, next});
        bool swapped = s->reg == expected;
        op.output = Datum::Bool(swapped);
        if (apply && swapped) s->reg = next;
      }
    } else if (m == "counter") {
      if (r < 40) {
        op.f = "read";
        op.output = Datum::Int(s->counter);
      } else {
        op.f = r < 80 ? "incr" : "decr";
        int64_t by = 1 + static_cast<int64_t>(rng_->Below(3));
        op.input = Datum::Int(by);
        int64_t after = s->counter + (op.f == "incr" ? by : -by);
        op.output = Datum::Int(after);
        if (apply) s->counter = after;
      }
    } else if (m == "set" || m == "list-append" || m == "queue") {
      CollectionOp(m, r, s, apply, &op);
    } else {  // kv
      if (r < 40) {
        op.f = "get";
        op.output = s->kv_present ? Datum::String(s->kv) : Datum();
      } else {
        op.f = r < 55 ? "put" : "append";
        std::string text = "v" + std::to_string(NextValueNumber()) + ";";
        op.input = Datum::String(text);
        if (apply) {
          s->kv = op.f == "put" ? text : s->kv + text;
          s->kv_present = true;
        }
      }
    }
    op.applied = apply;
    return op;
  }

 private:
  int64_t NextValueNumber() {
    return o_.unique_values ? counter_++ : static_cast<int64_t>(rng_->Below(o_.values));
  }
  Datum Value() { return Datum::Int(NextValueNumber()); }

  static Datum IntList(const std::vector<int64_t>& v) {
    Datum::List items;
    for (int64_t x : v) items.push_back(Datum::Int(x));
    return Datum::MakeList(std::move(items));
  }

  void CollectionOp(const std::string& m, uint64_t r, KeyState* s, bool apply, SeqOp* op) {
    if (m == "queue") {
      if (r < 55) {
        op->f = "enqueue";
        op->input = Value();
        if (apply) s->list.push_back(op->input.int_value());
      } else {
        op->f = "dequeue";
        op->output = s->list.empty() ? Datum() : Datum::Int(s->list.front());
        if (apply && !s->list.empty()) s->list.erase(s->list.begin());
      }
      return;
    }
    if (r < 35) {
      op->f = "read";
      op->output = IntList(s->list);
      return;
    }
    int64_t v = NextValueNumber();
    op->input = Datum::Int(v);
    if (m == "list-append") {
      op->f = "append";
      if (apply) s->list.push_back(v);
      return;
    }
    auto it = std::lower_bound(s->list.begin(), s->list.end(), v);
    bool present = it != s->list.end() && *it == v;
    op->f = r < 75 ? "add" : "remove";
    op->output = Datum::Bool(op->f == "add" ? !present : present);
    if (!apply) return;
    if (op->f == "add" && !present) s->list.insert(it, v);
    if (op->f == "remove" && present) s->list.erase(it);
  }

  const GenOptions& o_;
  SplitMix* rng_;
  int64_t counter_ = 0;
};

bool IsRead(const std::string& f) { return f == "read" || f == "get"; }

// Gives each operation a process: one whose previous operation completed before it is invoked
// (the earliest free), or a new one. A process whose operation ended `info` is retired, as in
// Jepsen.
void AssignProcesses(std::vector<SeqOp>* ops) {
  std::vector<int> by_invoke(ops->size());
  for (size_t i = 0; i < ops->size(); ++i) by_invoke[i] = static_cast<int>(i);
  std::sort(by_invoke.begin(), by_invoke.end(),
            [&](int a, int b) { return (*ops)[a].invoke_ns < (*ops)[b].invoke_ns; });
  using Free = std::pair<int64_t, int64_t>;  // (free at, process)
  std::priority_queue<Free, std::vector<Free>, std::greater<Free>> free;
  int64_t next_process = 0;
  for (int i : by_invoke) {
    SeqOp& op = (*ops)[i];
    if (!free.empty() && free.top().first < op.invoke_ns) {
      op.process = free.top().second;
      free.pop();
    } else {
      op.process = next_process++;
    }
    if (op.info) continue;  // retired
    free.push({op.complete_ns, op.process});
  }
}

}  // namespace

GeneratedHistory GenerateHistory(const GenOptions& o) {
  SplitMix rng(o.seed * 0x2545F4914F6CDD1DULL + 7);
  Executor exec(o, &rng);
  std::vector<KeyState> keys(std::max(1, o.keys));
  std::vector<SeqOp> ops;
  ops.reserve(o.operations);
  const int64_t slot_ns = 100;
  for (int i = 0; i < o.operations; ++i) {
    int key = static_cast<int>(rng.Below(keys.size()));
    bool info = rng.Chance(o.info_fraction);
    bool apply = !(info && rng.Chance(o.never_fraction));
    SeqOp op = exec.Next(&keys[key], apply);
    op.key = key;
    op.info = info;
    if (!apply && IsRead(op.f)) op.applied = true;  // reads have no effect either way
    int64_t spread = static_cast<int64_t>(o.max_spread) * slot_ns * 2;
    int64_t point = (i + 1) * slot_ns * 2 + spread;  // keeps every time >= 0
    op.invoke_ns = point - 1 - static_cast<int64_t>(rng.Below(spread + 1));
    op.complete_ns = point + 1 + static_cast<int64_t>(rng.Below(spread + 1));
    ops.push_back(std::move(op));
  }
  AssignProcesses(&ops);

  // Events: invocations and completions in time order; at equal times invocations first, which
  // only adds concurrency.
  struct Ev {
    int64_t t;
    int kind;  // 0 invoke, 1 complete
    int op;
  };
  std::vector<Ev> evs;
  for (size_t i = 0; i < ops.size(); ++i) {
    evs.push_back({ops[i].invoke_ns, 0, static_cast<int>(i)});
    evs.push_back({ops[i].complete_ns, 1, static_cast<int>(i)});
  }
  std::sort(evs.begin(), evs.end(),
            [](const Ev& a, const Ev& b) { return a.t != b.t ? a.t < b.t : a.kind < b.kind; });
  GeneratedHistory out;
  out.history.model = o.model;
  out.history.format = "jsonl";
  std::vector<int> op_id(ops.size(), -1);
  int next_id = 0;
  for (const Ev& ev : evs) {
    const SeqOp& op = ops[ev.op];
    Event e;
    e.process = op.process;
    e.f = op.f;
    if (o.keys > 1) e.key = Datum::String("k" + std::to_string(op.key));
    e.time_ns = ev.t;
    e.line = static_cast<int>(out.history.events.size()) + 1;
    if (ev.kind == 0) {
      e.type = EventType::kInvoke;
      e.value = op.input;
      op_id[ev.op] = next_id++;
    } else {
      e.type = op.info ? EventType::kInfo : EventType::kOk;
      e.value = op.info ? Datum()
                        : (op.output.is_nil() && !IsRead(op.f) && op.f != "dequeue" ? op.input
                                                                                    : op.output);
    }
    out.history.events.push_back(std::move(e));
  }
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].applied) out.sequential_order.push_back(op_id[i]);
  }
  return out;
}

}  // namespace redsim::checkers
