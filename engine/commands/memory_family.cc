#include "engine/commands/families.h"
#include "engine/server/command.h"
namespace redsim {
void RegisterMemoryFamily(CommandTable&) {}
}  // namespace redsim
