// Block byte format (all numbers are LEB128 varints, strings are varint length + bytes):
//   header: master field count, master fields
//   entry:  flags (1 byte: kSameFields), ms delta from the master ID, then the sequence — as a
//           delta from the master's when the ms delta is 0, else as is — then either the values
//           (kSameFields: one per master field) or a field count and field/value pairs.
// Entries are found by decoding a block from its start; blocks hold at most a few hundred
// entries (stream-node-max-entries), which keeps that cheap and lets deletion splice bytes out
// rather than leave tombstones.
#include "engine/types/stream_object.h"

#include "engine/base/check.h"
#include "engine/base/strutil.h"

namespace redsim {
namespace {

constexpr uint8_t kSameFields = 0x02;
// Redis's cap on a stream listpack (STREAM_LISTPACK_MAX_SIZE).
constexpr uint64_t kRedisListpackMaxBytes = 1ULL << 30;

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

uint64_t GetVarint(const std::string& in, size_t* pos) {
  uint64_t v = 0;
  int shift = 0;
  while (true) {
    auto byte = static_cast<uint8_t>(in[(*pos)++]);
    v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return v;
    shift += 7;
  }
}

void PutString(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s);
}

std::string_view GetString(const std::string& in, size_t* pos) {
  size_t len = GetVarint(in, pos);
  std::string_view s(in.data() + *pos, len);
  *pos += len;
  return s;
}

// ---- Sizes of Redis's listpack elements (to split blocks where Redis splits nodes) ----------

uint32_t BacklenBytes(uint64_t element_bytes) {
  if (element_bytes <= 127) return 1;
  if (element_bytes < 16383) return 2;
  if (element_bytes < 2097151) return 3;
  if (element_bytes < 268435455) return 4;
  return 5;
}

uint32_t LpIntBytes(int64_t v) {
  uint32_t n;
  if (v >= 0 && v <= 127)
    n = 1;
  else if (v >= -4096 && v <= 4095)
    n = 2;
  else if (v >= INT16_MIN && v <= INT16_MAX)
    n = 3;
  else if (v >= -(1 << 23) && v <= (1 << 23) - 1)
    n = 4;
  else if (v >= INT32_MIN && v <= INT32_MAX)
    n = 5;
  else
    n = 9;
  return n + BacklenBytes(n);
}

uint32_t LpStringBytes(std::string_view s) {
  int64_t v;
  if (s.size() <= 20 && ParseInt64(s, &v)) return LpIntBytes(v);
  uint64_t n = s.size() + (s.size() < 64 ? 1 : s.size() < 4096 ? 2 : 5);
  return static_cast<uint32_t>(n + BacklenBytes(n));
}

bool SameFields(const std::vector<std::string_view>& master,
                const std::vector<std::string_view>& fields_values) {
  if (master.size() * 2 != fields_values.size()) return false;
  for (size_t i = 0; i < master.size(); i++) {
    if (master[i] != fields_values[2 * i]) return false;
  }
  return true;
}

std::vector<std::string_view> MasterFields(const std::string& bytes, size_t* pos) {
  size_t n = GetVarint(bytes, pos);
  std::vector<std::string_view> fields;
  fields.reserve(n);
  for (size_t i = 0; i < n; i++) fields.push_back(GetString(bytes, pos));
  return fields;
}

// Reads the entry at *pos (advancing past it): its ID and, when `fields_values` is given, its
// fields and values (views into `in`).
void ReadEntry(const StreamId& master, const std::string& in,
               const std::vector<std::string_view>& master_fields, size_t* pos, StreamId* id,
               std::vector<std::string_view>* fields_values) {
  auto flags = static_cast<uint8_t>(in[(*pos)++]);
  uint64_t ms_delta = GetVarint(in, pos);
  uint64_t seq = GetVarint(in, pos);
  id->ms = master.ms + ms_delta;
  id->seq = ms_delta == 0 ? master.seq + seq : seq;
  if (fields_values != nullptr) fields_values->clear();
  if (flags & kSameFields) {
    for (std::string_view f : master_fields) {
      std::string_view v = GetString(in, pos);
      if (fields_values == nullptr) continue;
      fields_values->push_back(f);
      fields_values->push_back(v);
    }
  } else {
    size_t n = GetVarint(in, pos);
    for (size_t i = 0; i < n * 2; i++) {
      std::string_view v = GetString(in, pos);
      if (fields_values != nullptr) fields_values->push_back(v);
    }
  }
}

}  // namespace

