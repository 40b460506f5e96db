#include "tests/support/differential.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "engine/base/strutil.h"

namespace redsim::testing {

namespace {

std::map<std::string, Normalizer>& Normalizers() {
  static auto* m = new std::map<std::string, Normalizer>();
  return *m;
}
std::map<std::string, Comparator>& Comparators() {
  static auto* m = new std::map<std::string, Comparator>();
  return *m;
}

std::map<std::string, Macro>& Macros() {
  static auto* m = new std::map<std::string, Macro>();
  return *m;
}

bool LessValue(const RespValue& a, const RespValue& b) { return a.ToString() < b.ToString(); }

// Finds the rule for `cmd`: "container|sub" first, then the command name.
template <typename Rule>
const Rule* FindRule(const std::map<std::string, Rule>& rules, const Command& cmd) {
  if (cmd.empty()) return nullptr;
  std::string name = ToLower(cmd[0]);
  if (cmd.size() > 1) {
    auto it = rules.find(name + "|" + ToLower(cmd[1]));
    if (it != rules.end()) return &it->second;
  }
  auto it = rules.find(name);
  return it == rules.end() ? nullptr : &it->second;
}

}  // namespace

bool RegisterMacro(const std::string& name, Macro m) {
  Macros()[ToLower(name)] = std::move(m);
  return true;
}

bool RegisterNormalizer(const std::string& command, Normalizer n) {
  Normalizers()[ToLower(command)] = std::move(n);
  return true;
}

bool RegisterComparator(const std::string& command, Comparator c) {
  Comparators()[ToLower(command)] = std::move(c);
  return true;
}

RespValue SortArrayReply(const Command&, RespValue reply) {
  if (reply.is_aggregate()) std::sort(reply.elements.begin(), reply.elements.end(), LessValue);
  return reply;
}

RespValue SortScanReply(const Command&, RespValue reply) {
  if (reply.type == RespValue::Type::kArray && reply.elements.size() == 2) {
    reply.elements[0] = RespValue::Bulk("<cursor>");
    auto& items = reply.elements[1].elements;
    std::sort(items.begin(), items.end(), LessValue);
  }
  return reply;
}

std::string AllMismatches(DifferentialPair* pair, const std::vector<Command>& cmds) {
  std::string out;
  for (const Command& cmd : cmds) {
    auto [redis, redsim] = pair->Run(cmd);
    if (redis.ToString() != redsim.ToString()) {
      out += FormatCommand(cmd) + "\n  redis:  " + redis.ToString() +
             "\n  redsim: " + redsim.ToString() + "\n";
    }
  }
  return out;
}

std::string FormatCommand(const Command& cmd) {
  std::string out;
  for (const auto& a : cmd) {
    if (!out.empty()) out += ' ';
    out += RespValue::Bulk(a).ToString();
  }
  return out;
}

static DifferentialPair* pair = nullptr;

std::unique_ptr<DifferentialPair> DifferentialPair::Create(std::vector<std::string> extra_args) {
  auto p = std::make_unique<DifferentialPair>();
  p->extra_args_ = extra_args;
  p->redis_ = ServerProcess::Start(ServerProcess::Kind::kRedis, extra_args);
  p->redsim_ = ServerProcess::Start(ServerProcess::Kind::kRedsim, extra_args);
  if (!p->redis_ || !p->redsim_) return nullptr;
  if (!p->Conn(0, 0).connected() || !p->Conn(1, 0).connected()) return nullptr;
  return p;
}

DifferentialPair* DifferentialPair::Get(std::vector<std::string> extra_args) {
  if (pair != nullptr) return pair;
  pair = Create(std::move(extra_args)).release();
  if (pair == nullptr) return nullptr;
  // Stop both servers when the test binary exits.
  atexit([] {
    delete pair;
    pair = nullptr;
  });
  return pair;
}

RespClient& DifferentialPair::Conn(int side, int n) {
  ServerProcess* process = side == 0 ? redis_.get() : redsim_.get();
  RespClient* conn;
  if (n == 0) {
    conn = side == 0 ? &redis_conn_ : &redsim_conn_;
  } else {
    auto& slot = extra_[side][n];
    if (!slot) slot = std::make_unique<RespClient>();
    conn = slot.get();
  }
  if (!conn->connected() && conn->Connect(process->port())) {
    // Remember who this connection is, for the "$id:N" / "$addr:N" placeholders.
    std::string line = conn->Call({"CLIENT", "INFO"}).str;
    auto field = [&](const std::string& name) {
      size_t pos = line.find(name + "=");
      if (pos == std::string::npos) return std::string();
      pos += name.size() + 1;
      return line.substr(pos, line.find(' ', pos) - pos);
    };
    ids_[side][n] = field("id");
    addrs_[side][n] = field("addr");
  }
  return *conn;
}

void DifferentialPair::Reset(const std::vector<Command>& extra) {
  for (int side = 0; side < 2; side++) {
    std::unique_ptr<ServerProcess>& process = side == 0 ? redis_ : redsim_;
    if (!process->Alive()) {
      // The previous case crashed this server: report it once, start a fresh one so that the
      // shrinker can keep searching for the smallest crashing sequence.
      fprintf(stderr, "differential: %s died; restarting it\n", side == 0 ? "redis" : "redsim");
      process = ServerProcess::Start(
          side == 0 ? ServerProcess::Kind::kRedis : ServerProcess::Kind::kRedsim, extra_args_);
      (side == 0 ? redis_conn_ : redsim_conn_).Close();
    }
    for (auto& c : extra_[side]) c.reset();
    for (auto& t : transactions_) t = Transaction();
    RespClient& conn = Conn(side, 0);
    conn.Call({"RESET"});
    conn.Call({"FLUSHALL"});
    conn.Call({"CONFIG", "RESETSTAT"});
    for (const auto& cmd : extra) conn.Call(cmd);
  }
}

std::string DifferentialPair::Placeholder(int side, const std::string& arg) {
  auto index = [&](size_t prefix_len) { return arg[prefix_len] - '0'; };
  auto valid = [&](size_t prefix_len) {
    return arg.size() == prefix_len + 1 && index(prefix_len) >= 0 &&
           index(prefix_len) < kMaxConnections;
  };
  if (arg.compare(0, 4, "$id:") == 0 && valid(4)) {
    Conn(side, index(4));
    return ids_[side][index(4)];
  }
  if (arg.compare(0, 6, "$addr:") == 0 && valid(6)) {
    Conn(side, index(6));
    return addrs_[side][index(6)];
  }
  return arg;
}

RespValue DifferentialPair::RunOn(int side, int n, const Command& cmd) {
  RespClient& conn = Conn(side, n);
  if (!cmd.empty() && !cmd[0].empty() && cmd[0][0] == '#') {
    auto it = Macros().find(ToLower(cmd[0]));
    if (it == Macros().end()) return RespValue::Error("<unknown macro " + cmd[0] + ">");
    return it->second(conn, cmd);
  }
  return conn.Call(cmd);
}

namespace {

// For long replies: where the printed forms first differ, with some context.
std::string FirstDifference(const RespValue& a, const RespValue& b) {
  std::string sa = a.ToString(), sb = b.ToString();
  if (sa.size() < 200 && sb.size() < 200) return "";
  size_t i = 0;
  while (i < sa.size() && i < sb.size() && sa[i] == sb[i]) i++;
  size_t from = i > 60 ? i - 60 : 0;
  return "\n  first difference at character " + std::to_string(i) + ":\n    redis:  ..." +
         sa.substr(from, 160) + "\n    redsim: ..." + sb.substr(from, 160);
}

bool IsClosed(const RespValue& v) {
  return v.is_error() && v.str.rfind("<connection error", 0) == 0;
}

// Whether `a` and `b` are equal for `cmd`, with its comparator if it has one.
bool Matches(const Command& cmd, const RespValue& a, const RespValue& b) {
  // A connection both servers closed is the same outcome whatever the socket error says.
  if (a == b || (IsClosed(a) && IsClosed(b))) return true;
  const Comparator* cmp = FindRule(Comparators(), cmd);
  return cmp != nullptr && (*cmp)(cmd, a, b);
}

}  // namespace

std::pair<RespValue, RespValue> DifferentialPair::Run(const Command& full) {
  Command cmd = full;
  int n = 0;
  if (!cmd.empty() && cmd[0].size() == 2 && cmd[0][0] == '@' && cmd[0][1] >= '0' &&
      cmd[0][1] < '0' + kMaxConnections) {
    n = cmd[0][1] - '0';
    cmd.erase(cmd.begin());
  }
  RespValue replies[2];
  for (int side = 0; side < 2; side++) {
    Command actual = cmd;
    for (auto& a : actual) a = Placeholder(side, a);
    replies[side] = RunOn(side, n, actual);
  }
  if (const Normalizer* norm = FindRule(Normalizers(), cmd)) {
    replies[0] = (*norm)(cmd, std::move(replies[0]));
    replies[1] = (*norm)(cmd, std::move(replies[1]));
  }
  TrackTransaction(n, cmd, replies);
  return {replies[0], replies[1]};
}

// Follows MULTI ... EXEC on each connection so that the elements of EXEC's reply get the rules
// of the commands that produced them (a TTL inside a transaction is as time-dependent as one
// outside). Only when both servers agreed on every step: otherwise the mismatch is reported.
void DifferentialPair::TrackTransaction(int n, const Command& cmd, RespValue* replies) {
  last_exec_queue_.clear();
  std::string name = cmd.empty() ? "" : ToLower(cmd[0]);
  Transaction& t = transactions_[n];
  bool agree = replies[0] == replies[1];
  if (name == "multi" && agree && replies[0].type == RespValue::Type::kSimple) {
    t.open = true;
    t.queued.clear();
  } else if (t.open && agree && replies[0].type == RespValue::Type::kSimple &&
             replies[0].str == "QUEUED") {
    t.queued.push_back(cmd);
  } else if (name == "exec" && t.open) {
    t.open = false;
    for (int side = 0; side < 2; side++) {
      RespValue& r = replies[side];
      if (r.type != RespValue::Type::kArray || r.elements.size() != t.queued.size()) continue;
      for (size_t i = 0; i < t.queued.size(); i++) {
        if (const Normalizer* norm = FindRule(Normalizers(), t.queued[i])) {
          r.elements[i] = (*norm)(t.queued[i], std::move(r.elements[i]));
        }
      }
    }
    last_exec_queue_ = std::move(t.queued);
    t.queued.clear();
  } else if (name == "discard" || name == "reset" || name == "quit" || IsClosed(replies[0])) {
    t.open = false;
    t.queued.clear();
  }
}

std::string DifferentialPair::CheckSequence(const std::vector<Command>& seq) {
  std::string transcript;
  for (const auto& cmd : seq) {
    auto [a, b] = Run(cmd);
    transcript += "  " + FormatCommand(cmd) + "\n    -> " + a.ToString() + "\n";
    Command plain = cmd;
    if (!plain.empty() && plain[0].size() == 2 && plain[0][0] == '@') plain.erase(plain.begin());
    bool equal = Matches(plain, a, b);
    // EXEC: element by element, each with the rules of the command it answers.
    if (!equal && !last_exec_queue_.empty() && a.type == RespValue::Type::kArray &&
        b.type == RespValue::Type::kArray && a.elements.size() == last_exec_queue_.size() &&
        b.elements.size() == last_exec_queue_.size()) {
      equal = true;
      for (size_t i = 0; i < last_exec_queue_.size() && equal; i++) {
        equal = Matches(last_exec_queue_[i], a.elements[i], b.elements[i]);
      }
    }
    if (!equal) {
      std::string crash;
      for (int side = 0; side < 2; side++) {
        ServerProcess& process = side == 0 ? *redis_ : *redsim_;
        if (!process.Alive()) crash += side == 0 ? " (redis-server died)" : " (redsim-server died)";
      }
      return "reply mismatch" + crash + " on " + FormatCommand(cmd) +
             "\n  redis:  " + a.ToString() + "\n  redsim: " + b.ToString() + FirstDifference(a, b) +
             "\nsequence:\n" + transcript;
    }
  }
  return "";
}

}  // namespace redsim::testing
