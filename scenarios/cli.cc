#include "scenarios/cli.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "scenarios/real_clock.h"
#include "scenarios/scenario.h"

namespace redsim::scenarios {

bool ParseDuration(const std::string& text, int64_t* ns) {
  if (text.empty()) return false;
  size_t i = 0;
  while (i < text.size() && (isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) i++;
  if (i == 0) return false;
  double v;
  try {
    v = std::stod(text.substr(0, i));
  } catch (...) {
    return false;
  }
  std::string unit = text.substr(i);
  double mul;
  if (unit.empty() || unit == "s") mul = 1e9;
  else if (unit == "ms") mul = 1e6;
  else if (unit == "us") mul = 1e3;
  else if (unit == "m") mul = 60e9;
  else if (unit == "h") mul = 3600e9;
  else return false;
  *ns = static_cast<int64_t>(v * mul);
  return *ns > 0;
}

static void RunUsage() {
  fprintf(stderr,
          "usage: redsim run <scenario> --seed N [--duration 60s] [--clients N] [--out DIR] "
          "[--json]\n");
}

int RunMain(int argc, char** argv) {
  if (argc < 2) {
    RunUsage();
    return 2;
  }
  std::string name = argv[1];
  RunOptions opts;
  bool json = false, have_seed = false;
  for (int i = 2; i < argc; i++) {
    std::string a = argv[i];
    auto value = [&](const char* what) -> std::string {
      if (i + 1 >= argc) {
        fprintf(stderr, "redsim run: %s needs a value\n", what);
        exit(2);
      }
      return argv[++i];
    };
    if (a == "--seed") {
      std::string v = value("--seed");
      char* end = nullptr;
      opts.seed = strtoull(v.c_str(), &end, 10);
      if (end == v.c_str() || *end != '\0') {
        fprintf(stderr, "redsim run: bad seed '%s'\n", v.c_str());
        return 2;
      }
      have_seed = true;
    } else if (a == "--duration") {
      if (!ParseDuration(value("--duration"), &opts.duration_ns)) {
        fprintf(stderr, "redsim run: bad duration '%s' (e.g. 60s, 500ms, 2m)\n", argv[i]);
        return 2;
      }
    } else if (a == "--clients") {
      opts.clients = atoi(value("--clients").c_str());
      if (opts.clients <= 0 || opts.clients > 10000) {
        fprintf(stderr, "redsim run: --clients must be 1..10000\n");
        return 2;
      }
    } else if (a == "--out") {
      opts.out_dir = value("--out");
    } else if (a == "--json") {
      json = true;
    } else {
      fprintf(stderr, "redsim run: unknown option '%s'\n", a.c_str());
      RunUsage();
      return 2;
    }
  }
  if (!have_seed) {
    fprintf(stderr, "redsim run: --seed is required (every run replays from its seed)\n");
    return 2;
  }
  const Scenario* scenario = FindScenario(name);
  if (scenario == nullptr) {
    fprintf(stderr, "redsim run: unknown scenario '%s' (see redsim list)\n", name.c_str());
    return 2;
  }
  printf("seed: %" PRIu64 "\n", opts.seed);
  fflush(stdout);
  std::unique_ptr<FILE, int (*)(FILE*)> trace_file(nullptr, fclose);
  if (!opts.out_dir.empty()) {
    std::filesystem::create_directories(opts.out_dir);
    trace_file.reset(fopen((opts.out_dir + "/trace.txt").c_str(), "w"));
    if (trace_file) {
      fprintf(trace_file.get(), "# time_ns kind a b  (kinds: 1 timer 2 delivery 3 connect 4 reply "
                                "5 fault 6 client-op 7 disk)\n");
      FILE* f = trace_file.get();
      opts.trace_sink = [f](int64_t t, sim::TraceKind kind, uint64_t a, uint64_t b) {
        fprintf(f, "%" PRId64 " %d %" PRIx64 " %" PRIx64 "\n", t, static_cast<int>(kind), a, b);
      };
    }
  }
  double start = RealSeconds();
  RunResult r = scenario->run(opts);
  double wall = RealSeconds() - start;
  printf("scenario: %s\n", r.scenario.c_str());
  printf("simulated %.1f s in %.2f s of wall time (%.0fx), %" PRIu64 " events\n", r.sim_seconds,
         wall, wall > 0 ? r.sim_seconds / wall : 0.0, r.events);
  printf("operations: %" PRIu64 " invoked, %" PRIu64 " ok, %" PRIu64 " fail, %" PRIu64
         " info; %" PRIu64 " faults injected\n",
         r.ops, r.ok, r.fail, r.info, r.faults);
  if (!r.claim.empty()) printf("claim %s: %s\n", r.claim_id.c_str(), r.claim.c_str());
  if (!r.verdict.empty()) {
    printf("expected: %s\nactual: %s\n", r.expected.c_str(), r.verdict.c_str());
    printf("checker: %s\n", r.explanation.c_str());
  }
  printf("trace hash: %016" PRIx64 "\n", r.trace_hash);
  printf("replay: redsim run %s --seed %" PRIu64 "\n", r.scenario.c_str(), r.seed);
  if (!opts.out_dir.empty()) {
    std::ofstream(opts.out_dir + "/history.jsonl") << r.history_jsonl;
    if (trace_file) {
      fprintf(trace_file.get(), "# scenario %s seed %" PRIu64 " trace_hash %016" PRIx64 "\n",
              r.scenario.c_str(), r.seed, r.trace_hash);
      trace_file.reset();
    }
    printf("wrote %s/history.jsonl and %s/trace.txt\n", opts.out_dir.c_str(), opts.out_dir.c_str());
  }
  if (json) {
    printf("{\"scenario\":\"%s\",\"seed\":%" PRIu64 ",\"trace_hash\":\"%016" PRIx64
           "\",\"sim_seconds\":%.3f,\"wall_seconds\":%.3f,\"events\":%" PRIu64
           ",\"ops\":%" PRIu64 ",\"ok\":%" PRIu64 ",\"fail\":%" PRIu64 ",\"info\":%" PRIu64
           ",\"faults\":%" PRIu64 "}\n",
           r.scenario.c_str(), r.seed, r.trace_hash, r.sim_seconds, wall, r.events, r.ops, r.ok,
           r.fail, r.info, r.faults);
  }
  // A run whose verdict differs from the claim's expected one is a finding: fail loudly.
  if (!r.verdict.empty() && !r.expected.empty() && r.verdict != r.expected) return 1;
  return 0;
}

int ListMain(int, char**) {
  for (const auto& s : AllScenarios()) printf("%-24s %s\n", s.name.c_str(), s.description.c_str());
  return 0;
}

}  // namespace redsim::scenarios
