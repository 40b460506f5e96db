// HELP replies for container commands (OBJECT HELP, CONFIG HELP, ...): an array of status lines,
// shaped like Redis's (a header line, the given lines, then HELP itself).
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "engine/server/command_context.h"

namespace redsim {

inline void ReplyHelp(CommandContext& ctx, std::string_view command,
                      std::initializer_list<const char*> lines) {
  ctx.reply.ArrayHeader(static_cast<int64_t>(lines.size() + 3));
  ctx.reply.Simple(std::string(command) +
                   " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  for (const char* line : lines) ctx.reply.Simple(line);
  ctx.reply.Simple("HELP");
  ctx.reply.Simple("    Prints this help.");
}

}  // namespace redsim
