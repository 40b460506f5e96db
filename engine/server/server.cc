#include "engine/server/server.h"

#include <algorithm>
#include <cinttypes>

#include "engine/acl/acl.h"
#include "engine/base/strutil.h"
#include "engine/cluster/cluster.h"
#include "engine/persistence/persistence.h"
#include "engine/replication/replication.h"
#include "engine/scripting/scripting.h"
#include "engine/sentinel/sentinel.h"
#include "engine/server/command_context.h"
#include "engine/server/eviction.h"
#include "engine/server/info.h"
#include "engine/server/introspection.h"
#include "engine/server/pubsub.h"
#include "engine/server/tracking.h"
#include "engine/types/lazy_free.h"

namespace redsim {

namespace {
constexpr int kActiveExpireKeysPerLoop = 20;         // sampled per database per loop
constexpr int kActiveExpireAcceptableStalePct = 10;  // repeat while more expired than this
constexpr int kActiveExpireMaxLoopsPerCycle = 64;    // bound on work per cron turn
constexpr int kMaxErrorStatsEntries = 128;
}  // namespace

Server::Server(Options options)
    : env_(options.env),
      config_(std::move(options.config)),
      options_config_file_(std::move(options.config_file)),
      options_executable_(std::move(options.executable)) {
  log_ = Log(env_, options.log_sink);
  log_.set_level(ParseLogLevel(config_.loglevel));
  uint64_t seed;
  env_->RandomBytes(&seed, sizeof(seed));
  rng_.Seed(seed);
  static const char kHex[] = "0123456789abcdef";
  run_id_.resize(40);
  for (auto& ch : run_id_) ch = kHex[rng_.Uniform(16)];
  // The lazy-free queue first: the keyspace hands it values (it draws nothing from rng_).
  lazy_freer_ = std::make_unique<LazyFreer>(env_);
  BuildKeyspace();
  auto schedule_flush = [this](Client* c) { ScheduleFlush(c); };
  auto check_output_limits = [this](Client* c) { return CheckOutputLimits(c); };
  pubsub_ = std::make_unique<PubSub>(PubSubHandles{&config_, schedule_flush, check_output_limits});
  introspection_ = std::make_unique<Introspection>(IntrospectionHandles{
      env_, &config_, [this] { return loading_; }, schedule_flush, check_output_limits});
  tracking_ = std::make_unique<Tracking>(this);
  keyspace_->AddListener(pubsub_.get());
  keyspace_->AddListener(tracking_.get());
  keyspace_->AddListener(blocking_.get());
  RegisterAllCommands(commands_);
  BuildAcl();
  EvictorHandles e;
  e.config = &config_;
  e.env = env_;
  e.rng = &rng_;
  e.keyspace = keyspace_.get();
  e.now_ms = &now_ms_;
  e.evicted_keys = &stats_.evicted_keys;
  e.loading = [this] { return loading_; };
  e.is_replica = [this] { return replication_->is_replica(); };
  e.propagate = [this](int db, const std::vector<std::string_view>& args) { Propagate(db, args); };
  evictor_ = std::make_unique<Evictor>(std::move(e));
  keyspace_->set_access_policy(evictor_.get());
  BuildPersistence();
  AddPropagationSink(persistence_.get());
  BuildReplication();
  AddPropagationSink(replication_.get());
  if (config_.cluster_enabled) BuildCluster();
  start_time_us_ = env_->WallMicros();
  last_save_time_s_ = start_time_us_ / 1000000;
  RefreshTime();
  if (config_.sentinel_mode) {
    Sentinel::RegisterSentinelCommands(commands_);
    sentinel_ = std::make_unique<Sentinel>(this);
  }
}

Server::~Server() {
  Stop();
  *alive_ = false;
  sentinel_.reset();
  scripting_.reset();
  RemovePropagationSink(replication_.get());
  RemovePropagationSink(persistence_.get());
  replication_.reset();
  persistence_.reset();
  for (Client* c : clients_to_free_) delete c;
  clients_to_free_.clear();
}

void Server::BuildPersistence() {
  PersistenceHandles p;
  p.env = env_;
  p.config = &config_;
  p.log = &log_;
  p.rng = &rng_;
  p.keyspace = keyspace_.get();
  p.dirty = &dirty;
  p.set_loading = [this](bool on) { loading_ = on; };
  p.set_last_save_time_s = [this](int64_t t) { last_save_time_s_ = t; };
  p.load_library = [this](const std::string& code) {
    return scripting()->LoadLibraryFromRdb(code);
  };
  p.library_codes = [this] {
    return scripting_ != nullptr ? scripting_->LibraryCodes() : std::vector<std::string>();
  };
  p.create_replay_client = [this] { return CreateFakeClient(); };
  p.free_replay_client = [this](Client* c) { FreeFakeClient(c); };
  p.replay_command = [this](Client* c, const std::vector<std::string_view>& args) {
    ProcessCommand(c, args);
  };
  p.shutdown_on_aof_error = [this] { Shutdown(false, true, true, true); };
  persistence_ = std::make_unique<Persistence>(std::move(p));
}

void Server::BuildReplication() {
  ReplicationHandles r;
  r.env = env_;
  r.config = &config_;
  r.log = &log_;
  r.rng = &rng_;
  r.keyspace = keyspace_.get();
  r.persistence = persistence_.get();
  r.blocking = blocking_.get();
  r.dirty = &dirty;
  r.now_ms = &now_ms_;
  r.port = [this] { return listen_port_; };
  r.current_client = [this] { return current_client_; };
  r.schedule_flush = [this](Client* c) { ScheduleFlush(c); };
  r.check_output_limits = [this](Client* c) { return CheckOutputLimits(c); };
  r.close_client_async = [this](Client* c) { CloseClientAsync(c); };
  r.reply_to = [this](Client* c) { return ReplyTo(c); };
  r.adopt_stream = [this](std::unique_ptr<Stream> stream, uint64_t flags) {
    return AdoptStream(std::move(stream), flags);
  };
  r.feed_input = [this](Client* c, std::string_view bytes) { FeedInput(c, bytes); };
  r.flush_functions = [this] {
    if (scripting_ != nullptr) scripting_->FlushFunctions();
  };
  replication_ = std::make_unique<Replication>(std::move(r));
}

void Server::BuildAcl() {
  AclHandles a;
  a.env = env_;
  a.config = &config_;
  a.now_ms = &now_ms_;
  a.clients = [this]() -> const std::map<uint64_t, Client*>& { return clients_by_id_; };
  a.current_client = [this] { return current_client_; };
  a.close_client_async = [this](Client* c) { CloseClientAsync(c); };
  a.loading = [this] { return loading_; };
  a.client_info = [this](const Client* c) { return ClientInfoLine(this, c); };
  acl_ = std::make_unique<Acl>(std::move(a));
}

void Server::BuildKeyspace() {
  KeyspaceHandles k;
  k.config = &config_;
  k.rng = &rng_;
  k.lazy_freer = lazy_freer_.get();
  k.now_ms = &now_ms_;
  k.start_time_us = &start_time_us_;
  k.current_client = &current_client_;
  k.expired_keys = &stats_.expired_keys;
  k.keyspace_hits = &stats_.keyspace_hits;
  k.keyspace_misses = &stats_.keyspace_misses;
  k.is_replica = [this] { return replication_->is_replica(); };
  k.writes_paused = [this] { return WritesPaused(); };
  k.propagate = [this](int db, const std::vector<std::string_view>& args) { Propagate(db, args); };
  keyspace_ = std::make_unique<Keyspace>(std::move(k), static_cast<int>(config_.databases));

  BlockingHandles b;
  b.env = env_;
  b.keyspace = keyspace_.get();
  b.now_ms = &now_ms_;
  b.total_commands_processed = &stats_.total_commands_processed;
  b.find_client = [this](uint64_t id) { return FindClient(id); };
  b.refresh_time = [this] { RefreshTime(); };
  b.schedule_serving = [this] { ScheduleBeforeSleep(); };
  b.reply_to = [this](Client* c) { return ReplyTo(c); };
  b.execute = [this](Client* c, Command* cmd, const std::vector<std::string_view>& args) {
    ReplyBuilder reply = ReplyTo(c);
    CommandContext ctx{this, c, cmd, args, reply};
    ExecuteCommand(ctx);
  };
  b.on_unblocked = [this](Client* c) {
    unblocked_clients_.push_back(c);
    ScheduleFlush(c);
  };
  blocking_ = std::make_unique<Blocking>(std::move(b));
  blocking_->set_alive(alive_);
}

Status Server::Start() {
  if (config_.bind.empty()) config_.bind = {"127.0.0.1"};
  if (!config_.aclfile.empty()) {
    Status acl_loaded = acl_->LoadFile(config_.aclfile);
    if (!acl_loaded.ok()) {
      log_.Warning("{}", acl_loaded.message());
      return acl_loaded;
    }
  }
  for (const auto& user : config_.user_directives) {
    std::vector<std::string_view> rules(user.begin() + 1, user.end());
    std::string error = acl_->SetUser(user[0], rules);
    if (!error.empty()) {
      return Status::InvalidArgument("Error in user declaration '" + user[0] + "': " + error);
    }
  }
  // A Sentinel keeps no dataset: its state is its config file.
  Status loaded = sentinel_ ? Status::Ok() : persistence_->LoadAtStartup();
  if (!loaded.ok()) {
    log_.Warning("Fatal error loading the DB: {}. Exiting.", loaded.message());
    return loaded;
  }
  for (const auto& addr : config_.bind) {
    std::string host = addr;
    if (!host.empty() && host[0] == '-') host = host.substr(1);  // "-::1": optional address
    std::unique_ptr<Listener> listener;
    int port = listen_port_ != 0 ? listen_port_ : static_cast<int>(config_.port);
    Status s = env_->Listen(host, port, this, &listener);
    if (!s.ok()) {
      if (!addr.empty() && addr[0] == '-') continue;
      log_.Warning("Warning: Could not create server TCP listening socket {}:{}: {}", host,
                   config_.port, s.message());
      return Status::IoError("could not listen on " + host + ":" + std::to_string(config_.port) +
                             ": " + s.message());
    }
    listen_port_ = listener->Port();
    listeners_.push_back(std::move(listener));
  }
  config_.port = listen_port_;
  if (cluster_ != nullptr) {
    Status cluster_started = cluster_->Start();
    if (!cluster_started.ok()) return cluster_started;
  }
  if (!config_.replicaof.empty()) {
    auto parts = SplitArgs(config_.replicaof);
    int64_t port;
    if (!parts || parts->size() != 2 || !ParseInt64((*parts)[1], &port)) {
      return Status::InvalidArgument("bad replicaof directive: " + config_.replicaof);
    }
    replication_->ReplicaOf((*parts)[0], static_cast<int>(port), /*at_startup=*/true);
  }
  auto alive = alive_;
  int64_t period_us = 1000000 / std::max<int64_t>(1, config_.hz);
  std::function<void()> tick;
  cron_timer_ = env_->AddTimer(period_us, [this, alive] {
    if (*alive) Cron();
  });
  stats_.used_memory_startup = UsedMemory();  // INFO's baseline for the dataset share
  if (sentinel_) {
    Status started = sentinel_->Start();
    if (!started.ok()) return started;
  }
  log_.Notice("Server initialized");
  log_.Notice("Ready to accept connections tcp (port {})", listen_port_);
  return Status::Ok();
}

void Server::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (sentinel_) sentinel_->Stop();
  env_->CancelTimer(cron_timer_);
  env_->CancelTimer(pause_timer_);
  if (cluster_ != nullptr) cluster_->Stop();
  listeners_.clear();
  std::vector<Client*> all;
  for (auto& [id, c] : clients_by_id_) all.push_back(c);
  for (Client* c : all) {
    if (c->blocked_timer != 0) env_->CancelTimer(c->blocked_timer);
    c->blocked_timer = 0;
    // Write what is pending, best effort, before closing.
    if (!c->has(kClientCloseAsap)) c->FlushOutput();
    delete c;
  }
  clients_by_id_.clear();
  pubsub_->Clear();
  postponed_clients_.clear();
  pending_writes_.clear();
  clients_to_free_.clear();
  unblocked_clients_.clear();
  blocking_->Clear();
}

