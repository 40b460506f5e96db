#include "engine/server/client.h"

#include "engine/replication/replication.h"
#include "engine/server/server.h"

namespace redsim {

namespace {
// Reads are 16 KB at a time, as Redis does, unless a large bulk argument is being received, in
// which case the read is sized to finish it.
constexpr size_t kReadChunk = 16 * 1024;
// A client whose reply buffer is idle keeps at most this much capacity.
constexpr size_t kIdleReplyCapacity = 64 * 1024;
// Sent bytes kept at the head of a partly written reply buffer before it is compacted.
constexpr size_t kCompactReplyBytes = 64 * 1024;
}  // namespace

Client::Client(Server* server, std::unique_ptr<Stream> stream, uint64_t id)
    : server_(server), stream_(std::move(stream)), id_(id) {
  if (stream_ != nullptr) {
    peer_address = stream_->PeerAddress();
    local_address = stream_->LocalAddress();
  }
}

Client::~Client() {
  if (stream_ != nullptr) {
    stream_->SetHandler(nullptr);
    stream_->Close();
  }
}

void Client::OnReadable() {
  if (has(kClientCloseAsap) || has(kClientProtected)) return;
  ReadFromStream();
}

void Client::ReadFromStream() {
  // A blocked client's further input is read and kept in the buffer (bounded by
  // client-query-buffer-limit) and processed once it is unblocked, as Redis does.
  size_t want = kReadChunk;
  int64_t pending = parser_.pending_bulk_bytes();
  if (pending > 0 && static_cast<size_t>(pending) > query_.size()) {
    size_t missing = static_cast<size_t>(pending) - query_.size();
    if (missing > want) want = missing;
  }
  char* dst = query_.Reserve(want);
  IoResult r = stream_->Read(dst, want);
  if (r.kind == IoResult::kWouldBlock) return;
  if (r.kind != IoResult::kOk) {
    server_->log().Verbose("Client closed connection id={} addr={}", id_, peer_address);
    server_->CloseClientAsync(this);
    return;
  }
  query_.Commit(r.bytes);
  total_net_input += r.bytes;
  server_->stats().total_net_input_bytes += r.bytes;
  server_->stats().total_reads_processed++;
  if (query_.size() > query_buffer_peak) query_buffer_peak = query_.size();
  last_interaction_us = server_->env()->NowMicros();
  if (static_cast<int64_t>(query_.size()) > server_->config().client_query_buffer_limit &&
      !has(kClientMaster)) {
    server_->log().Warning("Closing client that reached max query buffer length: id={} addr={}",
                           id_, peer_address);
    server_->CloseClientAsync(this);
    return;
  }
  ProcessInput();
}

void Client::ProcessInput() {
  std::string error;
  while (!query_.empty() && !has(kClientCloseAsap) && !has(kClientCloseAfterReply) &&
         !has(kClientBlocked) && !postponed) {
    ParserLimits limits;
    limits.max_bulk_len = server_->config().proto_max_bulk_len;
    limits.unauthenticated = !authenticated;
    size_t consumed = 0;
    auto result = parser_.Parse(query_.data(), query_.size(), limits, &consumed, &args_, &error);
    if (result == RequestParser::Result::kNeedMore) break;
    if (result == RequestParser::Result::kError) {
      std::string head(query_.data(), std::min<size_t>(query_.size(), 64));
      for (char& ch : head) {
        if (ch < 32 || ch > 126) ch = '.';
      }
      server_->log().Verbose(
          "Protocol error ({}) from client: id={} addr={}. Query buffer "
          "starts with: '{}'",
          error, id_, peer_address, head);
      ReplyBuilder(&reply_, resp).Error(error);
      server_->stats().total_error_replies++;
      flags |= kClientCloseAfterReply;
      query_.Clear();
      parser_.Reset();
      server_->ScheduleFlush(this);
      break;
    }
    if (!args_.empty()) {
      // CLIENT PAUSE: leave the command unconsumed; it is parsed again when the pause ends.
      if (server_->PostponeIfPaused(this, args_)) break;
      server_->ProcessCommand(this, args_);
    }
    // The primary's stream: its bytes count towards our replication offset and go on to our
    // own replicas unchanged.
    if (has(kClientMaster) && server_->replication() != nullptr) {
      server_->replication()->OnMasterStreamBytes(std::string_view(query_.data(), consumed));
    }
    // The arguments point into the buffer: consume only after the command ran.
    query_.Consume(consumed);
    if (server_->stopped()) return;
  }
  if (query_.empty()) query_.ShrinkIfIdle(kReadChunk * 2);
  if (pending_reply_bytes() > 0 || has(kClientCloseAfterReply)) server_->ScheduleFlush(this);
}

void Client::OnWritable() {
  waiting_writable_ = false;
  FlushOutput();
}

bool Client::FlushOutput() {
  if (stream_ == nullptr) return true;
  while (reply_sent_ < reply_.size()) {
    IoResult r = stream_->Write(reply_.data() + reply_sent_, reply_.size() - reply_sent_);
    if (r.kind == IoResult::kWouldBlock) {
      waiting_writable_ = true;
      // A slow reader that keeps up only partly would otherwise keep every byte ever sent in
      // the buffer (only the pending tail counts towards the output limit): drop the sent head
      // once it is most of the buffer.
      if (reply_sent_ >= kCompactReplyBytes && reply_sent_ * 2 >= reply_.size()) {
        reply_.erase(0, reply_sent_);
        reply_sent_ = 0;
      }
      return true;
    }
    if (r.kind != IoResult::kOk) {
      server_->CloseClientAsync(this);
      return false;
    }
    reply_sent_ += r.bytes;
    total_net_output += r.bytes;
    server_->stats().total_net_output_bytes += r.bytes;
    server_->stats().total_writes_processed++;
  }
  reply_.clear();
  reply_sent_ = 0;
  if (reply_.capacity() > kIdleReplyCapacity) reply_.shrink_to_fit();
  obuf_soft_limit_since_ms = 0;
  if (has(kClientCloseAfterReply)) {
    server_->CloseClientAsync(this);
    return false;
  }
  return true;
}

}  // namespace redsim
