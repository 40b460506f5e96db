#include "engine/replication/replication.h"

#include <algorithm>

#include "engine/base/check.h"
#include "engine/base/strutil.h"
#include "engine/db/keyspace.h"
#include "engine/persistence/persistence.h"
#include "engine/replication/master_link.h"
#include "engine/scripting/scripting.h"
#include "engine/server/blocking.h"
#include "engine/server/client.h"
#include "engine/server/config.h"
#include "engine/server/errors.h"
#include "engine/server/info.h"

namespace redsim {

namespace {
constexpr size_t kReplicaSendWindow = 16 * 1024 * 1024;  // RDB bytes queued per replica at most

std::string EncodeCommand(const std::vector<std::string_view>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (auto a : args) {
    out += "$" + std::to_string(a.size()) + "\r\n";
    out.append(a);
    out += "\r\n";
  }
  return out;
}
}  // namespace

struct Replication::ReplicaInfo {
  enum class State { kWaitSnapshot, kSendingRdb, kWaitFirstAck, kOnline };
  Client* client = nullptr;
  State state = State::kWaitSnapshot;
  int listening_port = 0;
  std::string ip;
  bool capa_eof = false;
  bool capa_psync2 = false;
  int64_t ack_offset = 0;
  int64_t last_ack_us = 0;
  std::string pending;  // stream bytes held until the RDB is delivered
  const char* StateName() const {
    switch (state) {
      case State::kWaitSnapshot:
        return "wait_bgsave";
      case State::kSendingRdb:
      case State::kWaitFirstAck:
        return "send_bulk";
      case State::kOnline:
        return "online";
    }
    return "online";
  }
};

Replication::Replication(ReplicationHandles handles) : h_(std::move(handles)) {
  NewReplid();
  backlog_idle_since_s_ = h_.env->NowMicros() / 1000000;
  // Replicas waiting for a full sync start theirs when another background job ends.
  auto alive = alive_;
  h_.persistence->set_job_done_hook([this, alive] {
    if (*alive) MaybeStartSnapshot();
  });
  // The RDB aux fields: what a save records, what a load at startup restores.
  h_.persistence->set_replication_history(
      [this] { return RdbSaveInfo(); },
      [this](const ReplicationAux& history) { RestoreFromRdb(history); });
}

Replication::~Replication() { *alive_ = false; }

void Replication::NewReplid() {
  static const char kHex[] = "0123456789abcdef";
  replid_.assign(40, '0');
  for (auto& ch : replid_) ch = kHex[h_.rng->Uniform(16)];
  NotifyChange();
}

// ---- Primary side ---------------------------------------------------------------------------

void Replication::EnsureBacklog() {
  if (backlog_) return;
  backlog_ = std::make_unique<ReplicationBacklog>(static_cast<size_t>(h_.config->repl_backlog_size),
                                                  master_repl_offset_ + 1);
  // A new backlog starts a new history: an old secondary id cannot be served from it.
  replid2_.clear();
  second_replid_offset_ = -1;
  NewReplid();
  selected_db_ = -1;
}

void Replication::EnsureBacklogKeepingIds() {
  if (backlog_) return;
  backlog_ = std::make_unique<ReplicationBacklog>(static_cast<size_t>(h_.config->repl_backlog_size),
                                                  master_repl_offset_ + 1);
}

Replication::ReplicaInfo* Replication::InfoFor(Client* c) {
  for (auto& r : replicas_) {
    if (r->client == c) return r.get();
  }
  return nullptr;
}

void Replication::AddToBacklogAndReplicas(std::string_view bytes) {
  if (!backlog_) return;
  master_repl_offset_ += static_cast<int64_t>(bytes.size());
  backlog_->Append(bytes);
  // The backlog holds the stream up to master_repl_offset_: they advance together.
  REDSIM_CHECK(backlog_->capacity() == 0 || backlog_->next_offset() == master_repl_offset_ + 1,
               "backlog offset and master_repl_offset advance together");
  for (auto& r : replicas_) {
    switch (r->state) {
      case ReplicaInfo::State::kOnline:
        r->client->reply_buffer().append(bytes);
        h_.schedule_flush(r->client);
        h_.check_output_limits(r->client);
        break;
      case ReplicaInfo::State::kSendingRdb:
      case ReplicaInfo::State::kWaitFirstAck:
        r->pending.append(bytes);
        if (static_cast<int64_t>(r->pending.size()) > h_.config->obuf_replica.hard_bytes &&
            h_.config->obuf_replica.hard_bytes > 0) {
          h_.log->Warning("Replica {} closed: output buffer limit reached during sync",
                          r->client->peer_address);
          h_.close_client_async(r->client);
        }
        break;
      case ReplicaInfo::State::kWaitSnapshot:
        break;
    }
  }
}

void Replication::Feed(int db, const std::vector<std::string_view>& args) {
  // Commands that came from our own primary are forwarded as its raw bytes instead.
  Client* cur = h_.current_client();
  if (cur != nullptr && cur->has(kClientMaster)) return;
  if (!backlog_) return;
  std::string bytes;
  if (db != selected_db_) {
    std::string dbs = std::to_string(db);
    bytes = "*2\r\n$6\r\nSELECT\r\n$" + std::to_string(dbs.size()) + "\r\n" + dbs + "\r\n";
    selected_db_ = db;
  }
  bytes += EncodeCommand(args);
  AddToBacklogAndReplicas(bytes);
}

void Replication::Replconf(Client* c, const std::vector<std::string_view>& args,
                           ReplyBuilder& reply) {
  if ((args.size() - 1) % 2 != 0) {
    reply.Error(err::kSyntax);
    return;
  }
  for (size_t i = 1; i + 1 < args.size(); i += 2) {
    std::string opt = ToLower(args[i]);
    std::string_view val = args[i + 1];
    if (opt == "listening-port") {
      int64_t port;
      if (!ParseInt64(val, &port) || port < 0 || port > 65535) {
        reply.Error(err::kNotInteger);
        return;
      }
      c->replica_listening_port = static_cast<int>(port);
    } else if (opt == "ip-address") {
      c->replica_announced_ip = std::string(val);
    } else if (opt == "capa") {
      if (EqualsIgnoreCase(val, "eof")) c->replica_capa_eof = true;
      if (EqualsIgnoreCase(val, "psync2")) c->replica_capa_psync2 = true;
    } else if (opt == "ack" || opt == "fack") {
      // Sent by a replica on its link: no reply.
      ReplicaInfo* r = InfoFor(c);
      int64_t offset;
      if (r == nullptr || !ParseInt64(val, &offset)) return;
      if (opt == "ack") {
        r->ack_offset = std::max(r->ack_offset, offset);
        r->last_ack_us = h_.env->NowMicros();
      }
      if (r->state == ReplicaInfo::State::kWaitFirstAck) {
        // Diskless sync: the replica has loaded the payload; now send what accumulated.
        r->state = ReplicaInfo::State::kOnline;
        c->reply_buffer().append(r->pending);
        r->pending.clear();
        r->pending.shrink_to_fit();
        h_.schedule_flush(c);
        h_.log->Notice("Synchronization with replica {} succeeded", c->peer_address);
      }
      ServeWaiters();
      return;
    } else if (opt == "getack") {
      if (c->has(kClientMaster)) {
        SendAckToMaster();
        return;
      }
    } else if (opt == "rdb-only" || opt == "rdb-filter-only") {
      // accepted, ignored
    } else {
      reply.Error("ERR Unrecognized REPLCONF option: " + std::string(args[i]));
      return;
    }
  }
  reply.Ok();
}

void Replication::Psync(Client* c, const std::vector<std::string_view>& args, ReplyBuilder& reply) {
  if (c->has(kClientReplica)) return;  // already a replica: ignore
  if (is_replica() && master_client_ == nullptr) {
    reply.Error("NOMASTERLINK Can't SYNC while not connected with my master");
    return;
  }
  bool is_psync = EqualsIgnoreCase(args[0], "psync");
  auto info = std::make_unique<ReplicaInfo>();
  info->client = c;
  info->listening_port = c->replica_listening_port;
  info->capa_eof = c->replica_capa_eof;
  info->capa_psync2 = c->replica_capa_psync2;
  info->last_ack_us = h_.env->NowMicros();
  std::string ip = c->peer_address.substr(0, c->peer_address.rfind(':'));
  info->ip = c->replica_announced_ip.empty() ? ip : c->replica_announced_ip;
  c->flags |= kClientReplica;
  if (is_psync && args.size() == 3) {
    std::string want(args[1]);
    int64_t offset;
    bool id_ok =
        want == replid_ || (!replid2_.empty() && want == replid2_ && ParseInt64(args[2], &offset) &&
                            offset <= second_replid_offset_);
    if (id_ok && ParseInt64(args[2], &offset) && backlog_ && backlog_->Contains(offset)) {
      std::string missing;
      backlog_->CopyFrom(offset, &missing);
      reply.Raw(info->capa_psync2 ? "+CONTINUE " + replid_ + "\r\n" : "+CONTINUE\r\n");
      reply.Raw(missing);
      info->state = ReplicaInfo::State::kOnline;
      info->ack_offset = offset - 1;
      replicas_.push_back(std::move(info));
      sync_partial_ok_++;
      h_.log->Notice(
          "Partial resynchronization request from {} accepted. Sending {} "
          "bytes of backlog starting from offset {}.",
          c->peer_address, missing.size(), offset);
      return;
    }
    if (want != "?") {
      sync_partial_err_++;
      h_.log->Notice("Partial resynchronization not accepted for {} (requested {} {})",
                     c->peer_address, want, args[2]);
    }
  }
  sync_full_++;
  info->state = ReplicaInfo::State::kWaitSnapshot;
  if (!is_psync) c->replica_old_sync = true;
  replicas_.push_back(std::move(info));
  EnsureBacklog();
  MaybeStartSnapshot();
}

void Replication::MaybeStartSnapshot() {
  if (snapshot_running_) return;
  std::vector<ReplicaInfo*> waiting;
  for (auto& r : replicas_) {
    if (r->state == ReplicaInfo::State::kWaitSnapshot) waiting.push_back(r.get());
  }
  if (waiting.empty()) return;
  Persistence* p = h_.persistence;
  static const char kHex[] = "0123456789abcdef";
  eof_mark_.assign(40, 'x');
  for (auto& ch : eof_mark_) ch = kHex[h_.rng->Uniform(16)];
  auto alive = alive_;
  ReplicationAux history{replid_, master_repl_offset_, /*stream_db=*/0};
  bool started = p->StartStreamingSnapshot(
      [this, alive](std::string_view chunk, bool done) {
        if (*alive) OnSnapshotChunk(chunk, done);
      },
      [this, alive] {
        if (!*alive) return true;
        for (auto& r : replicas_) {
          if (r->state == ReplicaInfo::State::kSendingRdb &&
              r->client->pending_reply_bytes() > kReplicaSendWindow) {
            return false;
          }
        }
        return true;
      },
      history);
  if (!started) return;  // another background job runs; we are called again when it ends
  snapshot_running_ = true;
  // The snapshot is the dataset at this offset: the replica continues from here.
  selected_db_ = -1;
  for (ReplicaInfo* r : waiting) {
    Client* c = r->client;
    if (!c->replica_old_sync) {
      c->reply_buffer() +=
          "+FULLRESYNC " + replid_ + " " + std::to_string(master_repl_offset_) + "\r\n";
    }
    c->reply_buffer() += "$EOF:" + eof_mark_ + "\r\n";
    r->state = ReplicaInfo::State::kSendingRdb;
    r->pending.clear();
    h_.schedule_flush(c);
    h_.log->Notice("Starting BGSAVE for SYNC with target: replicas sockets");
  }
}

void Replication::OnSnapshotChunk(std::string_view chunk, bool done) {
  for (auto& r : replicas_) {
    if (r->state != ReplicaInfo::State::kSendingRdb) continue;
    r->client->reply_buffer().append(chunk);
    if (done) {
      r->client->reply_buffer().append(eof_mark_);
      r->state = ReplicaInfo::State::kWaitFirstAck;
    }
    h_.schedule_flush(r->client);
  }
  if (done) {
    snapshot_running_ = false;
    // Replicas that asked while this snapshot ran need one of their own.
    auto alive = alive_;
    h_.env->Defer([this, alive] {
      if (*alive) MaybeStartSnapshot();
    });
  }
}

int Replication::GoodReplicas() const {
  int64_t now = h_.env->NowMicros();
  int good = 0;
  for (const auto& r : replicas_) {
    if (r->state != ReplicaInfo::State::kOnline) continue;
    if ((now - r->last_ack_us) / 1000000 <= h_.config->min_replicas_max_lag) good++;
  }
  return good;
}

void Replication::Wait(Client* c, int64_t numreplicas, int64_t timeout_ms, ReplyBuilder& reply) {
  int64_t target = c->last_write_repl_offset;
  auto count = [this, target] {
    int n = 0;
    for (const auto& r : replicas_) {
      if (r->state == ReplicaInfo::State::kOnline && r->ack_offset >= target) n++;
    }
    return n;
  };
  int now_acked = count();
  if (now_acked >= numreplicas || c->has(kClientDenyBlocking) || !backlog_) {
    reply.Integer(now_acked);
    return;
  }
  c->wait_target_offset = target;
  c->wait_numreplicas = numreplicas;
  waiting_clients_.push_back(c);
  getack_pending_ = true;
  std::vector<std::string_view> no_args;
  h_.blocking->BlockClient(c, no_args, nullptr, {}, timeout_ms > 0 ? *h_.now_ms + timeout_ms : 0,
                           [this, count](Client* bc, ReplyBuilder& r) {
                             r.Integer(count());
                             waiting_clients_.erase(
                                 std::remove(waiting_clients_.begin(), waiting_clients_.end(), bc),
                                 waiting_clients_.end());
                           });
}

void Replication::ServeWaiters() {
  if (waiting_clients_.empty()) return;
  std::vector<Client*> still;
  for (Client* c : waiting_clients_) {
    int n = 0;
    for (const auto& r : replicas_) {
      if (r->state == ReplicaInfo::State::kOnline && r->ack_offset >= c->wait_target_offset) n++;
    }
    if (n >= c->wait_numreplicas) {
      h_.reply_to(c).Integer(n);
      c->block_timeout_reply = nullptr;
      h_.blocking->UnblockClient(c, false);
    } else {
      still.push_back(c);
    }
  }
  waiting_clients_.swap(still);
}

void Replication::SendGetAck() {
  getack_pending_ = false;
  std::vector<std::string_view> args = {"REPLCONF", "GETACK", "*"};
  // GETACK goes through the stream like any command (it advances the offset, as in Redis).
  Client* saved = nullptr;
  (void)saved;
  std::string bytes = EncodeCommand(args);
  AddToBacklogAndReplicas(bytes);
}

void Replication::DisconnectReplicas() {
  for (auto& r : replicas_) h_.close_client_async(r->client);
}

// ---- Replica side ---------------------------------------------------------------------------

std::string Replication::ReplicaOf(const std::string& host, int port, bool at_startup) {
  if (is_replica() && host == master_host_ && port == master_port_) {
    return "OK Already connected to specified master";
  }
  if (at_startup && restored_from_rdb_) {
    // The RDB told us which history our data belongs to (RestoreFromRdb): offer it.
    restored_from_rdb_ = false;
  } else if (at_startup) {
    cached_replid_.clear();
    cached_offset_ = -1;
  } else if (!is_replica()) {
    // PSYNC2: a primary turned replica offers its own history to the new primary.
    cached_replid_ = replid_;
    cached_offset_ = master_repl_offset_;
  } else if (master_client_ != nullptr) {
    cached_replid_ = replid_;
    cached_offset_ = master_repl_offset_;
  }
  master_host_ = host;
  master_port_ = port;
  h_.config->replicaof = host + " " + std::to_string(port);
  DisconnectReplicas();
  if (master_client_ != nullptr) {
    Client* old = master_client_;
    master_client_ = nullptr;
    h_.close_client_async(old);
  }
  if (link_) {
    auto dying = std::shared_ptr<MasterLink>(link_.release());
    h_.env->Defer([dying] {});
  }
  h_.log->Notice("REPLICAOF {}:{} enabled (user request from client)", host, port);
  link_ = std::make_unique<MasterLink>(&h_, this, host, port);
  link_->Start();
  link_down_since_s_ = h_.env->NowMicros() / 1000000;
  NotifyChange();
  return "OK";
}

void Replication::BecomeMaster() {
  if (!is_replica()) return;
  h_.log->Notice("MASTER MODE enabled (user request from client)");
  if (link_) {
    auto dying = std::shared_ptr<MasterLink>(link_.release());
    h_.env->Defer([dying] {});
  }
  if (master_client_ != nullptr) {
    Client* old = master_client_;
    master_client_ = nullptr;
    h_.close_client_async(old);
  }
  // The old history stays valid up to here under the secondary id.
  replid2_ = replid_;
  second_replid_offset_ = master_repl_offset_ + 1;
  NewReplid();
  selected_db_ = -1;
  master_host_.clear();
  master_port_ = 0;
  cached_replid_.clear();
  cached_offset_ = -1;
  h_.config->replicaof.clear();
  EnsureBacklogKeepingIds();
  NotifyChange();
}

bool Replication::master_link_up() const { return master_client_ != nullptr; }

void Replication::OnFullSyncPayload(std::string_view rdb, const std::string& replid,
                                    int64_t offset) {
  h_.keyspace->FlushDatabases(-1, false);
  // The primary's function libraries replace ours (its RDB carries them).
  h_.flush_functions();
  Status s = h_.persistence->LoadRdbImage(rdb);
  if (!s.ok()) {
    h_.log->Warning("Failed trying to load the MASTER synchronization DB from socket: {}",
                    s.message());
    h_.keyspace->FlushDatabases(-1, false);
    cached_offset_ = -1;
    cached_replid_.clear();
    return;
  }
  replid_ = replid;
  replid2_.clear();
  second_replid_offset_ = -1;
  master_repl_offset_ = offset;
  cached_replid_ = replid;
  cached_offset_ = offset;
  next_master_db_ = 0;  // the primary's stream starts with a SELECT after a full sync
  backlog_ = std::make_unique<ReplicationBacklog>(static_cast<size_t>(h_.config->repl_backlog_size),
                                                  offset + 1);
  DisconnectReplicas();  // their data no longer matches ours
  (*h_.dirty)++;
  if (h_.persistence->aof()->enabled()) {
    bool scheduled;
    h_.persistence->BgRewriteAof(&scheduled);
  }
  h_.log->Notice("MASTER <-> REPLICA sync: Finished with success");
  NotifyChange();
}

void Replication::OnPartialSync(const std::string& new_replid) {
  if (!new_replid.empty() && new_replid != cached_replid_) {
    // The primary changed its id (it was promoted): our history continues under the new id.
    replid2_ = cached_replid_;
    second_replid_offset_ = cached_offset_ + 1;
    cached_replid_ = new_replid;
  }
  replid_ = cached_replid_;
  master_repl_offset_ = cached_offset_;
  next_master_db_ = master_stream_db_;
  // A backlog kept from before (it may have taken bytes of a command the old primary never
  // finished sending) must restart where the stream continues, or the two would disagree.
  if (!backlog_ || backlog_->next_offset() != master_repl_offset_ + 1) {
    backlog_ = std::make_unique<ReplicationBacklog>(
        static_cast<size_t>(h_.config->repl_backlog_size), master_repl_offset_ + 1);
  }
  NotifyChange();
}

void Replication::OnLinkEstablished(std::unique_ptr<Stream> stream, std::string leftover) {
  if (link_) {
    auto dying = std::shared_ptr<MasterLink>(link_.release());
    h_.env->Defer([dying] {});
  }
  last_master_io_us_ = h_.env->NowMicros();
  master_client_ = h_.adopt_stream(std::move(stream), kClientMaster);
  if (next_master_db_ > 0 && next_master_db_ < h_.keyspace->db_count()) {
    master_client_->db = h_.keyspace->db(next_master_db_);
  }
  SendAckToMaster();
  if (!leftover.empty()) h_.feed_input(master_client_, leftover);
}

void Replication::OnLinkFailed(const std::string& why) {
  (void)why;
  if (link_) {
    auto dying = std::shared_ptr<MasterLink>(link_.release());
    h_.env->Defer([dying] {});
  }
  next_connect_attempt_us_ = h_.env->NowMicros() + 1'000'000;
}

void Replication::OnMasterStreamBytes(std::string_view bytes) {
  last_master_io_us_ = h_.env->NowMicros();
  if (!backlog_) {
    backlog_ = std::make_unique<ReplicationBacklog>(
        static_cast<size_t>(h_.config->repl_backlog_size), master_repl_offset_ + 1);
  }
  AddToBacklogAndReplicas(bytes);
  cached_offset_ = master_repl_offset_;
}

void Replication::OnClientFreed(Client* c) {
  if (c == master_client_) {
    master_stream_db_ = c->db != nullptr ? c->db->index() : 0;
    master_client_ = nullptr;
    cached_replid_ = replid_;
    cached_offset_ = master_repl_offset_;
    link_down_since_s_ = h_.env->NowMicros() / 1000000;
    next_connect_attempt_us_ = h_.env->NowMicros() + 1'000'000;
    h_.log->Notice("Connection with master lost.");
  }
  replicas_.erase(
      std::remove_if(replicas_.begin(), replicas_.end(),
                     [c](const std::unique_ptr<ReplicaInfo>& r) { return r->client == c; }),
      replicas_.end());
  waiting_clients_.erase(std::remove(waiting_clients_.begin(), waiting_clients_.end(), c),
                         waiting_clients_.end());
  if (replicas_.empty()) backlog_idle_since_s_ = h_.env->NowMicros() / 1000000;
}

void Replication::SendAckToMaster() {
  if (master_client_ == nullptr) return;
  std::string off = std::to_string(master_repl_offset_);
  master_client_->reply_buffer() +=
      "*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$" + std::to_string(off.size()) + "\r\n" + off + "\r\n";
  // Inside a command from the primary (GETACK) its reply would be dropped: keep this one.
  if (h_.current_client() == master_client_) master_client_->flags |= kClientMasterForceReply;
  h_.schedule_flush(master_client_);
}

// ---- Periodic work ---------------------------------------------------------------------------

void Replication::Cron() {
  int64_t now_us = h_.env->NowMicros();
  int64_t now_s = now_us / 1000000;
  const ServerConfig& cfg = *h_.config;
  if (getack_pending_) SendGetAck();
  if (is_replica()) {
    if (master_client_ == nullptr && link_ == nullptr && now_us >= next_connect_attempt_us_) {
      link_ = std::make_unique<MasterLink>(&h_, this, master_host_, master_port_);
      link_->Start();
    } else if (link_ != nullptr && now_us - link_->last_io_us() > cfg.repl_timeout * 1'000'000) {
      h_.log->Warning("Timeout connecting to the MASTER...");
      auto dying = std::shared_ptr<MasterLink>(link_.release());
      h_.env->Defer([dying] {});
      next_connect_attempt_us_ = now_us + 1'000'000;
    }
    if (master_client_ != nullptr) {
      if (now_us - last_master_io_us_ > cfg.repl_timeout * 1'000'000) {
        h_.log->Warning("MASTER timeout: no data nor PING received...");
        Client* old = master_client_;
        h_.close_client_async(old);
      } else if (now_us - last_ack_sent_us_ >= 1'000'000) {
        last_ack_sent_us_ = now_us;
        SendAckToMaster();
      }
    }
  }
  if (!replicas_.empty() && !is_replica() &&
      now_us - last_ping_us_ >= cfg.repl_ping_replica_period * 1'000'000) {
    last_ping_us_ = now_us;
    std::vector<std::string_view> ping = {"PING"};
    AddToBacklogAndReplicas(EncodeCommand(ping));
  }
  // Replicas that stopped acknowledging are dropped after repl-timeout.
  for (auto& r : replicas_) {
    if (r->state == ReplicaInfo::State::kOnline &&
        now_us - r->last_ack_us > cfg.repl_timeout * 1'000'000) {
      h_.log->Warning("Disconnecting timedout replica: {}", r->client->peer_address);
      h_.close_client_async(r->client);
    }
  }
  if (backlog_ && replicas_.empty() && !is_replica() && cfg.repl_backlog_ttl > 0 &&
      now_s - backlog_idle_since_s_ > cfg.repl_backlog_ttl) {
    backlog_.reset();
  }
  if (backlog_ && backlog_->capacity() != static_cast<size_t>(cfg.repl_backlog_size)) {
    backlog_->Resize(static_cast<size_t>(cfg.repl_backlog_size));
  }
}

// ---- Introspection -------------------------------------------------------------------------

void Replication::Role(ReplyBuilder& reply) {
  if (is_replica()) {
    reply.ArrayHeader(5);
    reply.Bulk("slave");
    reply.Bulk(master_host_);
    reply.Integer(master_port_);
    const char* state = master_client_ != nullptr ? "connected"
                        : link_ != nullptr        ? link_->StateName()
                                                  : "connect";
    reply.Bulk(state);
    reply.Integer(master_client_ != nullptr || cached_offset_ >= 0 ? master_repl_offset_ : -1);
    return;
  }
  reply.ArrayHeader(3);
  reply.Bulk("master");
  reply.Integer(master_repl_offset_);
  int online = 0;
  for (const auto& r : replicas_) online += r->state == ReplicaInfo::State::kOnline;
  reply.ArrayHeader(online);
  for (const auto& r : replicas_) {
    if (r->state != ReplicaInfo::State::kOnline) continue;
    reply.ArrayHeader(3);
    reply.Bulk(r->ip);
    reply.Bulk(std::to_string(r->listening_port));
    reply.Bulk(std::to_string(r->ack_offset));
  }
}

void Replication::AppendInfo(std::string* out) {
  auto line = [out](const std::string& k, const std::string& v) { *out += k + ":" + v + "\r\n"; };
  int64_t now_us = h_.env->NowMicros();
  *out += "# Replication\r\n";
  line("role", is_replica() ? "slave" : "master");
  if (is_replica()) {
    line("master_host", master_host_);
    line("master_port", std::to_string(master_port_));
    line("master_link_status", master_client_ != nullptr ? "up" : "down");
    line("master_last_io_seconds_ago", master_client_ != nullptr
                                           ? std::to_string((now_us - last_master_io_us_) / 1000000)
                                           : "-1");
    bool syncing = link_ != nullptr && link_->transferring();
    line("master_sync_in_progress", syncing ? "1" : "0");
    line("slave_read_repl_offset", std::to_string(master_repl_offset_));
    line("slave_repl_offset", std::to_string(master_repl_offset_));
    if (syncing) {
      line("master_sync_total_bytes", std::to_string(link_->transfer_size()));
      line("master_sync_read_bytes", std::to_string(link_->transfer_read()));
      line("master_sync_left_bytes",
           std::to_string(
               link_->transfer_size() < 0 ? -1 : link_->transfer_size() - link_->transfer_read()));
      line("master_sync_perc", "0.00");
      line("master_sync_last_io_seconds_ago",
           std::to_string((now_us - link_->last_io_us()) / 1000000));
    }
    if (master_client_ == nullptr) {
      line("master_link_down_since_seconds", std::to_string(now_us / 1000000 - link_down_since_s_));
    }
    line("slave_priority", std::to_string(h_.config->replica_priority));
    line("slave_read_only", h_.config->replica_read_only ? "1" : "0");
    line("replica_announced", h_.config->replica_announced ? "1" : "0");
  }
  line("connected_slaves", std::to_string(replicas_.size()));
  int i = 0;
  for (const auto& r : replicas_) {
    int64_t lag = (now_us - r->last_ack_us) / 1000000;
    line("slave" + std::to_string(i++),
         "ip=" + r->ip + ",port=" + std::to_string(r->listening_port) + ",state=" + r->StateName() +
             ",offset=" + std::to_string(r->ack_offset) + ",lag=" + std::to_string(lag));
  }
  if (!is_replica() && h_.config->min_replicas_to_write > 0) {
    line("min_slaves_good_slaves", std::to_string(GoodReplicas()));
  }
  line("master_failover_state", "no-failover");
  line("master_replid", replid_);
  line("master_replid2", replid2_.empty() ? std::string(40, '0') : replid2_);
  line("master_repl_offset", std::to_string(master_repl_offset_));
  line("second_repl_offset", std::to_string(second_replid_offset_));
  line("repl_backlog_active", backlog_ ? "1" : "0");
  line("repl_backlog_size", std::to_string(h_.config->repl_backlog_size));
  line("repl_backlog_first_byte_offset",
       std::to_string(backlog_ ? backlog_->first_byte_offset() : 0));
  line("repl_backlog_histlen", std::to_string(backlog_ ? backlog_->histlen() : 0));
}

}  // namespace redsim

