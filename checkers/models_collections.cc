// Collection models: counter, set, list-append and queue. Each operation touches one key; see
// checkers/README.md for the operations and the results each accepts.
#include <algorithm>
#include <string>
#include <unordered_map>

#include "checkers/interning_model.h"
#include "checkers/models_internal.h"

namespace redsim::checkers {
namespace {

using internal::ArgumentOf;
using internal::OneOf;

std::string DescribeIds(const std::vector<int32_t>& ids, const DatumIds& values) {
  std::string s = "[";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) s += " ";
    s += values.Value(ids[i]).ToText();
  }
  return s + "]";
}

// ---- counter: incr/decr/add by an integer (default 1), read the value. Starts at 0.

struct CounterOp {
  bool read = false;
  int64_t delta = 0;
  bool check_result = false;  // incr ok carried the new value
  int64_t result = 0;
};

struct CounterSpec {
  using State = int64_t;
  using Op = CounterOp;
  static uint64_t HashState(const State& s) { return MixHash(static_cast<uint64_t>(s)); }
  static size_t StateBytes(const State&) { return 0; }
  static bool ReadOnly(const Op& op) { return op.read || (op.delta == 0 && !op.check_result); }
  static bool Monotone(const Op& op) { return !op.read && op.delta >= 0; }
  bool Extends(const State& s, const Op& op) const { return !op.read || s <= op.result; }
  bool Apply(const State& s, const Op& op, State* next) const {
    if (op.read) {
      *next = s;
      return s == op.result;
    }
    // Wrapping add (as unsigned) so hostile deltas cannot trigger signed overflow.
    *next = static_cast<int64_t>(static_cast<uint64_t>(s) + static_cast<uint64_t>(op.delta));
    return !op.check_result || *next == op.result;
  }
  std::string Describe(const State& s) const { return std::to_string(s); }
};

class CounterModel final : public Model {
 public:
  std::string_view name() const override { return "counter"; }
  std::string_view summary() const override {
    return "integer counter: incr/decr/add n (ok may carry the new value), read; starts at 0";
  }
  bool Prepare(const Operation& op, PreparedOp* out, std::string* error) const override {
    out->op = &op;
    if (op.f == "read" || op.f == "get") {
      out->role = internal::DefaultRole(op, true);
      if (out->role == OpRole::kRequired && !op.output.is_int()) {
        *error = "counter read must return an integer, not " + op.output.ToText();
        return false;
      }
      out->output = op.output;
      return true;
    }
    if (!OneOf(op.f, {"incr", "decr", "add", "incrby", "decrby"})) {
      return internal::UnknownF(op, "counter", error);
    }
    if (!op.input.is_nil() && !op.input.is_int()) {
      *error = "counter " + op.f + " amount must be an integer, not " + op.input.ToText();
      return false;
    }
    int64_t delta = op.input.is_nil() ? 1 : op.input.int_value();
    if (OneOf(op.f, {"decr", "decrby"}))
      delta = static_cast<int64_t>(0 - static_cast<uint64_t>(delta));
    out->role = internal::DefaultRole(op, false);
    out->input = Datum::Int(delta);
    out->output = op.status == OpStatus::kOk && op.output.is_int() ? op.output : Datum();
    return true;
  }
  std::unique_ptr<StepModel> Compile(const std::vector<const PreparedOp*>& ops,
                                     std::string*) const override {
    std::vector<CounterOp> compiled;
    for (const PreparedOp* p : ops) {
      CounterOp c;
      c.read = p->op->f == "read" || p->op->f == "get";
      if (c.read) {
        c.result = p->output.int_value();
      } else {
        c.delta = p->input.int_value();
        c.check_result = p->output.is_int();
        c.result = p->output.int_value();
      }
      compiled.push_back(c);
    }
    return std::make_unique<InterningStepModel<CounterSpec>>(CounterSpec{}, std::move(compiled), 0);
  }
};

// ---- set / list-append / queue: collections of element ids.

enum class CollKind : uint8_t { kAdd, kRemove, kRead, kAppend, kEnqueue, kDequeue };

