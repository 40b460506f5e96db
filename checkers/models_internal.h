// Shared helpers for the model files (not part of the checkers' public API).
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "checkers/model.h"

namespace redsim::checkers::internal {

// Each model file appends its models to the registry.
void AddRegisterModels(std::vector<const Model*>* out);
void AddCollectionModels(std::vector<const Model*>* out);
void AddKvModels(std::vector<const Model*>* out);
void AddTxnAndLockModels(std::vector<const Model*>* out);

inline bool OneOf(std::string_view f, std::initializer_list<std::string_view> names) {
  for (std::string_view n : names) {
    if (f == n) return true;
  }
  return false;
}

// Applies the common role rules: ok -> required; fail -> drop; info/pending -> optional, or
// drop when `read_only` (an unknown read constrains nothing).
inline OpRole DefaultRole(const Operation& op, bool read_only) {
  switch (op.status) {
    case OpStatus::kOk:
      return OpRole::kRequired;
    case OpStatus::kFail:
      return OpRole::kDrop;
    case OpStatus::kInfo:
    case OpStatus::kPending:
      return read_only ? OpRole::kDrop : OpRole::kOptional;
  }
  return OpRole::kDrop;
}

// The argument of a mutating operation: the invocation's value, or the completion's when the
// invocation carries none (Knossos histories sometimes only fill in the completion).
inline const Datum& ArgumentOf(const Operation& op) {
  if (op.input.is_nil() && op.status == OpStatus::kOk) return op.output;
  return op.input;
}

inline bool UnknownF(const Operation& op, std::string_view model, std::string* error) {
  *error = "model " + std::string(model) + " has no operation '" + op.f + "'";
  return false;
}

// Text of a Datum used as a string value: strings as they are, integers in decimal.
inline bool AsText(const Datum& d, std::string* out) {
  if (d.is_name()) {
    *out = d.text();
    return true;
  }
  if (d.is_int()) {
    *out = std::to_string(d.int_value());
    return true;
  }
  return false;
}

}  // namespace redsim::checkers::internal