bool StreamId::Increment() {
  if (seq == UINT64_MAX) {
    if (ms == UINT64_MAX) return false;
    ms++;
    seq = 0;
  } else {
    seq++;
  }
  return true;
}

bool StreamId::Decrement() {
  if (seq == 0) {
    if (ms == 0) return false;
    ms--;
    seq = UINT64_MAX;
  } else {
    seq--;
  }
  return true;
}

std::string StreamId::ToString() const { return std::to_string(ms) + "-" + std::to_string(seq); }

bool ParseStreamId(std::string_view s, uint64_t missing_seq, StreamId* out, bool* seq_given) {
  if (s.empty() || s.size() > 127) return false;
  size_t dash = s.find('-');
  uint64_t ms, seq = missing_seq;
  if (!ParseUint64(s.substr(0, dash), &ms)) return false;
  if (dash != std::string_view::npos && !ParseUint64(s.substr(dash + 1), &seq)) return false;
  if (seq_given != nullptr) *seq_given = dash != std::string_view::npos;
  *out = StreamId{ms, seq};
  return true;
}

// ---- Groups ---------------------------------------------------------------------------------

StreamConsumer* StreamGroup::FindConsumer(std::string_view name) {
  auto it = consumers.find(name);
  return it == consumers.end() ? nullptr : it->second.get();
}

StreamConsumer* StreamGroup::CreateConsumer(std::string_view name, int64_t now_ms) {
  auto [it, inserted] = consumers.try_emplace(std::string(name));
  if (!inserted) return nullptr;
  it->second = std::make_unique<StreamConsumer>();
  it->second->name = std::string(name);
  it->second->seen_time_ms = now_ms;
  return it->second.get();
}

size_t StreamGroup::DeleteConsumer(std::string_view name) {
  auto it = consumers.find(name);
  if (it == consumers.end()) return 0;
  size_t n = it->second->pending.size();
  for (const StreamId& id : it->second->pending) pending.erase(id);
  consumers.erase(it);
  return n;
}

StreamGroup* StreamObject::FindGroup(std::string_view name) const {
  auto it = groups_.find(name);
  return it == groups_.end() ? nullptr : it->second.get();
}

StreamGroup* StreamObject::CreateGroup(std::string_view name, StreamId last_id,
                                       int64_t entries_read) {
  auto [it, inserted] = groups_.try_emplace(std::string(name));
  if (!inserted) return nullptr;
  it->second = std::make_unique<StreamGroup>();
  it->second->last_id = last_id;
  it->second->entries_read = entries_read;
  return it->second.get();
}

// ---- Entries --------------------------------------------------------------------------------

std::unique_ptr<Object> StreamObject::Clone() const {
  auto copy = std::make_unique<StreamObject>();
  copy->blocks_ = blocks_;
  copy->length_ = length_;
  copy->last_id_ = last_id_;
  copy->first_id_ = first_id_;
  copy->max_deleted_id_ = max_deleted_id_;
  copy->entries_added_ = entries_added_;
  for (const auto& [name, g] : groups_) {
    StreamGroup* ng = copy->CreateGroup(name, g->last_id, g->entries_read);
    for (const auto& [cname, c] : g->consumers) {
      StreamConsumer* nc = ng->CreateConsumer(cname, c->seen_time_ms);
      nc->pending = c->pending;
    }
    for (const auto& [id, pe] : g->pending) {
      PendingEntry e = pe;
      e.consumer = ng->FindConsumer(pe.consumer->name);
      ng->pending.emplace(id, e);
    }
  }
  return copy;
}

size_t StreamObject::MemoryUsage() const {
  // A std::map node: three pointers and a colour word before the key and value.
  constexpr size_t kMapNode = 32;
  size_t bytes = sizeof(*this);
  for (const auto& [id, b] : blocks_) {
    bytes += kMapNode + sizeof(id) + sizeof(b);
    if (b.bytes.capacity() > 15) bytes += b.bytes.capacity() + 1;
  }
  for (const auto& [name, g] : groups_) {
    bytes += kMapNode + sizeof(name) + name.capacity() + sizeof(*g);
    bytes += g->pending.size() * (kMapNode + sizeof(StreamId) + sizeof(PendingEntry));
    for (const auto& [cname, c] : g->consumers) {
      bytes += kMapNode * 2 + sizeof(cname) * 2 + cname.capacity() * 2 + sizeof(*c);
      bytes += c->pending.size() * (kMapNode + sizeof(StreamId));
    }
  }
  return bytes;
}

