#include "engine/sentinel/sentinel_core.h"

#include <algorithm>

#include "engine/base/strutil.h"
#include "engine/server/pubsub.h"
#include "engine/server/server.h"

namespace redsim {

namespace {
constexpr const char* kHelloChannel = "__sentinel__:hello";
constexpr size_t kMaxPendingCommands = 100;
constexpr int64_t kConnectTimeoutUs = 1'000'000;
}  // namespace

const char* FailoverStateName(FailoverState s) {
  switch (s) {
    case FailoverState::kNone:
      return "none";
    case FailoverState::kWaitStart:
      return "wait_start";
    case FailoverState::kSelectSlave:
      return "select_slave";
    case FailoverState::kSendSlaveofNoone:
      return "send_slaveof_noone";
    case FailoverState::kWaitPromotion:
      return "wait_promotion";
    case FailoverState::kReconfSlaves:
      return "reconf_slaves";
    case FailoverState::kUpdateConfig:
      return "update_config";
  }
  return "unknown";
}

SentinelCore::SentinelCore(Server* server) : server_(server), env_(server->env()) {
  static const char kHex[] = "0123456789abcdef";
  my_id_.resize(40);
  for (auto& ch : my_id_) ch = kHex[server->rng().Uniform(16)];
  config_file_ = server->config_file();
}

SentinelCore::~SentinelCore() {
  *alive_ = false;
  Stop();
}

int64_t SentinelCore::NowUs() const { return env_->NowMicros(); }

SentinelInstance* SentinelCore::FindMaster(const std::string& name) const {
  auto it = masters_.find(name);
  return it == masters_.end() ? nullptr : it->second.get();
}

SentinelInstance* SentinelCore::FindMasterByAddr(const std::string& ip, int port) const {
  for (const auto& [name, m] : masters_) {
    if (m->ip == ip && m->port == port) return m.get();
  }
  return nullptr;
}

void SentinelCore::CurrentMasterAddress(const SentinelInstance* m, std::string* ip,
                                        int* port) const {
  if (m->is(kSriFailoverInProgress) && m->promoted != nullptr &&
      m->failover_state >= FailoverState::kReconfSlaves) {
    *ip = m->promoted->ip;
    *port = m->promoted->port;
  } else {
    *ip = m->ip;
    *port = m->port;
  }
}

int64_t SentinelCore::PingPeriodMs(const SentinelInstance* ri) const {
  return std::min(timings_.ping_period_ms, ri->down_after_ms);
}

SentinelInstance* SentinelCore::AddInstance(SentinelInstance* master, uint32_t kind,
                                            const std::string& ip, int port,
                                            const std::string& name_or_run_id) {
  auto ri = std::make_unique<SentinelInstance>();
  ri->flags = kind;
  ri->ip = ip;
  ri->port = port;
  ri->master = master;
  ri->cmd = std::make_unique<SentinelLink>(env_);
  if (kind != kSriSentinel) ri->pubsub = std::make_unique<SentinelLink>(env_);
  int64_t now = NowUs();
  ri->last_avail_us = now;
  ri->last_pong_us = now;
  ri->pc_last_activity_us = now;
  ri->act_ping_us = now;  // as Redis: a new instance counts as pinged now
  ri->role_reported_us = now;
  ri->slave_conf_change_us = now;
  SentinelInstance* raw = ri.get();
  if (kind == kSriMaster) {
    ri->name = name_or_run_id;
    ri->down_after_ms = timings_.default_down_after_ms;
    ri->failover_timeout_ms = timings_.default_failover_timeout_ms;
    masters_[ri->name] = std::move(ri);
    return raw;
  }
  ri->down_after_ms = master->down_after_ms;
  if (kind == kSriReplica) {
    ri->name = ri->Addr();
    master->replicas[ri->name] = std::move(ri);
  } else {
    ri->name = name_or_run_id;
    ri->run_id = name_or_run_id;
    master->sentinels[ri->name] = std::move(ri);
  }
  return raw;
}

std::string SentinelCore::Monitor(const std::string& name, const std::string& ip, int port,
                                  int quorum) {
  if (FindMaster(name) != nullptr) return "Duplicate master name.";
  if (quorum <= 0) return "Quorum must be 1 or greater.";
  if (port <= 0 || port > 65535) return "Invalid port number";
  SentinelInstance* m = AddInstance(nullptr, kSriMaster, ip, port, name);
  m->quorum = quorum;
  return "";
}

Status SentinelCore::Start() {
  if (!config_file_.empty()) {
    Status s = FlushConfig();
    if (!s.ok()) return s;
  }
  server_->log().Notice("Sentinel ID is {}", my_id_);
  for (const auto& [name, m] : masters_) {
    EventAbout("+monitor", m.get(), "quorum " + std::to_string(m->quorum));
  }
  started_ = true;
  previous_wall_us_ = env_->WallMicros();
  ScheduleTick();
  return Status::Ok();
}

void SentinelCore::Stop() {
  if (stopped_) return;
  stopped_ = true;
  env_->CancelTimer(timer_);
  for (auto& [name, m] : masters_) {
    CloseLinks(m.get());
    for (auto& [k, r] : m->replicas) CloseLinks(r.get());
    for (auto& [k, s] : m->sentinels) CloseLinks(s.get());
  }
}

void SentinelCore::CloseLinks(SentinelInstance* ri) {
  if (ri->cmd) ri->cmd->Close();
  if (ri->pubsub) ri->pubsub->Close();
}

// ---- Events ---------------------------------------------------------------------------------

std::string SentinelCore::Describe(const SentinelInstance* ri) {
  const char* kind = ri->is(kSriMaster) ? "master" : ri->is(kSriReplica) ? "slave" : "sentinel";
  std::string out =
      std::string(kind) + " " + ri->name + " " + ri->ip + " " + std::to_string(ri->port);
  if (ri->master != nullptr) {
    out += " @ " + ri->master->name + " " + ri->master->ip + " " + std::to_string(ri->master->port);
  }
  return out;
}

void SentinelCore::Event(const std::string& type, const std::string& master_name, uint64_t epoch,
                         const std::string& text, bool warning) {
  // Rare paths a seed sweep should say it reached.
  static const char* const kProbed[] = {"-failover-abort-not-elected",
                                        "-failover-abort-no-good-slave",
                                        "-failover-abort-slave-timeout",
                                        "+failover-end-for-timeout",
                                        "-slave-reconf-sent-timeout",
                                        "+convert-to-slave",
                                        "+fix-slave-config",
                                        "+config-update-from",
                                        "+sentinel-address-switch"};
  for (const char* probed : kProbed) {
    if (type == probed) env_->Probe("sentinel" + type);
  }
  server_->pubsub().Publish(type, text);
  if (type.find("link-reconnection") != std::string::npos) {
    server_->log().Verbose("{} {}", type, text);
  } else if (warning) {
    server_->log().Warning("{} {}", type, text);
  } else {
    server_->log().Notice("{} {}", type, text);
  }
  if (hook_) {
    SentinelEvent e;
    e.type = type;
    e.master = master_name;
    e.epoch = epoch;
    e.detail = text;
    e.mono_us = NowUs();
    hook_(e);
  }
}

void SentinelCore::EventAbout(const std::string& type, SentinelInstance* ri,
                              const std::string& extra) {
  SentinelInstance* m = ri->is(kSriMaster) ? ri : ri->master;
  uint64_t epoch = m->is(kSriFailoverInProgress) ? m->failover_epoch : current_epoch_;
  std::string text = Describe(ri);
  if (!extra.empty()) text += " " + extra;
  Event(type, m->name, epoch, text);
}

// ---- The timer ------------------------------------------------------------------------------

void SentinelCore::ScheduleTick() {
  if (stopped_) return;
  // 10 to 20 runs a second, jittered, so that Sentinels started together do not act in lockstep
  // (Redis changes its hz at random for the same reason).
  int64_t hz = 10 + static_cast<int64_t>(server_->rng().Uniform(10));
  auto alive = alive_;
  timer_ = env_->AddTimer(1'000'000 / hz, [this, alive] {
    if (!*alive) return;
    Tick();
    ScheduleTick();
  });
}

void SentinelCore::CheckTilt() {
  int64_t wall = env_->WallMicros();
  int64_t delta_ms = (wall - previous_wall_us_) / 1000;
  previous_wall_us_ = wall;
  if (delta_ms < 0 || delta_ms > timings_.tilt_trigger_ms) {
    if (!tilt_) env_->Probe("sentinel-tilt-entered");
    tilt_ = true;
    tilt_start_us_ = NowUs();
    Event("+tilt", "", current_epoch_, "#tilt mode entered");
  }
}

void SentinelCore::Tick() {
  CheckTilt();
  std::vector<SentinelInstance*> to_switch;
  std::vector<SentinelInstance*> masters;
  for (auto& [name, m] : masters_) masters.push_back(m.get());
  for (SentinelInstance* m : masters) {
    auto alive = m->alive;
    HandleMaster(m);
    if (*alive && m->failover_state == FailoverState::kUpdateConfig) to_switch.push_back(m);
  }
  for (SentinelInstance* m : to_switch) SwitchToPromoted(m);
}

void SentinelCore::HandleMaster(SentinelInstance* master) {
  HandleInstance(master);
  std::vector<SentinelInstance*> others;
  for (auto& [k, r] : master->replicas) others.push_back(r.get());
  for (auto& [k, s] : master->sentinels) others.push_back(s.get());
  for (SentinelInstance* ri : others) HandleInstance(ri);
}

void SentinelCore::HandleInstance(SentinelInstance* ri) {
  Reconnect(ri);
  SendPeriodic(ri);
  if (tilt_) {
    if (NowUs() - tilt_start_us_ < timings_.tilt_period_ms * 1000) return;
    tilt_ = false;
    Event("-tilt", "", current_epoch_, "#tilt mode exited");
  }
  CheckSubjectivelyDown(ri);
  if (!ri->is(kSriMaster)) return;
  CheckObjectivelyDown(ri);
  if (StartFailoverIfNeeded(ri)) AskOthers(ri, /*forced=*/true);
  FailoverStateMachine(ri);
  AskOthers(ri, /*forced=*/false);
}

// ---- Links ----------------------------------------------------------------------------------

void SentinelCore::SendAuth(SentinelInstance* ri, SentinelLink* link) {
  const std::string* user = nullptr;
  const std::string* pass = nullptr;
  if (ri->is(kSriSentinel)) {
    user = &sentinel_user;
    pass = &sentinel_pass;
  } else {
    SentinelInstance* m = ri->is(kSriMaster) ? ri : ri->master;
    user = &m->auth_user;
    pass = &m->auth_pass;
  }
  if (pass->empty()) return;
  if (user->empty()) {
    link->Send({"AUTH", *pass}, nullptr);
  } else {
    link->Send({"AUTH", *user, *pass}, nullptr);
  }
}

void SentinelCore::ConnectCmd(SentinelInstance* ri) {
  auto alive = ri->alive;
  ri->cmd->set_close_handler([this, ri, alive](const std::string& why) {
    if (!*alive) return;
    server_->log().Verbose("Sentinel link to {} closed: {}", ri->Addr(), why);
  });
  ri->cmd->Connect(
      ri->ip, ri->port, kConnectTimeoutUs, [this, ri, alive](bool ok, const std::string& why) {
        if (!*alive) return;
        if (!ok) {
          EventAbout("-cmd-link-reconnection", ri, why);
          return;
        }
        SendAuth(ri, ri->cmd.get());
        ri->cmd->Send({"CLIENT", "SETNAME", "sentinel-" + my_id_.substr(0, 8) + "-cmd"}, nullptr);
        SendPing(ri);
      });
}

void SentinelCore::ConnectPubsub(SentinelInstance* ri) {
  auto alive = ri->alive;
  ri->pubsub->set_push_handler([this, ri, alive](const RespValue& v) {
    if (*alive) OnPubsubMessage(ri, v);
  });
  ri->pubsub->Connect(
      ri->ip, ri->port, kConnectTimeoutUs, [this, ri, alive](bool ok, const std::string& why) {
        if (!*alive) return;
        if (!ok) {
          EventAbout("-pubsub-link-reconnection", ri, why);
          return;
        }
        ri->pc_last_activity_us = NowUs();
        SendAuth(ri, ri->pubsub.get());
        ri->pubsub->Send({"CLIENT", "SETNAME", "sentinel-" + my_id_.substr(0, 8) + "-pubsub"},
                         nullptr);
        ri->pubsub->SendNoReply({"SUBSCRIBE", kHelloChannel});
      });
}

void SentinelCore::Reconnect(SentinelInstance* ri) {
  bool cmd_down = ri->cmd->disconnected();
  bool pubsub_down = ri->pubsub != nullptr && ri->pubsub->disconnected();
  if (!cmd_down && !pubsub_down) return;
  if (ri->port == 0) return;  // an address known to be invalid
  int64_t now = NowUs();
  if (now - ri->last_reconnect_us < PingPeriodMs(ri) * 1000) return;
  ri->last_reconnect_us = now;
  if (cmd_down) ConnectCmd(ri);
  if (pubsub_down) ConnectPubsub(ri);
}

void SentinelCore::SendPeriodic(SentinelInstance* ri) {
  if (!ri->cmd->connected() || ri->cmd->pending() >= kMaxPendingCommands) return;
  int64_t now = NowUs();
  int64_t info_period_ms = timings_.info_period_ms;
  if (ri->is(kSriReplica) &&
      (ri->master->is(kSriODown | kSriFailoverInProgress) || ri->master_link_down_ms != 0)) {
    info_period_ms = 1000;
  }
  int64_t ping_period_us = PingPeriodMs(ri) * 1000;
  if (!ri->is(kSriSentinel) &&
      (ri->info_refresh_us == 0 || now - ri->info_refresh_us > info_period_ms * 1000)) {
    auto alive = ri->alive;
    ri->cmd->Send({"INFO"}, [this, ri, alive](const RespValue& v) {
      if (*alive) OnInfoReply(ri, v);
    });
  }
  if (now - ri->last_pong_us > ping_period_us && now - ri->last_ping_us > ping_period_us / 2) {
    SendPing(ri);
  }
  if (now - ri->last_pub_us > timings_.publish_period_ms * 1000) SendHello(ri);
}

void SentinelCore::SendPing(SentinelInstance* ri) {
  auto alive = ri->alive;
  bool sent = ri->cmd->Send({"PING"}, [this, ri, alive](const RespValue& v) {
    if (*alive) OnPingReply(ri, v);
  });
  if (!sent) return;
  ri->last_ping_us = NowUs();
  if (ri->act_ping_us == 0) ri->act_ping_us = ri->last_ping_us;
}

void SentinelCore::OnPingReply(SentinelInstance* ri, const RespValue& v) {
  int64_t now = NowUs();
  ri->last_pong_us = now;
  bool valid = v.is_string() && v.str == "PONG";
  if (v.is_error() && (v.str.rfind("LOADING", 0) == 0 || v.str.rfind("MASTERDOWN", 0) == 0)) {
    valid = true;
  }
  if (valid) {
    ri->last_avail_us = now;
    ri->act_ping_us = 0;
  }
}

void SentinelCore::SendHello(SentinelInstance* ri) {
  SentinelInstance* m = ri->is(kSriMaster) ? ri : ri->master;
  HelloMessage h;
  if (!announce_ip.empty()) {
    h.ip = announce_ip;
  } else {
    std::string local = ri->cmd->LocalAddress();
    size_t colon = local.rfind(':');
    if (colon == std::string::npos) return;
    h.ip = local.substr(0, colon);
  }
  h.port = announce_port != 0 ? static_cast<int>(announce_port) : server_->port();
  h.run_id = my_id_;
  h.current_epoch = current_epoch_;
  h.master_name = m->name;
  // During a failover's last steps the promoted replica is announced: its config epoch is the
  // one in the hello, and the two must travel together.
  CurrentMasterAddress(m, &h.master_ip, &h.master_port);
  h.master_config_epoch = m->config_epoch;
  if (ri->cmd->Send({"PUBLISH", kHelloChannel, h.Format()}, nullptr)) ri->last_pub_us = NowUs();
}

void SentinelCore::OnPubsubMessage(SentinelInstance* ri, const RespValue& v) {
  ri->pc_last_activity_us = NowUs();
  if (v.elements.size() != 3 || !v.elements[0].is_string() || v.elements[0].str != "message") {
    return;
  }
  const std::string& text = v.elements[2].str;
  if (text.find(my_id_) != std::string::npos) return;  // our own hello
  ProcessHello(text);
}

void SentinelCore::OnInfoReply(SentinelInstance* ri, const RespValue& v) {
  if (v.type != RespValue::Type::kBulk && v.type != RespValue::Type::kVerbatim) return;
  RefreshFromInfo(ri, v.str);
}

// ---- INFO -----------------------------------------------------------------------------------

void SentinelCore::RefreshFromInfo(SentinelInstance* ri, const std::string& info) {
  ri->info = info;
  int old_role = ri->role_reported;
  size_t pos = 0;
  while (pos < info.size()) {
    size_t nl = info.find('\n', pos);
    std::string line = info.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? info.size() : nl + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    ParseInfoLine(ri, line);
  }
  ri->info_refresh_us = NowUs();
  AfterInfo(ri, old_role);
}

void SentinelCore::ParseInfoLine(SentinelInstance* ri, const std::string& line) {
  size_t colon = line.find(':');
  if (colon == std::string::npos) return;
  std::string key = line.substr(0, colon);
  std::string value = line.substr(colon + 1);
  int64_t n = 0;
  if (key == "run_id" && value.size() == 40) {
    if (!ri->run_id.empty() && ri->run_id != value) {
      EventAbout("+reboot", ri);
      if (ri->is(kSriMaster)) ri->master_reboot_since_us = NowUs();
    }
    ri->run_id = value;
  } else if (ri->is(kSriMaster) && key.rfind("slave", 0) == 0 && key.size() > 5 &&
             std::isdigit(static_cast<unsigned char>(key[5]))) {
    AddReplicaFromInfo(ri, value);
  } else if (key == "master_link_down_since_seconds") {
    ri->master_link_down_ms = ParseInt64(value, &n) ? n * 1000 : 0;
  } else if (key == "role") {
    ri->role_reported = value == "master" ? kSriMaster : kSriReplica;
  } else if (key == "master_host") {
    if (ri->slave_master_host != value) ri->slave_conf_change_us = NowUs();
    ri->slave_master_host = value;
  } else if (key == "master_port") {
    if (ParseInt64(value, &n)) {
      if (ri->slave_master_port != n) ri->slave_conf_change_us = NowUs();
      ri->slave_master_port = static_cast<int>(n);
    }
  } else if (key == "master_link_status") {
    ri->slave_master_link_up = value == "up";
  } else if (key == "slave_priority" || key == "replica_priority") {
    if (ParseInt64(value, &n)) ri->slave_priority = n;
  } else if (key == "slave_repl_offset") {
    if (ParseInt64(value, &n)) ri->slave_repl_offset = n;
  } else if (key == "replica_announced") {
    ri->replica_announced = value != "0";
  }
}

// "ip=127.0.0.1,port=6380,state=online,offset=..,lag=.." from a primary's INFO.
void SentinelCore::AddReplicaFromInfo(SentinelInstance* master, const std::string& fields) {
  std::string ip;
  int64_t port = 0;
  size_t pos = 0;
  while (pos < fields.size()) {
    size_t comma = fields.find(',', pos);
    std::string f =
        fields.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    pos = comma == std::string::npos ? fields.size() : comma + 1;
    if (f.rfind("ip=", 0) == 0) ip = f.substr(3);
    if (f.rfind("port=", 0) == 0 && !ParseInt64(f.substr(5), &port)) return;
  }
  if (ip.empty() || port <= 0 || port > 65535) return;
  std::string key = ip + ":" + std::to_string(port);
  if (master->replicas.count(key) != 0) return;
  SentinelInstance* r = AddInstance(master, kSriReplica, ip, static_cast<int>(port), "");
  EventAbout("+slave", r);
  FlushConfig();
}

void SentinelCore::AfterInfo(SentinelInstance* ri, int old_role) {
  int64_t now = NowUs();
  if (ri->role_reported != old_role) {
    ri->role_reported_us = now;
    if (ri->role_reported == kSriReplica) ri->slave_conf_change_us = now;
    if (old_role != 0) {
      bool same =
          (ri->flags & (kSriMaster | kSriReplica)) == static_cast<uint32_t>(ri->role_reported);
      EventAbout(same ? "+role-change" : "-role-change", ri,
                 std::string("new reported role is ") +
                     (ri->role_reported == kSriMaster ? "master" : "slave"));
    }
  }
  if (tilt_ || !ri->is(kSriReplica)) return;
  SentinelInstance* m = ri->master;
  int64_t wait_us = timings_.publish_period_ms * 4 * 1000;
  if (ri->role_reported == kSriMaster) {
    if (ri->is(kSriPromoted) && m->is(kSriFailoverInProgress) &&
        m->failover_state == FailoverState::kWaitPromotion) {
      OnPromoted(ri);
    } else if (!ri->is(kSriPromoted) && MasterLooksSane(m) && NoDownFor(ri, wait_us / 1000) &&
               now - ri->role_reported_us > wait_us) {
      // A replica that says it is a primary while ours is healthy (an old primary coming back
      // after a failover) is turned into a replica of the current one.
      if (SendReplicaOf(ri, m->ip, m->port)) EventAbout("+convert-to-slave", ri);
    }
    return;
  }
  if (ri->role_reported != kSriReplica) return;
  bool points_to_master = ri->slave_master_host == m->ip && ri->slave_master_port == m->port;
  if (!points_to_master && !ri->is(kSriPromoted | kSriReconfSent | kSriReconfInprog) &&
      !m->is(kSriFailoverInProgress) && MasterLooksSane(m) && NoDownFor(ri, wait_us / 1000) &&
      now - ri->slave_conf_change_us > wait_us) {
    if (SendReplicaOf(ri, m->ip, m->port)) EventAbout("+fix-slave-config", ri);
  }
  SentinelInstance* p = m->promoted;
  if (p == nullptr || !m->is(kSriFailoverInProgress)) return;
  if (ri->is(kSriReconfSent) && ri->slave_master_host == p->ip &&
      ri->slave_master_port == p->port) {
    ri->flags = (ri->flags & ~kSriReconfSent) | kSriReconfInprog;
    EventAbout("+slave-reconf-inprog", ri);
  }
  if (ri->is(kSriReconfInprog) && ri->slave_master_link_up) {
    ri->flags = (ri->flags & ~kSriReconfInprog) | kSriReconfDone;
    EventAbout("+slave-reconf-done", ri);
  }
}

bool SentinelCore::MasterLooksSane(const SentinelInstance* m) const {
  return m->is(kSriMaster) && m->role_reported == kSriMaster && !m->is(kSriSDown | kSriODown) &&
         m->info_refresh_us != 0 &&
         NowUs() - m->info_refresh_us < timings_.info_period_ms * 2 * 1000;
}

bool SentinelCore::NoDownFor(const SentinelInstance* ri, int64_t ms) const {
  int64_t most_recent = std::max(ri->s_down_since_us, ri->o_down_since_us);
  return most_recent == 0 || NowUs() - most_recent > ms * 1000;
}

bool SentinelCore::SendReplicaOf(SentinelInstance* ri, const std::string& ip, int port) {
  if (!ri->cmd->connected()) return false;
  std::string host = ip.empty() ? "NO" : ip;
  std::string port_text = ip.empty() ? "ONE" : std::to_string(port);
  // As Redis does: in one transaction, so that the role change, the config rewrite and the
  // disconnection of clients (which must reconnect to the right primary) happen together.
  // Errors of individual commands (a server that cannot rewrite its config) are ignored.
  bool ok = ri->cmd->Send({"MULTI"}, nullptr) &&
            ri->cmd->Send({"SLAVEOF", host, port_text}, nullptr) &&
            ri->cmd->Send({"CONFIG", "REWRITE"}, nullptr) &&
            ri->cmd->Send({"CLIENT", "KILL", "TYPE", "normal"}, nullptr) &&
            ri->cmd->Send({"CLIENT", "KILL", "TYPE", "pubsub"}, nullptr) &&
            ri->cmd->Send({"EXEC"}, nullptr);
  return ok;
}

// ---- Hello messages -------------------------------------------------------------------------

void SentinelCore::ProcessHello(const std::string& text) {
  HelloMessage h;
  if (!HelloMessage::Parse(text, &h)) return;
  h.run_id = ToLower(h.run_id);
  if (h.run_id == my_id_) return;
  SentinelInstance* m = FindMaster(h.master_name);
  if (m == nullptr) return;
  auto it = m->sentinels.find(h.run_id);
  SentinelInstance* si = it == m->sentinels.end() ? nullptr : it->second.get();
  if (si == nullptr || si->ip != h.ip || si->port != h.port) {
    // A Sentinel we knew under this id at another address, or another id at this address:
    // the old entries are stale (restarted with a new id, or moved).
    int removed = 0;
    for (auto& [name, other] : masters_) {
      auto old = other->sentinels.find(h.run_id);
      if (old == other->sentinels.end()) continue;
      Bury(std::move(old->second));
      other->sentinels.erase(old);
      removed++;
    }
    for (auto sit = m->sentinels.begin(); sit != m->sentinels.end();) {
      if (sit->second->ip == h.ip && sit->second->port == h.port) {
        Bury(std::move(sit->second));
        sit = m->sentinels.erase(sit);
      } else {
        ++sit;
      }
    }
    si = AddInstance(m, kSriSentinel, h.ip, h.port, h.run_id);
    if (removed > 0) EventAbout("+sentinel-address-switch", si);
    EventAbout("+sentinel", si);
    FlushConfig();
  }
  if (h.current_epoch > current_epoch_) {
    current_epoch_ = h.current_epoch;
    FlushConfig();
    Event("+new-epoch", m->name, current_epoch_, std::to_string(current_epoch_));
  }
  if (m->config_epoch < h.master_config_epoch) {
    m->config_epoch = h.master_config_epoch;
    if (h.master_ip != m->ip || h.master_port != m->port) {
      EventAbout("+config-update-from", si);
      std::string old_ip = m->ip;
      int old_port = m->port;
      Event("+switch-master", m->name, m->config_epoch,
            m->name + " " + old_ip + " " + std::to_string(old_port) + " " + h.master_ip + " " +
                std::to_string(h.master_port));
      ResetMasterAndChangeAddress(m, h.master_ip, h.master_port);
    }
    FlushConfig();
  }
  si->last_hello_us = NowUs();
}

// ---- Down detection -------------------------------------------------------------------------

void SentinelCore::CheckSubjectivelyDown(SentinelInstance* ri) {
  int64_t now = NowUs();
  int64_t elapsed_us = 0;
  if (ri->act_ping_us != 0) {
    elapsed_us = now - ri->act_ping_us;
  } else if (!ri->cmd->connected()) {
    elapsed_us = now - ri->last_avail_us;
  }
  int64_t half_down_us = ri->down_after_ms * 1000 / 2;
  int64_t min_reconnect_us = timings_.min_link_reconnect_ms * 1000;
  // A link that stopped answering is reconnected: the instance may be fine and the connection
  // stuck.
  if (ri->cmd->connected() && now - ri->cmd->connected_since_us() >= min_reconnect_us &&
      ri->act_ping_us != 0 && now - ri->act_ping_us > half_down_us &&
      now - ri->last_pong_us > half_down_us) {
    ri->cmd->Close();
  }
  if (ri->pubsub != nullptr && ri->pubsub->connected() &&
      now - ri->pubsub->connected_since_us() >= min_reconnect_us &&
      now - ri->pc_last_activity_us > timings_.publish_period_ms * 3 * 1000) {
    ri->pubsub->Close();
  }
  bool reports_replica =
      ri->is(kSriMaster) && ri->role_reported == kSriReplica &&
      now - ri->role_reported_us > (ri->down_after_ms + timings_.info_period_ms * 2) * 1000;
  // master-reboot-down-after-period: a primary that restarted (new run id) counts as down for
  // that long, so that a primary restarted empty can still be failed over.
  bool rebooted = ri->is(kSriMaster) && ri->master_reboot_down_after_ms != 0 &&
                  ri->master_reboot_since_us != 0 &&
                  now - ri->master_reboot_since_us < ri->master_reboot_down_after_ms * 1000;
  if (elapsed_us > ri->down_after_ms * 1000 || reports_replica || rebooted) {
    if (!ri->is(kSriSDown)) {
      ri->s_down_since_us = now;
      ri->flags |= kSriSDown;
      EventAbout("+sdown", ri);
    }
  } else if (ri->is(kSriSDown)) {
    ri->flags &= ~(kSriSDown | kSriForceFailover);
    ri->s_down_since_us = 0;
    EventAbout("-sdown", ri);
  }
}

void SentinelCore::CheckObjectivelyDown(SentinelInstance* m) {
  int agree = 0;
  bool odown = false;
  if (m->is(kSriSDown)) {
    agree = 1;
    for (auto& [k, s] : m->sentinels) {
      if (s->is(kSriMasterDown)) agree++;
    }
    odown = agree >= m->quorum;
  }
  if (odown && !m->is(kSriODown)) {
    m->flags |= kSriODown;
    m->o_down_since_us = NowUs();
    EventAbout("+odown", m, "#quorum " + std::to_string(agree) + "/" + std::to_string(m->quorum));
  } else if (!odown && m->is(kSriODown)) {
    m->flags &= ~kSriODown;
    m->o_down_since_us = 0;
    EventAbout("-odown", m);
  }
}

void SentinelCore::AskOthers(SentinelInstance* m, bool forced) {
  int64_t now = NowUs();
  for (auto& [k, sp] : m->sentinels) {
    SentinelInstance* s = sp.get();
    int64_t elapsed = now - s->last_master_down_reply_us;
    if (elapsed > timings_.ask_period_ms * 5 * 1000) {
      s->flags &= ~kSriMasterDown;
      s->leader.clear();
    }
    if (!m->is(kSriSDown) || !s->cmd->connected()) continue;
    if (!forced && elapsed < timings_.ask_period_ms * 1000) continue;
    std::string who = m->failover_state > FailoverState::kNone ? my_id_ : "*";
    auto alive = s->alive;
    s->cmd->Send({"SENTINEL", "is-master-down-by-addr", m->ip, std::to_string(m->port),
                  std::to_string(current_epoch_), who},
                 [this, s, alive](const RespValue& v) {
                   if (!*alive) return;
                   if (v.elements.size() != 3 || v.elements[0].type != RespValue::Type::kInteger ||
                       !v.elements[1].is_string() ||
                       v.elements[2].type != RespValue::Type::kInteger) {
                     return;
                   }
                   s->last_master_down_reply_us = NowUs();
                   if (v.elements[0].integer == 1) {
                     s->flags |= kSriMasterDown;
                   } else {
                     s->flags &= ~kSriMasterDown;
                   }
                   if (v.elements[1].str != "*") {
                     s->leader = ToLower(v.elements[1].str);
                     s->leader_epoch = static_cast<uint64_t>(v.elements[2].integer);
                   }
                 });
  }
}

void SentinelCore::IsMasterDownByAddr(const std::string& ip, int port, uint64_t req_epoch,
                                      const std::string& runid, int* is_down, std::string* leader,
                                      uint64_t* leader_epoch) {
  SentinelInstance* m = FindMasterByAddr(ip, port);
  *is_down = (!tilt_ && m != nullptr && m->is(kSriSDown)) ? 1 : 0;
  *leader = "*";
  *leader_epoch = 0;
  if (m != nullptr && runid != "*") {
    std::string voted = VoteLeader(m, req_epoch, ToLower(runid), leader_epoch);
    *leader = voted.empty() ? "*" : voted;
  }
}

void SentinelCore::CheckQuorum(SentinelInstance* m, int* usable, int* voters) const {
  *voters = static_cast<int>(m->sentinels.size()) + 1;
  *usable = 1;
  for (const auto& [k, s] : m->sentinels) {
    if (!s->is(kSriSDown | kSriODown)) (*usable)++;
  }
}

// ---- Removing and resetting -----------------------------------------------------------------

void SentinelCore::RemoveMaster(const std::string& name) {
  SentinelInstance* m = FindMaster(name);
  if (m == nullptr) return;
  EventAbout("-monitor", m);
  masters_.erase(name);
  FlushConfig();
}

int SentinelCore::ResetMasters(const std::string& pattern) {
  int n = 0;
  for (auto& [name, m] : masters_) {
    if (!GlobMatch(pattern, name)) continue;
    ResetMaster(m.get(), /*keep_sentinels=*/false);
    EventAbout("+reset-master", m.get());
    n++;
  }
  if (n > 0) FlushConfig();
  return n;
}

void SentinelCore::Bury(std::unique_ptr<SentinelInstance> ri) {
  CloseLinks(ri.get());
  *ri->alive = false;
  if (graveyard_.empty()) {
    auto alive = alive_;
    env_->Defer([this, alive] {
      if (*alive) graveyard_.clear();
    });
  }
  graveyard_.push_back(std::move(ri));
}

void SentinelCore::ResetMaster(SentinelInstance* m, bool keep_sentinels) {
  for (auto& [k, r] : m->replicas) Bury(std::move(r));
  m->replicas.clear();
  if (!keep_sentinels) {
    for (auto& [k, s] : m->sentinels) Bury(std::move(s));
    m->sentinels.clear();
  }
  for (auto& [k, s] : m->sentinels) {
    s->flags &= ~kSriMasterDown;
    s->leader.clear();
    s->last_master_down_reply_us = kNever;
  }
  CloseLinks(m);
  m->flags &= kSriMaster;
  m->leader.clear();
  m->failover_state = FailoverState::kNone;
  m->failover_state_change_us = 0;
  m->failover_start_us = kNever;
  m->promoted = nullptr;
  m->run_id.clear();
  m->info.clear();
  m->info_refresh_us = 0;
  m->role_reported = kSriMaster;
  int64_t now = NowUs();
  m->role_reported_us = now;
  m->s_down_since_us = 0;
  m->o_down_since_us = 0;
  m->master_reboot_since_us = 0;
  m->last_avail_us = now;
  m->act_ping_us = now;
  m->last_pong_us = now;
  m->last_ping_us = kNever;
  m->last_pub_us = kNever;
  m->last_reconnect_us = kNever;
}

void SentinelCore::ResetMasterAndChangeAddress(SentinelInstance* m, const std::string& ip,
                                               int port) {
  std::vector<std::pair<std::string, int>> keep;
  for (auto& [k, r] : m->replicas) {
    if (r->ip == ip && r->port == port) continue;
    keep.emplace_back(r->ip, r->port);
  }
  if (m->ip != ip || m->port != port) keep.emplace_back(m->ip, m->port);
  ResetMaster(m, /*keep_sentinels=*/true);
  m->ip = ip;
  m->port = port;
  for (const auto& [rip, rport] : keep) {
    if (m->replicas.count(rip + ":" + std::to_string(rport)) == 0) {
      AddInstance(m, kSriReplica, rip, rport, "");
    }
  }
}

}  // namespace redsim
