// multi-register (Knossos-style read/write transactions over several registers), its Knossos
// reading, and lock (acquire with owner and optional lease / release).
#include <algorithm>
#include <climits>
#include <string>

#include "checkers/interning_model.h"
#include "checkers/models_internal.h"

namespace redsim::checkers {
namespace {

using internal::OneOf;

constexpr int32_t kAbsent = -1;
constexpr int32_t kAnyValue = -2;

// ---- multi-register

struct MicroOp {
  bool write = false;
  int32_t key = 0;    // index among the partition's keys
  int32_t value = 0;  // value id, kAbsent, or kAnyValue (a read whose result is unknown)
};

struct TxnSpec {
  using State = std::vector<int32_t>;  // value id per key index
  using Op = std::vector<MicroOp>;
  std::vector<Datum> keys;
  DatumIds values;

  static uint64_t HashState(const State& s) { return HashInts(s); }
  static size_t StateBytes(const State& s) { return s.size() * sizeof(int32_t); }
  static bool ReadOnly(const Op& txn) {
    for (const MicroOp& m : txn) {
      if (m.write) return false;
    }
    return true;
  }

  bool Apply(const State& s, const Op& txn, State* next) const {
    *next = s;
    for (const MicroOp& m : txn) {
      if (m.write) {
        (*next)[m.key] = m.value;
      } else if (m.value != kAnyValue && (*next)[m.key] != m.value) {
        return false;
      }
    }
    return true;
  }

  std::string Describe(const State& s) const {
    std::string out = "{";
    for (size_t i = 0; i < s.size(); ++i) {
      if (i) out += ", ";
      out += keys[i].ToText() + " " + (s[i] == kAbsent ? "absent" : values.Value(s[i]).ToText());
    }
    return out + "}";
  }
};

bool MicroIsWrite(const Datum& f, bool* write) {
  if (!f.is_name()) return false;
  if (OneOf(f.text(), {"read", "r"}))
    *write = false;
  else if (OneOf(f.text(), {"write", "w"}))
    *write = true;
  else
    return false;
  return true;
}

class MultiRegisterModel final : public Model {
 public:
  explicit MultiRegisterModel(bool knossos) : knossos_(knossos) {}
  std::string_view name() const override {
    return knossos_ ? "knossos-multi-register" : "multi-register";
  }
  std::string_view summary() const override {
    return knossos_ ? "Knossos's multi-register: txn of [:read k v]/[:write k v], keys start at "
                      "0, nil reads match anything"
                    : "registers read and written by transactions [[\"r\",k,v],[\"w\",k,v]]; "
                      "keys start absent";
  }

  bool Prepare(const Operation& op, PreparedOp* out, std::string* error) const override {
    out->op = &op;
    if (op.f != "txn") return internal::UnknownF(op, name(), error);
    // A completed txn carries the values its reads saw; otherwise use the invocation.
    const Datum& txn = op.status == OpStatus::kOk && op.output.is_list() ? op.output : op.input;
    if (!txn.is_list()) {
      *error = "txn value must be a list of micro-operations, not " + txn.ToText();
      return false;
    }
    bool read_only = true;
    for (const Datum& m : txn.items()) {
      bool write;
      if (!m.is_list() || m.items().size() != 3 || !MicroIsWrite(m.items()[0], &write)) {
        *error = "txn micro-operation must be [read|write key value], not " + m.ToText();
        return false;
      }
      read_only = read_only && !write;
    }
    out->role = internal::DefaultRole(op, read_only);
    out->input = txn;
    return true;
  }

  void Keys(const PreparedOp& op, std::vector<Datum>* keys) const override {
    for (const Datum& m : op.input.items()) keys->push_back(m.items()[1]);
  }

  std::unique_ptr<StepModel> Compile(const std::vector<const PreparedOp*>& ops,
                                     std::string*) const override {
    TxnSpec spec;
    DatumIds key_ids;
    std::vector<std::vector<MicroOp>> compiled;
    for (const PreparedOp* p : ops) {
      std::vector<MicroOp> txn;
      for (const Datum& m : p->input.items()) {
        MicroOp micro;
        MicroIsWrite(m.items()[0], &micro.write);
        micro.key = key_ids.Id(m.items()[1]);
        const Datum& v = m.items()[2];
        if (v.is_nil()) {
          micro.value = !micro.write && knossos_ ? kAnyValue : kAbsent;
        } else {
          micro.value = spec.values.Id(v);
        }
        txn.push_back(micro);
      }
      compiled.push_back(std::move(txn));
    }
    for (size_t i = 0; i < key_ids.size(); ++i)
      spec.keys.push_back(key_ids.Value(static_cast<int32_t>(i)));
    int32_t start = knossos_ ? spec.values.Id(Datum::Int(0)) : kAbsent;
    std::vector<int32_t> initial(key_ids.size(), start);
    return std::make_unique<InterningStepModel<TxnSpec>>(std::move(spec), std::move(compiled),
                                                         std::move(initial));
  }

