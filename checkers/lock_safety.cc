#include "checkers/lock_safety.h"

#include <algorithm>
#include <map>

namespace redsim::checkers {

namespace {

std::string Ms(int64_t ns) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%.3f ms", ns / 1e6);
  return buf;
}

// Simulated seconds with microseconds, as the rest of the explanations print times.
std::string Seconds(int64_t ns) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%.6f s", ns / 1e9);
  return buf;
}

std::string HoldText(const LockHold& h) {
  std::string s = h.client + " from " + Seconds(h.start_ns) + " to " + Seconds(h.end_ns);
  if (h.token >= 0) s += " token " + std::to_string(h.token);
  return s;
}

// Sweeps one lock's holds in start order. For each hold it keeps the furthest-reaching earlier
// hold and the furthest-reaching one of a different client, so an overlap with any other
// client is seen (and reported once per hold, against the hold that reaches furthest).
void CheckOverlaps(const std::string& lock, std::vector<const LockHold*> holds, CheckOutcome* out) {
  std::sort(holds.begin(), holds.end(), [](const LockHold* a, const LockHold* b) {
    return a->start_ns != b->start_ns ? a->start_ns < b->start_ns : a->end_ns < b->end_ns;
  });
  const LockHold* first = nullptr;   // reaches furthest
  const LockHold* second = nullptr;  // reaches furthest among clients other than first's
  for (const LockHold* h : holds) {
    const LockHold* other = nullptr;
    if (first && first->client != h->client && first->end_ns > h->start_ns) {
      other = first;
    } else if (second && second->client != h->client && second->end_ns > h->start_ns) {
      other = second;
    }
    if (other) {
      int64_t overlap = std::min(other->end_ns, h->end_ns) - h->start_ns;
      out->Add("overlapping-holders",
               "lock " + lock + " held by " + HoldText(*other) + " and " + HoldText(*h) +
                   " at once for " + Ms(overlap),
               h->start_ns);
    }
    // Update the two furthest-reaching holds of distinct clients.
    if (!first || h->end_ns > first->end_ns) {
      if (first && first->client != h->client) second = first;
      first = h;
    } else if (h->client != first->client && (!second || h->end_ns > second->end_ns)) {
      second = h;
    }
  }
  // Tokens must grow with each acquisition.
  const LockHold* prev = nullptr;
  for (const LockHold* h : holds) {
    if (h->token < 0) continue;
    if (prev && h->token <= prev->token) {
      out->Add("token-not-increasing",
               "lock " + lock + ": " + HoldText(*h) + " got a token not greater than the earlier " +
                   HoldText(*prev),
               h->start_ns);
    }
    prev = h;
  }
}

}  // namespace

CheckOutcome CheckLockSafety(const LockSafetyInput& input) {
  CheckOutcome out;
  out.checker = "lock-safety";
  std::map<std::string, std::vector<const LockHold*>> by_lock;
  for (const LockHold& h : input.holds) by_lock[h.lock].push_back(&h);
  for (const auto& [lock, holds] : by_lock) CheckOverlaps(lock, holds, &out);

  std::map<std::string, std::vector<const FencedWrite*>> by_resource;
  for (const FencedWrite& w : input.resource_writes) by_resource[w.resource].push_back(&w);
  size_t accepted = 0;
  for (auto& [resource, writes] : by_resource) {
    std::stable_sort(writes.begin(), writes.end(), [](const FencedWrite* a, const FencedWrite* b) {
      return a->time_ns < b->time_ns;
    });
    const FencedWrite* highest = nullptr;
    for (const FencedWrite* w : writes) {
      if (!w->accepted) continue;
      ++accepted;
      if (highest && w->token < highest->token) {
        out.Add("stale-token-accepted",
                "resource " + resource + " accepted token " + std::to_string(w->token) + " from " +
                    w->client + " after accepting token " + std::to_string(highest->token) +
                    " from " + highest->client,
                w->time_ns);
      }
      if (!highest || w->token > highest->token) highest = w;
    }
  }
  out.summary = std::to_string(input.holds.size()) + " holds of " + std::to_string(by_lock.size()) +
                " locks, " + std::to_string(accepted) + " accepted fenced writes";
  return out;
}

}  // namespace redsim::checkers
