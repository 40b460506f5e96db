#include "engine/base/log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <ctime>

#include "engine/env/env.h"

namespace redsim {

LogLevel ParseLogLevel(const std::string& name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "verbose") return LogLevel::kVerbose;
  if (name == "warning") return LogLevel::kWarning;
  if (name == "nothing") return LogLevel::kNothing;
  return LogLevel::kNotice;
}

void Log::Write(LogLevel level, const std::string& text) {
  static const char kMarks[] = {'.', '-', '*', '#'};
  int64_t us = env_ != nullptr ? env_->WallMicros() : 0;
  time_t secs = static_cast<time_t>(us / 1000000);
  struct tm tm_utc;
  gmtime_r(&secs, &tm_utc);
  char when[64];
  strftime(when, sizeof(when), "%d %b %Y %H:%M:%S", &tm_utc);
  int64_t pid = env_ != nullptr ? env_->ProcessId() : 0;
  sink_->info("{}:{} {}.{:03d} {} {}", pid, role_, when, static_cast<int>((us / 1000) % 1000),
              kMarks[static_cast<int>(level) & 3], text);
}

std::shared_ptr<spdlog::logger> MakeLineLogger(const std::string& name, const std::string& path) {
  std::shared_ptr<spdlog::logger> logger;
  if (path.empty()) {
    logger =
        std::make_shared<spdlog::logger>(name, std::make_shared<spdlog::sinks::stdout_sink_st>());
  } else {
    logger = std::make_shared<spdlog::logger>(
        name, std::make_shared<spdlog::sinks::basic_file_sink_st>(path));
  }
  logger->set_pattern("%v");
  logger->flush_on(spdlog::level::info);
  return logger;
}

}  // namespace redsim
