// Nemeses: what can go wrong in a simulated world, and schedules of when.
//
// A `Fault` is one injected fault: a registered nemesis kind (crash, pause, partition, clog,
// clock, disk, …), when it starts, how long it lasts (its undo — restart, resume, heal, clock
// back, disk healthy — runs at `at_ns + duration_ns`; a negative duration means no undo), the
// nodes it targets (indexes into World's nodes), a shape (partition shape, clock mode, disk
// fault) and an amount (clock offset, drift in ppb, delay, spare bytes, corruption rate).
// A `Schedule` is a list of faults ordered by start time. It is either a fixed script or drawn
// from the seed by `GenerateSchedule` (rates per kind); either way it is plain data, so a run
// records it, a report draws it, and the shrinker removes and shortens its faults.
//
// Invariants: every choice comes from the Random the caller passes (derived from the run's
// seed); installing a schedule only schedules simulator events; every fault and every undo is
// recorded in the world's history as a `nemesis` entry and folded into the trace hash. faults/
// depends on sim/, netsim/ and world/ (the simulated world); the engine never includes it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/random.h"

namespace redsim::world {
class World;
}

namespace redsim::faults {

// Registered nemesis names (the `kind` of a Fault).
inline constexpr std::string_view kCrash = "crash";          // kill -9; restart after duration
inline constexpr std::string_view kRestart = "restart";      // start a crashed node
inline constexpr std::string_view kPause = "pause";          // stall all of a node's activity
inline constexpr std::string_view kResume = "resume";        // end a pause
inline constexpr std::string_view kPartition = "partition";  // cut links between nodes
inline constexpr std::string_view kHeal = "heal";            // remove every partition
inline constexpr std::string_view kClog = "clog";            // delay a node's links
inline constexpr std::string_view kClock = "clock";          // wall skew/jump, clock drift
inline constexpr std::string_view kDisk = "disk";            // disk faults
inline constexpr std::string_view kAdmin = "admin";          // an operator's command on a node

// Partition shapes (Fault::shape of a partition).
inline constexpr std::string_view kIsolateOne = "isolate-one";      // one node from the others
inline constexpr std::string_view kIsolateHost = "isolate-host";    // one node from every host
inline constexpr std::string_view kHalves = "halves";               // minority | majority
inline constexpr std::string_view kBridge = "bridge";               // two halves + a bridge node
inline constexpr std::string_view kRing = "ring";                   // each sees its neighbours
inline constexpr std::string_view kRandomGroups = "random-groups";  // 2..n random groups
inline constexpr std::string_view kOneWayIn = "one-way-in";         // node hears nobody
inline constexpr std::string_view kOneWayOut = "one-way-out";       // nobody hears the node

// Clock shapes: wall offset for a while, a permanent wall jump, drift (ppb) for a while.
inline constexpr std::string_view kClockSkew = "skew";
inline constexpr std::string_view kClockJump = "jump";
inline constexpr std::string_view kClockDrift = "drift";

// Disk shapes.
inline constexpr std::string_view kDiskLoseUnsynced = "lose-unsynced";  // crash losing cache
inline constexpr std::string_view kDiskTorn = "torn";                   // crash, torn last write
// Crash keeping the unsynced bytes up to a 512-byte boundary anywhere inside them: the cut may
// fall inside any of several unsynced writes (small appends are rarely torn by `torn`).
inline constexpr std::string_view kDiskTornSector = "torn-sector";
inline constexpr std::string_view kDiskLyingFsync = "lying-fsync";    // fsync keeps nothing
inline constexpr std::string_view kDiskFsyncError = "fsync-error";    // fsync returns EIO
inline constexpr std::string_view kDiskFull = "enospc";               // `amount` bytes left
inline constexpr std::string_view kDiskCorruptRead = "corrupt-read";  // amount = ppm of reads

// Admin shapes: the command an operator sends to the target node (over a connection of its own,
// as redis-cli would), its reply recorded in the history.
inline constexpr std::string_view kAdminSentinelFailover = "sentinel-failover";  // a Sentinel
inline constexpr std::string_view kAdminClusterFailover = "cluster-failover";    // a replica
inline constexpr std::string_view kAdminClusterFailoverForce = "cluster-failover-force";
// Moves `amount` slots (the first ones the first target serves) to the second target, as
// `redis-cli --cluster reshard` does: SETSLOT IMPORTING/MIGRATING, MIGRATE the keys in batches,
// SETSLOT NODE on both; one slot after another.
inline constexpr std::string_view kAdminReshard = "reshard";

struct Fault {
  std::string kind;
  int64_t at_ns = 0;
  int64_t duration_ns = -1;  // < 0: no undo
  std::vector<int> targets;  // node indexes (a partition: the nodes its shape placed, see below)
  std::string shape;
  int64_t amount = 0;
  // For partitions: the group of each node, drawn when the schedule was made (so a replay and
  // the shrinker see the same cut). blocked pairs = nodes in different groups (or one-way).
  std::vector<int> groups;

