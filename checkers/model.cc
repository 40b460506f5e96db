#include "checkers/model.h"

#include "checkers/models_internal.h"

namespace redsim::checkers {

void Model::Keys(const PreparedOp& op, std::vector<Datum>* keys) const {
  if (!op.op->key.is_nil()) keys->push_back(op.op->key);
}

std::vector<const Model*> AllModels() {
  static const std::vector<const Model*> kModels = [] {
    std::vector<const Model*> models;
    internal::AddRegisterModels(&models);
    internal::AddCollectionModels(&models);
    internal::AddKvModels(&models);
    internal::AddTxnAndLockModels(&models);
    return models;
  }();
  return kModels;
}

const Model* FindModel(std::string_view name) {
  for (const Model* m : AllModels()) {
    if (m->name() == name) return m;
  }
  return nullptr;
}

std::string DefaultModelFor(const History& history) {
  if (!history.model.empty()) return history.model;
  if (history.format == "jepsen") return "etcd-cas-register";
  if (history.format == "porcupine-kv") return "kv-append";
  if (history.format == "edn") {
    for (const Event& e : history.events) {
      if (!e.nemesis && e.f == "txn") return "knossos-multi-register";
    }
    return "knossos-cas-register";
  }
  return "";
}

}  // namespace redsim::checkers
