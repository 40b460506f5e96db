#include "scenarios/scenario.h"

namespace redsim::scenarios {

Scenario SingleNodeKvScenario();
Scenario IdleClusterScenario();
std::vector<Scenario> ReplicationScenarios();  // scenarios/replication.cc

const std::vector<Scenario>& AllScenarios() {
  static const std::vector<Scenario> all = [] {
    std::vector<Scenario> v = {SingleNodeKvScenario(), IdleClusterScenario()};
    for (auto& s : ReplicationScenarios()) v.push_back(std::move(s));
    return v;
  }();
  return all;
}

const Scenario* FindScenario(const std::string& name) {
  for (const auto& s : AllScenarios()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::unique_ptr<World> MakeWorld(const RunOptions& opts) {
  auto w = std::make_unique<World>(opts.seed);
  if (opts.trace_sink) w->sim().set_trace_sink(opts.trace_sink);
  return w;
}

void Summarize(World& world, RunResult* r) {
  r->seed = world.seed();
  r->trace_hash = world.sim().trace_hash();
  r->sim_seconds = static_cast<double>(world.sim().now_ns()) / 1e9;
  r->events = world.sim().events_executed();
  for (const auto& e : world.history().entries()) {
    if (e.process < 0) {
      r->faults++;
      continue;
    }
    switch (e.type) {
      case OpType::kInvoke: r->ops++; break;
      case OpType::kOk: r->ok++; break;
      case OpType::kFail: r->fail++; break;
      case OpType::kInfo: r->info++; break;
    }
  }
}

}  // namespace redsim::scenarios
