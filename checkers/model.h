// Sequential specifications for the linearizability checker.
//
// A Model says how to read a history's operations (Prepare: which role each operation plays and
// what its argument and result mean) and compiles one partition's operations into a StepModel,
// a deterministic state machine over small integer state ids. The checker only ever asks
// StepModel::Step(state, op); models intern their states and memoise transitions, so the search
// itself never touches a Datum.
//
// Roles follow Jepsen's semantics: an `ok` operation took effect exactly once between its
// invocation and completion (kRequired); an `info` or never-completed operation may have taken
// effect once at any point after its invocation, or never (kOptional); a `fail` operation did
// not take effect (kDrop) unless the model reads the failure as an observation (the etcd
// reading of a failed cas: the compare ran and did not match, so it is kRequired with a
// "mismatch" result). Optional operations that cannot change the state (reads) are dropped:
// whether they happened constrains nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "checkers/datum.h"
#include "checkers/history.h"

namespace redsim::checkers {

enum class OpRole : uint8_t { kRequired, kOptional, kDrop };

// An operation as a model reads it.
struct PreparedOp {
  const Operation* op = nullptr;
  OpRole role = OpRole::kDrop;
  Datum input;   // normalised argument
  Datum output;  // normalised result
};

// Lets a model ask about the search's current configuration.
class LinearizedView {
 public:
  virtual ~LinearizedView() = default;
  virtual bool Linearized(uint32_t op) const = 0;
  // Whether `op` is not linearized yet and was invoked before `target` returns (so it could
  // still take effect before `target`).
  virtual bool CanPrecede(uint32_t op, uint32_t target) const = 0;
};

// One partition's operations compiled into a state machine. State ids are dense from 0.
class StepModel {
 public:
  static constexpr uint32_t kIllegal = UINT32_MAX;
  virtual ~StepModel() = default;
  virtual uint32_t Initial() = 0;
  // The state after operation `op` (index into the compiled ops) takes effect in `state`, or
  // kIllegal if it cannot take effect there (its result contradicts the state).
  virtual uint32_t Step(uint32_t state, uint32_t op) = 0;
  virtual std::string DescribeState(uint32_t state) const = 0;
  // True when `op` leaves the state unchanged in every state where it is legal (a read, a cas
  // that observed a mismatch, a refused acquire). The checker linearizes such operations as
  // soon as they are legal, without branching: doing so never loses a linearization.
  virtual bool ReadOnly(uint32_t op) const = 0;
  // True when `op` is legal in every state and its result state does not depend on the state
  // it runs in (a blind write). An optional operation directly followed by a blind one can be
  // dropped from any linearization, so the search never places one right after the other.
  virtual bool Blind(uint32_t op) const {
    (void)op;
    return false;
  }
  // Operations worth asking Doomed about right after `op` took effect in `state_before`,
  // because `op` is what could doom them (an enqueue of x: the dequeues that return x).
  virtual void Watchers(uint32_t state_before, uint32_t op, std::vector<uint32_t>* out) const {
    (void)state_before;
    (void)op;
    (void)out;
  }
  // True when `op` is legal in every state (a write, an enqueue, an append). Only operations
  // that can be illegal are worth asking Doomed about.
  virtual bool AlwaysLegal(uint32_t op) const { return Blind(op); }
  // Optional pruning. Monotone(op): `op` only ever extends the state in the model's extension
  // order (an append extends a string or list). MayBecomeLegal(state, read): false only if the
  // read-only `read` is illegal in `state` and in every extension of it. When a pending read
  // cannot become legal and no non-monotone operation can run before it must return, the
  // search abandons the configuration at once. The defaults (nothing is monotone; a state only
  // extends to itself) are always correct.
  virtual bool Monotone(uint32_t op) const {
    (void)op;
    return false;
  }
  virtual bool MayBecomeLegal(uint32_t state, uint32_t read) {
    return Step(state, read) != kIllegal;
  }
  // Optional pruning, for the required operations that must return first: true only if `op`,
  // illegal in `state`, cannot become legal before it returns whatever the operations that can
  // still precede it do (e.g. a dequeue of y when an element ahead of y has no dequeue left
  // that could remove it in time).
  virtual bool Doomed(uint32_t state, uint32_t op, const LinearizedView& view) {
    (void)state;
    (void)op;
    (void)view;
    return false;
  }
  // Bytes held by interned states and memoised transitions (for the memory budget).
  virtual size_t MemoryBytes() const = 0;
  // Distinct states and computed transitions so far (statistics).
  virtual size_t NumStates() const = 0;
  virtual size_t NumTransitions() const = 0;
};

class Model {
 public:
  virtual ~Model() = default;
  virtual std::string_view name() const = 0;
  virtual std::string_view summary() const = 0;
  // Decides `out->role` and normalises input/output. False (with a message) for an operation
  // the model cannot interpret, e.g. an unknown `f` or a cas whose value is not a pair.
  virtual bool Prepare(const Operation& op, PreparedOp* out, std::string* error) const = 0;
  // The keys an operation touches; operations sharing a key are checked together. The default
  // is the operation's `key` (none: the whole history is one partition).
  virtual void Keys(const PreparedOp& op, std::vector<Datum>* keys) const;
  // Compiles the (non-dropped) operations of one partition, in the order given.
  virtual std::unique_ptr<StepModel> Compile(const std::vector<const PreparedOp*>& ops,
                                             std::string* error) const = 0;
};

// The registry of models, by name ("cas-register", "kv", ...).
const Model* FindModel(std::string_view name);
std::vector<const Model*> AllModels();

// The model a format implies when the file names none (jepsen: etcd-cas-register, porcupine-kv:
// kv-append, edn: knossos-cas-register or knossos-multi-register for :txn histories). Empty if
// the format implies none.
std::string DefaultModelFor(const History& history);

}  // namespace redsim::checkers