struct CollOp {
  CollKind kind = CollKind::kRead;
  int32_t element = -1;       // -1: none (dequeue of an empty queue)
  int8_t expect = -1;         // set add/remove result: 1 changed, 0 unchanged, -1 unchecked
  std::vector<int32_t> read;  // read result (sorted for sets)
  bool impossible = false;    // e.g. a set read with duplicates
  bool any = false;           // dequeue with unknown outcome: removes the head, if any
};

struct CollectionSpec {
  using State = std::vector<int32_t>;
  using Op = CollOp;
  DatumIds values;
  bool is_set = false;
  // Per element: the operations that can put it in (add, enqueue) or take it out (remove,
  // dequeue of it), and the dequeues with unknown outcome, which may take out anything.
  std::unordered_map<int32_t, std::vector<uint32_t>> adders, removers;
  std::vector<uint32_t> any_removers;

  // An enqueue of x can doom the dequeues of x (something ahead of x that cannot leave in
  // time); a dequeue with unknown outcome that took the head h can doom the dequeues of h.
  void Watchers(const State& before, const Op& op, std::vector<uint32_t>* out) const {
    int32_t element = op.kind == CollKind::kEnqueue ? op.element
                      : op.any && !before.empty()   ? before.front()
                                                    : -1;
    if (element < 0) return;
    auto it = removers.find(element);
    if (it != removers.end()) out->insert(out->end(), it->second.begin(), it->second.end());
  }

  static bool AlwaysLegal(const Op& op) {
    return op.kind == CollKind::kAppend || op.kind == CollKind::kEnqueue ||
           (op.kind == CollKind::kAdd && op.expect < 0) ||
           (op.kind == CollKind::kRemove && op.expect < 0) || op.any;
  }

  static bool AnyCanPrecede(const std::vector<uint32_t>* ops, uint32_t target,
                            const LinearizedView& view) {
    if (!ops) return false;
    for (uint32_t op : *ops) {
      if (op != target && view.CanPrecede(op, target)) return true;
    }
    return false;
  }
  bool CanAdd(int32_t element, uint32_t target, const LinearizedView& view) const {
    auto it = adders.find(element);
    return AnyCanPrecede(it == adders.end() ? nullptr : &it->second, target, view);
  }
  bool CanRemove(int32_t element, uint32_t target, const LinearizedView& view) const {
    auto it = removers.find(element);
    return AnyCanPrecede(it == removers.end() ? nullptr : &it->second, target, view) ||
           AnyCanPrecede(&any_removers, target, view);
  }

  // A set read needs every element it lacks removed and every element it shows added, by
  // operations that can still come before it; a dequeue of y needs y in the queue (or an
  // enqueue of y still to come) and everything ahead of it dequeued in time.
  bool Doomed(const State& s, const Op& op, uint32_t index, const LinearizedView& view) const {
    if (op.kind == CollKind::kRead && is_set) {
      if (op.impossible) return true;
      for (int32_t x : s) {
        if (!std::binary_search(op.read.begin(), op.read.end(), x) && !CanRemove(x, index, view)) {
          return true;
        }
      }
      for (int32_t x : op.read) {
        if (!std::binary_search(s.begin(), s.end(), x) && !CanAdd(x, index, view)) return true;
      }
      return false;
    }
    if (op.kind == CollKind::kDequeue && !op.any && op.element >= 0) {
      auto at = std::find(s.begin(), s.end(), op.element);
      if (at == s.end()) return !CanAdd(op.element, index, view);
      for (auto it = s.begin(); it != at; ++it) {
        if (!CanRemove(*it, index, view)) return true;
      }
    }
    return false;
  }

  static uint64_t HashState(const State& s) { return HashInts(s); }
  static size_t StateBytes(const State& s) { return s.size() * sizeof(int32_t); }
  static bool ReadOnly(const Op& op) {
    switch (op.kind) {
      case CollKind::kRead:
        return true;
      case CollKind::kAdd:
        return op.expect == 0;  // reported "already present"
      case CollKind::kRemove:
        return op.expect == 0;  // reported "was not there"
      case CollKind::kDequeue:
        return !op.any && op.element < 0;  // saw an empty queue
      default:
        return false;
    }
  }

