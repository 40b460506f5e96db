// Network: the simulated network between simulated hosts.
//
// Streams behave like TCP: bytes written on one end arrive in order, exactly once, at the other
// end, after a latency drawn per segment from the link's distribution (never overtaking earlier
// bytes of the same direction). Connecting to a port nobody listens on is refused; connecting
// across a partition times out (SYNs are dropped); a crashed host's peers see a reset.
//
// Partitions hold traffic rather than dropping it (TCP retransmits until the link heals), so a
// long partition shows up to the engine as silence and its own timeouts decide. Partitions may
// have any shape (groups, one-way blocks), and a link can be clogged (everything on it delayed
// until a time). Everything is changeable at run time and every change is traced.
//
// Flow control: at most `window_bytes` may be unread per direction; past that Write accepts only
// part and the writer gets OnWritable when the reader catches up. That bounds memory no matter
// how slow a reader is.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "engine/env/env.h"
#include "sim/sim_env.h"
#include "sim/simulator.h"

namespace redsim::netsim {

using sim::HostId;

// One-way latency distribution for a link, in ns: a base plus a random part whose shape the
// scenario picks (uniform, or exponential tail).
struct Latency {
  int64_t min_ns = 100'000;     // 0.1 ms
  int64_t spread_ns = 400'000;  // + up to 0.4 ms
  bool exponential = false;     // spread is the mean of an exponential tail
  int64_t Sample(Random& rng) const;
};

class Connection;

class Network : public sim::SimNetwork {
 public:
  Network(sim::Simulator* sim, uint64_t seed);
  ~Network() override;

  sim::Simulator* simulator() const { return sim_; }
  void set_default_latency(Latency l) { default_latency_ = l; }
  void set_link_latency(HostId a, HostId b, Latency l);
  void set_window_bytes(size_t n) { window_bytes_ = n; }
  size_t window_bytes() const { return window_bytes_; }

  // ---- Env-facing operations (called by a host's SimEnv) ------------------------------------
  Status Listen(HostId host, int port, AcceptHandler* handler,
                std::unique_ptr<Listener>* out) override;
  void Connect(HostId from, const std::string& address, int port, int64_t timeout_ns,
               Env::ConnectCallback done) override;
  // Removes a listener (called by the listener's destructor).
  void Unlisten(HostId host, int port);

  // ---- Faults -----------------------------------------------------------------------------
  // Splits hosts into groups: traffic between different groups is held. Hosts not named form
  // one more group together.
  void Partition(const std::vector<std::vector<HostId>>& groups);
  // Holds traffic from `from` to `to` only.
  void BlockOneWay(HostId from, HostId to);
  void Isolate(HostId host);
  // Removes every partition and one-way block; held traffic flows again.
  void Heal();
  // Delays everything between a and b (both ways) until `until_ns`.
  void Clog(HostId a, HostId b, int64_t until_ns);
  // The host crashed: its connections are reset (peers see an error), its listeners vanish.
  void ResetHost(HostId host);
  bool Blocked(HostId from, HostId to) const;

  // ---- Internals used by connections --------------------------------------------------------
  int64_t SampleLatency(HostId from, HostId to);
  int64_t ClogUntil(HostId a, HostId b) const;
  void RegisterStalled(Connection* c, int dir);
  void ForgetConnection(Connection* c);
  void RememberConnection(Connection* c);
  std::string AddressOf(HostId h) const { return sim_->host(h).address; }
  uint64_t NextConnectionId() { return next_conn_id_++; }

 private:
  struct ListenerEntry {
    AcceptHandler* handler;
  };
  void Kick();

  sim::Simulator* sim_;
  Random rng_;
  Latency default_latency_;
  std::map<std::pair<HostId, HostId>, Latency> link_latency_;
  size_t window_bytes_ = 16 * 1024 * 1024;
  std::map<std::pair<HostId, int>, ListenerEntry> listeners_;
  std::map<HostId, int> next_ephemeral_port_;
  std::map<HostId, int> group_of_;  // partition groups; empty = no partition
  std::set<std::pair<HostId, HostId>> one_way_blocks_;
  std::map<std::pair<HostId, HostId>, int64_t> clogs_;
  // By connection id, so iteration order never depends on addresses.
  std::map<uint64_t, Connection*> connections_;
  std::vector<std::pair<uint64_t, int>> stalled_;  // (connection id, direction)
  uint64_t next_conn_id_ = 1;
};

}  // namespace redsim::netsim
