#include "checkers/linearizability.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <unordered_map>

#include "checkers/flat_hash.h"

namespace redsim::checkers {

const char* VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kLinearizable:
      return "linearizable";
    case Verdict::kNotLinearizable:
      return "not linearizable";
    case Verdict::kUnknown:
      return "unknown";
  }
  return "?";
}

namespace {

constexpr int kNoReturn = INT_MAX;      // optional operations never force a backtrack
constexpr int kMaxStatesRecorded = 32;  // states listed in a counterexample
constexpr int kLastStepsRecorded = 8;
constexpr int kMaxPartitionOps = 1 << 26;       // keeps the compact encoding's fields in range
constexpr int kSymmetryScan = 64;               // how far back to look for a symmetric twin
constexpr int kDoomedLookahead = 4;             // pending operations asked StepModel::Doomed
constexpr uint32_t kPollMask = 4095;            // budget checks every 4096 steps
constexpr uint32_t kSliceMask = 255;            // slice ends are checked every 256 steps
constexpr uint64_t kFirstSliceSteps = 1 << 11;  // steps per partition in the first round

// The set of memoised configurations: (set of linearized operations, model state). Sets are
// bitsets whose first `req_words` words index required operations in call order (so they fill
// from the front and compress) and whose remaining words index optional ones. A stored set
// keeps only its middle: leading all-ones and trailing zero words are implied by its header.
class ConfigCache {
 public:
  ConfigCache(int req_words, int opt_words) : req_words_(req_words), opt_words_(opt_words) {
    slots_ = VectorPool<Slot>::Take(kInitialSlots);
    slots_.assign(kInitialSlots, Slot{});
    arena_ = VectorPool<uint64_t>::Take(1024);
  }
  ~ConfigCache() {
    VectorPool<Slot>::Give(std::move(slots_));
    VectorPool<uint64_t>::Give(std::move(arena_));
  }
  ConfigCache(const ConfigCache&) = delete;
  ConfigCache& operator=(const ConfigCache&) = delete;

  // Adds the configuration; false if it was already present.
  bool Insert(uint64_t hash, uint32_t state, const uint64_t* words) {
    Shape shape = ShapeOf(words);
    if ((size_ + 1) * 2 > slots_.size()) Grow();
    size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.offset == kEmpty) {
        s.hash = hash;
        s.state = state;
        s.offset = static_cast<uint32_t>(arena_.size());
        Append(shape, words);
        ++size_;
        return true;
      }
      if (s.hash == hash && s.state == state && Same(s.offset, shape, words)) return false;
    }
  }

  size_t size() const { return size_; }
  size_t MemoryBytes() const {
    return slots_.capacity() * sizeof(Slot) + arena_.capacity() * sizeof(uint64_t);
  }
  // Arena offsets are 32-bit word indexes.
  bool Full() const { return arena_.size() > (size_t{1} << 32) - (size_t{1} << 24); }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  static constexpr size_t kInitialSlots = 64;
  struct Slot {
    uint64_t hash = 0;
    uint32_t state = 0;
    uint32_t offset = kEmpty;
  };
  // Leading all-ones words, then `mid` stored required words, then `opt` stored optional words.
  struct Shape {
    uint64_t lead, mid, opt;
    uint64_t Header() const { return lead | (mid << 22) | (opt << 43); }
  };

  Shape ShapeOf(const uint64_t* words) const {
    uint64_t lead = 0;
    while (lead < static_cast<uint64_t>(req_words_) && words[lead] == ~uint64_t{0}) ++lead;
    uint64_t req_end = req_words_;
    while (req_end > lead && words[req_end - 1] == 0) --req_end;
    uint64_t opt_end = opt_words_;
    while (opt_end > 0 && words[req_words_ + opt_end - 1] == 0) --opt_end;
    return {lead, req_end - lead, opt_end};
  }

  void Append(const Shape& shape, const uint64_t* words) {
    size_t at = arena_.size();
    arena_.resize(at + 1 + shape.mid + shape.opt);
    uint64_t* out = &arena_[at];
    *out++ = shape.Header();
    for (uint64_t i = 0; i < shape.mid; ++i) *out++ = words[shape.lead + i];
    for (uint64_t i = 0; i < shape.opt; ++i) *out++ = words[req_words_ + i];
  }

  bool Same(uint32_t offset, const Shape& shape, const uint64_t* words) const {
    const uint64_t* stored = &arena_[offset];
    if (stored[0] != shape.Header()) return false;
    return memcmp(stored + 1, words + shape.lead, shape.mid * sizeof(uint64_t)) == 0 &&
           memcmp(stored + 1 + shape.mid, words + req_words_, shape.opt * sizeof(uint64_t)) == 0;
  }

  void Grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_ = VectorPool<Slot>::Take(old.size() * 2);
    slots_.assign(old.size() * 2, Slot{});
    size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.offset == kEmpty) continue;
      size_t i = s.hash & mask;
      while (slots_[i].offset != kEmpty) i = (i + 1) & mask;
      slots_[i] = s;
    }
    VectorPool<Slot>::Give(std::move(old));
  }

  int req_words_;
  int opt_words_;
  std::vector<Slot> slots_;
  std::vector<uint64_t> arena_;
  size_t size_ = 0;
};

