// The RDB codec of streams: writes RDB_TYPE_STREAM_LISTPACKS_2 (19), the type Redis 7.0 writes,
// and reads types 15, 19 and 21 (Redis 6.x, 7.0 and 7.2). Entries are stored as Redis's
// listpack nodes keyed by their 16-byte big-endian master ID: a master entry (live count,
// deleted count, master fields, 0) followed by entries (flags, ms and seq deltas from the
// master, values or field/value pairs, the entry's element count). A stream built by appends
// writes byte-identically to Redis's.
//
// Loading validates everything a crafted payload could break — node order, ID order, element
// counts, group and consumer pending lists that must agree — and fails with an error rather
// than build a stream that breaks StreamObject's invariants.
#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "engine/base/strutil.h"
#include "engine/persistence/listpack.h"
#include "engine/persistence/rdb_codec.h"
#include "engine/types/stream_object.h"

namespace redsim::rdb {
namespace {

constexpr uint8_t kTypeStreamListpacks3 = 21;
constexpr int64_t kFlagDeleted = 1;
constexpr int64_t kFlagSameFields = 2;
// Bounds on what a payload may claim before we allocate for it.
constexpr uint64_t kMaxListpackElements = 1u << 30;

std::string EncodeId(const StreamId& id) {
  std::string out(16, '\0');
  for (int i = 0; i < 8; i++) {
    out[static_cast<size_t>(i)] = static_cast<char>((id.ms >> (56 - 8 * i)) & 0xff);
    out[static_cast<size_t>(8 + i)] = static_cast<char>((id.seq >> (56 - 8 * i)) & 0xff);
  }
  return out;
}

StreamId DecodeId(std::string_view b) {
  StreamId id;
  for (int i = 0; i < 8; i++) {
    id.ms = (id.ms << 8) | static_cast<uint8_t>(b[static_cast<size_t>(i)]);
    id.seq = (id.seq << 8) | static_cast<uint8_t>(b[static_cast<size_t>(8 + i)]);
  }
  return id;
}

// ---- Saving ---------------------------------------------------------------------------------

std::string NodeListpack(const StreamId& master, const std::vector<std::string_view>& fields,
                         const std::vector<StreamObject::Entry>& entries) {
  ListpackWriter lp;
  lp.AddInteger(static_cast<int64_t>(entries.size()));
  lp.AddInteger(0);
  lp.AddInteger(static_cast<int64_t>(fields.size()));
  for (std::string_view f : fields) lp.AddString(f);
  lp.AddInteger(0);
  for (const auto& e : entries) {
    size_t n = e.fields_values.size() / 2;
    bool same = n == fields.size();
    for (size_t i = 0; same && i < n; i++) same = e.fields_values[2 * i] == fields[i];
    lp.AddInteger(same ? kFlagSameFields : 0);
    lp.AddInteger(static_cast<int64_t>(e.id.ms - master.ms));
    lp.AddInteger(static_cast<int64_t>(e.id.seq - master.seq));
    if (same) {
      for (size_t i = 0; i < n; i++) lp.AddString(e.fields_values[2 * i + 1]);
      lp.AddInteger(static_cast<int64_t>(n + 3));
    } else {
      lp.AddInteger(static_cast<int64_t>(n));
      for (std::string_view s : e.fields_values) lp.AddString(s);
      lp.AddInteger(static_cast<int64_t>(2 * n + 4));
    }
  }
  return lp.Finish();
}

void SaveStream(const Value& v, Encoder& enc) {
  const auto* s = v.As<StreamObject>();
  enc.Length(s->block_count());
  s->ForEachBlock([&](const StreamId& master, const std::vector<std::string_view>& fields,
                      const std::vector<StreamObject::Entry>& entries) {
    enc.String(EncodeId(master));
    enc.String(NodeListpack(master, fields, entries));
  });
  enc.Length(s->length());
  enc.Length(s->last_id().ms);
  enc.Length(s->last_id().seq);
  enc.Length(s->first_id().ms);
  enc.Length(s->first_id().seq);
  enc.Length(s->max_deleted_id().ms);
  enc.Length(s->max_deleted_id().seq);
  enc.Length(s->entries_added());
  enc.Length(s->groups().size());
  for (const auto& [name, g] : s->groups()) {
    enc.String(name);
    enc.Length(g->last_id.ms);
    enc.Length(g->last_id.seq);
    enc.Length(static_cast<uint64_t>(g->entries_read));
    enc.Length(g->pending.size());
    for (const auto& [id, pe] : g->pending) {
      enc.Raw(EncodeId(id));
      enc.Millis(pe.delivery_time_ms);
      enc.Length(pe.delivery_count);
    }
    enc.Length(g->consumers.size());
    for (const auto& [cname, c] : g->consumers) {
      enc.String(cname);
      enc.Millis(c->seen_time_ms);
      enc.Length(c->pending.size());
      for (const StreamId& id : c->pending) enc.Raw(EncodeId(id));
    }
  }
}

uint8_t StreamRdbType(const Value&) { return kTypeStreamListpacks2; }

// ---- Loading --------------------------------------------------------------------------------

// Reads listpack elements in order, as integers or strings, failing on the first bad one.
class NodeReader {
 public:
  NodeReader(const std::vector<std::string>& elements, Decoder& dec)
      : elements_(elements), dec_(dec) {}
  bool Int(int64_t* v) {
    if (pos_ >= elements_.size()) return dec_.Fail("stream listpack ends early");
    if (!ParseInt64(elements_[pos_++], v)) return dec_.Fail("stream listpack: integer expected");
    return true;
  }
  bool Str(std::string_view* s) {
    if (pos_ >= elements_.size()) return dec_.Fail("stream listpack ends early");
    *s = elements_[pos_++];
    return true;
  }
  bool done() const { return pos_ >= elements_.size(); }

