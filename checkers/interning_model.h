// InterningStepModel: turns a model written over plain C++ states into a StepModel over state
// ids. `Spec` supplies:
//   using State = ...;   // copyable, equality-comparable
//   using Op = ...;      // one compiled operation
//   static uint64_t HashState(const State&);
//   bool Apply(const State& state, const Op& op, State* next) const;  // false: illegal
//   std::string Describe(const State& state) const;
//   static size_t StateBytes(const State&);   // for the memory budget
//   static bool ReadOnly(const Op&);           // see StepModel::ReadOnly
// and optionally, for the dead-read pruning (see StepModel::Monotone):
//   static bool Monotone(const Op&);
//   bool Extends(const State& state, const Op& read) const;  // some extension may satisfy read
//   bool Doomed(const State&, const Op&, uint32_t op, const LinearizedView&) const;  //
//   StepModel::Doomed static bool AlwaysLegal(const Op&); void Watchers(const State& before, const
//   Op&, std::vector<uint32_t>* out) const;
// Each distinct state is stored once; each (state, op) transition is computed once.
#pragma once

#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "checkers/flat_hash.h"
#include "checkers/model.h"

namespace redsim::checkers {

template <class Spec>
class InterningStepModel final : public StepModel {
 public:
  using State = typename Spec::State;
  using Op = typename Spec::Op;

  InterningStepModel(Spec spec, std::vector<Op> ops, State initial)
      : spec_(std::move(spec)), ops_(std::move(ops)), memo_(ops_.size()) {
    initial_ = Intern(std::move(initial));
  }

  uint32_t Initial() override { return initial_; }

  uint32_t Step(uint32_t state, uint32_t op) override {
    uint64_t key = (static_cast<uint64_t>(state) << 32) | op;
    if (const uint32_t* cached = memo_.Find(key)) return *cached;
    State next;
    uint32_t result =
        spec_.Apply(states_[state], ops_[op], &next) ? Intern(std::move(next)) : kIllegal;
    memo_.Insert(key, result);
    return result;
  }

  std::string DescribeState(uint32_t state) const override {
    return spec_.Describe(states_[state]);
  }

  bool ReadOnly(uint32_t op) const override { return Spec::ReadOnly(ops_[op]); }

  bool Monotone(uint32_t op) const override {
    if constexpr (requires { Spec::Monotone(ops_[op]); }) {
      return Spec::Monotone(ops_[op]);
    } else {
      return false;
    }
  }

  void Watchers(uint32_t state_before, uint32_t op, std::vector<uint32_t>* out) const override {
    if constexpr (requires { spec_.Watchers(states_[state_before], ops_[op], out); }) {
      spec_.Watchers(states_[state_before], ops_[op], out);
    }
  }

  bool AlwaysLegal(uint32_t op) const override {
    if constexpr (requires { Spec::AlwaysLegal(ops_[op]); }) {
      return Spec::AlwaysLegal(ops_[op]);
    } else {
      return false;
    }
  }

  bool Doomed(uint32_t state, uint32_t op, const LinearizedView& view) override {
    if constexpr (requires { spec_.Doomed(states_[state], ops_[op], op, view); }) {
      return spec_.Doomed(states_[state], ops_[op], op, view);
    } else {
      return false;
    }
  }

  bool MayBecomeLegal(uint32_t state, uint32_t read) override {
    if constexpr (requires { spec_.Extends(states_[state], ops_[read]); }) {
      return spec_.Extends(states_[state], ops_[read]);
    } else {
      return Step(state, read) != kIllegal;
    }
  }

  size_t NumStates() const override { return states_.size(); }
  size_t NumTransitions() const override { return memo_.size(); }

  size_t MemoryBytes() const override {
    return memo_.MemoryBytes() + state_bytes_ + states_.size() * (sizeof(State) + 48);
  }

 private:
  struct Hasher {
    size_t operator()(const State& s) const { return Spec::HashState(s); }
  };

  uint32_t Intern(State s) {
    auto it = ids_.find(s);
    if (it != ids_.end()) return it->second;
    uint32_t id = static_cast<uint32_t>(states_.size());
    state_bytes_ += Spec::StateBytes(s);
    states_.push_back(s);
    ids_.emplace(std::move(s), id);
    return id;
  }

  Spec spec_;
  std::vector<Op> ops_;
  std::vector<State> states_;
  std::unordered_map<State, uint32_t, Hasher> ids_;
  FlatMap64 memo_;
  uint32_t initial_ = 0;
  size_t state_bytes_ = 0;
};

// Hash of a vector of small ints (states of collection models).
inline uint64_t HashInts(const std::vector<int32_t>& v) {
  uint64_t h = 0x84222325cbf29ce4ULL ^ v.size();
  for (int32_t x : v) h = MixHash(h ^ static_cast<uint32_t>(x)) + 0x9e3779b97f4a7c15ULL;
  return h;
}

}  // namespace redsim::checkers
