// Helpers shared by the stream command files (stream_family.cc, stream_group_family.cc): ID
// parsing with Redis's rules and error texts, entry replies, keyspace signalling, and the
// propagation forms Redis uses for consumer-group effects.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/server/command_context.h"
#include "engine/types/stream_object.h"

namespace redsim::stream {

inline constexpr std::string_view kInvalidId =
    "ERR Invalid stream ID specified as stream command argument";

// Redis's string2ull: a strict int64 that is not negative, else whatever strtoull accepts in
// full (leading blanks, a sign, leading zeros; a '-' wraps around).
bool ParseUll(std::string_view s, uint64_t* out);

// Parses an ID as Redis does: "-" and "+" (unless strict), "ms" (seq = missing_seq), "ms-seq",
// and with `seq_given` non-null also "ms-*" (*seq_given = false). Replies the error on failure.
bool ParseId(CommandContext& ctx, std::string_view arg, uint64_t missing_seq, bool strict,
             StreamId* out, bool* seq_given = nullptr);
// The same without replying.
bool ParseIdQuiet(std::string_view arg, uint64_t missing_seq, bool strict, StreamId* out,
                  bool* seq_given = nullptr);
// An interval bound of XRANGE / XPENDING: an ID, or "(" + strict ID for an exclusive bound.
bool ParseIntervalId(CommandContext& ctx, std::string_view arg, uint64_t missing_seq, StreamId* out,
                     bool* exclusive);

// [id, [f1, v1, ...]]
void ReplyEntry(ReplyBuilder& reply, const StreamObject::Entry& e);
void ReplyId(ReplyBuilder& reply, const StreamId& id);

// The stream at `key`; replies WRONGTYPE (and sets *wrong_type) for another type.
StreamObject* ReadStream(CommandContext& ctx, std::string_view key, bool* wrong_type);
StreamObject* WriteStream(CommandContext& ctx, std::string_view key, bool* wrong_type);

// A stream key changed: WATCH invalidation and the 't' keyspace event.
void Touched(CommandContext& ctx, std::string_view key, const char* event);

// The XCLAIM that replicas and the AOF receive for a delivered or claimed entry.
void PropagateClaim(CommandContext& ctx, std::string_view key, std::string_view group_name,
                    const StreamGroup& group, const StreamId& id, const PendingEntry& pe);
// XGROUP SETID key group last_id ENTRIESREAD n.
void PropagateGroupId(CommandContext& ctx, std::string_view key, std::string_view group_name,
                      const StreamGroup& group);
// XGROUP CREATECONSUMER key group consumer.
void PropagateConsumerCreation(CommandContext& ctx, std::string_view key,
                               std::string_view group_name, std::string_view consumer);

// Finds a consumer (refreshing its seen time) or creates it, notifying the creation and, with
// `propagate` (XREADGROUP, whose own effects may not create it on a replica), propagating it.
StreamConsumer* LookupOrCreateConsumer(CommandContext& ctx, std::string_view key,
                                       std::string_view group_name, StreamGroup* group,
                                       std::string_view consumer_name, bool propagate);

}  // namespace redsim::stream
