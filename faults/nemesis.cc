#include "faults/nemesis.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "world/world.h"

namespace redsim::faults {

namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSec = 1'000 * kMs;

NemesisOptions Opts(int64_t min_ms, int64_t max_ms, int64_t min_amount = 0,
                    int64_t max_amount = 0) {
  NemesisOptions o;
  o.per_minute = 6;
  o.min_duration_ns = min_ms * kMs;
  o.max_duration_ns = max_ms * kMs;
  o.min_amount = min_amount;
  o.max_amount = max_amount;
  return o;
}

}  // namespace

const std::vector<NemesisInfo>& AllNemeses() {
  static const std::vector<NemesisInfo> all = {
      {kCrash,
       "kill -9 of a node (its page cache is lost); restarted after the duration",
       {},
       "",
       Opts(200, 1500)},
      {kRestart, "start a crashed node on the same disk (the undo of crash)", {}, "", Opts(0, 0)},
      {kPause,
       "stop every activity of a node for the duration (a long GC-like stall)",
       {},
       "",
       Opts(200, 3000)},
      {kResume, "end a pause (the undo of pause)", {}, "", Opts(0, 0)},
      {kPartition,
       "cut links between nodes; healed after the duration",
       {kIsolateOne, kIsolateHost, kHalves, kBridge, kRing, kRandomGroups, kOneWayIn, kOneWayOut},
       "",
       Opts(500, 5000)},
      {kHeal, "remove every partition and one-way block", {}, "", Opts(0, 0)},
      {kClog,
       "delay everything between a node and every other host for the duration",
       {},
       "",
       Opts(100, 1000)},
      {kClock,
       "wall-clock skew (for the duration) or jump (permanent) on one node, or drift",
       {kClockSkew, kClockJump, kClockDrift},
       "skew/jump: wall offset in ns (may be negative); drift: parts per billion",
       Opts(1000, 10000, -30 * kSec, 30 * kSec)},
      {kDisk,
       "disk faults on one node",
       {kDiskLoseUnsynced, kDiskTorn, kDiskTornSector, kDiskLyingFsync, kDiskFsyncError, kDiskFull,
        kDiskCorruptRead},
       "enospc: bytes left; corrupt-read: corrupted reads per million",
       Opts(200, 3000, 0, 0)},
      {kAdmin,
       "an operator's command sent to one node: SENTINEL FAILOVER <its first master> to a "
       "Sentinel, CLUSTER FAILOVER [FORCE] to a cluster replica; or a reshard of `amount` slots "
       "from the first target to the second",
       {kAdminSentinelFailover, kAdminClusterFailover, kAdminClusterFailoverForce, kAdminReshard},
       "",
       Opts(0, 0)},
  };
  return all;
}

const NemesisInfo* FindNemesis(std::string_view name) {
  for (const auto& n : AllNemeses()) {
    if (n.name == name) return &n;
  }
  return nullptr;
}

// ---- Generation ----------------------------------------------------------------------------

namespace {

int64_t RoundMs(int64_t ns) { return ns / kMs * kMs; }

int64_t DrawRange(Random& rng, int64_t lo, int64_t hi) {
  if (hi <= lo) return lo;
  return rng.Range(lo, hi);
}

// Gives every node a group for a partition shape; -1 marks the bridge node (linked to all).
std::vector<int> DrawGroups(std::string_view shape, Random& rng, int nodes, int target) {
  std::vector<int> order(static_cast<size_t>(nodes));
  for (int i = 0; i < nodes; i++) order[static_cast<size_t>(i)] = i;
  for (int i = nodes - 1; i > 0; i--) {
    std::swap(order[static_cast<size_t>(i)], order[rng.Uniform(static_cast<uint64_t>(i) + 1)]);
  }
  std::vector<int> groups(static_cast<size_t>(nodes), 0);
  if (shape == kHalves || shape == kBridge) {
    int minority = nodes / 2;
    if (shape == kBridge && nodes >= 3) minority = (nodes - 1) / 2;
    for (int i = 0; i < nodes; i++)
      groups[static_cast<size_t>(order[static_cast<size_t>(i)])] = i < minority ? 0 : 1;
    if (shape == kBridge && nodes >= 3) groups[static_cast<size_t>(order.back())] = -1;
  } else if (shape == kRandomGroups) {
    int k = static_cast<int>(DrawRange(rng, 2, std::max(2, nodes)));
    for (int i = 0; i < nodes; i++)
      groups[static_cast<size_t>(i)] = static_cast<int>(rng.Uniform(static_cast<uint64_t>(k)));
  } else if (shape == kRing) {
    // Ring position; links exist only between neighbours on the ring.
    for (int i = 0; i < nodes; i++) groups[static_cast<size_t>(order[static_cast<size_t>(i)])] = i;
  } else {
    // isolate-one, isolate-host, one-way: the target against the rest.
    for (int i = 0; i < nodes; i++) groups[static_cast<size_t>(i)] = i == target ? 0 : 1;
  }
  return groups;
}

}  // namespace

