#include "scenarios/topology_checks.h"

#include <algorithm>
#include <map>

#include "checkers/election_safety.h"

namespace redsim::scenarios {

namespace {

using world::History;
using world::HistoryEntry;
using world::OpType;
using world::World;

std::string DatumText(const checkers::Datum& d) {
  return d.is_int() ? std::to_string(d.int_value()) : d.text();
}

// The node named by "ip port" (or "ip:port"), as the world calls it; the address itself when no
// node listens there.
std::string NodeName(World& w, const std::string& ip, int port) {
  const world::SimNode* n = w.NodeAt(ip, port);
  return n != nullptr ? n->name() : ip + ":" + std::to_string(port);
}

std::vector<std::string> Words(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = s.find(' ', i);
    if (j == std::string::npos) j = s.size();
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

}  // namespace

checkers::LostAddsResult LostAddsOf(const History& history, std::pair<int, int> processes,
                                    int64_t bound_ns, const std::vector<int64_t>& fault_starts) {
  checkers::LostAddsInput in;
  in.bound_ns = bound_ns;
  in.fault_starts = fault_starts;
  struct Pending {
    std::string f, key, value;
    int64_t invoke_ns = 0;
  };
  std::map<int, Pending> pending;
  for (const HistoryEntry& e : history.entries()) {
    if (e.process < processes.first || e.process >= processes.second) continue;
    checkers::Datum value;
    std::string error;
    if (e.type == OpType::kInvoke) {
      history.ValueDatum(e, &value, &error);
      pending[e.process] = {std::string(history.name(e.f)), std::string(history.name(e.key)),
                            DatumText(value), e.time_ns};
      continue;
    }
    auto p = pending.find(e.process);
    if (p == pending.end() || e.type != OpType::kOk) continue;
    if (p->second.f == "add") {
      in.adds.push_back({p->second.key, p->second.value, e.time_ns});
    } else if (p->second.f == "read" && history.ValueDatum(e, &value, &error) && value.is_list()) {
      checkers::FinalRead& read = in.final_reads[p->second.key];
      if (p->second.invoke_ns < read.invoke_ns) continue;
      read.invoke_ns = p->second.invoke_ns;
      read.elements.clear();
      for (const checkers::Datum& x : value.items()) read.elements.insert(DatumText(x));
    }
  }
  return checkers::CheckLostAdds(in);
}

checkers::CheckOutcome SentinelElectionSafety(World& w) {
  std::vector<checkers::EpochEvent> leaders;
  std::vector<checkers::EpochEvent> promotions;
  using Kind = checkers::EpochEvent::Kind;
  for (const world::SentinelEventRecord& r : w.sentinel_events()) {
    const SentinelEvent& e = r.event;
    int64_t epoch = static_cast<int64_t>(e.epoch);
    if (e.type == "+new-epoch") {
      leaders.push_back({r.node, r.time_ns, epoch, Kind::kObserved});
    } else if (e.type == "+elected-leader") {
      leaders.push_back({r.node, r.time_ns, epoch, Kind::kPromoted});
    } else if (e.type == "+switch-master") {
      // "<name> <old ip> <old port> <new ip> <new port>"
      std::vector<std::string> words = Words(e.detail);
      if (words.size() < 5) continue;
      std::string promoted = NodeName(w, words[3], std::atoi(words[4].c_str()));
      promotions.push_back({promoted, r.time_ns, epoch, Kind::kPromoted});
    }
  }
  checkers::CheckOutcome out = checkers::CheckElectionSafety(leaders);
  checkers::CheckOutcome promoted = checkers::CheckElectionSafety(promotions);
  for (const checkers::Violation& v : promoted.violations) out.Add(v.kind, v.message, v.time_ns);
  out.total_violations += promoted.total_violations - promoted.violations.size();
  out.checker = kElectionSafety;
  out.summary = std::to_string(w.sentinel_events().size()) + " Sentinel events: " +
                (out.ok() ? "one leader and one new primary per epoch, epochs never went back"
                          : std::to_string(out.total_violations) + " violations");
  return out;
}

namespace {

// Every event of the listed types, each a violation of `kind`.
checkers::CheckOutcome EventsAreViolations(World& w, const char* checker,
                                           const std::map<std::string, std::string>& kinds,
                                           const std::string& ok_summary) {
  checkers::CheckOutcome out;
  out.checker = checker;
  for (const world::SentinelEventRecord& r : w.sentinel_events()) {
    auto kind = kinds.find(r.event.type);
    if (kind == kinds.end()) continue;
    out.Add(kind->second,
            r.node + " " + r.event.type + " " + r.event.detail + " (epoch " +
                std::to_string(r.event.epoch) + ")",
            r.time_ns);
  }
  out.summary = out.ok() ? ok_summary : std::to_string(out.total_violations) + " such events";
  return out;
}

}  // namespace

checkers::CheckOutcome SentinelNoFailover(World& w) {
  return EventsAreViolations(
      w, kNoFailover,
      {{"+try-failover", "failover-started"}, {"+switch-master", "primary-switched"}},
      "no Sentinel started a failover");
}

checkers::CheckOutcome SentinelNoPromotion(World& w) {
  return EventsAreViolations(
      w, kNoPromotion,
      {{"+promoted-slave", "replica-promoted"}, {"+switch-master", "primary-switched"}},
      "no replica was promoted");
}

checkers::CheckOutcome SentinelTiltSafety(World& w) {
  checkers::CheckOutcome out;
  out.checker = kTiltSafety;
  std::map<std::string, bool> in_tilt;
  uint64_t tilts = 0;
  for (const world::SentinelEventRecord& r : w.sentinel_events()) {
    const std::string& type = r.event.type;
    if (type == "+tilt") {
      in_tilt[r.node] = true;
      tilts++;
    } else if (type == "-tilt") {
      in_tilt[r.node] = false;
    } else if (in_tilt[r.node] && (type == "+sdown" || type == "+odown" ||
                                   type == "+try-failover" || type == "+elected-leader")) {
      out.Add("acted-in-tilt", r.node + " " + type + " " + r.event.detail + " while in TILT",
              r.time_ns);
    }
  }
  if (tilts == 0) out.Add("tilt-never-entered", "no Sentinel entered TILT: nothing was tested");
  out.summary = std::to_string(tilts) + " TILT periods; " +
                (out.ok() ? "no Sentinel acted while in one" : "violations");
  return out;
}

checkers::CheckOutcome ClusterElectionSafety(World& w) {
  std::vector<checkers::EpochEvent> wins;
  for (const world::ClusterEventRecord& r : w.cluster_events()) {
    if (r.kind != "failover-won") continue;
    wins.push_back(
        {r.node, r.time_ns, static_cast<int64_t>(r.epoch), checkers::EpochEvent::Kind::kPromoted});
  }
  checkers::CheckOutcome out = checkers::CheckElectionSafety(wins);
  out.checker = kElectionSafety;
  out.summary = std::to_string(wins.size()) + " failovers won: " +
                (out.ok() ? "each with its own config epoch"
                          : std::to_string(out.total_violations) + " violations");
  return out;
}

namespace {

// One node's view of the slot owners, by world name ("" where unassigned).
std::vector<std::string> SlotOwners(World& w, const cluster::Cluster& c) {
  std::vector<std::string> owners(cluster::kSlotCount);
  for (int s = 0; s < cluster::kSlotCount; s++) {
    const cluster::Node* n = c.slot_owner(s);
    if (n != nullptr) owners[static_cast<size_t>(s)] = w.NodeNameOfClusterId(n->id);
  }
  return owners;
}

}  // namespace

checkers::CheckOutcome ClusterConvergence(World& w, const std::vector<size_t>& data_nodes) {
  checkers::CheckOutcome out;
  out.checker = kClusterConvergence;
  int64_t now = w.sim().now_ns();
  std::string reference;
  std::vector<std::string> owners;
  for (size_t i : data_nodes) {
    world::SimNode* node = w.node(i);
    if (!node->up() || node->server()->cluster() == nullptr) continue;
    const cluster::Cluster& c = *node->server()->cluster();
    if (!c.state_ok()) out.Add("cluster-down", node->name() + " says cluster_state:fail", now);
    std::vector<std::string> mine = SlotOwners(w, c);
    if (reference.empty()) {
      reference = node->name();
      owners = std::move(mine);
      continue;
    }
    for (int s = 0; s < cluster::kSlotCount; s++) {
      if (mine[static_cast<size_t>(s)] == owners[static_cast<size_t>(s)]) continue;
      out.Add("slot-owners-disagree",
              node->name() + " says slot " + std::to_string(s) + " is served by '" +
                  mine[static_cast<size_t>(s)] + "', " + reference + " says '" +
                  owners[static_cast<size_t>(s)] + "'",
              now);
      break;
    }
  }
  std::map<std::string, int> slots_of;
  for (int s = 0; s < cluster::kSlotCount && !owners.empty(); s++) {
    const std::string& o = owners[static_cast<size_t>(s)];
    if (o.empty()) {
      out.Add("slot-unassigned", "slot " + std::to_string(s) + " has no owner", now);
      break;
    }
    slots_of[o]++;
  }
  std::map<uint64_t, std::string> epoch_owner;
  for (const auto& [name, count] : slots_of) {
    const world::SimNode* n = nullptr;
    for (size_t i : data_nodes) n = w.node(i)->name() == name ? w.node(i) : n;
    const cluster::Cluster* c = n != nullptr && n->up() ? n->server()->cluster() : nullptr;
    if (c == nullptr || !c->is_master()) {
      out.Add("owner-not-a-live-master",
              name + " serves " + std::to_string(count) + " slots but is down or a replica", now);
      continue;
    }
    auto [it, fresh] = epoch_owner.emplace(c->my_config_epoch(), name);
    if (!fresh) {
      out.Add("config-epoch-collision",
              name + " and " + it->second + " both have config epoch " +
                  std::to_string(c->my_config_epoch()),
              now);
    }
  }
  out.summary = reference.empty() ? "no cluster node is up"
                                  : std::to_string(slots_of.size()) + " masters serve the slots" +
                                        (out.ok() ? "; every node agrees, state ok" : "");
  if (reference.empty()) out.Add("no-node-up", "no cluster node is up at the end", now);
  return out;
}

checkers::CheckOutcome ClusterFailoverTime(
    World& w, const std::vector<std::pair<std::string, int64_t>>& crashes,
    const std::map<std::string, std::string>& replica_of, int64_t bound_ns) {
  checkers::CheckOutcome out;
  out.checker = kFailoverTime;
  int64_t worst = 0;
  for (const auto& [primary, at] : crashes) {
    int64_t took = -1;
    for (const world::ClusterEventRecord& r : w.cluster_events()) {
      auto of = replica_of.find(r.node);
      if (r.kind != "failover-won" || r.time_ns < at || of == replica_of.end() ||
          of->second != primary) {
        continue;
      }
      took = r.time_ns - at;
      break;
    }
    if (took < 0 || took > bound_ns) {
      out.Add("shard-without-master",
              "the shard of " + primary + " (crashed at " + std::to_string(at / 1'000'000) +
                  " ms) " +
                  (took < 0
                       ? "never got a new master"
                       : "got a new master only after " + std::to_string(took / 1'000'000) + " ms"),
              at);
    }
    worst = std::max(worst, took);
  }
  out.summary =
      std::to_string(crashes.size()) + " primary crashes; " +
      (out.ok() ? "slowest takeover " + std::to_string(worst / 1'000'000) + " ms"
                : std::to_string(out.total_violations) + " shards not taken over in time") +
      " (bound " + std::to_string(bound_ns / 1'000'000) + " ms)";
  return out;
}

checkers::CheckOutcome SentinelConvergence(World& w, const std::vector<size_t>& sentinels,
                                           const std::vector<size_t>& data_nodes,
                                           const std::string& master) {
  checkers::CheckOutcome out;
  out.checker = kSentinelConvergence;
  int64_t now = w.sim().now_ns();
  std::map<std::string, std::vector<std::string>> named;  // primary -> Sentinels naming it
  for (size_t s : sentinels) {
    world::SimNode* node = w.node(s);
    if (!node->up()) continue;
    std::string ip;
    int port = 0;
    Sentinel* sentinel = node->server()->sentinel();
    if (sentinel == nullptr || !sentinel->MasterAddress(master, &ip, &port)) {
      out.Add("sentinel-lost-master", node->name() + " does not monitor " + master, now);
      continue;
    }
    named[NodeName(w, ip, port)].push_back(node->name());
  }
  if (named.size() != 1) {
    std::string views;
    for (const auto& [primary, who] : named) {
      for (const std::string& s : who) views += " " + s + "->" + primary;
    }
    out.Add("sentinels-disagree", "the Sentinels name different primaries:" + views, now);
    out.summary = "no agreement on the primary";
    return out;
  }
  const std::string& primary = named.begin()->first;
  std::map<std::string, world::RoleSpan> last;  // each node's open role span
  for (const world::RoleSpan& span : w.RoleSpans()) last[span.node] = span;
  for (size_t i : data_nodes) {
    const std::string& name = w.node(i)->name();
    const world::RoleSpan& span = last[name];
    if (name == primary) {
      if (span.role != "primary") {
        out.Add("named-primary-not-primary",
                "the Sentinels name " + name + " but it is " + span.role, now);
      }
    } else if (span.role != "down" && (span.role != "replica" || span.master != primary)) {
      out.Add("node-not-following",
              name + " is " + span.role + (span.master.empty() ? "" : " of " + span.master) +
                  ", not a replica of " + primary,
              now);
    }
  }
  out.summary = "every Sentinel names " + primary +
                (out.ok() ? "; every data node up follows it" : "; not every data node follows it");
  return out;
}

}  // namespace redsim::scenarios
