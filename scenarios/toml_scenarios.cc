#include "scenarios/toml_scenarios.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "scenarios/cli.h"
#include "scenarios/generic.h"
#include "scenarios/topology_checks.h"

namespace redsim::scenarios {

namespace {

// Collects the first error with the file and line it happened at.
struct Loader {
  std::string path;
  std::string error;
  std::vector<toml::source_region> node_regions;  // where each [[node]] is, for later checks

  bool Fail(const toml::source_region& where, const std::string& why) {
    if (error.empty()) error = path + ":" + std::to_string(where.begin.line) + ": " + why;
    return false;
  }

  // Every key of `table` must be in `allowed`.
  bool OnlyKeys(const toml::table& table, std::initializer_list<std::string_view> allowed,
                const std::string& where) {
    for (auto&& [k, v] : table) {
      if (std::find(allowed.begin(), allowed.end(), k.str()) == allowed.end()) {
        std::string list;
        for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        return Fail(k.source(), "unknown key '" + std::string(k.str()) + "' in " + where +
                                    " (allowed: " + list + ")");
      }
    }
    return true;
  }

  bool String(const toml::node& n, std::string* out, const char* what) {
    auto v = n.value<std::string>();
    if (!n.is_string() || !v) return Fail(n.source(), std::string(what) + " must be a string");
    *out = *v;
    return true;
  }

  bool Int(const toml::node& n, int64_t lo, int64_t hi, int64_t* out, const char* what) {
    auto v = n.value<int64_t>();
    if (!n.is_integer() || !v || *v < lo || *v > hi) {
      return Fail(n.source(), std::string(what) + " must be an integer in " + std::to_string(lo) +
                                  ".." + std::to_string(hi));
    }
    *out = *v;
    return true;
  }

  bool Number(const toml::node& n, double* out, const char* what) {
    if (auto v = n.value<double>(); v && (n.is_floating_point() || n.is_integer()) && *v >= 0) {
      *out = *v;
      return true;
    }
    return Fail(n.source(), std::string(what) + " must be a non-negative number");
  }

  bool Duration(const toml::node& n, int64_t* ns, const char* what) {
    std::string s;
    if (!String(n, &s, what)) return false;
    if (s == "0" || s == "0s") {
      *ns = 0;
      return true;
    }
    if (!ParseDuration(s, ns))
      return Fail(n.source(), std::string(what) + ": bad duration '" + s + "'");
    return true;
  }

  bool Nemesis(const std::string& kind, const toml::table& t, faults::NemesisOptions* o) {
    const faults::NemesisInfo* info = faults::FindNemesis(kind);
    *o = info->defaults;
    if (!OnlyKeys(t,
                  {"per_minute", "min_duration", "max_duration", "shapes", "min_amount",
                   "max_amount", "max_drift_ppb"},
                  "[nemesis." + kind + "]")) {
      return false;
    }
    for (auto&& [k, v] : t) {
      std::string_view key = k.str();
      bool ok = true;
      if (key == "per_minute")
        ok = Number(v, &o->per_minute, "per_minute");
      else if (key == "min_duration")
        ok = Duration(v, &o->min_duration_ns, "min_duration");
      else if (key == "max_duration")
        ok = Duration(v, &o->max_duration_ns, "max_duration");
      else if (key == "min_amount")
        ok = Int(v, INT64_MIN / 2, INT64_MAX / 2, &o->min_amount, "min_amount");
      else if (key == "max_amount")
        ok = Int(v, INT64_MIN / 2, INT64_MAX / 2, &o->max_amount, "max_amount");
      else if (key == "max_drift_ppb")
        ok = Int(v, 0, 900'000'000, &o->max_drift_ppb, "max_drift_ppb");
      else if (key == "shapes") {
        const toml::array* arr = v.as_array();
        if (arr == nullptr) return Fail(v.source(), "shapes must be an array of strings");
        for (const toml::node& e : *arr) {
          std::string shape;
          if (!String(e, &shape, "a shape")) return false;
          if (std::find(info->shapes.begin(), info->shapes.end(), shape) == info->shapes.end()) {
            return Fail(e.source(), "nemesis '" + kind + "' has no shape '" + shape + "'");
          }
          o->shapes.push_back(shape);
        }
      }
      if (!ok) return false;
    }
    if (o->min_duration_ns > o->max_duration_ns) {
      return Fail(t.source(), "min_duration is longer than max_duration");
    }
    return true;
  }

