#include "checkers/cli.h"

#include <cstdio>

namespace redsim::checkers {

int CheckMain(int, char**) {
  fprintf(stderr, "redsim check: not implemented yet\n");
  return 3;
}

}  // namespace redsim::checkers
