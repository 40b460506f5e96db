// Reading and writing history files.
//
// Formats (checkers/README.md documents the first one, which redsim's simulated clients write):
//   jsonl         redsim's JSON-lines history: one event object per line, optional header line.
//   jepsen        Jepsen's log lines: `INFO  jepsen.util - <process> <:type> <:f> <value>`.
//   porcupine-kv  one EDN map per line ({:process 3, :type :ok, :f :get, :key "7", ...}).
//   edn           a Knossos/Jepsen EDN history: one vector (or list) of operation maps.
// Every reader reports malformed input as a SourceError naming the line and column; none of
// them crashes or accepts a file silently as an empty history.
#pragma once

#include <string>
#include <string_view>

#include "checkers/history.h"

namespace redsim::checkers {

enum class HistoryFormat { kAuto, kJsonl, kJepsen, kPorcupineKv, kEdn };

const char* HistoryFormatName(HistoryFormat format);
bool ParseHistoryFormat(std::string_view name, HistoryFormat* out);

// Guesses the format from the file name's extension and the first bytes of its text.
HistoryFormat DetectHistoryFormat(std::string_view path, std::string_view text);

// Parses `text` in `format` (kAuto detects it, with `path` as a hint; may be empty).
bool ParseHistory(std::string_view text, HistoryFormat format, std::string_view path, History* out,
                  SourceError* error);

// Reads and parses a file. A file that cannot be read is an error with line 0.
bool LoadHistoryFile(const std::string& path, HistoryFormat format, History* out,
                     SourceError* error);

// Writing the jsonl format (for recorders and tests): the optional header line, and one event.
// Neither output ends with a newline.
std::string JsonlHeader(std::string_view model);
std::string EventToJsonl(const Event& event);

}  // namespace redsim::checkers
