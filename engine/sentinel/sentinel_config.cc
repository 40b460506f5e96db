#include "engine/sentinel/sentinel_config.h"

#include <cctype>

#include "engine/base/strutil.h"

namespace redsim {

namespace {

bool IsNonNegative(const std::string& s) {
  int64_t v;
  return ParseInt64(s, &v) && v >= 0;
}

bool IsPositive(const std::string& s) {
  int64_t v;
  return ParseInt64(s, &v) && v > 0;
}

bool IsPort(const std::string& s) {
  int64_t v;
  return ParseInt64(s, &v) && v > 0 && v < 65536;
}

bool IsYesNo(const std::string& s) {
  return EqualsIgnoreCase(s, "yes") || EqualsIgnoreCase(s, "no");
}

bool MasterDeclared(const std::string& name, const std::vector<std::vector<std::string>>& earlier) {
  for (const auto& d : earlier) {
    if (d.size() >= 2 && EqualsIgnoreCase(d[0], "monitor") && d[1] == name) return true;
  }
  return false;
}

// Directives that name a primary: (keyword, argument count including the name).
struct PerMaster {
  const char* keyword;
  size_t min_args;
  size_t max_args;
};

constexpr PerMaster kPerMaster[] = {
    {"down-after-milliseconds", 2, 2},
    {"failover-timeout", 2, 2},
    {"parallel-syncs", 2, 2},
    {"auth-pass", 2, 2},
    {"auth-user", 2, 2},
    {"config-epoch", 2, 2},
    {"leader-epoch", 2, 2},
    {"known-replica", 3, 3},
    {"known-slave", 3, 3},
    {"known-sentinel", 3, 4},
    {"master-reboot-down-after-period", 2, 2},
};

std::string ValidatePerMaster(const std::string& kw, const std::vector<std::string>& d) {
  if (kw == "down-after-milliseconds" || kw == "failover-timeout" || kw == "parallel-syncs") {
    if (!IsPositive(d[2])) return "Invalid value for '" + kw + "': must be a positive integer";
  } else if (kw == "config-epoch" || kw == "leader-epoch" ||
             kw == "master-reboot-down-after-period") {
    if (!IsNonNegative(d[2])) return "Invalid value for '" + kw + "'";
  } else if (kw == "known-replica" || kw == "known-slave" || kw == "known-sentinel") {
    if (!IsPort(d[3])) return "Invalid port for '" + kw + "'";
    if (d.size() == 5 && !IsRunId(d[4])) return "Invalid run id for 'known-sentinel'";
  }
  return "";
}

}  // namespace

bool IsRunId(const std::string& s) {
  if (s.size() != 40) return false;
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string ValidateSentinelDirective(const std::vector<std::string>& d,
                                      const std::vector<std::vector<std::string>>& earlier) {
  if (d.empty()) return "Unrecognized sentinel configuration statement.";
  std::string kw = ToLower(d[0]);
  size_t n = d.size() - 1;
  auto arity = [&](size_t want) { return n == want; };
  const char* wrong = "Wrong number of arguments for 'sentinel' directive";
  if (kw == "monitor") {
    if (!arity(4)) return wrong;
    if (!IsPort(d[3])) return "Invalid port for 'monitor'";
    if (!IsPositive(d[4])) return "Quorum must be 1 or greater.";
    if (MasterDeclared(d[1], earlier)) return "Duplicated master name.";
    return "";
  }
  for (const PerMaster& pm : kPerMaster) {
    if (kw != pm.keyword) continue;
    if (n < pm.min_args || n > pm.max_args) return wrong;
    if (!MasterDeclared(d[1], earlier)) return "No such master with specified name.";
    return ValidatePerMaster(kw, d);
  }
  if (kw == "myid") {
    if (!arity(1)) return wrong;
    return IsRunId(d[1]) ? "" : "Malformed Sentinel id in myid option.";
  }
  if (kw == "current-epoch") {
    if (!arity(1)) return wrong;
    return IsNonNegative(d[1]) ? "" : "Invalid value for 'current-epoch'";
  }
  if (kw == "announce-ip" || kw == "sentinel-user" || kw == "sentinel-pass") {
    return arity(1) ? "" : wrong;
  }
  if (kw == "announce-port") {
    if (!arity(1)) return wrong;
    int64_t v;
    return ParseInt64(d[1], &v) && v >= 0 && v < 65536 ? "" : "Invalid port for 'announce-port'";
  }
  if (kw == "deny-scripts-reconfig" || kw == "resolve-hostnames" || kw == "announce-hostnames") {
    if (!arity(1)) return wrong;
    return IsYesNo(d[1]) ? "" : "Please specify yes or no for the '" + kw + "' option.";
  }
  if (kw == "notification-script" || kw == "client-reconfig-script" || kw == "rename-command") {
    return "redsim does not support sentinel '" + kw + "' yet";
  }
  return "Unrecognized sentinel configuration statement.";
}

std::string HelloMessage::Format() const {
  return ip + "," + std::to_string(port) + "," + run_id + "," + std::to_string(current_epoch) +
         "," + master_name + "," + master_ip + "," + std::to_string(master_port) + "," +
         std::to_string(master_config_epoch);
}

bool HelloMessage::Parse(const std::string& text, HelloMessage* out) {
  std::vector<std::string> f;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    f.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
    if (f.size() > 8) return false;
  }
  if (f.size() != 8) return false;
  int64_t port, mport;
  if (!ParseInt64(f[1], &port) || port <= 0 || port > 65535) return false;
  if (!ParseInt64(f[6], &mport) || mport <= 0 || mport > 65535) return false;
  if (!ParseUint64(f[3], &out->current_epoch) || !ParseUint64(f[7], &out->master_config_epoch)) {
    return false;
  }
  if (f[0].empty() || f[4].empty() || f[5].empty() || !IsRunId(f[2])) return false;
  out->ip = f[0];
  out->port = static_cast<int>(port);
  out->run_id = f[2];
  out->master_name = f[4];
  out->master_ip = f[5];
  out->master_port = static_cast<int>(mport);
  return true;
}

}  // namespace redsim