// Counts, over a prefix of operations in call order, those still unlinearized that could reset
// the state (neither read-only nor monotone): the "no reset can come first" test of the
// dead-read pruning (see StepModel::MayBecomeLegal).
class ResetCounter {
 public:
  void Init(const std::vector<bool>& is_reset) {
    tree_.assign(is_reset.size() + 1, 0);
    for (size_t i = 0; i < is_reset.size(); ++i) {
      if (is_reset[i]) Add(static_cast<int>(i), 1);
    }
  }
  void Add(int index, int delta) {
    for (size_t i = static_cast<size_t>(index) + 1; i < tree_.size(); i += i & (~i + 1))
      tree_[i] += delta;
  }
  // Resets among operations [0, end).
  int Prefix(int end) const {
    int sum = 0;
    for (size_t i = static_cast<size_t>(end); i > 0; i -= i & (~i + 1)) sum += tree_[i];
    return sum;
  }

 private:
  std::vector<int> tree_;
};

// Operations in a fixed order (by return position) as a linked list of those not yet
// linearized: removal and restore follow the search's stack discipline, and First() is O(1).
class PendingList {
 public:
  // `ops` in order; returns each op's slot through `slot_of` (indexed by op).
  void Init(const std::vector<int>& ops, std::vector<int>* slot_of) {
    ops_ = ops;
    tail_ = static_cast<int>(ops.size()) + 1;
    next_.resize(tail_ + 1);
    prev_.resize(tail_ + 1);
    for (int slot = 0; slot < tail_; ++slot) {
      next_[slot] = slot + 1;
      prev_[slot + 1] = slot;
    }
    for (size_t i = 0; i < ops.size(); ++i) (*slot_of)[ops[i]] = static_cast<int>(i) + 1;
  }
  void Remove(int slot) {
    next_[prev_[slot]] = next_[slot];
    prev_[next_[slot]] = prev_[slot];
  }
  void Restore(int slot) {
    next_[prev_[slot]] = slot;
    prev_[next_[slot]] = slot;
  }
  int First() const { return next_[0] == tail_ ? -1 : ops_[next_[0] - 1]; }
  // Up to `n` of the first pending operations.
  int FirstFew(int n, int* out) const {
    int count = 0;
    for (int slot = next_[0]; slot != tail_ && count < n; slot = next_[slot])
      out[count++] = ops_[slot - 1];
    return count;
  }

 private:
  std::vector<int> ops_, next_, prev_;
  int tail_ = 1;
};

struct SearchOp {
  int call_pos = 0;         // event index of the invocation
  int ret_pos = kNoReturn;  // event index of the completion (required operations)
  bool required = false;
  int bit = 0;    // index in the linearized-set bitset
  int pred = -1;  // symmetric predecessor (local index), -1 none
  int call_node = 0;
  int ret_node = -1;
  bool reset = false;           // neither read-only nor monotone
  int calls_before_return = 0;  // operations invoked before this one returns (reads only)
};

struct StuckPoint {
  int node = -1;                     // the return node no configuration got past (list order)
  int op = -1;                       // its operation (local index)
  std::vector<uint64_t> linearized;  // one configuration's linearized set there
  std::vector<std::pair<int, uint32_t>> last_steps;  // (local op, state after)
  std::vector<uint32_t> states;
  bool states_truncated = false;
};

// Searches one partition. Operations are indexed locally in invocation order.
class PartitionSearch final : public LinearizedView {
 public:
  enum class Outcome { kLinearizable, kNotLinearizable, kOutOfBudget, kPaused };

  PartitionSearch(std::vector<SearchOp> ops, std::unique_ptr<StepModel> model,
                  const CheckBudget& budget);

