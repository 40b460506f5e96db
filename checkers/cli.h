// The `redsim check` command: judges a history file with a checker.
#pragma once

namespace redsim::checkers {

// argv[0] is "check". Exit codes: 0 linearizable, 1 not, 2 unknown, 3 bad input.
int CheckMain(int argc, char** argv);

}  // namespace redsim::checkers
