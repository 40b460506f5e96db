// Benchmark of the linearizability checker: every external history in the validation set
// (tests/data/linearizability/expected.tsv) timed in-process (median of --repeat runs), totals
// per data set beside Porcupine's published figures, and a generated 100,000-operation history
// over 1,000 keys. Prints a table; exits 1 only if a verdict is wrong (never for being slow).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "checkers/history_formats.h"
#include "checkers/history_gen.h"
#include "checkers/linearizability.h"
#include "checkers/real_clock.h"

namespace redsim::checkers {
namespace {

struct Row {
  std::string file;
  std::string model;
  std::string expected;
};

struct DataSet {
  const char* name;
  const char* prefix;
  double porcupine_ms;  // < 0: no reference figure
};

// Porcupine's figures from the issue (Go, 2-core machine, median of repeated runs).
const DataSet kDataSets[] = {
    {"etcd (102 files)", "porcupine/jepsen/", 630},
    {"kv c01", "porcupine/kv/c01", -1},
    {"kv c10", "porcupine/kv/c10", -1},
    {"kv c50-ok", "porcupine/kv/c50-ok", 313},
    {"kv c50-bad", "porcupine/kv/c50-bad", 56},
    {"knossos cas-register (120)", "knossos/cas-register/", 57},
    {"knossos multi-register (1)", "knossos/multi-register/", -1},
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Times are CPU time of this thread: the benchmark machine is shared, and wall time there
// measures the neighbours as much as the checker. (--wall switches to wall-clock time.)
bool g_wall = false;
int64_t Now() { return g_wall ? RealMonotonicNs() : RealThreadCpuNs(); }
double MsSince(int64_t start_ns) { return (Now() - start_ns) / 1e6; }

std::vector<Row> ReadExpected(const std::string& dir) {
  std::ifstream in(dir + "/expected.tsv");
  std::vector<Row> rows;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    Row r;
    if (std::getline(fields, r.file, '\t') && std::getline(fields, r.model, '\t') &&
        std::getline(fields, r.expected, '\t')) {
      rows.push_back(r);
    }
  }
  return rows;
}

struct Timing {
  double parse_ms = 0;
  double check_ms = 0;
  Verdict verdict = Verdict::kUnknown;
  int operations = 0;
  uint64_t configurations = 0;
};

bool TimeFile(const std::string& path, const std::string& model_name, int repeat, Timing* t) {
  std::vector<double> parse, check;
  OpHistory ops;
  for (int i = 0; i < repeat; ++i) {
    int64_t start = Now();
    History h;
    SourceError err;
    if (!LoadHistoryFile(path, HistoryFormat::kAuto, &h, &err) || !PairOperations(h, &ops, &err)) {
      fprintf(stderr, "%s: %s\n", path.c_str(), err.ToString().c_str());
      return false;
    }
    parse.push_back(MsSince(start));
  }
  const Model* model = FindModel(model_name);
  for (int i = 0; i < repeat; ++i) {
    CheckBudget budget;
    budget.out_of_time = RealDeadline(60);
    LinearizabilityResult result;
    std::string error;
    int64_t start = Now();
    if (!CheckLinearizability(ops, *model, budget, &result, &error)) {
      fprintf(stderr, "%s: %s\n", path.c_str(), error.c_str());
      return false;
    }
    check.push_back(MsSince(start));
    t->verdict = result.verdict;
    t->operations = result.operations;
    t->configurations = result.configurations;
  }
  t->parse_ms = Median(parse);
  t->check_ms = Median(check);
  return true;
}

void GeneratedBench(const char* model, int repeat) {
  GenOptions g;
  g.model = model;
  g.operations = 100000;
  g.keys = 1000;
  g.values = 5;
  g.max_spread = 3;
  g.info_fraction = 0.05;
  g.never_fraction = 0.5;
  g.seed = 42;
  GeneratedHistory gen = GenerateHistory(g);
  std::string text = JsonlHeader(model) + "\n";
  for (const Event& e : gen.history.events) text += EventToJsonl(e) + "\n";
  std::vector<double> parse, check, total;
  Verdict verdict = Verdict::kUnknown;
  uint64_t configurations = 0;
  for (int i = 0; i < repeat; ++i) {
    int64_t start = Now();
    History h;
    OpHistory ops;
    SourceError err;
    if (!ParseHistory(text, HistoryFormat::kJsonl, "", &h, &err) ||
        !PairOperations(h, &ops, &err)) {
      fprintf(stderr, "generated: %s\n", err.ToString().c_str());
      return;
    }
    double parsed = MsSince(start);
    LinearizabilityResult result;
    std::string error;
    CheckBudget budget;
    int64_t check_start = Now();
    CheckLinearizability(ops, *FindModel(model), budget, &result, &error);
    check.push_back(MsSince(check_start));
    parse.push_back(parsed);
    total.push_back(MsSince(start));
    verdict = result.verdict;
    configurations = result.configurations;
  }
  printf(
      "generated %-13s 100000 ops, 1000 keys, %zu KiB jsonl: parse %7.1f ms  check %7.1f ms  "
      "total %7.1f ms  (%s, %llu configurations)  target < 1000 ms: %s\n",
      model, text.size() >> 10, Median(parse), Median(check), Median(total), VerdictName(verdict),
      static_cast<unsigned long long>(configurations),
      Median(total) < 1000 && verdict == Verdict::kLinearizable ? "met" : "MISSED");
}

int Main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr,
            "usage: checker_bench DATA_DIR [--repeat N] [--quiet] [--wall] [--only SUBSTR]\n");
    return 2;
  }
  std::string dir = argv[1];
  int repeat = 5;
  bool quiet = false;
  std::string only;
  for (int i = 2; i < argc; ++i) {
    if (!strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i];
    if (!strcmp(argv[i], "--repeat") && i + 1 < argc) repeat = std::max(1, atoi(argv[++i]));
    if (!strcmp(argv[i], "--quiet")) quiet = true;
    if (!strcmp(argv[i], "--wall")) g_wall = true;
  }
  std::vector<Row> rows = ReadExpected(dir);
  std::map<std::string, double> set_check_ms, set_parse_ms;
  std::map<std::string, int> set_files, set_unknown;
  int wrong = 0;
  if (!quiet)
    printf("%-60s %6s %-17s %9s %9s %12s\n", "file", "ops", "verdict", "parse ms", "check ms",
           "configs");
  for (const Row& r : rows) {
    if (!only.empty() && r.file.find(only) == std::string::npos) continue;
    Timing t;
    if (!TimeFile(dir + "/" + r.file, r.model, repeat, &t)) {
      ++wrong;
      continue;
    }
    bool right = (r.expected == "linearizable") == (t.verdict == Verdict::kLinearizable) &&
                 t.verdict != Verdict::kUnknown;
    if (!right) ++wrong;
    if (!quiet || !right) {
      printf("%-60s %6d %-17s %9.3f %9.3f %12llu%s\n", r.file.c_str(), t.operations,
             VerdictName(t.verdict), t.parse_ms, t.check_ms,
             static_cast<unsigned long long>(t.configurations), right ? "" : "  WRONG VERDICT");
    }
    for (const DataSet& d : kDataSets) {
      if (r.file.rfind(d.prefix, 0) == 0) {
        set_check_ms[d.name] += t.check_ms;
        set_parse_ms[d.name] += t.parse_ms;
        set_files[d.name]++;
        if (t.verdict == Verdict::kUnknown) set_unknown[d.name]++;
      }
    }
  }
  printf(
      "\nTotals per data set (%s time, median of %d runs per file, summed; check = search "
      "only, parse = reading the file)\n",
      g_wall ? "wall" : "CPU", repeat);
  printf("%-28s %6s %10s %10s %14s %9s %8s\n", "data set", "files", "check ms", "parse ms",
         "Porcupine ms", "speedup", "unknown");
  for (const DataSet& d : kDataSets) {
    double ms = set_check_ms[d.name];
    char ref[32] = "-", speed[32] = "-";
    if (d.porcupine_ms > 0) {
      snprintf(ref, sizeof(ref), "%.0f", d.porcupine_ms);
      snprintf(speed, sizeof(speed), "%.1fx", d.porcupine_ms / std::max(ms, 1e-3));
    }
    printf("%-28s %6d %10.2f %10.2f %14s %9s %8d\n", d.name, set_files[d.name], ms,
           set_parse_ms[d.name], ref, speed, set_unknown[d.name]);
  }
  printf("\n");
  if (only.empty()) {
    GeneratedBench("cas-register", std::max(1, repeat / 2));
    GeneratedBench("kv", std::max(1, repeat / 2));
  }
  if (wrong) printf("\n%d WRONG VERDICTS\n", wrong);
  return wrong ? 1 : 0;
}

}  // namespace
}  // namespace redsim::checkers

int main(int argc, char** argv) { return redsim::checkers::Main(argc, argv); }
