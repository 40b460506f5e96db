// The registration functions of every command family. RegisterAllCommands (registry.cc) is the
// one list that calls them all.
#pragma once

namespace redsim {

class CommandTable;

void RegisterStringFamily(CommandTable& t);
void RegisterKeysFamily(CommandTable& t);
void RegisterConnectionFamily(CommandTable& t);
void RegisterServerFamily(CommandTable& t);
void RegisterTransactionFamily(CommandTable& t);
void RegisterPersistenceFamily(CommandTable& t);
void RegisterReplicationFamily(CommandTable& t);
void RegisterListFamily(CommandTable& t);
void RegisterHashFamily(CommandTable& t);
void RegisterSortFamily(CommandTable& t);
void RegisterSetFamily(CommandTable& t);
void RegisterZSetFamily(CommandTable& t);
void RegisterMemoryFamily(CommandTable& t);
void RegisterBitmapFamily(CommandTable& t);
void RegisterHllFamily(CommandTable& t);
void RegisterGeoFamily(CommandTable& t);
void RegisterDumpFamily(CommandTable& t);
void RegisterStreamFamily(CommandTable& t);
void RegisterPubSubFamily(CommandTable& t);
void RegisterIntrospectionFamily(CommandTable& t);
void RegisterAclFamily(CommandTable& t);
void RegisterScriptingFamily(CommandTable& t);
void RegisterClusterFamily(CommandTable& t);

}  // namespace redsim
