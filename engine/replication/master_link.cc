#include "engine/replication/master_link.h"

#include "engine/base/strutil.h"
#include "engine/replication/replication.h"
#include "engine/server/server.h"

namespace redsim {

namespace {
constexpr size_t kMaxLine = 64 * 1024;
constexpr int64_t kMaxPayload = 1LL << 34;  // 16 GB
}  // namespace

MasterLink::MasterLink(const ReplicationHandles* handles, Replication* repl, std::string host,
                       int port)
    : h_(*handles), repl_(repl), host_(std::move(host)), port_(port) {}

MasterLink::~MasterLink() {
  *alive_ = false;
  if (stream_) {
    stream_->SetHandler(nullptr);
    stream_->Close();
  }
}

const char* MasterLink::StateName() const {
  switch (state_) {
    case State::kConnecting:
      return "connecting";
    case State::kTransferHeader:
    case State::kTransfer:
      return "sync";
    case State::kDone:
      return "connected";
    case State::kFailed:
      return "connect";
    default:
      return "handshake";
  }
}

void MasterLink::Start() {
  state_ = State::kConnecting;
  last_io_us_ = h_.env->NowMicros();
  auto alive = alive_;
  int64_t timeout_us = h_.config->repl_timeout * 1'000'000;
  h_.log->Notice("Connecting to MASTER {}:{}", host_, port_);
  h_.env->Connect(host_, port_, timeout_us,
                  [this, alive](Status s, std::unique_ptr<Stream> stream) {
                    if (!*alive) return;
                    if (!s.ok()) {
                      Fail("Error condition on socket for SYNC: " + s.message());
                      return;
                    }
                    stream_ = std::move(stream);
                    stream_->SetHandler(this);
                    h_.log->Notice("MASTER <-> REPLICA sync started");
                    state_ = State::kPing;
                    last_io_us_ = h_.env->NowMicros();
                    Send({"PING"});
                  });
}

void MasterLink::Send(const std::vector<std::string>& args) {
  out_ += "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) out_ += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  OnWritable();
}

void MasterLink::OnWritable() {
  if (!stream_ || out_.empty()) return;
  IoResult r = stream_->Write(out_.data(), out_.size());
  if (r.kind == IoResult::kOk)
    out_.erase(0, r.bytes);
  else if (r.kind == IoResult::kError)
    Fail("write error: " + r.error);
}

bool MasterLink::ReadLine(std::string* line) {
  size_t nl = in_.find('\n');
  if (nl == std::string::npos) {
    if (in_.size() > kMaxLine) Fail("line too long from master");
    return false;
  }
  *line = in_.substr(0, nl);
  if (!line->empty() && line->back() == '\r') line->pop_back();
  in_.erase(0, nl + 1);
  return true;
}

void MasterLink::Fail(const std::string& why) {
  if (state_ == State::kFailed || state_ == State::kDone) return;
  state_ = State::kFailed;
  h_.log->Warning("Master link failed: {}", why);
  if (stream_) {
    stream_->SetHandler(nullptr);
    stream_->Close();
  }
  // Tell Replication after this callback returns (it destroys the link).
  auto alive = alive_;
  Replication* repl = repl_;
  h_.env->Defer([alive, repl, why] {
    if (*alive) repl->OnLinkFailed(why);
  });
}

void MasterLink::OnReadable() {
  if (!stream_ || state_ == State::kFailed || state_ == State::kDone) return;
  char buf[65536];
  while (true) {
    IoResult r = stream_->Read(buf, sizeof(buf));
    if (r.kind == IoResult::kOk) {
      in_.append(buf, r.bytes);
      last_io_us_ = h_.env->NowMicros();
      if (state_ == State::kTransfer) break;  // process in chunks
      continue;
    }
    if (r.kind == IoResult::kWouldBlock) break;
    Process();  // whatever arrived before the close
    Fail(r.kind == IoResult::kEof ? "connection closed by master" : r.error);
    return;
  }
  Process();
}

void MasterLink::Process() {
  std::string line;
  while (state_ != State::kFailed && state_ != State::kDone) {
    switch (state_) {
      case State::kPing: {
        if (!ReadLine(&line)) return;
        // -NOAUTH is fine here: authentication comes next.
        if (line.empty()) continue;
        if (line[0] == '-' && line.rfind("-NOAUTH", 0) != 0 && line.rfind("-NOPERM", 0) != 0 &&
            line.rfind("-ERR operation not permitted", 0) != 0) {
          Fail("Error reply to PING from master: '" + line + "'");
          return;
        }
        const ServerConfig& cfg = *h_.config;
        if (!cfg.masterauth.empty()) {
          state_ = State::kAuth;
          if (cfg.masteruser.empty())
            Send({"AUTH", cfg.masterauth});
          else
            Send({"AUTH", cfg.masteruser, cfg.masterauth});
        } else {
          state_ = State::kPort;
          int port = cfg.replica_announce_port != 0 ? static_cast<int>(cfg.replica_announce_port)
                                                    : h_.port();
          Send({"REPLCONF", "listening-port", std::to_string(port)});
        }
        break;
      }
      case State::kAuth: {
        if (!ReadLine(&line)) return;
        if (line.empty()) continue;
        if (line[0] == '-') {
          Fail("Unable to AUTH to MASTER: " + line);
          return;
        }
        state_ = State::kPort;
        int port = h_.config->replica_announce_port != 0
                       ? static_cast<int>(h_.config->replica_announce_port)
                       : h_.port();
        Send({"REPLCONF", "listening-port", std::to_string(port)});
        break;
      }
      case State::kPort: {
        if (!ReadLine(&line)) return;
        if (line.empty()) continue;
        // An error is not fatal (old masters do not know REPLCONF).
        state_ = State::kCapa;
        Send({"REPLCONF", "capa", "eof", "capa", "psync2"});
        break;
      }
      case State::kCapa: {
        if (!ReadLine(&line)) return;
        if (line.empty()) continue;
        state_ = State::kPsync;
        std::string replid = repl_->cached_master_replid();
        int64_t offset = repl_->cached_master_offset();
        if (replid.empty() || offset < 0)
          Send({"PSYNC", "?", "-1"});
        else
          Send({"PSYNC", replid, std::to_string(offset + 1)});
        break;
      }
      case State::kPsync: {
        if (!ReadLine(&line)) return;
        if (line.empty()) continue;  // newlines keep the link alive while the master prepares
        if (line.rfind("+FULLRESYNC", 0) == 0) {
          auto parts = SplitArgs(line);
          if (!parts || parts->size() != 3 || (*parts)[1].size() != 40 ||
              !ParseInt64((*parts)[2], &fullresync_offset_)) {
            Fail("bad +FULLRESYNC reply: " + line);
            return;
          }
          fullresync_replid_ = (*parts)[1];
          state_ = State::kTransferHeader;
          h_.log->Notice("Full resync from master: {}:{}", fullresync_replid_, fullresync_offset_);
        } else if (line.rfind("+CONTINUE", 0) == 0) {
          auto parts = SplitArgs(line);
          std::string new_id = parts && parts->size() == 2 ? (*parts)[1] : "";
          h_.log->Notice("Successful partial resynchronization with master.");
          state_ = State::kDone;
          repl_->OnPartialSync(new_id);
          stream_->SetHandler(nullptr);
          repl_->OnLinkEstablished(std::move(stream_), std::move(in_));
          return;
        } else {
          Fail("Unexpected reply to PSYNC from master: " + line);
          return;
        }
        break;
      }
      case State::kTransferHeader: {
        if (!ReadLine(&line)) return;
        if (line.empty()) continue;
        if (line[0] != '$') {
          Fail("Bad protocol from MASTER, the first byte is not '$' (we received '" + line + "')");
          return;
        }
        if (line.rfind("$EOF:", 0) == 0) {
          if (line.size() != 5 + 40) {
            Fail("bad EOF mark from master");
            return;
          }
          eof_marked_ = true;
          eof_mark_ = line.substr(5);
          bulk_len_ = -1;
        } else if (!ParseInt64(std::string_view(line).substr(1), &bulk_len_) || bulk_len_ < 0 ||
                   bulk_len_ > kMaxPayload) {
          Fail("bad bulk length from master: " + line);
          return;
        }
        state_ = State::kTransfer;
        break;
      }
      case State::kTransfer: {
        if (eof_marked_) {
          size_t search_from = payload_.size() >= 40 ? payload_.size() - 40 : 0;
          payload_.append(in_);
          in_.clear();
          if (static_cast<int64_t>(payload_.size()) > kMaxPayload) {
            Fail("RDB payload from master too large");
            return;
          }
          size_t mark = payload_.find(eof_mark_, search_from);
          if (mark == std::string::npos) return;  // more to come
          // Whatever followed the mark is already the replication stream.
          in_ = payload_.substr(mark + 40);
          payload_.resize(mark);
        } else {
          size_t want = static_cast<size_t>(bulk_len_) - payload_.size();
          size_t take = std::min(want, in_.size());
          payload_.append(in_, 0, take);
          in_.erase(0, take);
          if (static_cast<int64_t>(payload_.size()) < bulk_len_) return;
        }
        h_.log->Notice("MASTER <-> REPLICA sync: Loading DB in memory ({} bytes)", payload_.size());
        std::string payload = std::move(payload_);
        repl_->OnFullSyncPayload(payload, fullresync_replid_, fullresync_offset_);
        if (!*alive_) return;
        if (repl_->cached_master_offset() < 0) {
          // Still in kTransfer, so Fail drops the link now and the retry comes from the next
          // cron (kDone would make Fail a no-op and leave the link hanging until repl-timeout).
          Fail("loading the RDB payload from master failed");
          return;
        }
        state_ = State::kDone;
        stream_->SetHandler(nullptr);
        repl_->OnLinkEstablished(std::move(stream_), std::move(in_));
        return;
      }
      default:
        return;
    }
  }
}

}  // namespace redsim