  // Searches for at most `max_steps` more steps (kPaused when they run out; call again to
  // resume). `other_configurations`/`other_memory` are what other partitions hold, for the
  // budget.
  Outcome Run(uint64_t max_steps, uint64_t other_configurations, size_t other_memory,
              std::string* reason);
  size_t MemoryBytes() const;
  StepModel& model() { return *model_; }

  bool Linearized(uint32_t op) const override { return Test(ops_[op].bit); }
  bool CanPrecede(uint32_t op, uint32_t target) const override {
    return !Test(ops_[op].bit) && ops_[op].call_pos < ops_[target].ret_pos;
  }
  const StuckPoint& stuck() const { return stuck_; }
  uint64_t configurations() const { return cache_ ? cache_->size() : 0; }
  size_t peak_memory() const { return peak_memory_; }
  const std::vector<SearchOp>& ops() const { return ops_; }

 private:
  void BuildList();
  void Lift(int local) {
    const SearchOp& op = ops_[local];
    Remove(op.call_node);
    if (op.ret_node >= 0) Remove(op.ret_node);
    if (op.reset) resets_.Add(local, -1);
    if (read_slot_[local] >= 0) pending_reads_.Remove(read_slot_[local]);
    if (required_slot_[local] >= 0) pending_required_.Remove(required_slot_[local]);
  }
  void Unlift(int local) {
    const SearchOp& op = ops_[local];
    if (op.ret_node >= 0) Restore(op.ret_node);
    Restore(op.call_node);
    if (op.reset) resets_.Add(local, 1);
    if (required_slot_[local] >= 0) pending_required_.Restore(required_slot_[local]);
    if (read_slot_[local] >= 0) pending_reads_.Restore(read_slot_[local]);
  }
  // Whether a freshly entered configuration is already doomed: the required read that must
  // return first can never become legal (dead read), or the model says the required operation
  // that must return first can never become legal (StepModel::Doomed).
  bool FreshConfigurationDoomed(int applied, uint32_t state_before) {
    candidates_.clear();
    candidates_.push_back(pending_reads_.First());
    int few[kDoomedLookahead];
    int n = pending_required_.FirstFew(kDoomedLookahead, few);
    candidates_.insert(candidates_.end(), few, few + n);
    watched_.clear();
    model_->Watchers(state_before, static_cast<uint32_t>(applied), &watched_);
    for (uint32_t w : watched_) {
      if (ops_[w].required && !Test(ops_[w].bit)) candidates_.push_back(static_cast<int>(w));
    }
    for (int op : candidates_) {
      if (op < 0 || model_->Step(state_, static_cast<uint32_t>(op)) != StepModel::kIllegal)
        continue;
      bool dead = read_only_[op] ? DeadRead(op) : false;
      if (!dead) dead = model_->Doomed(state_, static_cast<uint32_t>(op), *this);
      if (dead) {
        RecordStuck(ops_[op].ret_node, state_);
        return true;
      }
    }
    return false;
  }
  // A required read that is illegal now and can never become legal before it must return.
  bool DeadRead(int local) {
    return resets_.Prefix(ops_[local].calls_before_return) == 0 &&
           !model_->MayBecomeLegal(state_, static_cast<uint32_t>(local));
  }
  void Remove(int n) {
    next_[prev_[n]] = next_[n];
    prev_[next_[n]] = prev_[n];
  }
  void Restore(int n) {
    next_[prev_[n]] = n;
    prev_[next_[n]] = n;
  }
  bool Test(int bit) const { return (bits_[bit >> 6] >> (bit & 63)) & 1; }
  void Flip(int local) {
    int bit = ops_[local].bit;
    bits_[bit >> 6] ^= uint64_t{1} << (bit & 63);
    hash_ ^= zobrist_[local];
  }
  void RecordStuck(int node, uint32_t state);
  bool BudgetExceeded(uint64_t other_configurations, size_t other_memory, std::string* reason);
  bool Backtrack();

  struct Frame {
    int op;
    uint32_t prev_state;
    bool forced;  // linearized in the reads phase: not a choice point
  };

