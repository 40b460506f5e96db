// ServerProcess: starts a real redis-server or redsim-server on a free loopback port for a test,
// waits until it answers PING, and kills it when destroyed.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

namespace redsim::testing {

class ServerProcess {
 public:
  enum class Kind { kRedis, kRedsim };
  ~ServerProcess();

  // Starts the server with `extra_args` (redis-server syntax, e.g. {"--databases", "4"}).
  // Persistence is off unless the extra args turn it on. Returns nullptr (with a message on
  // stderr) when it does not come up.
  static std::unique_ptr<ServerProcess> Start(Kind kind, std::vector<std::string> extra_args = {});
  // Starts in an existing data directory (kept when the process object is destroyed), on the
  // given port (0 = a free one).
  static std::unique_ptr<ServerProcess> StartIn(Kind kind, const std::string& dir,
                                                std::vector<std::string> extra_args, int port = 0);

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& dir() const { return dir_; }
  // Sends SIGKILL and waits.
  void Kill();
  // True while the process runs (false once it exited or was killed; reaps it).
  bool Alive();
  // Sends SIGTERM and waits up to timeout_ms; returns the exit status or -1.
  int Terminate(int timeout_ms = 5000);
  // Sends `signo` (0: none) and waits up to timeout_ms for the process to exit by itself;
  // returns its exit status, or -1 if it was killed by a signal or did not exit in time (then
  // it is killed).
  int SignalAndWait(int signo, int timeout_ms = 5000);

  static std::string RedsimServerPath();
  static std::string RedisServerPath();
  static bool RedisAvailable();
  static int FreePort();
  // A free port P below 55535 whose cluster bus port P + 10000 is free too (cluster mode).
  static int FreeClusterPort();

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_;
  bool owns_dir_ = true;
};

}  // namespace redsim::testing