  bool NemesisTable(const toml::table& t, faults::RandomScheduleSpec* spec) {
    for (auto&& [k, v] : t) {
      std::string key(k.str());
      if (key == "quiet_start") {
        if (!Duration(v, &spec->quiet_start_ns, "quiet_start")) return false;
      } else if (key == "quiet_end") {
        if (!Duration(v, &spec->quiet_end_ns, "quiet_end")) return false;
      } else if (faults::FindNemesis(key) != nullptr && v.is_table()) {
        faults::NemesisOptions o;
        if (!Nemesis(key, *v.as_table(), &o)) return false;
        spec->kinds.emplace_back(key, o);
      } else {
        std::string names;
        for (const auto& n : faults::AllNemeses()) names += " " + std::string(n.name);
        return Fail(k.source(), "unknown key '" + key +
                                    "' in [nemesis] (quiet_start, quiet_end, or a table per "
                                    "nemesis:" +
                                    names + ")");
      }
    }
    return true;
  }

  // A table of engine config (CONFIG SET names); each entry is tried on a scratch config so a
  // bad name or value is reported at its line.
  // `sentinel`: the [sentinel] table, whose keys are Sentinel's per-master settings rather than
  // engine config names.
  bool ConfigTable(const toml::node& v, std::vector<std::pair<std::string, std::string>>* out,
                   bool sentinel = false) {
    static constexpr std::string_view kSentinelKeys[] = {
        "down-after-milliseconds", "failover-timeout", "parallel-syncs", "auth-pass", "auth-user"};
    const toml::table* t = v.as_table();
    if (t == nullptr) return Fail(v.source(), "config must be a table");
    for (auto&& [ck, cv] : *t) {
      if (sentinel && std::find(std::begin(kSentinelKeys), std::end(kSentinelKeys), ck.str()) ==
                          std::end(kSentinelKeys)) {
        return Fail(ck.source(), "unknown key '" + std::string(ck.str()) +
                                     "' in [sentinel] (down-after-milliseconds, failover-timeout, "
                                     "parallel-syncs, auth-pass, auth-user)");
      }
      std::string value;
      if (cv.is_integer())
        value = std::to_string(*cv.value<int64_t>());
      else if (cv.is_boolean())
        value = *cv.value<bool>() ? "yes" : "no";
      else if (!String(cv, &value, "a config value"))
        return false;
      out->emplace_back(std::string(ck.str()), value);
      if (sentinel) continue;
      RunOptions probe;
      probe.config = {out->back()};
      ServerConfig c;
      std::string why = ApplyConfigOverrides(probe, &c);
      if (!why.empty()) return Fail(ck.source(), why);
    }
    return true;
  }

  bool Claim(const toml::node& v, Scenario* out) {
    const toml::table* t = v.as_table();
    if (t == nullptr) return Fail(v.source(), "claim must be a table");
    if (!OnlyKeys(*t, {"id", "text", "expected"}, "[claim]")) return false;
    for (auto&& [ck, cv] : *t) {
      std::string_view c = ck.str();
      bool ok = true;
      if (c == "id")
        ok = String(cv, &out->claim_id, "claim.id");
      else if (c == "text")
        ok = String(cv, &out->claim, "claim.text");
      else if (c == "expected") {
        std::string text;
        ok = String(cv, &text, "claim.expected");
        if (ok && text != "holds" && text != "refuted") {
          return Fail(cv.source(), "claim.expected must be \"holds\" or \"refuted\"");
        }
        if (ok) reports::ParseVerdict(text, &out->expected);
      }
      if (!ok) return false;
    }
    return true;
  }

  bool OneOfStrings(const toml::node& v, std::initializer_list<std::string_view> allowed,
                    std::string* out, const char* what) {
    if (!String(v, out, what)) return false;
    std::string list;
    for (auto a : allowed) {
      if (*out == a) return true;
      list += (list.empty() ? "" : ", ") + std::string(a);
    }
    return Fail(v.source(), std::string("bad ") + what + " '" + *out + "' (one of: " + list + ")");
  }

