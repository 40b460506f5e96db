#include "engine/server/config.h"

#include <algorithm>
#include <cinttypes>
#include <climits>
#include <sstream>

#include "engine/base/strutil.h"
#include "engine/sentinel/sentinel_config.h"

namespace redsim {

namespace {

using Field64 = int64_t ServerConfig::*;
using FieldBool = bool ServerConfig::*;
using FieldStr = std::string ServerConfig::*;

ConfigParam BoolParam(const char* name, FieldBool field, bool def, uint32_t flags = 0) {
  ConfigParam p;
  p.name = name;
  p.flags = flags;
  p.default_value = def ? "yes" : "no";
  p.get = [field](const ServerConfig& c) { return std::string(c.*field ? "yes" : "no"); };
  p.set = [field](ServerConfig& c, std::string_view v) -> std::string {
    if (EqualsIgnoreCase(v, "yes"))
      c.*field = true;
    else if (EqualsIgnoreCase(v, "no"))
      c.*field = false;
    else
      return "argument must be 'yes' or 'no'";
    return "";
  };
  return p;
}

ConfigParam IntParam(const char* name, Field64 field, int64_t min, int64_t max, int64_t def,
                     uint32_t flags = 0) {
  ConfigParam p;
  p.name = name;
  p.flags = flags;
  p.default_value = Int64ToString(def);
  p.get = [field](const ServerConfig& c) { return Int64ToString(c.*field); };
  p.set = [field, min, max](ServerConfig& c, std::string_view v) -> std::string {
    int64_t n;
    if (!ParseInt64(v, &n)) return "argument couldn't be parsed into an integer";
    if (n < min || n > max) {
      return "argument must be between " + Int64ToString(min) + " and " + Int64ToString(max) +
             " inclusive";
    }
    c.*field = n;
    return "";
  };
  return p;
}

ConfigParam MemoryParam(const char* name, Field64 field, int64_t min, int64_t max, int64_t def,
                        uint32_t flags = 0) {
  ConfigParam p;
  p.name = name;
  p.flags = flags;
  p.default_value = Int64ToString(def);
  p.get = [field](const ServerConfig& c) { return Int64ToString(c.*field); };
  p.set = [field, min, max](ServerConfig& c, std::string_view v) -> std::string {
    int64_t n;
    if (!ParseMemory(v, &n)) return "argument must be a memory value";
    if (n < min || n > max) {
      return "argument must be between " + Int64ToString(min) + " and " + Int64ToString(max) +
             " inclusive";
    }
    c.*field = n;
    return "";
  };
  return p;
}

ConfigParam EnumParam(const char* name, FieldStr field, std::vector<std::string> values,
                      const char* def, uint32_t flags = 0) {
  ConfigParam p;
  p.name = name;
  p.flags = flags;
  p.default_value = def;
  p.get = [field](const ServerConfig& c) { return c.*field; };
  p.set = [field, values](ServerConfig& c, std::string_view v) -> std::string {
    for (const auto& e : values) {
      if (EqualsIgnoreCase(e, v)) {
        c.*field = e;
        return "";
      }
    }
    std::string err = "argument(s) must be one of the following: ";
    for (size_t i = 0; i < values.size(); i++) {
      if (i > 0) err += ", ";
      err += values[i];
    }
    return err;
  };
  return p;
}

ConfigParam StringParam(const char* name, FieldStr field, const char* def, uint32_t flags = 0) {
  ConfigParam p;
  p.name = name;
  p.flags = flags;
  p.default_value = def;
  p.get = [field](const ServerConfig& c) { return c.*field; };
  p.set = [field](ServerConfig& c, std::string_view v) -> std::string {
    c.*field = std::string(v);
    return "";
  };
  return p;
}

// A parameter of a feature redsim does not have: CONFIG GET shows the Redis default, and only
// that default can be set.
ConfigParam Unsupported(const char* name, const char* def, const char* feature,
                        uint32_t flags = 0) {
  ConfigParam p;
  p.name = name;
  p.flags = flags;
  p.default_value = def;
  std::string value = def;
  p.get = [value](const ServerConfig&) { return value; };
  p.set = [](ServerConfig&, std::string_view) -> std::string { return ""; };
  p.missing_feature = feature;
  p.placeholder = true;
  return p;
}

// A parameter whose accepted value is stored clamped to [lo, hi] (CONFIG GET shows the clamp).
ConfigParam Clamped(ConfigParam p, Field64 field, int64_t lo, int64_t hi) {
  auto inner = p.set;
  p.set = [inner, field, lo, hi](ServerConfig& c, std::string_view v) -> std::string {
    std::string err = inner(c, v);
    if (err.empty()) c.*field = std::clamp(c.*field, lo, hi);
    return err;
  };
  return p;
}

ConfigParam WithAlias(ConfigParam p, const char* alias) {
  p.alias = alias;
  return p;
}

ConfigParam Missing(ConfigParam p, const char* feature) {
  p.missing_feature = feature;
  return p;
}

std::string JoinWords(const std::vector<std::string>& words) {
  std::string out;
  for (size_t i = 0; i < words.size(); i++) {
    if (i > 0) out += ' ';
    out += words[i];
  }
  return out;
}

std::vector<std::string> SplitWords(std::string_view v) {
  std::vector<std::string> out;
  std::istringstream in{std::string(v)};
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

ConfigParam SaveParam() {
  ConfigParam p;
  p.name = "save";
  p.default_value = "3600 1 300 100 60 10000";
  p.get = [](const ServerConfig& c) {
    std::string out;
    for (const auto& sp : c.save) {
      if (!out.empty()) out += ' ';
      out += Int64ToString(sp.seconds) + " " + Int64ToString(sp.changes);
    }
    return out;
  };
  p.set = [](ServerConfig& c, std::string_view v) -> std::string {
    auto words = SplitWords(v);
    if (words.size() % 2 != 0) return "Invalid save parameters";
    std::vector<SavePoint> points;
    for (size_t i = 0; i < words.size(); i += 2) {
      int64_t secs, changes;
      if (!ParseInt64(words[i], &secs) || !ParseInt64(words[i + 1], &changes) || secs < 1 ||
          changes < 0) {
        return "Invalid save parameters";
      }
      points.push_back({secs, changes});
    }
    c.save = std::move(points);
    return "";
  };
  return p;
}

ConfigParam BindParam() {
  ConfigParam p;
  p.name = "bind";
  p.default_value = "127.0.0.1";
  p.get = [](const ServerConfig& c) { return JoinWords(c.bind); };
  p.set = [](ServerConfig& c, std::string_view v) -> std::string {
    auto words = SplitWords(v);
    if (words.size() > 16) return "Too many bind addresses specified.";
    c.bind = words;
    return "";
  };
  return p;
}

ConfigParam OutputBufferParam() {
  ConfigParam p;
  p.name = "client-output-buffer-limit";
  p.default_value = "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60";
  auto render = [](const OutputBufferLimit& l) {
    return Int64ToString(l.hard_bytes) + " " + Int64ToString(l.soft_bytes) + " " +
           Int64ToString(l.soft_seconds);
  };
  p.get = [render](const ServerConfig& c) {
    return "normal " + render(c.obuf_normal) + " slave " + render(c.obuf_replica) + " pubsub " +
           render(c.obuf_pubsub);
  };
  p.set = [](ServerConfig& c, std::string_view v) -> std::string {
    auto words = SplitWords(v);
    if (words.empty() || words.size() % 4 != 0)
      return "Wrong number of arguments in buffer limit configuration.";
    ServerConfig tmp = c;
    for (size_t i = 0; i < words.size(); i += 4) {
      OutputBufferLimit* target;
      std::string cls = ToLower(words[i]);
      if (cls == "normal")
        target = &tmp.obuf_normal;
      else if (cls == "slave" || cls == "replica")
        target = &tmp.obuf_replica;
      else if (cls == "pubsub")
        target = &tmp.obuf_pubsub;
      else
        return "Invalid client class specified in buffer limit configuration.";
      int64_t hard, soft, secs;
      if (!ParseMemory(words[i + 1], &hard) || !ParseMemory(words[i + 2], &soft) ||
          !ParseInt64(words[i + 3], &secs) || hard < 0 || soft < 0 || secs < 0) {
        return "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
      }
      *target = {hard, soft, secs};
    }
    c.obuf_normal = tmp.obuf_normal;
    c.obuf_replica = tmp.obuf_replica;
    c.obuf_pubsub = tmp.obuf_pubsub;
    return "";
  };
  return p;
}

// Keyspace notification classes. The value kept is every enabled letter ("A" expanded), so that
// nothing is lost: Redis prints "A" alone for all classes even when 'n' (new keys, not part of
// "A") is also on, yet still delivers "new" events.
ConfigParam NotifyParam() {
  ConfigParam p;
  p.name = "notify-keyspace-events";
  p.default_value = "";
  p.get = [](const ServerConfig& c) {
    // Printed back as Redis does: "A" when every class (g$lshzxetd) is on, else the classes in
    // that order and then 'n'; then K, E and m (key misses).
    const std::string& v = c.notify_keyspace_events;
    auto has = [&](char ch) { return v.find(ch) != std::string::npos; };
    const std::string_view all_classes = "g$lshzxetd";
    bool all = true;
    for (char ch : all_classes) all = all && has(ch);
    std::string out;
    if (all) {
      out += 'A';
    } else {
      for (char ch : all_classes) {
        if (has(ch)) out += ch;
      }
      if (has('n')) out += 'n';
    }
    if (has('K')) out += 'K';
    if (has('E')) out += 'E';
    if (has('m')) out += 'm';
    return out;
  };
  p.set = [](ServerConfig& c, std::string_view v) -> std::string {
    for (char ch : v) {
      if (std::string_view("Ag$lshzxeKEtmdn").find(ch) == std::string_view::npos) {
        return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
      }
    }
    auto has = [&](char ch) { return v.find(ch) != std::string_view::npos; };
    std::string letters;
    for (char ch : std::string_view("g$lshzxetdnKEm")) {
      bool in_all = ch != 'n' && ch != 'K' && ch != 'E' && ch != 'm';
      if (has(ch) || (in_all && has('A'))) letters += ch;
    }
    c.notify_keyspace_events = letters;
    return "";
  };
  return p;
}

ConfigParam DirParam() {
  ConfigParam p;
  p.name = "dir";
  // Protected, as in Redis: with dbfilename and SAVE it would write files anywhere.
  p.flags = kConfigProtected;
  p.default_value = ".";
  p.get = [](const ServerConfig& c) { return c.dir; };
  p.set = [](ServerConfig& c, std::string_view v) -> std::string {
    if (v.empty()) return "No such file or directory";
    c.dir = std::string(v);
    return "";
  };
  return p;
}

}  // namespace

// The cluster-* parameters beyond enabled/timeout/config-file (engine/cluster reads them).
static void AddClusterParams(std::vector<ConfigParam>& v) {
  const int64_t kIntMax = INT_MAX;
  const int64_t kLongMax = LLONG_MAX;
  v.push_back(IntParam("cluster-port", &ServerConfig::cluster_port, 0, 65535, 0, kConfigImmutable));
  v.push_back(BoolParam("cluster-require-full-coverage",
                        &ServerConfig::cluster_require_full_coverage, true));
  v.push_back(BoolParam("cluster-allow-reads-when-down",
                        &ServerConfig::cluster_allow_reads_when_down, false));
  v.push_back(BoolParam("cluster-allow-pubsubshard-when-down",
                        &ServerConfig::cluster_allow_pubsubshard_when_down, true));
  v.push_back(BoolParam("cluster-allow-replica-migration",
                        &ServerConfig::cluster_allow_replica_migration, true));
  v.push_back(WithAlias(
      BoolParam("cluster-replica-no-failover", &ServerConfig::cluster_replica_no_failover, false),
      "cluster-slave-no-failover"));
  v.push_back(WithAlias(IntParam("cluster-replica-validity-factor",
                                 &ServerConfig::cluster_replica_validity_factor, 0, kIntMax, 10),
                        "cluster-slave-validity-factor"));
  v.push_back(IntParam("cluster-migration-barrier", &ServerConfig::cluster_migration_barrier, 0,
                       kIntMax, 1));
  v.push_back(StringParam("cluster-announce-ip", &ServerConfig::cluster_announce_ip, ""));
  v.push_back(
      StringParam("cluster-announce-hostname", &ServerConfig::cluster_announce_hostname, ""));
  v.push_back(IntParam("cluster-announce-port", &ServerConfig::cluster_announce_port, 0, 65535, 0));
  v.push_back(
      IntParam("cluster-announce-bus-port", &ServerConfig::cluster_announce_bus_port, 0, 65535, 0));
  v.push_back(
      IntParam("cluster-announce-tls-port", &ServerConfig::cluster_announce_tls_port, 0, 65535, 0));
  v.push_back(MemoryParam("cluster-link-sendbuf-limit", &ServerConfig::cluster_link_sendbuf_limit,
                          0, kLongMax, 0));
  v.push_back(EnumParam("cluster-preferred-endpoint-type",
                        &ServerConfig::cluster_preferred_endpoint_type,
                        {"ip", "hostname", "unknown-endpoint"}, "ip"));
}

ConfigRegistry::ConfigRegistry() {
  const int64_t kIntMax = INT_MAX;
  const int64_t kLongMax = LLONG_MAX;
  const std::vector<std::string> yes_no_local = {"no", "yes", "local"};
  auto& v = params_;
  // Network.
  v.push_back(IntParam("port", &ServerConfig::port, 0, 65535, 6379));
  v.push_back(BindParam());
  v.push_back(
      IntParam("tcp-backlog", &ServerConfig::tcp_backlog, 0, kIntMax, 511, kConfigImmutable));
  v.push_back(IntParam("timeout", &ServerConfig::timeout, 0, kIntMax, 0));
  v.push_back(IntParam("tcp-keepalive", &ServerConfig::tcp_keepalive, 0, kIntMax, 300));
  v.push_back(BoolParam("protected-mode", &ServerConfig::protected_mode, true));
  v.push_back(IntParam("maxclients", &ServerConfig::maxclients, 1, kIntMax, 10000));
  v.push_back(Missing(StringParam("unixsocket", &ServerConfig::unixsocket, "", kConfigImmutable),
                      "unix sockets"));
  v.push_back(Unsupported("unixsocketperm", "0", "unix sockets", kConfigImmutable));
  v.push_back(Unsupported("bind-source-addr", "", "bind-source-addr"));
  v.push_back(Unsupported("socket-mark-id", "0", "socket marks", kConfigImmutable));
  // General.
  v.push_back(IntParam("databases", &ServerConfig::databases, 1, kIntMax, 16, kConfigImmutable));
  v.push_back(EnumParam("loglevel", &ServerConfig::loglevel,
                        {"debug", "verbose", "notice", "warning"}, "notice"));
  v.push_back(StringParam("logfile", &ServerConfig::logfile, "", kConfigImmutable));
  v.push_back(DirParam());
  v.push_back(StringParam("pidfile", &ServerConfig::pidfile, "", kConfigImmutable));
  v.push_back(BoolParam("daemonize", &ServerConfig::daemonize, false, kConfigImmutable));
  v.back().missing_feature = "daemonize";
  // Redis accepts any hz from 0 up and silently clamps it to 1..500.
  v.push_back(
      Clamped(IntParam("hz", &ServerConfig::hz, 0, kIntMax, 10), &ServerConfig::hz, 1, 500));
  v.push_back(BoolParam("dynamic-hz", &ServerConfig::dynamic_hz, true));
  v.push_back(BoolParam("activerehashing", &ServerConfig::activerehashing, true));
  v.push_back(IntParam("active-expire-effort", &ServerConfig::active_expire_effort, 1, 10, 1));
  v.push_back(EnumParam("enable-debug-command", &ServerConfig::enable_debug_command, yes_no_local,
                        "no", kConfigImmutable));
  v.push_back(EnumParam("enable-protected-configs", &ServerConfig::enable_protected_configs,
                        yes_no_local, "no", kConfigImmutable));
  v.push_back(EnumParam("enable-module-command", &ServerConfig::enable_module_command, yes_no_local,
                        "no", kConfigImmutable));
  v.push_back(MemoryParam("proto-max-bulk-len", &ServerConfig::proto_max_bulk_len, 1024 * 1024,
                          kLongMax, 512LL * 1024 * 1024));
  v.push_back(MemoryParam("client-query-buffer-limit", &ServerConfig::client_query_buffer_limit,
                          1024 * 1024, kLongMax, 1024LL * 1024 * 1024));
  v.push_back(StringParam("requirepass", &ServerConfig::requirepass, "", kConfigSensitive));
  v.push_back(StringParam("aclfile", &ServerConfig::aclfile, "", kConfigImmutable));
  v.push_back(IntParam("acllog-max-len", &ServerConfig::acllog_max_len, 0, kLongMax, 128));
  v.push_back(EnumParam("acl-pubsub-default", &ServerConfig::acl_pubsub_default,
                        {"allchannels", "resetchannels"}, "resetchannels"));
  v.push_back(OutputBufferParam());
  const std::vector<std::string> shutdown_flags = {"default", "save", "nosave", "now", "force"};
  v.push_back(StringParam("shutdown-on-sigint", &ServerConfig::shutdown_on_sigint, "default"));
  v.push_back(StringParam("shutdown-on-sigterm", &ServerConfig::shutdown_on_sigterm, "default"));
  v.push_back(IntParam("shutdown-timeout", &ServerConfig::shutdown_timeout, 0, kIntMax, 10));
  v.push_back(BoolParam("crash-log-enabled", &ServerConfig::crash_log_enabled, true));
  v.push_back(Unsupported("crash-memcheck-enabled", "yes", "crash memory checks"));
  v.push_back(
      BoolParam("always-show-logo", &ServerConfig::always_show_logo, false, kConfigImmutable));
  v.push_back(Unsupported("supervised", "no", "supervision (systemd/upstart)", kConfigImmutable));
  v.push_back(Unsupported("syslog-enabled", "no", "syslog", kConfigImmutable));
  v.push_back(Unsupported("syslog-ident", "redis", "syslog", kConfigImmutable));
  v.push_back(Unsupported("syslog-facility", "local0", "syslog", kConfigImmutable));
  v.push_back(Unsupported("set-proc-title", "yes", "process titles", kConfigImmutable));
  v.push_back(
      Unsupported("proc-title-template", "{title} {listen-addr} {server-mode}", "process titles"));
  v.push_back(Unsupported("io-threads", "1", "I/O threads", kConfigImmutable));
  v.push_back(Unsupported("io-threads-do-reads", "no", "I/O threads", kConfigImmutable));
  v.push_back(Unsupported("disable-thp", "yes", "transparent huge page control", kConfigImmutable));
  v.push_back(Unsupported("jemalloc-bg-thread", "yes", "jemalloc background threads"));
  v.push_back(Unsupported("oom-score-adj", "no", "OOM score adjustment"));
  v.push_back(Unsupported("oom-score-adj-values", "0 200 800", "OOM score adjustment"));
  v.push_back(Unsupported("server_cpulist", "", "CPU affinity", kConfigImmutable));
  v.push_back(Unsupported("bio_cpulist", "", "CPU affinity", kConfigImmutable));
  v.push_back(Unsupported("aof_rewrite_cpulist", "", "CPU affinity", kConfigImmutable));
  v.push_back(Unsupported("bgsave_cpulist", "", "CPU affinity", kConfigImmutable));
  v.push_back(Unsupported("ignore-warnings", "", "ignore-warnings"));
  v.push_back(Unsupported("propagation-error-behavior", "ignore", "propagation-error-behavior"));
  // Memory.
  v.push_back(MemoryParam("maxmemory", &ServerConfig::maxmemory, 0, kLongMax, 0));
  v.push_back(EnumParam("maxmemory-policy", &ServerConfig::maxmemory_policy,
                        {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
                         "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"},
                        "noeviction"));
  v.push_back(IntParam("maxmemory-samples", &ServerConfig::maxmemory_samples, 1, 64, 5));
  v.push_back(IntParam("maxmemory-eviction-tenacity", &ServerConfig::maxmemory_eviction_tenacity, 0,
                       100, 10));
  v.push_back(MemoryParam("maxmemory-clients", &ServerConfig::maxmemory_clients, 0, kLongMax, 0));
  v.push_back(IntParam("lfu-log-factor", &ServerConfig::lfu_log_factor, 0, kIntMax, 10));
  v.push_back(IntParam("lfu-decay-time", &ServerConfig::lfu_decay_time, 0, kIntMax, 1));
  v.push_back(BoolParam("lazyfree-lazy-eviction", &ServerConfig::lazyfree_lazy_eviction, false));
  v.push_back(BoolParam("lazyfree-lazy-expire", &ServerConfig::lazyfree_lazy_expire, false));
  v.push_back(
      BoolParam("lazyfree-lazy-server-del", &ServerConfig::lazyfree_lazy_server_del, false));
  v.push_back(BoolParam("lazyfree-lazy-user-del", &ServerConfig::lazyfree_lazy_user_del, false));
  v.push_back(
      BoolParam("lazyfree-lazy-user-flush", &ServerConfig::lazyfree_lazy_user_flush, false));
  v.push_back(Unsupported("activedefrag", "no", "active defragmentation"));
  v.push_back(Unsupported("active-defrag-cycle-max", "25", "active defragmentation"));
  v.push_back(Unsupported("active-defrag-cycle-min", "1", "active defragmentation"));
  v.push_back(Unsupported("active-defrag-ignore-bytes", "104857600", "active defragmentation"));
  v.push_back(Unsupported("active-defrag-max-scan-fields", "1000", "active defragmentation"));
  v.push_back(Unsupported("active-defrag-threshold-lower", "10", "active defragmentation"));
  v.push_back(Unsupported("active-defrag-threshold-upper", "100", "active defragmentation"));
  // Encodings.
  v.push_back(WithAlias(MemoryParam("hash-max-listpack-entries",
                                    &ServerConfig::hash_max_listpack_entries, 0, kLongMax, 512),
                        "hash-max-ziplist-entries"));
  v.push_back(WithAlias(MemoryParam("hash-max-listpack-value",
                                    &ServerConfig::hash_max_listpack_value, 0, kLongMax, 64),
                        "hash-max-ziplist-value"));
  v.push_back(MemoryParam("set-max-intset-entries", &ServerConfig::set_max_intset_entries, 0,
                          kLongMax, 512));
  v.push_back(WithAlias(MemoryParam("zset-max-listpack-entries",
                                    &ServerConfig::zset_max_listpack_entries, 0, kLongMax, 128),
                        "zset-max-ziplist-entries"));
  v.push_back(WithAlias(MemoryParam("zset-max-listpack-value",
                                    &ServerConfig::zset_max_listpack_value, 0, kLongMax, 64),
                        "zset-max-ziplist-value"));
  v.push_back(WithAlias(IntParam("list-max-listpack-size", &ServerConfig::list_max_listpack_size,
                                 INT_MIN, kIntMax, -2),
                        "list-max-ziplist-size"));
  v.push_back(IntParam("list-compress-depth", &ServerConfig::list_compress_depth, 0, kIntMax, 0));
  v.push_back(MemoryParam("stream-node-max-bytes", &ServerConfig::stream_node_max_bytes, 0,
                          kLongMax, 4096));
  v.push_back(IntParam("stream-node-max-entries", &ServerConfig::stream_node_max_entries, 0,
                       kLongMax, 100));
  v.push_back(
      MemoryParam("hll-sparse-max-bytes", &ServerConfig::hll_sparse_max_bytes, 0, kLongMax, 3000));
  // Persistence.
  v.push_back(BoolParam("appendonly", &ServerConfig::appendonly, false));
  v.push_back(EnumParam("appendfsync", &ServerConfig::appendfsync, {"always", "everysec", "no"},
                        "everysec"));
  v.push_back(StringParam("appendfilename", &ServerConfig::appendfilename, "appendonly.aof",
                          kConfigImmutable));
  v.push_back(StringParam("appenddirname", &ServerConfig::appenddirname, "appendonlydir",
                          kConfigImmutable));
  v.push_back(BoolParam("aof-load-truncated", &ServerConfig::aof_load_truncated, true));
  v.push_back(BoolParam("aof-use-rdb-preamble", &ServerConfig::aof_use_rdb_preamble, true));
  v.push_back(BoolParam("aof-timestamp-enabled", &ServerConfig::aof_timestamp_enabled, false));
  v.push_back(BoolParam("aof-rewrite-incremental-fsync",
                        &ServerConfig::aof_rewrite_incremental_fsync, true));
  v.push_back(BoolParam("aof-disable-auto-gc", &ServerConfig::aof_disable_auto_gc, false));
  v.push_back(
      BoolParam("no-appendfsync-on-rewrite", &ServerConfig::no_appendfsync_on_rewrite, false));
  v.push_back(IntParam("auto-aof-rewrite-percentage", &ServerConfig::auto_aof_rewrite_percentage, 0,
                       kIntMax, 100));
  v.push_back(MemoryParam("auto-aof-rewrite-min-size", &ServerConfig::auto_aof_rewrite_min_size, 0,
                          kLongMax, 64LL * 1024 * 1024));
  v.push_back(SaveParam());
  v.push_back(StringParam("dbfilename", &ServerConfig::dbfilename, "dump.rdb", kConfigProtected));
  v.push_back(BoolParam("rdbcompression", &ServerConfig::rdbcompression, true));
  v.push_back(BoolParam("rdbchecksum", &ServerConfig::rdbchecksum, true, kConfigImmutable));
  v.push_back(BoolParam("rdb-del-sync-files", &ServerConfig::rdb_del_sync_files, false));
  v.push_back(
      BoolParam("rdb-save-incremental-fsync", &ServerConfig::rdb_save_incremental_fsync, true));
  v.push_back(
      BoolParam("stop-writes-on-bgsave-error", &ServerConfig::stop_writes_on_bgsave_error, true));
  v.push_back(EnumParam("sanitize-dump-payload", &ServerConfig::sanitize_dump_payload,
                        {"no", "yes", "clients"}, "no"));
  // Replication.
  v.push_back(WithAlias(StringParam("replicaof", &ServerConfig::replicaof, "", kConfigImmutable),
                        "slaveof"));
  v.push_back(StringParam("masterauth", &ServerConfig::masterauth, "", kConfigSensitive));
  v.push_back(StringParam("masteruser", &ServerConfig::masteruser, ""));
  v.push_back(WithAlias(BoolParam("replica-read-only", &ServerConfig::replica_read_only, true),
                        "slave-read-only"));
  v.push_back(WithAlias(
      BoolParam("replica-serve-stale-data", &ServerConfig::replica_serve_stale_data, true),
      "slave-serve-stale-data"));
  v.push_back(
      MemoryParam("repl-backlog-size", &ServerConfig::repl_backlog_size, 1, kLongMax, 1024 * 1024));
  v.push_back(IntParam("repl-backlog-ttl", &ServerConfig::repl_backlog_ttl, 0, kIntMax, 3600));
  v.push_back(IntParam("repl-timeout", &ServerConfig::repl_timeout, 1, kIntMax, 60));
  v.push_back(WithAlias(
      IntParam("repl-ping-replica-period", &ServerConfig::repl_ping_replica_period, 1, kIntMax, 10),
      "repl-ping-slave-period"));
  v.push_back(BoolParam("repl-diskless-sync", &ServerConfig::repl_diskless_sync, true));
  v.push_back(
      IntParam("repl-diskless-sync-delay", &ServerConfig::repl_diskless_sync_delay, 0, kIntMax, 5));
  v.push_back(IntParam("repl-diskless-sync-max-replicas",
                       &ServerConfig::repl_diskless_sync_max_replicas, 0, kIntMax, 0));
  v.push_back(EnumParam("repl-diskless-load", &ServerConfig::repl_diskless_load,
                        {"disabled", "on-empty-db", "swapdb"}, "disabled"));
  v.push_back(
      BoolParam("repl-disable-tcp-nodelay", &ServerConfig::repl_disable_tcp_nodelay, false));
  v.push_back(WithAlias(
      IntParam("min-replicas-to-write", &ServerConfig::min_replicas_to_write, 0, kIntMax, 0),
      "min-slaves-to-write"));
  v.push_back(WithAlias(
      IntParam("min-replicas-max-lag", &ServerConfig::min_replicas_max_lag, 0, kIntMax, 10),
      "min-slaves-max-lag"));
  v.push_back(
      WithAlias(IntParam("replica-priority", &ServerConfig::replica_priority, 0, kIntMax, 100),
                "slave-priority"));
  v.push_back(WithAlias(BoolParam("replica-lazy-flush", &ServerConfig::replica_lazy_flush, false),
                        "slave-lazy-flush"));
  v.push_back(WithAlias(
      BoolParam("replica-ignore-maxmemory", &ServerConfig::replica_ignore_maxmemory, true),
      "slave-ignore-maxmemory"));
  v.push_back(WithAlias(StringParam("replica-announce-ip", &ServerConfig::replica_announce_ip, ""),
                        "slave-announce-ip"));
  v.push_back(WithAlias(
      IntParam("replica-announce-port", &ServerConfig::replica_announce_port, 0, 65535, 0),
      "slave-announce-port"));
  v.push_back(BoolParam("replica-announced", &ServerConfig::replica_announced, true));
  v.push_back(
      Unsupported("replica-ignore-disk-write-errors", "no", "replica-ignore-disk-write-errors"));
  // Scripting.
  v.push_back(WithAlias(
      IntParam("busy-reply-threshold", &ServerConfig::busy_reply_threshold, 0, kLongMax, 5000),
      "lua-time-limit"));
  // Introspection.
  v.push_back(IntParam("slowlog-log-slower-than", &ServerConfig::slowlog_log_slower_than, -1,
                       kLongMax, 10000));
  v.push_back(IntParam("slowlog-max-len", &ServerConfig::slowlog_max_len, 0, kLongMax, 128));
  v.push_back(IntParam("latency-monitor-threshold", &ServerConfig::latency_monitor_threshold, 0,
                       kLongMax, 0));
  v.push_back(BoolParam("latency-tracking", &ServerConfig::latency_tracking, true));
  v.push_back(StringParam("latency-tracking-info-percentiles",
                          &ServerConfig::latency_tracking_info_percentiles, "50 99 99.9"));
  v.push_back(NotifyParam());
  v.push_back(IntParam("tracking-table-max-keys", &ServerConfig::tracking_table_max_keys, 0,
                       kLongMax, 1000000));
  // Cluster.
  v.push_back(
      BoolParam("cluster-enabled", &ServerConfig::cluster_enabled, false, kConfigImmutable));
  v.push_back(
      IntParam("cluster-node-timeout", &ServerConfig::cluster_node_timeout, 0, kLongMax, 15000));
  v.push_back(StringParam("cluster-config-file", &ServerConfig::cluster_config_file, "nodes.conf",
                          kConfigImmutable));
  AddClusterParams(v);
  // TLS.
  for (const auto& [name, def] :
       std::vector<std::pair<const char*, const char*>>{{"tls-port", "0"},
                                                        {"tls-auth-clients", "yes"},
                                                        {"tls-ca-cert-dir", ""},
                                                        {"tls-ca-cert-file", ""},
                                                        {"tls-cert-file", ""},
                                                        {"tls-ciphers", ""},
                                                        {"tls-ciphersuites", ""},
                                                        {"tls-client-cert-file", ""},
                                                        {"tls-client-key-file", ""},
                                                        {"tls-client-key-file-pass", ""},
                                                        {"tls-cluster", "no"},
                                                        {"tls-dh-params-file", ""},
                                                        {"tls-key-file", ""},
                                                        {"tls-key-file-pass", ""},
                                                        {"tls-prefer-server-ciphers", "no"},
                                                        {"tls-protocols", ""},
                                                        {"tls-replication", "no"},
                                                        {"tls-session-cache-size", "20480"},
                                                        {"tls-session-cache-timeout", "300"},
                                                        {"tls-session-caching", "yes"}}) {
    v.push_back(Unsupported(name, def, "TLS"));
  }
}

const ConfigRegistry& ConfigRegistry::Get() {
  static const ConfigRegistry* registry = new ConfigRegistry();
  return *registry;
}

const ConfigParam* ConfigRegistry::Find(std::string_view name) const {
  for (const auto& p : params_) {
    if (EqualsIgnoreCase(p.name, name) || (!p.alias.empty() && EqualsIgnoreCase(p.alias, name))) {
      return &p;
    }
  }
  return nullptr;
}

std::string ConfigRegistry::Set(ServerConfig& cfg, std::string_view name, std::string_view value,
                                bool startup) const {
  const ConfigParam* p = Find(name);
  if (p == nullptr) return "unknown";
  if (!startup && (p->flags & kConfigImmutable)) return "can't set immutable config";
  if (!startup && (p->flags & kConfigProtected) && cfg.enable_protected_configs == "no") {
    return "can't set protected config";
  }
  if (!p->missing_feature.empty()) {
    // Compare with the default: as text for placeholders (their getter always shows the
    // default), in canonical form for parameters with real storage.
    bool is_default = EqualsIgnoreCase(value, p->default_value);
    if (!is_default && !p->placeholder) {
      ServerConfig probe;
      is_default = p->set(probe, value).empty() && p->get(probe) == p->default_value;
    }
    if (!is_default) {
      return "redsim does not support " + p->missing_feature + " yet; '" + p->name +
             "' can only be set to its default ('" + p->default_value + "')";
    }
  }
  return p->set(cfg, value);
}

std::string ConfigRegistry::LoadText(ServerConfig& cfg, std::string_view text,
                                     std::string_view origin) const {
  int line_no = 0;
  size_t pos = 0;
  bool save_seen = false;  // the first "save" line replaces the defaults, later ones add
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    line_no++;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.remove_suffix(1);
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string_view::npos || line[start] == '#') continue;
    line.remove_prefix(start);
    auto fail = [&](const std::string& why) {
      return "\n*** FATAL CONFIG FILE ERROR (redsim) ***\nReading the configuration file (" +
             std::string(origin) + "), at line " + std::to_string(line_no) + "\n>>> '" +
             std::string(line) + "'\n" + why;
    };
    auto args = SplitArgs(line);
    if (!args) return fail("Unbalanced quotes in configuration line");
    if (args->empty()) continue;
    std::string name = ToLower((*args)[0]);
    if (name == "include") return fail("include is not supported by redsim yet");
    if (name == "user") {
      if (args->size() < 2) return fail("Bad directive or wrong number of arguments");
      cfg.user_directives.emplace_back(args->begin() + 1, args->end());
      continue;
    }
    if (name == "sentinel") {
      std::vector<std::string> directive(args->begin() + 1, args->end());
      std::string err = ValidateSentinelDirective(directive, cfg.sentinel_directives);
      if (!err.empty()) return fail(err);
      cfg.sentinel_directives.push_back(std::move(directive));
      continue;
    }
    const ConfigParam* p = Find(name);
    if (p == nullptr) return fail("Bad directive or wrong number of arguments");
    std::string value;
    for (size_t i = 1; i < args->size(); i++) {
      if (i > 1) value += ' ';
      value += (*args)[i];
    }
    // "save" and "bind" accumulate over several lines in redis.conf; other directives take the
    // last value.
    if (name == "save" && args->size() == 3 && save_seen && !cfg.save.empty()) {
      value = p->get(cfg) + " " + value;
    }
    if (name == "save") save_seen = true;
    std::string err = Set(cfg, name, value, /*startup=*/true);
    if (!err.empty()) return fail(err);
  }
  return "";
}

}  // namespace redsim
