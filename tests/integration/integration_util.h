// Helpers for the integration tests: run a shell command and capture its output, read files,
// and start redsim-server with an arbitrary command line (config files, bad directives).
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/resp_client.h"
#include "tests/support/server_process.h"

namespace redsim::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `command` with /bin/sh, bounded by `timeout_s` seconds.
inline CommandResult Shell(const std::string& command, int timeout_s = 60) {
  std::string full = "timeout " + std::to_string(timeout_s) + " sh -c '" + command + "' 2>&1";
  // Single quotes inside `command` would break the wrapping: callers avoid them.
  CommandResult r;
  FILE* p = popen(full.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) r.output.append(buf, n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

inline bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Waits until `port` answers PING (or NOAUTH), up to timeout_ms.
inline bool WaitForPort(int port, int timeout_ms = 5000) {
  for (int waited = 0; waited < timeout_ms; waited += 25) {
    RespClient c;
    if (c.Connect(port, 500)) {
      RespValue r = c.Call({"PING"});
      if (r.type == RespValue::Type::kSimple || r.is_error()) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return false;
}

inline std::string RedsimServer() { return ServerProcess::RedsimServerPath(); }

// A redsim-server started with an arbitrary command line (argv[0] is added), its output going
// to `output_path`. Killed when destroyed if still running.
class Spawned {
 public:
  Spawned(std::vector<std::string> args, const std::string& output_path) {
    args.insert(args.begin(), RedsimServer());
    pid_ = fork();
    if (pid_ == 0) {
      FILE* out = fopen(output_path.c_str(), "w");
      if (out != nullptr) {
        dup2(fileno(out), 1);
        dup2(fileno(out), 2);
      }
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  ~Spawned() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      Wait(5000);
    }
  }
  // Waits for the process to exit; returns its exit status, or -1 (signal, timeout).
  int Wait(int timeout_ms) {
    for (int waited = 0; pid_ > 0 && waited <= timeout_ms; waited += 10) {
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

}  // namespace redsim::testing