  // A [[fault]] entry as written; node names are resolved once every [[node]] is known.
  struct RawFault {
    faults::Fault fault;
    std::string node;
    std::vector<std::string> nodes;  // `nodes = [...]`: several targets, in order (a reshard)
    std::vector<std::vector<std::string>> groups;
    toml::source_region where;
  };
  std::vector<RawFault> raw_faults;

  bool FaultGroups(const toml::node& v, RawFault* f) {
    const toml::array* arr = v.as_array();
    if (arr == nullptr) return Fail(v.source(), "groups must be an array of arrays of node names");
    for (const toml::node& g : *arr) {
      const toml::array* names = g.as_array();
      if (names == nullptr || names->empty()) {
        return Fail(g.source(), "each partition group is a non-empty array of node names");
      }
      f->groups.emplace_back();
      for (const toml::node& e : *names) {
        f->groups.back().emplace_back();
        if (!String(e, &f->groups.back().back(), "a node name")) return false;
      }
    }
    if (f->groups.size() < 2) return Fail(v.source(), "a partition needs at least two groups");
    return true;
  }

  bool FaultKey(std::string_view key, const toml::node& e, RawFault* f) {
    faults::Fault& fault = f->fault;
    if (key == "kind") {
      if (!String(e, &fault.kind, "kind")) return false;
      if (faults::FindNemesis(fault.kind) == nullptr) {
        return Fail(e.source(), "unknown fault kind '" + fault.kind + "' (redsim list --faults)");
      }
      return true;
    }
    if (key == "at") return Duration(e, &fault.at_ns, "at");
    if (key == "duration") {
      if (!Duration(e, &fault.duration_ns, "duration")) return false;
      return fault.duration_ns > 0 || Fail(e.source(), "duration must be positive");
    }
    if (key == "node") return String(e, &f->node, "node");
    if (key == "nodes") {
      const toml::array* arr = e.as_array();
      if (arr == nullptr || arr->empty())
        return Fail(e.source(), "nodes is an array of node names");
      for (const toml::node& n : *arr) {
        f->nodes.emplace_back();
        if (!String(n, &f->nodes.back(), "a node name")) return false;
      }
      return true;
    }
    if (key == "shape") return String(e, &fault.shape, "shape");
    if (key == "groups") return FaultGroups(e, f);
    if (key == "amount") {
      if (auto n = e.value<int64_t>(); n && e.is_integer()) {
        fault.amount = *n;
        return true;
      }
      return Fail(e.source(), "amount must be an integer");
    }
    // "offset": a clock fault's amount written as a duration, "-30s" allowed.
    std::string text;
    if (!String(e, &text, "offset")) return false;
    bool negative = !text.empty() && text[0] == '-';
    if (!ParseDuration(negative ? text.substr(1) : text, &fault.amount)) {
      return Fail(e.source(), "offset: bad duration '" + text + "'");
    }
    if (negative) fault.amount = -fault.amount;
    return true;
  }

  bool FaultEntry(const toml::node& v) {
    const toml::table* t = v.as_table();
    if (t == nullptr) return Fail(v.source(), "[[fault]] entries must be tables");
    if (!OnlyKeys(
            *t, {"kind", "at", "duration", "node", "nodes", "shape", "groups", "amount", "offset"},
            "[[fault]]")) {
      return false;
    }
    RawFault f;
    f.where = t->source();
    for (auto&& [k, e] : *t) {
      if (!FaultKey(k.str(), e, &f)) return false;
    }
    if (f.fault.kind.empty() || t->get("at") == nullptr) {
      return Fail(t->source(), "a [[fault]] needs a kind and an at");
    }
    const faults::NemesisInfo* info = faults::FindNemesis(f.fault.kind);
    if (!f.fault.shape.empty() &&
        std::find(info->shapes.begin(), info->shapes.end(), f.fault.shape) == info->shapes.end()) {
      return Fail(t->source(), "fault '" + f.fault.kind + "' has no shape '" + f.fault.shape + "'");
    }
    bool partition = f.fault.kind == faults::kPartition;
    if (!f.groups.empty() && !partition) return Fail(t->source(), "only a partition has groups");
    if (!f.node.empty() && !f.nodes.empty()) return Fail(t->source(), "node or nodes, not both");
    if (f.fault.kind != faults::kHeal && f.node.empty() && f.nodes.empty() && f.groups.empty()) {
      return Fail(t->source(), "fault '" + f.fault.kind + "' needs a node" +
                                   (partition ? " (the one to isolate) or groups" : ""));
    }
    raw_faults.push_back(std::move(f));
    return true;
  }