 private:
  bool knossos_;
};

// ---- lock: one lock per key, acquired by an owner, optionally with a lease.
//
// Leases make legality depend on time. The linearization point of an operation is somewhere in
// [invoke, complete]; the model only says "illegal" when no point in that interval could make
// the result right, and it starts a lease at the acquirer's invocation (the earliest it could
// have started). This errs towards accepting: it never reports a violation that a different
// choice of points inside the intervals would explain.

struct LockState {
  int32_t holder = -1;  // owner id, -1 free
  int64_t lease_until_ns = INT64_MAX;
  bool operator==(const LockState& o) const {
    return holder == o.holder && lease_until_ns == o.lease_until_ns;
  }
};

struct LockOp {
  bool acquire = true;
  bool success = true;
  int32_t owner = 0;
  int64_t lease_ns = -1;
  int64_t invoke_ns = 0;
  int64_t complete_ns = INT64_MAX;
};

struct LockSpec {
  using State = LockState;
  using Op = LockOp;
  DatumIds owners;

  static uint64_t HashState(const State& s) {
    return MixHash(static_cast<uint64_t>(s.lease_until_ns) * 31 + static_cast<uint32_t>(s.holder));
  }
  static size_t StateBytes(const State&) { return 0; }
  static bool ReadOnly(const Op& op) { return !op.success; }  // refusals change nothing

  bool Apply(const State& s, const Op& op, State* next) const {
    bool held_at_invoke = s.holder >= 0 && s.lease_until_ns > op.invoke_ns;
    bool free_by_complete = s.holder < 0 || s.lease_until_ns <= op.complete_ns;
    *next = s;
    if (op.acquire) {
      if (!op.success) return held_at_invoke;
      if (!free_by_complete) return false;
      next->holder = op.owner;
      next->lease_until_ns = op.lease_ns >= 0 ? op.invoke_ns + op.lease_ns : INT64_MAX;
      return true;
    }
    if (op.success) {
      if (s.holder != op.owner || !held_at_invoke) return false;
      *next = LockState{};
      return true;
    }
    return s.holder != op.owner || free_by_complete;
  }

  std::string Describe(const State& s) const {
    if (s.holder < 0) return "free";
    std::string out = "held by " + owners.Value(s.holder).ToText();
    if (s.lease_until_ns != INT64_MAX) out += " until " + std::to_string(s.lease_until_ns) + " ns";
    return out;
  }
};

class LockModel final : public Model {
 public:
  std::string_view name() const override { return "lock"; }
  std::string_view summary() const override {
    return "mutex per key: acquire/release by an owner (default: the process), optional lease; "
           "ok true = done, ok false = refused";
  }

  bool Prepare(const Operation& op, PreparedOp* out, std::string* error) const override {
    out->op = &op;
    if (!OneOf(op.f, {"acquire", "lock", "release", "unlock"})) {
      return internal::UnknownF(op, "lock", error);
    }
    Datum owner = Datum::Int(op.process);
    int64_t lease_ns = -1;
    const Datum& arg = op.input;
    if (arg.is_map()) {
      if (const Datum* o = arg.Find("owner")) owner = *o;
      if (const Datum* l = arg.Find("lease_ns")) lease_ns = l->is_int() ? l->int_value() : -2;
      if (const Datum* l = arg.Find("lease_ms"))
        lease_ns = l->is_int() ? l->int_value() * 1000000 : -2;
    } else if (!arg.is_nil()) {
      owner = arg;
    }
    if (lease_ns < -1) {
      *error = "lock lease must be an integer, not " + arg.ToText();
      return false;
    }
    if (lease_ns >= 0 && op.invoke_ns < 0) {
      *error = "a lock lease needs time_ns on the events";
      return false;
    }
    bool success = true;
    if (op.status == OpStatus::kOk && !op.output.is_nil()) {
      if (!op.output.is_bool()) {
        *error = "lock " + op.f + " result must be true, false or nil, not " + op.output.ToText();
        return false;
      }
      success = op.output.bool_value();
    }
    out->role = internal::DefaultRole(op, false);
    // The times are part of the prepared input because legality depends on them: the checker
    // treats operations with equal (f, key, input, output) as interchangeable.
    Datum::Map spec{{Datum::Keyword("owner"), owner},
                    {Datum::Keyword("lease_ns"), Datum::Int(lease_ns)},
                    {Datum::Keyword("invoke_ns"), Datum::Int(op.invoke_ns)},
                    {Datum::Keyword("complete_ns"), Datum::Int(op.complete_ns)}};
    out->input = Datum::MakeMap(std::move(spec));
    out->output = Datum::Bool(success);
    return true;
  }

  std::unique_ptr<StepModel> Compile(const std::vector<const PreparedOp*>& ops,
                                     std::string*) const override {
    LockSpec spec;
    std::vector<LockOp> compiled;
    for (const PreparedOp* p : ops) {
      LockOp l;
      l.acquire = OneOf(p->op->f, {"acquire", "lock"});
      l.success = p->output.bool_value();
      l.owner = spec.owners.Id(*p->input.Find("owner"));
      l.lease_ns = p->input.Find("lease_ns")->int_value();
      l.invoke_ns = std::max<int64_t>(p->op->invoke_ns, 0);
      l.complete_ns =
          p->role == OpRole::kOptional || p->op->complete_ns < 0 ? INT64_MAX : p->op->complete_ns;
      compiled.push_back(l);
    }
    return std::make_unique<InterningStepModel<LockSpec>>(std::move(spec), std::move(compiled),
                                                          LockState{});
  }
};

}  // namespace

void internal::AddTxnAndLockModels(std::vector<const Model*>* out) {
  static const MultiRegisterModel kMulti(false);
  static const MultiRegisterModel kKnossosMulti(true);
  static const LockModel kLock;
  out->push_back(&kMulti);
  out->push_back(&kKnossosMulti);
  out->push_back(&kLock);
}

}  // namespace redsim::checkers