Schedule GenerateSchedule(const RandomScheduleSpec& spec, Random& rng, int nodes,
                          int64_t duration_ns) {
  Schedule out;
  if (nodes <= 0) return out;
  int64_t last_start = duration_ns - spec.quiet_end_ns;
  for (const auto& [kind, opts] : spec.kinds) {
    const NemesisInfo* info = FindNemesis(kind);
    if (info == nullptr || opts.per_minute <= 0) continue;
    double mean_gap_ns = 60e9 / opts.per_minute;
    // Per node: when its current fault of this kind ends.
    std::vector<int64_t> busy_until(static_cast<size_t>(nodes), 0);
    int64_t t = spec.quiet_start_ns;
    while (true) {
      // Exponential gap from a uniform draw; log of a value in (0, 1].
      double u = 1.0 - rng.NextDouble();
      t += static_cast<int64_t>(-std::log(u) * mean_gap_ns);
      if (t >= last_start) break;
      Fault f;
      f.kind = kind;
      f.at_ns = RoundMs(t);
      f.duration_ns = RoundMs(DrawRange(rng, opts.min_duration_ns, opts.max_duration_ns));
      int target = static_cast<int>(rng.Uniform(static_cast<uint64_t>(nodes)));
      const std::vector<std::string>& shapes = opts.shapes;
      if (!shapes.empty()) {
        f.shape = shapes[rng.Uniform(shapes.size())];
      } else if (!info->shapes.empty()) {
        f.shape = std::string(info->shapes.front());
      }
      f.amount = DrawRange(rng, opts.min_amount, opts.max_amount);
      if (kind == kClock && f.shape == kClockDrift) {
        f.amount = DrawRange(rng, -opts.max_drift_ppb, opts.max_drift_ppb);
      }
      if (kind == kPartition) {
        f.groups = DrawGroups(f.shape, rng, nodes, target);
        if (f.shape == kIsolateOne || f.shape == kIsolateHost || f.shape == kOneWayIn ||
            f.shape == kOneWayOut) {
          f.targets = {target};
        } else {
          for (int i = 0; i < nodes; i++) f.targets.push_back(i);
        }
      } else {
        f.targets = {target};
      }
      if (f.kind == kClock && f.shape == kClockJump) f.duration_ns = -1;
      if (spec.no_overlap_per_kind) {
        bool clash = false;
        for (int n : f.targets) clash |= busy_until[static_cast<size_t>(n)] > f.at_ns;
        if (clash) continue;
        int64_t end = f.duration_ns < 0 ? f.at_ns : f.at_ns + f.duration_ns;
        for (int n : f.targets) busy_until[static_cast<size_t>(n)] = end + kMs;
      }
      out.faults.push_back(std::move(f));
    }
  }
  std::stable_sort(out.faults.begin(), out.faults.end(),
                   [](const Fault& a, const Fault& b) { return a.at_ns < b.at_ns; });
  return out;
}

// ---- Installation ----------------------------------------------------------------------------