  std::vector<SearchOp> ops_;
  std::unique_ptr<StepModel> model_;
  const CheckBudget& budget_;
  // The search's position, kept between Run calls.
  uint32_t state_ = 0;
  int remaining_ = 0;
  int cur_ = 0;
  bool reads_phase_ = true;
  std::vector<int> next_, prev_, node_op_, node_pos_;
  std::vector<bool> node_is_call_;
  std::vector<bool> read_only_;
  std::vector<bool> blind_;
  ResetCounter resets_;
  // Unlinearized required operations that can be illegal (and the read-only ones among them),
  // by return position.
  PendingList pending_required_, pending_reads_;
  std::vector<int> required_slot_, read_slot_;
  std::vector<int> candidates_;  // scratch for FreshConfigurationDoomed
  std::vector<uint32_t> watched_;
  int tail_ = 0;
  std::vector<uint64_t> bits_;
  std::vector<uint64_t> zobrist_;
  uint64_t hash_ = 0;
  std::vector<Frame> stack_;
  std::unique_ptr<ConfigCache> cache_;
  StuckPoint stuck_;
  size_t peak_memory_ = 0;
};

void PartitionSearch::BuildList() {
  struct Entry {
    int pos;
    int op;
    bool call;
  };
  std::vector<Entry> entries;
  entries.reserve(ops_.size() * 2);
  for (size_t i = 0; i < ops_.size(); ++i) {
    entries.push_back({ops_[i].call_pos, static_cast<int>(i), true});
    if (ops_[i].required) entries.push_back({ops_[i].ret_pos, static_cast<int>(i), false});
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.pos < b.pos; });
  int m = static_cast<int>(entries.size());
  tail_ = m + 1;
  next_.assign(m + 2, 0);
  prev_.assign(m + 2, 0);
  node_op_.assign(m + 2, -1);
  node_pos_.assign(m + 2, 0);
  node_is_call_.assign(m + 2, false);
  for (int n = 0; n <= m; ++n) {
    next_[n] = n + 1;
    prev_[n + 1] = n;
  }
  for (int i = 0; i < m; ++i) {
    int n = i + 1;
    node_op_[n] = entries[i].op;
    node_pos_[n] = entries[i].pos;
    node_is_call_[n] = entries[i].call;
    if (entries[i].call) {
      ops_[entries[i].op].call_node = n;
    } else {
      ops_[entries[i].op].ret_node = n;
    }
  }
}

void PartitionSearch::RecordStuck(int node, uint32_t state) {
  if (node < stuck_.node) return;
  if (node > stuck_.node) {
    stuck_.node = node;
    stuck_.op = node_op_[node];
    stuck_.linearized = bits_;
    stuck_.states.clear();
    stuck_.states_truncated = false;
    stuck_.last_steps.clear();
    size_t from = stack_.size() > kLastStepsRecorded ? stack_.size() - kLastStepsRecorded : 0;
    for (size_t i = from; i < stack_.size(); ++i) {
      uint32_t after = i + 1 < stack_.size() ? stack_[i + 1].prev_state : state;
      stuck_.last_steps.emplace_back(stack_[i].op, after);
    }
  }
  if (std::find(stuck_.states.begin(), stuck_.states.end(), state) != stuck_.states.end()) return;
  if (stuck_.states.size() < kMaxStatesRecorded) {
    stuck_.states.push_back(state);
  } else {
    stuck_.states_truncated = true;
  }
}

size_t PartitionSearch::MemoryBytes() const {
  return cache_->MemoryBytes() + model_->MemoryBytes() + stack_.capacity() * sizeof(Frame) +
         ops_.capacity() * sizeof(SearchOp) + next_.capacity() * 4 * sizeof(int);
}

bool PartitionSearch::BudgetExceeded(uint64_t other_configurations, size_t other_memory,
                                     std::string* reason) {
  size_t memory = MemoryBytes();
  peak_memory_ = std::max(peak_memory_, memory);
  memory += other_memory;
  if (memory > budget_.max_memory_bytes || cache_->Full()) {
    *reason = "memory budget exhausted (" + std::to_string(memory >> 20) + " MiB)";
    return true;
  }
  if (budget_.max_configurations > 0 &&
      other_configurations + cache_->size() > budget_.max_configurations) {
    *reason = "configuration budget exhausted (" + std::to_string(budget_.max_configurations) + ")";
    return true;
  }
  if (budget_.out_of_time && budget_.out_of_time()) {
    *reason = "time budget exhausted";
    return true;
  }
  return false;
}