std::string Server::Shutdown(bool save, bool nosave, bool now, bool force) {
  (void)save;
  (void)nosave;
  (void)now;
  (void)force;
  if (shutting_down_) return "";
  shutting_down_ = true;
  log_.Warning("User requested shutdown...");
  std::string refused = persistence_->PrepareShutdown(save, nosave);
  if (!refused.empty() && !force) {
    shutting_down_ = false;
    return refused;
  }
  log_.Warning("Redis is now ready to exit, bye bye...");
  auto alive = alive_;
  // Stop after the current command finishes, so its caller's stack is not freed under it.
  env_->Defer([this, alive] {
    if (!*alive) return;
    Stop();
    if (shutdown_callback_) shutdown_callback_();
  });
  return "";
}

Scripting* Server::scripting() {
  if (!scripting_) scripting_ = std::make_unique<Scripting>(this);
  return scripting_.get();
}

Client* Server::FindClient(uint64_t id) const {
  auto it = clients_by_id_.find(id);
  return it == clients_by_id_.end() ? nullptr : it->second;
}

void Server::RefreshTime() {
  if (time_frozen_ == 0) now_ms_ = env_->WallMicros() / 1000;
}

uint32_t Server::LruClock() const {
  return static_cast<uint32_t>((now_ms_ / 1000) & ((1 << 24) - 1));
}

