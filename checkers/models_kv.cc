// The string key/value models: kv (each key a string that starts absent; get/put/append/delete)
// and kv-append (Porcupine's kv logs: each key starts as ""; get/put/append).
//
// States are strings that appends make long, and the search visits many of them, so a state is
// stored as a rope node (parent state + appended piece) with its length and a polynomial hash
// of its bytes (mod 2^61-1). Interning and reads compare hashes first and then the bytes
// themselves, so a hash collision costs time, never a wrong verdict.
#include <string>

#include "checkers/flat_hash.h"
#include "checkers/models_internal.h"

namespace redsim::checkers {
namespace {

using internal::OneOf;

constexpr uint64_t kMod = (uint64_t{1} << 61) - 1;
constexpr uint64_t kBase = 0x1d3a6c5f9b2e4871ULL % kMod;

uint64_t MulMod(uint64_t a, uint64_t b) {
  __uint128_t p = static_cast<__uint128_t>(a) * b;
  uint64_t r = static_cast<uint64_t>(p & kMod) + static_cast<uint64_t>(p >> 61);
  return r >= kMod ? r - kMod : r;
}

uint64_t AddMod(uint64_t a, uint64_t b) {
  uint64_t r = a + b;
  return r >= kMod ? r - kMod : r;
}

enum class KvKind : uint8_t { kGet, kPut, kAppend, kDelete };

bool KindOf(const std::string& f, KvKind* kind) {
  if (OneOf(f, {"get", "read", "r"}))
    *kind = KvKind::kGet;
  else if (OneOf(f, {"put", "set", "write", "w"}))
    *kind = KvKind::kPut;
  else if (f == "append")
    *kind = KvKind::kAppend;
  else if (OneOf(f, {"delete", "del"}))
    *kind = KvKind::kDelete;
  else
    return false;
  return true;
}

struct KvOp {
  KvKind kind = KvKind::kGet;
  bool expect_present = false;          // get
  std::string text;                     // get: expected value; put/append: argument
  uint64_t hash = 0;                    // hash of text
  uint64_t power = 1;                   // kBase^|text|
  std::vector<uint32_t> useful_resets;  // get: puts of a prefix of its value, and deletes
};

class KvStepModel final : public StepModel {
 public:
  KvStepModel(std::vector<KvOp> ops, bool start_present)
      : ops_(std::move(ops)), index_(ops_.size()), memo_(ops_.size() * 2) {
    initial_ = Intern({-1, -1, 0, start_present, 0});
  }

  uint32_t Initial() override { return initial_; }

  uint32_t Step(uint32_t state, uint32_t op) override {
    const KvOp& o = ops_[op];
    if (o.kind == KvKind::kGet) {
      // Reads are tried far more often than anything else: decide them from the node itself
      // and only consult the memo (for the byte comparison) when length and hash agree.
      const Node& n = nodes_[state];
      if (n.present != o.expect_present) return kIllegal;
      if (!n.present) return state;
      if (n.length != o.text.size() || n.hash != o.hash) return kIllegal;
    }
    uint64_t key = (static_cast<uint64_t>(state) << 32) | op;
    if (const uint32_t* cached = memo_.Find(key)) return *cached;
    uint32_t result = Compute(state, ops_[op], static_cast<int32_t>(op));
    memo_.Insert(key, result);
    return result;
  }

  bool ReadOnly(uint32_t op) const override { return ops_[op].kind == KvKind::kGet; }

  bool Blind(uint32_t op) const override {
    return ops_[op].kind == KvKind::kPut || ops_[op].kind == KvKind::kDelete;
  }

  // Appends only extend a value (absent counts as the empty prefix of everything).
  bool Monotone(uint32_t op) const override { return ops_[op].kind == KvKind::kAppend; }

  // A get that no extension of the state satisfies needs a put of a prefix of its value, or a
  // delete, that can still come first.
  bool Doomed(uint32_t state, uint32_t op, const LinearizedView& view) override {
    const KvOp& o = ops_[op];
    if (o.kind != KvKind::kGet || MayBecomeLegal(state, op)) return false;
    for (uint32_t reset : o.useful_resets) {
      if (reset == UINT32_MAX || view.CanPrecede(reset, op)) return false;
    }
    return true;
  }

