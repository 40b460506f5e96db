#include "engine/sentinel/sentinel.h"

#include "engine/sentinel/sentinel_core.h"
#include "engine/server/server.h"

namespace redsim {

Sentinel::Sentinel(Server* server) : core_(std::make_unique<SentinelCore>(server)) {
  // A Sentinel keeps no dataset: nothing to save at shutdown or on a schedule.
  server->config().save.clear();
  server->config().appendonly = false;
}

Sentinel::~Sentinel() = default;

Status Sentinel::Start() {
  std::vector<std::vector<std::string>> directives = core_->server()->config().sentinel_directives;
  Status s = core_->ReadConfigFile(&directives);
  if (!s.ok()) return s;
  s = core_->ApplyDirectives(directives);
  if (!s.ok()) return s;
  return core_->Start();
}

void Sentinel::Stop() { core_->Stop(); }

void Sentinel::SetEventHook(EventHook hook) { core_->SetEventHook(std::move(hook)); }
const std::string& Sentinel::my_id() const { return core_->my_id(); }
uint64_t Sentinel::current_epoch() const { return core_->current_epoch(); }
bool Sentinel::tilt() const { return core_->tilt(); }

std::vector<std::string> Sentinel::MasterNames() const {
  std::vector<std::string> out;
  for (const auto& [name, m] : core_->masters()) out.push_back(name);
  return out;
}

bool Sentinel::MasterAddress(const std::string& name, std::string* ip, int* port) const {
  SentinelInstance* m = core_->FindMaster(name);
  if (m == nullptr) return false;
  core_->CurrentMasterAddress(m, ip, port);
  return true;
}

uint64_t Sentinel::MasterConfigEpoch(const std::string& name) const {
  SentinelInstance* m = core_->FindMaster(name);
  return m == nullptr ? 0 : m->config_epoch;
}

bool Sentinel::View(const std::string& name, SentinelMasterView* v) const {
  SentinelInstance* m = core_->FindMaster(name);
  if (m == nullptr) return false;
  v->name = m->name;
  MasterAddress(name, &v->ip, &v->port);
  v->quorum = m->quorum;
  v->config_epoch = m->config_epoch;
  v->s_down = m->is(kSriSDown);
  v->o_down = m->is(kSriODown);
  v->failover_in_progress = m->is(kSriFailoverInProgress);
  v->failover_state = FailoverStateName(m->failover_state);
  v->failover_epoch = m->failover_epoch;
  v->leader = m->leader;
  v->leader_epoch = m->leader_epoch;
  v->replicas.clear();
  for (const auto& [k, r] : m->replicas) v->replicas.push_back(k);
  v->sentinels.clear();
  for (const auto& [k, s] : m->sentinels) v->sentinels.push_back(k);
  return true;
}

const std::map<std::pair<std::string, uint64_t>, std::string>& Sentinel::votes() const {
  return core_->votes();
}

}  // namespace redsim
