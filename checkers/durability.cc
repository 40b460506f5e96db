#include "checkers/durability.h"

#include <algorithm>
#include <set>

namespace redsim::checkers {

const char* FsyncPolicyName(FsyncPolicy policy) {
  switch (policy) {
    case FsyncPolicy::kAlways:
      return "always";
    case FsyncPolicy::kEverysec:
      return "everysec";
    case FsyncPolicy::kNo:
      return "no";
  }
  return "?";
}

bool ParseFsyncPolicy(std::string_view name, FsyncPolicy* out) {
  for (FsyncPolicy p : {FsyncPolicy::kAlways, FsyncPolicy::kEverysec, FsyncPolicy::kNo}) {
    if (name == FsyncPolicyName(p)) {
      *out = p;
      return true;
    }
  }
  return false;
}

namespace {

constexpr int kSurvivorBefore = -1;   // the value from `before` (or its absence) is still there
constexpr int kSurvivorNone = -2;     // nothing explains the recovered state: data was lost
constexpr int kSurvivorCorrupt = -3;  // a value nobody wrote

std::string Show(const std::optional<std::string>& v) {
  if (!v) return "(deleted)";
  return "\"" + (v->size() > 60 ? v->substr(0, 57) + "..." : *v) + "\"";
}

std::string WriteText(const DurableWrite& w) {
  std::string s = "write";
  if (w.id >= 0) s += " #" + std::to_string(w.id);
  s += " " + w.key + "=" + Show(w.value);
  return s;
}

std::string Ms(int64_t ns) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%.1f ms", ns / 1e6);
  return buf;
}

// The write (index into `writes`) whose effect each key shows after the crash.
std::map<std::string, int> FindSurvivors(const DurabilityInput& in, CheckOutcome* outcome) {
  std::map<std::string, std::vector<int>> by_key;
  for (size_t i = 0; i < in.writes.size(); ++i)
    by_key[in.writes[i].key].push_back(static_cast<int>(i));
  std::set<std::string> keys;
  for (const auto& [k, v] : in.before) keys.insert(k);
  for (const auto& [k, v] : in.after) keys.insert(k);
  for (const auto& [k, v] : by_key) keys.insert(k);
  std::map<std::string, int> survivor;
  for (const std::string& key : keys) {
    auto recovered_it = in.after.find(key);
    std::optional<std::string> recovered;
    if (recovered_it != in.after.end()) recovered = recovered_it->second;
    auto before_it = in.before.find(key);
    std::optional<std::string> initial;
    if (before_it != in.before.end()) initial = before_it->second;
    int found = -1;
    int64_t latest = INT64_MIN;
    for (int i : by_key[key]) {
      const DurableWrite& w = in.writes[i];
      if (w.value == recovered && w.invoke_ns >= latest) {
        found = i;
        latest = w.invoke_ns;
      }
    }
    if (found >= 0) {
      survivor[key] = found;
    } else if (recovered == initial) {
      survivor[key] = kSurvivorBefore;
    } else if (!recovered) {
      survivor[key] = kSurvivorNone;
    } else {
      survivor[key] = kSurvivorCorrupt;
      outcome->Add("corrupt-value", "key " + key + " came back as " + Show(recovered) +
                                        ", a value no write produced (before the crash it was " +
                                        Show(initial) + ")");
    }
  }
  return survivor;
}

}  // namespace

DurabilityResult CheckDurability(const DurabilityInput& in) {
  DurabilityResult result;
  CheckOutcome& outcome = result.outcome;
  outcome.checker = "durability";
  std::map<std::string, int> survivor = FindSurvivors(in, &outcome);

  // Data that was on disk before this epoch must still be there (or have been overwritten).
  for (const auto& [key, value] : in.before) {
    if (survivor[key] == kSurvivorNone) {
      outcome.Add("lost-existing-data", "key " + key + "=" + Show(value) +
                                            ", read back after the previous restart, is gone");
    }
  }
  // The latest-invoked surviving write: everything acknowledged before it must have survived.
  int latest_survivor = -1;
  for (const auto& [key, s] : survivor) {
    if (s >= 0 &&
        (latest_survivor < 0 || in.writes[s].invoke_ns > in.writes[latest_survivor].invoke_ns)) {
      latest_survivor = s;
    }
  }
  auto survived = [&](int i) {
    const DurableWrite& w = in.writes[i];
    int s = survivor[w.key];
    if (s == i) return true;
    if (s < 0) return s == kSurvivorCorrupt;  // corruption is reported once, above
    const DurableWrite& sw = in.writes[s];
    return !(sw.ack_ns >= 0 && sw.ack_ns < w.invoke_ns);  // sw may have been applied after w
  };
  int64_t policy_deadline = in.policy == FsyncPolicy::kAlways ? in.crash_ns
                            : in.policy == FsyncPolicy::kEverysec
                                ? in.crash_ns - in.everysec_window_ns
                                : INT64_MIN;
  std::vector<int> order(in.writes.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  std::sort(order.begin(), order.end(),
            [&](int a, int b) { return in.writes[a].ack_ns < in.writes[b].ack_ns; });
  int64_t earliest_lost_ack = -1;
  for (int i : order) {
    const DurableWrite& w = in.writes[i];
    if (w.ack_ns < 0 || w.ack_ns > in.crash_ns) continue;
    ++result.acknowledged;
    if (survived(i)) continue;
    ++result.lost_acknowledged;
    if (earliest_lost_ack < 0) earliest_lost_ack = w.ack_ns;
    if (w.ack_ns <= policy_deadline) {
      outcome.Add("lost-acknowledged-write",
                  WriteText(w) + " was acknowledged " + Ms(in.crash_ns - w.ack_ns) +
                      " before the crash and is lost (appendfsync " + FsyncPolicyName(in.policy) +
                      (in.policy == FsyncPolicy::kEverysec
                           ? " allows losing the last " + Ms(in.everysec_window_ns)
                           : std::string()) +
                      ")",
                  w.ack_ns);
    } else if (latest_survivor >= 0 && w.ack_ns < in.writes[latest_survivor].invoke_ns) {
      const DurableWrite& s = in.writes[latest_survivor];
      outcome.Add("not-a-prefix",
                  WriteText(w) + " is lost but " + WriteText(s) +
                      ", invoked after it was acknowledged, survived: the "
                      "recovered data is not a prefix of the applied writes",
                  w.ack_ns);
    }
  }
  if (earliest_lost_ack >= 0) result.loss_window_ns = in.crash_ns - earliest_lost_ack;
  outcome.summary = std::to_string(result.acknowledged) +
                    " writes acknowledged before the crash, " +
                    std::to_string(result.lost_acknowledged) + " lost (appendfsync " +
                    FsyncPolicyName(in.policy) + ")";
  if (result.loss_window_ns > 0)
    outcome.summary += ", losses reach back " + Ms(result.loss_window_ns);
  return result;
}

}  // namespace redsim::checkers
