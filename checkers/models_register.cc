// Register models: register, cas-register and the two readings of external histories
// (etcd-cas-register as Porcupine reads the Jepsen etcd logs, knossos-cas-register as Knossos
// reads its EDN histories). See checkers/README.md for the operations each accepts.
#include <string>

#include "checkers/flat_hash.h"
#include "checkers/models_internal.h"

namespace redsim::checkers {
namespace {

using internal::ArgumentOf;
using internal::OneOf;

struct RegisterOptions {
  std::string_view name;
  std::string_view summary;
  bool has_cas = true;
  bool initial_zero = false;          // Knossos: the register starts at 0, not absent
  bool nil_read_matches_any = false;  // Knossos: a read that returned nil matches any state
  bool fail_cas_is_mismatch = false;  // etcd reading: a failed cas observed a mismatch
};

constexpr int32_t kAbsent = -1;
constexpr int32_t kAnyValue = -2;

enum class RegKind : uint8_t { kRead, kWrite, kCasSwap, kCasMismatch };

struct RegisterOp {
  RegKind kind;
  int32_t a = 0;  // read: value seen; write: value; cas: expected
  int32_t b = 0;  // cas: new value
};

// Register states are value ids (shifted by one so that 0 is "absent"); a step is a couple of
// comparisons, cheaper than any memo lookup, so nothing is interned or memoised.
class RegisterStepModel final : public StepModel {
 public:
  RegisterStepModel(std::vector<RegisterOp> ops, std::vector<Datum> values, int32_t initial)
      : ops_(std::move(ops)), values_(std::move(values)), initial_(initial) {}

  uint32_t Initial() override { return Encode(initial_); }

  uint32_t Step(uint32_t state, uint32_t op) override {
    const RegisterOp& o = ops_[op];
    int32_t v = static_cast<int32_t>(state) - 1;
    switch (o.kind) {
      case RegKind::kRead:
        return o.a == kAnyValue || o.a == v ? state : kIllegal;
      case RegKind::kWrite:
        return Encode(o.a);
      case RegKind::kCasSwap:
        return v == o.a ? Encode(o.b) : kIllegal;
      case RegKind::kCasMismatch:
        return v != o.a ? state : kIllegal;
    }
    return kIllegal;
  }

  bool ReadOnly(uint32_t op) const override {
    return ops_[op].kind == RegKind::kRead || ops_[op].kind == RegKind::kCasMismatch;
  }

  bool Blind(uint32_t op) const override { return ops_[op].kind == RegKind::kWrite; }

  std::string DescribeState(uint32_t state) const override {
    return state == 0 ? "absent" : values_[state - 1].ToText();
  }
  size_t MemoryBytes() const override { return ops_.capacity() * sizeof(RegisterOp); }
  size_t NumStates() const override { return values_.size() + 1; }
  size_t NumTransitions() const override { return 0; }  // computed on the fly

 private:
  static uint32_t Encode(int32_t value) { return static_cast<uint32_t>(value + 1); }

  std::vector<RegisterOp> ops_;
  std::vector<Datum> values_;
  int32_t initial_;
};

// A cas result: true when it swapped. Accepts true/false, 1/0, nil (ok carries no result) and
// Jepsen's echo of the [expected new] pair.
bool CasSwapped(const Datum& output, bool* swapped) {
  if (output.is_nil() || output.is_list()) {
    *swapped = true;
  } else if (output.is_bool()) {
    *swapped = output.bool_value();
  } else if (output.is_int() && (output.int_value() == 0 || output.int_value() == 1)) {
    *swapped = output.int_value() == 1;
  } else {
    return false;
  }
  return true;
}

class RegisterModel final : public Model {
 public:
  explicit RegisterModel(RegisterOptions options) : options_(options) {}
  std::string_view name() const override { return options_.name; }
  std::string_view summary() const override { return options_.summary; }