ReplyBuilder Server::ReplyTo(Client* c) {
  ReplyBuilder r(&c->reply_, c->resp);
  r.set_error_observer(this);
  return r;
}

// ---- Accepting and freeing clients ---------------------------------------------------------

void Server::OnAccept(std::unique_ptr<Stream> stream) {
  if (stopped_) return;
  stats_.total_connections_received++;
  if (static_cast<int64_t>(connected_client_count()) >= config_.maxclients) {
    std::string msg = "-" + std::string(err::kMaxClients) + "\r\n";
    stream->Write(msg.data(), msg.size());
    stream->Close();
    stats_.rejected_connections++;
    return;
  }
  uint64_t id = next_client_id_++;
  auto* c = new Client(this, std::move(stream), id);
  c->db = keyspace_->db(0);
  c->created_us = env_->NowMicros();
  c->last_interaction_us = c->created_us;
  c->authenticated = acl_->DefaultUserNeedsNoAuth();
  clients_by_id_[id] = c;
  c->stream()->SetHandler(c);
  log_.Verbose("Accepted {}", c->peer_address);
}

Client* Server::AdoptStream(std::unique_ptr<Stream> stream, uint64_t flags) {
  uint64_t id = next_client_id_++;
  auto* c = new Client(this, std::move(stream), id);
  c->db = keyspace_->db(0);
  c->flags |= flags;
  c->authenticated = true;
  c->created_us = env_->NowMicros();
  c->last_interaction_us = c->created_us;
  clients_by_id_[id] = c;
  c->stream()->SetHandler(c);
  return c;
}

void Server::FeedInput(Client* c, std::string_view bytes) {
  c->query_.Append(bytes);
  c->ProcessInput();
}

Client* Server::CreateFakeClient() {
  uint64_t id = next_client_id_++;
  auto* c = new Client(this, nullptr, id);
  c->flags |= kClientFake;
  c->db = keyspace_->db(0);
  c->authenticated = true;
  c->created_us = env_->NowMicros();
  c->last_interaction_us = c->created_us;
  clients_by_id_[id] = c;
  fake_clients_++;
  return c;
}

