// REDSIM_CHECK: on in Release, and under simulation a failure names the seed, the simulated time
// and the replay command.
#include "engine/base/check.h"

#include <gtest/gtest.h>

#include "scenarios/scenario.h"

namespace redsim::scenarios {
namespace {

TEST(RedsimCheck, PassingCheckDoesNothing) {
  int evaluations = 0;
  REDSIM_CHECK(++evaluations == 1, "evaluated once");
  EXPECT_EQ(evaluations, 1);
}

TEST(RedsimCheckDeathTest, FailureOutsideARunNamesTheCondition) {
  EXPECT_DEATH(REDSIM_CHECK(1 + 1 == 3, "arithmetic"),
               "REDSIM_CHECK failed at .*check_test.cc:[0-9]+: 1 \\+ 1 == 3 \\(arithmetic\\)");
}

TEST(RedsimCheckDeathTest, FailureInsideASimulatedRunPrintsSeedTimeAndReplay) {
  Scenario broken("check-trips", "a run whose invariant breaks after two simulated seconds",
                  [](const RunOptions& opts) {
                    auto world = MakeWorld(opts);
                    world->sim().After(2'000'000'000, sim::kNoHost,
                                       [] { REDSIM_CHECK(false, "on purpose"); });
                    world->sim().RunUntil(opts.duration_ns);
                    return RunResult{};
                  });
  RunOptions opts;
  opts.seed = 77;
  opts.duration_ns = 5'000'000'000;
  EXPECT_DEATH(broken.Run(opts),
               "REDSIM_CHECK failed at .*: false \\(on purpose\\)\n"
               "seed 77, simulated time 2.000000 s\n"
               "replay: redsim run check-trips --seed 77");
}

}  // namespace
}  // namespace redsim::scenarios