  bool Prepare(const Operation& op, PreparedOp* out, std::string* error) const override {
    out->op = &op;
    if (OneOf(op.f, {"read", "get", "r"})) {
      out->role = internal::DefaultRole(op, /*read_only=*/true);
      out->output = op.output;
      return true;
    }
    if (OneOf(op.f, {"write", "set", "put", "w"})) {
      out->role = internal::DefaultRole(op, false);
      out->input = ArgumentOf(op);
      return true;
    }
    if (options_.has_cas && OneOf(op.f, {"cas", "compare-and-set"}))
      return PrepareCas(op, out, error);
    return internal::UnknownF(op, options_.name, error);
  }

  std::unique_ptr<StepModel> Compile(const std::vector<const PreparedOp*>& ops,
                                     std::string* error) const override {
    (void)error;
    DatumIds ids;
    std::vector<RegisterOp> compiled;
    compiled.reserve(ops.size());
    for (const PreparedOp* p : ops) {
      RegisterOp r;
      const std::string& f = p->op->f;
      if (OneOf(f, {"read", "get", "r"})) {
        r.kind = RegKind::kRead;
        if (p->output.is_nil()) {
          r.a = options_.nil_read_matches_any ? kAnyValue : kAbsent;
        } else {
          r.a = ids.Id(p->output);
        }
      } else if (OneOf(f, {"write", "set", "put", "w"})) {
        r.kind = RegKind::kWrite;
        r.a = p->input.is_nil() ? kAbsent : ids.Id(p->input);
      } else {
        const Datum::List& pair = p->input.items();
        r.kind = p->output.is_bool() && !p->output.bool_value() ? RegKind::kCasMismatch
                                                                : RegKind::kCasSwap;
        r.a = pair[0].is_nil() ? kAbsent : ids.Id(pair[0]);
        r.b = pair[1].is_nil() ? kAbsent : ids.Id(pair[1]);
      }
      compiled.push_back(r);
    }
    int32_t initial = options_.initial_zero ? ids.Id(Datum::Int(0)) : kAbsent;
    std::vector<Datum> values;
    for (size_t i = 0; i < ids.size(); ++i) values.push_back(ids.Value(static_cast<int32_t>(i)));
    return std::make_unique<RegisterStepModel>(std::move(compiled), std::move(values), initial);
  }

 private:
  bool PrepareCas(const Operation& op, PreparedOp* out, std::string* error) const {
    const Datum& arg = ArgumentOf(op);
    if (!arg.is_list() || arg.items().size() != 2) {
      *error = "cas value must be [expected new], not " + arg.ToText();
      return false;
    }
    out->input = arg;
    if (op.status == OpStatus::kFail) {
      // The etcd reading: the cas ran and its compare did not match (an observation).
      out->role = options_.fail_cas_is_mismatch ? OpRole::kRequired : OpRole::kDrop;
      out->output = Datum::Bool(false);
      return true;
    }
    out->role = internal::DefaultRole(op, false);
    bool swapped = true;
    if (op.status == OpStatus::kOk && !CasSwapped(op.output, &swapped)) {
      *error =
          "cas result must be true/false (or the [expected new] pair), not " + op.output.ToText();
      return false;
    }
    // An unknown cas may only have taken effect by swapping: a mismatch changes nothing, which
    // is the same as not happening.
    out->output = Datum::Bool(op.status == OpStatus::kOk ? swapped : true);
    if (op.status == OpStatus::kOk && !swapped) out->role = OpRole::kRequired;
    return true;
  }

  RegisterOptions options_;
};

}  // namespace

void internal::AddRegisterModels(std::vector<const Model*>* out) {
  static const RegisterModel kRegister({"register", "read/write register; starts absent", false});
  static const RegisterModel kCasRegister(
      {"cas-register", "read/write/cas register; starts absent; cas ok false = compare failed"});
  static const RegisterModel kEtcd({"etcd-cas-register",
                                    "Porcupine's reading of Jepsen etcd logs: starts absent, "
                                    "a failed cas observed a mismatch",
                                    true, false, false, true});
  static const RegisterModel kKnossos({"knossos-cas-register",
                                       "Knossos's reading: starts at 0, nil reads match "
                                       "anything, failed ops never happened",
                                       true, true, true, false});
  out->push_back(&kRegister);
  out->push_back(&kCasRegister);
  out->push_back(&kEtcd);
  out->push_back(&kKnossos);
}

}  // namespace redsim::checkers
