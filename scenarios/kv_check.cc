#include "scenarios/kv_check.h"

#include <algorithm>
#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <limits>
#include <unordered_map>
#include <vector>

namespace redsim::scenarios {

namespace {

constexpr uint64_t kOpen = std::numeric_limits<uint64_t>::max();

struct Writer {
  int32_t process = 0;
  bool incr = false;
  bool ok = false;
  bool failed = false;
  bool known = false;  // value known (SET argument, or INCR result)
  uint64_t inv_idx = 0;
  uint64_t cmp_idx = kOpen;
  int64_t inv_ns = 0;
  int64_t cmp_ns = -1;
  std::string value;
};

struct KeyState {
  std::vector<int> live;  // writers that may still be current
  std::vector<int> log;   // every writer, in invocation order
};

struct OpenOp {
  bool read = false;
  uint32_t key = 0;
  int writer = -1;
  // Read snapshot.
  std::vector<int> live;
  size_t log_size = 0;
  uint64_t inv_idx = 0;
  int64_t inv_ns = 0;
};

// The operation each process has open. Client process ids are small and dense, so they index a
// vector (no node allocated per operation); other ids fall back to a map.
class OpenTable {
 public:
  void Put(int32_t process, OpenOp op) {
    if (Dense(process)) {
      size_t i = static_cast<size_t>(process);
      if (i >= dense_.size()) {
        dense_.resize(i + 1);
        present_.resize(i + 1, false);
      }
      dense_[i] = std::move(op);
      present_[i] = true;
    } else {
      sparse_[process] = std::move(op);
    }
  }
  bool Take(int32_t process, OpenOp* out) {
    if (Dense(process)) {
      size_t i = static_cast<size_t>(process);
      if (i >= dense_.size() || !present_[i]) return false;
      present_[i] = false;
      *out = std::move(dense_[i]);
      return true;
    }
    auto it = sparse_.find(process);
    if (it == sparse_.end()) return false;
    *out = std::move(it->second);
    sparse_.erase(it);
    return true;
  }
  bool AnyWriter(int writer) const {
    for (size_t i = 0; i < dense_.size(); i++) {
      if (present_[i] && dense_[i].writer == writer) return true;
    }
    for (const auto& [p, op] : sparse_) {
      if (op.writer == writer) return true;
    }
    return false;
  }

 private:
  static bool Dense(int32_t process) { return process >= 0 && process < 4096; }
  std::vector<OpenOp> dense_;
  std::vector<bool> present_;
  std::unordered_map<int32_t, OpenOp> sparse_;
};

// The value's JSON text with a string's quotes taken off (its escapes kept); false for null.
bool Unquote(const History& h, const HistoryEntry& e, std::string* out) {
  if (e.value_kind == ValueKind::kNull) return false;
  out->clear();
  h.AppendValueJson(e, out);
  if (out->size() >= 2 && out->front() == '"') {
    out->pop_back();
    out->erase(0, 1);
  }
  return true;
}

bool AsInt(const std::string& s, int64_t* v) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), *v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

std::string Secs(int64_t ns) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%.3f s", static_cast<double>(ns) / 1e9);
  return buf;
}

class Checker {
 public:
  Checker(const History& h, int64_t horizon) : h_(h), horizon_(horizon) {}

  KvCheckResult Run() {
    uint64_t idx = 0;
    for (const HistoryEntry& e : h_.entries()) {
      if (e.process < 0) {
        last_fault_ = std::string(h_.name(e.f)) + " at " + Secs(e.time_ns);
      } else {
        Step(e, idx);
      }
      idx++;
    }
    return result_;
  }

 private:
  void Step(const HistoryEntry& e, uint64_t idx) {
    std::string_view f = h_.name(e.f);
    if (e.type == OpType::kInvoke) {
      OpenOp op;
      op.key = e.key;
      KeyState& ks = keys_[e.key];
      if (f == "read") {
        op.read = true;
        op.live = ks.live;
        op.log_size = ks.log.size();
        op.inv_idx = idx;
        op.inv_ns = e.time_ns;
      } else {
        Writer w;
        w.process = e.process;
        w.incr = f == "incr";
        w.inv_idx = idx;
        w.inv_ns = e.time_ns;
        if (!w.incr) w.known = Unquote(h_, e, &w.value);
        op.writer = static_cast<int>(writers_.size());
        writers_.push_back(std::move(w));
        ks.live.push_back(op.writer);
        ks.log.push_back(op.writer);
      }
      open_.Put(e.process, std::move(op));
      return;
    }
    OpenOp op;
    if (!open_.Take(e.process, &op)) return;
    if (op.read) {
      if (e.type == OpType::kOk) CheckRead(op, e, idx);
      return;
    }
    Writer& w = writers_[static_cast<size_t>(op.writer)];
    KeyState& ks = keys_[op.key];
    if (e.type == OpType::kFail) {
      w.failed = true;
      std::erase(ks.live, op.writer);
    } else if (e.type == OpType::kOk) {
      w.ok = true;
      w.cmp_idx = idx;
      w.cmp_ns = e.time_ns;
      if (w.incr) w.known = Unquote(h_, e, &w.value);
      Prune(ks, w, e.time_ns);
    }
  }