  // Adds extend a set; appends extend a list.
  static bool Monotone(const Op& op) {
    return op.kind == CollKind::kAdd || op.kind == CollKind::kAppend;
  }
  // Whether some extension of `s` (adds, appends) could make read-only `op` legal.
  bool Extends(const State& s, const Op& op) const {
    switch (op.kind) {
      case CollKind::kRead:
        if (op.impossible) return false;
        if (is_set) return std::includes(op.read.begin(), op.read.end(), s.begin(), s.end());
        return s.size() <= op.read.size() && std::equal(s.begin(), s.end(), op.read.begin());
      case CollKind::kRemove:  // "was not there": adds never take an element away
        return !std::binary_search(s.begin(), s.end(), op.element);
      default:  // "already present": a later add may put it there
        return true;
    }
  }

  bool Apply(const State& s, const Op& op, State* next) const {
    switch (op.kind) {
      case CollKind::kRead:
        *next = s;
        return !op.impossible && s == op.read;
      case CollKind::kAdd: {
        auto it = std::lower_bound(s.begin(), s.end(), op.element);
        bool present = it != s.end() && *it == op.element;
        *next = s;
        if (!present) next->insert(next->begin() + (it - s.begin()), op.element);
        return op.expect < 0 || op.expect == (present ? 0 : 1);
      }
      case CollKind::kRemove: {
        auto it = std::lower_bound(s.begin(), s.end(), op.element);
        bool present = it != s.end() && *it == op.element;
        *next = s;
        if (present) next->erase(next->begin() + (it - s.begin()));
        return op.expect < 0 || op.expect == (present ? 1 : 0);
      }
      case CollKind::kAppend:
      case CollKind::kEnqueue:
        *next = s;
        next->push_back(op.element);
        return true;
      case CollKind::kDequeue:
        if (s.empty()) {
          *next = s;
          return op.element < 0;
        }
        if (!op.any && s.front() != op.element) return false;
        next->assign(s.begin() + 1, s.end());
        return true;
    }
    return false;
  }

  std::string Describe(const State& s) const { return DescribeIds(s, values); }
};

// A set add/remove result: true/1 = it changed the set, false/0 = it did not, nil = unchecked.
bool ChangedFlag(const Datum& d, int8_t* out) {
  if (d.is_nil())
    *out = -1;
  else if (d.is_bool())
    *out = d.bool_value() ? 1 : 0;
  else if (d.is_int() && (d.int_value() == 0 || d.int_value() == 1))
    *out = static_cast<int8_t>(d.int_value());
  else
    return false;
  return true;
}

class CollectionModel final : public Model {
 public:
  enum class Flavor { kSet, kListAppend, kQueue };
  explicit CollectionModel(Flavor flavor) : flavor_(flavor) {}

  std::string_view name() const override {
    switch (flavor_) {
      case Flavor::kSet:
        return "set";
      case Flavor::kListAppend:
        return "list-append";
      case Flavor::kQueue:
        return "queue";
    }
    return "?";
  }
  std::string_view summary() const override {
    switch (flavor_) {
      case Flavor::kSet:
        return "set per key: add/remove element (ok may carry true/false), read -> all elements";
      case Flavor::kListAppend:
        return "list per key: append element, read -> whole list (as Elle uses)";
      case Flavor::kQueue:
        return "FIFO queue per key: enqueue element, dequeue -> element or nil when empty";
    }
    return "";
  }