  // Node names of the [[fault]] entries to indexes (after every [[node]] was read).
  bool ResolveFaults(GenericSpec* spec) {
    auto index = [&](const std::string& name) {
      for (size_t i = 0; i < spec->nodes.size(); i++) {
        if (spec->nodes[i].name == name) return static_cast<int>(i);
      }
      return -1;
    };
    for (RawFault& raw : raw_faults) {
      faults::Fault f = raw.fault;
      if (!raw.node.empty()) {
        int i = index(raw.node);
        if (i < 0) return Fail(raw.where, "fault names node '" + raw.node + "', not in this file");
        f.targets = {i};
        if (f.kind == faults::kPartition && raw.groups.empty()) {
          // Isolate the named node: it is group 0, everyone else group 1.
          if (f.shape.empty()) f.shape = std::string(faults::kIsolateOne);
          f.groups.assign(spec->nodes.size(), 1);
          f.groups[static_cast<size_t>(i)] = 0;
        }
      }
      for (const std::string& name : raw.nodes) {
        int i = index(name);
        if (i < 0) return Fail(raw.where, "fault names node '" + name + "', not in this file");
        f.targets.push_back(i);
      }
      if (!raw.groups.empty()) {
        // Nodes no group names see everyone (a bridge, group -1).
        f.groups.assign(spec->nodes.size(), -1);
        for (size_t g = 0; g < raw.groups.size(); g++) {
          for (const std::string& name : raw.groups[g]) {
            int i = index(name);
            if (i < 0) return Fail(raw.where, "fault names node '" + name + "', not in this file");
            if (f.groups[static_cast<size_t>(i)] != -1) {
              return Fail(raw.where, "node '" + name + "' is in two partition groups");
            }
            f.groups[static_cast<size_t>(i)] = static_cast<int>(g);
            if (g == 0) f.targets.push_back(i);
          }
        }
        if (f.shape.empty()) {
          f.shape = std::string(raw.groups.size() == 2 ? faults::kHalves : faults::kRandomGroups);
        }
      }
      spec->faults.push_back(std::move(f));
    }
    return true;
  }

  bool Node(const toml::node& v, GenericNodeSpec* n) {
    const toml::table* t = v.as_table();
    if (t == nullptr) return Fail(v.source(), "[[node]] entries must be tables");
    node_regions.push_back(t->source());
    if (!OnlyKeys(*t, {"name", "role", "replicaof", "config", "monitor", "master_name", "quorum"},
                  "[[node]]")) {
      return false;
    }
    for (auto&& [k, e] : *t) {
      std::string_view key = k.str();
      bool ok = true;
      int64_t quorum = 0;
      if (key == "name")
        ok = String(e, &n->name, "node name");
      else if (key == "role")
        ok = OneOfStrings(e, {"primary", "replica", "sentinel"}, &n->role, "role");
      else if (key == "replicaof")
        ok = String(e, &n->replicaof, "replicaof");
      else if (key == "config")
        ok = ConfigTable(e, &n->config);
      else if (key == "monitor")
        ok = String(e, &n->monitor, "monitor");
      else if (key == "master_name")
        ok = String(e, &n->master_name, "master_name");
      else if (key == "quorum") {
        ok = Int(e, 1, 100, &quorum, "quorum");
        n->quorum = static_cast<int>(quorum);
      }
      if (!ok) return false;
    }
    if (n->name.empty()) return Fail(t->source(), "a [[node]] needs a name");
    if ((n->role == "replica") != !n->replicaof.empty()) {
      return Fail(t->source(),
                  "node '" + n->name + "': a replica needs replicaof, a primary has none");
    }
    bool sentinel = n->role == "sentinel";
    if (sentinel == n->monitor.empty() ||
        (!sentinel && (t->get("master_name") != nullptr || t->get("quorum") != nullptr))) {
      return Fail(t->source(), "node '" + n->name +
                                   "': a sentinel needs monitor (and may have master_name, "
                                   "quorum); other roles have none of them");
    }
    return true;
  }

