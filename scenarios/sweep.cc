#include "scenarios/sweep.h"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "scenarios/cli.h"
#include "scenarios/real_clock.h"

namespace redsim::scenarios {

// ---- Shared run flags --------------------------------------------------------------------------

int ParseRunFlag(int argc, char** argv, int* i, RunOptions* opts, std::string* error) {
  std::string a = argv[*i];
  static const char* kFlags[] = {"--duration", "--clients", "--keys",
                                 "--max-ops",  "--config",  "--faults"};
  bool known = false;
  for (const char* f : kFlags) known |= a == f;
  if (!known) return 0;
  if (*i + 1 >= argc) {
    *error = a + " needs a value";
    return -1;
  }
  std::string v = argv[++*i];
  auto positive = [&](int64_t max, int64_t* out) {
    char* end = nullptr;
    long long n = strtoll(v.c_str(), &end, 10);
    if (end == v.c_str() || *end != '\0' || n <= 0 || n > max) {
      *error = a + " must be 1.." + std::to_string(max) + " (got '" + v + "')";
      return false;
    }
    *out = n;
    return true;
  };
  int64_t n = 0;
  if (a == "--duration") {
    if (!ParseDuration(v, &opts->duration_ns)) {
      *error = "bad duration '" + v + "' (e.g. 60s, 500ms, 2m)";
      return -1;
    }
    opts->duration_given = true;
  } else if (a == "--clients") {
    if (!positive(10000, &n)) return -1;
    opts->clients = static_cast<int>(n);
  } else if (a == "--keys") {
    if (!positive(1000000, &n)) return -1;
    opts->keys = static_cast<int>(n);
  } else if (a == "--max-ops") {
    if (!positive(int64_t{1} << 40, &n)) return -1;
    opts->max_ops = n;
  } else if (a == "--config") {
    size_t eq = v.find('=');
    if (eq == std::string::npos || eq == 0) {
      *error = "--config wants name=value (got '" + v + "')";
      return -1;
    }
    opts->config.emplace_back(v.substr(0, eq), v.substr(eq + 1));
    ServerConfig probe;
    std::string why = ApplyConfigOverrides(*opts, &probe);
    if (!why.empty()) {
      *error = why;
      return -1;
    }
  } else if (a == "--faults") {
    faults::Schedule s;
    if (!faults::ParseSchedule(v, &s, error)) return -1;
    opts->schedule = std::move(s);
  }
  return 1;
}

namespace {

std::string DurationText(int64_t ns) {
  if (ns % 1'000'000'000 == 0) return std::to_string(ns / 1'000'000'000) + "s";
  if (ns % 1'000'000 == 0) return std::to_string(ns / 1'000'000) + "ms";
  return std::to_string(ns / 1000) + "us";
}

std::string ShellQuote(const std::string& s) {
  bool plain = !s.empty();
  for (char c : s) plain &= isalnum(static_cast<unsigned char>(c)) || strchr("-_.=/:,+", c);
  if (plain) return s;
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace

std::string ReplayCommand(const std::string& scenario, uint64_t seed, const RunOptions& opts) {
  std::string s = "redsim run " + scenario + " --seed " + std::to_string(seed);
  // A file may give the scenario another default duration than RunOptions'.
  const Scenario* known = FindScenario(scenario);
  int64_t default_ns = known != nullptr && known->default_duration_ns > 0
                           ? known->default_duration_ns
                           : RunOptions().duration_ns;
  if (opts.duration_ns != default_ns) s += " --duration " + DurationText(opts.duration_ns);
  if (opts.clients > 0) s += " --clients " + std::to_string(opts.clients);
  if (opts.keys > 0) s += " --keys " + std::to_string(opts.keys);
  if (opts.max_ops >= 0) s += " --max-ops " + std::to_string(opts.max_ops);
  for (const auto& [k, v] : opts.config) s += " --config " + ShellQuote(k + "=" + v);
  if (opts.schedule) s += " --faults " + ShellQuote(faults::ScheduleToText(*opts.schedule));
  return s;
}

// One line per scenario: in how many seeds each coverage probe fired; probes that never fired
// are called out (the sweep did not exercise that path).
static void PrintProbeCoverage(const reports::ScenarioSummary& s) {
  if (s.probe_seeds.empty()) return;
  std::string line = "      probes (seeds fired of " + std::to_string(s.seeds) + "):";
  for (const auto& [name, seeds] : s.probe_seeds) {
    if (name.rfind("fault:", 0) == 0) continue;  // the schedule's own kinds, not engine paths
    line += " " + name + "=" + std::to_string(seeds);
  }
  std::vector<std::string> never = s.NeverFiredProbes();
  if (!never.empty()) {
    line += "  NEVER FIRED:";
    for (const auto& n : never) line += " " + n;
  }
  printf("%s\n", line.c_str());
}

reports::RunRecord ToRecord(const RunResult& r, const RunOptions& opts, double wall_seconds) {
  reports::RunRecord rec;
  rec.scenario = r.scenario;
  rec.seed = r.seed;
  rec.claim_id = r.claim_id;
  rec.claim = r.claim;
  rec.expected = r.expected;
  rec.verdict = r.verdict;
  rec.violation = r.violation;
  rec.explanation = r.explanation;
  rec.trace_hash = r.trace_hash;
  rec.sim_seconds = r.sim_seconds;
  rec.wall_seconds = wall_seconds;
  rec.events = r.events;
  rec.ops = r.ops;
  rec.ok = r.ok;
  rec.fail = r.fail;
  rec.info = r.info;
  rec.faults = r.faults;
  rec.window_start_ns = r.window_start_ns;
  rec.window_end_ns = r.window_end_ns;
  rec.duration_ns = opts.duration_ns;
  rec.clients = opts.clients;
  rec.keys = opts.keys;
  rec.max_ops = opts.max_ops;
  rec.config = opts.config;
  rec.schedule_text = faults::ScheduleToText(r.schedule);
  rec.schedule_overridden = opts.schedule.has_value();
  rec.schedule_json = faults::ScheduleToJson(r.schedule);
  rec.probes = r.probes;
  for (const RoleSpan& span : r.roles) {
    rec.roles.push_back(
        {span.node, span.from_ns, span.to_ns, span.role, span.master, span.epoch, span.replid});
  }
  for (const world::SentinelEventRecord& e : r.sentinel_events) {
    if (rec.node_events.size() >= reports::RunRecord::kMaxNodeEvents) break;
    rec.node_events.push_back({e.node, e.time_ns, e.event.type, static_cast<int64_t>(e.event.epoch),
                               e.event.detail, e.primary});
  }
  for (const world::ClusterEventRecord& e : r.cluster_events) {
    if (rec.node_events.size() >= reports::RunRecord::kMaxNodeEvents) break;
    rec.node_events.push_back({e.node, e.time_ns, e.kind, static_cast<int64_t>(e.epoch),
                               e.peer.empty() ? "" : "peer " + e.peer,
                               e.kind == "failover-won" ? e.node : ""});
  }
  std::stable_sort(rec.node_events.begin(), rec.node_events.end(),
                   [](const reports::NodeEventRecord& a, const reports::NodeEventRecord& b) {
                     return a.time_ns < b.time_ns;
                   });
  rec.replay = ReplayCommand(r.scenario, r.seed, opts);
  return rec;
}

bool OptionsFromRecord(const reports::RunRecord& rec, RunOptions* opts, std::string* error) {
  opts->seed = rec.seed;
  opts->duration_ns = rec.duration_ns > 0 ? rec.duration_ns : RunOptions().duration_ns;
  opts->duration_given = true;
  opts->clients = rec.clients;
  opts->keys = rec.keys;
  opts->max_ops = rec.max_ops;
  opts->config = rec.config;
  if (rec.schedule_overridden) {
    faults::Schedule s;
    if (!faults::ParseSchedule(rec.schedule_text, &s, error)) return false;
    opts->schedule = std::move(s);
  }
  return true;
}

reports::RunRecord RunOne(const Scenario& scenario, RunOptions opts, RunResult* result) {
  ApplyScenarioDefaults(scenario, &opts);
  double start = RealSeconds();
  RunResult r = scenario.Run(opts);
  double wall = RealSeconds() - start;
  reports::RunRecord rec = ToRecord(r, opts, wall);
  if (result != nullptr) *result = std::move(r);
  return rec;
}

// ---- sweep -------------------------------------------------------------------------------------

namespace {

struct Item {
  const Scenario* scenario;
  uint64_t seed;
};

void SweepUsage() {
  fprintf(
      stderr,
      "usage: redsim sweep <scenario|all> --seeds A..B [--jobs N] [--shard i/N] [--out DIR]\n"
      "                    [--duration D] [--clients N] [--keys N] [--max-ops N]\n"
      "                    [--config name=value] [--json] [--pages N]\n"
      "  --shard i/N   run only the seeds whose position in A..B is i modulo N (i from 0)\n"
      "  --out DIR     write results*.jsonl, index.html, summary.json, junit.xml and a page for\n"
      "                the first --pages (default 3) violating seeds of each scenario\n");
}

bool ParseSeeds(const std::string& v, uint64_t* lo, uint64_t* hi) {
  size_t dots = v.find("..");
  char* end = nullptr;
  if (dots == std::string::npos) {
    *lo = *hi = strtoull(v.c_str(), &end, 10);
    return end != v.c_str() && *end == '\0';
  }
  std::string a = v.substr(0, dots), b = v.substr(dots + 2);
  *lo = strtoull(a.c_str(), &end, 10);
  if (end == a.c_str() || *end != '\0') return false;
  *hi = strtoull(b.c_str(), &end, 10);
  return end != b.c_str() && *end == '\0' && *lo <= *hi && *hi - *lo < 100'000'000;
}

// Collects finished records and shows progress: a redrawn bar on a terminal, plain lines
// otherwise (one per seed, so a CI log says what ran).
class Progress {
 public:
  Progress(size_t total, bool json) : total_(total), json_(json), tty_(isatty(2) != 0) {
    start_ = RealSeconds();
  }
  void Add(const reports::RunRecord& r) {
    done_++;
    bool bad = r.violated() && r.expected != Verdict::kRefuted;
    if (r.violated()) violations_++;
    if (bad) failures_++;
    if (json_) printf("%s\n", reports::RunRecordToJson(r).c_str());
    if (r.violated()) {
      if (tty_) fprintf(stderr, "\r\033[K");
      printf("%s seed %" PRIu64 ": %s (%s, expected %s over a sweep)\n  replay: %s\n",
             r.scenario.c_str(), r.seed, bad ? "VIOLATION" : "counterexample", r.violation.c_str(),
             reports::VerdictCStr(r.expected), r.replay.c_str());
    } else if (!tty_ && !json_) {
      printf("%s seed %" PRIu64 ": %s  trace %016" PRIx64 "\n", r.scenario.c_str(), r.seed,
             r.verdict == Verdict::kNone ? "ran (no checker)" : reports::VerdictCStr(r.verdict),
             r.trace_hash);
    }
    fflush(stdout);
    if (tty_) Draw();
  }
  void Finish() {
    if (tty_) fprintf(stderr, "\n");
  }
  double elapsed() const { return RealSeconds() - start_; }

 private:
  void Draw() {
    double el = RealSeconds() - start_;
    double eta =
        done_ > 0 ? el / static_cast<double>(done_) * static_cast<double>(total_ - done_) : 0;
    int width = 30;
    int fill = static_cast<int>(static_cast<double>(width) * static_cast<double>(done_) /
                                static_cast<double>(std::max<size_t>(total_, 1)));
    fprintf(stderr, "\r[%.*s%*s] %zu/%zu seeds, %zu violations (%zu unexpected), ETA %.0fs ", fill,
            "##############################", width - fill, "", done_, total_, violations_,
            failures_, eta);
    fflush(stderr);
  }
  size_t total_;
  bool json_;
  bool tty_;
  size_t done_ = 0, violations_ = 0, failures_ = 0;
  double start_;
};

// Runs `items` in `jobs` forked workers; each worker sends one JSON line per record.
bool RunForked(const std::vector<Item>& items, const RunOptions& base, int jobs, Progress* progress,
               std::vector<reports::RunRecord>* out) {
  struct Worker {
    pid_t pid;
    int fd;
    std::string buf;
  };
  std::vector<Worker> workers;
  fflush(stdout);
  fflush(stderr);
  for (int w = 0; w < jobs; w++) {
    int fds[2];
    if (pipe(fds) != 0) return false;
    pid_t pid = fork();
    if (pid < 0) return false;
    if (pid == 0) {
      close(fds[0]);
      for (size_t k = static_cast<size_t>(w); k < items.size(); k += static_cast<size_t>(jobs)) {
        RunOptions o = base;
        o.seed = items[k].seed;
        std::string line = reports::RunRecordToJson(RunOne(*items[k].scenario, o)) + "\n";
        size_t off = 0;
        while (off < line.size()) {
          ssize_t n = write(fds[1], line.data() + off, line.size() - off);
          if (n <= 0) _exit(3);
          off += static_cast<size_t>(n);
        }
      }
      close(fds[1]);
      _exit(0);
    }
    close(fds[1]);
    workers.push_back({pid, fds[0], {}});
  }
  size_t open = workers.size();
  bool ok = true;
  while (open > 0) {
    std::vector<pollfd> pfds;
    for (const Worker& w : workers) {
      if (w.fd >= 0) pfds.push_back({w.fd, POLLIN, 0});
    }
    if (poll(pfds.data(), pfds.size(), -1) < 0) continue;
    for (Worker& w : workers) {
      if (w.fd < 0) continue;
      char chunk[65536];
      ssize_t n = read(w.fd, chunk, sizeof(chunk));
      if (n < 0) continue;
      if (n == 0) {
        close(w.fd);
        w.fd = -1;
        open--;
        continue;
      }
      w.buf.append(chunk, static_cast<size_t>(n));
      size_t nl;
      while ((nl = w.buf.find('\n')) != std::string::npos) {
        reports::RunRecord r;
        std::string error;
        if (reports::RunRecordFromJson(std::string_view(w.buf).substr(0, nl), &r, &error)) {
          progress->Add(r);
          out->push_back(std::move(r));
        } else {
          fprintf(stderr, "redsim sweep: bad record from a worker: %s\n", error.c_str());
          ok = false;
        }
        w.buf.erase(0, nl + 1);
      }
    }
  }
  for (const Worker& w : workers) {
    int status = 0;
    waitpid(w.pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "redsim sweep: a worker died (status %d); its remaining seeds are missing\n",
              status);
      ok = false;
    }
  }
  return ok;
}

std::string PageName(const std::string& scenario, uint64_t seed) {
  return "run-" + scenario + "-" + std::to_string(seed) + ".html";
}

// Re-runs the first violating seeds of each scenario with their history kept and writes their
// pages (a sweep keeps only records; histories of every seed would not fit).
std::map<std::pair<std::string, uint64_t>, std::string> WriteRunPages(
    const std::vector<reports::RunRecord>& records, const std::string& dir, int per_scenario) {
  std::map<std::pair<std::string, uint64_t>, std::string> pages;
  std::map<std::string, int> written;
  for (const reports::RunRecord& rec : records) {
    if (!rec.violated() || written[rec.scenario] >= per_scenario) continue;
    const Scenario* s = FindScenario(rec.scenario);
    RunOptions o;
    std::string error;
    if (s == nullptr || !OptionsFromRecord(rec, &o, &error)) continue;
    o.keep_history = true;
    RunResult result;
    reports::RunRecord again = RunOne(*s, o, &result);
    std::string name = PageName(rec.scenario, rec.seed);
    std::ofstream(dir + "/" + name) << reports::RunReportHtml(again, result.history_jsonl);
    pages[{rec.scenario, rec.seed}] = name;
    written[rec.scenario]++;
  }
  return pages;
}

struct SweepArgs {
  std::string which;
  RunOptions base;
  uint64_t lo = 0, hi = 0;
  bool json = false;
  int jobs = 1, pages = 3;
  uint64_t shard_i = 0, shard_n = 1;
  std::string out_dir;
};

// Returns 0 when the arguments are good, else the exit code (after printing why).
int ParseSweepArgs(int argc, char** argv, SweepArgs* args) {
  if (argc < 2) {
    SweepUsage();
    return 2;
  }
  args->which = argv[1];
  bool have_seeds = false;
  for (int i = 2; i < argc; i++) {
    std::string a = argv[i], error;
    int r = ParseRunFlag(argc, argv, &i, &args->base, &error);
    if (r < 0) {
      fprintf(stderr, "redsim sweep: %s\n", error.c_str());
      return 2;
    }
    if (r > 0) continue;
    if (a == "--json") {
      args->json = true;
      continue;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "redsim sweep: unknown option or missing value: '%s'\n", a.c_str());
      SweepUsage();
      return 2;
    }
    std::string v = argv[++i];
    if (a == "--seeds") {
      have_seeds = ParseSeeds(v, &args->lo, &args->hi);
      if (!have_seeds) {
        fprintf(stderr, "redsim sweep: bad --seeds '%s' (want A..B)\n", v.c_str());
        return 2;
      }
    } else if (a == "--jobs") {
      args->jobs = atoi(v.c_str());
      if (args->jobs < 1 || args->jobs > 256) {
        fprintf(stderr, "redsim sweep: --jobs must be 1..256\n");
        return 2;
      }
    } else if (a == "--shard") {
      if (sscanf(v.c_str(), "%" SCNu64 "/%" SCNu64, &args->shard_i, &args->shard_n) != 2 ||
          args->shard_n == 0 || args->shard_i >= args->shard_n) {
        fprintf(stderr, "redsim sweep: bad --shard '%s' (want i/N with 0 <= i < N)\n", v.c_str());
        return 2;
      }
    } else if (a == "--out") {
      args->out_dir = v;
    } else if (a == "--pages") {
      args->pages = atoi(v.c_str());
    } else {
      fprintf(stderr, "redsim sweep: unknown option '%s'\n", a.c_str());
      SweepUsage();
      return 2;
    }
  }
  if (!have_seeds) {
    fprintf(stderr, "redsim sweep: --seeds A..B is required\n");
    return 2;
  }
  return 0;
}

// Writes the shard's records, the pages of the first violating seeds and the sweep reports.
bool WriteSweepOutputs(const SweepArgs& args, const std::vector<reports::RunRecord>& records) {
  std::filesystem::create_directories(args.out_dir);
  std::string name = args.shard_n > 1 ? "results-shard-" + std::to_string(args.shard_i) + "-of-" +
                                            std::to_string(args.shard_n) + ".jsonl"
                                      : "results.jsonl";
  std::ofstream f(args.out_dir + "/" + name);
  for (const auto& r : records) f << reports::RunRecordToJson(r) << "\n";
  auto run_pages = WriteRunPages(records, args.out_dir, args.pages);
  std::string error;
  if (!reports::WriteSweepReports(args.out_dir, records, run_pages, &error)) {
    fprintf(stderr, "redsim sweep: %s\n", error.c_str());
    return false;
  }
  printf("wrote %s/%s, %s/index.html, summary.json, junit.xml\n", args.out_dir.c_str(),
         name.c_str(), args.out_dir.c_str());
  return true;
}

}  // namespace

int SweepMain(int argc, char** argv) {
  SweepArgs args;
  if (int code = ParseSweepArgs(argc, argv, &args); code != 0) return code;
  std::vector<const Scenario*> scenarios;
  if (args.which == "all") {
    for (const auto& s : AllScenarios()) scenarios.push_back(&s);
  } else if (const Scenario* s = FindScenario(args.which)) {
    scenarios.push_back(s);
  } else {
    fprintf(stderr, "redsim sweep: unknown scenario '%s' (see redsim list)\n", args.which.c_str());
    return 2;
  }
  std::vector<Item> items;
  for (const Scenario* s : scenarios) {
    for (uint64_t seed = args.lo; seed <= args.hi; seed++) {
      if ((seed - args.lo) % args.shard_n == args.shard_i) items.push_back({s, seed});
    }
  }
  Progress progress(items.size(), args.json);
  std::vector<reports::RunRecord> records;
  bool ok = true;
  if (args.jobs == 1 || items.size() <= 1) {
    for (const Item& it : items) {
      RunOptions o = args.base;
      o.seed = it.seed;
      records.push_back(RunOne(*it.scenario, o));
      progress.Add(records.back());
    }
  } else {
    ok = RunForked(items, args.base, std::min<int>(args.jobs, static_cast<int>(items.size())),
                   &progress, &records);
  }
  progress.Finish();
  std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
    return a.scenario != b.scenario ? a.scenario < b.scenario : a.seed < b.seed;
  });
  printf("sweep: %zu runs in %.1f s of wall time (%d job%s)\n", records.size(), progress.elapsed(),
         args.jobs, args.jobs == 1 ? "" : "s");
  bool all_passed = ok && records.size() == items.size();
  for (const reports::ScenarioSummary& s : reports::Summarize(records)) {
    printf("  %-24s claim %-4s expected %-8s actual %-8s %s  (%" PRIu64 " of %" PRIu64
           " seeds violated it)\n",
           s.scenario.c_str(), s.claim_id.c_str(), reports::VerdictCStr(s.expected),
           s.actual() == Verdict::kNone ? "-" : reports::VerdictCStr(s.actual()),
           s.passed() ? "pass" : "FAIL", s.violations, s.seeds);
    PrintProbeCoverage(s);
    all_passed &= s.passed() || args.shard_n > 1;  // one shard alone cannot refute a claim
  }
  if (!args.out_dir.empty() && !WriteSweepOutputs(args, records)) return 2;
  return all_passed ? 0 : 1;
}

