#include "engine/persistence/rdb_file.h"

#include <algorithm>
#include <cstring>

#include "engine/base/strutil.h"
#include "engine/persistence/crc64.h"

namespace redsim::rdb {

void FileWriter::Header(const std::vector<std::pair<std::string, std::string>>& aux) {
  char magic[16];
  snprintf(magic, sizeof(magic), "REDIS%04d", kVersion);
  enc_.Raw(magic);
  for (const auto& [k, v] : aux) {
    enc_.Byte(kOpAux);
    enc_.String(k);
    enc_.String(v);
  }
}

void FileWriter::Function(std::string_view code) {
  enc_.Byte(kOpFunction2);
  enc_.String(code);
}

void FileWriter::SelectDb(int db, uint64_t keys, uint64_t expires) {
  enc_.Byte(kOpSelectDb);
  enc_.Length(static_cast<uint64_t>(db));
  enc_.Byte(kOpResizeDb);
  enc_.Length(keys);
  enc_.Length(expires);
}

bool FileWriter::Entry(std::string_view key, const Value& value, int64_t expire_ms,
                       int64_t lru_idle_s, int lfu_freq) {
  const TypeCodec* c = CodecForType(value.type());
  if (c == nullptr) return false;
  if (expire_ms != 0) {
    enc_.Byte(kOpExpireMs);
    enc_.Millis(expire_ms);
  }
  if (lru_idle_s >= 0) {
    enc_.Byte(kOpIdle);
    enc_.Length(static_cast<uint64_t>(lru_idle_s));
  }
  if (lfu_freq >= 0) {
    enc_.Byte(kOpFreq);
    enc_.Byte(static_cast<uint8_t>(lfu_freq));
  }
  enc_.Byte(c->rdb_type(value));
  enc_.String(key);
  c->save(value, enc_);
  return true;
}

void FileWriter::Flushed(size_t n) {
  if (checksum_) crc_ = Crc64(crc_, out_->data(), n);
}

void FileWriter::Finish() {
  enc_.Byte(kOpEof);
  uint64_t crc = 0;
  if (checksum_) crc = Crc64(crc_, out_->data(), out_->size());
  for (int i = 0; i < 8; i++) enc_.Byte(static_cast<uint8_t>(crc >> (8 * i)));
}

Status LoadRdb(std::string_view data, const LoadContext& ctx, int64_t now_ms,
               const std::function<Status(KeyRecord&)>& on_key, LoadStats* stats,
               uint64_t* consumed) {
  if (data.size() < 9 || data.substr(0, 5) != "REDIS") {
    return Status::Corruption("wrong signature trying to load DB from file (offset 0)");
  }
  int version = 0;
  for (int i = 5; i < 9; i++) {
    if (data[i] < '0' || data[i] > '9') return Status::Corruption("bad RDB version at offset 5");
    version = version * 10 + (data[i] - '0');
  }
  if (version < 1 || version > kVersion) {
    return Status::Corruption("can't handle RDB format version " + std::to_string(version) +
                              " (offset 5)");
  }
  Decoder dec(data.substr(9), 9);
  int db = 0;
  KeyRecord rec;
  rec.expire_ms = 0;
  while (true) {
    uint8_t op;
    if (!dec.Byte(&op)) break;
    if (op == kOpExpireMs) {
      if (!dec.Millis(&rec.expire_ms)) break;
      continue;
    }
    if (op == kOpExpire) {
      uint32_t secs;
      if (!dec.UInt32LE(&secs)) break;
      rec.expire_ms = static_cast<int64_t>(secs) * 1000;
      continue;
    }
    if (op == kOpIdle) {
      uint64_t idle;
      if (!dec.Length(&idle)) break;
      rec.lru_idle_s = static_cast<int64_t>(idle);
      continue;
    }
    if (op == kOpFreq) {
      uint8_t f;
      if (!dec.Byte(&f)) break;
      rec.lfu_freq = f;
      continue;
    }
    if (op == kOpSelectDb) {
      uint64_t n;
      if (!dec.Length(&n)) break;
      if (ctx.config != nullptr && n >= static_cast<uint64_t>(1) << 31) {
        dec.Fail("invalid database number " + std::to_string(n));
        break;
      }
      db = static_cast<int>(n);
      continue;
    }
    if (op == kOpResizeDb) {
      uint64_t a, b;
      if (!dec.Length(&a) || !dec.Length(&b)) break;
      // A hint only: every key takes at least 3 bytes (type, key length, value), so a damaged
      // or hostile count cannot reserve more than the image could hold.
      if (ctx.on_resize_db) ctx.on_resize_db(db, std::min<uint64_t>(a, dec.remaining() / 3));
      continue;
    }
    if (op == kOpAux) {
      std::string k, v;
      if (!dec.String(&k) || !dec.String(&v)) break;
      if (stats != nullptr) stats->aux.emplace_back(std::move(k), std::move(v));
      continue;
    }
    if (op == kOpModuleAux) {
      dec.Fail("module auxiliary data is not supported");
      break;
    }
    if (op == kOpFunction2) {
      std::string code;
      if (!dec.String(&code)) break;
      if (ctx.on_function) {
        Status s = ctx.on_function(code);
        if (!s.ok()) return s;
      }
      continue;
    }
    if (op == kOpEof) {
      if (version >= 5 && dec.remaining() >= 8) {
        std::string_view tail;
        dec.Raw(8, &tail);
        uint64_t expected = 0;
        for (int i = 7; i >= 0; i--) expected = (expected << 8) | static_cast<uint8_t>(tail[i]);
        if (expected != 0) {
          uint64_t actual = Crc64(0, data.data(), static_cast<size_t>(dec.offset() - 8));
          if (actual != expected) {
            return Status::Corruption("RDB CRC error: wrong checksum at offset " +
                                      std::to_string(dec.offset() - 8));
          }
        }
      } else if (version >= 5) {
        return Status::Corruption("unexpected end of RDB file (missing checksum) at offset " +
                                  std::to_string(dec.offset()));
      }
      if (consumed != nullptr) *consumed = dec.offset();
      return Status::Ok();
    }
    // A key/value pair of type `op`.
    rec.db = db;
    if (!dec.String(&rec.key)) break;
    if (!LoadValue(op, dec, ctx, &rec.value)) break;
    if (rec.value.empty()) {
      // An empty collection (older servers could write them): skipped, as Redis does.
      if (stats != nullptr) stats->empty_keys_skipped++;
      rec = KeyRecord();
      continue;
    }
    bool expired = now_ms > 0 && rec.expire_ms != 0 && rec.expire_ms <= now_ms;
    if (expired) {
      if (stats != nullptr) stats->keys_expired++;
    } else {
      Status s = on_key(rec);
      if (!s.ok()) return s;
      if (stats != nullptr) stats->keys_loaded++;
    }
    rec = KeyRecord();
  }
  return Status::Corruption(dec.ok() ? "unexpected end of RDB file at offset " +
                                           std::to_string(dec.offset())
                                     : dec.error());
}

}  // namespace redsim::rdb