PartitionSearch::PartitionSearch(std::vector<SearchOp> ops, std::unique_ptr<StepModel> model,
                                 const CheckBudget& budget)
    : ops_(std::move(ops)), model_(std::move(model)), budget_(budget) {
  int n_required = 0, n_optional = 0;
  for (SearchOp& op : ops_) op.bit = op.required ? n_required++ : n_optional++;
  int req_words = (n_required + 63) / 64;
  int opt_words = (n_optional + 63) / 64;
  for (SearchOp& op : ops_) {
    if (!op.required) op.bit += req_words * 64;
  }
  bits_.assign(req_words + opt_words, 0);
  cache_ = std::make_unique<ConfigCache>(req_words, opt_words);
  zobrist_.resize(ops_.size());
  uint64_t seed = 0x5eed5eed12345678ULL;
  for (uint64_t& z : zobrist_) {
    seed += 0x9e3779b97f4a7c15ULL;
    z = MixHash(seed);
  }
  BuildList();
  read_only_.resize(ops_.size());
  blind_.resize(ops_.size());
  std::vector<bool> is_reset(ops_.size());
  for (size_t i = 0; i < ops_.size(); ++i) {
    uint32_t op = static_cast<uint32_t>(i);
    read_only_[i] = model_->ReadOnly(op);
    blind_[i] = model_->Blind(op);
    is_reset[i] = ops_[i].reset = !read_only_[i] && !model_->Monotone(op);
  }
  resets_.Init(is_reset);
  // Operations are in call order, so "invoked before this returns" is a prefix.
  size_t invoked = 0;
  std::vector<int> by_return;
  for (size_t i = 0; i < ops_.size(); ++i) {
    if (ops_[i].required && read_only_[i]) by_return.push_back(static_cast<int>(i));
  }
  std::sort(by_return.begin(), by_return.end(),
            [&](int a, int b) { return ops_[a].ret_pos < ops_[b].ret_pos; });
  for (int r : by_return) {
    while (invoked < ops_.size() && ops_[invoked].call_pos < ops_[r].ret_pos) ++invoked;
    ops_[r].calls_before_return = static_cast<int>(invoked);
  }
  read_slot_.assign(ops_.size(), -1);
  required_slot_.assign(ops_.size(), -1);
  pending_reads_.Init(by_return, &read_slot_);
  std::vector<int> required_by_return;
  for (size_t i = 0; i < ops_.size(); ++i) {
    if (ops_[i].required && !model_->AlwaysLegal(static_cast<uint32_t>(i))) {
      required_by_return.push_back(static_cast<int>(i));
    }
  }
  std::sort(required_by_return.begin(), required_by_return.end(),
            [&](int a, int b) { return ops_[a].ret_pos < ops_[b].ret_pos; });
  pending_required_.Init(required_by_return, &required_slot_);
  state_ = model_->Initial();
  remaining_ = n_required;
  cur_ = next_[0];
}

// Undoes linearizations until one that was a real choice, and resumes after it. False when
// there is none left: the partition is not linearizable.
bool PartitionSearch::Backtrack() {
  while (!stack_.empty()) {
    Frame f = stack_.back();
    stack_.pop_back();
    const SearchOp& op = ops_[f.op];
    Flip(f.op);
    Unlift(f.op);
    state_ = f.prev_state;
    if (op.required) ++remaining_;
    if (f.forced) continue;
    cur_ = next_[op.call_node];
    reads_phase_ = false;
    return true;
  }
  return false;
}

// Each configuration is expanded in two phases. First (reads phase) the first legal read-only
// operation is linearized without branching: linearizing it now never loses a linearization, so
// if that fails, the configuration fails. Only when none is legal does the search branch over
// the other callable operations (all phase), skipping read-only ones, which it now knows are
// illegal here.
PartitionSearch::Outcome PartitionSearch::Run(uint64_t max_steps, uint64_t other_configurations,
                                              size_t other_memory, std::string* reason) {
  for (uint64_t steps = 1;; ++steps) {
    if (remaining_ == 0) return Outcome::kLinearizable;
    if ((steps & kSliceMask) == 0) {
      if ((steps & kPollMask) == 0 && BudgetExceeded(other_configurations, other_memory, reason)) {
        return Outcome::kOutOfBudget;
      }
      if (steps >= max_steps) return Outcome::kPaused;
    }
    bool backtrack = false;
    if (cur_ == tail_ || (reads_phase_ && !node_is_call_[cur_])) {
      if (reads_phase_) {
        reads_phase_ = false;
        cur_ = next_[0];
        continue;
      }
      backtrack = true;  // only optional calls were left and none could be linearized
    } else if (node_is_call_[cur_]) {
      int local = node_op_[cur_];
      const SearchOp& op = ops_[local];
      // A blind write right after an optional operation would make that one pointless.
      bool after_optional = !stack_.empty() && !ops_[stack_.back().op].required;
      if (read_only_[local] == reads_phase_ && (op.pred < 0 || Test(ops_[op.pred].bit)) &&
          !(after_optional && blind_[local])) {
        uint32_t next_state = model_->Step(state_, static_cast<uint32_t>(local));
        if (next_state != StepModel::kIllegal) {
          Flip(local);
          if (cache_->Insert(hash_ ^ MixHash(next_state + 0x51ULL), next_state, bits_.data())) {
            stack_.push_back({local, state_, reads_phase_});
            state_ = next_state;
            Lift(local);
            if (op.required) --remaining_;
            cur_ = next_[0];
            reads_phase_ = true;
            // The operations that must return first need not be callable yet to be doomed.
            if (!read_only_[local] && FreshConfigurationDoomed(local, stack_.back().prev_state)) {
              if (!Backtrack()) {
                BudgetExceeded(other_configurations, other_memory, reason);
                return Outcome::kNotLinearizable;
              }
            }
            continue;
          }
          Flip(local);
          // A read that is legal here leads to an explored (hence failed) configuration, and
          // it dominates every alternative: this configuration fails too.
          if (reads_phase_) backtrack = true;
        } else if (reads_phase_ && op.required && DeadRead(local)) {
          RecordStuck(op.ret_node, state_);
          backtrack = true;
        }
      }
      if (!backtrack) {
        cur_ = next_[cur_];
        continue;
      }
    } else {
      RecordStuck(cur_, state_);
      backtrack = true;
    }
    if (!Backtrack()) {
      BudgetExceeded(other_configurations, other_memory, reason);  // records peak memory
      return Outcome::kNotLinearizable;
    }
  }
}