// ---- replay and report -------------------------------------------------------------------------

int ReplayMain(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: redsim replay <run.json | results.jsonl:LINE>\n");
    return 2;
  }
  std::string path = argv[1];
  size_t line_no = 1;
  if (size_t colon = path.rfind(':');
      colon != std::string::npos && !std::filesystem::exists(path)) {
    line_no = strtoull(path.c_str() + colon + 1, nullptr, 10);
    path = path.substr(0, colon);
  }
  std::ifstream in(path);
  std::string line;
  for (size_t n = 0; n < line_no && std::getline(in, line); n++) {
  }
  reports::RunRecord rec;
  std::string error;
  RunOptions opts;
  if (line.empty() || !reports::RunRecordFromJson(line, &rec, &error) ||
      !OptionsFromRecord(rec, &opts, &error)) {
    fprintf(stderr, "redsim replay: %s: %s\n", argv[1],
            error.empty() ? "no record" : error.c_str());
    return 2;
  }
  const Scenario* s = FindScenario(rec.scenario);
  if (s == nullptr) {
    fprintf(stderr, "redsim replay: unknown scenario '%s'\n", rec.scenario.c_str());
    return 2;
  }
  printf("replaying: %s\n", rec.replay.c_str());
  reports::RunRecord again = RunOne(*s, opts);
  printf("verdict: %s (recorded %s)\ntrace hash: %016" PRIx64 " (recorded %016" PRIx64 ") %s\n",
         reports::VerdictCStr(again.verdict), reports::VerdictCStr(rec.verdict), again.trace_hash,
         rec.trace_hash, again.trace_hash == rec.trace_hash ? "same" : "DIFFERENT");
  return again.trace_hash == rec.trace_hash ? 0 : 1;
}

