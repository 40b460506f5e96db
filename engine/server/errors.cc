#include "engine/server/errors.h"

#include "engine/base/strutil.h"

namespace redsim::err {

// Redis truncates user-supplied names in error texts to 128 bytes and maps control characters to
// spaces so that the reply stays on one line.
static std::string Sanitize(std::string_view s, size_t max_len = 128) {
  std::string out(s.substr(0, max_len));
  for (char& c : out) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return out;
}

std::string WrongArgs(std::string_view full_command_name) {
  return "ERR wrong number of arguments for '" + std::string(full_command_name) + "' command";
}

std::string UnknownCommand(std::string_view name, const std::string_view* args, size_t nargs) {
  // Redis lists arguments while their text stays under 128 bytes.
  std::string listed;
  for (size_t i = 0; i < nargs && listed.size() < 128; i++) {
    size_t room = 128 - listed.size();
    listed += "'" + Sanitize(args[i], room) + "' ";
  }
  return "ERR unknown command '" + Sanitize(name) + "', with args beginning with: " + listed;
}

std::string UnknownSubcommand(std::string_view sub, std::string_view container) {
  return "ERR unknown subcommand '" + Sanitize(sub) + "'. Try " + ToUpper(container) + " HELP.";
}

std::string InvalidExpire(std::string_view command) {
  return "ERR invalid expire time in '" + std::string(command) + "' command";
}

}  // namespace redsim::err
