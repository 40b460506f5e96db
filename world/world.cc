#include "world/world.h"

#include <xxhash.h>

#include "engine/replication/replication.h"
#include "engine/resp/request_parser.h"

namespace redsim::world {

// ---- SimNode --------------------------------------------------------------------------------

SimNode::SimNode(World* world, std::string name, std::string address, ServerConfig config)
    : world_(world),
      name_(std::move(name)),
      address_(std::move(address)),
      config_(std::move(config)) {
  host_ = world_->sim().AddHost(name_, address_);
  disk_ = std::make_unique<sim::SimDisk>(Random::Derive(world_->seed(), "disk:" + name_));
  sim::Simulator* s = &world_->sim();
  disk_->set_fault_reporter([s, this](const std::string& what, const std::string& path, int64_t n) {
    (void)path;
    s->Trace(sim::TraceKind::kDisk, host_,
             static_cast<uint64_t>(n) ^ std::hash<std::string>()(what));
  });
  env_ = std::make_unique<sim::SimEnv>(s, &world_->net(), host_, disk_.get());
  env_->set_probe_hook([this](std::string_view probe) { world_->Probe(std::string(probe)); });
  env_->set_fault_point_hook([this](std::string_view point) { return FaultPointFires(point); });
}

bool SimNode::FaultPointFires(std::string_view point) {
  // Every Nth plain SET of this server's life is acknowledged and not applied (counted from the
  // start, as the engine counted it when the bug lived in the SET handler).
  if (point != "drop-acked-write" || drop_acked_writes_every_ <= 0) return false;
  return ++fault_point_sets_ % static_cast<uint64_t>(drop_acked_writes_every_) == 0;
}

SimNode::~SimNode() {
  // Destroy the server while the simulator and network still exist.
  server_.reset();
}

void SimNode::Start() {
  Status s = TryStart();
  if (!s.ok()) {
    fprintf(stderr, "simulated node %s failed to start: %s\n", name_.c_str(), s.ToString().c_str());
    abort();
  }
}

Status SimNode::TryStart() {
  if (server_) return Status::Ok();
  Server::Options options;
  options.env = env_.get();
  options.config = config_;
  options.log_sink = world_->log_sink();
  // A Sentinel keeps its state (myid, epochs, votes, topology) in its config file on the node's
  // disk, as Redis does: a restarted Sentinel resumes from what reached the disk.
  if (config_.sentinel_mode) options.config_file = "sentinel.conf";
  drop_acked_writes_every_ = config_.debug_drop_acked_writes_every;
  fault_point_sets_ = 0;
  server_ = std::make_unique<Server>(std::move(options));
  Status s = server_->Start();
  if (!s.ok()) {
    // The process exits: whatever it scheduled goes with it.
    server_.reset();
    world_->sim().CrashHost(host_);
  } else if (server_->sentinel() != nullptr) {
    server_->sentinel()->SetEventHook(
        [this](const SentinelEvent& e) { world_->RecordSentinelEvent(name_, e); });
  } else if (server_->replication() != nullptr) {
    server_->replication()->set_change_hook([this] { NoteRole(); });
  }
  if (s.ok() && server_->cluster() != nullptr) {
    server_->cluster()->SetEventHook(
        [this](const cluster::Event& e) { world_->RecordClusterEvent(name_, e); });
  }
  NoteRole();
  return s;
}

void SimNode::Crash() {
  if (!server_) return;
  crashes_++;
  // Peers see a reset; pending timers and deliveries to this host vanish; the process's memory
  // goes; the disk keeps only what reached stable storage.
  world_->net().ResetHost(host_);
  world_->sim().CrashHost(host_);
  server_.reset();
  world_->sim().CrashHost(host_);  // anything the teardown scheduled is dropped too
  disk_->Crash();
  paused_ = false;
  NoteRole();
}

void SimNode::Pause() {
  world_->sim().PauseHost(host_);
  paused_ = true;
  NoteRole();
}

void SimNode::Resume() {
  world_->sim().ResumeHost(host_);
  paused_ = false;
  NoteRole();
}

void SimNode::NoteRole() {
  RoleSpan span;
  span.node = name_;
  span.from_ns = world_->sim().now_ns();
  // During a crash the server is being destroyed: server_ already reads null.
  Replication* repl = server_ != nullptr ? server_->replication() : nullptr;
  if (server_ == nullptr) {
    span.role = "down";
  } else if (server_->sentinel() != nullptr) {
    span.role = paused_ ? "paused" : "sentinel";
  } else if (repl == nullptr) {
    span.role = paused_ ? "paused" : "primary";
  } else {
    span.replid = repl->replid();
    if (repl->is_replica()) {
      SimNode* m = world_->NodeAt(repl->master_host(), repl->master_port());
      span.master = m != nullptr ? m->name()
                                 : repl->master_host() + ":" + std::to_string(repl->master_port());
      span.epoch = world_->EpochOf(span.replid, /*assign=*/false);
      span.role = paused_ ? "paused" : "replica";
    } else {
      span.epoch = world_->EpochOf(span.replid, /*assign=*/true);
      span.role = paused_ ? "paused" : "primary";
    }
  }
  auto same = [](const RoleSpan& a, const RoleSpan& b) {
    return a.role == b.role && a.master == b.master && a.epoch == b.epoch && a.replid == b.replid;
  };
  if (!roles_.empty()) {
    RoleSpan& last = roles_.back();
    if (same(last, span)) return;
    if (last.from_ns == span.from_ns) {
      // A later sample of the same instant wins (a promotion changes the id, then the role);
      // when it undoes the step before, the earlier span simply goes on.
      last = std::move(span);
      if (roles_.size() >= 2 && same(roles_[roles_.size() - 2], roles_.back())) {
        roles_.pop_back();
        roles_.back().to_ns = -1;
      }
      return;
    }
    if (roles_.size() >= kMaxRoleSpans) {
      roles_dropped_++;
      return;
    }
    last.to_ns = span.from_ns;
  }
  roles_.push_back(std::move(span));
}

// ---- SimClient ------------------------------------------------------------------------------

SimClient::SimClient(World* world, sim::HostId host) : world_(world), host_(host) {}

SimClient::~SimClient() {
  if (stream_) stream_->SetHandler(nullptr);
}

void SimClient::Wake() {
  if (waiter_ != nullptr) waiter_->Notify();
}

void SimClient::Interrupt() { Wake(); }

// One timer per client at a time: most calls finish long before their deadline, so the timer is
// re-armed only when it fires early (cheaper than scheduling and cancelling per call).
void SimClient::ArmDeadline(int64_t timeout_ns) {
  sim::Simulator& sim = world_->sim();
  deadline_ns_ = sim.now_ns() + timeout_ns;
  timed_out_ = false;
  if (!timer_pending_) {
    timer_pending_ = true;
    sim.AtTarget(deadline_ns_, sim::kNoHost, this, 0, nullptr, sim::TraceKind::kTimer);
  }
}

void SimClient::Fire(int64_t) {
  timer_pending_ = false;
  if (waiter_ == nullptr) return;
  sim::Simulator& sim = world_->sim();
  if (sim.now_ns() >= deadline_ns_) {
    timed_out_ = true;
    Wake();
    return;
  }
  timer_pending_ = true;
  sim.AtTarget(deadline_ns_, sim::kNoHost, this, 0, nullptr, sim::TraceKind::kTimer);
}

bool SimClient::Connect(const std::string& address, int port, int64_t timeout_ns) {
  Disconnect();
  if (world_->stopping()) return false;
  sim::FiberEvent done;
  // The callback may run after this fiber gave up (stop): it only touches state it shares.
  auto shared = std::make_shared<std::pair<bool, std::unique_ptr<Stream>>>();
  sim::FiberEvent* done_ptr = &done;
  auto alive = std::make_shared<bool>(true);
  world_->sim().At(
      world_->sim().now_ns(), host_, [this, address, port, timeout_ns, shared, done_ptr, alive] {
        world_->net().Connect(host_, address, port, timeout_ns,
                              [shared, done_ptr, alive](Status s, std::unique_ptr<Stream> stream) {
                                shared->first = true;
                                if (s.ok()) shared->second = std::move(stream);
                                if (*alive) done_ptr->Notify();
                              });
      });
  waiter_ = &done;
  while (!shared->first && !world_->stopping()) {
    done.Wait();
    done.Reset();
  }
  waiter_ = nullptr;
  *alive = false;
  if (!shared->first || !shared->second) return false;
  stream_ = std::move(shared->second);
  stream_->SetHandler(this);
  broken_ = false;
  in_.clear();
  return true;
}

void SimClient::AppendRequest(const std::string_view* args, size_t count) {
  // Hand-rolled decimal headers: snprintf cost more than the rest of a request together.
  auto header = [this](char prefix, size_t n) {
    char buf[24];
    char* end = buf + sizeof(buf);
    char* p = end;
    do {
      *--p = static_cast<char>('0' + n % 10);
      n /= 10;
    } while (n != 0);
    *--p = prefix;
    out_.append(p, static_cast<size_t>(end - p));
    out_.append("\r\n", 2);
  };
  header('*', count);
  for (size_t i = 0; i < count; i++) {
    header('$', args[i].size());
    out_.append(args[i]);
    out_.append("\r\n", 2);
  }
}

void SimClient::Disconnect() {
  if (stream_) {
    stream_->SetHandler(nullptr);
    stream_->Close();
    stream_.reset();
  }
  in_.clear();
  // Unsent request bytes belong to the old connection: sending them on the next one would run
  // an old command again and pair its reply with the next call (a GET answered "OK").
  out_.clear();
  have_reply_ = false;
}

void SimClient::OnReadable() {
  if (!stream_) return;
  char buf[16384];
  while (true) {
    IoResult r = stream_->Read(buf, sizeof(buf));
    if (r.kind == IoResult::kOk) {
      in_.append(buf, r.bytes);
      continue;
    }
    if (r.kind != IoResult::kWouldBlock) broken_ = true;
    break;
  }
  if (TryParseReply() || broken_) Wake();
}

void SimClient::OnWritable() {
  if (!stream_ || out_.empty()) return;
  IoResult r = stream_->Write(out_.data(), out_.size());
  if (r.kind == IoResult::kOk)
    out_.erase(0, r.bytes);
  else if (r.kind == IoResult::kError) {
    broken_ = true;
    Wake();
  }
}

bool SimClient::TryParseReply() {
  if (have_reply_ || in_.empty()) return have_reply_;
  size_t used = 0;
  std::string error;
  auto r = ReplyParser::Parse(in_.data(), in_.size(), &reply_, &used, &error);
  if (r == ReplyParser::Result::kError) {
    broken_ = true;
    return false;
  }
  if (r == ReplyParser::Result::kNeedMore) return false;
  // The trace folds the reply's bytes (cheaper than rendering the parsed value).
  reply_hash_ = XXH3_64bits(in_.data(), used);
  in_.erase(0, used);
  have_reply_ = true;
  return true;
}

CallResult SimClient::Call(const std::vector<std::string>& args, int64_t timeout_ns) {
  std::string_view views[16];
  std::vector<std::string_view> many;
  const std::string_view* p = views;
  if (args.size() <= 16) {
    for (size_t i = 0; i < args.size(); i++) views[i] = args[i];
  } else {
    many.assign(args.begin(), args.end());
    p = many.data();
  }
  return CallArgs(p, args.size(), timeout_ns);
}

CallResult SimClient::CallArgs(const std::string_view* args, size_t count, int64_t timeout_ns) {
  CallResult result;
  if (world_->stopping()) {
    result.status = CallResult::Status::kStopped;
    return result;
  }
  if (!stream_ || broken_) {
    Disconnect();
    result.status = CallResult::Status::kNotConnected;
    return result;
  }
  have_reply_ = false;
  sim::FiberEvent done;
  waiter_ = &done;
  sim::Simulator& sim = world_->sim();
  ArmDeadline(timeout_ns);
  // The write happens as an event of the client's host, so a partition or pause of the client
  // host applies to it as to any other host activity.
  AppendRequest(args, count);
  IoResult w = stream_->Write(out_.data(), out_.size());
  if (w.kind == IoResult::kOk)
    out_.erase(0, w.bytes);
  else if (w.kind == IoResult::kError)
    broken_ = true;
  while (!have_reply_ && !broken_ && !timed_out_ && !world_->stopping()) {
    if (!TryParseReply()) {
      done.Wait();
      done.Reset();
    }
  }
  waiter_ = nullptr;
  if (have_reply_) {
    result.status = CallResult::Status::kReply;
    result.reply = std::move(reply_);
    have_reply_ = false;
    sim.Trace(sim::TraceKind::kReply, host_, reply_hash_);
  } else if (world_->stopping()) {
    result.status = CallResult::Status::kStopped;
  } else if (timed_out_) {
    result.status = CallResult::Status::kTimeout;
    Disconnect();  // a late reply must not be mistaken for the next command's
  } else {
    result.status = CallResult::Status::kDisconnected;
    Disconnect();
  }
  return result;
}

std::vector<CallResult> SimClient::CallPipeline(
    const std::vector<std::vector<std::string>>& commands, int64_t timeout_ns) {
  std::vector<CallResult> results(commands.size());
  if (commands.empty()) return results;
  if (world_->stopping() || !stream_ || broken_) {
    for (auto& r : results) {
      r.status =
          world_->stopping() ? CallResult::Status::kStopped : CallResult::Status::kNotConnected;
    }
    return results;
  }
  for (const auto& args : commands) {
    std::vector<std::string_view> views(args.begin(), args.end());
    AppendRequest(views.data(), views.size());
  }
  IoResult w = stream_->Write(out_.data(), out_.size());
  if (w.kind == IoResult::kOk)
    out_.erase(0, w.bytes);
  else if (w.kind == IoResult::kError)
    broken_ = true;
  sim::FiberEvent done;
  waiter_ = &done;
  ArmDeadline(timeout_ns);
  size_t got = 0;
  have_reply_ = false;
  while (got < commands.size() && !broken_ && !timed_out_ && !world_->stopping()) {
    if (TryParseReply()) {
      results[got].status = CallResult::Status::kReply;
      results[got].reply = std::move(reply_);
      have_reply_ = false;
      got++;
      continue;
    }
    done.Wait();
    done.Reset();
  }
  waiter_ = nullptr;
  if (got < commands.size()) {
    CallResult::Status st = world_->stopping() ? CallResult::Status::kStopped
                            : timed_out_       ? CallResult::Status::kTimeout
                                               : CallResult::Status::kDisconnected;
    for (size_t i = got; i < results.size(); i++) results[i].status = st;
    if (!world_->stopping()) Disconnect();
  }
  return results;
}

// ---- World ----------------------------------------------------------------------------------

World::World(uint64_t seed) : sim_(seed), net_(&sim_, Random::Derive(seed, "network")) {}

World::~World() {
  clients_.clear();
  nodes_.clear();
}

SimNode* World::AddNode(const std::string& name, ServerConfig config) {
  std::string address = "10.0.0." + std::to_string(nodes_.size() + 1);
  nodes_.push_back(std::make_unique<SimNode>(this, name, address, std::move(config)));
  return nodes_.back().get();
}

void World::RecordSentinelEvent(const std::string& node, const SentinelEvent& event) {
  if (sentinel_events_.size() >= kMaxSentinelEvents) {
    sentinel_events_dropped_++;
    return;
  }
  std::string primary;
  if (event.type == "+switch-master") {
    // "<name> <old ip> <old port> <new ip> <new port>"
    std::vector<std::string> words;
    for (size_t i = 0, j; i < event.detail.size(); i = j + 1) {
      j = event.detail.find(' ', i);
      if (j == std::string::npos) j = event.detail.size();
      words.push_back(event.detail.substr(i, j - i));
    }
    if (words.size() >= 5) {
      const SimNode* n = NodeAt(words[3], std::atoi(words[4].c_str()));
      primary = n != nullptr ? n->name() : words[3] + ":" + words[4];
    }
  }
  sentinel_events_.push_back({node, sim_.now_ns(), event, primary});
}

std::string World::NodeNameOfClusterId(const std::string& id) const {
  for (const auto& n : nodes_) {
    if (n->server() != nullptr && n->server()->cluster() != nullptr &&
        n->server()->cluster()->myself_id() == id) {
      return n->name();
    }
  }
  return id;
}

void World::RecordClusterEvent(const std::string& node, const cluster::Event& event) {
  if (cluster_events_.size() >= kMaxSentinelEvents) {
    sentinel_events_dropped_++;
    return;
  }
  ClusterEventRecord r;
  switch (event.kind) {
    case cluster::EventKind::kEpochBumped:
      r.kind = "epoch-bumped";
      break;
    case cluster::EventKind::kNodeFailed:
      r.kind = "node-failed";
      break;
    case cluster::EventKind::kFailoverWon:
      r.kind = "failover-won";
      break;
    case cluster::EventKind::kSlotsChanged:
      r.kind = "slots-changed";
      break;
    case cluster::EventKind::kStateChanged:
      r.kind = "state-changed";
      break;
    case cluster::EventKind::kRoleChanged:
      r.kind = "role-changed";
      break;
  }
  r.node = node;
  r.time_ns = sim_.now_ns();
  r.epoch = event.epoch;
  r.peer = event.node_id.empty() ? "" : NodeNameOfClusterId(event.node_id);
  r.ok = event.ok;
  // A change that touches many slots at once announces itself once per slot: keep one.
  for (auto it = cluster_events_.rbegin(); it != cluster_events_.rend(); ++it) {
    if (it->time_ns != r.time_ns) break;
    if (it->node == r.node && it->kind == r.kind && it->epoch == r.epoch && it->peer == r.peer &&
        it->ok == r.ok) {
      return;
    }
  }
  cluster_events_.push_back(std::move(r));
}

SimClient* World::AddClient() {
  size_t i = clients_.size();
  std::string address = "10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
  sim::HostId h = sim_.AddHost("client" + std::to_string(i), address);
  clients_.push_back(std::make_unique<SimClient>(this, h));
  return clients_.back().get();
}

SimNode* World::NodeAt(const std::string& address, int port) const {
  for (const auto& n : nodes_) {
    if (n->address() == address && n->port() == port) return n.get();
  }
  return nullptr;
}

int World::EpochOf(const std::string& replid, bool assign) {
  auto it = epochs_.find(replid);
  if (it != epochs_.end()) return it->second;
  if (!assign || replid.empty()) return 0;
  int epoch = static_cast<int>(epochs_.size()) + 1;
  epochs_.emplace(replid, epoch);
  return epoch;
}

std::vector<RoleSpan> World::RoleSpans() const {
  std::vector<RoleSpan> out;
  for (const auto& n : nodes_) {
    for (const RoleSpan& r : n->roles()) {
      out.push_back(r);
      if (out.back().to_ns < 0) out.back().to_ns = sim_.now_ns();
    }
  }
  return out;
}

void World::RecordNemesis(const std::string& action, const std::string& detail) {
  history_.Add(-1, OpType::kInfo, action, "", History::JsonString(detail), sim_.now_ns());
  sim_.Trace(sim::TraceKind::kFault, std::hash<std::string>()(action),
             std::hash<std::string>()(detail));
}

void World::RecordNemesisJson(const std::string& action, const std::string& detail_json) {
  history_.Add(-1, OpType::kInfo, action, "", detail_json, sim_.now_ns());
  sim_.Trace(sim::TraceKind::kFault, std::hash<std::string>()(action),
             std::hash<std::string>()(detail_json));
}

void World::RequestStop() {
  stopping_ = true;
  for (auto& c : clients_) c->Interrupt();
}

void World::Run(int64_t duration_ns) {
  sim_.RunUntil(duration_ns);
  RequestStop();
  sim_.RunReadyFibers();
  // Fibers asleep in simulated time finish when their wake-up event runs; nothing else changes
  // the outcome after the stop, so the remaining events only let them return.
  while (sim_.running_fibers() > 0 && sim_.Step()) {
  }
  if (sim_.running_fibers() > 0) {
    fprintf(stderr, "world: %zu fibers never finished after stop (seed %llu)\n",
            sim_.running_fibers(), static_cast<unsigned long long>(seed()));
    abort();
  }
  sim_.JoinFibers();
}

}  // namespace redsim::world
