// The `redsim run` and `redsim list` subcommands.
#pragma once

#include <cstdint>
#include <string>

namespace redsim::scenarios {

int RunMain(int argc, char** argv);
int ListMain(int argc, char** argv);

// Parses "60s", "500ms", "2m", "1h" or a plain number of seconds into ns; false on bad input.
bool ParseDuration(const std::string& text, int64_t* ns);

}  // namespace redsim::scenarios
