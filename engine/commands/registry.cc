#include "engine/commands/families.h"
#include "engine/server/command.h"

namespace redsim {

void RegisterAllCommands(CommandTable& t) {
  RegisterStringFamily(t);
  RegisterKeysFamily(t);
  RegisterConnectionFamily(t);
  RegisterServerFamily(t);
  RegisterTransactionFamily(t);
  RegisterPersistenceFamily(t);
  RegisterReplicationFamily(t);
  RegisterListFamily(t);
  RegisterHashFamily(t);
  RegisterSortFamily(t);
  RegisterSetFamily(t);
  RegisterZSetFamily(t);
  RegisterMemoryFamily(t);
  RegisterBitmapFamily(t);
  RegisterHllFamily(t);
  RegisterGeoFamily(t);
  RegisterDumpFamily(t);
  RegisterStreamFamily(t);
  RegisterPubSubFamily(t);
  RegisterIntrospectionFamily(t);
  RegisterAclFamily(t);
  RegisterScriptingFamily(t);
  RegisterClusterFamily(t);
}

}  // namespace redsim
