// Server configuration: the typed values the engine reads (ServerConfig) and the registry of
// named parameters that CONFIG GET/SET, the command line and redis.conf files go through.
//
// Names, aliases, defaults, value formats and error texts follow Redis 7.0. Parameters of features
// redsim does not have (yet) are recognised: their default can be read and set, any other value
// is refused with an error naming the missing feature, never silently ignored.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace redsim {

struct SavePoint {
  int64_t seconds;
  int64_t changes;
};

struct OutputBufferLimit {
  int64_t hard_bytes = 0;
  int64_t soft_bytes = 0;
  int64_t soft_seconds = 0;
};

struct ServerConfig {
  // Network.
  int64_t port = 6379;
  std::vector<std::string> bind = {"127.0.0.1"};
  int64_t tcp_backlog = 511;
  int64_t timeout = 0;
  int64_t tcp_keepalive = 300;
  bool protected_mode = true;
  int64_t maxclients = 10000;
  std::string unixsocket;

  // General.
  int64_t databases = 16;
  std::string loglevel = "notice";
  std::string logfile;
  std::string dir = ".";
  std::string pidfile;
  bool daemonize = false;
  int64_t hz = 10;
  bool dynamic_hz = true;
  bool activerehashing = true;
  int64_t active_expire_effort = 1;
  std::string enable_debug_command = "no";  // yes | no | local
  std::string enable_protected_configs = "no";
  std::string enable_module_command = "no";
  int64_t proto_max_bulk_len = 512LL * 1024 * 1024;
  int64_t client_query_buffer_limit = 1024LL * 1024 * 1024;
  std::string requirepass;
  std::string aclfile;
  int64_t acllog_max_len = 128;
  std::string acl_pubsub_default = "resetchannels";
  OutputBufferLimit obuf_normal;
  OutputBufferLimit obuf_replica{256LL * 1024 * 1024, 64LL * 1024 * 1024, 60};
  OutputBufferLimit obuf_pubsub{32LL * 1024 * 1024, 8LL * 1024 * 1024, 60};
  std::string shutdown_on_sigint = "default";
  std::string shutdown_on_sigterm = "default";
  int64_t shutdown_timeout = 10;
  bool crash_log_enabled = true;
  bool always_show_logo = false;

  // Memory.
  int64_t maxmemory = 0;
  std::string maxmemory_policy = "noeviction";
  int64_t maxmemory_samples = 5;
  int64_t maxmemory_eviction_tenacity = 10;
  int64_t maxmemory_clients = 0;
  int64_t lfu_log_factor = 10;
  int64_t lfu_decay_time = 1;
  bool lazyfree_lazy_eviction = false;
  bool lazyfree_lazy_expire = false;
  bool lazyfree_lazy_server_del = false;
  bool lazyfree_lazy_user_del = false;
  bool lazyfree_lazy_user_flush = false;

  // Encodings.
  int64_t hash_max_listpack_entries = 512;
  int64_t hash_max_listpack_value = 64;
  int64_t set_max_intset_entries = 512;
  int64_t zset_max_listpack_entries = 128;
  int64_t zset_max_listpack_value = 64;
  int64_t list_max_listpack_size = -2;
  int64_t list_compress_depth = 0;
  int64_t stream_node_max_bytes = 4096;
  int64_t stream_node_max_entries = 100;
  int64_t hll_sparse_max_bytes = 3000;

  // Persistence.
  bool appendonly = false;
  std::string appendfsync = "everysec";
  std::string appendfilename = "appendonly.aof";
  std::string appenddirname = "appendonlydir";
  bool aof_load_truncated = true;
  bool aof_use_rdb_preamble = true;
  bool aof_timestamp_enabled = false;
  bool aof_rewrite_incremental_fsync = true;
  bool aof_disable_auto_gc = false;
  bool no_appendfsync_on_rewrite = false;
  int64_t auto_aof_rewrite_percentage = 100;
  int64_t auto_aof_rewrite_min_size = 64LL * 1024 * 1024;
  std::vector<SavePoint> save = {{3600, 1}, {300, 100}, {60, 10000}};
  std::string dbfilename = "dump.rdb";
  bool rdbcompression = true;
  bool rdbchecksum = true;
  bool rdb_del_sync_files = false;
  bool rdb_save_incremental_fsync = true;
  bool stop_writes_on_bgsave_error = true;
  std::string sanitize_dump_payload = "no";

