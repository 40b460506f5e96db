// redsim: the testbed's command line. Each subcommand lives with the module that owns it.
#include <cstdio>
#include <cstring>
#include <string>

#include "checkers/cli.h"
#include "scenarios/cli.h"
#include "scenarios/shrink.h"
#include "scenarios/sweep.h"

namespace {

struct Subcommand {
  const char* name;
  const char* summary;
  int (*main)(int argc, char** argv);
};

const Subcommand kSubcommands[] = {
    {"run", "run a scenario with a seed: redsim run <scenario> --seed N",
     redsim::scenarios::RunMain},
    {"list", "list the scenarios and their claims (--faults: the nemeses too)",
     redsim::scenarios::ListMain},
    {"sweep", "run many seeds: redsim sweep <scenario|all> --seeds A..B [--jobs N] [--out DIR]",
     redsim::scenarios::SweepMain},
    {"replay", "re-run a saved run record and compare its trace hash: redsim replay run.json",
     redsim::scenarios::ReplayMain},
    {"shrink", "reduce a failing run: redsim shrink <scenario> --seed N",
     redsim::scenarios::ShrinkMain},
    {"report", "join sweep shards and write the reports: redsim report merge DIR...",
     redsim::scenarios::ReportMain},
    {"check", "judge a history file (linearizability and other checkers)",
     redsim::checkers::CheckMain},
};

void Usage() {
  fprintf(stderr, "usage: redsim <command> [args]\n\ncommands:\n");
  for (const auto& s : kSubcommands) fprintf(stderr, "  %-8s %s\n", s.name, s.summary);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
    Usage();
    return argc < 2 ? 2 : 0;
  }
  for (const auto& s : kSubcommands) {
    if (strcmp(argv[1], s.name) == 0) return s.main(argc - 1, argv + 1);
  }
  fprintf(stderr, "redsim: unknown command '%s'\n", argv[1]);
  Usage();
  return 2;
}
