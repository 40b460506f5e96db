// Replication: Redis's asynchronous primary-replica replication (PSYNC2), both sides.
//
// Primary side: every write the server propagates is appended, as RESP with SELECT when the
// database changes, to the backlog and to each online replica. A replica connects as a client,
// says REPLCONF listening-port / capa, then PSYNC <replid> <offset>: if the id is ours (or our
// previous id up to the offset where it ended) and the backlog holds the offset, it gets
// +CONTINUE and the missing bytes; otherwise +FULLRESYNC <replid> <offset>, an RDB made by a
// fork-less Snapshot, then the writes made since the snapshot began. Replicas acknowledge their
// offset every second (REPLCONF ACK), which feeds WAIT, min-replicas-to-write and INFO lag.
//
// Replica side: REPLICAOF host port starts a handshake driven by callbacks (connect, PING,
// AUTH, REPLCONF, PSYNC), receives the RDB (length-prefixed or EOF-marked), loads it, and then
// executes the primary's stream through a client flagged as the master. The raw stream bytes
// are what it feeds to its own backlog and sub-replicas (so chained replicas see the same
// offsets). A link silent for repl-timeout is dropped and retried; the cached primary id and
// offset let the retry be a partial resync. REPLICAOF NO ONE promotes: the old id becomes the
// secondary id, valid up to the current offset, so former siblings can continue partially.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/log.h"
#include "engine/base/random.h"
#include "engine/env/env.h"
#include "engine/persistence/replication_aux.h"
#include "engine/replication/backlog.h"
#include "engine/resp/reply_builder.h"
#include "engine/server/propagation.h"

namespace redsim {

class Blocking;
class Client;
class Keyspace;
struct ServerConfig;

class MasterLink;
class Persistence;

// What replication needs from the node it belongs to: narrow handles, not the server.
struct ReplicationHandles {
  Env* env = nullptr;
  ServerConfig* config = nullptr;
  Log* log = nullptr;
  Random* rng = nullptr;  // replication ids and EOF marks
  Keyspace* keyspace = nullptr;
  Persistence* persistence = nullptr;  // full-sync snapshots and loading the primary's payload
  Blocking* blocking = nullptr;        // clients waiting in WAIT
  uint64_t* dirty = nullptr;
  const int64_t* now_ms = nullptr;  // the command time
  // The port this node listens on (REPLCONF listening-port).
  std::function<int()> port;
  // The client whose command runs now (nullptr between commands).
  std::function<Client*()> current_client;
  // Client output: queue a flush, check the output-buffer limits, close after the current turn.
  std::function<void(Client*)> schedule_flush;
  std::function<bool(Client*)> check_output_limits;
  std::function<void(Client*)> close_client_async;
  std::function<ReplyBuilder(Client*)> reply_to;
  // The link to our primary becomes a client; bytes that followed the handshake are its input.
  std::function<Client*(std::unique_ptr<Stream> stream, uint64_t flags)> adopt_stream;
  std::function<void(Client*, std::string_view bytes)> feed_input;
  // A full sync replaces the function libraries with the primary's.
  std::function<void()> flush_functions;
};

class Replication : public PropagationSink {
 public:
  explicit Replication(ReplicationHandles handles);
  ~Replication() override;

  // ---- Roles --------------------------------------------------------------------------------
  bool is_replica() const { return !master_host_.empty(); }
  const std::string& master_host() const { return master_host_; }
  int master_port() const { return master_port_; }
  // REPLICAOF host port. Returns the status reply text ("OK", or "OK Already connected...").
  // At runtime a primary turned replica offers its own history (PSYNC <own id> <offset+1>); a
  // server started with `replicaof` in its config has no history to offer and sends
  // PSYNC ? -1, as Redis does (`at_startup`).
  std::string ReplicaOf(const std::string& host, int port, bool at_startup = false);
  // REPLICAOF NO ONE.
  void BecomeMaster();
  bool master_link_up() const;
  // Called after the role (primary / replica of host:port) or the replication id changed, so an
  // observer (the simulation testbed's role lanes) can sample replid() and master_host() exactly
  // when they change instead of polling. It must only read; empty by default.
  void set_change_hook(std::function<void()> hook) { change_hook_ = std::move(hook); }

