// MasterLink: the replica side of a replication handshake, as a callback-driven state machine
// on one stream: connect, PING, AUTH (masterauth), REPLCONF listening-port, REPLCONF capa,
// PSYNC, then either +CONTINUE or +FULLRESYNC followed by the RDB payload (length-prefixed or
// EOF-marked). Once synchronised it hands the stream (and any bytes that followed the payload)
// to Replication, which turns it into the master client. Any protocol violation fails the link
// with a reason; the payload size and every line length are bounded.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "engine/env/env.h"

namespace redsim {

class Replication;
struct ReplicationHandles;

class MasterLink : public StreamHandler {
 public:
  enum class State {
    kConnecting,
    kPing,
    kAuth,
    kPort,
    kCapa,
    kPsync,
    kTransferHeader,
    kTransfer,
    kDone,
    kFailed,
  };

  MasterLink(const ReplicationHandles* handles, Replication* repl, std::string host, int port);
  ~MasterLink() override;

  void Start();
  void OnReadable() override;
  void OnWritable() override;

  State state() const { return state_; }
  bool transferring() const {
    return state_ == State::kTransfer || state_ == State::kTransferHeader;
  }
  int64_t transfer_size() const { return bulk_len_; }
  int64_t transfer_read() const { return static_cast<int64_t>(payload_.size()); }
  int64_t last_io_us() const { return last_io_us_; }
  // Text of the handshake state for INFO/ROLE ("connecting", "handshake", "sync").
  const char* StateName() const;

 private:
  void Send(const std::vector<std::string>& args);
  bool ReadLine(std::string* line);
  void Fail(const std::string& why);
  void Process();

  const ReplicationHandles& h_;
  Replication* repl_;
  std::string host_;
  int port_;
  State state_ = State::kConnecting;
  std::unique_ptr<Stream> stream_;
  std::string in_;
  std::string out_;
  bool eof_marked_ = false;
  std::string eof_mark_;
  int64_t bulk_len_ = -1;
  std::string payload_;
  std::string fullresync_replid_;
  int64_t fullresync_offset_ = 0;
  int64_t last_io_us_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace redsim
