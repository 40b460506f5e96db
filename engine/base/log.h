// Log: a node's log, in redis-server's line format ("pid:M 22 Nov 2026 07:32:02.123 * text").
// Timestamps come from the node's Env wall clock, so simulated nodes log simulated time. Lines go
// to an spdlog sink chosen by the caller (stdout, a file, or nothing in large simulations).
#pragma once

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace redsim {

class Env;

enum class LogLevel { kDebug = 0, kVerbose = 1, kNotice = 2, kWarning = 3, kNothing = 4 };

LogLevel ParseLogLevel(const std::string& name);

class Log {
 public:
  Log() = default;
  Log(Env* env, std::shared_ptr<spdlog::logger> sink, char role = 'M')
      : env_(env), sink_(std::move(sink)), role_(role) {}

  void set_level(LogLevel level) { level_ = level; }
  void set_role(char role) { role_ = role; }
  bool enabled(LogLevel level) const { return sink_ != nullptr && level >= level_; }

  template <typename... Args>
  void Debug(fmt::format_string<Args...> f, Args&&... args) {
    if (enabled(LogLevel::kDebug))
      Write(LogLevel::kDebug, fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  void Verbose(fmt::format_string<Args...> f, Args&&... args) {
    if (enabled(LogLevel::kVerbose))
      Write(LogLevel::kVerbose, fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  void Notice(fmt::format_string<Args...> f, Args&&... args) {
    if (enabled(LogLevel::kNotice))
      Write(LogLevel::kNotice, fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  void Warning(fmt::format_string<Args...> f, Args&&... args) {
    if (enabled(LogLevel::kWarning))
      Write(LogLevel::kWarning, fmt::format(f, std::forward<Args>(args)...));
  }

  void Write(LogLevel level, const std::string& text);

 private:
  Env* env_ = nullptr;
  std::shared_ptr<spdlog::logger> sink_;
  LogLevel level_ = LogLevel::kNotice;
  char role_ = 'M';
};

// A logger that writes plain lines (the Log adds its own prefix) to stdout or to `path`.
std::shared_ptr<spdlog::logger> MakeLineLogger(const std::string& name, const std::string& path);

}  // namespace redsim
