#include "engine/sentinel/sentinel_link.h"

namespace redsim {

namespace {
constexpr size_t kMaxInputBytes = 16 * 1024 * 1024;   // one INFO is a few KB
constexpr size_t kMaxOutputBytes = 16 * 1024 * 1024;  // hellos and pings only
}  // namespace

SentinelLink::~SentinelLink() {
  (*generation_)++;
  if (stream_) {
    stream_->SetHandler(nullptr);
    stream_->Close();
  }
}

void SentinelLink::Connect(const std::string& host, int port, int64_t timeout_us,
                           std::function<void(bool, const std::string&)> done) {
  if (!disconnected()) return;
  connecting_ = true;
  auto gen = generation_;
  uint64_t mine = *gen;
  env_->Connect(host, port, timeout_us,
                [this, gen, mine, done](Status s, std::unique_ptr<Stream> stream) {
                  if (*gen != mine) return;  // closed or destroyed meanwhile
                  connecting_ = false;
                  if (!s.ok()) {
                    done(false, s.message());
                    return;
                  }
                  stream_ = std::move(stream);
                  stream_->SetHandler(this);
                  connected_since_us_ = env_->NowMicros();
                  done(true, "");
                });
}

void SentinelLink::Attach(std::unique_ptr<Stream> stream) {
  Close();
  stream_ = std::move(stream);
  stream_->SetHandler(this);
  connected_since_us_ = env_->NowMicros();
}

void SentinelLink::Close() {
  (*generation_)++;
  generation_ = std::make_shared<uint64_t>(*generation_);
  connecting_ = false;
  if (stream_) {
    stream_->SetHandler(nullptr);
    stream_->Close();
    stream_.reset();
  }
  in_.clear();
  out_.clear();
  callbacks_.clear();
}

bool SentinelLink::SendNoReply(const std::vector<std::string>& args) {
  if (!stream_) return false;
  out_ += "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) out_ += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  if (out_.size() > kMaxOutputBytes) {
    Fail("output buffer limit reached");
    return false;
  }
  OnWritable();
  return stream_ != nullptr;
}

bool SentinelLink::Send(const std::vector<std::string>& args, ReplyFn fn) {
  if (!stream_) return false;
  callbacks_.push_back(std::move(fn));
  if (!SendNoReply(args)) return false;
  return true;
}

void SentinelLink::OnWritable() {
  if (!stream_ || out_.empty()) return;
  IoResult r = stream_->Write(out_.data(), out_.size());
  if (r.kind == IoResult::kOk) {
    out_.erase(0, r.bytes);
  } else if (r.kind == IoResult::kError) {
    Fail("write error: " + r.error);
  }
}

void SentinelLink::Fail(const std::string& why) {
  Close();
  // Tell the owner after this callback returns: it may destroy or reconnect the link.
  if (!on_close_) return;
  auto gen = generation_;
  uint64_t mine = *gen;
  auto on_close = on_close_;
  env_->Defer([gen, mine, on_close, why] {
    if (*gen == mine) on_close(why);
  });
}

void SentinelLink::OnReadable() {
  if (!stream_) return;
  char buf[16384];
  while (stream_) {
    IoResult r = stream_->Read(buf, sizeof(buf));
    if (r.kind == IoResult::kOk) {
      in_.append(buf, r.bytes);
      if (in_.size() > kMaxInputBytes) return Fail("input buffer limit reached");
      continue;
    }
    if (r.kind == IoResult::kWouldBlock) break;
    if (!Dispatch()) return;  // a reply's callback closed the link
    return Fail(r.kind == IoResult::kEof ? "connection closed by peer" : r.error);
  }
  Dispatch();
}

bool SentinelLink::Dispatch() {
  size_t pos = 0;
  auto gen = generation_;
  uint64_t mine = *gen;
  while (stream_ && pos < in_.size()) {
    RespValue v;
    size_t used = 0;
    std::string error;
    auto res = ReplyParser::Parse(in_.data() + pos, in_.size() - pos, &v, &used, &error);
    if (res == ReplyParser::Result::kNeedMore) break;
    if (res == ReplyParser::Result::kError) {
      Fail("protocol error: " + error);
      return false;
    }
    pos += used;
    if (!callbacks_.empty()) {
      ReplyFn fn = std::move(callbacks_.front());
      callbacks_.pop_front();
      if (fn) fn(v);
    } else if (push_) {
      push_(v);
    }
    if (*gen != mine) return false;  // the callback closed the link; in_ was cleared
  }
  in_.erase(0, pos);
  return stream_ != nullptr;
}

}  // namespace redsim
