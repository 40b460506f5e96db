// Introspection: what the server records about the commands it runs — the slow log (SLOWLOG),
// latency spikes by event class (LATENCY), and the live command feed to MONITOR clients.
//
// Invariants:
//  * The slow log holds at most `slowlog-max-len` entries, each with at most 32 arguments of at
//    most 128 bytes (longer ones are cut with a "... (N more ...)" marker, as Redis cuts them),
//    so its memory is bounded whatever the commands were.
//  * Each latency event keeps at most kLatencySamples samples, one per second.
//  * Times come from the Env only: wall clock for timestamps, monotonic clock for durations.
//  * A MONITOR client is in monitors() exactly while it has kClientMonitor; freeing or RESETting
//    it removes it.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace redsim {

class Client;
class Env;
struct CommandContext;
struct ServerConfig;

// What Introspection needs from the node: narrow handles, not the server.
struct IntrospectionHandles {
  Env* env = nullptr;  // wall-clock seconds of SLOWLOG and LATENCY entries
  const ServerConfig* config = nullptr;
  std::function<bool()> loading;  // commands replayed while loading are not logged
  // A MONITOR client's reply buffer gained a line: flush it soon, and enforce its output limits.
  std::function<void(Client*)> schedule_flush;
  std::function<bool(Client*)> check_output_limits;
};

struct SlowLogEntry {
  int64_t id = 0;
  int64_t time_s = 0;  // Unix seconds when the command ran
  int64_t duration_us = 0;
  std::vector<std::string> args;  // already trimmed
  std::string peer_address;
  std::string client_name;
};

struct LatencySample {
  int64_t time_s = 0;
  int64_t latency_ms = 0;
};

struct LatencyEvent {
  std::deque<LatencySample> samples;  // oldest first
  int64_t max_ms = 0;
};

class Introspection {
 public:
  static constexpr size_t kLatencySamples = 160;
  static constexpr size_t kSlowLogMaxArgs = 32;
  static constexpr size_t kSlowLogMaxArgBytes = 128;

  explicit Introspection(IntrospectionHandles handles) : h_(std::move(handles)) {}

  // Called by the server after every command that ran (not one that is now blocked).
  void AfterCommand(CommandContext& ctx, int64_t duration_us);

  // ---- Slow log ---------------------------------------------------------------------------
  const std::deque<SlowLogEntry>& slowlog() const { return slowlog_; }  // newest first
  void ResetSlowLog() { slowlog_.clear(); }
  void AddSlowLogEntry(const Client* c, const std::vector<std::string_view>& args,
                       int64_t duration_us);

  // ---- Latency monitor ---------------------------------------------------------------------
  // Records a sample of `latency_ms` for `event` if it reaches latency-monitor-threshold.
  void AddLatencySample(const std::string& event, int64_t latency_ms);
  const std::map<std::string, LatencyEvent>& latency_events() const { return latency_; }
  // Forgets one event (returns whether it existed) or all (returns how many there were).
  bool ResetLatencyEvent(const std::string& event) { return latency_.erase(event) > 0; }
  size_t ResetAllLatency() {
    size_t n = latency_.size();
    latency_.clear();
    return n;
  }

  // ---- MONITOR ----------------------------------------------------------------------------
  void AddMonitor(Client* c);
  void RemoveMonitor(Client* c);
  const std::vector<Client*>& monitors() const { return monitors_; }
  // Sends one command line to every monitor: `source` is the client that ran it (its address
  // is printed; "lua" for commands run by scripts when `from_script`).
  void FeedMonitors(const Client* source, int db_index, const std::vector<std::string_view>& args,
                    bool from_script = false);

 private:
  IntrospectionHandles h_;
  std::deque<SlowLogEntry> slowlog_;
  int64_t next_slowlog_id_ = 0;
  std::map<std::string, LatencyEvent> latency_;
  std::vector<Client*> monitors_;
};

// Redis's quoting of a string for MONITOR and logs: "..." with \\ \" \n \r \t \a \b escaped and
// other non-printable bytes as \xhh.
std::string QuoteRepr(std::string_view s);

// The arguments as they may be shown (MONITOR, SLOWLOG): passwords of AUTH / HELLO AUTH are
// replaced by "(redacted)".
std::vector<std::string_view> RedactedArgs(const std::vector<std::string_view>& args);

}  // namespace redsim