namespace {

using world::SimNode;
using world::World;

std::string NodeList(World& w, const std::vector<int>& targets) {
  std::string s = "[";
  for (size_t i = 0; i < targets.size(); i++) {
    if (i > 0) s += ",";
    s += world::History::JsonString(w.node(static_cast<size_t>(targets[i]))->name());
  }
  return s + "]";
}

std::string Detail(World& w, const Fault& f) {
  std::string d = "{\"nodes\":" + NodeList(w, f.targets);
  if (!f.shape.empty()) d += ",\"shape\":" + world::History::JsonString(f.shape);
  if (f.amount != 0) d += ",\"amount\":" + std::to_string(f.amount);
  if (f.duration_ns >= 0) d += ",\"duration_ns\":" + std::to_string(f.duration_ns);
  return d + "}";
}

// Node pairs (a, b) such that traffic a -> b is cut by a partition fault.
std::vector<std::pair<int, int>> BlockedPairs(const Fault& f, int nodes) {
  std::vector<std::pair<int, int>> pairs;
  auto group = [&](int i) {
    return i < static_cast<int>(f.groups.size()) ? f.groups[static_cast<size_t>(i)] : 1;
  };
  for (int a = 0; a < nodes; a++) {
    for (int b = 0; b < nodes; b++) {
      if (a == b) continue;
      bool cut = false;
      if (f.shape == kRing) {
        int d = std::abs(group(a) - group(b));
        cut = d != 1 && d != nodes - 1;
      } else if (f.shape == kOneWayIn) {
        cut = group(b) == 0 && group(a) != 0;  // nobody reaches the target
      } else if (f.shape == kOneWayOut) {
        cut = group(a) == 0 && group(b) != 0;  // the target reaches nobody
      } else {
        cut = group(a) != group(b) && group(a) != -1 && group(b) != -1;
      }
      if (cut) pairs.emplace_back(a, b);
    }
  }
  return pairs;
}

void ApplyPartition(World& w, const Fault& f) {
  int nodes = static_cast<int>(w.node_count());
  if (f.shape == kIsolateHost) {
    w.net().Isolate(w.node(static_cast<size_t>(f.targets.at(0)))->host());
    return;
  }
  for (auto [a, b] : BlockedPairs(f, nodes)) {
    w.net().BlockOneWay(w.node(static_cast<size_t>(a))->host(),
                        w.node(static_cast<size_t>(b))->host());
  }
}

// Sets a node's clock drift without a jump in its monotonic clock.
void SetDrift(World& w, SimNode* node, int64_t drift_ppb) {
  sim::Host& h = w.sim().host(node->host());
  int64_t before = w.sim().HostMonotonicNs(node->host());
  h.drift_ppb = drift_ppb;
  int64_t after = w.sim().HostMonotonicNs(node->host());
  h.mono_offset_ns += before - after;
}

void ApplyDisk(SimNode* node, const Fault& f, bool undo) {
  sim::DiskFaults& df = node->disk().faults();
  if (f.shape == kDiskLoseUnsynced || f.shape == kDiskTorn || f.shape == kDiskTornSector) {
    if (undo) {
      node->Restart();
      node->disk().set_crash_loss(sim::CrashLoss::kChosenBySeed);
      return;
    }
    node->disk().set_crash_loss(f.shape == kDiskTorn         ? sim::CrashLoss::kTornLast
                                : f.shape == kDiskTornSector ? sim::CrashLoss::kTornAtSector
                                                             : sim::CrashLoss::kAllUnsynced);
    node->Crash();
  } else if (f.shape == kDiskLyingFsync) {
    df.fsync_lies = !undo;
  } else if (f.shape == kDiskFsyncError) {
    df.fsync_fails = !undo;
  } else if (f.shape == kDiskFull) {
    df.capacity_bytes = undo ? -1 : static_cast<int64_t>(node->disk().used_bytes()) + f.amount;
  } else if (f.shape == kDiskCorruptRead) {
    df.read_corruption = undo ? 0 : static_cast<double>(std::max<int64_t>(f.amount, 1)) / 1e6;
  }
}

// One step of a reshard: false (and the reason in *why) when the reply is an error or missing.
bool AdminStep(world::SimClient* c, const std::vector<std::string>& args, world::CallResult* r,
               std::string* why) {
  constexpr int64_t kSec = 1'000'000'000;
  *r = c->Call(args, 5 * kSec);
  if (r->ok()) return true;
  *why = args[0] + " " + (args.size() > 1 ? args[1] + " " : "") + (args.size() > 2 ? args[2] : "") +
         ": " + (r->status == world::CallResult::Status::kReply ? r->reply.str : "no reply");
  return false;
}

// The reshard of kAdminReshard, on a fiber with connections to the source and the target.
std::string Reshard(World& w, SimNode* from, SimNode* to, int64_t slots) {
  constexpr int64_t kSec = 1'000'000'000;
  world::SimClient* src = w.AddClient();
  world::SimClient* dst = w.AddClient();
  if (!src->Connect(from->address(), from->port(), kSec) ||
      !dst->Connect(to->address(), to->port(), kSec)) {
    return "could not connect";
  }
  world::CallResult r, ids;
  std::string why;
  if (!AdminStep(src, {"CLUSTER", "MYID"}, &r, &why)) return why;
  std::string from_id = r.reply.str;
  if (!AdminStep(dst, {"CLUSTER", "MYID"}, &ids, &why)) return why;
  std::string to_id = ids.reply.str;
  if (!AdminStep(src, {"CLUSTER", "SLOTS"}, &r, &why)) return why;
  std::vector<int64_t> mine;
  for (const RespValue& range : r.reply.elements) {
    if (range.elements.size() < 3 || range.elements[2].elements.size() < 3 ||
        range.elements[2].elements[2].str != from_id) {
      continue;
    }
    for (int64_t s = range.elements[0].integer;
         s <= range.elements[1].integer && static_cast<int64_t>(mine.size()) < slots; s++) {
      mine.push_back(s);
    }
  }
  int64_t keys = 0;
  for (int64_t slot : mine) {
    std::string s = std::to_string(slot);
    if (!AdminStep(dst, {"CLUSTER", "SETSLOT", s, "IMPORTING", from_id}, &r, &why) ||
        !AdminStep(src, {"CLUSTER", "SETSLOT", s, "MIGRATING", to_id}, &r, &why)) {
      return why;
    }
    while (true) {
      if (!AdminStep(src, {"CLUSTER", "GETKEYSINSLOT", s, "100"}, &r, &why)) return why;
      if (r.reply.elements.empty()) break;
      std::vector<std::string> migrate = {
          "MIGRATE", to->address(), std::to_string(to->port()), "", "0", "5000", "KEYS"};
      for (const RespValue& k : r.reply.elements) migrate.push_back(k.str);
      keys += static_cast<int64_t>(r.reply.elements.size());
      if (!AdminStep(src, migrate, &r, &why)) return why;
    }
    if (!AdminStep(dst, {"CLUSTER", "SETSLOT", s, "NODE", to_id}, &r, &why) ||
        !AdminStep(src, {"CLUSTER", "SETSLOT", s, "NODE", to_id}, &r, &why)) {
      return why;
    }
  }
  src->Disconnect();
  dst->Disconnect();
  return "+moved " + std::to_string(mine.size()) + " slots, " + std::to_string(keys) + " keys";
}

// Sends the admin command of `f` to `node` from a client host of its own, on a fiber; the reply
// (or why there was none) is recorded as an "admin-reply" nemesis entry.
void ApplyAdmin(World& w, SimNode* node, const Fault& f) {
  if (f.shape == kAdminReshard) {
    if (f.targets.size() < 2) return;
    SimNode* to = w.node(static_cast<size_t>(f.targets[1]));
    int64_t slots = std::max<int64_t>(f.amount, 1);
    w.sim().Spawn([&w, node, to, slots] {
      w.RecordNemesis("admin-reply",
                      node->name() + " -> " + to->name() + ": " + Reshard(w, node, to, slots));
    });
    return;
  }
  std::vector<std::string> args = {"CLUSTER", "FAILOVER"};
  if (f.shape == kAdminClusterFailoverForce) args.push_back("FORCE");
  if (f.shape == kAdminSentinelFailover || f.shape.empty()) {
    Sentinel* s = node->up() ? node->server()->sentinel() : nullptr;
    std::vector<std::string> masters = s != nullptr ? s->MasterNames() : std::vector<std::string>();
    if (masters.empty()) {
      w.RecordNemesis("admin-reply", node->name() + ": not a Sentinel that is up");
      return;
    }
    args = {"SENTINEL", "FAILOVER", masters[0]};
  }
  world::SimClient* admin = w.AddClient();
  std::string name = node->name(), address = node->address();
  int port = node->port();
  w.sim().Spawn([&w, admin, name, address, port, args] {
    constexpr int64_t kSec = 1'000'000'000;
    if (!admin->Connect(address, port, kSec)) {
      w.RecordNemesis("admin-reply", name + ": could not connect");
      return;
    }
    world::CallResult r = admin->Call(args, 5 * kSec);
    std::string text = r.status != world::CallResult::Status::kReply ? "no reply"
                       : r.reply.is_error()                          ? "-" + r.reply.str
                                                                     : "+" + r.reply.str;
    w.RecordNemesis("admin-reply", name + ": " + text);
    admin->Disconnect();
  });
}

// Applies (undo = false) or reverts (undo = true) one fault.
void Apply(World& w, const Fault& f, bool undo) {
  SimNode* node = f.targets.empty() ? nullptr : w.node(static_cast<size_t>(f.targets[0]));
  const std::string& k = f.kind;
  if (k == kCrash) {
    if (undo)
      node->Restart();
    else
      node->Crash();
  } else if (k == kRestart) {
    node->Restart();
  } else if (k == kPause) {
    if (undo)
      node->Resume();
    else
      node->Pause();
  } else if (k == kResume) {
    node->Resume();
  } else if (k == kPartition) {
    if (undo)
      w.net().Heal();
    else
      ApplyPartition(w, f);
  } else if (k == kHeal) {
    w.net().Heal();
  } else if (k == kClog) {
    int64_t until = undo ? 0 : w.sim().now_ns() + std::max<int64_t>(f.duration_ns, 0);
    for (size_t h = 1; h <= w.sim().host_count(); h++) {
      sim::HostId other = static_cast<sim::HostId>(h);
      if (other != node->host()) w.net().Clog(node->host(), other, until);
    }
  } else if (k == kClock) {
    sim::Host& h = w.sim().host(node->host());
    // A clock never runs backwards: drift stays above -90%.
    if (f.shape == kClockDrift)
      SetDrift(w, node, undo ? 0 : std::max<int64_t>(f.amount, -900'000'000));
    else
      h.wall_offset_ns += undo ? -f.amount : f.amount;
  } else if (k == kDisk) {
    ApplyDisk(node, f, undo);
  } else if (k == kAdmin && !undo) {
    ApplyAdmin(w, node, f);
  }
}

const char* UndoName(const Fault& f) {
  if (f.kind == kCrash) return "restart";
  if (f.kind == kPause) return "resume";
  if (f.kind == kPartition) return "heal";
  if (f.kind == kDisk &&
      (f.shape == kDiskLoseUnsynced || f.shape == kDiskTorn || f.shape == kDiskTornSector)) {
    return "restart";
  }
  return nullptr;  // "<kind>-end"
}

}  // namespace

