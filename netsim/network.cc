#include "netsim/network.h"

#include <xxhash.h>

#include <cmath>
#include <deque>

#include "engine/base/io_buffer.h"

namespace redsim::netsim {

int64_t Latency::Sample(Random& rng) const {
  if (spread_ns <= 0) return min_ns;
  if (!exponential)
    return min_ns + static_cast<int64_t>(rng.Uniform(static_cast<uint64_t>(spread_ns) + 1));
  // Exponential tail with mean spread_ns, capped at 50x the mean to bound outliers.
  double u = rng.NextDouble();
  double x = -std::log(1.0 - u) * static_cast<double>(spread_ns);
  if (x > 50.0 * static_cast<double>(spread_ns)) x = 50.0 * static_cast<double>(spread_ns);
  return min_ns + static_cast<int64_t>(x);
}

// A connection between two endpoints (side 0 = connecting host, side 1 = accepting host).
// Direction d carries bytes written by side d to side 1-d.
class Connection : public std::enable_shared_from_this<Connection>, public sim::EventTarget {
 public:
  // Event arguments: delivery on a direction, a readable or writable notice for a side.
  enum : int64_t {
    kDeliver0 = 0,
    kDeliver1 = 1,
    kReadable0 = 2,
    kReadable1 = 3,
    kWritable0 = 4,
    kWritable1 = 5
  };
  void Fire(int64_t arg) override {
    if (arg <= kDeliver1) {
      Deliver(static_cast<int>(arg));
    } else if (arg <= kReadable1) {
      Side& side = sides_[arg - kReadable0];
      side.readable_pending = false;
      if (side.handler != nullptr) side.handler->OnReadable();
    } else {
      Side& side = sides_[arg - kWritable0];
      if (side.handler != nullptr && !side.closed) side.handler->OnWritable();
    }
  }

  // A segment's bytes live in the direction's byte buffer, in order; the segment records only
  // its length and when it arrives.
  struct Segment {
    int64_t due_ns;
    size_t length;
    bool fin = false;
    bool rst = false;
  };
  struct Side {
    HostId host = sim::kNoHost;
    std::string address;
    StreamHandler* handler = nullptr;
    IoBuffer inbound;
    bool fin_received = false;
    bool reset = false;
    bool closed = false;  // this end called Close (or its host died)
    bool want_writable = false;
    bool readable_pending = false;
  };
  struct Direction {
    std::deque<Segment> in_flight;
    IoBuffer bytes;
    int64_t last_due_ns = 0;
    size_t unread_bytes = 0;  // in flight + waiting in the receiver's inbound buffer
    bool delivery_scheduled = false;
    bool stalled = false;
  };

  Connection(Network* net, uint64_t id) : net_(net), id_(id) {}
  ~Connection() {
    if (net_ != nullptr) net_->ForgetConnection(this);
  }
  // The network is going away first (pending events still hold this connection).
  void DetachFromNetwork() { net_ = nullptr; }

  uint64_t id() const { return id_; }
  Side& side(int i) { return sides_[i]; }
  Direction& direction(int d) { return dirs_[d]; }

  IoResult Write(int s, const char* data, size_t size) {
    Side& me = sides_[s];
    Side& peer = sides_[1 - s];
    if (me.closed) return IoResult::Error("closed");
    if (me.reset) return IoResult::Error("Connection reset by peer");
    if (peer.closed && peer.host == sim::kNoHost) return IoResult::Error("Broken pipe");
    Direction& d = dirs_[s];
    size_t window = net_->window_bytes();
    size_t room = d.unread_bytes >= window ? 0 : window - d.unread_bytes;
    if (room == 0) {
      me.want_writable = true;
      return IoResult::WouldBlock();
    }
    size_t n = std::min(room, size);
    Send(s, data, n, false, false);
    if (n < size) me.want_writable = true;
    return IoResult::Ok(n);
  }

  IoResult Read(int s, char* buffer, size_t capacity) {
    Side& me = sides_[s];
    if (me.closed) return IoResult::Error("closed");
    if (!me.inbound.empty()) {
      size_t n = std::min(capacity, me.inbound.size());
      memcpy(buffer, me.inbound.data(), n);
      me.inbound.Consume(n);
      Direction& d = dirs_[1 - s];
      d.unread_bytes -= n;
      MaybeWakeWriter(1 - s);
      return IoResult::Ok(n);
    }
    if (me.reset) return IoResult::Error("Connection reset by peer");
    if (me.fin_received) return IoResult::Eof();
    return IoResult::WouldBlock();
  }