 private:
  const std::vector<std::string>& elements_;
  Decoder& dec_;
  size_t pos_ = 0;
};

struct LoadedEntry {
  StreamId id;
  std::vector<std::string_view> fields_values;
};

// Reads one node's entries (live ones into *live); `prev` is the last ID seen (any entry).
bool ReadNode(const StreamId& master, const std::vector<std::string>& elements, Decoder& dec,
              StreamId* prev, bool* have_prev, std::vector<std::string_view>* master_fields,
              std::vector<LoadedEntry>* live, uint32_t* total) {
  NodeReader r(elements, dec);
  int64_t count, deleted, nfields, zero;
  if (!r.Int(&count) || !r.Int(&deleted) || !r.Int(&nfields)) return false;
  if (count < 0 || deleted < 0 || nfields <= 0 ||
      static_cast<uint64_t>(nfields) > elements.size()) {
    return dec.Fail("stream listpack: bad master entry");
  }
  for (int64_t i = 0; i < nfields; i++) {
    std::string_view f;
    if (!r.Str(&f)) return false;
    master_fields->push_back(f);
  }
  if (!r.Int(&zero) || zero != 0) return dec.Fail("stream listpack: bad master terminator");
  int64_t seen_live = 0, seen_deleted = 0;
  while (!r.done()) {
    int64_t flags, ms_delta, seq_delta, n, lp_count;
    if (!r.Int(&flags) || !r.Int(&ms_delta) || !r.Int(&seq_delta)) return false;
    LoadedEntry e;
    e.id = StreamId{master.ms + static_cast<uint64_t>(ms_delta),
                    master.seq + static_cast<uint64_t>(seq_delta)};
    if (e.id < master || (*have_prev && !(*prev < e.id))) {
      return dec.Fail("stream listpack: entry IDs out of order");
    }
    *prev = e.id;
    *have_prev = true;
    bool same = (flags & kFlagSameFields) != 0;
    n = nfields;
    if (!same && (!r.Int(&n) || n <= 0 || static_cast<uint64_t>(n) > elements.size())) {
      return dec.Fail("stream listpack: bad field count");
    }
    for (int64_t i = 0; i < n; i++) {
      std::string_view f, value;
      if (same) {
        f = (*master_fields)[static_cast<size_t>(i)];
      } else if (!r.Str(&f)) {
        return false;
      }
      if (!r.Str(&value)) return false;
      e.fields_values.push_back(f);
      e.fields_values.push_back(value);
    }
    if (!r.Int(&lp_count) || lp_count != (same ? n + 3 : 2 * n + 4)) {
      return dec.Fail("stream listpack: bad entry element count");
    }
    if (flags & kFlagDeleted) {
      seen_deleted++;
    } else {
      seen_live++;
      live->push_back(std::move(e));
    }
  }
  if (seen_live != count || seen_deleted != deleted) {
    return dec.Fail("stream listpack: entry counts do not match its master entry");
  }
  *total = static_cast<uint32_t>(count + deleted);
  return true;
}

bool LoadNodes(Decoder& dec, StreamObject* s) {
  uint64_t nodes;
  if (!dec.Length(&nodes)) return false;
  StreamId prev;
  bool have_prev = false;
  for (uint64_t i = 0; i < nodes; i++) {
    std::string key, lp;
    if (!dec.String(&key) || !dec.String(&lp)) return false;
    if (key.size() != 16) return dec.Fail("stream node key is not a 16-byte ID");
    StreamId master = DecodeId(key);
    if (have_prev && !(prev < master)) return dec.Fail("stream nodes out of order");
    std::vector<std::string> elements;
    std::string error;
    if (!DecodeListpack(lp, &elements, &error)) return dec.Fail("stream listpack: " + error);
    if (elements.empty() || elements.size() > kMaxListpackElements) {
      return dec.Fail("empty listpack inside stream");
    }
    std::vector<std::string_view> fields;
    std::vector<LoadedEntry> live;
    uint32_t total = 0;
    if (!ReadNode(master, elements, dec, &prev, &have_prev, &fields, &live, &total)) return false;
    if (live.empty()) continue;  // nothing left in this node: no block
    s->StartLoadedBlock(master, fields, static_cast<uint32_t>(lp.size()), total, prev);
    for (const LoadedEntry& e : live) s->AppendLoaded(e.id, e.fields_values);
  }
  return true;
}

bool LoadId(Decoder& dec, StreamId* id) { return dec.Length(&id->ms) && dec.Length(&id->seq); }

bool LoadGroup(uint8_t type, Decoder& dec, StreamObject* s) {
  std::string name;
  StreamId last;
  if (!dec.String(&name) || !LoadId(dec, &last)) return false;
  int64_t entries_read = s->EstimateEntriesUpTo(last);
  if (type != kTypeStreamListpacks) {
    uint64_t v;
    if (!dec.Length(&v)) return false;
    entries_read = static_cast<int64_t>(v);
  }
  StreamGroup* g = s->CreateGroup(name, last, entries_read);
  if (g == nullptr) return dec.Fail("duplicate stream consumer group name");
  uint64_t pel;
  if (!dec.Length(&pel)) return false;
  for (uint64_t i = 0; i < pel; i++) {
    std::string_view raw;
    PendingEntry pe;
    if (!dec.Raw(16, &raw) || !dec.Millis(&pe.delivery_time_ms) ||
        !dec.Length(&pe.delivery_count)) {
      return false;
    }
    if (!g->pending.emplace(DecodeId(raw), pe).second) {
      return dec.Fail("duplicate entry in a stream group's pending list");
    }
  }
  uint64_t consumers;
  if (!dec.Length(&consumers)) return false;
  for (uint64_t i = 0; i < consumers; i++) {
    std::string cname;
    int64_t seen, active;
    if (!dec.String(&cname) || !dec.Millis(&seen)) return false;
    if (type == kTypeStreamListpacks3 && !dec.Millis(&active)) return false;
    StreamConsumer* c = g->CreateConsumer(cname, seen);
    if (c == nullptr) return dec.Fail("duplicate stream consumer name");
    uint64_t n;
    if (!dec.Length(&n)) return false;
    for (uint64_t j = 0; j < n; j++) {
      std::string_view raw;
      if (!dec.Raw(16, &raw)) return false;
      StreamId id = DecodeId(raw);
      auto it = g->pending.find(id);
      if (it == g->pending.end() || it->second.consumer != nullptr) {
        return dec.Fail("stream consumer's pending entry is not in its group's pending list");
      }
      it->second.consumer = c;
      c->pending.insert(id);
    }
  }
  for (const auto& [id, pe] : g->pending) {
    if (pe.consumer == nullptr) return dec.Fail("stream pending entry without a consumer");
  }
  return true;
}

bool LoadStream(uint8_t type, Decoder& dec, const LoadContext&, Value* out) {
  auto s = std::make_unique<StreamObject>();
  if (!LoadNodes(dec, s.get())) return false;
  uint64_t length;
  StreamId last;
  if (!dec.Length(&length) || !LoadId(dec, &last)) return false;
  if (length != s->length()) return dec.Fail("stream length does not match its entries");
  StreamObject::Entry top;
  if (s->LastEntry(&top) && last < top.id) {
    return dec.Fail("stream last ID is below its top entry");
  }
  s->set_last_id(last);
  if (type == kTypeStreamListpacks) {
    StreamObject::Entry first;
    s->set_first_id(s->FirstEntry(&first) ? first.id : StreamId::Min());
    s->set_entries_added(length);
  } else {
    StreamId first, max_deleted;
    uint64_t added;
    if (!LoadId(dec, &first) || !LoadId(dec, &max_deleted) || !dec.Length(&added)) return false;
    s->set_first_id(first);
    s->set_max_deleted_id(max_deleted);
    s->set_entries_added(added);
  }
  uint64_t groups;
  if (!dec.Length(&groups)) return false;
  for (uint64_t i = 0; i < groups; i++) {
    if (!LoadGroup(type, dec, s.get())) return false;
  }
  *out = Value::FromObject(std::move(s));
  return true;
}

}  // namespace

bool RegisterStreamCodec() {
  static const bool registered =
      RegisterTypeCodec({ObjType::kStream,
                         StreamRdbType,
                         SaveStream,
                         {kTypeStreamListpacks, kTypeStreamListpacks2, kTypeStreamListpacks3},
                         LoadStream});
  return registered;
}

// Registers at startup; the stream family also calls RegisterStreamCodec so that the linker
// keeps this file.
const bool kStreamCodec = RegisterStreamCodec();

}  // namespace redsim::rdb