  // ---- Primary side -------------------------------------------------------------------------
  void Feed(int db, const std::vector<std::string_view>& args) override;
  // REPLCONF from a replica (listening-port, ip-address, capa, ack, getack).
  void Replconf(Client* c, const std::vector<std::string_view>& args, ReplyBuilder& reply);
  // PSYNC replid offset / SYNC.
  void Psync(Client* c, const std::vector<std::string_view>& args, ReplyBuilder& reply);
  // WAIT numreplicas timeout: replies at once or blocks the client.
  void Wait(Client* c, int64_t numreplicas, int64_t timeout_ms, ReplyBuilder& reply);
  // Replicas whose last ack is at most min-replicas-max-lag seconds old.
  int GoodReplicas() const;
  int64_t master_repl_offset() const { return master_repl_offset_; }
  // Seconds the replica's link to its primary has been down (0 when up or not a replica).
  int64_t MasterLinkDownSeconds() const {
    if (!is_replica() || master_link_up()) return 0;
    return h_.env->NowMicros() / 1000000 - link_down_since_s_;
  }
  const std::string& replid() const { return replid_; }

  // ---- Replica side -------------------------------------------------------------------------
  // Bytes of the primary's stream that the master client executed (offset tracking and
  // forwarding to sub-replicas).
  void OnMasterStreamBytes(std::string_view bytes);
  // A client (the master link's) was freed.
  void OnClientFreed(Client* c);

  void Cron();
  // ROLE reply and the INFO replication section.
  void Role(ReplyBuilder& reply);
  void AppendInfo(std::string* out);
  // Stats for INFO stats.
  uint64_t sync_full() const { return sync_full_; }
  uint64_t sync_partial_ok() const { return sync_partial_ok_; }
  uint64_t sync_partial_err() const { return sync_partial_err_; }

  // Called by MasterLink (replica side).
  void OnLinkEstablished(std::unique_ptr<Stream> stream, std::string leftover);
  void OnLinkFailed(const std::string& why);
  void OnFullSyncPayload(std::string_view rdb, const std::string& replid, int64_t offset);
  void OnPartialSync(const std::string& new_replid);
  std::string cached_master_replid() const { return cached_replid_; }
  int64_t cached_master_offset() const { return cached_offset_; }

  // ---- Persistence ----------------------------------------------------------------------------
  // The aux fields an RDB file saves so that a restarted replica can continue partially (as
  // Redis's repl-stream-db, repl-id, repl-offset): the history the dataset belongs to. Empty
  // when there is none (a primary that never had a backlog, a replica that never synced).
  std::optional<ReplicationAux> RdbSaveInfo() const;
  // At startup, after the RDB loaded, with its aux fields: a server configured as a replica
  // takes the saved history as its cached primary, so its first PSYNC offers that id and
  // offset (and the primary's stream continues in the saved database). Ignored on a primary or
  // when the fields are absent or malformed.
  void RestoreFromRdb(const ReplicationAux& history);

 private:
  struct ReplicaInfo;
  void AddToBacklogAndReplicas(std::string_view bytes);
  void EnsureBacklog();
  void StartFullSync(Client* c);
  void MaybeStartSnapshot();
  void OnSnapshotChunk(std::string_view chunk, bool done);
  void ServeWaiters();
  void SendGetAck();
  void SendAckToMaster();
  void NewReplid();
  void DisconnectReplicas();
  // After promotion: keep (or start) a backlog without changing the ids just set.
  void EnsureBacklogKeepingIds();
  ReplicaInfo* InfoFor(Client* c);
  void NotifyChange() {
    if (change_hook_) change_hook_();
  }

  ReplicationHandles h_;
  std::string replid_;
  std::string replid2_;
  int64_t second_replid_offset_ = -1;
  int64_t master_repl_offset_ = 0;
  std::unique_ptr<ReplicationBacklog> backlog_;
  int selected_db_ = -1;
  int64_t backlog_idle_since_s_ = 0;

  std::vector<std::unique_ptr<ReplicaInfo>> replicas_;
  bool snapshot_running_ = false;
  std::string eof_mark_;
  std::vector<Client*> waiting_clients_;  // WAIT
  bool getack_pending_ = false;

  // Replica side.
  std::string master_host_;
  int master_port_ = 0;
  std::unique_ptr<MasterLink> link_;
  Client* master_client_ = nullptr;
  int64_t link_down_since_s_ = 0;
  int64_t last_master_io_us_ = 0;
  std::string cached_replid_;
  int64_t cached_offset_ = -1;
  // The database the primary's stream was in when the link (or the process) ended: a partial
  // resync continues there, since the primary does not repeat its SELECT.
  int master_stream_db_ = 0;
  // The database the next master client starts in (set by the sync that precedes it).
  int next_master_db_ = 0;
  bool restored_from_rdb_ = false;  // keep the cached primary over the startup REPLICAOF
  int64_t next_connect_attempt_us_ = 0;
  int64_t last_ack_sent_us_ = 0;
  int64_t last_ping_us_ = 0;

  uint64_t sync_full_ = 0;
  uint64_t sync_partial_ok_ = 0;
  uint64_t sync_partial_err_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::function<void()> change_hook_;
};

}  // namespace redsim