void InstallSchedule(World& w, const Schedule& schedule) {
  for (const Fault& fault : schedule.faults) {
    bool fits = FindNemesis(fault.kind) != nullptr;
    for (int t : fault.targets) fits &= t >= 0 && static_cast<size_t>(t) < w.node_count();
    if (!fits || (fault.targets.empty() && fault.kind != kHeal)) continue;
    auto f = std::make_shared<Fault>(fault);
    w.sim().At(
        f->at_ns, sim::kNoHost,
        [&w, f] {
          w.RecordNemesisJson(f->kind, Detail(w, *f));
          Apply(w, *f, false);
        },
        sim::TraceKind::kFault);
    if (f->duration_ns < 0) continue;
    w.sim().At(
        f->at_ns + f->duration_ns, sim::kNoHost,
        [&w, f] {
          const char* name = UndoName(*f);
          w.RecordNemesisJson(name != nullptr ? name : f->kind + "-end", Detail(w, *f));
          Apply(w, *f, true);
        },
        sim::TraceKind::kFault);
  }
}

// ---- Text forms ------------------------------------------------------------------------------

namespace {

std::string JoinInts(const std::vector<int>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); i++) {
    if (i > 0) s += ".";
    s += std::to_string(v[i]);
  }
  return s;
}

bool ParseInt(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size()) return false;
  int64_t v = 0;
  for (; i < s.size(); i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = s[0] == '-' ? -v : v;
  return true;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t at = s.find(sep, start);
    parts.push_back(s.substr(start, at == std::string_view::npos ? s.npos : at - start));
    if (at == std::string_view::npos) break;
    start = at + 1;
  }
  return parts;
}

