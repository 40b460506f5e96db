#include "scenarios/cli.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "scenarios/real_clock.h"
#include "scenarios/scenario.h"
#include "scenarios/sweep.h"

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
  if (unit.empty() || unit == "s")
    mul = 1e9;
  else if (unit == "ms")
    mul = 1e6;
  else if (unit == "us")
    mul = 1e3;
  else if (unit == "m")
    mul = 60e9;
  else if (unit == "h")
    mul = 3600e9;
  else
    return false;
  *ns = static_cast<int64_t>(v * mul);
  return *ns > 0;
}

static void RunUsage() {
  fprintf(stderr,
          "usage: redsim run <scenario> --seed N [--duration 60s] [--clients N] [--keys N]\n"
          "                  [--max-ops N] [--config name=value]... [--faults SCHEDULE]\n"
          "                  [--out DIR] [--html FILE] [--json]\n"
          "  --faults replaces the schedule drawn from the seed (as `redsim shrink` prints it;\n"
          "  'none' for no faults)\n");
}

int RunMain(int argc, char** argv) {
  if (argc < 2) {
    RunUsage();
    return 2;
  }
  std::string name = argv[1];
  RunOptions opts;
  bool json = false, have_seed = false;
  std::string html_path;
  for (int i = 2; i < argc; i++) {
    std::string a = argv[i], error;
    int parsed = ParseRunFlag(argc, argv, &i, &opts, &error);
    if (parsed < 0) {
      fprintf(stderr, "redsim run: %s\n", error.c_str());
      return 2;
    }
    if (parsed > 0) continue;
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
    } else if (a == "--out") {
      opts.out_dir = value("--out");
    } else if (a == "--html") {
      html_path = value("--html");
      opts.keep_history = true;
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
      fprintf(trace_file.get(),
              "# time_ns kind a b  (kinds: 1 timer 2 delivery 3 connect 4 reply "
              "5 fault 6 client-op 7 disk)\n");
      FILE* f = trace_file.get();
      opts.trace_sink = [f](int64_t t, sim::TraceKind kind, uint64_t a, uint64_t b) {
        fprintf(f, "%" PRId64 " %d %" PRIx64 " %" PRIx64 "\n", t, static_cast<int>(kind), a, b);
      };
    }
  }
  RunResult r;
  reports::RunRecord rec = RunOne(*scenario, opts, &r);
  double wall = rec.wall_seconds;
  printf("scenario: %s\n", r.scenario.c_str());
  printf("simulated %.1f s in %.2f s of wall time (%.0fx), %" PRIu64 " events\n", r.sim_seconds,
         wall, wall > 0 ? r.sim_seconds / wall : 0.0, r.events);
  printf("operations: %" PRIu64 " invoked, %" PRIu64 " ok, %" PRIu64 " fail, %" PRIu64
         " info; %" PRIu64 " faults injected\n",
         r.ops, r.ok, r.fail, r.info, r.faults);
  if (!r.claim.empty()) {
    printf("crashes: %" PRIu64 "\n", r.crashes);
    if (r.claim_id.empty())
      printf("claim: %s\n", r.claim.c_str());
    else
      printf("claim %s: %s\n", r.claim_id.c_str(), r.claim.c_str());
    printf("expected verdict: %s\n", reports::VerdictCStr(r.expected));
  }
  if (r.verdict != Verdict::kNone) {
    printf("actual verdict: %s%s\n", reports::VerdictCStr(r.verdict),
           r.verdict_as_expected() ? "" : "  (NOT AS EXPECTED)");
    printf("checker: %s\n", r.explanation.c_str());
  }
  printf("trace hash: %016" PRIx64 "\n", r.trace_hash);
  printf("replay: %s\n", rec.replay.c_str());
  if (!opts.out_dir.empty()) {
    std::ofstream(opts.out_dir + "/history.jsonl") << r.history_jsonl;
    std::ofstream(opts.out_dir + "/run.json") << reports::RunRecordToJson(rec) << "\n";
    if (trace_file) {
      fprintf(trace_file.get(), "# scenario %s seed %" PRIu64 " trace_hash %016" PRIx64 "\n",
              r.scenario.c_str(), r.seed, r.trace_hash);
      trace_file.reset();
    }
    printf("wrote %s/history.jsonl, %s/trace.txt and %s/run.json\n", opts.out_dir.c_str(),
           opts.out_dir.c_str(), opts.out_dir.c_str());
  }
  if (!html_path.empty()) {
    std::ofstream(html_path) << reports::RunReportHtml(rec, r.history_jsonl);
    printf("wrote %s\n", html_path.c_str());
  }
  if (json) printf("%s\n", reports::RunRecordToJson(rec).c_str());
  // A claim expected to hold that this run refuted fails the run.
  return r.verdict_as_expected() ? 0 : 1;
}

int ListMain(int argc, char** argv) {
  bool faults_too = argc > 1 && strcmp(argv[1], "--faults") == 0;
  for (const auto& s : AllScenarios()) {
    printf("%-24s %s\n", s.name.c_str(), s.description.c_str());
    if (!s.claim.empty()) {
      printf("%-24s   claim %s (expected %s): %s\n", "", s.claim_id.c_str(),
             reports::VerdictCStr(s.expected), s.claim.c_str());
    }
  }
  if (faults_too) {
    printf(
        "\nnemeses (redsim run --faults "
        "kind/shape/at_ms/duration_ms/targets/amount/groups;...):\n");
    for (const auto& n : faults::AllNemeses()) {
      std::string shapes;
      for (auto sh : n.shapes) shapes += (shapes.empty() ? "" : ",") + std::string(sh);
      printf("  %-10s %s%s%s\n", std::string(n.name).c_str(), std::string(n.description).c_str(),
             shapes.empty() ? "" : "; shapes: ", shapes.c_str());
    }
  }
  return 0;
}

}  // namespace redsim::scenarios
