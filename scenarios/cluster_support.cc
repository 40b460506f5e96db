#include "scenarios/cluster_support.h"

#include <cstdlib>

#include "engine/cluster/key_slot.h"

namespace redsim::scenarios {

namespace {

using world::CallResult;
using world::SimClient;
using world::World;

constexpr int64_t kMs = 1'000'000;
constexpr int kSlots = 16384;
constexpr int kMaxRedirects = 5;

bool Connected(World& w, std::vector<SimClient*>& conns, size_t node) {
  SimClient* conn = conns[node];
  if (conn->connected()) return true;
  world::SimNode* n = w.node(node);
  return conn->Connect(n->address(), n->port(), 500 * kMs);
}

// The node listening on "ip:port" (or ip and port apart), -1 if none.
int NodeIndex(World& w, const std::string& ip, int port) {
  for (size_t i = 0; i < w.node_count(); i++) {
    if (w.node(i)->address() == ip && w.node(i)->port() == port) return static_cast<int>(i);
  }
  return -1;
}

int NodeOfEndpoint(World& w, const std::string& endpoint) {
  size_t colon = endpoint.rfind(':');
  if (colon == std::string::npos) return -1;
  return NodeIndex(w, endpoint.substr(0, colon), std::atoi(endpoint.c_str() + colon + 1));
}

// "MOVED 3999 10.0.0.2:6379" / "ASK 3999 10.0.0.2:6379": the target node, -1 if unknown.
int RedirectTarget(World& w, const std::string& error) {
  size_t space = error.rfind(' ');
  return space == std::string::npos ? -1 : NodeOfEndpoint(w, error.substr(space + 1));
}

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

CallResult NotConnected() {
  CallResult r;
  r.status = CallResult::Status::kNotConnected;
  return r;
}

}  // namespace

SlotMap::SlotMap(bool refresh_on_errors)
    : owner_(kSlots, -1), refresh_on_errors_(refresh_on_errors) {}

void SlotMap::Moved(int slot, int node) {
  owner_[static_cast<size_t>(slot)] = node;
  stale_ = true;
}

bool SlotMap::Refresh(World& w, std::vector<SimClient*>& conns, Random& rng, int64_t timeout_ns) {
  std::vector<size_t> order;
  for (size_t i = 0; i < conns.size(); i++) order.push_back(i);
  for (size_t i = order.size(); i > 1; i--) std::swap(order[i - 1], order[rng.Uniform(i)]);
  for (size_t n : order) {
    if (!Connected(w, conns, n)) continue;
    CallResult r = conns[n]->Call({"CLUSTER", "SLOTS"}, timeout_ns);
    if (!r.ok() || r.reply.type != RespValue::Type::kArray || r.reply.elements.empty()) continue;
    std::vector<int> owner(kSlots, -1);
    for (const RespValue& range : r.reply.elements) {
      if (range.elements.size() < 3 || range.elements[2].elements.size() < 2) continue;
      const RespValue& primary = range.elements[2];
      int node =
          NodeIndex(w, primary.elements[0].str, static_cast<int>(primary.elements[1].integer));
      int64_t lo = range.elements[0].integer, hi = range.elements[1].integer;
      for (int64_t s = std::max<int64_t>(lo, 0); s <= std::min<int64_t>(hi, kSlots - 1); s++) {
        owner[static_cast<size_t>(s)] = node;
      }
    }
    owner_ = std::move(owner);
    stale_ = false;
    return true;
  }
  return false;
}

CallResult ClusterCall(World& w, std::vector<SimClient*>& conns, SlotMap& map,
                       const std::vector<std::string>& args, const std::string& key,
                       int64_t timeout_ns, Random& rng) {
  if (map.stale()) map.Refresh(w, conns, rng, timeout_ns);
  int slot = cluster::KeySlot(key);
  int node = map.owner(slot);
  bool asking = false;
  CallResult r = NotConnected();
  for (int hop = 0; hop <= kMaxRedirects; hop++) {
    if (node < 0) {
      map.MarkUnknown();
      return NotConnected();
    }
    if (!Connected(w, conns, static_cast<size_t>(node))) {
      map.ConnectionFailed();
      return NotConnected();
    }
    SimClient* conn = conns[static_cast<size_t>(node)];
    if (asking) {
      std::vector<CallResult> rs = conn->CallPipeline({{"ASKING"}, args}, timeout_ns);
      r = rs[1];
    } else {
      r = conn->Call(args, timeout_ns);
    }
    if (r.status != CallResult::Status::kReply) {
      if (r.status != CallResult::Status::kStopped) map.ConnectionFailed();
      return r;
    }
    if (!r.reply.is_error()) return r;
    asking = StartsWith(r.reply.str, "ASK ");
    if (!asking && !StartsWith(r.reply.str, "MOVED ")) return r;
    node = RedirectTarget(w, r.reply.str);
    w.Probe(asking ? "cluster-ask-followed" : "cluster-moved-followed");
    if (!asking) map.Moved(slot, node);
  }
  return r;
}

namespace {

// Polls `ready(node)` on every node every 100 ms until all say yes or the deadline passes.
template <typename Ready>
bool WaitAll(World& w, std::vector<SimClient*>& conns, int64_t deadline_ns, Ready ready) {
  while (!w.stopping() && w.sim().now_ns() < deadline_ns) {
    bool all = true;
    for (size_t n = 0; n < conns.size() && all; n++) {
      all = Connected(w, conns, n) && ready(n);
    }
    if (all) return true;
    w.sim().SleepFiber(100 * kMs);
  }
  return false;
}

bool Ok(const CallResult& r) { return r.ok(); }

}  // namespace

bool BootstrapCluster(World& w, std::vector<SimClient*>& conns,
                      const std::vector<size_t>& primaries,
                      const std::vector<std::pair<size_t, size_t>>& replicas, int64_t timeout_ns,
                      std::string* progress) {
  const int64_t t = 1000 * kMs;  // one request's timeout
  int64_t deadline = w.sim().now_ns() + timeout_ns;
  *progress = "assigning slots";
  for (size_t i = 0; i < primaries.size(); i++) {
    size_t n = primaries[i];
    int lo = static_cast<int>(i * kSlots / primaries.size());
    int hi = static_cast<int>((i + 1) * kSlots / primaries.size()) - 1;
    if (!Connected(w, conns, n) ||
        !Ok(conns[n]->Call({"CLUSTER", "ADDSLOTSRANGE", std::to_string(lo), std::to_string(hi)},
                           t))) {
      return false;
    }
  }
  *progress = "meeting";
  size_t first = primaries.at(0);
  for (size_t n = 0; n < conns.size(); n++) {
    if (n == first) continue;
    world::SimNode* node = w.node(n);
    if (!Connected(w, conns, first) ||
        !Ok(conns[first]->Call({"CLUSTER", "MEET", node->address(), std::to_string(node->port())},
                               t))) {
      return false;
    }
  }
  *progress = "waiting for every node to know every other";
  size_t total = conns.size();
  bool known = WaitAll(w, conns, deadline, [&](size_t n) {
    CallResult r = conns[n]->Call({"CLUSTER", "NODES"}, t);
    if (!r.ok()) return false;
    size_t lines = 0;
    for (char ch : r.reply.str) lines += ch == '\n';
    return lines == total && r.reply.str.find("handshake") == std::string::npos &&
           r.reply.str.find("noaddr") == std::string::npos;
  });
  if (!known) return false;
  *progress = "attaching replicas";
  for (const auto& [replica, primary] : replicas) {
    CallResult id = conns[primary]->Call({"CLUSTER", "MYID"}, t);
    if (!id.ok() || !Ok(conns[replica]->Call({"CLUSTER", "REPLICATE", id.reply.str}, t))) {
      return false;
    }
  }
  *progress = "waiting for cluster_state:ok and synced replicas";
  return WaitAll(w, conns, deadline, [&](size_t n) {
    CallResult info = conns[n]->Call({"CLUSTER", "INFO"}, t);
    if (!info.ok() || info.reply.str.find("cluster_state:ok") == std::string::npos) return false;
    for (const auto& [replica, primary] : replicas) {
      if (replica != n) continue;
      CallResult role = conns[n]->Call({"ROLE"}, t);
      if (!role.ok() || role.reply.elements.size() < 4 ||
          role.reply.elements[3].str != "connected") {
        return false;
      }
    }
    return true;
  });
}

}  // namespace redsim::scenarios
