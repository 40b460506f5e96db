#include "world/probes.h"

#include <spdlog/details/null_mutex.h>
#include <spdlog/sinks/base_sink.h>

namespace redsim::world {

const std::vector<std::pair<std::string, std::string>>& DefaultLogProbes() {
  static const std::vector<std::pair<std::string, std::string>> probes = {
      {"server-started", "Ready to accept connections"},
      {"aof-loaded", "DB loaded from append only file"},
      {"rdb-loaded", "DB loaded from disk"},
      {"replica-full-resync", "Full resync from master"},
      // The replica got +CONTINUE: its PSYNC was accepted as a partial resync.
      {"partial-resync-accepted", "Successful partial resynchronization"},
      {"primary-partial-resync-accepted", "Partial resynchronization request from"},
      {"primary-partial-resync-refused", "Partial resynchronization not accepted"},
      // A replica promoted (REPLICAOF NO ONE, or a scenario's failover).
      {"failover-started", "MASTER MODE enabled"},
  };
  return probes;
}

namespace {

// Single-threaded like everything under simulation, hence the null mutex.
class ProbeSink : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  explicit ProbeSink(World* world) : world_(world) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::string_view text(msg.payload.data(), msg.payload.size());
    for (const auto& [name, pattern] : DefaultLogProbes()) {
      if (text.find(pattern) != std::string_view::npos) world_->Probe(name);
    }
  }
  void flush_() override {}

 private:
  World* world_;
};

}  // namespace

void InstallLogProbes(World& world) {
  if (world.log_sink() != nullptr) return;
  auto logger = std::make_shared<spdlog::logger>("probes", std::make_shared<ProbeSink>(&world));
  logger->set_level(spdlog::level::trace);
  world.set_log_sink(std::move(logger));
}

}  // namespace redsim::world