  // Replication.
  std::string replicaof;  // "host port" or empty
  std::string masterauth;
  std::string masteruser;
  bool replica_read_only = true;
  bool replica_serve_stale_data = true;
  int64_t repl_backlog_size = 1024 * 1024;
  int64_t repl_backlog_ttl = 3600;
  int64_t repl_timeout = 60;
  int64_t repl_ping_replica_period = 10;
  bool repl_diskless_sync = true;
  int64_t repl_diskless_sync_delay = 5;
  int64_t repl_diskless_sync_max_replicas = 0;
  std::string repl_diskless_load = "disabled";
  bool repl_disable_tcp_nodelay = false;
  int64_t min_replicas_to_write = 0;
  int64_t min_replicas_max_lag = 10;
  int64_t replica_priority = 100;
  bool replica_lazy_flush = false;
  bool replica_ignore_maxmemory = true;
  std::string replica_announce_ip;
  int64_t replica_announce_port = 0;
  bool replica_announced = true;

  // Scripting.
  int64_t busy_reply_threshold = 5000;

  // Introspection.
  int64_t slowlog_log_slower_than = 10000;
  int64_t slowlog_max_len = 128;
  int64_t latency_monitor_threshold = 0;
  bool latency_tracking = true;
  std::string latency_tracking_info_percentiles = "50 99 99.9";
  std::string notify_keyspace_events;  // enabled letters, "A" expanded (see config.cc)
  int64_t tracking_table_max_keys = 1000000;

  // Cluster.
  bool cluster_enabled = false;
  int64_t cluster_node_timeout = 15000;
  std::string cluster_config_file = "nodes.conf";
  int64_t cluster_port = 0;  // the bus port; 0 = port + 10000
  bool cluster_require_full_coverage = true;
  bool cluster_allow_reads_when_down = false;
  bool cluster_allow_pubsubshard_when_down = true;
  bool cluster_allow_replica_migration = true;
  bool cluster_replica_no_failover = false;
  int64_t cluster_replica_validity_factor = 10;
  int64_t cluster_migration_barrier = 1;
  std::string cluster_announce_ip;
  std::string cluster_announce_hostname;
  int64_t cluster_announce_port = 0;
  int64_t cluster_announce_bus_port = 0;
  int64_t cluster_announce_tls_port = 0;
  int64_t cluster_link_sendbuf_limit = 0;
  std::string cluster_preferred_endpoint_type = "ip";  // ip | hostname | unknown-endpoint

  // Sentinel (engine/sentinel/sentinel.h): the node runs as a Sentinel when set (--sentinel, or
  // the binary named redsim-sentinel). Each `sentinel ...` line of the config, validated and in
  // file order, without the leading "sentinel".
  bool sentinel_mode = false;
  std::vector<std::vector<std::string>> sentinel_directives;
  // `user <name> <rule>...` lines of the config file (Redis writes one for the default user when
  // it rewrites a config, a Sentinel's included), applied to the ACL at startup.
  std::vector<std::vector<std::string>> user_directives;

  // Testbed only (no CONFIG name, off by default): when N > 0, every Nth plain SET replies OK
  // without changing anything — a deliberately broken engine that sweeps must catch. Only the
  // simulator sets it (`redsim run --config debug-drop-acked-writes-every=N`).
  int64_t debug_drop_acked_writes_every = 0;
};

// One named parameter. `get` renders the value as CONFIG GET shows it; `set` validates and stores
// it, returning an error text (without "ERR ...") or an empty string.
struct ConfigParam {
  std::string name;
  std::string alias;
  uint32_t flags = 0;
  std::string default_value;
  std::function<std::string(const ServerConfig&)> get;
  std::function<std::string(ServerConfig&, std::string_view)> set;
  // Non-empty when redsim lacks the feature: only the default value is accepted.
  std::string missing_feature;
  // True when the parameter has no storage at all (its getter always shows the default).
  bool placeholder = false;
};

enum ConfigFlag : uint32_t {
  kConfigImmutable = 1 << 0,  // only at startup
  kConfigSensitive = 1 << 1,  // value hidden in logs
  kConfigProtected = 1 << 2,  // needs enable-protected-configs
};

class ConfigRegistry {
 public:
  // The registry of every parameter Redis 7.0 knows.
  static const ConfigRegistry& Get();

  const ConfigParam* Find(std::string_view name) const;
  const std::vector<ConfigParam>& params() const { return params_; }

  // Sets one parameter; `startup` allows immutable ones. Returns "" or the reason it failed,
  // worded as the part after "- " in Redis's CONFIG SET error.
  std::string Set(ServerConfig& cfg, std::string_view name, std::string_view value,
                  bool startup) const;

  // Applies redis.conf text (and command-line directives, which use the same syntax). Returns ""
  // or a multi-line error naming the line, as redis-server prints it.
  std::string LoadText(ServerConfig& cfg, std::string_view text, std::string_view origin) const;

 private:
  ConfigRegistry();
  std::vector<ConfigParam> params_;
};

}  // namespace redsim