void Server::FreeFakeClient(Client* c) {
  keyspace_->UnwatchAllKeys(c);
  pubsub_->RemoveClient(c);
  introspection_->RemoveMonitor(c);
  tracking_->OnClientFreed(c);
  clients_by_id_.erase(c->id());
  fake_clients_--;
  delete c;
}

void Server::CloseClientAsync(Client* c) {
  if (c->has(kClientCloseAsap)) return;
  c->flags |= kClientCloseAsap;
  if (c->has(kClientBlocked)) blocking_->UnblockClient(c, false, {});
  if (c->stream_ != nullptr) {
    c->stream_->SetHandler(nullptr);
    c->stream_->Close();
  }
  clients_to_free_.push_back(c);
  ScheduleBeforeSleep();
}

void Server::FreeClient(Client* c) {
  clients_by_id_.erase(c->id());
  if (c->has(kClientFake)) fake_clients_--;
  pending_writes_.erase(std::remove(pending_writes_.begin(), pending_writes_.end(), c),
                        pending_writes_.end());
  unblocked_clients_.erase(std::remove(unblocked_clients_.begin(), unblocked_clients_.end(), c),
                           unblocked_clients_.end());
  if (c->blocked_timer != 0) env_->CancelTimer(c->blocked_timer);
  keyspace_->UnwatchAllKeys(c);
  pubsub_->RemoveClient(c);
  introspection_->RemoveMonitor(c);
  tracking_->OnClientFreed(c);
  postponed_clients_.erase(std::remove(postponed_clients_.begin(), postponed_clients_.end(), c),
                           postponed_clients_.end());
  if (replication_) replication_->OnClientFreed(c);
  delete c;
}

// ---- Flushing and the before-sleep point ---------------------------------------------------

void Server::ScheduleBeforeSleep() {
  if (before_sleep_scheduled_ || stopped_) return;
  before_sleep_scheduled_ = true;
  auto alive = alive_;
  env_->Defer([this, alive] {
    if (!*alive) return;
    before_sleep_scheduled_ = false;
    BeforeSleep();
  });
}

void Server::ScheduleFlush(Client* c) {
  if (c->has(kClientFake)) return;
  if (!c->has(kClientPendingWrite)) {
    c->flags |= kClientPendingWrite;
    pending_writes_.push_back(c);
  }
  ScheduleBeforeSleep();
}

void Server::BeforeSleep() {
  if (stopped_) return;
  blocking_->ServeReadyKeys();
  // Clients unblocked this turn continue with the input they had buffered.
  while (!unblocked_clients_.empty()) {
    std::vector<Client*> batch;
    batch.swap(unblocked_clients_);
    for (Client* c : batch) {
      c->flags &= ~kClientUnblocked;
      if (!c->has(kClientCloseAsap) && !c->has(kClientBlocked)) {
        c->ProcessInput();
        // Fake clients (tests, scripts) have no stream to read from.
        if (!c->has(kClientBlocked) && !c->has(kClientCloseAsap) && !c->has(kClientFake)) {
          c->ReadFromStream();
        }
      }
    }
    blocking_->ServeReadyKeys();
  }
  // CLIENT TRACKING BCAST: this turn's modified keys, one message per prefix.
  tracking_->FlushBroadcasts();
  // The AOF reaches the disk (and, with appendfsync always, stable storage) before any reply of
  // this turn is sent.
  persistence_->BeforeReplies();
  std::vector<Client*> writes;
  writes.swap(pending_writes_);
  for (Client* c : writes) {
    c->flags &= ~kClientPendingWrite;
    if (!c->has(kClientCloseAsap)) c->FlushOutput();
  }
  std::vector<Client*> to_free;
  to_free.swap(clients_to_free_);
  for (Client* c : to_free) FreeClient(c);
}

bool Server::CheckOutputLimits(Client* c) {
  // The class, as Redis picks it: replicas (not MONITORs), then any client with a subscription
  // (RESP2 or RESP3), then everyone else.
  const OutputBufferLimit* limit = &config_.obuf_normal;
  if (c->has(kClientReplica) && !c->has(kClientMonitor))
    limit = &config_.obuf_replica;
  else if (c->has(kClientPubSub))
    limit = &config_.obuf_pubsub;
  int64_t used = static_cast<int64_t>(c->pending_reply_bytes());
  bool hard = limit->hard_bytes > 0 && used >= limit->hard_bytes;
  bool soft = false;
  if (limit->soft_bytes > 0 && used >= limit->soft_bytes) {
    if (c->obuf_soft_limit_since_ms == 0) {
      c->obuf_soft_limit_since_ms = now_ms_;
    } else if (now_ms_ - c->obuf_soft_limit_since_ms > limit->soft_seconds * 1000) {
      soft = true;
    }
  } else {
    c->obuf_soft_limit_since_ms = 0;
  }
  if (hard || soft) {
    log_.Warning(
        "Client id={} addr={} scheduled to be closed ASAP for overcoming of output buffer limits.",
        c->id(), c->peer_address);
    CloseClientAsync(c);
    return false;
  }
  return true;
}

// ---- Command dispatch -----------------------------------------------------------------------

void Server::OnErrorReply(std::string_view error_text) {
  stats_.total_error_replies++;
  if (in_call_) errors_in_current_call_++;
  size_t space = error_text.find(' ');
  std::string prefix(error_text.substr(0, space));
  auto it = error_stats_.find(prefix);
  if (it != error_stats_.end()) {
    it->second++;
  } else if (error_stats_.size() < kMaxErrorStatsEntries) {
    error_stats_[prefix] = 1;
  }
}