void StreamObject::DecodeBlock(const StreamId& master, const Block& b, std::vector<Decoded>* out) {
  out->clear();
  const std::string& in = b.bytes;
  size_t pos = 0;
  std::vector<std::string_view> fields = MasterFields(in, &pos);
  out->reserve(b.live);
  while (pos < in.size()) {
    Decoded d;
    d.begin = pos;
    auto flags = static_cast<uint8_t>(in[pos++]);
    uint64_t ms_delta = GetVarint(in, &pos);
    uint64_t seq = GetVarint(in, &pos);
    d.entry.id.ms = master.ms + ms_delta;
    d.entry.id.seq = ms_delta == 0 ? master.seq + seq : seq;
    if (flags & kSameFields) {
      d.entry.fields_values.reserve(fields.size() * 2);
      for (std::string_view f : fields) {
        d.entry.fields_values.push_back(f);
        d.entry.fields_values.push_back(GetString(in, &pos));
      }
    } else {
      size_t n = GetVarint(in, &pos);
      d.entry.fields_values.reserve(n * 2);
      for (size_t i = 0; i < n * 2; i++) d.entry.fields_values.push_back(GetString(in, &pos));
    }
    d.end = pos;
    out->push_back(std::move(d));
  }
}

void StreamObject::StartBlock(StreamId id, const std::vector<std::string_view>& fields_values) {
  Block& b = blocks_[id];
  size_t nfields = fields_values.size() / 2;
  PutVarint(&b.bytes, nfields);
  // Listpack header and end byte, live and deleted counts, the field count, the master fields
  // and the master entry's terminating 0.
  uint32_t redis = 6 + 1 + 2 + 2 + LpIntBytes(static_cast<int64_t>(nfields)) + 2;
  for (size_t i = 0; i < nfields; i++) {
    PutString(&b.bytes, fields_values[2 * i]);
    redis += LpStringBytes(fields_values[2 * i]);
  }
  b.redis_bytes = redis;
}

void StreamObject::Append(StreamId id, const std::vector<std::string_view>& fields_values,
                          const StreamNodeLimits& limits) {
  REDSIM_CHECK(id > last_id_ || (length_ == 0 && entries_added_ == 0 && id >= last_id_),
               "stream IDs only grow (callers validate the ID)");
  size_t payload = 0;
  for (std::string_view s : fields_values) payload += s.size();
  uint64_t max_bytes =
      limits.max_bytes <= 0 ? kRedisListpackMaxBytes : static_cast<uint64_t>(limits.max_bytes);
  if (max_bytes > kRedisListpackMaxBytes) max_bytes = kRedisListpackMaxBytes;
  bool new_block = blocks_.empty();
  if (!new_block) {
    const Block& last = blocks_.rbegin()->second;
    if (last.redis_bytes + payload >= max_bytes) {
      new_block = true;
    } else if (limits.max_entries > 0 &&
               last.redis_total >= static_cast<uint64_t>(limits.max_entries)) {
      new_block = true;
    }
  }
  if (new_block) {
    // The block that stops growing gives back its spare capacity.
    if (!blocks_.empty()) blocks_.rbegin()->second.bytes.shrink_to_fit();
    StartBlock(id, fields_values);
  }
  uint32_t redis = AppendToLastBlock(id, fields_values);
  Block& b = blocks_.rbegin()->second;
  b.redis_total++;
  b.redis_bytes += redis;
  b.redis_last = id;
  length_++;
  entries_added_++;
  last_id_ = id;
  if (length_ == 1) first_id_ = id;
}

uint32_t StreamObject::AppendToLastBlock(StreamId id,
                                         const std::vector<std::string_view>& fields_values) {
  auto it = std::prev(blocks_.end());
  const StreamId& master = it->first;
  Block& b = it->second;
  size_t pos = 0;
  std::vector<std::string_view> fields = MasterFields(b.bytes, &pos);
  bool same = SameFields(fields, fields_values);
  // Copy first: `fields` views the block's own bytes, which appending may move.
  std::string entry;
  entry.push_back(static_cast<char>(same ? kSameFields : 0));
  uint64_t ms_delta = id.ms - master.ms;
  PutVarint(&entry, ms_delta);
  PutVarint(&entry, ms_delta == 0 ? id.seq - master.seq : id.seq);
  size_t nfields = fields_values.size() / 2;
  uint32_t redis = 2 + LpIntBytes(static_cast<int64_t>(ms_delta)) +
                   LpIntBytes(static_cast<int64_t>(id.seq - master.seq));
  if (same) {
    for (size_t i = 0; i < nfields; i++) {
      PutString(&entry, fields_values[2 * i + 1]);
      redis += LpStringBytes(fields_values[2 * i + 1]);
    }
    redis += LpIntBytes(static_cast<int64_t>(nfields + 3));
  } else {
    PutVarint(&entry, nfields);
    redis += LpIntBytes(static_cast<int64_t>(nfields));
    for (std::string_view s : fields_values) {
      PutString(&entry, s);
      redis += LpStringBytes(s);
    }
    redis += LpIntBytes(static_cast<int64_t>(2 * nfields + 4));
  }
  b.bytes.append(entry);
  b.live++;
  return redis;
}

