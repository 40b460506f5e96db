#include "engine/server/info.h"

#include <cinttypes>
#include <cstdio>
#include <set>

#include "engine/base/strutil.h"
#include "engine/persistence/persistence.h"
#include "engine/replication/replication.h"
#include "engine/scripting/scripting.h"
#include "engine/sentinel/sentinel.h"
#include "engine/server/pubsub.h"
#include "engine/server/server.h"
#include "engine/server/tracking.h"
#include "engine/types/lazy_free.h"

namespace redsim {

namespace {

std::string Flags(const Client* c) {
  std::string f;
  if (c->has(kClientMonitor)) f += 'O';
  if (c->has(kClientReplica)) f += 'S';
  if (c->has(kClientMaster)) f += 'M';
  if (c->has(kClientPubSub)) f += 'P';
  if (c->has(kClientMulti)) f += 'x';
  if (c->has(kClientBlocked)) f += 'b';
  if (c->has(kClientTracking)) f += 't';
  if (c->has(kClientDirtyCas)) f += 'd';
  if (c->has(kClientCloseAfterReply)) f += 'c';
  if (c->has(kClientUnblocked)) f += 'u';
  if (c->has(kClientCloseAsap)) f += 'A';
  if (c->has(kClientNoEvict)) f += 'e';
  if (f.empty()) f = "N";
  return f;
}

void Line(std::string* out, const char* name, const std::string& value) {
  out->append(name);
  out->push_back(':');
  out->append(value);
  out->append("\r\n");
}
void Line(std::string* out, const char* name, int64_t value) {
  Line(out, name, Int64ToString(value));
}
void LineU(std::string* out, const char* name, uint64_t value) {
  Line(out, name, Int64ToString(static_cast<int64_t>(value)));
}
std::string Fixed(double v, int digits) {
  char buf[64];
  snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

// Average over the cron samples of the last ~1.6 s, as Redis computes instantaneous metrics.
double Instantaneous(const ServerStats& s, uint64_t ServerStats::Sample::*field) {
  int n = std::min(s.sample_index, 16);
  if (n < 2) return 0;
  const auto& newest = s.samples[(s.sample_index - 1) % 16];
  const auto& oldest = s.samples[(s.sample_index - n) % 16];
  int64_t dt = newest.time_us - oldest.time_us;
  if (dt <= 0) return 0;
  return static_cast<double>(newest.*field - oldest.*field) * 1e6 / static_cast<double>(dt);
}

void ServerSection(Server* server, std::string* out) {
  Env* env = server->env();
  int64_t now_us = env->WallMicros();
  int64_t uptime = (now_us - server->start_time_us()) / 1000000;
  out->append("# Server\r\n");
  Line(out, "redis_version", kRedisVersion);
  Line(out, "redsim_version", kRedsimVersion);
  Line(out, "redis_git_sha1", "00000000");
  Line(out, "redis_git_dirty", "0");
  Line(out, "redis_build_id", "0");
  Line(out, "redis_mode", server->sentinel() != nullptr ? "sentinel" : "standalone");
  Line(out, "os", "Linux");
  Line(out, "arch_bits", "64");
  Line(out, "monotonic_clock", "env");
  Line(out, "multiplexing_api", "env");
  Line(out, "atomicvar_api", "c11-builtin");
  Line(out, "gcc_version",
       std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
           std::to_string(__GNUC_PATCHLEVEL__));
  Line(out, "process_id", env->ProcessId());
  Line(out, "process_supervised", "no");
  Line(out, "run_id", server->run_id());
  Line(out, "tcp_port", server->port());
  Line(out, "server_time_usec", now_us);
  Line(out, "uptime_in_seconds", uptime);
  Line(out, "uptime_in_days", uptime / 86400);
  Line(out, "hz", server->config().hz);
  Line(out, "configured_hz", server->config().hz);
  Line(out, "lru_clock", static_cast<int64_t>(server->LruClock()));
  Line(out, "executable", server->executable());
  Line(out, "config_file", server->config_file());
  Line(out, "io_threads_active", "0");
}

void ClientsSection(Server* server, std::string* out) {
  size_t max_in = 0, max_out = 0;
  for (const auto& [id, c] : server->clients()) {
    max_in = std::max(max_in, c->query_buffer_size());
    max_out = std::max(max_out, c->pending_reply_bytes());
  }
  out->append("# Clients\r\n");
  LineU(out, "connected_clients", server->connected_client_count());
  Line(out, "cluster_connections", "0");
  Line(out, "maxclients", server->config().maxclients);
  LineU(out, "client_recent_max_input_buffer", max_in);
  LineU(out, "client_recent_max_output_buffer", max_out);
  LineU(out, "blocked_clients", server->blocked_client_count());
  LineU(out, "tracking_clients", server->tracking().tracking_clients());
  LineU(out, "clients_in_timeout_table", server->blocked_client_count());
}

// Bytes the server spends outside the dataset: the startup baseline, client buffers and the key
// tables' own structures (buckets, entries, expiry index), as Redis's used_memory_overhead does.
uint64_t ClientBufferBytes(Server* server) {
  uint64_t bytes = 0;
  for (const auto& [id, c] : server->clients()) {
    bytes += c->query_buffer_capacity() + c->pending_reply_bytes();
  }
  return bytes;
}

uint64_t KeyspaceOverheadBytes(Server* server) {
  uint64_t bytes = 0;
  for (int i = 0; i < server->keyspace().db_count(); i++) {
    Database* db = server->keyspace().db(i);
    bytes += db->table().bucket_count() * sizeof(void*) + db->size() * sizeof(DbEntry) +
             db->volatile_count() * sizeof(void*);
  }
  return bytes;
}

std::string Ratio(double a, double b) { return Fixed(b > 0 ? a / b : 0.0, 2); }

void MemorySection(Server* server, std::string* out) {
  Env* env = server->env();
  uint64_t used = server->UsedMemory();
  uint64_t rss = env->ResidentBytes();
  server->stats().used_memory_peak = std::max(server->stats().used_memory_peak, used);
  uint64_t peak = server->stats().used_memory_peak;
  uint64_t startup = server->stats().used_memory_startup;
  uint64_t clients = ClientBufferBytes(server);
  uint64_t overhead = std::min<uint64_t>(used, startup + clients + KeyspaceOverheadBytes(server));
  uint64_t dataset = used - overhead;
  uint64_t net = used > startup ? used - startup : 0;
  out->append("# Memory\r\n");
  LineU(out, "used_memory", used);
  Line(out, "used_memory_human", HumanBytes(static_cast<double>(used)));
  LineU(out, "used_memory_rss", rss);
  Line(out, "used_memory_rss_human", HumanBytes(static_cast<double>(rss)));
  LineU(out, "used_memory_peak", peak);
  Line(out, "used_memory_peak_human", HumanBytes(static_cast<double>(peak)));
  Line(
      out, "used_memory_peak_perc",
      Fixed(peak ? 100.0 * static_cast<double>(used) / static_cast<double>(peak) : 100.0, 2) + "%");
  LineU(out, "used_memory_overhead", overhead);
  LineU(out, "used_memory_startup", startup);
  LineU(out, "used_memory_dataset", dataset);
  Line(out, "used_memory_dataset_perc",
       Fixed(net ? 100.0 * static_cast<double>(dataset) / static_cast<double>(net) : 0.0, 2) + "%");
  // The allocator's own view; redsim knows only the allocated total and the process RSS.
  LineU(out, "allocator_allocated", used);
  LineU(out, "allocator_active", used);
  LineU(out, "allocator_resident", rss);
  Line(out, "total_system_memory", "0");  // not known through the Env
  Line(out, "total_system_memory_human", "0B");
  // The Lua states' own counts (zero until the first script or function).
  Scripting* scripting = server->has_scripting() ? server->scripting() : nullptr;
  uint64_t vm_eval = scripting != nullptr ? scripting->EvalVmBytes() : 0;
  uint64_t vm_functions = scripting != nullptr ? scripting->FunctionVmBytes() : 0;
  LineU(out, "used_memory_lua", vm_eval);
  LineU(out, "used_memory_vm_eval", vm_eval);
  Line(out, "used_memory_lua_human", HumanBytes(static_cast<double>(vm_eval)));
  Line(out, "used_memory_scripts_eval", "0");
  LineU(out, "number_of_cached_scripts", scripting != nullptr ? scripting->cached_scripts() : 0);
  LineU(out, "number_of_functions", scripting != nullptr ? scripting->function_count() : 0);
  LineU(out, "number_of_libraries", scripting != nullptr ? scripting->library_count() : 0);
  LineU(out, "used_memory_vm_functions", vm_functions);
  LineU(out, "used_memory_vm_total", vm_eval + vm_functions);
  Line(out, "used_memory_vm_total_human", HumanBytes(static_cast<double>(vm_eval + vm_functions)));
  Line(out, "used_memory_functions", "0");
  Line(out, "used_memory_scripts", "0");
  Line(out, "used_memory_scripts_human", "0B");
  LineU(out, "maxmemory", static_cast<uint64_t>(server->config().maxmemory));
  Line(out, "maxmemory_human", HumanBytes(static_cast<double>(server->config().maxmemory)));
  Line(out, "maxmemory_policy", server->config().maxmemory_policy);
  Line(out, "allocator_frag_ratio", "1.00");
  Line(out, "allocator_frag_bytes", "0");
  Line(out, "allocator_rss_ratio", Ratio(static_cast<double>(rss), static_cast<double>(used)));
  Line(out, "allocator_rss_bytes", static_cast<int64_t>(rss) - static_cast<int64_t>(used));
  Line(out, "rss_overhead_ratio", "1.00");
  Line(out, "rss_overhead_bytes", "0");
  Line(out, "mem_fragmentation_ratio", Ratio(static_cast<double>(rss), static_cast<double>(used)));
  Line(out, "mem_fragmentation_bytes", static_cast<int64_t>(rss) - static_cast<int64_t>(used));
  Line(out, "mem_not_counted_for_evict", "0");
  Line(out, "mem_replication_backlog", "0");
  Line(out, "mem_total_replication_buffers", "0");
  Line(out, "mem_clients_slaves", "0");
  LineU(out, "mem_clients_normal", clients);
  Line(out, "mem_cluster_links", "0");
  Line(out, "mem_aof_buffer", "0");
  Line(out, "mem_allocator", env->AllocatorName());
  Line(out, "active_defrag_running", "0");
  Line(out, "lazyfree_pending_objects", std::to_string(server->lazy_freer().pending_objects()));
  Line(out, "lazyfreed_objects", std::to_string(server->lazy_freer().freed_objects()));
}

void PersistenceSection(Server* server, std::string* out) {
  Persistence* p = server->persistence();
  Aof* aof = p->aof();
  out->append("# Persistence\r\n");
  Line(out, "loading", p->loading() ? "1" : "0");
  Line(out, "async_loading", "0");
  Line(out, "current_cow_peak", "0");
  Line(out, "current_cow_size", "0");
  Line(out, "current_cow_size_age", "0");
  Line(out, "current_fork_perc", "0.00");
  Line(out, "current_save_keys_processed", "0");
  Line(out, "current_save_keys_total", "0");
  LineU(out, "rdb_changes_since_last_save", server->dirty - p->dirty_at_last_save());
  Line(out, "rdb_bgsave_in_progress", p->bgsave_in_progress() ? "1" : "0");
  Line(out, "rdb_last_save_time", p->last_save_time_s());
  Line(out, "rdb_last_bgsave_status", p->last_bgsave_ok() ? "ok" : "err");
  Line(out, "rdb_last_bgsave_time_sec", p->last_bgsave_duration_s());
  Line(out, "rdb_current_bgsave_time_sec", p->bgsave_in_progress() ? p->current_job_seconds() : -1);
  LineU(out, "rdb_saves", p->rdb_saves());
  Line(out, "rdb_last_cow_size", "0");
  LineU(out, "rdb_last_load_keys_expired", p->keys_expired_on_load());
  LineU(out, "rdb_last_load_keys_loaded", p->keys_loaded());
  Line(out, "aof_enabled", aof->enabled() ? "1" : "0");
  Line(out, "aof_rewrite_in_progress", p->aof_rewrite_in_progress() ? "1" : "0");
  Line(out, "aof_rewrite_scheduled", p->aof_rewrite_scheduled() ? "1" : "0");
  Line(out, "aof_last_rewrite_time_sec", p->last_rewrite_duration_s());
  Line(out, "aof_current_rewrite_time_sec",
       p->aof_rewrite_in_progress() ? p->current_job_seconds() : -1);
  Line(out, "aof_last_bgrewrite_status", p->last_bgrewrite_ok() ? "ok" : "err");
  LineU(out, "aof_rewrites", p->aof_rewrites());
  Line(out, "aof_rewrites_consecutive_failures", "0");
  Line(out, "aof_last_write_status", aof->last_write_ok() ? "ok" : "err");
  Line(out, "aof_last_cow_size", "0");
  Line(out, "module_fork_in_progress", "0");
  Line(out, "module_fork_last_cow_size", "0");
  if (aof->enabled()) {
    LineU(out, "aof_current_size", aof->current_size());
    LineU(out, "aof_base_size", aof->base_size());
    Line(out, "aof_pending_rewrite", "0");
    LineU(out, "aof_buffer_length", aof->buffer_length());
    Line(out, "aof_pending_bio_fsync", aof->fsync_in_progress() ? "1" : "0");
    LineU(out, "aof_delayed_fsync", aof->delayed_fsync());
  }
}

void StatsSection(Server* server, std::string* out) {
  const ServerStats& s = server->stats();
  out->append("# Stats\r\n");
  LineU(out, "total_connections_received", s.total_connections_received);
  LineU(out, "total_commands_processed", s.total_commands_processed);
  Line(out, "instantaneous_ops_per_sec",
       static_cast<int64_t>(Instantaneous(s, &ServerStats::Sample::commands)));
  LineU(out, "total_net_input_bytes", s.total_net_input_bytes);
  LineU(out, "total_net_output_bytes", s.total_net_output_bytes);
  Line(out, "total_net_repl_input_bytes", "0");
  Line(out, "total_net_repl_output_bytes", "0");
  Line(out, "instantaneous_input_kbps",
       Fixed(Instantaneous(s, &ServerStats::Sample::net_in) / 1024, 2));
  Line(out, "instantaneous_output_kbps",
       Fixed(Instantaneous(s, &ServerStats::Sample::net_out) / 1024, 2));
  Line(out, "instantaneous_input_repl_kbps", "0.00");
  Line(out, "instantaneous_output_repl_kbps", "0.00");
  LineU(out, "rejected_connections", s.rejected_connections);
  LineU(out, "sync_full", server->replication()->sync_full());
  LineU(out, "sync_partial_ok", server->replication()->sync_partial_ok());
  LineU(out, "sync_partial_err", server->replication()->sync_partial_err());
  LineU(out, "expired_keys", s.expired_keys);
  Line(out, "expired_stale_perc", "0.00");
  LineU(out, "expired_time_cap_reached_count", s.expired_time_cap_reached_count);
  LineU(out, "expire_cycle_cpu_milliseconds", s.expire_cycle_cpu_us / 1000);
  LineU(out, "evicted_keys", s.evicted_keys);
  Line(out, "evicted_clients", "0");
  Line(out, "total_eviction_exceeded_time", "0");
  Line(out, "current_eviction_exceeded_time", "0");
  LineU(out, "keyspace_hits", s.keyspace_hits);
  LineU(out, "keyspace_misses", s.keyspace_misses);
  LineU(out, "pubsub_channels", server->pubsub().channel_count());
  LineU(out, "pubsub_patterns", server->pubsub().pattern_count());
  LineU(out, "pubsubshard_channels", server->pubsub().shard_channel_count());
  Line(out, "latest_fork_usec", "0");
  Line(out, "total_forks", "0");
  for (const char* name :
       {"migrate_cached_sockets", "slave_expires_tracked_keys", "active_defrag_hits",
        "active_defrag_misses", "active_defrag_key_hits", "active_defrag_key_misses",
        "total_active_defrag_time", "current_active_defrag_time"}) {
    Line(out, name, "0");
  }
  LineU(out, "tracking_total_keys", server->tracking().tracked_keys());
  LineU(out, "tracking_total_items", server->tracking().tracked_items());
  LineU(out, "tracking_total_prefixes", server->tracking().prefix_count());
  LineU(out, "unexpected_error_replies", s.unexpected_error_replies);
  LineU(out, "total_error_replies", s.total_error_replies);
  Line(out, "dump_payload_sanitizations", "0");
  LineU(out, "total_reads_processed", s.total_reads_processed);
  LineU(out, "total_writes_processed", s.total_writes_processed);
  Line(out, "io_threaded_reads_processed", "0");
  Line(out, "io_threaded_writes_processed", "0");
  Line(out, "reply_buffer_shrinks", "0");
  Line(out, "reply_buffer_expands", "0");
}

void ReplicationSection(Server* server, std::string* out) {
  server->replication()->AppendInfo(out);
}

void CpuSection(Server* server, std::string* out) {
  double sys, user;
  server->env()->CpuSeconds(&sys, &user);
  out->append("# CPU\r\n");
  Line(out, "used_cpu_sys", Fixed(sys, 6));
  Line(out, "used_cpu_user", Fixed(user, 6));
  Line(out, "used_cpu_sys_children", "0.000000");
  Line(out, "used_cpu_user_children", "0.000000");
  Line(out, "used_cpu_sys_main_thread", Fixed(sys, 6));
  Line(out, "used_cpu_user_main_thread", Fixed(user, 6));
}

void CommandStatsLine(const Command* cmd, std::string* out) {
  if (cmd->calls == 0 && cmd->failed_calls == 0 && cmd->rejected_calls == 0) return;
  double per_call = cmd->calls ? static_cast<double>(cmd->microseconds) / cmd->calls : 0;
  out->append("cmdstat_" + cmd->name + ":calls=" + std::to_string(cmd->calls) + ",usec=" +
              std::to_string(cmd->microseconds) + ",usec_per_call=" + Fixed(per_call, 2) +
              ",rejected_calls=" + std::to_string(cmd->rejected_calls) +
              ",failed_calls=" + std::to_string(cmd->failed_calls) + "\r\n");
}

void CommandStatsSection(Server* server, std::string* out) {
  out->append("# Commandstats\r\n");
  for (Command* cmd : server->commands().All()) {
    // A container ("config") has a line of its own when it was called alone (and refused).
    CommandStatsLine(cmd, out);
    for (const auto& [name, sub] : cmd->subcommands) CommandStatsLine(sub.get(), out);
  }
}

void ErrorStatsSection(Server* server, std::string* out) {
  out->append("# Errorstats\r\n");
  for (const auto& [prefix, count] : server->error_stats()) {
    out->append("errorstat_" + prefix + ":count=" + std::to_string(count) + "\r\n");
  }
}

void LatencyStatsLine(Server* server, const Command* cmd, std::string* out) {
  if (!cmd->latency || cmd->latency->total() == 0) return;
  out->append("latency_percentiles_usec_" + cmd->name + ":");
  std::string list = server->config().latency_tracking_info_percentiles;
  size_t pos = 0;
  bool first = true;
  while (pos < list.size()) {
    size_t end = list.find(' ', pos);
    std::string p = list.substr(pos, end == std::string::npos ? end : end - pos);
    pos = end == std::string::npos ? list.size() : end + 1;
    double percentile;
    if (p.empty() || !ParseDouble(p, &percentile)) continue;
    if (!first) out->push_back(',');
    first = false;
    out->append("p" + p + "=" +
                Fixed(static_cast<double>(cmd->latency->Percentile(percentile)), 3));
  }
  out->append("\r\n");
}

void LatencyStatsSection(Server* server, std::string* out) {
  out->append("# Latencystats\r\n");
  for (Command* cmd : server->commands().All()) {
    if (cmd->has_subcommands()) {
      for (const auto& [name, sub] : cmd->subcommands) LatencyStatsLine(server, sub.get(), out);
    } else {
      LatencyStatsLine(server, cmd, out);
    }
  }
}

void KeyspaceSection(Server* server, std::string* out) {
  out->append("# Keyspace\r\n");
  for (int i = 0; i < server->keyspace().db_count(); i++) {
    Database* db = server->keyspace().db(i);
    if (db->size() == 0) continue;
    out->append("db" + std::to_string(i) + ":keys=" + std::to_string(db->size()) +
                ",expires=" + std::to_string(db->volatile_count()) +
                ",avg_ttl=" + std::to_string(db->avg_ttl_ms) + "\r\n");
  }
}

}  // namespace

std::string HumanBytes(double n) {
  char buf[64];
  if (n < 1024)
    snprintf(buf, sizeof(buf), "%" PRIu64 "B", static_cast<uint64_t>(n));
  else if (n < 1024.0 * 1024)
    snprintf(buf, sizeof(buf), "%.2fK", n / 1024);
  else if (n < 1024.0 * 1024 * 1024)
    snprintf(buf, sizeof(buf), "%.2fM", n / (1024.0 * 1024));
  else if (n < 1024.0 * 1024 * 1024 * 1024)
    snprintf(buf, sizeof(buf), "%.2fG", n / (1024.0 * 1024 * 1024));
  else
    snprintf(buf, sizeof(buf), "%.2fT", n / (1024.0 * 1024 * 1024 * 1024));
  return buf;
}

std::string ClientInfoLine(Server* server, const Client* c) {
  int64_t now = server->env()->NowMicros();
  std::string s;
  s += "id=" + std::to_string(c->id());
  s += " addr=" + c->peer_address;
  s += " laddr=" + c->local_address;
  s += " fd=" + std::to_string(c->has(kClientFake) ? -1 : static_cast<int64_t>(c->id()) + 7);
  s += " name=" + c->name;
  s += " age=" + std::to_string((now - c->created_us) / 1000000);
  s += " idle=" + std::to_string((now - c->last_interaction_us) / 1000000);
  s += " flags=" + Flags(c);
  s += " db=" + std::to_string(c->db_index);
  s += " sub=" + std::to_string(c->channels.size());
  s += " psub=" + std::to_string(c->patterns.size());
  s += " ssub=" + std::to_string(c->shard_channels.size());
  s += " multi=" +
       std::to_string(c->has(kClientMulti) ? static_cast<int64_t>(c->multi_queue.size()) : -1);
  s += " qbuf=" + std::to_string(c->query_buffer_size());
  s += " qbuf-free=" + std::to_string(c->query_buffer_capacity() - c->query_buffer_size());
  s += " argv-mem=0";
  s += " multi-mem=" + std::to_string(c->multi_bytes);
  s += " rbs=1024 rbp=0";
  s += " obl=" + std::to_string(c->pending_reply_bytes());
  s += " oll=0";
  s += " omem=" + std::to_string(c->pending_reply_bytes());
  s += " tot-mem=" + std::to_string(c->query_buffer_capacity() + c->pending_reply_bytes() + 1024);
  s += " events=r";
  s += " cmd=" + c->last_command;
  s += " user=" + c->user;
  // -1 without tracking, 0 when tracking without redirection, else the target's id.
  int64_t redir =
      (c->tracking_flags & kTrackingOn) ? static_cast<int64_t>(c->tracking_redirect) : -1;
  s += " redir=" + std::to_string(redir);
  s += " resp=" + std::to_string(c->resp);
  return s;
}

std::string BuildInfo(Server* server, const std::vector<std::string>& requested) {
  static const std::vector<std::string> kDefault = {
      "server", "clients", "memory",     "persistence", "stats",   "replication",
      "cpu",    "modules", "errorstats", "cluster",     "keyspace"};
  std::set<std::string> want;
  bool everything = false;
  if (requested.empty()) {
    want.insert(kDefault.begin(), kDefault.end());
  }
  for (const auto& r : requested) {
    std::string s = ToLower(r);
    if (s == "default")
      want.insert(kDefault.begin(), kDefault.end());
    else if (s == "all" || s == "everything") {
      everything = true;
      want.insert(kDefault.begin(), kDefault.end());
      want.insert("commandstats");
      want.insert("latencystats");
    } else {
      want.insert(s);
    }
  }
  (void)everything;
  std::string out;
  auto section = [&](const char* name, void (*fn)(Server*, std::string*)) {
    if (!want.count(name)) return;
    if (!out.empty()) out.append("\r\n");
    fn(server, &out);
  };
  section("server", ServerSection);
  section("clients", ClientsSection);
  section("memory", MemorySection);
  section("persistence", PersistenceSection);
  section("stats", StatsSection);
  section("replication", ReplicationSection);
  section("cpu", CpuSection);
  section("modules", [](Server*, std::string* o) { o->append("# Modules\r\n"); });
  section("commandstats", CommandStatsSection);
  section("errorstats", ErrorStatsSection);
  section("latencystats", LatencyStatsSection);
  section("cluster", [](Server* s, std::string* o) {
    o->append(s->cluster() != nullptr ? "# Cluster\r\ncluster_enabled:1\r\n"
                                      : "# Cluster\r\ncluster_enabled:0\r\n");
  });
  section("keyspace", KeyspaceSection);
  return out;
}

}  // namespace redsim
