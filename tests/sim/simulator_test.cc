// Unit tests of the deterministic runtime: event order, cancellation, host pause/crash, fibers.
#include "sim/simulator.h"

#include <gtest/gtest.h>

#include "sim/fiber.h"

namespace redsim::sim {
namespace {

TEST(Simulator, RunsEventsInTimeThenScheduleOrder) {
  Simulator sim(1);
  std::vector<int> order;
  sim.At(20, kNoHost, [&] { order.push_back(3); });
  sim.At(10, kNoHost, [&] { order.push_back(1); });
  sim.At(10, kNoHost, [&] { order.push_back(2); });
  while (sim.Step()) {
  }
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(sim.now_ns(), 20);
}

TEST(Simulator, CancelledEventsDoNotRun) {
  Simulator sim(1);
  int runs = 0;
  EventId id = sim.At(5, kNoHost, [&] { runs++; });
  sim.At(6, kNoHost, [&] { runs += 10; });
  sim.Cancel(id);
  while (sim.Step()) {
  }
  EXPECT_EQ(runs, 10);
}

TEST(Simulator, PausedHostEventsWaitAndKeepTheirOrder) {
  Simulator sim(1);
  HostId h = sim.AddHost("a", "10.0.0.1");
  std::vector<int> order;
  sim.At(10, h, [&] { order.push_back(1); });
  sim.At(11, h, [&] { order.push_back(2); });
  sim.At(5, kNoHost, [&] { sim.PauseHost(h); });
  sim.At(100, kNoHost, [&] {
    order.push_back(0);
    sim.ResumeHost(h);
  });
  while (sim.Step()) {
  }
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
}

TEST(Simulator, CrashDropsPendingHostEvents) {
  Simulator sim(1);
  HostId h = sim.AddHost("a", "10.0.0.1");
  int runs = 0;
  sim.At(10, h, [&] { runs++; });
  sim.At(5, kNoHost, [&] { sim.CrashHost(h); });
  sim.At(20, h, [&] { runs += 100; });  // scheduled before the crash too: dropped
  while (sim.Step()) {
  }
  EXPECT_EQ(runs, 0);
  sim.At(30, h, [&] { runs++; });  // after the crash: runs
  while (sim.Step()) {
  }
  EXPECT_EQ(runs, 1);
}

TEST(Simulator, BusyHostIsUnresponsiveForTheStall) {
  Simulator sim(1);
  HostId h = sim.AddHost("a", "10.0.0.1");
  int64_t ran_at = -1;
  sim.At(0, kNoHost, [&] { sim.BusyHost(h, 1000); });
  sim.At(10, h, [&] { ran_at = sim.now_ns(); });
  while (sim.Step()) {
  }
  EXPECT_EQ(ran_at, 1000);
}

TEST(Simulator, HostClocksDriftAndJump) {
  Simulator sim(1);
  HostId h = sim.AddHost("a", "10.0.0.1");
  sim.host(h).drift_ppb = 1'000'000;  // 0.1% fast
  sim.RunUntil(1'000'000'000);
  EXPECT_EQ(sim.HostMonotonicNs(h), 1'001'000'000);
  int64_t wall = sim.HostWallNs(h);
  sim.host(h).wall_offset_ns = -5'000'000'000;  // wall clock jumps back 5 s
  EXPECT_EQ(sim.HostWallNs(h), wall - 5'000'000'000);
  EXPECT_EQ(sim.HostMonotonicNs(h), 1'001'000'000);  // monotonic unaffected
}

TEST(Simulator, FibersSleepOnVirtualTime) {
  Simulator sim(7);
  std::vector<int64_t> woke;
  for (int i = 0; i < 3; i++) {
    sim.Spawn([&sim, &woke, i] {
      sim.SleepFiber((3 - i) * 100);
      woke.push_back(sim.now_ns());
    });
  }
  sim.RunUntil(1000);
  sim.JoinFibers();
  EXPECT_EQ(woke, (std::vector<int64_t>{100, 200, 300}));
}

// The interleaving of ready fibers is drawn from the seed: the same seed gives the same order,
// and some seeds give different orders.
std::vector<int> FiberOrder(uint64_t seed) {
  Simulator sim(seed);
  std::vector<int> order;
  FiberEvent go;
  for (int i = 0; i < 8; i++) {
    sim.Spawn([&order, &go, i] {
      go.Wait();
      order.push_back(i);
    });
  }
  sim.RunReadyFibers();
  sim.At(1, kNoHost, [&go] { go.Notify(); });
  sim.RunUntil(10);
  sim.JoinFibers();
  return order;
}

TEST(Simulator, FiberInterleavingIsAFunctionOfTheSeed) {
  EXPECT_EQ(FiberOrder(3), FiberOrder(3));
  bool differs = false;
  for (uint64_t s = 4; s < 20 && !differs; s++) differs = FiberOrder(s) != FiberOrder(3);
  EXPECT_TRUE(differs);
}

}  // namespace
}  // namespace redsim::sim
