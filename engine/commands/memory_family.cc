// MEMORY: USAGE (what a key costs, from each value's own accounting), STATS (the figures the
// server really tracks), DOCTOR, MALLOC-STATS, PURGE and HELP in small, honest forms: nothing is
// reported that redsim does not measure.
#include "engine/base/strutil.h"
#include "engine/commands/families.h"
#include "engine/server/command_context.h"
#include "engine/types/lazy_free.h"
#include "engine/types/set_object.h"

namespace redsim {
namespace {

// Bytes a key costs besides its value: the table entry holding the key bytes, plus its bucket
// slot.
size_t KeyOverhead(const DbEntry* e) {
  return AllocatedSize(offsetof(DbEntry, key_data) + e->key().size()) + sizeof(void*);
}

// MEMORY USAGE key [SAMPLES count]
void MemoryUsage(CommandContext& ctx) {
  for (size_t j = 3; j < ctx.argc(); j += 2) {
    if (EqualsIgnoreCase(ctx.arg(j), "samples") && j + 1 < ctx.argc()) {
      int64_t samples;
      if (!ParseInt64(ctx.arg(j + 1), &samples)) {
        ctx.reply.Error(err::kNotInteger);
        return;
      }
      // Accepted for compatibility: every value here keeps an exact byte count, so there is
      // nothing to sample.
      if (samples < 0) {
        ctx.reply.Error(err::kSyntax);
        return;
      }
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  DbEntry* e = ctx.keyspace().Peek(ctx.db(), ctx.arg(2));
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  ctx.reply.Integer(static_cast<int64_t>(KeyOverhead(e) + e->value.MemoryUsage()));
}

struct DatasetFigures {
  uint64_t keys = 0;
  uint64_t bytes = 0;
};

DatasetFigures Dataset(Server* server) {
  DatasetFigures f;
  for (int i = 0; i < server->keyspace().db_count(); i++) {
    server->keyspace().db(i)->table().ForEach([&](DbEntry* e) {
      f.keys++;
      f.bytes += KeyOverhead(e) + e->value.MemoryUsage();
    });
  }
  return f;
}

// MEMORY STATS
void MemoryStats(CommandContext& ctx) {
  Server* server = ctx.server;
  uint64_t used = server->UsedMemory();
  uint64_t peak = std::max(used, server->stats().used_memory_peak);
  uint64_t startup = server->stats().used_memory_startup;
  DatasetFigures data = Dataset(server);
  std::vector<std::pair<int, uint64_t>> dbs;
  uint64_t table_overhead = 0;
  for (int i = 0; i < server->keyspace().db_count(); i++) {
    Database* db = server->keyspace().db(i);
    if (db->size() == 0) continue;
    uint64_t main = db->table().bucket_count() * sizeof(void*);
    table_overhead += main + db->volatile_count() * sizeof(void*);
    dbs.emplace_back(i, main);
  }
  ReplyBuilder& r = ctx.reply;
  r.MapHeader(static_cast<int64_t>(13 + dbs.size()));
  auto field = [&](const char* name, uint64_t v) {
    r.Bulk(name);
    r.Integer(static_cast<int64_t>(v));
  };
  field("peak.allocated", peak);
  field("total.allocated", used);
  field("startup.allocated", startup);
  // Subsystems redsim does not have yet hold nothing.
  field("replication.backlog", 0);
  field("aof.buffer", 0);
  field("lua.caches", 0);
  for (const auto& [index, main] : dbs) {
    r.Bulk("db." + std::to_string(index));
    r.MapHeader(2);
    field("overhead.hashtable.main", main);
    field("overhead.hashtable.expires",
          server->keyspace().db(index)->volatile_count() * sizeof(void*));
  }
  field("overhead.total", startup + table_overhead);
  field("keys.count", data.keys);
  field("keys.bytes-per-key", data.keys ? data.bytes / data.keys : 0);
  field("dataset.bytes", data.bytes);
  field("lazyfree.pending_objects", server->lazy_freer().pending_objects());
  // The longest single lazy-free step so far: how long freeing ever held the event loop.
  field("lazyfree.longest_step_us", static_cast<uint64_t>(server->lazy_freer().longest_step_us()));
  r.Bulk("peak.percentage");
  r.Double(peak ? 100.0 * static_cast<double>(used) / static_cast<double>(peak) : 100.0);
}

// MEMORY DOCTOR
void MemoryDoctor(CommandContext& ctx) {
  Server* server = ctx.server;
  uint64_t used = server->UsedMemory();
  if (used < 5 * 1024 * 1024) {
    ctx.reply.Verbatim(
        "Hi Sam, this instance is empty or is using very little memory, my issues detector can't "
        "be used in these conditions. Please, leave for your mission on Earth and fill it with "
        "some data. The new Sam and I will be back to our programming as soon as I finished "
        "rebooting.");
    return;
  }
  std::string report;
  uint64_t peak = server->stats().used_memory_peak;
  if (peak > used + used / 2) {
    report +=
        " * Peak memory: In the past this instance used more than 150% the memory that is "
        "currently using. The allocator is normally not able to release memory after a "
        "peak, so you can expect to see a big fragmentation ratio.\n\n";
  }
  if (server->lazy_freer().pending_objects() > 0) {
    report += " * Lazy free: values are still being freed in the background (" +
              std::to_string(server->lazy_freer().pending_objects()) + " pending).\n\n";
  }
  if (report.empty()) {
    ctx.reply.Verbatim(
        "Hi Sam, I can't find any memory issue in your instance. I can only account for what "
        "occurs on this base.");
    return;
  }
  ctx.reply.Verbatim("Sam, I detected a few issues in this Redis instance memory implants:\n\n" +
                     report + "I'm here to keep you safe, Sam. I want to help you.\n");
}

// MEMORY MALLOC-STATS
void MemoryMallocStats(CommandContext& ctx) {
  ctx.reply.Verbatim("Stats not supported for the current allocator");
}

// MEMORY PURGE
void MemoryPurge(CommandContext& ctx) { ctx.reply.Ok(); }

// MEMORY HELP
void MemoryHelp(CommandContext& ctx) {
  static const char* kLines[] = {
      "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DOCTOR",
      "    Return memory problems reports.",
      "MALLOC-STATS",
      "    Return internal statistics report from the memory allocator.",
      "PURGE",
      "    Attempt to purge dirty pages for reclamation by the allocator.",
      "STATS",
      "    Return information about the memory usage of the server.",
      "USAGE <key> [SAMPLES <count>]",
      "    Return memory in bytes used by <key> and its value. Nested values are",
      "    sampled up to <count> times (default: 5, 0 means sample all).",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply.ArrayHeader(static_cast<int64_t>(std::size(kLines)));
  for (const char* line : kLines) ctx.reply.Simple(line);
}

}  // namespace

void RegisterMemoryFamily(CommandTable& t) {
  t.Register("memory|usage", MemoryUsage);
  t.Register("memory|stats", MemoryStats);
  t.Register("memory|doctor", MemoryDoctor);
  t.Register("memory|malloc-stats", MemoryMallocStats);
  t.Register("memory|purge", MemoryPurge);
  t.Register("memory|help", MemoryHelp);
}

}  // namespace redsim
