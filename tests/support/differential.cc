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

bool LessValue(const RespValue& a, const RespValue& b) { return a.ToString() < b.ToString(); }

}  // namespace

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

std::string FormatCommand(const Command& cmd) {
  std::string out;
  for (const auto& a : cmd) {
    if (!out.empty()) out += ' ';
    out += RespValue::Bulk(a).ToString();
  }
  return out;
}

static DifferentialPair* pair = nullptr;

DifferentialPair* DifferentialPair::Get(std::vector<std::string> extra_args) {
  if (pair != nullptr) return pair;
  auto p = std::make_unique<DifferentialPair>();
  p->redis_ = ServerProcess::Start(ServerProcess::Kind::kRedis, extra_args);
  p->redsim_ = ServerProcess::Start(ServerProcess::Kind::kRedsim, extra_args);
  if (!p->redis_ || !p->redsim_) return nullptr;
  if (!p->redis_conn_.Connect(p->redis_->port()) || !p->redsim_conn_.Connect(p->redsim_->port())) {
    return nullptr;
  }
  pair = p.release();
  // Stop both servers when the test binary exits.
  atexit([] {
    delete pair;
    pair = nullptr;
  });
  return pair;
}

void DifferentialPair::Reset() {
  for (const auto& pc : {std::make_pair(&redis_conn_, redis_.get()),
                   std::make_pair(&redsim_conn_, redsim_.get())}) {
    RespClient* conn = pc.first;
    if (!conn->connected()) conn->Connect(pc.second->port());
    conn->Call({"RESET"});
    conn->Call({"FLUSHALL"});
  }
}

std::pair<RespValue, RespValue> DifferentialPair::Run(const Command& cmd) {
  RespValue a = redis_conn_.Call(cmd);
  RespValue b = redsim_conn_.Call(cmd);
  auto it = cmd.empty() ? Normalizers().end() : Normalizers().find(ToLower(cmd[0]));
  if (it != Normalizers().end()) {
    a = it->second(cmd, std::move(a));
    b = it->second(cmd, std::move(b));
  }
  return {a, b};
}

std::string DifferentialPair::CheckSequence(const std::vector<Command>& seq) {
  std::string transcript;
  for (const auto& cmd : seq) {
    auto [a, b] = Run(cmd);
    transcript += "  " + FormatCommand(cmd) + "\n    -> " + a.ToString() + "\n";
    bool equal = a == b;
    if (!equal && !cmd.empty()) {
      auto it = Comparators().find(ToLower(cmd[0]));
      if (it != Comparators().end()) equal = it->second(cmd, a, b);
    }
    if (!equal) {
      return "reply mismatch on " + FormatCommand(cmd) + "\n  redis:  " + a.ToString() +
             "\n  redsim: " + b.ToString() + "\nsequence:\n" + transcript;
    }
  }
  return "";
}

}  // namespace redsim::testing