  bool Workload(const toml::node& v, GenericWorkloadSpec* w) {
    const toml::table* t = v.as_table();
    if (t == nullptr) return Fail(v.source(), "[[workload]] entries must be tables");
    if (!OnlyKeys(*t,
                  {"kind", "clients", "keys", "rate", "target", "read_target", "read_fraction",
                   "cas_fraction", "cas_via", "lease", "hold", "timeout", "slot_map"},
                  "[[workload]]")) {
      return false;
    }
    const toml::node* kind = t->get("kind");
    if (kind == nullptr) return Fail(t->source(), "a [[workload]] needs a kind");
    if (!String(*kind, &w->kind, "kind")) return false;
    const WorkloadKindInfo* info = FindWorkloadKind(w->kind);
    if (info == nullptr) {
      std::string list;
      for (const auto& k : AllWorkloadKinds()) list += (list.empty() ? "" : ", ") + k.name;
      return Fail(kind->source(), "bad workload kind '" + w->kind + "' (one of: " + list + ")");
    }
    for (auto&& [k, e] : *t) {
      std::string_view key = k.str();
      int64_t n = 0;
      bool ok = true;
      // Knobs that only mean something for some kinds (the kind's registered options).
      if (!info->TakesOption(key)) {
        return Fail(k.source(), "key '" + std::string(key) + "' does not apply to kind " + w->kind);
      }
      if (key == "clients") {
        ok = Int(e, 1, 10000, &n, "clients");
        w->clients = static_cast<int>(n);
      } else if (key == "keys") {
        ok = Int(e, 1, 1000000, &n, "keys");
        w->keys = static_cast<int>(n);
      } else if (key == "rate") {
        ok = Number(e, &w->rate, "rate");
      } else if (key == "target") {
        ok = OneOfStrings(e, {"primary", "any", "replicas", "sentinel", "cluster"}, &w->target,
                          "target");
      } else if (key == "read_target") {
        ok = OneOfStrings(e, {"primary", "any", "replicas"}, &w->read_target, "read_target");
      } else if (key == "read_fraction" || key == "cas_fraction") {
        double* f = key == "read_fraction" ? &w->read_fraction : &w->cas_fraction;
        ok = Number(e, f, key == "read_fraction" ? "read_fraction" : "cas_fraction");
        if (ok && *f > 1) return Fail(e.source(), "a fraction must be in 0..1");
      } else if (key == "slot_map") {
        ok = OneOfStrings(e, {"refresh", "keep"}, &w->slot_map, "slot_map");
      } else if (key == "cas_via") {
        ok = OneOfStrings(e, {"lua", "watch"}, &w->cas_via, "cas_via");
      } else if (key == "lease" || key == "hold") {
        ok = Duration(e, &n, key == "lease" ? "lease" : "hold");
        if (ok && n < 1'000'000) return Fail(e.source(), "lease and hold are at least 1ms");
        (key == "lease" ? w->lease_ms : w->hold_ms) = n / 1'000'000;
      } else if (key == "timeout") {
        ok = Duration(e, &w->timeout_ns, "timeout");
        if (ok && w->timeout_ns <= 0) return Fail(e.source(), "timeout must be positive");
      }
      if (!ok) return false;
    }
    return true;
  }

  template <typename Each>
  bool ArrayOfTables(const toml::node& v, const char* what, Each each) {
    const toml::array* arr = v.as_array();
    if (arr == nullptr)
      return Fail(v.source(), std::string(what) + " must be [[" + what + "]] tables");
    for (const toml::node& e : *arr) {
      if (!each(e)) return false;
    }
    return true;
  }