// Union-find over key ids.
int FindRoot(std::vector<int>* parent, int x) {
  while ((*parent)[x] != x) {
    (*parent)[x] = (*parent)[(*parent)[x]];
    x = (*parent)[x];
  }
  return x;
}

// Assigns each prepared operation a partition; returns partitions as lists of indexes into
// `prepared`, ordered by their first operation.
std::vector<std::vector<int>> Partition(const Model& model, const std::vector<PreparedOp>& prepared,
                                        std::vector<std::string>* names) {
  DatumIds key_ids;
  std::vector<int> parent;
  std::vector<int> first_key(prepared.size());  // each operation's first key (its partition)
  std::vector<Datum> keys;
  for (size_t i = 0; i < prepared.size(); ++i) {
    keys.clear();
    model.Keys(prepared[i], &keys);
    if (keys.empty()) keys.push_back(Datum());  // unkeyed operations share one partition
    for (size_t j = 0; j < keys.size(); ++j) {
      int id = key_ids.Id(keys[j]);
      if (id == static_cast<int>(parent.size())) parent.push_back(id);
      if (j == 0) {
        first_key[i] = id;
        continue;
      }
      // Multi-key operations join their keys' partitions.
      int a = FindRoot(&parent, first_key[i]);
      int b = FindRoot(&parent, id);
      if (a != b) parent[std::max(a, b)] = std::min(a, b);
    }
  }
  std::unordered_map<int, int> root_to_partition;
  std::vector<std::vector<int>> partitions;
  for (size_t i = 0; i < prepared.size(); ++i) {
    int root = FindRoot(&parent, first_key[i]);
    auto [it, inserted] = root_to_partition.emplace(root, static_cast<int>(partitions.size()));
    if (inserted) partitions.emplace_back();
    partitions[it->second].push_back(static_cast<int>(i));
  }
  names->assign(partitions.size(), "");
  std::vector<std::vector<int>> members(partitions.size());
  for (size_t k = 0; k < key_ids.size(); ++k) {
    int root = FindRoot(&parent, static_cast<int>(k));
    members[root_to_partition.at(root)].push_back(static_cast<int>(k));
  }
  for (size_t p = 0; p < partitions.size(); ++p) {
    std::string& name = (*names)[p];
    for (size_t j = 0; j < members[p].size() && j < 8; ++j) {
      const Datum& k = key_ids.Value(members[p][j]);
      if (k.is_nil()) continue;
      if (!name.empty()) name += " ";
      name += k.ToText();
    }
    if (members[p].size() > 8) name += " ...";
  }
  return partitions;
}

// Class key of an operation for symmetry: operations with equal keys are interchangeable.
uint64_t SymmetryHash(const PreparedOp& p) {
  uint64_t h = std::hash<std::string>()(p.op->f);
  h = MixHash(h ^ p.op->key.Hash());
  h = MixHash(h ^ p.input.Hash());
  h = MixHash(h ^ p.output.Hash());
  return MixHash(h ^ static_cast<uint64_t>(p.role));
}