static bool IsMultiControl(const Command* cmd) {
  const std::string& n = cmd->name;
  return n == "exec" || n == "discard" || n == "multi" || n == "watch" || n == "quit" ||
         n == "reset";
}

static bool AllowedInSubscribedMode(const Command* cmd) {
  const std::string& n = cmd->name;
  return n == "ping" || n == "subscribe" || n == "unsubscribe" || n == "psubscribe" ||
         n == "punsubscribe" || n == "ssubscribe" || n == "sunsubscribe" || n == "quit" ||
         n == "reset";
}

void Server::RejectCommand(Client* c, Command* cmd, std::string_view error) {
  ReplyBuilder reply = ReplyTo(c);
  if (cmd != nullptr) cmd->rejected_calls++;
  if (cmd != nullptr && cmd->name == "exec") {
    // A rejected EXEC (wrong arity, NOAUTH...) aborts the transaction, if any, and says why, as
    // Redis does: "EXECABORT Transaction discarded because of: <error without 'ERR '>".
    std::string_view why = error.substr(0, 4) == "ERR " ? error.substr(4) : error;
    reply.Error("EXECABORT Transaction discarded because of: " + std::string(why));
    c->multi_queue.clear();
    c->multi_bytes = 0;
    c->flags &= ~(kClientMulti | kClientDirtyCas | kClientDirtyExec);
    keyspace_->UnwatchAllKeys(c);
    return;
  }
  reply.Error(error);
  if (c->has(kClientMulti)) c->flags |= kClientDirtyExec;
}

void Server::ProcessCommand(Client* c, const std::vector<std::string_view>& args) {
  RefreshTime();
  if (scripting_ != nullptr) scripting_->NoteCommandWhileBusy(c);
  ReplyBuilder reply = ReplyTo(c);
  auto reject = [&](Command* cmd, std::string_view error) { RejectCommand(c, cmd, error); };
  // Cluster mode: ASKING holds for the next command only (or the whole MULTI it opens).
  struct AskingReset {
    Client* c;
    bool keep = false;
    ~AskingReset() {
      if (!keep && !c->has(kClientMulti)) c->flags &= ~kClientAsking;
    }
  } asking_reset{c};

  Command* cmd = commands_.Find(args[0]);
  asking_reset.keep = cmd != nullptr && cmd->name == "asking";
  if (cmd != nullptr && cmd->has_subcommands() && args.size() > 1) {
    Command* sub = commands_.FindSubcommand(cmd, args[1]);
    if (sub == nullptr) {
      c->last_command = "NULL";
      reject(nullptr, err::UnknownSubcommand(args[1], cmd->name));
      return;
    }
    cmd = sub;
  }
  // CLIENT LIST's cmd= field names the last command looked up, even if it is then refused.
  c->last_command = cmd != nullptr ? cmd->name : "NULL";
  if (cmd == nullptr) {
    reject(nullptr, err::UnknownCommand(args[0], args.data() + 1, args.size() - 1));
    return;
  }
  int argc = static_cast<int>(args.size());
  if ((cmd->arity > 0 && cmd->arity != argc) || (cmd->arity < 0 && argc < -cmd->arity) ||
      cmd->handler == nullptr) {
    reject(cmd, err::WrongArgs(cmd->display_name));
    return;
  }
  // While a script runs past busy-reply-threshold, other clients get -BUSY.
  if (scripting_ != nullptr) {
    if (const char* busy = scripting_->BusyRejection(cmd, args)) return reject(cmd, busy);
  }
  if (!CheckCommandAllowed(c, cmd, args)) return;

  if (c->has(kClientMulti) && !IsMultiControl(cmd)) {
    // A transaction already doomed (a watched key changed, a command was refused) keeps
    // answering QUEUED but stores nothing, as in Redis (CLIENT LIST shows multi=0).
    if (c->flags & (kClientDirtyCas | kClientDirtyExec)) {
      reply.Simple("QUEUED");
      return;
    }
    StoredCommand stored;
    stored.cmd = cmd;
    stored.args.reserve(args.size());
    for (auto a : args) {
      stored.args.emplace_back(a);
      c->multi_bytes += a.size();
    }
    c->multi_queue.push_back(std::move(stored));
    reply.Simple("QUEUED");
    return;
  }

  // CLIENT REPLY OFF/SKIP: the command runs, its reply is dropped. So is every reply to our
  // primary, except what a command sends on purpose (REPLCONF ACK).
  size_t reply_before = c->reply_.size();
  CommandContext ctx{this, c, cmd, args, reply};
  ExecuteCommand(ctx);
  // Invalidations of keys this client tracks and just modified follow the command's reply.
  tracking_->AfterTopLevelCommand(c, cmd);
  if (c->has(kClientMaster)) {
    if (!c->has(kClientMasterForceReply)) c->reply_.resize(std::max(reply_before, c->reply_sent_));
    c->flags &= ~kClientMasterForceReply;
  }
  if (c->flags & (kClientReplyOff | kClientReplySkip)) {
    if (c->reply_.size() > reply_before) c->reply_.resize(std::max(reply_before, c->reply_sent_));
    c->flags &= ~kClientReplySkip;
  }
  if (c->flags & kClientReplySkipNext) {
    c->flags = (c->flags & ~kClientReplySkipNext) | kClientReplySkip;
  }
  // As Redis 7.0 does after every command: clients blocked on keys this command filled are
  // served now, before this client's next pipelined command can take the data.
  // Not from inside a busy script (a SCRIPT KILL arriving mid-script): that would run blocked
  // clients' commands in the middle of the script.
  if (blocking_->has_ready_keys() && !(scripting_ != nullptr && scripting_->busy())) {
    blocking_->ServeReadyKeys();
  }
}

