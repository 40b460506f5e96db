// Sentinel's persistent state: applying `sentinel` directives, the lines that describe the state,
// and the config file (read at start, rewritten atomically on every change).
#include <algorithm>

#include "engine/base/strutil.h"
#include "engine/sentinel/sentinel_core.h"
#include "engine/server/server.h"

namespace redsim {

// ---- Directives --------------------------------------------------------------------------

Status SentinelCore::ApplyDirectives(const std::vector<std::vector<std::string>>& directives) {
  for (const auto& d : directives) {
    std::string kw = ToLower(d[0]);
    auto fail = [&](const std::string& why) {
      std::string line = "sentinel";
      for (const auto& w : d) line += " " + w;
      return Status::InvalidArgument("'" + line + "': " + why);
    };
    int64_t n = 0;
    if (kw == "monitor") {
      ParseInt64(d[3], &n);
      int64_t q = 0;
      ParseInt64(d[4], &q);
      std::string err = Monitor(d[1], d[2], static_cast<int>(n), static_cast<int>(q));
      if (!err.empty()) return fail(err);
      continue;
    }
    if (kw == "myid") {
      my_id_ = ToLower(d[1]);
    } else if (kw == "current-epoch") {
      uint64_t e = 0;
      ParseUint64(d[1], &e);
      current_epoch_ = std::max(current_epoch_, e);
    } else if (kw == "announce-ip") {
      announce_ip = d[1];
    } else if (kw == "announce-port") {
      ParseInt64(d[1], &announce_port);
    } else if (kw == "deny-scripts-reconfig") {
      deny_scripts_reconfig = EqualsIgnoreCase(d[1], "yes");
    } else if (kw == "resolve-hostnames") {
      resolve_hostnames = EqualsIgnoreCase(d[1], "yes");
    } else if (kw == "announce-hostnames") {
      announce_hostnames = EqualsIgnoreCase(d[1], "yes");
    } else if (kw == "sentinel-user") {
      sentinel_user = d[1];
    } else if (kw == "sentinel-pass") {
      sentinel_pass = d[1];
    } else {
      SentinelInstance* m = FindMaster(d[1]);
      if (m == nullptr) return fail("No such master with specified name.");
      std::string err = ApplyMasterOption(m, kw, std::vector<std::string>(d.begin() + 2, d.end()));
      if (!err.empty()) return fail(err);
    }
  }
  return Status::Ok();
}

std::string SentinelCore::ApplyMasterOption(SentinelInstance* m, const std::string& kw,
                                            const std::vector<std::string>& v) {
  int64_t n = 0;
  uint64_t u = 0;
  if (kw == "down-after-milliseconds") {
    if (v.size() != 1 || !ParseInt64(v[0], &n) || n <= 0) return "Invalid value";
    m->down_after_ms = n;
    for (auto& [k, r] : m->replicas) r->down_after_ms = n;
    for (auto& [k, s] : m->sentinels) s->down_after_ms = n;
  } else if (kw == "failover-timeout") {
    if (v.size() != 1 || !ParseInt64(v[0], &n) || n <= 0) return "Invalid value";
    m->failover_timeout_ms = n;
  } else if (kw == "parallel-syncs") {
    if (v.size() != 1 || !ParseInt64(v[0], &n) || n <= 0) return "Invalid value";
    m->parallel_syncs = n;
  } else if (kw == "quorum") {
    if (v.size() != 1 || !ParseInt64(v[0], &n) || n <= 0) return "Invalid value";
    m->quorum = static_cast<int>(n);
  } else if (kw == "master-reboot-down-after-period") {
    if (v.size() != 1 || !ParseInt64(v[0], &n) || n < 0) return "Invalid value";
    m->master_reboot_down_after_ms = n;
  } else if (kw == "auth-pass") {
    if (v.size() != 1) return "Invalid value";
    m->auth_pass = v[0];
  } else if (kw == "auth-user") {
    if (v.size() != 1) return "Invalid value";
    m->auth_user = v[0];
  } else if (kw == "config-epoch") {
    if (v.size() != 1 || !ParseUint64(v[0], &u)) return "Invalid value";
    m->config_epoch = u;
  } else if (kw == "leader-epoch") {
    if (v.size() != 1 || !ParseUint64(v[0], &u)) return "Invalid value";
    m->leader_epoch = u;
  } else if (kw == "known-replica" || kw == "known-slave") {
    if (v.size() != 2 || !ParseInt64(v[1], &n)) return "Invalid value";
    std::string key = v[0] + ":" + v[1];
    if (m->replicas.count(key) == 0) AddInstance(m, kSriReplica, v[0], static_cast<int>(n), "");
  } else if (kw == "known-sentinel") {
    if (v.size() < 2 || !ParseInt64(v[1], &n)) return "Invalid value";
    std::string run_id = v.size() > 2 ? ToLower(v[2]) : "";
    if (run_id.empty() || m->sentinels.count(run_id) != 0) return "";
    AddInstance(m, kSriSentinel, v[0], static_cast<int>(n), run_id);
  } else {
    return "Unknown option or number of arguments for SENTINEL SET '" + kw + "'";
  }
  return "";
}

std::vector<std::string> SentinelCore::StateLines() const {
  std::vector<std::string> out;
  out.push_back("sentinel myid " + my_id_);
  if (!announce_ip.empty()) out.push_back("sentinel announce-ip " + announce_ip);
  if (announce_port != 0) out.push_back("sentinel announce-port " + std::to_string(announce_port));
  out.push_back(std::string("sentinel deny-scripts-reconfig ") +
                (deny_scripts_reconfig ? "yes" : "no"));
  out.push_back(std::string("sentinel resolve-hostnames ") + (resolve_hostnames ? "yes" : "no"));
  out.push_back(std::string("sentinel announce-hostnames ") + (announce_hostnames ? "yes" : "no"));
  if (!sentinel_user.empty()) out.push_back("sentinel sentinel-user " + sentinel_user);
  if (!sentinel_pass.empty()) out.push_back("sentinel sentinel-pass " + sentinel_pass);
  for (const auto& [name, m] : masters_) {
    const std::string& n = name;
    // Mid-failover (once the replica is promoted) the promoted replica is written as the
    // primary and the old primary takes its place among the replicas, as Redis writes it.
    std::string mip;
    int mport = 0;
    CurrentMasterAddress(m.get(), &mip, &mport);
    out.push_back("sentinel monitor " + n + " " + mip + " " + std::to_string(mport) + " " +
                  std::to_string(m->quorum));
    if (m->down_after_ms != timings_.default_down_after_ms) {
      out.push_back("sentinel down-after-milliseconds " + n + " " +
                    std::to_string(m->down_after_ms));
    }
    if (m->failover_timeout_ms != timings_.default_failover_timeout_ms) {
      out.push_back("sentinel failover-timeout " + n + " " +
                    std::to_string(m->failover_timeout_ms));
    }
    if (m->parallel_syncs != 1) {
      out.push_back("sentinel parallel-syncs " + n + " " + std::to_string(m->parallel_syncs));
    }
    if (!m->auth_pass.empty()) out.push_back("sentinel auth-pass " + n + " " + m->auth_pass);
    if (!m->auth_user.empty()) out.push_back("sentinel auth-user " + n + " " + m->auth_user);
    if (m->master_reboot_down_after_ms != 0) {
      out.push_back("sentinel master-reboot-down-after-period " + n + " " +
                    std::to_string(m->master_reboot_down_after_ms));
    }
    out.push_back("sentinel config-epoch " + n + " " + std::to_string(m->config_epoch));
    out.push_back("sentinel leader-epoch " + n + " " + std::to_string(m->leader_epoch));
    for (const auto& [k, r] : m->replicas) {
      bool is_current = r->ip == mip && r->port == mport;
      const std::string& rip = is_current ? m->ip : r->ip;
      int rport = is_current ? m->port : r->port;
      if (rip == mip && rport == mport) continue;
      out.push_back("sentinel known-replica " + n + " " + rip + " " + std::to_string(rport));
    }
    for (const auto& [k, s] : m->sentinels) {
      out.push_back("sentinel known-sentinel " + n + " " + s->ip + " " + std::to_string(s->port) +
                    " " + s->run_id);
    }
  }
  out.push_back("sentinel current-epoch " + std::to_string(current_epoch_));
  return out;
}

// Rewrites the config file as Redis does: the lines that are not Sentinel state are kept, the
// state follows. Written to a temporary file, synced, renamed over the old one, and the
// directory synced, so that a crash leaves either the old or the new file.
Status SentinelCore::FlushConfig() {
  if (config_file_.empty()) return Status::Ok();
  std::string text;
  for (const auto& l : preserved_lines_) text += l + "\n";
  text += "# Generated by CONFIG REWRITE\n";
  for (const auto& l : StateLines()) text += l + "\n";
  std::string tmp = config_file_ + ".tmp-redsim";
  std::unique_ptr<WritableFile> f;
  Status s = env_->OpenWritable(tmp, /*truncate=*/true, &f);
  if (s.ok()) s = f->Append(text);
  if (s.ok()) s = f->Sync();
  if (s.ok()) s = f->Close();
  if (s.ok()) s = env_->RenameFile(tmp, config_file_);
  if (s.ok()) {
    size_t slash = config_file_.rfind('/');
    s = env_->SyncDir(slash == std::string::npos ? "." : config_file_.substr(0, slash));
  }
  if (!s.ok())
    server_->log().Warning(
        "WARNING: Sentinel was not able to save the new configuration on disk!!!: {}", s.message());
  return s;
}

// Reads the config file (when there is one): its non-Sentinel lines are kept for rewrites, and
// its `sentinel` lines, when it has any, are the state to start from (they replace the
// directives the Server was built with, which in real mode came from this very file; in the
// simulator a restarted node thus resumes from what its disk holds).
Status SentinelCore::ReadConfigFile(std::vector<std::vector<std::string>>* directives) {
  if (config_file_.empty() || !env_->FileExists(config_file_)) return Status::Ok();
  std::string text;
  Status s = env_->ReadFileToString(config_file_, &text);
  if (!s.ok()) {
    return Status::IoError("Sentinel config file " + config_file_ +
                           " is not readable: " + s.message());
  }
  std::vector<std::vector<std::string>> from_file;
  size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    line_no++;
    auto args = SplitArgs(line);
    bool is_state = args && !args->empty() && EqualsIgnoreCase((*args)[0], "sentinel");
    if (line == "# Generated by CONFIG REWRITE") continue;
    if (!is_state) {
      preserved_lines_.push_back(line);
      continue;
    }
    std::vector<std::string> d(args->begin() + 1, args->end());
    std::string err = ValidateSentinelDirective(d, from_file);
    if (!err.empty()) {
      return Status::InvalidArgument(config_file_ + ", at line " + std::to_string(line_no) + ": '" +
                                     line + "': " + err);
    }
    from_file.push_back(std::move(d));
  }
  while (!preserved_lines_.empty() && preserved_lines_.back().empty()) preserved_lines_.pop_back();
  if (!from_file.empty()) *directives = std::move(from_file);
  return Status::Ok();
}

}  // namespace redsim
