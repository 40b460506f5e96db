#include "engine/cluster/cluster.h"

#include <algorithm>

#include "engine/base/log.h"
#include "engine/base/random.h"
#include "engine/base/strutil.h"
#include "engine/cluster/bus.h"
#include "engine/db/database.h"
#include "engine/env/env.h"
#include "engine/server/config.h"

namespace redsim::cluster {

namespace {
constexpr int64_t kCronPeriodUs = 100 * 1000;
// A master that lost its slots' majority waits this long after startup before it serves (Redis
// gives the other nodes time to tell it about a newer configuration).
constexpr int64_t kWritableDelayMs = 2000;
}  // namespace

Cluster::Cluster(ClusterHandles handles) : h_(std::move(handles)) {}

Cluster::~Cluster() {
  Stop();
  *alive_ = false;
}

int64_t Cluster::now_ms() const { return h_.env->WallMicros() / 1000; }

std::string Cluster::NewNodeId() {
  static const char kHex[] = "0123456789abcdef";
  std::string id(40, '0');
  for (auto& ch : id) ch = kHex[h_.rng->Uniform(16)];
  return id;
}

void Cluster::CreateMyself() {
  auto n = std::make_unique<Node>();
  n->id = NewNodeId();
  n->flags = kNodeMyself | kNodeMaster;
  myself_ = n.get();
  nodes_[n->id] = std::move(n);
  RefreshMyselfAddress();
}

// The client and bus ports myself announces: cluster-announce-* when set, else the real ones.
void Cluster::RefreshMyselfAddress() {
  const ServerConfig& c = *h_.config;
  int port = h_.port ? h_.port() : static_cast<int>(c.port);
  myself_->port = c.cluster_announce_port != 0 ? static_cast<int>(c.cluster_announce_port) : port;
  int bus = c.cluster_port != 0 ? static_cast<int>(c.cluster_port) : port + 10000;
  myself_->bus_port =
      c.cluster_announce_bus_port != 0 ? static_cast<int>(c.cluster_announce_bus_port) : bus;
  if (!c.cluster_announce_ip.empty()) myself_->ip = c.cluster_announce_ip;
  myself_->hostname = c.cluster_announce_hostname;
  if (c.cluster_replica_no_failover) {
    myself_->flags |= kNodeNoFailover;
  } else {
    myself_->flags &= ~kNodeNoFailover;
  }
}

std::string Cluster::ConfigPath() const {
  const std::string& f = h_.config->cluster_config_file;
  if (!f.empty() && f[0] == '/') return f;
  return h_.config->dir + "/" + f;
}

Status Cluster::Start() {
  std::string text;
  std::string path = ConfigPath();
  if (h_.env->FileExists(path)) {
    Status s = h_.env->ReadFileToString(path, &text);
    if (s.ok()) s = LoadConfig(text);
    if (!s.ok()) {
      h_.log->Warning("Unrecoverable error: corrupted cluster config file \"{}\": {}", path,
                      s.message());
      return s;
    }
  }
  if (myself_ == nullptr) {
    CreateMyself();
    h_.log->Notice("No cluster configuration found, I'm {}", myself_->id);
  } else {
    RefreshMyselfAddress();
    h_.log->Notice("Node configuration loaded, I'm {}", myself_->id);
  }
  Status saved = SaveConfig();
  if (!saved.ok()) return saved;
  BusHandles b;
  b.env = h_.env;
  b.cluster = this;
  b.repl_offset = h_.repl_offset;
  b.master_link_down_s = h_.master_link_down_s;
  bus_ = std::make_unique<Bus>(std::move(b));
  const ServerConfig& c = *h_.config;
  int listen_port = h_.port ? h_.port() : static_cast<int>(c.port);
  int bus_port = c.cluster_port != 0 ? static_cast<int>(c.cluster_port) : listen_port + 10000;
  Status listening = bus_->Start(h_.bus_host, bus_port);
  if (!listening.ok()) {
    h_.log->Warning("Could not listen on the cluster bus port {}: {}", bus_port,
                    listening.message());
    return listening;
  }
  ScheduleCron();
  return Status::Ok();
}

void Cluster::ScheduleCron() {
  auto alive = alive_;
  cron_timer_ = h_.env->AddTimer(kCronPeriodUs, [this, alive] {
    if (!*alive) return;
    cron_timer_ = 0;
    if (bus_ != nullptr) bus_->Cron();
    if (cron_hook_) cron_hook_();
    UpdateState();
    ScheduleCron();
  });
}

void Cluster::Stop() {
  if (cron_timer_ != 0) h_.env->CancelTimer(cron_timer_);
  cron_timer_ = 0;
  bus_.reset();
}

void Cluster::Emit(Event e) const {
  if (hook_) hook_(e);
}

const Node* Cluster::FindNode(std::string_view id) const {
  auto it = nodes_.find(std::string(id));
  return it == nodes_.end() ? nullptr : it->second.get();
}

Node* Cluster::FindMutable(std::string_view id) {
  auto it = nodes_.find(std::string(id));
  return it == nodes_.end() ? nullptr : it->second.get();
}

void Cluster::AddSlot(Node* n, int slot) {
  Node*& owner = slots_[static_cast<size_t>(slot)];
  if (owner != nullptr) owner->slots.reset(static_cast<size_t>(slot));
  bool mine_changed = owner == myself_ || n == myself_;
  owner = n;
  n->slots.set(static_cast<size_t>(slot));
  if (mine_changed && owner != nullptr) Emit({EventKind::kSlotsChanged, myself_->id, 0, false});
}

void Cluster::DelSlot(int slot) {
  Node*& owner = slots_[static_cast<size_t>(slot)];
  if (owner == nullptr) return;
  bool mine = owner == myself_;
  owner->slots.reset(static_cast<size_t>(slot));
  owner = nullptr;
  importing_[static_cast<size_t>(slot)] = nullptr;
  migrating_[static_cast<size_t>(slot)] = nullptr;
  if (mine) Emit({EventKind::kSlotsChanged, myself_->id, 0, false});
}

bool Cluster::BumpConfigEpochWithoutConsensus() {
  uint64_t max_epoch = current_epoch_;
  for (const auto& [id, n] : nodes_) max_epoch = std::max(max_epoch, n->config_epoch);
  if (myself_->config_epoch != 0 && myself_->config_epoch == max_epoch) return false;
  current_epoch_++;
  myself_->config_epoch = current_epoch_;
  h_.log->Warning("New configEpoch set to {}", myself_->config_epoch);
  Emit({EventKind::kEpochBumped, myself_->id, current_epoch_, false});
  return true;
}

void Cluster::SetMyConfigEpoch(uint64_t epoch) {
  myself_->config_epoch = epoch;
  current_epoch_ = std::max(current_epoch_, epoch);
  h_.log->Warning("configEpoch set to {} via CLUSTER SET-CONFIG-EPOCH", epoch);
  Emit({EventKind::kEpochBumped, myself_->id, current_epoch_, false});
}

void Cluster::ForgetNode(std::string_view id) {
  Node* n = FindMutable(id);
  if (n == nullptr || n == myself_) return;
  if (bus_ != nullptr) bus_->DropLinkOf(n);
  for (int s = 0; s < kSlotCount; s++) {
    auto i = static_cast<size_t>(s);
    if (slots_[i] == n) DelSlot(s);
    if (migrating_[i] == n) migrating_[i] = nullptr;
    if (importing_[i] == n) importing_[i] = nullptr;
  }
  for (auto& [other_id, other] : nodes_) {
    if (other->master_id == n->id) other->master_id.clear();
  }
  nodes_.erase(std::string(id));
}

void Cluster::SetMyMaster(Node* master) {
  for (int s = 0; s < kSlotCount; s++) {
    if (slots_[static_cast<size_t>(s)] == myself_) DelSlot(s);
  }
  migrating_.fill(nullptr);
  importing_.fill(nullptr);
  myself_->flags = (myself_->flags & ~kNodeMaster) | kNodeReplica;
  myself_->master_id = master->id;
  if (h_.follow) h_.follow(master->ip, master->port);
  Emit({EventKind::kRoleChanged, master->id, 0, false});
}

void Cluster::Reset(bool hard) {
  if (myself_->is(kNodeReplica)) {
    myself_->flags = (myself_->flags & ~kNodeReplica) | kNodeMaster;
    myself_->master_id.clear();
    if (h_.follow) h_.follow("", 0);
    if (h_.flush_data) h_.flush_data();
    Emit({EventKind::kRoleChanged, "", 0, false});
  }
  for (int s = 0; s < kSlotCount; s++) DelSlot(s);
  migrating_.fill(nullptr);
  importing_.fill(nullptr);
  std::vector<std::string> others;
  for (const auto& [id, n] : nodes_) {
    if (n.get() != myself_) others.push_back(id);
  }
  for (const auto& id : others) ForgetNode(id);
  if (hard) {
    current_epoch_ = 0;
    last_vote_epoch_ = 0;
    myself_->config_epoch = 0;
    auto self = std::move(nodes_[myself_->id]);
    nodes_.erase(myself_->id);
    self->id = NewNodeId();
    h_.log->Notice("Node hard reset, now I'm {}", self->id);
    nodes_[self->id] = std::move(self);
  }
}

Node* Cluster::AddHandshakeNode(const std::string& ip, int port, int bus_port) {
  for (auto& [id, other] : nodes_) {
    if (other->is(kNodeHandshake) && other->ip == ip && other->port == port &&
        other->bus_port == bus_port) {
      return other.get();
    }
  }
  auto n = std::make_unique<Node>();
  n->created_ms = now_ms();
  n->id = NewNodeId();
  n->ip = ip;
  n->port = port;
  n->bus_port = bus_port;
  n->flags = kNodeHandshake | kNodeMeet;
  n->pong_received_ms = 0;
  n->ping_sent_ms = 0;
  Node* raw = n.get();
  nodes_[raw->id] = std::move(n);
  return raw;
}

size_t Cluster::CountKeysInSlot(int slot) const {
  const SlotIndex* index = h_.db0->slot_index();
  return index == nullptr ? 0 : index->CountInSlot(slot);
}

std::vector<std::string_view> Cluster::KeysInSlot(int slot, size_t max_keys) const {
  const SlotIndex* index = h_.db0->slot_index();
  if (index == nullptr) return {};
  return index->KeysInSlot(slot, max_keys);
}

bool Cluster::db_empty() const { return h_.db0->size() == 0; }

// Redis's rule: ok when every slot is served by a node not marked FAIL (unless
// cluster-require-full-coverage is off) and a majority of the masters serving slots is
// reachable; a master seen in a minority waits before it serves again.
void Cluster::UpdateState() {
  int64_t now = now_ms();
  if (first_state_check_ms_ == 0) first_state_check_ms_ = now;
  if (myself_->is(kNodeMaster) && !state_ok_ && now - first_state_check_ms_ < kWritableDelayMs) {
    return;
  }
  bool ok = true;
  if (h_.config->cluster_require_full_coverage) {
    for (const Node* owner : slots_) {
      if (owner == nullptr || owner->is(kNodeFail)) {
        ok = false;
        break;
      }
    }
  }
  int size = 0;
  int reachable = 0;
  for (const auto& [id, n] : nodes_) {
    if (!n->is(kNodeMaster) || n->slots.none()) continue;
    size++;
    if (!n->is(kNodePfail | kNodeFail)) reachable++;
  }
  if (reachable < size / 2 + 1) {
    ok = false;
    among_minority_since_ms_ = now;
  }
  if (ok == state_ok_) return;
  int64_t rejoin_delay = std::clamp<int64_t>(h_.config->cluster_node_timeout, 500, 5000);
  if (ok && myself_->is(kNodeMaster) && now - among_minority_since_ms_ < rejoin_delay) return;
  state_ok_ = ok;
  h_.log->Warning("Cluster state changed: {}", ok ? "ok" : "fail");
  Emit({EventKind::kStateChanged, myself_->id, 0, ok});
}

void Cluster::Changed() {
  UpdateState();
  if (save_scheduled_) return;
  save_scheduled_ = true;
  auto alive = alive_;
  h_.env->Defer([this, alive] {
    if (!*alive) return;
    save_scheduled_ = false;
    Status s = SaveConfig();
    if (!s.ok()) h_.log->Warning("Could not save the cluster config: {}", s.message());
  });
}

}  // namespace redsim::cluster