bool SameClass(const PreparedOp& a, const PreparedOp& b) {
  return a.role == b.role && a.op->f == b.op->f && a.op->key == b.op->key && a.input == b.input &&
         a.output == b.output;
}

std::vector<SearchOp> MakeSearchOps(const std::vector<const PreparedOp*>& ops) {
  std::vector<SearchOp> out(ops.size());
  // Operations with the same class hash, newest first: last_of_class maps a hash to the latest
  // member, previous_of_class chains back to earlier ones.
  FlatMap64 last_of_class(ops.size());
  std::vector<int> previous_of_class(ops.size(), -1);
  for (size_t i = 0; i < ops.size(); ++i) {
    const PreparedOp& p = *ops[i];
    SearchOp& s = out[i];
    s.call_pos = p.op->invoke_event;
    s.required = p.role == OpRole::kRequired;
    s.ret_pos = s.required ? p.op->complete_event : kNoReturn;
    uint64_t hash = SymmetryHash(p);
    if (hash == FlatMap64::kEmptyKey) hash = 0;
    const uint32_t* last = last_of_class.Find(hash);
    int member = last ? static_cast<int>(*last) : -1;
    previous_of_class[i] = member;
    // The latest earlier twin that completes no later than this one.
    for (int scanned = 0; member >= 0 && scanned < kSymmetryScan;
         member = previous_of_class[member], ++scanned) {
      const SearchOp& twin = out[member];
      if (twin.ret_pos <= s.ret_pos && twin.call_pos < s.call_pos && SameClass(*ops[member], p)) {
        s.pred = member;
        break;
      }
    }
    last_of_class.Insert(hash, static_cast<uint32_t>(i));
  }
  return out;
}

void FillCounterexample(const PartitionSearch& search, const std::vector<const PreparedOp*>& ops,
                        StepModel& model, Counterexample* cx) {
  const StuckPoint& stuck = search.stuck();
  const std::vector<SearchOp>& sops = search.ops();
  cx->partition_ops = static_cast<int>(ops.size());
  cx->failed_op = ops[stuck.op]->op->id;
  int stuck_pos = sops[stuck.op].ret_pos;
  auto linearized = [&](int local) {
    int bit = sops[local].bit;
    return (stuck.linearized[bit >> 6] >> (bit & 63)) & 1;
  };
  int window_start = sops[stuck.op].call_pos;
  for (size_t i = 0; i < sops.size(); ++i) {
    if (linearized(static_cast<int>(i))) {
      ++cx->linearized_before;
    } else if (static_cast<int>(i) != stuck.op && sops[i].call_pos < stuck_pos) {
      cx->open_ops.push_back(ops[i]->op->id);
      if (sops[i].required) window_start = std::min(window_start, sops[i].call_pos);
    }
  }
  for (uint32_t s : stuck.states) cx->states_tried.push_back(model.DescribeState(s));
  cx->states_truncated = stuck.states_truncated;
  for (const auto& [local, after] : stuck.last_steps) {
    cx->last_steps.push_back({ops[local]->op->id, model.DescribeState(after)});
  }
  // The window: the failed operation, the open ones, the last steps of the linearization that
  // got furthest (they made the state it failed in), and linearized ones that overlap them.
  constexpr size_t kMaxWindow = 60;
  cx->window.push_back(cx->failed_op);
  for (const LinearizedStep& step : cx->last_steps) cx->window.push_back(step.op);
  for (int id : cx->open_ops) {
    if (cx->window.size() < kMaxWindow / 2) cx->window.push_back(id);
  }
  for (size_t i = sops.size(); i-- > 0 && cx->window.size() < kMaxWindow;) {
    if (linearized(static_cast<int>(i)) && sops[i].call_pos < stuck_pos &&
        sops[i].ret_pos >= window_start) {
      cx->window.push_back(ops[i]->op->id);
    }
  }
  std::sort(cx->window.begin(), cx->window.end());
  cx->window.erase(std::unique(cx->window.begin(), cx->window.end()), cx->window.end());
}

}  // namespace