  // Drops writers no later read can see: acknowledged ones that completed before `w` was
  // invoked, and unknown-outcome ones past the horizon.
  void Prune(KeyState& ks, const Writer& w, int64_t now_ns) {
    std::erase_if(ks.live, [&](int id) {
      const Writer& o = writers_[static_cast<size_t>(id)];
      if (&o == &w) return false;
      if (o.ok) return o.cmp_idx < w.inv_idx;
      return o.cmp_idx == kOpen && o.inv_ns < now_ns - horizon_ && !IsOpen(id);
    });
  }

  bool IsOpen(int writer) const { return open_.AnyWriter(writer); }

  void CheckRead(const OpenOp& op, const HistoryEntry& e, uint64_t idx) {
    result_.reads_checked++;
    std::string v;
    bool is_null = !Unquote(h_, e, &v);
    const KeyState& ks = keys_[op.key];
    std::vector<int> allowed = op.live;
    for (size_t i = op.log_size; i < ks.log.size(); i++) allowed.push_back(ks.log[i]);
    bool null_ok = true;
    int incrs = 0;
    int64_t newest_acked = -1;  // the candidate a lost-write report names
    for (int id : allowed) {
      const Writer& w = writers_[static_cast<size_t>(id)];
      if (w.failed) continue;
      if (w.ok && w.cmp_idx < op.inv_idx) {
        null_ok = false;
        if (newest_acked < 0 || w.inv_idx > writers_[static_cast<size_t>(newest_acked)].inv_idx) {
          newest_acked = id;
        }
      }
      if (w.incr) incrs++;
      if (!is_null && w.known && w.value == v) return;
    }
    if (is_null && null_ok) return;
    int64_t n;
    if (!is_null && incrs > 0 && AsInt(v, &n)) {
      if (null_ok && n >= 1 && n <= incrs) return;
      for (int id : allowed) {
        const Writer& w = writers_[static_cast<size_t>(id)];
        int64_t base;
        if (!w.failed && w.known && AsInt(w.value, &base) && n - base >= 1 && n - base <= incrs) {
          return;
        }
      }
    }
    (void)idx;
    Report(op, e, is_null, v, newest_acked);
  }

  void Report(const OpenOp& op, const HistoryEntry& e, bool is_null, const std::string& v,
              int64_t newest_acked) {
    result_.ok = false;
    result_.violations++;
    if (result_.violations > 1) return;
    bool written_before = false;
    for (int id : keys_[op.key].log) {
      const Writer& w = writers_[static_cast<size_t>(id)];
      written_before |= w.known && w.value == v && w.inv_idx < op.inv_idx;
    }
    result_.violation = is_null || written_before ? "lost-write" : "unexpected-value";
    std::string key(h_.name(op.key));
    std::string got = is_null ? "null" : "\"" + v + "\"";
    std::string text = "process " + std::to_string(e.process) + " read " + key + " from " +
                       Secs(op.inv_ns) + " to " + Secs(e.time_ns) + " and got " + got;
    result_.window_end_ns = e.time_ns;
    result_.window_start_ns = op.inv_ns;
    if (newest_acked >= 0) {
      const Writer& w = writers_[static_cast<size_t>(newest_acked)];
      text += ", but process " + std::to_string(w.process) + "'s " +
              (w.incr ? "INCR to " : "SET of ") + "\"" + w.value + "\" was acknowledged at " +
              Secs(w.cmp_ns) + " and no operation after it could produce " + got;
      result_.window_start_ns = w.inv_ns;
    } else {
      text += ", a value no write could have left there";
    }
    if (!last_fault_.empty()) text += " (last fault before it: " + last_fault_ + ")";
    result_.explanation = text + ".";
  }

  const History& h_;
  int64_t horizon_;
  std::vector<Writer> writers_;
  std::unordered_map<uint32_t, KeyState> keys_;
  OpenTable open_;
  std::string last_fault_;
  KvCheckResult result_;
};

}  // namespace

KvCheckResult CheckKvHistory(const History& history, int64_t unknown_horizon_ns) {
  return Checker(history, unknown_horizon_ns).Run();
}

}  // namespace redsim::scenarios