  // Cross-checks of a generic file once every key was read.
  bool CheckGeneric(const toml::table& root, const toml::node* checkers, GenericSpec* spec) {
    if (spec->nodes.empty())
      return Fail(root.source(), "a scenario needs [[node]] entries or a driver");
    if (spec->workloads.empty())
      return Fail(root.source(), "a scenario needs [[workload]] entries");
    std::set<std::string> names, primaries;
    for (const auto& n : spec->nodes) {
      if (!names.insert(n.name).second) return Fail(root.source(), "node '" + n.name + "' twice");
      if (n.role == "primary") primaries.insert(n.name);
    }
    if (primaries.empty()) return Fail(root.source(), "a scenario needs a primary node");
    bool have_replica = false;
    for (size_t i = 0; i < spec->nodes.size(); i++) {
      const GenericNodeSpec& n = spec->nodes[i];
      if (n.role != "replica") continue;
      have_replica = true;
      if (!primaries.count(n.replicaof)) {
        return Fail(node_regions[i], "node '" + n.name + "': replicaof '" + n.replicaof +
                                         "' is not a primary node of this file");
      }
    }
    bool have_sentinel = false;
    for (size_t i = 0; i < spec->nodes.size(); i++) {
      const GenericNodeSpec& n = spec->nodes[i];
      if (n.role != "sentinel") continue;
      if (spec->cluster) return Fail(node_regions[i], "a cluster = true file has no sentinels");
      have_sentinel = true;
      bool data_node = false;
      for (const auto& m : spec->nodes) data_node |= m.name == n.monitor && m.role != "sentinel";
      if (!data_node) {
        return Fail(node_regions[i], "node '" + n.name + "': monitor '" + n.monitor +
                                         "' is not a data node of this file");
      }
    }
    for (const auto& w : spec->workloads) {
      if (!have_replica && (w.target == "replicas" || w.read_target == "replicas")) {
        return Fail(root.source(), "a workload targets replicas but no node is a replica");
      }
      if (!have_sentinel && w.target == "sentinel") {
        return Fail(root.source(), "a workload asks a Sentinel but no node is a sentinel");
      }
      if (spec->cluster != (w.target == "cluster")) {
        return Fail(root.source(), spec->cluster
                                       ? "in a cluster = true file every workload has target = "
                                         "\"cluster\""
                                       : "target = \"cluster\" needs cluster = true");
      }
      if (w.slot_map != "refresh" && w.target != "cluster") {
        return Fail(root.source(), "slot_map applies to target = \"cluster\" only");
      }
      if (spec->cluster && w.kind == "cas-register" && w.cas_via == "watch") {
        return Fail(root.source(), "cas_via = \"watch\" is not routed by slot (use lua)");
      }
    }
    if (checkers == nullptr) return true;
    const toml::array* arr = checkers->as_array();
    if (arr == nullptr) return Fail(checkers->source(), "checkers must be an array of model names");
    for (const toml::node& e : *arr) {
      std::string model;
      if (!String(e, &model, "a checker")) return false;
      static const std::vector<std::string> kTopology = {kElectionSafety, kSentinelConvergence,
                                                         kNoFailover, kNoPromotion, kTiltSafety};
      static const std::vector<std::string> kClusterChecks = {kElectionSafety, kClusterConvergence,
                                                              kFailoverTime};
      const std::vector<std::string>& topology = spec->cluster ? kClusterChecks : kTopology;
      bool checks = have_sentinel || spec->cluster;
      bool used = checks && std::find(topology.begin(), topology.end(), model) != topology.end();
      std::string list;
      for (const std::string& t : topology) list += checks ? t + ", " : "";
      if (!list.empty()) list.resize(list.size() - 2);
      for (const auto& w : spec->workloads) {
        for (const auto& c : FindWorkloadKind(w.kind)->checkers) {
          used |= c == model;
          list += (list.empty() ? "" : ", ") + c;
        }
      }
      if (!used) {
        return Fail(e.source(),
                    "checker '" + model + "' judges no workload here (these can: " + list + ")");
      }
      spec->checkers.push_back(model);
    }
    return true;
  }