bool CheckLinearizability(const OpHistory& history, const Model& model, const CheckBudget& budget,
                          LinearizabilityResult* result, std::string* error) {
  *result = LinearizabilityResult{};
  result->model = std::string(model.name());
  std::vector<PreparedOp> prepared;
  prepared.reserve(history.ops.size());
  for (const Operation& op : history.ops) {
    PreparedOp p;
    std::string why;
    if (!model.Prepare(op, &p, &why)) {
      *error = "line " +
               std::to_string(op.status == OpStatus::kOk ? op.complete_line : op.invoke_line) +
               ": " + why;
      return false;
    }
    if (p.role == OpRole::kDrop) {
      ++result->dropped;
      continue;
    }
    prepared.push_back(std::move(p));
  }
  result->operations = static_cast<int>(prepared.size());
  std::vector<std::string> names;
  std::vector<std::vector<int>> partitions = Partition(model, prepared, &names);
  result->partitions = static_cast<int>(partitions.size());
  // Partitions are searched in slices, round-robin, with the slice doubling each round, so a
  // partition that fails quickly is found quickly even when another one is expensive (what
  // Porcupine gets from searching partitions in parallel), and the result stays deterministic.
  struct Live {
    size_t partition;
    std::vector<const PreparedOp*> ops;
    std::unique_ptr<PartitionSearch> search;
    uint64_t configurations = 0;
    size_t memory = 0;
  };
  std::vector<Live> live;
  uint64_t finished_configurations = 0, live_configurations = 0;
  size_t live_memory = 0;
  bool unknown = false, stop = false, violated = false;
  uint64_t slice = kFirstSliceSteps;
  // Runs one slice of `l`; keeps it in `live` when it paused.
  auto run_slice = [&](Live l) {
    std::string why;
    PartitionSearch::Outcome outcome =
        l.search->Run(slice, finished_configurations + live_configurations, live_memory, &why);
    l.configurations = l.search->configurations();
    l.memory = l.search->MemoryBytes();
    result->peak_memory_bytes =
        std::max(result->peak_memory_bytes, live_memory + l.search->peak_memory());
    if (outcome == PartitionSearch::Outcome::kPaused) {
      live_configurations += l.configurations;
      live_memory += l.memory;
      live.push_back(std::move(l));
      return;
    }
    finished_configurations += l.configurations;
    result->model_states += l.search->model().NumStates();
    result->transitions += l.search->model().NumTransitions();
    if (outcome == PartitionSearch::Outcome::kNotLinearizable) {
      violated = stop = true;
      Counterexample cx;
      cx.partition = names[l.partition];
      FillCounterexample(*l.search, l.ops, l.search->model(), &cx);
      result->counterexample = std::move(cx);
    } else if (outcome == PartitionSearch::Outcome::kOutOfBudget) {
      unknown = true;
      result->reason = why;
      // Out of time or of configurations ends everything; out of memory only this partition
      // (others may still show a definite violation).
      if (why.rfind("memory", 0) != 0) stop = true;
    }
  };
  // First round: every partition in order, compiled only when its turn comes so that the ones
  // that finish in their first slice never hold memory at the same time.
  for (size_t p = 0; p < partitions.size() && !stop; ++p) {
    Live l;
    l.partition = p;
    bool any_required = false;
    for (int i : partitions[p]) {
      l.ops.push_back(&prepared[i]);
      any_required = any_required || prepared[i].role == OpRole::kRequired;
    }
    if (!any_required) continue;  // optional operations alone can all "never happen"
    if (static_cast<int>(l.ops.size()) > kMaxPartitionOps) {
      unknown = true;
      result->reason = "partition too large (" + std::to_string(l.ops.size()) + " operations)";
      continue;
    }
    std::string why;
    std::unique_ptr<StepModel> step = model.Compile(l.ops, &why);
    if (!step) {
      *error = why;
      return false;
    }
    l.search = std::make_unique<PartitionSearch>(MakeSearchOps(l.ops), std::move(step), budget);
    run_slice(std::move(l));
  }
  while (!stop && !live.empty()) {
    slice *= 2;
    std::vector<Live> round = std::move(live);
    live.clear();
    live_configurations = 0;
    live_memory = 0;
    for (Live& l : round) {
      live_configurations += l.configurations;
      live_memory += l.memory;
    }
    for (Live& l : round) {
      if (stop) {
        live.push_back(std::move(l));
        continue;
      }
      live_configurations -= l.configurations;
      live_memory -= l.memory;
      run_slice(std::move(l));
    }
  }
  if (violated) {
    result->verdict = Verdict::kNotLinearizable;
    result->configurations = finished_configurations + live_configurations;
    return true;
  }
  for (const Live& l : live) {
    result->model_states += l.search->model().NumStates();
    result->transitions += l.search->model().NumTransitions();
  }
  result->configurations = finished_configurations + live_configurations;
  result->verdict = unknown ? Verdict::kUnknown : Verdict::kLinearizable;
  return true;
}

}  // namespace redsim::checkers