int ReportMain(int argc, char** argv) {
  if (argc < 3 || strcmp(argv[1], "merge") != 0) {
    fprintf(stderr, "usage: redsim report merge DIR... [--out DIR]\n");
    return 2;
  }
  std::vector<std::string> dirs;
  std::string out_dir;
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
      out_dir = argv[++i];
    } else {
      dirs.push_back(argv[i]);
    }
  }
  if (out_dir.empty()) out_dir = dirs.front();
  std::vector<reports::RunRecord> records;
  std::string error;
  if (!reports::LoadResultDirs(dirs, &records, &error)) {
    fprintf(stderr, "redsim report merge: %s\n", error.c_str());
    return 2;
  }
  std::filesystem::create_directories(out_dir);
  std::ofstream f(out_dir + "/results-merged.jsonl.tmp");
  for (const auto& r : records) f << reports::RunRecordToJson(r) << "\n";
  f.close();
  std::filesystem::rename(out_dir + "/results-merged.jsonl.tmp", out_dir + "/merged.jsonl");
  std::map<std::pair<std::string, uint64_t>, std::string> pages;
  for (const auto& r : records) {
    for (const std::string& d : dirs) {
      std::string name = PageName(r.scenario, r.seed);
      if (std::filesystem::exists(d + "/" + name)) {
        pages[{r.scenario, r.seed}] =
            d == out_dir ? name : std::filesystem::relative(d + "/" + name, out_dir).string();
      }
    }
  }
  if (!reports::WriteSweepReports(out_dir, records, pages, &error)) {
    fprintf(stderr, "redsim report merge: %s\n", error.c_str());
    return 2;
  }
  bool passed = true;
  for (const auto& s : reports::Summarize(records)) {
    printf("  %-24s claim %-4s expected %-8s actual %-8s %s  (%" PRIu64 " of %" PRIu64 " seeds)\n",
           s.scenario.c_str(), s.claim_id.c_str(), reports::VerdictCStr(s.expected),
           s.actual() == Verdict::kNone ? "-" : reports::VerdictCStr(s.actual()),
           s.passed() ? "pass" : "FAIL", s.violations, s.seeds);
    PrintProbeCoverage(s);
    passed &= s.passed();
  }
  printf("merged %zu records into %s/merged.jsonl, index.html, summary.json, junit.xml\n",
         records.size(), out_dir.c_str());
  return passed ? 0 : 1;
}

}  // namespace redsim::scenarios
