// INFO and CLIENT LIST text, with Redis 7.0's section and field names.
#pragma once

#include <string>
#include <vector>

namespace redsim {

class Server;
class Client;

// The Redis version redsim reports (INFO redis_version, HELLO): the behaviour it matches.
inline constexpr const char* kRedisVersion = "7.0.15";
inline constexpr const char* kRedsimVersion = "0.1.0";

// One CLIENT LIST / CLIENT INFO line (without the trailing newline).
std::string ClientInfoLine(Server* server, const Client* c);

// The INFO text for the requested sections ("default", "all", "everything", or names).
std::string BuildInfo(Server* server, const std::vector<std::string>& sections);

// "1.23K" style sizes as INFO prints them (used_memory_human...).
std::string HumanBytes(double bytes);

}  // namespace redsim