void StreamObject::StartLoadedBlock(StreamId master,
                                    const std::vector<std::string_view>& master_fields,
                                    uint32_t redis_bytes, uint32_t redis_total,
                                    StreamId redis_last) {
  if (!blocks_.empty()) blocks_.rbegin()->second.bytes.shrink_to_fit();
  Block& b = blocks_[master];
  PutVarint(&b.bytes, master_fields.size());
  for (std::string_view f : master_fields) PutString(&b.bytes, f);
  b.redis_bytes = redis_bytes;
  b.redis_total = redis_total;
  b.redis_last = redis_last;
}

void StreamObject::AppendLoaded(StreamId id, const std::vector<std::string_view>& fields_values) {
  AppendToLastBlock(id, fields_values);
  length_++;
  last_id_ = id;
}

void StreamObject::ForEachBlock(const BlockVisitor& visit) const {
  std::vector<Decoded> decoded;
  std::vector<Entry> entries;
  for (const auto& [master, b] : blocks_) {
    size_t pos = 0;
    std::vector<std::string_view> fields = MasterFields(b.bytes, &pos);
    DecodeBlock(master, b, &decoded);
    entries.clear();
    for (Decoded& d : decoded) entries.push_back(std::move(d.entry));
    visit(master, fields, entries);
  }
}

// Walks one block without building every entry: entries outside [start, end] are skipped by
// their lengths, and only visited ones get their fields and values.
bool StreamObject::VisitBlock(BlockMap::const_iterator it, StreamId start, StreamId end,
                              bool reverse, const Visitor& visit) const {
  const StreamId& master = it->first;
  const std::string& in = it->second.bytes;
  size_t pos = 0;
  std::vector<std::string_view> fields = MasterFields(in, &pos);
  Entry e;
  if (!reverse) {
    while (pos < in.size()) {
      size_t begin = pos;
      ReadEntry(master, in, fields, &pos, &e.id, nullptr);
      if (e.id < start) continue;
      if (e.id > end) return false;
      ReadEntry(master, in, fields, &begin, &e.id, &e.fields_values);
      if (!visit(e)) return false;
    }
    return true;
  }
  std::vector<size_t> begins;
  begins.reserve(it->second.live);
  while (pos < in.size()) {
    begins.push_back(pos);
    ReadEntry(master, in, fields, &pos, &e.id, nullptr);
    if (e.id > end) break;
  }
  for (auto b = begins.rbegin(); b != begins.rend(); ++b) {
    size_t at = *b;
    ReadEntry(master, in, fields, &at, &e.id, nullptr);
    if (e.id > end) continue;
    if (e.id < start) return false;
    at = *b;
    ReadEntry(master, in, fields, &at, &e.id, &e.fields_values);
    if (!visit(e)) return false;
  }
  return true;
}

void StreamObject::Range(StreamId start, StreamId end, bool reverse, const Visitor& visit) const {
  if (start > end || blocks_.empty()) return;
  if (!reverse) {
    auto it = blocks_.upper_bound(start);
    if (it != blocks_.begin()) --it;
    for (; it != blocks_.end() && it->first <= end; ++it) {
      if (!VisitBlock(it, start, end, false, visit)) return;
    }
  } else {
    auto it = blocks_.upper_bound(end);
    while (it != blocks_.begin()) {
      --it;
      if (!VisitBlock(it, start, end, true, visit)) return;
      if (it->first <= start) return;
    }
  }
}

bool StreamObject::FirstEntry(Entry* out) const {
  bool found = false;
  Range(StreamId::Min(), StreamId::Max(), false, [&](const Entry& e) {
    *out = e;
    found = true;
    return false;
  });
  return found;
}

bool StreamObject::LastEntry(Entry* out) const {
  bool found = false;
  Range(StreamId::Min(), StreamId::Max(), true, [&](const Entry& e) {
    *out = e;
    found = true;
    return false;
  });
  return found;
}