  void SetHandler(int s, StreamHandler* h) {
    Side& me = sides_[s];
    me.handler = h;
    if (h != nullptr && (!me.inbound.empty() || me.fin_received || me.reset)) ScheduleReadable(s);
  }

  void Close(int s) {
    Side& me = sides_[s];
    if (me.closed) return;
    me.closed = true;
    me.handler = nullptr;
    size_t dropped = me.inbound.size();
    me.inbound.Clear();
    dirs_[1 - s].unread_bytes -= dropped;
    if (!me.reset) Send(s, nullptr, 0, /*fin=*/true, /*rst=*/false);
  }

  // The host of side `s` died: the peer gets what was in flight, then a reset.
  void Kill(int s) {
    Side& me = sides_[s];
    me.closed = true;
    me.handler = nullptr;
    me.inbound.Clear();
    dirs_[1 - s].in_flight.clear();
    dirs_[1 - s].bytes.Clear();
    dirs_[1 - s].unread_bytes = 0;
    Send(s, nullptr, 0, false, /*rst=*/true);
    me.host = sim::kNoHost;
  }

  // Re-times a stalled direction after a heal.
  void Unstall(int d) {
    Direction& dir = dirs_[d];
    if (!dir.stalled) return;
    dir.stalled = false;
    int64_t now = net_->simulator()->now_ns();
    HostId from = sides_[d].host, to = sides_[1 - d].host;
    int64_t due = now;
    for (auto& seg : dir.in_flight) {
      due = std::max(due, now + net_->SampleLatency(from, to));
      seg.due_ns = due;
    }
    dir.last_due_ns = due;
    ScheduleDelivery(d);
  }

 private:
  void Send(int s, const char* data, size_t n, bool fin, bool rst) {
    Direction& d = dirs_[s];
    HostId from = sides_[s].host, to = sides_[1 - s].host;
    int64_t now = net_->simulator()->now_ns();
    int64_t due = now + net_->SampleLatency(from, to);
    due = std::max(due, d.last_due_ns);  // never overtake earlier bytes
    d.last_due_ns = due;
    d.unread_bytes += n;
    if (n > 0) d.bytes.Append(data, n);
    // Bytes due at the same moment as the previous segment simply extend it.
    if (!d.in_flight.empty() && d.in_flight.back().due_ns == due && !d.in_flight.back().fin &&
        !d.in_flight.back().rst) {
      Segment& last = d.in_flight.back();
      last.length += n;
      last.fin = fin;
      last.rst = rst;
    } else {
      d.in_flight.push_back(Segment{due, n, fin, rst});
    }
    if (!d.stalled) ScheduleDelivery(s);
  }

  void ScheduleDelivery(int d) {
    Direction& dir = dirs_[d];
    if (dir.delivery_scheduled || dir.in_flight.empty()) return;
    HostId to = sides_[1 - d].host;
    if (to == sim::kNoHost) {
      dir.in_flight.clear();
      dir.bytes.Clear();
      return;
    }
    dir.delivery_scheduled = true;
    net_->simulator()->AtTarget(dir.in_flight.front().due_ns, to, this, kDeliver0 + d,
                                shared_from_this(), sim::TraceKind::kDelivery);
  }

  void Deliver(int d) {
    Direction& dir = dirs_[d];
    dir.delivery_scheduled = false;
    Side& receiver = sides_[1 - d];
    HostId from = sides_[d].host, to = receiver.host;
    sim::Simulator* sim = net_->simulator();
    int64_t now = sim->now_ns();
    if (to == sim::kNoHost || receiver.closed) {
      // Nobody to receive: the bytes are gone (a real stack would answer with RST).
      dir.unread_bytes = 0;
      dir.in_flight.clear();
      dir.bytes.Clear();
      return;
    }
    if (from != sim::kNoHost && net_->Blocked(from, to)) {
      dir.stalled = true;
      net_->RegisterStalled(this, d);
      return;
    }
    int64_t clog = from != sim::kNoHost ? net_->ClogUntil(from, to) : 0;
    if (clog > now) {
      for (auto& seg : dir.in_flight) seg.due_ns = std::max(seg.due_ns, clog);
      ScheduleDelivery(d);
      return;
    }
    bool notify = false;
    while (!dir.in_flight.empty() && dir.in_flight.front().due_ns <= now) {
      Segment seg = dir.in_flight.front();
      dir.in_flight.pop_front();
      if (seg.length > 0) {
        sim->Trace(sim::TraceKind::kDelivery, id_, XXH3_64bits(dir.bytes.data(), seg.length));
        receiver.inbound.Append(dir.bytes.data(), seg.length);
        dir.bytes.Consume(seg.length);
        notify = true;
      }
      if (seg.fin) {
        receiver.fin_received = true;
        notify = true;
      }
      if (seg.rst) {
        receiver.reset = true;
        notify = true;
      }
    }
    ScheduleDelivery(d);
    if (notify && receiver.handler != nullptr) receiver.handler->OnReadable();
  }

