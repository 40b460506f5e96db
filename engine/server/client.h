// Client: one connection's state — its input buffer and parser, its pending replies, the selected
// database, protocol version, name, flags, and the per-feature state (transaction, blocking,
// subscriptions) that commands keep between calls.
//
// A Client is owned by its Server. It is never deleted from inside one of its own callbacks: the
// server marks it for closing and frees it at the next "before sleep" point.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "engine/base/io_buffer.h"
#include "engine/env/env.h"
#include "engine/resp/reply_builder.h"
#include "engine/resp/request_parser.h"

namespace redsim {

class Server;
class Database;
class AclUser;
struct Command;

enum ClientFlag : uint64_t {
  kClientMulti = 1ULL << 0,            // inside MULTI
  kClientDirtyCas = 1ULL << 1,         // a watched key changed: EXEC must fail
  kClientDirtyExec = 1ULL << 2,        // a queued command was rejected: EXEC aborts
  kClientCloseAfterReply = 1ULL << 3,  // QUIT: close once the reply is written
  kClientCloseAsap = 1ULL << 4,        // closed, pending free
  kClientBlocked = 1ULL << 5,          // waiting in a blocking command
  kClientPubSub = 1ULL << 6,           // has subscriptions (RESP2 subscribed mode)
  kClientReplica = 1ULL << 7,
  kClientMaster = 1ULL << 8,
  kClientMonitor = 1ULL << 9,
  kClientTracking = 1ULL << 10,
  kClientNoEvict = 1ULL << 11,
  kClientReplyOff = 1ULL << 12,
  kClientReplySkip = 1ULL << 13,
  kClientReplySkipNext = 1ULL << 14,
  kClientPendingWrite = 1ULL << 15,  // in the server's pending-write list
  kClientFake = 1ULL << 16,          // no connection (scripts, AOF loading, tests)
  kClientInScript = 1ULL << 17,
  kClientUnblocked = 1ULL << 18,  // just unblocked: process its remaining input soon
  kClientNoTouch = 1ULL << 19,
  kClientReprocessing = 1ULL << 20,      // re-running a blocked command after its key got ready
  kClientDenyBlocking = 1ULL << 21,      // inside EXEC or a script: blocking commands time out now
  kClientMasterForceReply = 1ULL << 22,  // the master link: this command's reply is sent
  kClientProtected = 1ULL << 23,         // runs a busy script: its input waits until it ends
  // Cluster mode (engine/cluster): high bits, clear of the flags other features add.
  kClientAsking = 1ULL << 40,    // sent ASKING: the next command may use an importing slot
  kClientReadonly = 1ULL << 41,  // sent READONLY: a replica serves it reads of its master's slots
};

// A command kept for later (MULTI queue, blocked command): owns its argument bytes.
struct StoredCommand {
  std::vector<std::string> args;
  Command* cmd = nullptr;
};

class Client : public StreamHandler {
 public:
  Client(Server* server, std::unique_ptr<Stream> stream, uint64_t id);
  ~Client() override;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // StreamHandler.
  void OnReadable() override;
  void OnWritable() override;

  uint64_t id() const { return id_; }
  Server* server() const { return server_; }
  Stream* stream() const { return stream_.get(); }
  bool has(uint64_t flag) const { return (flags & flag) != 0; }

  // Replies appended here are sent at the next flush point.
  std::string& reply_buffer() { return reply_; }
  size_t pending_reply_bytes() const { return reply_.size() - reply_sent_; }
  // Writes as much pending output as the stream takes. Returns false if the client was closed.
  bool FlushOutput();
  // Processes buffered input (after reading, or when the client is unblocked).
  void ProcessInput();

  // ---- State commands read and change -----------------------------------------------------
  uint64_t flags = 0;
  int db_index = 0;
  Database* db = nullptr;
  int resp = 2;
  bool authenticated = false;
  std::string user = "default";
  AclUser* acl_user = nullptr;  // nullptr: the default user (engine/acl/acl.h)
  std::string name;
  std::string lib_name;
  std::string lib_ver;
  int64_t created_us = 0;
  int64_t last_interaction_us = 0;
  std::string last_command = "NULL";
  std::string peer_address;
  std::string local_address;

  // MULTI/EXEC.
  std::vector<StoredCommand> multi_queue;
  size_t multi_bytes = 0;
  // Keys this client WATCHes: (db index, key).
  std::vector<std::pair<int, std::string>> watched_keys;

  // Blocking commands.
  StoredCommand blocked_command;
  std::vector<std::string> blocked_keys;
  int blocked_db = 0;
  int64_t blocked_timeout_ms = 0;  // absolute Unix ms; 0 = forever
  uint64_t blocked_timer = 0;

  // Replaces the timeout reply of a blocked command (WAIT answers with a count).
  std::function<void(Client*, ReplyBuilder&)> block_timeout_reply;

  // Replication (a replica connected to us, or WAIT bookkeeping).
  int replica_listening_port = 0;
  std::string replica_announced_ip;
  bool replica_capa_eof = false;
  bool replica_capa_psync2 = false;
  bool replica_old_sync = false;
  int64_t last_write_repl_offset = 0;
  int64_t wait_target_offset = 0;
  int64_t wait_numreplicas = 0;

  // Pub/Sub.
  std::unordered_set<std::string> channels;
  std::unordered_set<std::string> patterns;
  std::unordered_set<std::string> shard_channels;

  // CLIENT PAUSE: a parsed command waits in the query buffer until the pause ends.
  bool postponed = false;

  // CLIENT TRACKING (engine/server/tracking.h).
  uint64_t tracking_redirect = 0;              // client id, 0 = none
  uint32_t tracking_flags = 0;                 // TrackingFlag bits
  std::vector<std::string> tracking_prefixes;  // BCAST prefixes

  // Statistics for CLIENT LIST.
  uint64_t total_net_input = 0;
  uint64_t total_net_output = 0;
  size_t query_buffer_peak = 0;
  int64_t obuf_soft_limit_since_ms = 0;

  size_t query_buffer_size() const { return query_.size(); }
  size_t query_buffer_capacity() const { return query_.capacity(); }

 private:
  friend class Server;
  void ReadFromStream();

  Server* server_;
  std::unique_ptr<Stream> stream_;
  uint64_t id_;
  IoBuffer query_;
  RequestParser parser_;
  std::vector<std::string_view> args_;
  std::string reply_;
  size_t reply_sent_ = 0;
  bool waiting_writable_ = false;
};

}  // namespace redsim