bool Server::CheckCommandAllowed(Client* c, Command* cmd,
                                 const std::vector<std::string_view>& args) {
  auto reject = [&](std::string_view error) {
    RejectCommand(c, cmd, error);
    return false;
  };
  const Command* top = cmd->parent != nullptr ? cmd->parent : cmd;
  if (top->name == "debug" && config_.enable_debug_command == "no" && !c->has(kClientFake)) {
    return reject(
        "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", "
        "you can run it from a local connection, otherwise you need to set this option in the "
        "configuration file, and then restart the server.");
  }
  if (!c->authenticated && !cmd->is(kCmdNoAuth)) return reject(err::kNoAuth);
  if (c->has(kClientMulti) && cmd->is(kCmdNoMulti)) {
    return reject("ERR Command not allowed inside a transaction");
  }
  std::string acl_error;
  if (!acl_->CheckClient(c, cmd, args, &acl_error)) return reject(acl_error);
  if (cluster_ != nullptr && !RouteForCluster(c, cmd, args)) return false;
  // Not while a script is busy: evicting then would interleave DELs with the script's writes.
  if (config_.maxmemory > 0 && !c->has(kClientMaster) &&
      !(scripting_ != nullptr && scripting_->busy()) && DeniedForMemory(c, cmd, args)) {
    return reject(err::kOom);
  }
  if (cmd->is(kCmdWrite) && !c->has(kClientMaster)) {
    if (replication_->is_replica() && config_.replica_read_only) {
      return reject(err::kNoWriteReplica);
    }
    if (!replication_->is_replica() && config_.min_replicas_to_write > 0 &&
        replication_->GoodReplicas() < config_.min_replicas_to_write) {
      return reject("NOREPLICAS Not enough good replicas to write.");
    }
  }
  if (replication_->is_replica() && !replication_->master_link_up() &&
      !config_.replica_serve_stale_data && !cmd->is(kCmdStale)) {
    return reject(
        "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to "
        "'no'.");
  }
  // A MONITOR connection is a replica of sorts for Redis: it may not touch the keyspace.
  if (c->has(kClientMonitor) &&
      (cmd->is(kCmdWrite) || cmd->is(kCmdReadonly) || cmd->is(kCmdMayReplicate))) {
    return reject("ERR Replica can't interact with the keyspace");
  }
  if (c->has(kClientPubSub) && c->resp == 2 && !AllowedInSubscribedMode(cmd)) {
    return reject("ERR Can't execute '" + cmd->display_name +
                  "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed "
                  "in this context");
  }
  (void)args;
  return true;
}

// Evicts as needed before a command (as Redis does before every command under maxmemory), and
// says whether the command must be refused: it may grow memory (deny-oom, or anything queued in
// MULTI, or an EXEC holding a deny-oom command) while memory cannot be brought under the limit.
bool Server::DeniedForMemory(Client* c, Command* cmd, const std::vector<std::string_view>& args) {
  oom_before_command_ = evictor_->PerformEvictions() == EvictResult::kFail;
  if (!oom_before_command_) return false;
  if (DeniesOom(cmd, args.size() > 1 ? args[1] : std::string_view())) return true;
  const std::string& n = cmd->name;
  if (n == "exec") {
    for (const auto& queued : c->multi_queue) {
      std::string_view arg1 = queued.args.size() > 1 ? queued.args[1] : std::string_view();
      if (DeniesOom(queued.cmd, arg1)) return true;
    }
    return false;
  }
  return c->has(kClientMulti) && n != "discard" && n != "quit" && n != "reset";
}

bool Server::DeniesOom(const Command* cmd, std::string_view arg1) const {
  if (cmd->is(kCmdDenyOom)) return true;
  return scripting_ != nullptr && scripting_->DeclaredFlagsDenyOom(cmd, arg1);
}