bool ParseInts(std::string_view s, std::vector<int>* out) {
  out->clear();
  if (s.empty()) return true;
  for (auto p : Split(s, '.')) {
    int64_t v;
    if (!ParseInt(p, &v) || v < -1 || v > 100000) return false;
    out->push_back(static_cast<int>(v));
  }
  return true;
}

}  // namespace

std::string ScheduleToText(const Schedule& schedule) {
  if (schedule.faults.empty()) return "none";
  std::string s;
  for (const Fault& f : schedule.faults) {
    if (!s.empty()) s += ";";
    s += f.kind + "/" + f.shape + "/" + std::to_string(f.at_ns / kMs) + "/" +
         std::to_string(f.duration_ns < 0 ? -1 : f.duration_ns / kMs) + "/" + JoinInts(f.targets) +
         "/" + std::to_string(f.amount) + "/" + JoinInts(f.groups);
  }
  return s;
}

bool ParseSchedule(std::string_view text, Schedule* out, std::string* error) {
  out->faults.clear();
  if (text == "none" || text.empty()) return true;
  for (auto item : Split(text, ';')) {
    auto p = Split(item, '/');
    Fault f;
    int64_t at_ms, dur_ms;
    if (p.size() != 7 || !ParseInt(p[2], &at_ms) || !ParseInt(p[3], &dur_ms) ||
        !ParseInts(p[4], &f.targets) || !ParseInt(p[5], &f.amount) || !ParseInts(p[6], &f.groups)) {
      *error = "bad fault '" + std::string(item) +
               "' (want kind/shape/at_ms/duration_ms/targets/amount/groups)";
      return false;
    }
    f.kind = std::string(p[0]);
    f.shape = std::string(p[1]);
    const NemesisInfo* info = FindNemesis(f.kind);
    if (info == nullptr) {
      *error = "unknown nemesis '" + f.kind + "'";
      return false;
    }
    if (!f.shape.empty() &&
        std::find(info->shapes.begin(), info->shapes.end(), f.shape) == info->shapes.end()) {
      *error = "nemesis '" + f.kind + "' has no shape '" + f.shape + "'";
      return false;
    }
    f.at_ns = at_ms * kMs;
    f.duration_ns = dur_ms < 0 ? -1 : dur_ms * kMs;
    out->faults.push_back(std::move(f));
  }
  std::stable_sort(out->faults.begin(), out->faults.end(),
                   [](const Fault& a, const Fault& b) { return a.at_ns < b.at_ns; });
  return true;
}

