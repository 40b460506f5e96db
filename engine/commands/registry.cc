#include "engine/commands/families.h"
#include "engine/server/command.h"

namespace redsim {

void RegisterAllCommands(CommandTable& t) {
  RegisterStringFamily(t);
  RegisterKeysFamily(t);
  RegisterConnectionFamily(t);
  RegisterServerFamily(t);
  RegisterTransactionFamily(t);
  RegisterSetFamily(t);
  RegisterZSetFamily(t);
  RegisterMemoryFamily(t);
}

}  // namespace redsim