void Server::ExecuteCommand(CommandContext& ctx) {
  Client* c = ctx.client;
  Command* cmd = ctx.cmd;
  Client* saved_client = current_client_;
  bool saved_in_call = in_call_;
  uint64_t saved_errors = errors_in_current_call_;
  current_client_ = c;
  in_call_ = true;
  errors_in_current_call_ = 0;
  uint64_t dirty_before = dirty;

  int64_t start_us = env_->NowMicros();
  BeginExecPropagation();
  cmd->handler(ctx);
  int64_t duration_us = env_->NowMicros() - start_us;

  // A blocked command has not run yet: it is counted when it completes.
  if (!c->has(kClientBlocked)) {
    cmd->calls++;
    cmd->microseconds += static_cast<uint64_t>(duration_us);
    if (config_.latency_tracking) {
      if (!cmd->latency) cmd->latency = std::make_unique<LatencyHistogram>();
      cmd->latency->Record(static_cast<uint64_t>(duration_us));
    }
    if (errors_in_current_call_ > 0) cmd->failed_calls++;
    stats_.total_commands_processed++;
    introspection_->AfterCommand(ctx, duration_us);
    tracking_->AfterCommand(ctx);
  }

  if (dirty != dirty_before && !(c->has(kClientMaster) && false)) {
    if (ctx.has_propagate_override) {
      if (!ctx.propagate_override.empty()) {
        std::vector<std::string_view> views(ctx.propagate_override.begin(),
                                            ctx.propagate_override.end());
        Propagate(c->db_index, views);
      }
    } else if (cmd->is(kCmdWrite) || cmd->is(kCmdMayReplicate)) {
      Propagate(c->db_index, ctx.args);
    }
  }
  for (const auto& extra : ctx.also_propagate) {
    std::vector<std::string_view> views(extra.begin(), extra.end());
    Propagate(c->db_index, views);
  }
  EndExecPropagation();  // before the offset below, which must include this command's writes
  if (dirty != dirty_before) c->last_write_repl_offset = replication_->master_repl_offset();
  current_client_ = saved_client;
  in_call_ = saved_in_call;
  errors_in_current_call_ = saved_errors;
  if (!c->has(kClientFake)) CheckOutputLimits(c);
}

void Server::RemovePropagationSink(PropagationSink* sink) {
  sinks_.erase(std::remove(sinks_.begin(), sinks_.end(), sink), sinks_.end());
}

void Server::Propagate(int db_index, const std::vector<std::string_view>& args) {
  if (sinks_.empty() || loading_) return;
  if (exec_depth_ > 0) {
    pending_writes_in_unit_.push_back({db_index, {args.begin(), args.end()}, false});
    return;
  }
  for (PropagationSink* s : sinks_) s->Feed(db_index, args);
}

void Server::PropagateToReplicas(int db_index, const std::vector<std::string_view>& args) {
  if (loading_ || replication_ == nullptr) return;
  if (exec_depth_ > 0) {
    pending_writes_in_unit_.push_back({db_index, {args.begin(), args.end()}, true});
    return;
  }
  replication_->Feed(db_index, args);
}

void Server::EndExecPropagation() {
  if (--exec_depth_ > 0) return;
  std::vector<PendingWrite> writes = std::move(pending_writes_in_unit_);
  pending_writes_in_unit_.clear();
  bool wrap = writes.size() > 1 && !propagate_without_multi_;
  propagate_without_multi_ = false;
  if (sinks_.empty() || loading_) return;
  // MULTI in the first write's database and EXEC in the last one's, so that neither needs a
  // SELECT of its own.
  if (wrap) {
    for (PropagationSink* s : sinks_) s->Feed(writes.front().db_index, {"MULTI"});
  }
  for (const PendingWrite& w : writes) {
    std::vector<std::string_view> views(w.args.begin(), w.args.end());
    if (w.replicas_only) {
      replication_->Feed(w.db_index, views);
    } else {
      for (PropagationSink* s : sinks_) s->Feed(w.db_index, views);
    }
  }
  if (wrap) {
    for (PropagationSink* s : sinks_) s->Feed(writes.back().db_index, {"EXEC"});
  }
}

// ---- Periodic work --------------------------------------------------------------------------

void Server::Cron() {
  cron_loops_++;
  RefreshTime();
  int64_t now_us = env_->NowMicros();
  // Instantaneous metrics: one sample per 100 ms.
  auto& s = stats_.samples[stats_.sample_index % 16];
  s.time_us = now_us;
  s.commands = stats_.total_commands_processed;
  s.net_in = stats_.total_net_input_bytes;
  s.net_out = stats_.total_net_output_bytes;
  stats_.sample_index++;

  ActiveExpireCycle();
  persistence_->Cron();
  replication_->Cron();
  if (config_.activerehashing) {
    for (int i = 0; i < keyspace_->db_count(); i++) {
      if (keyspace_->db(i)->table().RehashSteps(100)) break;
    }
  }
  for (int i = 0; i < keyspace_->db_count(); i++) keyspace_->db(i)->table().MaybeShrink();

  // Idle client timeout.
  if (config_.timeout > 0) {
    std::vector<Client*> idle;
    for (auto& [id, c] : clients_by_id_) {
      if (c->has(kClientFake) || c->has(kClientBlocked) || c->has(kClientReplica) ||
          c->has(kClientMaster) || c->has(kClientPubSub)) {
        continue;
      }
      if (now_us - c->last_interaction_us > config_.timeout * 1000000) idle.push_back(c);
    }
    for (Client* c : idle) {
      log_.Verbose("Closing idle client");
      CloseClientAsync(c);
    }
  }
  // Output-buffer soft limits are time based: re-check clients with pending output.
  for (auto& [id, c] : clients_by_id_) {
    if (c->pending_reply_bytes() > 0 && !c->has(kClientCloseAsap)) CheckOutputLimits(c);
  }
  if (!clients_to_free_.empty()) ScheduleBeforeSleep();

  auto alive = alive_;
  int64_t period_us = 1000000 / std::max<int64_t>(1, config_.hz);
  cron_timer_ = env_->AddTimer(period_us, [this, alive] {
    if (*alive) Cron();
  });
}