  bool Load(const toml::table& root, Scenario* out) {
    if (!OnlyKeys(root,
                  {"name", "description", "driver", "workload", "clients", "keys", "rate", "claim",
                   "config", "options", "nemesis", "duration", "node", "checkers", "fault",
                   "sentinel", "cluster", "lost_adds_bound", "failover_bound"},
                  "the top level")) {
      return false;
    }
    std::string driver_name;
    DriverParams params;
    GenericSpec generic;
    std::vector<std::pair<std::string, std::string>> config;  // every node
    const toml::node* checkers = nullptr;
    const toml::node* generic_key = nullptr;  // the first key only a generic file has
    const toml::node* driver_only_key = nullptr;
    const toml::node* nemesis_node = nullptr;
    const toml::node* options_node = nullptr;
    for (auto&& [k, v] : root) {
      std::string_view key = k.str();
      int64_t n = 0;
      bool ok = true;
      if (key == "name")
        ok = String(v, &out->name, "name");
      else if (key == "description")
        ok = String(v, &out->description, "description");
      else if (key == "driver")
        ok = String(v, &driver_name, "driver");
      else if (key == "claim")
        ok = Claim(v, out);
      else if (key == "duration") {
        ok = Duration(v, &out->default_duration_ns, "duration");
        if (ok && out->default_duration_ns <= 0)
          return Fail(v.source(), "duration must be positive");
      } else if (key == "config")
        ok = ConfigTable(v, &config);
      else if (key == "nemesis") {
        const toml::table* t = v.as_table();
        if (t == nullptr) return Fail(v.source(), "nemesis must be a table");
        nemesis_node = &v;
        ok = NemesisTable(*t, &params.nemesis);
      } else if (key == "clients" || key == "keys") {
        if (driver_only_key == nullptr) driver_only_key = &v;
        ok = Int(v, 1, key == "clients" ? 10000 : 1000000, &n,
                 key == "clients" ? "clients" : "keys");
        (key == "clients" ? params.default_clients : params.default_keys) = static_cast<int>(n);
      } else if (key == "rate") {
        if (driver_only_key == nullptr) driver_only_key = &v;
        ok = Number(v, &params.rate, "rate");
        if (ok && params.rate < 0) return Fail(v.source(), "rate must not be negative");
      } else if (key == "options") {
        options_node = &v;
        driver_only_key = &v;
      } else if (key == "workload" && v.is_string()) {
        // The first files' spelling of `driver = "single-node"`.
        ok = String(v, &driver_name, "workload");
        if (ok && driver_name != "single-node") {
          return Fail(v.source(), "workload must be one of: single-node (got '" + driver_name +
                                      "'), or [[workload]] tables");
        }
      } else if (key == "workload") {
        if (generic_key == nullptr) generic_key = &v;
        ok = ArrayOfTables(v, "workload", [&](const toml::node& e) {
          generic.workloads.emplace_back();
          return Workload(e, &generic.workloads.back());
        });
      } else if (key == "node") {
        if (generic_key == nullptr) generic_key = &v;
        ok = ArrayOfTables(v, "node", [&](const toml::node& e) {
          generic.nodes.emplace_back();
          return Node(e, &generic.nodes.back());
        });
      } else if (key == "checkers") {
        if (generic_key == nullptr) generic_key = &v;
        checkers = &v;
      } else if (key == "failover_bound") {
        if (generic_key == nullptr) generic_key = &v;
        ok = Duration(v, &generic.failover_bound_ns, "failover_bound");
      } else if (key == "lost_adds_bound") {
        if (generic_key == nullptr) generic_key = &v;
        ok = Duration(v, &generic.lost_adds_bound_ns, "lost_adds_bound");
      } else if (key == "cluster") {
        if (generic_key == nullptr) generic_key = &v;
        if (!v.is_boolean()) return Fail(v.source(), "cluster must be true or false");
        generic.cluster = *v.value<bool>();
      } else if (key == "sentinel") {
        if (generic_key == nullptr) generic_key = &v;
        ok = ConfigTable(v, &generic.sentinel_config, /*sentinel=*/true);
      } else if (key == "fault") {
        if (generic_key == nullptr) generic_key = &v;
        ok = ArrayOfTables(v, "fault", [&](const toml::node& e) { return FaultEntry(e); });
      }
      if (!ok) return false;
    }
    if (out->name.empty()) return Fail(root.source(), "a scenario needs a name");
    std::string name = out->name;
    Scenario claim_of = *out;
    if (!driver_name.empty()) {
      const DriverInfo* driver = FindDriver(driver_name);
      if (driver == nullptr) {
        std::string list;
        for (const auto& d : AllDrivers()) list += (list.empty() ? "" : ", ") + d.name;
        return Fail(root.get("driver") ? root.get("driver")->source() : root.source(),
                    "unknown driver '" + driver_name + "' (one of: " + list + ")");
      }
      if (generic_key != nullptr) {
        return Fail(generic_key->source(),
                    "a driver scenario has no [[node]], [[workload]], [[fault]] or "
                    "checkers (driver " +
                        driver_name + " builds its own)");
      }
      if (nemesis_node != nullptr && !driver->takes_nemesis) {
        return Fail(nemesis_node->source(),
                    "driver " + driver_name + " schedules its own faults: no [nemesis] table");
      }
      if (options_node != nullptr && !DriverOptions(*options_node, *driver, &params)) return false;
      params.config = config;
      DriverInfo d = *driver;
      out->run = [d, params, name, claim_of](const RunOptions& opts) {
        RunOptions o = opts;
        if (o.clients <= 0 && params.default_clients > 0) o.clients = params.default_clients;
        if (o.keys <= 0 && params.default_keys > 0) o.keys = params.default_keys;
        o.config.insert(o.config.begin(), params.config.begin(), params.config.end());
        RunResult r = d.run(o, name, params);
        r.scenario = name;
        r.claim_id = claim_of.claim_id;
        r.claim = claim_of.claim;
        r.expected = claim_of.expected;
        return r;
      };
      return true;
    }
    if (driver_only_key != nullptr) {
      return Fail(driver_only_key->source(),
                  "clients, keys, rate and [options] belong to driver scenarios; a file with "
                  "[[workload]] gives them per workload");
    }
    if (!CheckGeneric(root, checkers, &generic) || !ResolveFaults(&generic)) return false;
    generic.nemesis = params.nemesis;
    for (auto& n : generic.nodes) {
      if (n.role != "sentinel") n.config.insert(n.config.begin(), config.begin(), config.end());
    }
    out->run = [generic, name](const RunOptions& opts) { return RunGeneric(opts, name, generic); };
    return true;
  }