  bool MayBecomeLegal(uint32_t state, uint32_t read) override {
    const Node& n = nodes_[state];
    const KvOp& o = ops_[read];
    if (!o.expect_present) return !n.present;
    if (!n.present) return true;
    if (n.length > o.text.size()) return false;
    uint64_t key = (static_cast<uint64_t>(state) << 32) | read | 0x80000000u;
    if (const uint32_t* cached = memo_.Find(key)) return *cached != 0;
    bool prefix = EndsWith(state, std::string_view(o.text).substr(0, n.length), true);
    memo_.Insert(key, prefix ? 1 : 0);
    return prefix;
  }

  std::string DescribeState(uint32_t state) const override {
    const Node& n = nodes_[state];
    if (!n.present) return "absent";
    std::string value = Materialize(state);
    std::string out;
    constexpr size_t kMaxShown = 2000;
    if (value.size() > kMaxShown) {
      AppendJsonString(value.substr(value.size() - kMaxShown), &out);
      return "(" + std::to_string(value.size()) + " bytes, ending) " + out;
    }
    AppendJsonString(value, &out);
    return out;
  }

  size_t MemoryBytes() const override {
    return memo_.MemoryBytes() + index_.MemoryBytes() + nodes_.capacity() * sizeof(Node) +
           chain_.capacity() * sizeof(int32_t);
  }
  size_t NumStates() const override { return nodes_.size(); }
  size_t NumTransitions() const override { return memo_.size(); }

 private:
  struct Node {
    int32_t parent;  // -1: the piece is the whole value
    int32_t piece;   // op whose text ends this value; -1: empty
    uint32_t length;
    bool present;
    uint64_t hash;
  };

  uint32_t Compute(uint32_t state, const KvOp& op, int32_t op_index) {
    const Node& s = nodes_[state];
    switch (op.kind) {
      case KvKind::kGet:
        if (s.present != op.expect_present) return kIllegal;
        if (!s.present) return state;
        return s.length == op.text.size() && s.hash == op.hash && EndsWith(state, op.text, true)
                   ? state
                   : kIllegal;
      case KvKind::kPut:
        return Intern({-1, op_index, static_cast<uint32_t>(op.text.size()), true, op.hash});
      case KvKind::kAppend:
        if (!s.present || s.length == 0) {
          return Intern({-1, op_index, static_cast<uint32_t>(op.text.size()), true, op.hash});
        }
        return Intern({static_cast<int32_t>(state), op_index,
                       s.length + static_cast<uint32_t>(op.text.size()), true,
                       AddMod(MulMod(s.hash, op.power), op.hash)});
      case KvKind::kDelete:
        return Intern({-1, -1, 0, false, 0});
    }
    return kIllegal;
  }

  // Whether the value of `state` ends with `text` (equals it when `whole`), comparing piece by
  // piece from the end without building the string.
  bool EndsWith(uint32_t state, std::string_view text, bool whole) const {
    size_t pos = text.size();
    int32_t id = static_cast<int32_t>(state);
    while (id >= 0) {
      const Node& n = nodes_[id];
      if (n.piece >= 0) {
        const std::string& piece = ops_[n.piece].text;
        if (piece.size() > pos) return false;
        pos -= piece.size();
        if (text.compare(pos, piece.size(), piece) != 0) return false;
      }
      id = n.parent;
    }
    return !whole || pos == 0;
  }

  std::string Materialize(uint32_t state) const {
    std::string out(nodes_[state].length, '\0');
    size_t pos = out.size();
    for (int32_t id = static_cast<int32_t>(state); id >= 0; id = nodes_[id].parent) {
      const Node& n = nodes_[id];
      if (n.piece < 0) continue;
      const std::string& piece = ops_[n.piece].text;
      pos -= piece.size();
      out.replace(pos, piece.size(), piece);
    }
    return out;
  }

  bool SameValue(const Node& a, uint32_t b_id) const {
    const Node& b = nodes_[b_id];
    if (a.present != b.present || a.length != b.length || a.hash != b.hash) return false;
    if (!a.present || a.length == 0) return true;
    // Rare: equal hashes; compare the bytes.
    std::string value = a.parent >= 0 ? Materialize(static_cast<uint32_t>(a.parent)) : "";
    if (a.piece >= 0) value += ops_[a.piece].text;
    return EndsWith(b_id, value, true);
  }

