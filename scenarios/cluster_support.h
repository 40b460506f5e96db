// Redis Cluster in generic scenarios: building a cluster out of fresh cluster-enabled nodes the
// way `redis-cli --cluster create` does (ADDSLOTSRANGE, MEET, REPLICATE, then wait for
// cluster_state:ok everywhere), and a cluster-aware client (what redis-py's RedisCluster and
// ioredis's Cluster do): a slot map from CLUSTER SLOTS, each command sent to the node serving its
// key's slot, -MOVED followed (and the map refreshed), -ASK followed with ASKING, the map
// refreshed after a lost connection or a timeout.
//
// Everything goes through commands on simulated connections: nothing reaches into a node's
// Cluster object, so the bootstrap and the routing exercise the same paths real tools do.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/base/random.h"
#include "world/world.h"

namespace redsim::scenarios {

// Which node (an index into the World's nodes) serves each of the 16384 slots, as a client last
// learned it; -1 when unknown.
class SlotMap {
 public:
  // `refresh_on_errors`: a lost connection or a timeout makes the map stale (else only -MOVED
  // changes it).
  explicit SlotMap(bool refresh_on_errors = true);
  int owner(int slot) const { return owner_[static_cast<size_t>(slot)]; }
  bool stale() const { return stale_; }
  // No node is known for a slot: ask again whatever the policy.
  void MarkUnknown() { stale_ = true; }
  // A connection to the slot's node broke or timed out.
  void ConnectionFailed() { stale_ |= refresh_on_errors_; }
  // Asks the nodes in a random order for CLUSTER SLOTS until one answers; false if none did.
  bool Refresh(world::World& w, std::vector<world::SimClient*>& conns, Random& rng,
               int64_t timeout_ns);
  // A -MOVED reply: the slot lives on `node` now (the rest of the map may be old too).
  void Moved(int slot, int node);

 private:
  std::vector<int> owner_;
  bool stale_ = true;
  bool refresh_on_errors_ = true;
};

// Sends `args` (whose key is `key`) to the node serving its slot, following up to five
// redirects; the result is the final reply (a -MOVED/-ASK left after five hops, -CLUSTERDOWN
// and -TRYAGAIN are errors: the command did not run). kNotConnected when no node serves the slot
// or the node cannot be reached.
world::CallResult ClusterCall(world::World& w, std::vector<world::SimClient*>& conns, SlotMap& map,
                              const std::vector<std::string>& args, const std::string& key,
                              int64_t timeout_ns, Random& rng);

// Makes one cluster of the nodes: `primaries` share the slots evenly (in order), each
// (replica, primary) pair replicates. Runs on a fiber, with one connection per node in `conns`;
// returns true once every node reports cluster_state:ok and every replica follows its primary,
// false if that did not happen within `timeout_ns` (or the world stopped). `progress` says how far
// it got, for the run's explanation.
bool BootstrapCluster(world::World& w, std::vector<world::SimClient*>& conns,
                      const std::vector<size_t>& primaries,
                      const std::vector<std::pair<size_t, size_t>>& replicas, int64_t timeout_ns,
                      std::string* progress);

}  // namespace redsim::scenarios
