#include "scenarios/recovery_check.h"

#include <algorithm>
#include <cstdlib>

namespace redsim::scenarios {

namespace {

using checkers::DurableWrite;

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// Parses a counter as Redis prints it: a non-negative decimal without sign or leading zeros.
bool ParseCounter(const std::string& text, int64_t* out) {
  if (text.empty() || text.size() > 18) return false;
  if (text.size() > 1 && text[0] == '0') return false;
  int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

// The tokens of a log value ("a,b,c,"), in order; false if it is not such a list.
bool SplitLog(const std::string& value, std::vector<std::string>* tokens) {
  tokens->clear();
  size_t pos = 0;
  while (pos < value.size()) {
    size_t comma = value.find(',', pos);
    if (comma == std::string::npos || comma == pos) return false;
    tokens->push_back(value.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return true;
}

int64_t CounterValue(const RecoveryState& s, const std::string& key) {
  auto it = s.strings.find(key);
  int64_t v = 0;
  if (it == s.strings.end() || !ParseCounter(it->second, &v)) return 0;
  return v;
}

std::string Ms(int64_t ns) { return std::to_string(ns / 1'000'000) + " ms"; }

// Tokens of one log must appear in an order real time allows: if b was acknowledged before a was
// invoked, b comes first.
void CheckLogOrder(const std::string& key, const std::vector<const RecoveryWrite*>& writes,
                   const RecoveryState& before, const RecoveryState& after,
                   checkers::CheckOutcome* outcome) {
  auto after_it = after.strings.find(key);
  if (after_it == after.strings.end()) return;
  auto before_it = before.strings.find(key);
  if (before_it != before.strings.end() && after_it->second.rfind(before_it->second, 0) != 0) {
    outcome->Add("log-rewritten", "log " + key + " no longer starts with the " +
                                      std::to_string(before_it->second.size()) +
                                      " bytes read back after the previous restart");
  }
  std::vector<std::string> tokens;
  if (!SplitLog(after_it->second, &tokens)) return;  // reported as corruption by the flattening
  std::map<std::string, const RecoveryWrite*> by_token;
  for (const RecoveryWrite* w : writes) by_token[w->token] = w;
  int64_t max_invoke = INT64_MIN;
  const RecoveryWrite* max_writer = nullptr;
  for (const std::string& t : tokens) {
    auto it = by_token.find(t);
    if (it == by_token.end()) continue;
    const RecoveryWrite* b = it->second;
    if (max_writer != nullptr && b->ack_ns >= 0 && b->ack_ns < max_invoke) {
      outcome->Add("append-reordered",
                   "log " + key + " holds " + max_writer->token + " before " + b->token + ", but " +
                       b->token + " was acknowledged " + Ms(max_invoke - b->ack_ns) + " before " +
                       max_writer->token + " was invoked",
                   b->ack_ns);
    }
    if (b->invoke_ns > max_invoke) {
      max_invoke = b->invoke_ns;
      max_writer = b;
    }
  }
}

// Maps one counter's INCRs to ordinals (see the header), appending the virtual writes.
void MapCounter(const std::string& key, std::vector<const RecoveryWrite*> incrs, int64_t base,
                std::vector<DurableWrite>* out, checkers::CheckOutcome* outcome) {
  std::set<int64_t> claimed;
  std::vector<const RecoveryWrite*> unknown;
  for (const RecoveryWrite* w : incrs) {
    if (w->ack_ns < 0) {
      unknown.push_back(w);
      continue;
    }
    if (w->incr_reply <= base || !claimed.insert(w->incr_reply).second) {
      outcome->Add(
          "counter-anomaly",
          "INCR #" + std::to_string(w->id) + " on " + key + " returned " +
              std::to_string(w->incr_reply) +
              (w->incr_reply <= base ? ", not above the value read back after the restart (" +
                                           std::to_string(base) + ")"
                                     : ", a value another acknowledged INCR returned"),
          w->ack_ns);
      continue;
    }
    out->push_back(
        {key + "#" + std::to_string(w->incr_reply), "1", w->invoke_ns, w->ack_ns, w->id});
  }
  std::stable_sort(
      unknown.begin(), unknown.end(),
      [](const RecoveryWrite* a, const RecoveryWrite* b) { return a->invoke_ns < b->invoke_ns; });
  int64_t next = base + 1;
  for (const RecoveryWrite* w : unknown) {
    while (claimed.count(next) > 0) next++;
    out->push_back({key + "#" + std::to_string(next), "1", w->invoke_ns, -1, w->id});
    next++;
  }
}

}  // namespace

std::map<std::string, std::string> FlattenRecoveryState(const RecoveryState& state) {
  std::map<std::string, std::string> out;
  std::vector<std::string> tokens;
  for (const auto& [key, value] : state.strings) {
    if (StartsWith(key, "ctr:")) {
      int64_t n = 0;
      if (!ParseCounter(value, &n)) {
        out[key + "#?"] = value;  // a counter that is not a number: no write produces it
        continue;
      }
      for (int64_t i = 1; i <= n; i++) out[key + "#" + std::to_string(i)] = "1";
    } else if (StartsWith(key, "log:")) {
      if (!SplitLog(value, &tokens)) {
        out[key + "/?"] = value;
        continue;
      }
      for (const std::string& t : tokens) {
        std::string vkey = key + "/" + t;
        // A repeated token is data nobody wrote.
        if (out.count(vkey) > 0)
          out[vkey + "/repeated"] = "1";
        else
          out[vkey] = "1";
      }
    } else if (StartsWith(key, "u:")) {
      out[key] = value;
    } else {
      out["?" + key] = value;
    }
  }
  for (const auto& [key, members] : state.sets) {
    if (!StartsWith(key, "set:")) {
      out["?" + key] = "(set)";
      continue;
    }
    for (const std::string& m : members) out[key + "/" + m] = "1";
  }
  return out;
}

checkers::DurabilityResult CheckRecoveryEpoch(const RecoveryState& before,
                                              const std::vector<RecoveryWrite>& writes,
                                              int64_t crash_ns, const RecoveryState& after,
                                              checkers::FsyncPolicy policy,
                                              int64_t everysec_window_ns) {
  checkers::CheckOutcome extra;
  checkers::DurabilityInput in;
  in.policy = policy;
  in.everysec_window_ns = everysec_window_ns;
  in.crash_ns = crash_ns;
  in.before = FlattenRecoveryState(before);
  in.after = FlattenRecoveryState(after);
  std::map<std::string, std::vector<const RecoveryWrite*>> incrs, appends;
  for (const RecoveryWrite& w : writes) {
    switch (w.kind) {
      case RecoveryWrite::Kind::kIncr:
        incrs[w.key].push_back(&w);
        break;
      case RecoveryWrite::Kind::kAppend:
        appends[w.key].push_back(&w);
        in.writes.push_back({w.key + "/" + w.token, "1", w.invoke_ns, w.ack_ns, w.id});
        break;
      case RecoveryWrite::Kind::kSadd:
        in.writes.push_back({w.key + "/" + w.token, "1", w.invoke_ns, w.ack_ns, w.id});
        break;
      case RecoveryWrite::Kind::kSet:
        in.writes.push_back({w.key, w.token, w.invoke_ns, w.ack_ns, w.id});
        break;
    }
  }
  for (const auto& [key, list] : incrs) {
    MapCounter(key, list, CounterValue(before, key), &in.writes, &extra);
  }
  for (const auto& [key, list] : appends) CheckLogOrder(key, list, before, after, &extra);
  checkers::DurabilityResult result = checkers::CheckDurability(in);
  for (const checkers::Violation& v : extra.violations) {
    result.outcome.Add(v.kind, v.message, v.time_ns);
  }
  return result;
}

}  // namespace redsim::scenarios