  uint32_t Intern(const Node& node) {
    uint64_t key =
        MixHash(node.hash ^ (static_cast<uint64_t>(node.length) << 1) ^ (node.present ? 0x9d : 0));
    if (key == FlatMap64::kEmptyKey) key = 0;
    const uint32_t* head = index_.Find(key);
    for (int32_t id = head ? static_cast<int32_t>(*head) : -1; id >= 0; id = chain_[id]) {
      if (SameValue(node, static_cast<uint32_t>(id))) return static_cast<uint32_t>(id);
    }
    uint32_t id = static_cast<uint32_t>(nodes_.size());
    nodes_.push_back(node);
    chain_.push_back(head ? static_cast<int32_t>(*head) : -1);
    index_.Insert(key, id);
    return id;
  }

  std::vector<KvOp> ops_;
  std::vector<Node> nodes_;
  std::vector<int32_t> chain_;  // next state with the same index key
  FlatMap64 index_;             // value key -> most recent state with it
  FlatMap64 memo_;
  uint32_t initial_ = 0;
};

// For each get: the puts whose value starts its value, and every delete (after a delete,
// appends can build anything). Bounded per get: past the bound the get is never doomed, which
// only costs pruning.
void LinkUsefulResets(std::vector<KvOp>* ops) {
  constexpr size_t kMaxUsefulResets = 64;
  std::vector<uint32_t> puts, deletes;
  for (size_t i = 0; i < ops->size(); ++i) {
    if ((*ops)[i].kind == KvKind::kPut) puts.push_back(static_cast<uint32_t>(i));
    if ((*ops)[i].kind == KvKind::kDelete) deletes.push_back(static_cast<uint32_t>(i));
  }
  for (KvOp& get : *ops) {
    if (get.kind != KvKind::kGet) continue;
    std::vector<uint32_t>& useful = get.useful_resets;
    useful = deletes;
    for (uint32_t p : puts) {
      if (get.expect_present && std::string_view(get.text).starts_with((*ops)[p].text))
        useful.push_back(p);
    }
    if (useful.size() > kMaxUsefulResets) useful.assign(1, UINT32_MAX);  // "unknown": never doomed
  }
}

class KvModel final : public Model {
 public:
  explicit KvModel(bool porcupine) : porcupine_(porcupine) {}
  std::string_view name() const override { return porcupine_ ? "kv-append" : "kv"; }
  std::string_view summary() const override {
    return porcupine_
               ? "Porcupine's kv logs: per-key string starting as \"\"; get/put/append"
               : "string per key, starts absent: get (nil = absent), put/set, append, delete";
  }

  bool Prepare(const Operation& op, PreparedOp* out, std::string* error) const override {
    out->op = &op;
    KvKind kind;
    if (!KindOf(op.f, &kind)) return internal::UnknownF(op, name(), error);
    out->role = internal::DefaultRole(op, kind == KvKind::kGet);
    std::string text;
    if (kind == KvKind::kGet) {
      if (out->role == OpRole::kRequired && !op.output.is_nil() &&
          !internal::AsText(op.output, &text)) {
        *error = "get must return a string or nil, not " + op.output.ToText();
        return false;
      }
      out->output = op.output;
      return true;
    }
    if (kind == KvKind::kDelete) return true;
    out->input = internal::ArgumentOf(op);
    if (!internal::AsText(out->input, &text)) {
      *error = op.f + " needs a string value, not " + out->input.ToText();
      return false;
    }
    return true;
  }

  std::unique_ptr<StepModel> Compile(const std::vector<const PreparedOp*>& ops,
                                     std::string*) const override {
    std::vector<KvOp> compiled;
    compiled.reserve(ops.size());
    for (const PreparedOp* p : ops) {
      KvOp k;
      KindOf(p->op->f, &k.kind);
      if (k.kind == KvKind::kGet) {
        // kv-append: a never-written key reads as "" and a nil result means "".
        k.expect_present = porcupine_ || !p->output.is_nil();
        internal::AsText(p->output, &k.text);
      } else if (k.kind != KvKind::kDelete) {
        internal::AsText(p->input, &k.text);
      }
      for (unsigned char c : k.text) {
        k.hash = AddMod(MulMod(k.hash, kBase), c + 1);
        k.power = MulMod(k.power, kBase);
      }
      compiled.push_back(std::move(k));
    }
    LinkUsefulResets(&compiled);
    return std::make_unique<KvStepModel>(std::move(compiled), porcupine_);
  }

 private:
  bool porcupine_;
};

}  // namespace

void internal::AddKvModels(std::vector<const Model*>* out) {
  static const KvModel kKv(false);
  static const KvModel kKvAppend(true);
  out->push_back(&kKv);
  out->push_back(&kKvAppend);
}

}  // namespace redsim::checkers
