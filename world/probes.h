// Coverage probes from engine logs: the engine may not know about the testbed, but it logs its
// rare paths in redis-server's words ("AOF … loaded anyway because aof-load-truncated is
// enabled", "Partial resynchronization request … accepted"). InstallLogProbes gives a world a log
// sink that counts the lines matching each probe's text into World::Probe — nothing is written
// anywhere, and counting never changes what the run does.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "world/world.h"

namespace redsim::world {

// (probe name, text a log line contains).
const std::vector<std::pair<std::string, std::string>>& DefaultLogProbes();

// Installs the counting sink (unless the world already has a log sink, e.g. for debugging).
void InstallLogProbes(World& world);

}  // namespace redsim::world
