#include "checkers/election_safety.h"

#include <algorithm>
#include <map>

namespace redsim::checkers {

namespace {

// The first node seen in each epoch for one kind of event; a second, different node is a
// violation (reported once per epoch and node).
void CheckUniquePerEpoch(const std::vector<const EpochEvent*>& events, EpochEvent::Kind kind,
                         const char* violation, const char* what, CheckOutcome* out) {
  std::map<int64_t, const EpochEvent*> first;
  std::map<int64_t, std::vector<std::string>> reported;
  for (const EpochEvent* e : events) {
    if (e->kind != kind) continue;
    auto [it, inserted] = first.emplace(e->epoch, e);
    if (inserted || it->second->node == e->node) continue;
    std::vector<std::string>& seen = reported[e->epoch];
    if (std::find(seen.begin(), seen.end(), e->node) != seen.end()) continue;
    seen.push_back(e->node);
    out->Add(violation,
             std::string("epoch ") + std::to_string(e->epoch) + ": " + e->node + " " + what +
                 " at " + std::to_string(e->time_ns) + " ns, but " + it->second->node +
                 " already did at " + std::to_string(it->second->time_ns) + " ns",
             e->time_ns);
  }
}

}  // namespace

CheckOutcome CheckElectionSafety(const std::vector<EpochEvent>& events) {
  CheckOutcome out;
  out.checker = "election-safety";
  std::vector<const EpochEvent*> ordered;
  for (const EpochEvent& e : events) ordered.push_back(&e);
  std::stable_sort(ordered.begin(), ordered.end(), [](const EpochEvent* a, const EpochEvent* b) {
    return a->time_ns < b->time_ns;
  });
  CheckUniquePerEpoch(ordered, EpochEvent::Kind::kPromoted, "two-promotions-in-epoch",
                      "was promoted", &out);
  CheckUniquePerEpoch(ordered, EpochEvent::Kind::kAcceptedWrite, "two-primaries-in-epoch",
                      "accepted a write as primary", &out);
  std::map<std::string, const EpochEvent*> last;
  std::map<int64_t, bool> epochs;
  for (const EpochEvent* e : ordered) {
    epochs[e->epoch] = true;
    auto [it, inserted] = last.emplace(e->node, e);
    if (inserted) continue;
    if (e->epoch < it->second->epoch) {
      out.Add("epoch-went-backwards",
              e->node + " reported epoch " + std::to_string(e->epoch) + " at " +
                  std::to_string(e->time_ns) + " ns after epoch " +
                  std::to_string(it->second->epoch) + " at " + std::to_string(it->second->time_ns) +
                  " ns",
              e->time_ns);
      continue;  // keep the highest epoch as the reference
    }
    it->second = e;
  }
  out.summary = std::to_string(events.size()) + " events from " + std::to_string(last.size()) +
                " nodes over " + std::to_string(epochs.size()) + " epochs";
  return out;
}

}  // namespace redsim::checkers
