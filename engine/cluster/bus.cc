// The bus's links, sending side and cron (connections, pings, timeouts, elections' timing).
// Message processing is in bus_process.cc.
#include "engine/cluster/bus.h"

#include <algorithm>

#include "engine/base/log.h"
#include "engine/base/random.h"
#include "engine/server/config.h"

namespace redsim::cluster {

namespace {
constexpr size_t kReadChunk = 16 * 1024;
constexpr int64_t kConnectTimeoutUs = 1000 * 1000;
constexpr int64_t kManualFailoverTimeoutMs = 5000;

std::string IpOf(const std::string& address) {
  size_t colon = address.rfind(':');
  return colon == std::string::npos ? address : address.substr(0, colon);
}
}  // namespace

Link::Link(Bus* bus, std::unique_ptr<Stream> stream, bool inbound_link, int64_t now)
    : inbound(inbound_link), created_ms(now), bus_(bus), stream_(std::move(stream)) {
  stream_->SetHandler(this);
}

Link::~Link() { Close(); }

void Link::Close() {
  if (stream_ != nullptr) {
    stream_->SetHandler(nullptr);
    stream_->Close();
  }
  dead = true;
}

std::string Link::local_ip() const { return IpOf(stream_->LocalAddress()); }
std::string Link::peer_ip() const { return IpOf(stream_->PeerAddress()); }

void Link::OnReadable() {
  char buf[kReadChunk];
  while (!dead) {
    IoResult r = stream_->Read(buf, sizeof(buf));
    if (r.kind == IoResult::kWouldBlock) break;
    if (r.kind != IoResult::kOk) {
      bus_->OnLinkError(this, r.kind == IoResult::kEof ? "connection closed" : r.error);
      return;
    }
    in_.append(buf, r.bytes);
    size_t consumed = 0;
    while (!dead) {
      BusMessage m;
      size_t used = 0;
      std::string error;
      DecodeStatus s = DecodeBusMessage(std::string_view(in_).substr(consumed), &m, &used, &error);
      if (s == DecodeStatus::kNeedMore) break;
      if (s == DecodeStatus::kBad) {
        bus_->OnLinkError(this, "bad message: " + error);
        return;
      }
      consumed += used;
      if (!bus_->Process(this, m)) return;
    }
    in_.erase(0, consumed);
  }
}

void Link::OnWritable() { Flush(); }

void Link::Send(const std::string& bytes) {
  if (dead) return;
  out_ += bytes;
  Flush();
}

void Link::Flush() {
  while (!dead && !out_.empty()) {
    IoResult r = stream_->Write(out_.data(), out_.size());
    if (r.kind == IoResult::kWouldBlock) return;
    if (r.kind != IoResult::kOk) {
      bus_->OnLinkError(this, r.error);
      return;
    }
    out_.erase(0, r.bytes);
  }
}

Bus::Bus(BusHandles h) : h_(std::move(h)) {}

Bus::~Bus() {
  Stop();
  *alive_ = false;
}

Status Bus::Start(const std::string& host, int port) {
  return h_.env->Listen(host, port, this, &listener_);
}

void Bus::Stop() {
  listener_.reset();
  for (auto& [id, n] : h_.cluster->nodes_) n->link = nullptr;
  links_.clear();
}

uint64_t Bus::Random() const { return h_.cluster->h_.rng->Next(); }

void Bus::OnAccept(std::unique_ptr<Stream> stream) {
  links_.push_back(std::make_unique<Link>(this, std::move(stream), true, now_ms()));
}

void Bus::OnLinkError(Link* link, const std::string& why) {
  if (link->dead) return;
  std::string peer = link->inbound ? "from " + link->peer_ip() : "to node " + link->node_id;
  // A peer speaking garbage is worth a warning; closed connections are routine.
  if (why.rfind("bad message", 0) == 0) {
    h_.cluster->h_.log->Warning("Cluster bus link {} dropped: {}", peer, why);
  } else {
    h_.cluster->h_.log->Verbose("Cluster bus link {} dropped: {}", peer, why);
  }
  DropLinkOf(h_.cluster->FindMutable(link->node_id));
  link->Close();
}

void Bus::DropLinkOf(Node* n) {
  if (n == nullptr || n->link == nullptr) return;
  n->link->Close();
  n->link->node_id.clear();
  n->link = nullptr;
}

void Bus::Sweep() {
  links_.erase(std::remove_if(links_.begin(), links_.end(),
                              [](const std::unique_ptr<Link>& l) { return l->dead; }),
               links_.end());
}

void Bus::Connect(Node* n) {
  if (n->connecting || n->ip.empty() || n->bus_port <= 0) return;
  n->connecting = true;
  std::string id = n->id;
  auto alive = alive_;
  h_.env->Connect(n->ip, n->bus_port, kConnectTimeoutUs,
                  [this, alive, id](Status s, std::unique_ptr<Stream> stream) {
                    if (!*alive) return;
                    Node* node = h_.cluster->FindMutable(id);
                    if (node == nullptr) return;  // forgotten meanwhile; the stream closes
                    node->connecting = false;
                    if (!s.ok()) {
                      // Failure detection needs a pending ping: count the attempt as one.
                      if (node->ping_sent_ms == 0) node->ping_sent_ms = now_ms();
                      return;
                    }
                    auto link = std::make_unique<Link>(this, std::move(stream), false, now_ms());
                    link->node_id = id;
                    node->link = link.get();
                    links_.push_back(std::move(link));
                    int64_t old_ping_sent = node->ping_sent_ms;
                    SendPing(node, node->is(kNodeMeet) ? kMsgMeet : kMsgPing);
                    if (old_ping_sent != 0) node->ping_sent_ms = old_ping_sent;
                    node->flags &= ~kNodeMeet;
                  });
}

uint16_t ToBusFlags(uint32_t flags) {
  uint16_t out = 0;
  if (flags & kNodeMaster) out |= kBusMaster;
  if (flags & kNodeReplica) out |= kBusReplica;
  if (flags & kNodePfail) out |= kBusPfail;
  if (flags & kNodeFail) out |= kBusFail;
  if (flags & kNodeMyself) out |= kBusMyself;
  if (flags & kNodeHandshake) out |= kBusHandshake;
  if (flags & kNodeNoAddr) out |= kBusNoAddr;
  if (flags & kNodeMeet) out |= kBusMeet;
  if (flags & kNodeNoFailover) out |= kBusNoFailover;
  return out;
}

BusMessage Bus::MakeHeader(uint16_t type) const {
  const Cluster& c = *h_.cluster;
  const Node& me = c.myself();
  const Node* master = me.is(kNodeReplica) ? c.FindNode(me.master_id) : nullptr;
  BusMessage m;
  m.type = type;
  m.sender = me.id;
  m.slots = master != nullptr ? master->slots : me.slots;
  m.master_id = me.is(kNodeReplica) ? me.master_id : "";
  m.ip = c.config().cluster_announce_ip;
  m.port = static_cast<uint16_t>(me.port);
  m.bus_port = static_cast<uint16_t>(me.bus_port);
  m.plain_port = 0;
  m.flags = ToBusFlags(me.flags);
  m.state = c.state_ok() ? 0 : 1;
  m.current_epoch = c.current_epoch();
  m.config_epoch = master != nullptr ? master->config_epoch : me.config_epoch;
  m.offset = static_cast<uint64_t>(h_.repl_offset ? h_.repl_offset() : 0);
  m.mflags[0] = kMsgFlagExtData;
  if (me.is(kNodeMaster) && mf_end_ms_ != 0) m.mflags[0] |= kMsgFlagPaused;
  m.hostname = me.hostname;
  return m;
}

// A few random healthy nodes plus every node we suspect (PFAIL), as Redis gossips.
void Bus::AddGossip(BusMessage* m) const {
  const Cluster& c = *h_.cluster;
  std::vector<const Node*> candidates;
  std::vector<const Node*> suspects;
  for (const auto& [id, n] : c.nodes()) {
    if (n->is(kNodeMyself | kNodeHandshake | kNodeNoAddr)) continue;
    if (n->is(kNodePfail)) {
      suspects.push_back(n.get());
    } else if (!(n->link == nullptr && n->slots.none())) {
      candidates.push_back(n.get());
    }
  }
  size_t wanted = std::max<size_t>(3, c.nodes().size() / 10);
  std::vector<const Node*> chosen;
  for (int tries = 0;
       tries < static_cast<int>(wanted) * 3 && chosen.size() < wanted && !candidates.empty();
       tries++) {
    const Node* n = candidates[Random() % candidates.size()];
    if (std::find(chosen.begin(), chosen.end(), n) == chosen.end()) chosen.push_back(n);
  }
  chosen.insert(chosen.end(), suspects.begin(), suspects.end());
  for (const Node* n : chosen) {
    GossipEntry g;
    g.node_id = n->id;
    g.ping_sent_s = static_cast<uint32_t>(n->ping_sent_ms / 1000);
    g.pong_received_s = static_cast<uint32_t>(n->pong_received_ms / 1000);
    g.ip = n->ip;
    g.port = static_cast<uint16_t>(n->port);
    g.bus_port = static_cast<uint16_t>(n->bus_port);
    g.flags = ToBusFlags(n->flags);
    m->gossip.push_back(std::move(g));
  }
}

void Bus::SendTo(Node* n, const BusMessage& m) {
  if (n == nullptr || n->link == nullptr) return;
  h_.cluster->messages_sent[m.type < kMsgTypeCount ? m.type : 0]++;
  n->link->Send(EncodeBusMessage(m));
}

void Bus::SendPing(Node* n, uint16_t type) {
  BusMessage m = MakeHeader(type);
  AddGossip(&m);
  if (type == kMsgPing) n->ping_sent_ms = now_ms();
  SendTo(n, m);
}

void Bus::Publish(std::string_view channel, std::string_view message, bool shard) {
  Cluster& c = *h_.cluster;
  BusMessage m = MakeHeader(shard ? kMsgPublishShard : kMsgPublish);
  m.channel = std::string(channel);
  m.message = std::string(message);
  if (!shard) return Broadcast(m);
  const Node* me = c.myself_;
  std::string master = me->is(kNodeMaster) ? me->id : me->master_id;
  for (auto& [id, n] : c.nodes_) {
    if (n.get() == me || n->is(kNodeHandshake)) continue;
    if (n->id == master || (n->is(kNodeReplica) && n->master_id == master)) SendTo(n.get(), m);
  }
}

void Bus::Broadcast(const BusMessage& m) {
  for (auto& [id, n] : h_.cluster->nodes_) {
    if (n->is(kNodeMyself | kNodeHandshake)) continue;
    SendTo(n.get(), m);
  }
}

// Once a second: ping, among five random linked nodes, the one we heard from least recently.
void Bus::PingNodes() {
  std::vector<Node*> linked;
  for (auto& [id, n] : h_.cluster->nodes_) {
    if (n->link != nullptr && n->ping_sent_ms == 0 && !n->is(kNodeMyself | kNodeHandshake)) {
      linked.push_back(n.get());
    }
  }
  Node* oldest = nullptr;
  for (int i = 0; i < 5 && !linked.empty(); i++) {
    Node* n = linked[Random() % linked.size()];
    if (oldest == nullptr || n->pong_received_ms < oldest->pong_received_ms) oldest = n;
  }
  if (oldest != nullptr) SendPing(oldest, kMsgPing);
}

void Bus::CheckTimeouts(Node* n) {
  int64_t now = now_ms();
  int64_t timeout = h_.cluster->config().cluster_node_timeout;
  if (n->link != nullptr && now - n->link->created_ms > timeout && n->ping_sent_ms != 0 &&
      now - n->ping_sent_ms > timeout / 2 && now - n->data_received_ms > timeout / 2) {
    DropLinkOf(n);  // no answer for a while: maybe the connection, not the node; reconnect
  }
  if (n->link != nullptr && n->ping_sent_ms == 0 && now - n->pong_received_ms > timeout / 2) {
    SendPing(n, kMsgPing);
    return;
  }
  if (n->ping_sent_ms == 0) return;
  int64_t delay = std::min(now - n->ping_sent_ms, now - n->data_received_ms);
  if (delay > timeout && !n->is(kNodePfail | kNodeFail)) {
    n->flags |= kNodePfail;
    h_.cluster->h_.log->Notice("*** NODE {} possibly failing", n->id);
  }
}

void Bus::Cron() {
  iteration_++;
  Sweep();
  Cluster& c = *h_.cluster;
  int64_t now = now_ms();
  int64_t handshake_timeout = std::max<int64_t>(c.config().cluster_node_timeout, 1000);
  std::vector<std::string> ids;
  for (const auto& [id, n] : c.nodes_) ids.push_back(id);
  for (const std::string& id : ids) {
    Node* n = c.FindMutable(id);
    if (n == nullptr || n->is(kNodeMyself | kNodeNoAddr)) continue;
    if (n->is(kNodeHandshake) && now - n->created_ms > handshake_timeout) {
      c.ForgetNode(id);
      continue;
    }
    if (n->link == nullptr) Connect(n);
  }
  if (iteration_ % 10 == 0) PingNodes();
  for (const std::string& id : ids) {
    Node* n = c.FindMutable(id);
    if (n != nullptr && !n->is(kNodeMyself | kNodeNoAddr | kNodeHandshake)) CheckTimeouts(n);
  }
  ManualFailoverCron();
  HandleReplicaFailover();
}

void Bus::ResetManualFailover() {
  if (!mf_replica_id_.empty() && h_.cluster->h_.unpause_writes) h_.cluster->h_.unpause_writes();
  mf_end_ms_ = 0;
  mf_replica_id_.clear();
  mf_master_offset_ = -1;
  manual_failover_ = false;
}

void Bus::StartCoordinatedFailover() {
  Cluster& c = *h_.cluster;
  ResetManualFailover();
  mf_end_ms_ = now_ms() + kManualFailoverTimeoutMs;
  SendTo(c.FindMutable(c.myself_->master_id), MakeHeader(kMsgMfStart));
}

void Bus::ManualFailoverCron() {
  if (mf_end_ms_ == 0) return;
  Cluster& c = *h_.cluster;
  if (now_ms() > mf_end_ms_) {
    c.h_.log->Warning("Manual failover timed out.");
    ResetManualFailover();
    return;
  }
  if (c.myself_->is(kNodeMaster)) {
    SendPing(c.FindMutable(mf_replica_id_), kMsgPing);  // keep the replica told we paused
    return;
  }
  int64_t mine = h_.repl_offset ? h_.repl_offset() : 0;
  if (mf_master_offset_ >= 0 && mine == mf_master_offset_ && !manual_failover_) {
    c.h_.log->Notice("All master replication stream processed, manual failover can start.");
    StartForcedFailover();
  }
}

}  // namespace redsim::cluster