bool StreamObject::Contains(StreamId id) const {
  bool found = false;
  Range(id, id, false, [&](const Entry&) {
    found = true;
    return false;
  });
  return found;
}

void StreamObject::RemoveEntryBytes(BlockMap::iterator it, size_t begin, size_t end) {
  it->second.bytes.erase(begin, end - begin);
  it->second.live--;
  length_--;
  if (it->second.live == 0) blocks_.erase(it);
}

void StreamObject::RefreshFirstId() {
  Entry first;
  first_id_ = FirstEntry(&first) ? first.id : StreamId::Min();
}

bool StreamObject::Delete(StreamId id) {
  auto it = blocks_.upper_bound(id);
  if (it == blocks_.begin()) return false;
  --it;
  const std::string& in = it->second.bytes;
  size_t pos = 0;
  std::vector<std::string_view> fields = MasterFields(in, &pos);
  while (pos < in.size()) {
    size_t begin = pos;
    StreamId at;
    ReadEntry(it->first, in, fields, &pos, &at, nullptr);
    if (at > id) return false;
    if (at != id) continue;
    RemoveEntryBytes(it, begin, pos);
    return true;
  }
  return false;
}

// Trimming follows Redis 7.0: whole blocks go from the front while the condition allows;
// approximate trimming stops at the first block it cannot drop whole, exact trimming removes
// entries from that block too. `limit` bounds the entries removed by whole blocks.
uint64_t StreamObject::TrimMaxLen(uint64_t max_len, bool approx, int64_t limit) {
  if (length_ <= max_len) return 0;
  uint64_t removed = 0;
  auto it = blocks_.begin();
  while (it != blocks_.end() && length_ > max_len) {
    uint64_t live = it->second.live;
    if (limit > 0 && removed + live > static_cast<uint64_t>(limit)) break;
    if (length_ - live >= max_len) {
      length_ -= live;
      removed += live;
      it = blocks_.erase(it);
      continue;
    }
    if (approx) break;
    std::vector<Decoded> entries;
    DecodeBlock(it->first, it->second, &entries);
    size_t drop = static_cast<size_t>(length_ - max_len);
    it->second.bytes.erase(entries[0].begin, entries[drop - 1].end - entries[0].begin);
    it->second.live -= static_cast<uint32_t>(drop);
    length_ -= drop;
    removed += drop;
    break;
  }
  if (removed > 0) RefreshFirstId();
  return removed;
}

uint64_t StreamObject::TrimMinId(StreamId min_id, bool approx, int64_t limit) {
  uint64_t removed = 0;
  auto it = blocks_.begin();
  while (it != blocks_.end()) {
    uint64_t live = it->second.live;
    if (limit > 0 && removed + live > static_cast<uint64_t>(limit)) break;
    // Redis judges a node by the last ID its listpack holds, deleted entries included.
    if (it->second.redis_last < min_id) {
      length_ -= live;
      removed += live;
      it = blocks_.erase(it);
      continue;
    }
    if (approx) break;
    std::vector<Decoded> entries;
    DecodeBlock(it->first, it->second, &entries);
    size_t drop = 0;
    while (drop < entries.size() && entries[drop].entry.id < min_id) drop++;
    if (drop > 0) {
      it->second.bytes.erase(entries[0].begin, entries[drop - 1].end - entries[0].begin);
      it->second.live -= static_cast<uint32_t>(drop);
      length_ -= drop;
      removed += drop;
    }
    break;
  }
  if (removed > 0) RefreshFirstId();
  return removed;
}

// ---- Redis 7.0's consumer-group counters ------------------------------------------------------

int64_t StreamObject::EstimateEntriesUpTo(StreamId id) const {
  if (entries_added_ == 0) return 0;
  if (length_ == 0 && id <= last_id_) return static_cast<int64_t>(entries_added_);
  if (id == last_id_) return static_cast<int64_t>(entries_added_);
  if (id > last_id_) return kInvalidEntriesRead;
  if (max_deleted_id_.IsZero() || max_deleted_id_ < first_id_) {
    if (id < first_id_) return static_cast<int64_t>(entries_added_ - length_);
    if (id == first_id_) return static_cast<int64_t>(entries_added_ - length_ + 1);
  }
  return kInvalidEntriesRead;
}

bool StreamObject::RangeHasTombstones(StreamId start, StreamId end) const {
  if (length_ == 0 || max_deleted_id_.IsZero()) return false;
  if (first_id_ > max_deleted_id_) return false;
  return start <= max_deleted_id_ && max_deleted_id_ <= end;
}

}  // namespace redsim
