// Bus: the cluster bus of one node — listening on the bus port, one outbound link per known
// node, the accepted inbound links, and the protocol run over them (Redis 7.0's, see
// bus_message.h): MEET/PING/PONG with gossip, handshakes, failure detection (PFAIL by timeout,
// FAIL once a majority of masters report it, FAIL broadcast), slot and epoch propagation with
// UPDATE messages and config-epoch collision handling, and replica elections
// (FAILOVER_AUTH_REQUEST/ACK with the rank delay and one vote per epoch per master).
//
// Everything goes through the Env (Listen, Connect, timers via the Cluster's 100 ms cron), so it
// runs unchanged under the simulator. Randomness comes from the node's seeded generator.
//
// Invariants: a node has at most one outbound link (Node::link) and the link names that node by
// id; links are destroyed only between callbacks (dead links are swept by the cron), so a
// handler never runs on a freed link; a master grants at most one vote per current epoch
// (Cluster::last_vote_epoch, persisted before the ACK leaves).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/cluster/bus_message.h"
#include "engine/cluster/cluster.h"
#include "engine/env/env.h"

namespace redsim::cluster {

class Bus;

// Engine node flags (NodeFlag) in the form the bus carries (BusNodeFlag).
uint16_t ToBusFlags(uint32_t flags);
uint32_t FromBusFlags(uint16_t flags);

// One TCP connection of the bus.
class Link : public StreamHandler {
 public:
  Link(Bus* bus, std::unique_ptr<Stream> stream, bool inbound, int64_t now_ms);
  ~Link() override;
  void OnReadable() override;
  void OnWritable() override;
  void Send(const std::string& bytes);
  void Close();

  std::string node_id;  // outbound: the node it leads to; inbound: empty
  bool inbound;
  bool dead = false;
  int64_t created_ms;
  std::string local_ip() const;
  std::string peer_ip() const;

 private:
  void Flush();
  Bus* bus_;
  std::unique_ptr<Stream> stream_;
  std::string in_;
  std::string out_;
};

struct BusHandles {
  Env* env = nullptr;
  Cluster* cluster = nullptr;
  // This node's replication offset (processed offset on a replica).
  std::function<int64_t()> repl_offset;
  // Seconds since the replica's link to its master went down (0 while up).
  std::function<int64_t()> master_link_down_s;
};

class Bus : public AcceptHandler {
 public:
  explicit Bus(BusHandles h);
  ~Bus() override;
  Status Start(const std::string& host, int port);
  void Stop();
  // The cron step (every 100 ms): connects, pings, timeouts, failure detection, elections.
  void Cron();
  void OnAccept(std::unique_ptr<Stream> stream) override;
  // Called by a link for each decoded message; false drops the link.
  bool Process(Link* link, const BusMessage& m);
  void OnLinkError(Link* link, const std::string& why);
  // Starts an election now (CLUSTER FAILOVER FORCE): votes are asked with FORCEACK.
  void StartForcedFailover();
  // CLUSTER FAILOVER without option: asks the master to stop writes (MFSTART), waits until this
  // replica has processed the master's final offset, then runs a forced election, so no write
  // the master acknowledged is lost. Gives up after 5 s.
  void StartCoordinatedFailover();
  // Sends PUBLISH to every node, or PUBLISHSHARD to the other nodes of myself's shard.
  void Publish(std::string_view channel, std::string_view message, bool shard);
  // Drops a node's outbound link (the node is being forgotten or renamed).
  void DropLinkOf(Node* n);
  size_t link_count() const { return links_.size(); }
  Cluster& cluster() { return *h_.cluster; }

 private:
  BusMessage MakeHeader(uint16_t type) const;
  void SendPing(Node* n, uint16_t type);
  void AddGossip(BusMessage* m) const;
  void Broadcast(const BusMessage& m);
  void SendTo(Node* n, const BusMessage& m);
  void Connect(Node* n);
  void PingNodes();
  void CheckTimeouts(Node* n);
  void Sweep();
  void ProcessGossipTypes(Link* link, Node* sender, const BusMessage& m);
  void UpdateRole(Node* sender, const BusMessage& m);
  void UpdateSlotsWith(Node* sender, uint64_t sender_epoch, const std::bitset<kSlotCount>& slots);
  void MaybeSendUpdate(Node* sender, uint64_t sender_epoch, const std::bitset<kSlotCount>& slots);
  void ProcessGossipSection(Node* sender, const BusMessage& m);
  void MarkFailingIfNeeded(Node* n);
  void ClearFailureIfNeeded(Node* n);
  void HandleEpochCollision(Node* sender);
  void MaybeVote(Node* sender, const BusMessage& m);
  void HandleReplicaFailover();
  int ReplicaRank() const;
  void FollowMaster(Node* master);
  void ManualFailoverCron();
  void ResetManualFailover();
  int64_t now_ms() const { return h_.cluster->now_ms(); }
  uint64_t Random() const;

  BusHandles h_;
  std::unique_ptr<Listener> listener_;
  std::vector<std::unique_ptr<Link>> links_;
  int64_t iteration_ = 0;
  // Election state of this node as a replica.
  int64_t failover_auth_time_ms_ = 0;
  int failover_auth_count_ = 0;
  bool failover_auth_sent_ = false;
  int failover_auth_rank_ = 0;
  uint64_t failover_auth_epoch_ = 0;
  bool manual_failover_ = false;
  // Coordinated manual failover: deadline (0 = none); on the master, the replica it serves; on
  // the replica, the master's offset once it paused (-1 = not yet known).
  int64_t mf_end_ms_ = 0;
  std::string mf_replica_id_;
  int64_t mf_master_offset_ = -1;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace redsim::cluster