  bool Prepare(const Operation& op, PreparedOp* out, std::string* error) const override {
    out->op = &op;
    CollKind kind;
    if (!KindOf(op.f, &kind)) return internal::UnknownF(op, name(), error);
    bool read_only = kind == CollKind::kRead;
    out->role = internal::DefaultRole(op, read_only);
    if (kind == CollKind::kRead) {
      if (out->role == OpRole::kRequired && !op.output.is_list()) {
        *error = std::string(name()) + std::string(" read must return a list, not ") +
                 op.output.ToText();
        return false;
      }
      out->output = op.output;
      return true;
    }
    if (kind == CollKind::kDequeue) {
      // An ok dequeue's result is the element it removed (nil: the queue was empty). A dequeue
      // with unknown outcome may have removed whatever was at the head, or nothing.
      out->output = op.status == OpStatus::kOk ? op.output : Datum::Keyword("any");
      return true;
    }
    out->input = ArgumentOf(op);
    if (out->input.is_nil()) {
      *error = std::string(name()) + std::string(" ") + op.f + " needs an element value";
      return false;
    }
    int8_t flag;
    if (op.status == OpStatus::kOk && flavor_ == Flavor::kSet && !ChangedFlag(op.output, &flag)) {
      *error = "set " + op.f + " result must be true/false, 1/0 or nil, not " + op.output.ToText();
      return false;
    }
    out->output = op.status == OpStatus::kOk && flavor_ == Flavor::kSet ? op.output : Datum();
    return true;
  }

  std::unique_ptr<StepModel> Compile(const std::vector<const PreparedOp*>& ops,
                                     std::string*) const override {
    CollectionSpec spec;
    spec.is_set = flavor_ == Flavor::kSet;
    std::vector<CollOp> compiled;
    for (const PreparedOp* p : ops) {
      CollOp c;
      KindOf(p->op->f, &c.kind);
      if (c.kind == CollKind::kRead) {
        for (const Datum& d : p->output.items()) c.read.push_back(spec.values.Id(d));
        if (spec.is_set) {
          std::sort(c.read.begin(), c.read.end());
          c.impossible = std::adjacent_find(c.read.begin(), c.read.end()) != c.read.end();
        }
      } else if (c.kind == CollKind::kDequeue) {
        c.any = p->role == OpRole::kOptional;
        c.element = p->output.is_nil() || c.any ? -1 : spec.values.Id(p->output);
      } else {
        c.element = spec.values.Id(p->input);
        ChangedFlag(p->output, &c.expect);
      }
      uint32_t index = static_cast<uint32_t>(compiled.size());
      // Adds and removes that reported "no change" change nothing.
      if ((c.kind == CollKind::kAdd && c.expect != 0) || c.kind == CollKind::kEnqueue) {
        spec.adders[c.element].push_back(index);
      } else if ((c.kind == CollKind::kRemove && c.expect != 0) ||
                 (c.kind == CollKind::kDequeue && c.element >= 0)) {
        spec.removers[c.element].push_back(index);
      } else if (c.kind == CollKind::kDequeue && c.any) {
        spec.any_removers.push_back(index);
      }
      compiled.push_back(std::move(c));
    }
    return std::make_unique<InterningStepModel<CollectionSpec>>(
        std::move(spec), std::move(compiled), std::vector<int32_t>{});
  }

 private:
  bool KindOf(const std::string& f, CollKind* kind) const {
    if (OneOf(f, {"read", "get", "r"})) {
      *kind = CollKind::kRead;
      return flavor_ != Flavor::kQueue;
    }
    switch (flavor_) {
      case Flavor::kSet:
        if (OneOf(f, {"add", "sadd"}))
          *kind = CollKind::kAdd;
        else if (OneOf(f, {"remove", "srem", "delete"}))
          *kind = CollKind::kRemove;
        else
          return false;
        return true;
      case Flavor::kListAppend:
        if (!OneOf(f, {"append", "rpush"})) return false;
        *kind = CollKind::kAppend;
        return true;
      case Flavor::kQueue:
        if (OneOf(f, {"enqueue", "push"}))
          *kind = CollKind::kEnqueue;
        else if (OneOf(f, {"dequeue", "pop"}))
          *kind = CollKind::kDequeue;
        else
          return false;
        return true;
    }
    return false;
  }

  Flavor flavor_;
};

}  // namespace

void internal::AddCollectionModels(std::vector<const Model*>* out) {
  static const CounterModel kCounter;
  static const CollectionModel kSet(CollectionModel::Flavor::kSet);
  static const CollectionModel kList(CollectionModel::Flavor::kListAppend);
  static const CollectionModel kQueue(CollectionModel::Flavor::kQueue);
  for (const Model* m : std::initializer_list<const Model*>{&kCounter, &kSet, &kList, &kQueue}) {
    out->push_back(m);
  }
}

}  // namespace redsim::checkers
