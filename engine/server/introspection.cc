#include "engine/server/introspection.h"

#include <algorithm>
#include <cstdio>

#include "engine/base/strutil.h"
#include "engine/server/client.h"
#include "engine/server/command.h"
#include "engine/server/command_context.h"
#include "engine/server/server.h"

namespace redsim {

std::string QuoteRepr(std::string_view s) {
  std::string out = "\"";
  for (unsigned char ch : s) {
    switch (ch) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      default:
        if (ch >= 32 && ch < 127) {
          out += static_cast<char>(ch);
        } else {
          char buf[8];
          snprintf(buf, sizeof(buf), "\\x%02x", ch);
          out += buf;
        }
    }
  }
  out += '"';
  return out;
}

std::vector<std::string_view> RedactedArgs(const std::vector<std::string_view>& args) {
  static constexpr std::string_view kRedacted = "(redacted)";
  std::vector<std::string_view> out = args;
  if (out.empty()) return out;
  if (EqualsIgnoreCase(out[0], "auth")) {
    for (size_t i = 1; i < out.size(); i++) out[i] = kRedacted;
  } else if (EqualsIgnoreCase(out[0], "hello")) {
    // HELLO [protover [AUTH username password] [SETNAME name]]: both AUTH values.
    for (size_t i = 2; i < out.size(); i++) {
      if (!EqualsIgnoreCase(out[i], "auth")) continue;
      for (size_t j = i + 1; j <= i + 2 && j < out.size(); j++) out[j] = kRedacted;
      i += 2;
    }
  }
  return out;
}

void Introspection::AfterCommand(CommandContext& ctx, int64_t duration_us) {
  const ServerConfig& config = *h_.config;
  Command* cmd = ctx.cmd;
  Client* c = ctx.client;
  if (config.slowlog_log_slower_than >= 0 && duration_us >= config.slowlog_log_slower_than &&
      !cmd->is(kCmdSkipSlowlog) && !c->has(kClientReprocessing)) {
    AddSlowLogEntry(c, ctx.args, duration_us);
  }
  if (config.latency_monitor_threshold > 0) {
    AddLatencySample(cmd->is(kCmdFast) ? "fast-command" : "command", duration_us / 1000);
  }
  if (!monitors_.empty() && !cmd->is(kCmdAdmin) && !cmd->is(kCmdSkipMonitor) &&
      !c->has(kClientReprocessing) && !h_.loading()) {
    FeedMonitors(c, c->db_index, ctx.args, c->has(kClientInScript));
  }
}

void Introspection::AddSlowLogEntry(const Client* c, const std::vector<std::string_view>& args,
                                    int64_t duration_us) {
  int64_t max_len = h_.config->slowlog_max_len;
  if (max_len <= 0) return;
  SlowLogEntry e;
  e.id = next_slowlog_id_++;
  e.time_s = h_.env->WallMicros() / 1000000;
  e.duration_us = duration_us;
  std::vector<std::string_view> shown = RedactedArgs(args);
  size_t kept = std::min(shown.size(), kSlowLogMaxArgs);
  for (size_t i = 0; i < kept; i++) {
    if (i == kSlowLogMaxArgs - 1 && shown.size() > kSlowLogMaxArgs) {
      e.args.push_back("... (" + std::to_string(shown.size() - i) + " more arguments)");
      break;
    }
    std::string_view a = shown[i];
    if (a.size() > kSlowLogMaxArgBytes) {
      e.args.push_back(std::string(a.substr(0, kSlowLogMaxArgBytes)) + "... (" +
                       std::to_string(a.size() - kSlowLogMaxArgBytes) + " more bytes)");
    } else {
      e.args.emplace_back(a);
    }
  }
  e.peer_address = c->peer_address;
  e.client_name = c->name;
  slowlog_.push_front(std::move(e));
  while (static_cast<int64_t>(slowlog_.size()) > max_len) slowlog_.pop_back();
}

void Introspection::AddLatencySample(const std::string& event, int64_t latency_ms) {
  int64_t threshold = h_.config->latency_monitor_threshold;
  if (threshold <= 0 || latency_ms < threshold) return;
  int64_t now_s = h_.env->WallMicros() / 1000000;
  LatencyEvent& ev = latency_[event];
  ev.max_ms = std::max(ev.max_ms, latency_ms);
  // One sample per second: a second spike in the same second keeps the larger value.
  if (!ev.samples.empty() && ev.samples.back().time_s == now_s) {
    ev.samples.back().latency_ms = std::max(ev.samples.back().latency_ms, latency_ms);
    return;
  }
  ev.samples.push_back({now_s, latency_ms});
  while (ev.samples.size() > kLatencySamples) ev.samples.pop_front();
}

void Introspection::AddMonitor(Client* c) {
  if (c->has(kClientMonitor)) return;
  c->flags |= kClientMonitor;
  monitors_.push_back(c);
}

void Introspection::RemoveMonitor(Client* c) {
  if (!c->has(kClientMonitor)) return;
  c->flags &= ~kClientMonitor;
  monitors_.erase(std::remove(monitors_.begin(), monitors_.end(), c), monitors_.end());
}

void Introspection::FeedMonitors(const Client* source, int db_index,
                                 const std::vector<std::string_view>& args, bool from_script) {
  if (monitors_.empty()) return;
  int64_t now_us = h_.env->WallMicros();
  char stamp[64];
  snprintf(stamp, sizeof(stamp), "+%lld.%06lld [%d ", static_cast<long long>(now_us / 1000000),
           static_cast<long long>(now_us % 1000000), db_index);
  std::string line = stamp;
  line += from_script ? std::string("lua") : source->peer_address;
  line += "]";
  for (std::string_view a : RedactedArgs(args)) {
    line += ' ';
    line += QuoteRepr(a);
  }
  line += "\r\n";
  // Delivery can close a monitor (output limit), which does not change this list until it is
  // freed; iterate over a copy anyway so that a future change cannot invalidate the loop.
  std::vector<Client*> targets = monitors_;
  for (Client* m : targets) {
    if (m->has(kClientCloseAsap)) continue;
    m->reply_buffer().append(line);
    h_.schedule_flush(m);
    h_.check_output_limits(m);
  }
}

}  // namespace redsim