  void ScheduleReadable(int s) {
    Side& me = sides_[s];
    if (me.readable_pending || me.host == sim::kNoHost) return;
    me.readable_pending = true;
    sim::Simulator* sim = net_->simulator();
    sim->AtTarget(sim->now_ns(), me.host, this, kReadable0 + s, shared_from_this(),
                  sim::TraceKind::kDelivery);
  }

  void MaybeWakeWriter(int s) {
    Side& writer = sides_[s];
    if (!writer.want_writable || writer.host == sim::kNoHost) return;
    if (dirs_[s].unread_bytes > net_->window_bytes() / 2) return;
    writer.want_writable = false;
    sim::Simulator* sim = net_->simulator();
    sim->AtTarget(sim->now_ns(), writer.host, this, kWritable0 + s, shared_from_this(),
                  sim::TraceKind::kDelivery);
  }

  Network* net_;
  uint64_t id_;
  Side sides_[2];
  Direction dirs_[2];
};

namespace {

class SimStream : public Stream {
 public:
  SimStream(std::shared_ptr<Connection> conn, int side) : conn_(std::move(conn)), side_(side) {}
  ~SimStream() override { conn_->Close(side_); }
  void SetHandler(StreamHandler* handler) override { conn_->SetHandler(side_, handler); }
  IoResult Read(char* buffer, size_t capacity) override {
    return conn_->Read(side_, buffer, capacity);
  }
  IoResult Write(const char* data, size_t size) override { return conn_->Write(side_, data, size); }
  void Close() override { conn_->Close(side_); }
  std::string PeerAddress() const override { return conn_->side(1 - side_).address; }
  std::string LocalAddress() const override { return conn_->side(side_).address; }

 private:
  std::shared_ptr<Connection> conn_;
  int side_;
};

class SimListener : public Listener {
 public:
  SimListener(Network* net, HostId host, int port) : net_(net), host_(host), port_(port) {}
  ~SimListener() override { net_->Unlisten(host_, port_); }
  int Port() const override { return port_; }

