// Shared by the scenario-file tests: runs a registered scenario with one seed and the file's own
// defaults (its duration), through Scenario::Run as every runner does.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "scenarios/scenario.h"

namespace redsim::scenarios {

inline RunResult RunWithFileDefaults(const std::string& name, uint64_t seed) {
  const Scenario* s = FindScenario(name);
  EXPECT_NE(s, nullptr) << name;
  if (s == nullptr) return {};
  RunOptions o;
  o.seed = seed;
  ApplyScenarioDefaults(*s, &o);
  return s->Run(o);
}

}  // namespace redsim::scenarios
