// Sentinel configuration pieces shared by the config loader and the Sentinel itself: validation
// of one `sentinel ...` directive (so that a bad line is a startup error naming it), and the
// hello message that Sentinels exchange on `__sentinel__:hello`.
//
// Directive grammar follows Redis 7.0's sentinel.conf; the words after "sentinel" are given
// (e.g. {"monitor", "mymaster", "127.0.0.1", "6379", "2"}). A directive naming a primary must
// follow that primary's `monitor` line, as Redis requires.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace redsim {

// Returns "" when `directive` is well formed, else the reason (for the loader's error message).
// `earlier` holds the directives accepted before it, in order.
std::string ValidateSentinelDirective(const std::vector<std::string>& directive,
                                      const std::vector<std::vector<std::string>>& earlier);

// A Sentinel's hello: "ip,port,runid,current_epoch,master_name,master_ip,master_port,
// master_config_epoch", published every 2 s on every monitored instance.
struct HelloMessage {
  std::string ip;
  int port = 0;
  std::string run_id;
  uint64_t current_epoch = 0;
  std::string master_name;
  std::string master_ip;
  int master_port = 0;
  uint64_t master_config_epoch = 0;

  std::string Format() const;
  // False when `text` is not a well-formed hello (wrong field count, bad numbers).
  static bool Parse(const std::string& text, HelloMessage* out);
};

// True for a 40-character lowercase-or-uppercase hex run id.
bool IsRunId(const std::string& s);

}  // namespace redsim