// Samples keys with a TTL and deletes the expired ones, repeating while a sample finds many
// expired keys. Work per call is bounded by a loop count (simulation does not advance time
// during a callback, so a time budget alone would not bound it) and by a time budget (25% of
// the cron period, as in Redis) in real mode.
void Server::ActiveExpireCycle() {
  if (replication_->is_replica() || !active_expire_enabled_ || WritesPaused()) return;
  int64_t start_us = env_->NowMicros();
  int64_t budget_us = 250000 / std::max<int64_t>(1, config_.hz);
  int effort = static_cast<int>(config_.active_expire_effort) - 1;
  int per_loop = kActiveExpireKeysPerLoop + kActiveExpireKeysPerLoop / 4 * effort;
  for (int db_index = 0; db_index < keyspace_->db_count(); db_index++) {
    Database* db = keyspace_->db(db_index);
    for (int loop = 0; loop < kActiveExpireMaxLoopsPerCycle; loop++) {
      size_t n = db->volatile_count();
      if (n == 0) {
        db->avg_ttl_ms = 0;
        break;
      }
      int sampled = 0, expired = 0;
      int64_t ttl_sum = 0;
      int ttl_samples = 0;
      for (int i = 0; i < per_loop && db->volatile_count() > 0; i++) {
        size_t count = db->volatile_count();
        DbEntry* e = db->VolatileAt(rng_.Uniform(count));
        sampled++;
        if (e->expire_ms <= now_ms_) {
          keyspace_->DeleteExpiredEntry(db, e);
          expired++;
        } else {
          ttl_sum += e->expire_ms - now_ms_;
          ttl_samples++;
        }
      }
      if (ttl_samples > 0) {
        int64_t avg = ttl_sum / ttl_samples;
        db->avg_ttl_ms = db->avg_ttl_ms == 0 ? avg : (db->avg_ttl_ms / 50) * 49 + avg / 50;
      }
      if ((loop & 15) == 15 && env_->NowMicros() - start_us > budget_us) {
        stats_.expired_time_cap_reached_count++;
        break;
      }
      if (sampled == 0 || expired * 100 / sampled <= kActiveExpireAcceptableStalePct) break;
    }
  }
  stats_.expire_cycle_cpu_us += static_cast<uint64_t>(env_->NowMicros() - start_us);
}

void Server::OnConfigChanged(const std::string& name) {
  if (name == "loglevel") log_.set_level(ParseLogLevel(config_.loglevel));
  if (name == "requirepass") acl_->ApplyRequirePass(config_.requirepass);
  if (name == "maxmemory-policy") evictor_->OnPolicyChanged();
  if (name == "maxmemory") evictor_->PerformEvictions();
  if (name == "appendonly") {
    std::string error = persistence_->SetAppendOnly(config_.appendonly);
    if (!error.empty()) log_.Warning("Switching appendonly failed: {}", error);
  }
}

// ---- CLIENT PAUSE ---------------------------------------------------------------------------

void Server::PauseClients(bool all, int64_t end_us) {
  int kind = all ? 2 : 1;
  if (pause_kind_ == 0 || end_us > pause_end_us_) pause_end_us_ = end_us;
  if (kind > pause_kind_) pause_kind_ = kind;
  env_->CancelTimer(pause_timer_);
  auto alive = alive_;
  int64_t delay_us = std::max<int64_t>(0, pause_end_us_ - env_->NowMicros());
  pause_timer_ = env_->AddTimer(delay_us, [this, alive] {
    if (!*alive) return;
    pause_timer_ = 0;
    if (env_->NowMicros() >= pause_end_us_) UnpauseClients();
  });
}

void Server::UnpauseClients() {
  pause_kind_ = 0;
  pause_end_us_ = 0;
  env_->CancelTimer(pause_timer_);
  pause_timer_ = 0;
  // Parked clients continue, first parked first, at the next before-sleep point.
  for (Client* c : postponed_clients_) {
    c->postponed = false;
    if (c->has(kClientCloseAsap)) continue;
    c->flags |= kClientUnblocked;
    unblocked_clients_.push_back(c);
  }
  postponed_clients_.clear();
  ScheduleBeforeSleep();
}

bool Server::PostponeIfPaused(Client* c, const std::vector<std::string_view>& args) {
  if (pause_kind_ == 0 || c->has(kClientReplica) || c->has(kClientMaster) || c->has(kClientFake)) {
    return false;
  }
  bool hold = pause_kind_ == 2;
  if (!hold) {
    // A write pause holds what may change the dataset or be propagated: write and
    // may-replicate commands, and EXEC of a transaction that queued one. Commands queued inside
    // MULTI are only stored, so they pass.
    Command* cmd = commands_.Find(args[0]);
    if (cmd != nullptr && cmd->has_subcommands() && args.size() > 1) {
      Command* sub = commands_.FindSubcommand(cmd, args[1]);
      if (sub != nullptr) cmd = sub;
    }
    if (cmd == nullptr) return false;
    if (cmd->name == "exec") {
      for (const StoredCommand& q : c->multi_queue) {
        if (q.cmd->is(kCmdWrite) || q.cmd->is(kCmdMayReplicate)) hold = true;
      }
    } else if (!c->has(kClientMulti)) {
      hold = cmd->is(kCmdWrite) || cmd->is(kCmdMayReplicate);
    }
  }
  if (!hold) return false;
  c->postponed = true;
  postponed_clients_.push_back(c);
  return true;
}

}  // namespace redsim
