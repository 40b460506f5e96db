// redsim-server: the engine on real sockets and files. Accepts redis-server's command line:
//   redsim-server [/path/to/redsim.conf] [--directive value ...]
// Directives on the command line use the config-file syntax and override the file.
// `--sentinel` (or running the binary as redsim-sentinel) starts a Sentinel, as redis-server does;
// a Sentinel needs its config file, which it rewrites with its state.
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "engine/base/strutil.h"
#include "engine/env/posix_env.h"
#include "engine/server/config.h"
#include "engine/server/info.h"
#include "engine/server/server.h"

namespace {

void Usage() {
  fprintf(stderr,
          "Usage: redsim-server [/path/to/redsim.conf] [options]\n"
          "       redsim-server - (read config from stdin)\n"
          "       redsim-server -v or --version\n"
          "       redsim-server -h or --help\n\n"
          "Examples:\n"
          "       redsim-server (run the server with default config)\n"
          "       redsim-server /etc/redsim/6379.conf\n"
          "       redsim-server --port 7777\n"
          "       redsim-server /etc/myredsim.conf --loglevel verbose\n");
}

// Quotes a command-line value so that it survives the config-file tokenizer as one argument.
std::string QuoteArg(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// Removes "--sentinel" from the arguments; true when sentinel mode is asked for, by that flag or
// by the program's name.
bool TakeSentinelMode(int* argc, char** argv) {
  std::string name = argv[0];
  bool sentinel = name.size() >= 15 && name.compare(name.size() - 15, 15, "redsim-sentinel") == 0;
  int out = 1;
  for (int i = 1; i < *argc; i++) {
    if (std::string(argv[i]) == "--sentinel") {
      sentinel = true;
      continue;
    }
    argv[out++] = argv[i];
  }
  *argc = out;
  return sentinel;
}

}  // namespace

int main(int argc, char** argv) {
  bool sentinel_mode = TakeSentinelMode(&argc, argv);
  std::string config_file;
  std::string text;
  int i = 1;
  if (argc >= 2) {
    std::string first = argv[1];
    if (first == "-v" || first == "--version") {
      printf("redsim-server v=%s (Redis %s compatible)\n", redsim::kRedsimVersion,
             redsim::kRedisVersion);
      return 0;
    }
    if (first == "-h" || first == "--help") {
      Usage();
      return 0;
    }
    if (first.rfind("--", 0) != 0) {
      config_file = first;
      i = 2;
      std::stringstream buf;
      if (config_file == "-") {
        buf << std::cin.rdbuf();
      } else {
        std::ifstream in(config_file);
        if (!in) {
          fprintf(stderr, "Fatal error, can't open config file '%s': No such file or directory\n",
                  config_file.c_str());
          return 1;
        }
        buf << in.rdbuf();
      }
      text = buf.str() + "\n";
    }
  }
  // Command-line directives: "--port 7000 --save '' --bind a b" becomes config lines.
  std::string line;
  for (; i < argc; i++) {
    std::string a = argv[i];
    if (a.rfind("--", 0) == 0 && a.size() > 2) {
      if (!line.empty()) text += line + "\n";
      line = a.substr(2);
    } else {
      if (line.empty()) {
        fprintf(stderr, "Invalid option '%s': options start with '--'\n", a.c_str());
        return 1;
      }
      line += " " + QuoteArg(a);
    }
  }
  if (!line.empty()) text += line + "\n";

  redsim::ServerConfig config;
  if (sentinel_mode) {
    if (config_file.empty() || config_file == "-") {
      fprintf(stderr, "Sentinel needs config file on disk to save state. Exiting...\n");
      return 1;
    }
    config.sentinel_mode = true;
    config.port = 26379;  // Sentinel's default port; the file or the command line may change it
    config.protected_mode = false;
  }
  std::string error = redsim::ConfigRegistry::Get().LoadText(
      config, text, config_file.empty() ? "command line" : config_file);
  if (!error.empty()) {
    fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  char resolved[PATH_MAX];
  if (realpath(config.dir.c_str(), resolved) == nullptr) {
    fprintf(stderr, "Can't chdir to '%s': No such file or directory\n", config.dir.c_str());
    return 1;
  }
  config.dir = resolved;
  if (!config.pidfile.empty()) {
    FILE* f = fopen(config.pidfile.c_str(), "w");
    if (f != nullptr) {
      fprintf(f, "%d\n", static_cast<int>(getpid()));
      fclose(f);
    }
  }

  redsim::PosixEnv env;
  redsim::Server::Options options;
  options.env = &env;
  options.config = config;
  options.log_sink = redsim::MakeLineLogger("redsim", config.logfile);
  if (!config_file.empty() && config_file != "-") {
    char abs[PATH_MAX];
    options.config_file = realpath(config_file.c_str(), abs) ? abs : config_file;
  }
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) options.executable.assign(exe, static_cast<size_t>(n));
  redsim::Server server(std::move(options));
  server.log().Notice("redsim {} starting (Redis {} compatible), pid={}", redsim::kRedsimVersion,
                      redsim::kRedisVersion, env.ProcessId());
  redsim::Status s = server.Start();
  if (!s.ok()) {
    fprintf(stderr, "redsim-server: %s\n", s.ToString().c_str());
    return 1;
  }
  server.set_shutdown_callback([&env] { env.Stop(); });
  env.HandleSignals({SIGTERM, SIGINT}, [&server](int signo) {
    server.log().Warning("Received {}, scheduling shutdown...",
                         signo == SIGINT ? "SIGINT" : "SIGTERM");
    server.Shutdown(false, false, false, false);
  });
  signal(SIGPIPE, SIG_IGN);
  env.Run();
  if (!config.pidfile.empty()) unlink(config.pidfile.c_str());
  return 0;
}
