#include "tests/support/server_process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "tests/support/resp_client.h"

#ifndef REDSIM_SERVER_PATH
#define REDSIM_SERVER_PATH "redsim-server"
#endif

namespace redsim::testing {

std::string ServerProcess::RedsimServerPath() {
  const char* env = getenv("REDSIM_SERVER");
  return env != nullptr ? env : REDSIM_SERVER_PATH;
}

std::string ServerProcess::RedisServerPath() {
  const char* env = getenv("REDIS_SERVER");
  return env != nullptr ? env : "/usr/bin/redis-server";
}

bool ServerProcess::RedisAvailable() { return access(RedisServerPath().c_str(), X_OK) == 0; }

int ServerProcess::FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

static bool PortFree(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

int ServerProcess::FreeClusterPort() {
  // Spread over [21000, 45000) from the pid and a counter, so parallel test binaries rarely race.
  static int counter = 0;
  for (int attempt = 0; attempt < 2000; attempt++) {
    int port = 21000 + (getpid() * 37 + counter++ * 7919) % 24000;
    if (PortFree(port) && PortFree(port + 10000)) return port;
  }
  return 0;
}

std::unique_ptr<ServerProcess> ServerProcess::Start(Kind kind, std::vector<std::string> extra) {
  char tmpl[] = "/tmp/redsim-test-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  auto p = StartIn(kind, dir, std::move(extra));
  if (p) p->owns_dir_ = true;
  return p;
}

std::unique_ptr<ServerProcess> ServerProcess::StartIn(Kind kind, const std::string& dir,
                                                      std::vector<std::string> extra, int port) {
  for (int attempt = 0; attempt < 5; attempt++) {
    auto p = std::unique_ptr<ServerProcess>(new ServerProcess());
    p->port_ = port != 0 ? port : FreePort();
    p->dir_ = dir;
    p->owns_dir_ = false;
    std::string bin = kind == Kind::kRedis ? RedisServerPath() : RedsimServerPath();
    std::vector<std::string> args = {
        bin,      "--port",    std::to_string(p->port_), "--bind", "127.0.0.1",
        "--save", "",          "--appendonly",           "no",     "--dir",
        p->dir_,  "--logfile", p->dir_ + "/server.log"};
    if (kind == Kind::kRedis) {
      args.insert(args.end(), {"--daemonize", "no", "--enable-debug-command", "yes"});
    } else {
      args.insert(args.end(), {"--enable-debug-command", "yes"});
    }
    args.insert(args.end(), extra.begin(), extra.end());
    pid_t pid = fork();
    if (pid == 0) {
      // The server must not hold the test's output pipes open after the test exits.
      int devnull = open("/dev/null", O_RDWR);
      dup2(devnull, 0);
      dup2(devnull, 1);
      dup2(devnull, 2);
      // Die with the test process, whatever way it exits.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    p->pid_ = pid;
    for (int i = 0; i < 200; i++) {
      RespClient c;
      if (c.Connect(p->port_, 1000)) {
        // PONG, or NOAUTH from a server started with a password: either way it serves.
        RespValue r = c.Call({"PING"});
        if (r.type == RespValue::Type::kSimple || (r.is_error() && r.str.rfind("NOAUTH", 0) == 0)) {
          return p;
        }
      }
      int status;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        p->pid_ = -1;
        break;  // died (port taken?): retry with another port
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    fprintf(stderr, "ServerProcess: %s did not start on port %d (see %s/server.log)\n", bin.c_str(),
            p->port_, p->dir_.c_str());
  }
  return nullptr;
}

void ServerProcess::Kill() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    int status;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
}

bool ServerProcess::Alive() {
  if (pid_ <= 0) return false;
  int status;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

int ServerProcess::Terminate(int timeout_ms) { return SignalAndWait(SIGTERM, timeout_ms); }

int ServerProcess::SignalAndWait(int signo, int timeout_ms) {
  if (pid_ <= 0) return -1;
  if (signo != 0) kill(pid_, signo);
  for (int waited = 0; waited < timeout_ms; waited += 10) {
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Kill();
  return -1;
}

ServerProcess::~ServerProcess() {
  Kill();
  if (!dir_.empty() && owns_dir_) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

}  // namespace redsim::testing