namespace redsim {

// ---- Persistence ----------------------------------------------------------------------------

std::optional<ReplicationAux> Replication::RdbSaveInfo() const {
  int stream_db;
  if (is_replica()) {
    // Only a replica that synced has a primary's history to name.
    if (master_client_ == nullptr && cached_offset_ < 0) return std::nullopt;
    stream_db = master_client_ != nullptr && master_client_->db != nullptr
                    ? master_client_->db->index()
                    : master_stream_db_;
  } else {
    if (!backlog_) return std::nullopt;
    stream_db = selected_db_ < 0 ? 0 : selected_db_;
  }
  return ReplicationAux{replid_, master_repl_offset_, stream_db};
}

void Replication::RestoreFromRdb(const ReplicationAux& history) {
  if (h_.config->replicaof.empty()) return;
  const std::string& id = history.replid;
  int64_t offset = history.offset, stream_db = history.stream_db;
  // Older servers could save a stream db of -1; like Redis, such a file restores nothing.
  if (id.size() != 40 || offset < 0 || stream_db < 0 || stream_db >= h_.keyspace->db_count())
    return;
  replid_ = id;
  master_repl_offset_ = offset;
  cached_replid_ = id;
  cached_offset_ = offset;
  master_stream_db_ = static_cast<int>(stream_db);
  restored_from_rdb_ = true;
  h_.log->Notice("Restored the replication ID and offset from the RDB file: {} {}", id, offset);
}

}  // namespace redsim