 private:
  Network* net_;
  HostId host_;
  int port_;
};

}  // namespace

Network::Network(sim::Simulator* sim, uint64_t seed) : sim_(sim), rng_(seed) {}

Network::~Network() {
  // Connections may outlive the network inside pending simulator events (which never run
  // again); they must not call back into it when they are finally destroyed.
  for (auto& [id, c] : connections_) c->DetachFromNetwork();
}

void Network::set_link_latency(HostId a, HostId b, Latency l) {
  link_latency_[{a, b}] = l;
  link_latency_[{b, a}] = l;
}

int64_t Network::SampleLatency(HostId from, HostId to) {
  auto it = link_latency_.find({from, to});
  const Latency& l = it != link_latency_.end() ? it->second : default_latency_;
  return l.Sample(rng_);
}

int64_t Network::ClogUntil(HostId a, HostId b) const {
  auto it = clogs_.find({std::min(a, b), std::max(a, b)});
  return it == clogs_.end() ? 0 : it->second;
}

bool Network::Blocked(HostId from, HostId to) const {
  if (from == to) return false;
  if (!group_of_.empty()) {
    auto a = group_of_.find(from), b = group_of_.find(to);
    int ga = a == group_of_.end() ? -1 : a->second;
    int gb = b == group_of_.end() ? -1 : b->second;
    if (ga != gb) return true;
  }
  return one_way_blocks_.count({from, to}) > 0;
}

Status Network::Listen(HostId host, int port, AcceptHandler* handler,
                       std::unique_ptr<Listener>* out) {
  if (port == 0) {
    port = 30000;
    while (listeners_.count({host, port})) port++;
  }
  if (listeners_.count({host, port})) return Status::IoError("Address already in use");
  listeners_[{host, port}] = ListenerEntry{handler};
  *out = std::make_unique<SimListener>(this, host, port);
  return Status::Ok();
}

void Network::Unlisten(HostId host, int port) { listeners_.erase({host, port}); }

void Network::Connect(HostId from, const std::string& address, int port, int64_t timeout_ns,
                      Env::ConnectCallback done) {
  HostId to = sim::kNoHost;
  for (HostId h = 1; h <= sim_->host_count(); h++) {
    if (sim_->host(h).address == address || sim_->host(h).name == address) to = h;
  }
  if (to == sim::kNoHost) {
    sim_->After(SampleLatency(from, from), from,
                [done] { done(Status::IoError("No route to host"), nullptr); });
    return;
  }
  if (Blocked(from, to) || Blocked(to, from)) {
    // The SYN (or its answer) is dropped: the connect times out.
    sim_->After(
        timeout_ns, from, [done] { done(Status::TimedOut("Connection timed out"), nullptr); },
        sim::TraceKind::kConnect);
    return;
  }
  int64_t there = SampleLatency(from, to);
  int64_t back = SampleLatency(to, from);
  int& eph = next_ephemeral_port_[from];
  if (eph == 0) eph = 40000;
  int local_port = eph++;
  sim_->After(
      there, to,
      [this, from, to, port, local_port, back, done] {
        auto it = listeners_.find({to, port});
        if (it == listeners_.end()) {
          sim_->After(
              back, from, [done] { done(Status::Refused("Connection refused"), nullptr); },
              sim::TraceKind::kConnect);
          return;
        }
        auto conn = std::make_shared<Connection>(this, NextConnectionId());
        RememberConnection(conn.get());
        conn->side(0).host = from;
        conn->side(0).address = AddressOf(from) + ":" + std::to_string(local_port);
        conn->side(1).host = to;
        conn->side(1).address = AddressOf(to) + ":" + std::to_string(port);
        uint64_t conn_id = conn->id();
        sim_->Trace(sim::TraceKind::kConnect, conn_id, static_cast<uint64_t>(port));
        it->second.handler->OnAccept(std::make_unique<SimStream>(conn, 1));
        sim_->After(
            back, from, [conn, done] { done(Status::Ok(), std::make_unique<SimStream>(conn, 0)); },
            sim::TraceKind::kConnect);
      },
      sim::TraceKind::kConnect);
}

void Network::Partition(const std::vector<std::vector<HostId>>& groups) {
  group_of_.clear();
  for (size_t g = 0; g < groups.size(); g++) {
    for (HostId h : groups[g]) group_of_[h] = static_cast<int>(g);
  }
  sim_->Trace(sim::TraceKind::kFault, 100, groups.size());
}

void Network::BlockOneWay(HostId from, HostId to) {
  one_way_blocks_.insert({from, to});
  sim_->Trace(sim::TraceKind::kFault, 101, (static_cast<uint64_t>(from) << 32) | to);
}

void Network::Isolate(HostId host) {
  std::vector<HostId> others;
  for (HostId h = 1; h <= sim_->host_count(); h++) {
    if (h != host) others.push_back(h);
  }
  Partition({{host}, others});
}

void Network::Heal() {
  group_of_.clear();
  one_way_blocks_.clear();
  sim_->Trace(sim::TraceKind::kFault, 102, 0);
  Kick();
}

void Network::Clog(HostId a, HostId b, int64_t until_ns) {
  clogs_[{std::min(a, b), std::max(a, b)}] = until_ns;
  sim_->Trace(sim::TraceKind::kFault, 103, static_cast<uint64_t>(until_ns));
}

void Network::RegisterStalled(Connection* c, int dir) { stalled_.emplace_back(c->id(), dir); }

void Network::Kick() {
  std::vector<std::pair<uint64_t, int>> stalled;
  stalled.swap(stalled_);
  for (auto [id, d] : stalled) {
    auto it = connections_.find(id);
    if (it == connections_.end()) continue;
    Connection* c = it->second;
    HostId from = c->side(d).host, to = c->side(1 - d).host;
    if (from != sim::kNoHost && to != sim::kNoHost && Blocked(from, to)) {
      stalled_.emplace_back(id, d);
      continue;
    }
    c->Unstall(d);
  }
}

void Network::ForgetConnection(Connection* c) { connections_.erase(c->id()); }

void Network::RememberConnection(Connection* c) { connections_[c->id()] = c; }

void Network::ResetHost(HostId host) {
  for (auto it = listeners_.begin(); it != listeners_.end();) {
    if (it->first.first == host)
      it = listeners_.erase(it);
    else
      ++it;
  }
  std::vector<Connection*> affected;
  for (auto& [id, c] : connections_) {
    if (c->side(0).host == host || c->side(1).host == host) affected.push_back(c);
  }
  for (Connection* c : affected) {
    for (int s = 0; s < 2; s++) {
      if (c->side(s).host == host) c->Kill(s);
    }
  }
  sim_->Trace(sim::TraceKind::kFault, 104, host);
}

}  // namespace redsim::netsim