namespace redsim::cluster {

void Cluster::PropagatePublish(std::string_view channel, std::string_view message, bool shard) {
  if (bus_ != nullptr) bus_->Publish(channel, message, shard);
}

size_t Cluster::FailureReportCount(const Node& n) const {
  int64_t max_age = h_.config->cluster_node_timeout * 2;
  size_t count = 0;
  for (const auto& [reporter, when] : n.failure_reports) {
    if (now_ms() - when <= max_age) count++;
  }
  return count;
}

void Cluster::ReplaceMyMaster() {
  Node* old_master = FindMutable(myself_->master_id);
  if (myself_->is(kNodeMaster) || old_master == nullptr) return;
  myself_->flags = (myself_->flags & ~kNodeReplica) | kNodeMaster;
  myself_->master_id.clear();
  for (int s = 0; s < kSlotCount; s++) {
    if (slots_[static_cast<size_t>(s)] == old_master) AddSlot(myself_, s);
  }
  if (h_.follow) h_.follow("", 0);
  h_.log->Notice("Failover: I'm now the master of my shard (configEpoch {})",
                 myself_->config_epoch);
  Emit({EventKind::kFailoverWon, myself_->id, myself_->config_epoch, false});
  Changed();
}

std::string Cluster::StartManualFailover(bool force, bool takeover) {
  if (takeover) {
    BumpConfigEpochWithoutConsensus();
    ReplaceMyMaster();
    return "";
  }
  if (force) {
    if (bus_ != nullptr) bus_->StartForcedFailover();
    return "";
  }
  if (bus_ != nullptr) bus_->StartCoordinatedFailover();
  return "";
}

}  // namespace redsim::cluster