  int64_t end_ns() const { return duration_ns < 0 ? -1 : at_ns + duration_ns; }
  bool operator==(const Fault&) const = default;
};

struct Schedule {
  std::vector<Fault> faults;
  bool operator==(const Schedule&) const = default;
};

// ---- Typed options and the registry ------------------------------------------------------------

// How often a kind strikes in a random schedule and what each strike looks like. Every kind
// shares these fields; the ones a kind does not use are ignored.
struct NemesisOptions {
  double per_minute = 0;  // mean faults per simulated minute (0: never)
  int64_t min_duration_ns = 200'000'000;
  int64_t max_duration_ns = 2'000'000'000;
  std::vector<std::string> shapes;  // drawn uniformly (empty: the kind's default shape)
  int64_t min_amount = 0;           // drawn uniformly in [min_amount, max_amount]
  int64_t max_amount = 0;
  int64_t max_drift_ppb = 100'000'000;  // clock drift: drawn in ±this (10%), not from amount
};

struct NemesisInfo {
  std::string_view name;
  std::string_view description;
  std::vector<std::string_view> shapes;  // accepted shapes; the first is the default
  std::string_view amount_meaning;       // what `amount` is for this kind ("" if unused)
  NemesisOptions defaults;
};

const std::vector<NemesisInfo>& AllNemeses();
const NemesisInfo* FindNemesis(std::string_view name);

// A random schedule: per-kind options, plus a quiet period at the start (the workload warms up)
// and an end margin after which no fault starts (the final reads see a healed world).
struct RandomScheduleSpec {
  std::vector<std::pair<std::string, NemesisOptions>> kinds;
  int64_t quiet_start_ns = 1'000'000'000;
  int64_t quiet_end_ns = 2'000'000'000;
  // At most one fault of the same kind active on one node at a time (a crash of a crashed node
  // would be a no-op and its restart would cut the first fault short).
  bool no_overlap_per_kind = true;
};

// Draws a schedule for `nodes` nodes over `duration_ns`: for each kind, gaps between strikes are
// exponential with the kind's rate; durations, targets, shapes and amounts are uniform.
Schedule GenerateSchedule(const RandomScheduleSpec& spec, Random& rng, int nodes,
                          int64_t duration_ns);

// Schedules every fault of `schedule` (and its undo) in the world's simulator. Faults naming
// nodes the world does not have are ignored (after shrinking the topology, say).
void InstallSchedule(world::World& world, const Schedule& schedule);

// ---- Text forms ------------------------------------------------------------------------------
// One fault: kind/shape/at_ms/duration_ms/targets/amount/groups, e.g. "crash//3120/640/0/0/" or
// "partition/halves/9000/2000/0.1.2/0/0.1.1". A schedule joins faults with ';' ("none" if empty).
// The format is what `redsim run --faults` takes, so a shrunk run replays from one command line.
std::string ScheduleToText(const Schedule& schedule);
bool ParseSchedule(std::string_view text, Schedule* out, std::string* error);
// As a JSON array of objects (for run records and reports).
std::string ScheduleToJson(const Schedule& schedule);
// "crash n1 at 3.12 s for 640 ms" — for people.
std::string DescribeFault(const Fault& fault);

}  // namespace redsim::faults
