#include "checkers/convergence.h"

#include <algorithm>

namespace redsim::checkers {

namespace {

std::string Ms(int64_t ns) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%.1f ms", ns / 1e6);
  return buf;
}

void AppendKeys(const char* label, const std::vector<std::string>& keys, size_t total,
                std::string* out) {
  if (total == 0) return;
  if (!out->empty()) *out += "; ";
  *out += std::to_string(total) + " " + label + " (";
  for (size_t i = 0; i < keys.size(); ++i) *out += (i ? ", " : "") + keys[i];
  if (total > keys.size()) *out += ", ...";
  *out += ")";
}

}  // namespace

std::string DescribeDatasetDiff(const Dataset& want, const Dataset& got, size_t max_keys) {
  std::vector<std::string> missing, extra, different;
  size_t n_missing = 0, n_extra = 0, n_different = 0;
  auto note = [&](std::vector<std::string>* list, size_t* count, const std::string& key) {
    if (list->size() < max_keys) list->push_back(key);
    ++*count;
  };
  auto w = want.begin();
  auto g = got.begin();
  while (w != want.end() || g != got.end()) {
    if (g == got.end() || (w != want.end() && w->first < g->first)) {
      note(&missing, &n_missing, w->first);
      ++w;
    } else if (w == want.end() || g->first < w->first) {
      note(&extra, &n_extra, g->first);
      ++g;
    } else {
      if (w->second != g->second) note(&different, &n_different, w->first);
      ++w;
      ++g;
    }
  }
  std::string out;
  AppendKeys("keys missing", missing, n_missing, &out);
  AppendKeys("keys extra", extra, n_extra, &out);
  AppendKeys("keys with other values", different, n_different, &out);
  return out.empty() ? "identical" : out;
}

CheckOutcome CheckConvergence(const ConvergenceInput& in) {
  CheckOutcome out;
  out.checker = "convergence";
  std::map<std::string, std::vector<const DatasetSnapshot*>> by_node;
  for (const DatasetSnapshot& s : in.snapshots) by_node[s.node].push_back(&s);
  for (auto& [node, snaps] : by_node) {
    std::stable_sort(
        snaps.begin(), snaps.end(),
        [](const DatasetSnapshot* a, const DatasetSnapshot* b) { return a->time_ns < b->time_ns; });
  }
  auto primary = by_node.find(in.primary);
  if (primary == by_node.end()) {
    out.Add("no-primary-snapshot", "no snapshot of the primary " + in.primary);
    out.summary = "no target dataset";
    return out;
  }
  const DatasetSnapshot& target = *primary->second.back();
  int64_t deadline = in.faults_stopped_ns + in.bound_ns;
  int replicas = 0;
  for (const auto& [node, snaps] : by_node) {
    if (node == in.primary) continue;
    ++replicas;
    // The first snapshot (after faults stopped) from which every later one equals the target.
    const DatasetSnapshot* converged = nullptr;
    for (auto it = snaps.rbegin(); it != snaps.rend(); ++it) {
      if ((*it)->time_ns < in.faults_stopped_ns || (*it)->data != target.data) break;
      converged = *it;
    }
    if (!converged) {
      const DatasetSnapshot& last = *snaps.back();
      out.Add("not-converged",
              node + " differs from primary " + in.primary + " at its last snapshot (" +
                  std::to_string(last.time_ns) +
                  " ns): " + DescribeDatasetDiff(target.data, last.data),
              last.time_ns);
    } else if (converged->time_ns > deadline) {
      out.Add("converged-late",
              node + " matched the primary only " + Ms(converged->time_ns - in.faults_stopped_ns) +
                  " after faults stopped (bound " + Ms(in.bound_ns) + ")",
              converged->time_ns);
    }
  }
  out.summary = std::to_string(replicas) + " replicas against primary " + in.primary + " (" +
                std::to_string(target.data.size()) + " keys), bound " + Ms(in.bound_ns);
  return out;
}

}  // namespace redsim::checkers
