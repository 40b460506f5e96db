// The bus's receiving side: what each message does to this node's view of the cluster, and the
// replica election.
#include <algorithm>

#include "engine/base/log.h"
#include "engine/base/random.h"
#include "engine/cluster/bus.h"
#include "engine/server/config.h"

namespace redsim::cluster {

uint32_t FromBusFlags(uint16_t flags) {
  uint32_t out = 0;
  if (flags & kBusMaster) out |= kNodeMaster;
  if (flags & kBusReplica) out |= kNodeReplica;
  if (flags & kBusPfail) out |= kNodePfail;
  if (flags & kBusFail) out |= kNodeFail;
  if (flags & kBusNoAddr) out |= kNodeNoAddr;
  if (flags & kBusNoFailover) out |= kNodeNoFailover;
  return out;
}

bool Bus::Process(Link* link, const BusMessage& m) {
  Cluster& c = *h_.cluster;
  c.messages_received[m.type < kMsgTypeCount ? m.type : 0]++;
  Node* sender = c.FindMutable(m.sender);
  if (sender != nullptr && sender->is(kNodeMyself)) sender = nullptr;
  if (sender != nullptr) sender->data_received_ms = now_ms();
  if (sender != nullptr && !sender->is(kNodeHandshake)) {
    if (m.current_epoch > c.current_epoch_) c.current_epoch_ = m.current_epoch;
    if (m.config_epoch > sender->config_epoch) {
      sender->config_epoch = m.config_epoch;
      c.SaveConfig();
    }
    sender->repl_offset = static_cast<int64_t>(m.offset);
    // Our master paused for our manual failover: its offset is the one to reach.
    if (mf_end_ms_ != 0 && c.myself_->master_id == sender->id && (m.mflags[0] & kMsgFlagPaused) &&
        mf_master_offset_ < 0) {
      mf_master_offset_ = static_cast<int64_t>(m.offset);
    }
  }
  switch (m.type) {
    case kMsgPing:
    case kMsgPong:
    case kMsgMeet:
      ProcessGossipTypes(link, sender, m);
      break;
    case kMsgFail: {
      Node* failing = c.FindMutable(m.fail_node_id);
      if (sender != nullptr && failing != nullptr && !failing->is(kNodeFail | kNodeMyself)) {
        c.h_.log->Notice("FAIL message received from {} about {}", m.sender, m.fail_node_id);
        failing->flags = (failing->flags | kNodeFail) & ~kNodePfail;
        failing->fail_time_ms = now_ms();
        c.Emit({EventKind::kNodeFailed, failing->id, 0, false});
        c.Changed();
      }
      break;
    }
    case kMsgAuthRequest:
      if (sender != nullptr) MaybeVote(sender, m);
      break;
    case kMsgAuthAck:
      if (sender != nullptr && sender->is(kNodeMaster) && sender->slots.any() &&
          m.current_epoch >= failover_auth_epoch_) {
        failover_auth_count_++;
        HandleReplicaFailover();
      }
      break;
    case kMsgUpdate: {
      Node* n = c.FindMutable(m.update_node_id);
      if (sender == nullptr || n == nullptr || n->config_epoch >= m.update_config_epoch) break;
      if (n->is(kNodeReplica)) {
        n->flags = (n->flags & ~kNodeReplica) | kNodeMaster;
        n->master_id.clear();
      }
      n->config_epoch = m.update_config_epoch;
      UpdateSlotsWith(n, m.update_config_epoch, m.update_slots);
      c.Changed();
      break;
    }
    case kMsgMfStart:
      // One of our replicas asks for a coordinated failover: stop writes, tell it our offset.
      if (sender != nullptr && sender->master_id == c.myself_->id && c.myself_->is(kNodeMaster)) {
        mf_end_ms_ = now_ms() + 5000;
        mf_replica_id_ = sender->id;
        if (c.h_.pause_writes) c.h_.pause_writes(h_.env->NowMicros() + 10000 * 1000);
        c.h_.log->Notice("Manual failover requested by replica {}.", sender->id);
        SendPing(sender, kMsgPing);
      }
      break;
    case kMsgPublish:
    case kMsgPublishShard:
      if (sender != nullptr && c.h_.publish) {
        c.h_.publish(m.channel, m.message, m.type == kMsgPublishShard);
      }
      break;
    default:  // MODULE (no modules here) and types from newer versions
      break;
  }
  return !link->dead;
}

void Bus::ProcessGossipTypes(Link* link, Node* sender, const BusMessage& m) {
  Cluster& c = *h_.cluster;
  if (m.type == kMsgPing || m.type == kMsgMeet) {
    // A peer tells us our address the first time (or on MEET), unless we announce one.
    if ((m.type == kMsgMeet || c.myself_->ip.empty()) && c.config().cluster_announce_ip.empty()) {
      std::string ip = link->local_ip();
      if (ip != c.myself_->ip) {
        c.myself_->ip = ip;
        c.SaveConfig();
      }
    }
    if (sender == nullptr && m.type == kMsgMeet) {
      Node* n = c.AddHandshakeNode(m.ip.empty() ? link->peer_ip() : m.ip, m.port, m.bus_port);
      n->flags &= ~kNodeMeet;
      n->created_ms = now_ms();
      c.SaveConfig();
    }
    BusMessage pong = MakeHeader(kMsgPong);
    AddGossip(&pong);
    c.messages_sent[kMsgPong]++;
    link->Send(EncodeBusMessage(pong));
  }
  if (!link->inbound) {
    Node* n = c.FindMutable(link->node_id);
    if (n != nullptr && n->is(kNodeHandshake)) {
      // Already known under its real id (or it is us, met through our own address): drop the
      // placeholder.
      if (c.FindMutable(m.sender) != nullptr) {
        c.ForgetNode(n->id);
        return;
      }
      std::string old_id = n->id;
      auto owned = std::move(c.nodes_[old_id]);
      c.nodes_.erase(old_id);
      owned->id = m.sender;
      owned->flags =
          (owned->flags & ~kNodeHandshake) | FromBusFlags(m.flags & (kBusMaster | kBusReplica));
      link->node_id = m.sender;
      c.nodes_[m.sender] = std::move(owned);
      c.h_.log->Notice("Handshake with node {} completed.", m.sender);
      c.SaveConfig();
    } else if (n != nullptr && n->id != m.sender) {
      n->flags |= kNodeNoAddr;  // another node answers at that address now
      DropLinkOf(n);
      return;
    }
    if (n != nullptr && m.type == kMsgPong) {
      n->pong_received_ms = now_ms();
      n->ping_sent_ms = 0;
      if (n->is(kNodePfail)) {
        n->flags &= ~kNodePfail;
      } else if (n->is(kNodeFail)) {
        ClearFailureIfNeeded(n);
      }
    }
  }
  if (sender == nullptr) return;
  sender->flags = (sender->flags & ~kNodeNoFailover) |
                  ((m.flags & kBusNoFailover) ? uint32_t{kNodeNoFailover} : uint32_t{0});
  UpdateRole(sender, m);
  const Node* claimed_master = m.master_id.empty() ? sender : c.FindNode(m.master_id);
  if (m.master_id.empty() && sender->slots != m.slots) {
    UpdateSlotsWith(sender, m.config_epoch, m.slots);
  }
  if (claimed_master != nullptr && claimed_master->slots != m.slots) {
    MaybeSendUpdate(sender, m.config_epoch, m.slots);
  }
  if (c.myself_->is(kNodeMaster) && sender->is(kNodeMaster) &&
      m.config_epoch == c.myself_->config_epoch) {
    HandleEpochCollision(sender);
  }
  ProcessGossipSection(sender, m);
  c.Changed();
}

// The sender's role as its header states it: master, or replica of the node it names.
void Bus::UpdateRole(Node* sender, const BusMessage& m) {
  Cluster& c = *h_.cluster;
  if (m.master_id.empty()) {
    if (sender->is(kNodeReplica)) {
      sender->flags = (sender->flags & ~kNodeReplica) | kNodeMaster;
      sender->master_id.clear();
    }
    return;
  }
  if (sender->is(kNodeMaster)) {
    for (int s = 0; s < kSlotCount; s++) {
      if (c.slots_[static_cast<size_t>(s)] == sender) c.DelSlot(s);
    }
    sender->flags = (sender->flags & ~kNodeMaster) | kNodeReplica;
  }
  if (c.FindNode(m.master_id) != nullptr) sender->master_id = m.master_id;
}

// `sender` claims `slots` with `sender_epoch`: every slot whose owner has an older config epoch
// (or none) moves to it. If myself (or my master) lost its last slot that way, follow the
// sender: the shard has a new master.
void Bus::UpdateSlotsWith(Node* sender, uint64_t sender_epoch,
                          const std::bitset<kSlotCount>& slots) {
  Cluster& c = *h_.cluster;
  Node* me = c.myself_;
  Node* cur_master = me->is(kNodeMaster) ? me : c.FindMutable(me->master_id);
  int migrated_ours = 0;
  int claimed = static_cast<int>(slots.count());
  for (int s = 0; s < kSlotCount; s++) {
    auto i = static_cast<size_t>(s);
    if (!slots.test(i) || c.slots_[i] == sender || c.importing_[i] != nullptr) continue;
    Node* owner = c.slots_[i];
    if (owner != nullptr && owner->config_epoch >= sender_epoch) continue;
    if (owner != nullptr && owner == cur_master) migrated_ours++;
    c.DelSlot(s);
    c.AddSlot(sender, s);
  }
  // The shard lost its last slot to the sender: follow it, unless replica migration is off and
  // the sender took slots from elsewhere too (a reshard emptied us rather than a failover).
  bool allowed = c.config().cluster_allow_replica_migration || claimed == migrated_ours;
  if (migrated_ours > 0 && cur_master != nullptr && cur_master->slots.none() && sender != me &&
      allowed) {
    c.h_.log->Notice("Configuration change detected. Reconfiguring myself as a replica of {}",
                     sender->id);
    FollowMaster(sender);
  }
}

void Bus::FollowMaster(Node* master) {
  Cluster& c = *h_.cluster;
  if (c.myself_->master_id == master->id) return;
  c.SetMyMaster(master);
  failover_auth_time_ms_ = 0;
  manual_failover_ = false;
  ResetManualFailover();
}

// The sender claims slots that a node with a newer config epoch owns: tell it (UPDATE).
void Bus::MaybeSendUpdate(Node* sender, uint64_t sender_epoch,
                          const std::bitset<kSlotCount>& slots) {
  Cluster& c = *h_.cluster;
  for (int s = 0; s < kSlotCount; s++) {
    auto i = static_cast<size_t>(s);
    Node* owner = c.slots_[i];
    if (!slots.test(i) || owner == nullptr || owner == sender) continue;
    if (owner->config_epoch <= sender_epoch) continue;
    BusMessage u = MakeHeader(kMsgUpdate);
    u.update_config_epoch = owner->config_epoch;
    u.update_node_id = owner->id;
    u.update_slots = owner->slots;
    SendTo(sender, u);
    return;
  }
}

// Two masters with one config epoch: the one with the smaller id takes a new epoch, so that
// after a partition no two masters can claim a slot with equal epochs.
void Bus::HandleEpochCollision(Node* sender) {
  Cluster& c = *h_.cluster;
  if (sender->id <= c.myself_->id) return;
  c.current_epoch_++;
  c.myself_->config_epoch = c.current_epoch_;
  c.h_.log->Warning("WARNING: configEpoch collision with node {}. configEpoch set to {}",
                    sender->id, c.myself_->config_epoch);
  c.Emit({EventKind::kEpochBumped, c.myself_->id, c.current_epoch_, false});
}

void Bus::ProcessGossipSection(Node* sender, const BusMessage& m) {
  Cluster& c = *h_.cluster;
  int64_t now = now_ms();
  for (const GossipEntry& g : m.gossip) {
    Node* n = c.FindMutable(g.node_id);
    if (n != nullptr) {
      if (sender->is(kNodeMaster) && n != c.myself_) {
        if (g.flags & (kBusFail | kBusPfail)) {
          n->failure_reports[sender->id] = now;
          MarkFailingIfNeeded(n);
        } else {
          n->failure_reports.erase(sender->id);
        }
      }
      if (!(g.flags & (kBusFail | kBusPfail)) && n->ping_sent_ms == 0 &&
          c.FailureReportCount(*n) == 0) {
        int64_t pong_ms = int64_t{g.pong_received_s} * 1000;
        if (pong_ms <= now + 500 && pong_ms > n->pong_received_ms) n->pong_received_ms = pong_ms;
      }
      continue;
    }
    if ((g.flags & kBusNoAddr) || g.node_id.size() != kNodeIdSize || g.ip.empty()) continue;
    if (c.forgotten_.count(g.node_id) > 0 && c.forgotten_[g.node_id] > now) continue;
    auto node = std::make_unique<Node>();
    node->id = g.node_id;
    node->ip = g.ip;
    node->port = g.port;
    node->bus_port = g.bus_port;
    node->flags = FromBusFlags(g.flags) & (kNodeMaster | kNodeReplica);
    node->created_ms = now;
    c.nodes_[g.node_id] = std::move(node);
  }
}

void Bus::MarkFailingIfNeeded(Node* n) {
  Cluster& c = *h_.cluster;
  if (!n->is(kNodePfail) || n->is(kNodeFail)) return;
  int size = 0;
  for (const auto& [id, m] : c.nodes_) {
    if (m->is(kNodeMaster) && m->slots.any()) size++;
  }
  size_t failures = c.FailureReportCount(*n) + (c.myself_->is(kNodeMaster) ? 1 : 0);
  if (failures < static_cast<size_t>(size / 2 + 1)) return;
  c.h_.log->Notice("Marking node {} as failing (quorum reached).", n->id);
  n->flags = (n->flags | kNodeFail) & ~kNodePfail;
  n->fail_time_ms = now_ms();
  BusMessage f = MakeHeader(kMsgFail);
  f.fail_node_id = n->id;
  Broadcast(f);
  c.Emit({EventKind::kNodeFailed, n->id, 0, false});
}

// A failed node answers again: replicas and slot-less masters are cleared at once, a master
// with slots only after a while (its replicas may be taking over).
void Bus::ClearFailureIfNeeded(Node* n) {
  int64_t timeout = h_.cluster->config().cluster_node_timeout;
  if (n->is(kNodeReplica) || n->slots.none() || now_ms() - n->fail_time_ms > timeout * 2) {
    h_.cluster->h_.log->Notice("Clear FAIL state for node {}: is reachable again.", n->id);
    n->flags &= ~kNodeFail;
  }
}

// A master's vote: at most one per current epoch, only for a replica of a failed master (or a
// forced request), not twice for one master's replicas within two node timeouts, and never for
// a replica claiming slots that a node with a newer config epoch owns.
void Bus::MaybeVote(Node* sender, const BusMessage& m) {
  Cluster& c = *h_.cluster;
  Node* me = c.myself_;
  if (!me->is(kNodeMaster) || me->slots.none()) return;
  if (m.current_epoch < c.current_epoch_) return;
  if (c.last_vote_epoch_ == c.current_epoch_) return;
  Node* master = c.FindMutable(sender->master_id);
  bool force = (m.mflags[0] & kMsgFlagForceAck) != 0;
  if (!sender->is(kNodeReplica) || master == nullptr || (!master->is(kNodeFail) && !force)) return;
  int64_t timeout = c.config().cluster_node_timeout;
  if (now_ms() - master->voted_time_ms < timeout * 2) return;
  for (int s = 0; s < kSlotCount; s++) {
    auto i = static_cast<size_t>(s);
    if (!m.slots.test(i) || c.slots_[i] == nullptr) continue;
    if (c.slots_[i]->config_epoch > m.config_epoch) return;
  }
  c.last_vote_epoch_ = c.current_epoch_;
  master->voted_time_ms = now_ms();
  Status saved = c.SaveConfig();  // the vote is durable before it leaves
  if (!saved.ok()) return;
  c.h_.log->Notice("Failover auth granted to {} for epoch {}", sender->id, c.current_epoch_);
  SendTo(sender, MakeHeader(kMsgAuthAck));
}

// How many replicas of our master have a better replication offset than ours.
int Bus::ReplicaRank() const {
  const Cluster& c = *h_.cluster;
  int64_t mine = h_.repl_offset ? h_.repl_offset() : 0;
  int rank = 0;
  for (const auto& [id, n] : c.nodes_) {
    if (n.get() == c.myself_ || !n->is(kNodeReplica) || n->master_id != c.myself_->master_id) {
      continue;
    }
    if (!n->is(kNodeNoFailover) && n->repl_offset > mine) rank++;
  }
  return rank;
}

void Bus::StartForcedFailover() {
  if (mf_end_ms_ == 0) mf_end_ms_ = now_ms() + 5000;  // a forced election gives up in time too
  manual_failover_ = true;
  failover_auth_time_ms_ = 0;
  HandleReplicaFailover();
}

// A replica of a failed master asks the masters for votes after a delay that grows with its
// rank, and takes over the shard once a majority granted them for its new epoch.
void Bus::HandleReplicaFailover() {
  Cluster& c = *h_.cluster;
  Node* me = c.myself_;
  Node* master = c.FindMutable(me->master_id);
  if (me->is(kNodeMaster) || master == nullptr || master->slots.none()) return;
  if (!manual_failover_ && (!master->is(kNodeFail) || c.config().cluster_replica_no_failover)) {
    return;
  }
  int64_t now = now_ms();
  int64_t timeout = c.config().cluster_node_timeout;
  int64_t auth_timeout = std::max<int64_t>(timeout * 2, 2000);
  // Too stale a replica does not run (cluster-replica-validity-factor).
  int64_t data_age_ms = h_.master_link_down_s ? h_.master_link_down_s() * 1000 : 0;
  if (data_age_ms > timeout) data_age_ms -= timeout;
  int64_t factor = c.config().cluster_replica_validity_factor;
  if (!manual_failover_ && factor > 0 &&
      data_age_ms > c.config().repl_ping_replica_period * 1000 + timeout * factor) {
    return;
  }
  if (now - failover_auth_time_ms_ > auth_timeout * 2) {
    failover_auth_rank_ = manual_failover_ ? 0 : ReplicaRank();
    failover_auth_time_ms_ = manual_failover_ ? now
                                              : now + 500 + static_cast<int64_t>(Random() % 500) +
                                                    failover_auth_rank_ * 1000;
    failover_auth_count_ = 0;
    failover_auth_sent_ = false;
    c.h_.log->Notice("Start of election delayed for {} milliseconds (rank #{}).",
                     failover_auth_time_ms_ - now, failover_auth_rank_);
    if (!manual_failover_) return;
  }
  if (now < failover_auth_time_ms_ || now - failover_auth_time_ms_ > auth_timeout) return;
  int size = 0;
  for (const auto& [id, n] : c.nodes_) {
    if (n->is(kNodeMaster) && n->slots.any()) size++;
  }
  if (!failover_auth_sent_) {
    c.current_epoch_++;
    failover_auth_epoch_ = c.current_epoch_;
    c.h_.log->Notice("Starting a failover election for epoch {}.", failover_auth_epoch_);
    BusMessage req = MakeHeader(kMsgAuthRequest);
    if (manual_failover_) req.mflags[0] |= kMsgFlagForceAck;
    Broadcast(req);
    failover_auth_sent_ = true;
    c.Changed();
    return;
  }
  if (failover_auth_count_ < size / 2 + 1) return;
  c.h_.log->Notice("Failover election won: I'm the new master.");
  if (me->config_epoch < failover_auth_epoch_) me->config_epoch = failover_auth_epoch_;
  manual_failover_ = false;
  ResetManualFailover();
  c.ReplaceMyMaster();
  Broadcast([this] {
    BusMessage pong = MakeHeader(kMsgPong);
    AddGossip(&pong);
    return pong;
  }());
}

}  // namespace redsim::cluster