std::string ScheduleToJson(const Schedule& schedule) {
  std::string s = "[";
  for (size_t i = 0; i < schedule.faults.size(); i++) {
    const Fault& f = schedule.faults[i];
    if (i > 0) s += ",";
    s += "{\"kind\":\"" + f.kind + "\",\"shape\":\"" + f.shape +
         "\",\"at_ns\":" + std::to_string(f.at_ns) +
         ",\"duration_ns\":" + std::to_string(f.duration_ns) + ",\"targets\":[";
    for (size_t t = 0; t < f.targets.size(); t++) {
      s += (t > 0 ? "," : "") + std::to_string(f.targets[t]);
    }
    s += "],\"amount\":" + std::to_string(f.amount) +
         ",\"text\":" + world::History::JsonString(DescribeFault(f)) + "}";
  }
  return s + "]";
}

std::string DescribeFault(const Fault& f) {
  char buf[160];
  std::string who;
  for (int t : f.targets) who += (who.empty() ? "n" : ",n") + std::to_string(t + 1);
  std::string what = f.kind + (f.shape.empty() ? "" : " " + f.shape);
  if (f.duration_ns < 0) {
    snprintf(buf, sizeof(buf), "%s %s at %.3f s", what.c_str(), who.c_str(), f.at_ns / 1e9);
  } else {
    snprintf(buf, sizeof(buf), "%s %s at %.3f s for %.0f ms", what.c_str(), who.c_str(),
             f.at_ns / 1e9, f.duration_ns / 1e6);
  }
  std::string s = buf;
  if (f.amount != 0) s += " (amount " + std::to_string(f.amount) + ")";
  return s;
}

}  // namespace redsim::faults