  bool DriverOptions(const toml::node& v, const DriverInfo& driver, DriverParams* params) {
    const toml::table* t = v.as_table();
    if (t == nullptr) return Fail(v.source(), "options must be a table");
    for (auto&& [k, e] : *t) {
      std::string key(k.str());
      if (std::find(driver.bool_options.begin(), driver.bool_options.end(), key) ==
          driver.bool_options.end()) {
        std::string list;
        for (const auto& o : driver.bool_options) list += (list.empty() ? "" : ", ") + o;
        return Fail(k.source(), "unknown key '" + key + "' in [options] of driver " + driver.name +
                                    " (allowed: " + (list.empty() ? "none" : list) + ")");
      }
      if (!e.is_boolean()) return Fail(e.source(), "option " + key + " must be true or false");
      params->options[key] = *e.value<bool>() ? "true" : "false";
    }
    return true;
  }
};

}  // namespace

bool LoadScenarioFile(const std::string& path, Scenario* out, std::string* error) {
  Loader loader{path, {}, {}, {}};
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    *error =
        path + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description());
    return false;
  }
  *out = Scenario();
  if (!loader.Load(root, out)) {
    *error = loader.error;
    return false;
  }
  return true;
}

bool LoadScenarioDir(const std::string& dir, std::vector<Scenario>* out, std::string* error) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".toml") files.push_back(e.path().string());
  }
  if (ec) {
    *error = dir + ": " + ec.message();
    return false;
  }
  std::sort(files.begin(), files.end());
  std::set<std::string> names;
  for (const std::string& f : files) {
    Scenario s;
    if (!LoadScenarioFile(f, &s, error)) return false;
    if (!names.insert(s.name).second) {
      *error = f + ":1: scenario '" + s.name + "' is defined twice";
      return false;
    }
    out->push_back(std::move(s));
  }
  return true;
}

std::string ScenarioDefsDir() {
  if (const char* env = std::getenv("REDSIM_SCENARIOS_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  return REDSIM_SCENARIO_DEFS_DIR;
}

}  // namespace redsim::scenarios
