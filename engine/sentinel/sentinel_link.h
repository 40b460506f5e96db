// SentinelLink: one outgoing RESP connection from a Sentinel to a monitored instance or another
// Sentinel, as a callback-driven client on an Env stream. Commands are queued with a callback for
// their reply; replies arrive in order, so each one completes the oldest waiting callback. A
// reply with no waiting callback (a pub/sub message) goes to the push handler.
//
// Invariants: at most one stream; the connect and reply callbacks never run after Close() or the
// link's destruction; queued output and buffered input are bounded (a peer that floods or stops
// reading gets the link closed, never unbounded growth).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/env/env.h"
#include "engine/resp/resp_value.h"

namespace redsim {

class SentinelLink : public StreamHandler {
 public:
  using ReplyFn = std::function<void(const RespValue&)>;

  explicit SentinelLink(Env* env) : env_(env) {}
  ~SentinelLink() override;
  SentinelLink(const SentinelLink&) = delete;
  SentinelLink& operator=(const SentinelLink&) = delete;

  // Starts connecting (no-op unless disconnected). `done(ok)` runs later, once.
  void Connect(const std::string& host, int port, int64_t timeout_us,
               std::function<void(bool ok, const std::string& why)> done);
  // Uses an already established stream (tests; a caller that connected by itself).
  void Attach(std::unique_ptr<Stream> stream);
  // Drops the connection and every waiting callback (they are never called).
  void Close();
  bool connected() const { return stream_ != nullptr; }
  bool connecting() const { return connecting_; }
  bool disconnected() const { return !connected() && !connecting_; }
  // Queues a command. `fn` (may be empty) gets its reply. Returns false when not connected.
  bool Send(const std::vector<std::string>& args, ReplyFn fn);
  // Sends a command whose replies are pushes (SUBSCRIBE): no callback is queued.
  bool SendNoReply(const std::vector<std::string>& args);
  size_t pending() const { return callbacks_.size(); }
  void set_push_handler(ReplyFn fn) { push_ = std::move(fn); }
  // Called (later, once) when an established connection breaks or the peer misbehaves.
  void set_close_handler(std::function<void(const std::string&)> fn) { on_close_ = std::move(fn); }
  // "ip:port" of this end of the connection ("" when not connected).
  std::string LocalAddress() const { return stream_ ? stream_->LocalAddress() : ""; }
  int64_t connected_since_us() const { return connected_since_us_; }

  void OnReadable() override;
  void OnWritable() override;

 private:
  void Fail(const std::string& why);
  // Hands complete replies to their callbacks. False when a callback closed the link (the
  // link may then be gone: the caller must not touch it).
  bool Dispatch();

  Env* env_;
  std::unique_ptr<Stream> stream_;
  bool connecting_ = false;
  std::string in_;
  std::string out_;
  std::deque<ReplyFn> callbacks_;
  ReplyFn push_;
  std::function<void(const std::string&)> on_close_;
  int64_t connected_since_us_ = 0;
  // Bumped by Close(): callbacks of an older connection attempt see a different generation.
  std::shared_ptr<uint64_t> generation_ = std::make_shared<uint64_t>(0);
};

}  // namespace redsim
