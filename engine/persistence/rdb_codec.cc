#include "engine/persistence/rdb_codec.h"

#include <array>
#include <cmath>
#include <cstring>
#include <map>

#include "engine/base/strutil.h"
#include "engine/persistence/crc64.h"
#include "engine/persistence/lzf.h"

namespace redsim::rdb {

namespace {
constexpr uint8_t kLen6 = 0;
constexpr uint8_t kLen14 = 1;
constexpr uint8_t kLen32 = 0x80;
constexpr uint8_t kLen64 = 0x81;
constexpr uint8_t kEncVal = 3;
constexpr uint8_t kEncInt8 = 0;
constexpr uint8_t kEncInt16 = 1;
constexpr uint8_t kEncInt32 = 2;
constexpr uint8_t kEncLzf = 3;
// Strings longer than this are never read into memory in one piece from a hostile payload
// without checking the bytes exist first (lengths are validated against what remains).
}  // namespace

// ---- Encoder ------------------------------------------------------------------------------

void Encoder::Length(uint64_t len) {
  if (len < (1 << 6)) {
    Byte(static_cast<uint8_t>((kLen6 << 6) | len));
  } else if (len < (1 << 14)) {
    Byte(static_cast<uint8_t>((kLen14 << 6) | (len >> 8)));
    Byte(static_cast<uint8_t>(len & 0xff));
  } else if (len <= UINT32_MAX) {
    Byte(kLen32);
    for (int i = 3; i >= 0; i--) Byte(static_cast<uint8_t>(len >> (8 * i)));
  } else {
    Byte(kLen64);
    for (int i = 7; i >= 0; i--) Byte(static_cast<uint8_t>(len >> (8 * i)));
  }
}

void Encoder::Integer(int64_t v) {
  if (v >= INT8_MIN && v <= INT8_MAX) {
    Byte((kEncVal << 6) | kEncInt8);
    Byte(static_cast<uint8_t>(v));
  } else if (v >= INT16_MIN && v <= INT16_MAX) {
    Byte((kEncVal << 6) | kEncInt16);
    Byte(static_cast<uint8_t>(v));
    Byte(static_cast<uint8_t>(v >> 8));
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    Byte((kEncVal << 6) | kEncInt32);
    for (int i = 0; i < 4; i++) Byte(static_cast<uint8_t>(v >> (8 * i)));
  } else {
    std::string s = Int64ToString(v);
    Length(s.size());
    Raw(s);
  }
}

void Encoder::String(std::string_view s) {
  // Short canonical integers are stored as encoded integers (they read back as the same text).
  if (s.size() <= 11) {
    int64_t v;
    if (ParseInt64(s, &v) && v >= INT32_MIN && v <= INT32_MAX) {
      Integer(v);
      return;
    }
  }
  if (compress_ && s.size() > 20) {
    std::string packed;
    // Worth it only when at least 4 bytes are saved, as Redis requires.
    if (s.size() > 4 && LzfCompress(s, s.size() - 4, &packed)) {
      Byte((kEncVal << 6) | kEncLzf);
      Length(packed.size());
      Length(s.size());
      Raw(packed);
      return;
    }
  }
  Length(s.size());
  Raw(s);
}

void Encoder::BinaryDouble(double d) {
  uint64_t bits;
  memcpy(&bits, &d, 8);
  for (int i = 0; i < 8; i++) Byte(static_cast<uint8_t>(bits >> (8 * i)));
}

void Encoder::Millis(int64_t ms) {
  for (int i = 0; i < 8; i++) Byte(static_cast<uint8_t>(static_cast<uint64_t>(ms) >> (8 * i)));
}

void Encoder::UInt32LE(uint32_t v) {
  for (int i = 0; i < 4; i++) Byte(static_cast<uint8_t>(v >> (8 * i)));
}

// ---- Decoder ------------------------------------------------------------------------------

bool Decoder::Fail(const std::string& what) {
  if (error_.empty()) error_ = what + " at offset " + std::to_string(offset());
  return false;
}

bool Decoder::Byte(uint8_t* b) {
  if (!ok()) return false;
  if (pos_ >= data_.size()) return Fail("unexpected end of data");
  *b = static_cast<uint8_t>(data_[pos_++]);
  return true;
}

bool Decoder::Raw(size_t n, std::string_view* bytes) {
  if (!ok()) return false;
  if (n > data_.size() - pos_)
    return Fail("unexpected end of data (need " + std::to_string(n) + " bytes)");
  *bytes = data_.substr(pos_, n);
  pos_ += n;
  return true;
}

bool Decoder::Length(uint64_t* len, bool* is_encoded) {
  uint8_t b;
  if (!Byte(&b)) return false;
  if (is_encoded != nullptr) *is_encoded = false;
  uint8_t type = (b & 0xC0) >> 6;
  if (type == kEncVal) {
    if (is_encoded == nullptr) return Fail("unexpected encoded length");
    *is_encoded = true;
    *len = b & 0x3F;
    return true;
  }
  if (type == kLen6) {
    *len = b & 0x3F;
    return true;
  }
  if (type == kLen14) {
    uint8_t b2;
    if (!Byte(&b2)) return false;
    *len = (static_cast<uint64_t>(b & 0x3F) << 8) | b2;
    return true;
  }
  int bytes = b == kLen32 ? 4 : b == kLen64 ? 8 : 0;
  if (bytes == 0) return Fail("invalid length encoding");
  std::string_view raw;
  if (!Raw(static_cast<size_t>(bytes), &raw)) return false;
  uint64_t v = 0;
  for (unsigned char c : raw) v = (v << 8) | c;
  *len = v;
  return true;
}

bool Decoder::String(std::string* s) {
  uint64_t len;
  bool encoded;
  if (!Length(&len, &encoded)) return false;
  if (encoded) {
    std::string_view raw;
    switch (len) {
      case kEncInt8: {
        if (!Raw(1, &raw)) return false;
        *s = Int64ToString(static_cast<int8_t>(raw[0]));
        return true;
      }
      case kEncInt16: {
        if (!Raw(2, &raw)) return false;
        int16_t v = static_cast<int16_t>(static_cast<uint8_t>(raw[0]) |
                                         (static_cast<uint8_t>(raw[1]) << 8));
        *s = Int64ToString(v);
        return true;
      }
      case kEncInt32: {
        if (!Raw(4, &raw)) return false;
        uint32_t u = 0;
        for (int i = 3; i >= 0; i--) u = (u << 8) | static_cast<uint8_t>(raw[i]);
        *s = Int64ToString(static_cast<int32_t>(u));
        return true;
      }
      case kEncLzf: {
        uint64_t clen, ulen;
        if (!Length(&clen) || !Length(&ulen)) return false;
        if (!Raw(clen, &raw)) return false;
        // The decompressed size is untrusted: bound it by what LZF can expand to.
        if (ulen > clen * 300 + 64 || ulen > (1ULL << 32)) return Fail("invalid LZF lengths");
        if (!LzfDecompress(raw, ulen, s)) return Fail("invalid LZF compressed string");
        return true;
      }
      default:
        return Fail("unknown string encoding " + std::to_string(len));
    }
  }
  std::string_view raw;
  if (!Raw(len, &raw)) return false;
  s->assign(raw);
  return true;
}

bool Decoder::BinaryDouble(double* d) {
  std::string_view raw;
  if (!Raw(8, &raw)) return false;
  uint64_t bits = 0;
  for (int i = 7; i >= 0; i--) bits = (bits << 8) | static_cast<uint8_t>(raw[i]);
  memcpy(d, &bits, 8);
  return true;
}

bool Decoder::TextDouble(double* d) {
  uint8_t len;
  if (!Byte(&len)) return false;
  if (len == 253)
    *d = NAN;
  else if (len == 254)
    *d = INFINITY;
  else if (len == 255)
    *d = -INFINITY;
  else {
    std::string_view raw;
    if (!Raw(len, &raw)) return false;
    if (!ParseDouble(raw, d)) return Fail("invalid double");
  }
  return true;
}

bool Decoder::Millis(int64_t* ms) {
  std::string_view raw;
  if (!Raw(8, &raw)) return false;
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | static_cast<uint8_t>(raw[i]);
  *ms = static_cast<int64_t>(v);
  return true;
}

bool Decoder::UInt32LE(uint32_t* v) {
  std::string_view raw;
  if (!Raw(4, &raw)) return false;
  uint32_t u = 0;
  for (int i = 3; i >= 0; i--) u = (u << 8) | static_cast<uint8_t>(raw[i]);
  *v = u;
  return true;
}

// ---- Type codecs ----------------------------------------------------------------------------

namespace {

// Registered codecs (owned by the map; node addresses are stable) and two direct lookup
// tables, by ObjType and by RDB type byte, for the per-key hot path.
std::map<ObjType, TypeCodec>& CodecsByType() {
  static auto* m = new std::map<ObjType, TypeCodec>();
  return *m;
}
std::array<const TypeCodec*, 256>& TypeIndex() {
  static auto* a = new std::array<const TypeCodec*, 256>{};
  return *a;
}
std::array<const TypeCodec*, 256>& RdbIndex() {
  static auto* a = new std::array<const TypeCodec*, 256>{};
  return *a;
}

uint8_t StringRdbType(const Value&) { return kTypeString; }

void SaveString(const Value& v, Encoder& enc) {
  if (v.is_int()) {
    enc.Integer(v.int_value());
    return;
  }
  char scratch[24];
  enc.String(v.StringView(scratch));
}

bool LoadString(uint8_t, Decoder& dec, const LoadContext&, Value* out) {
  std::string s;
  if (!dec.String(&s)) return false;
  *out = Value::String(s);
  return true;
}

void RegisterBuiltinCodecs() {
  static const bool done = [] {
    RegisterTypeCodec({ObjType::kString, StringRdbType, SaveString, {kTypeString}, LoadString});
    RegisterCollectionCodecs();
    RegisterStreamCodec();
    return true;
  }();
  (void)done;
}

}  // namespace

bool RegisterTypeCodec(TypeCodec codec) {
  auto& by_type = CodecsByType();
  by_type[codec.type] = codec;
  const TypeCodec* stored = &by_type[codec.type];
  TypeIndex()[static_cast<uint8_t>(codec.type)] = stored;
  for (uint8_t t : stored->loads) RdbIndex()[t] = stored;
  return true;
}

const TypeCodec* CodecForType(ObjType type) {
  RegisterBuiltinCodecs();
  return TypeIndex()[static_cast<uint8_t>(type)];
}

const TypeCodec* CodecForRdbType(uint8_t rdb_type) {
  RegisterBuiltinCodecs();
  return RdbIndex()[rdb_type];
}

std::string MakeDumpPayload(std::string_view type_and_value) {
  std::string out(type_and_value);
  out.push_back(static_cast<char>(kVersion & 0xff));
  out.push_back(static_cast<char>((kVersion >> 8) & 0xff));
  uint64_t crc = Crc64(0, out.data(), out.size());
  for (int i = 0; i < 8; i++) out.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  return out;
}

bool CheckDumpPayload(std::string_view payload, std::string_view* body) {
  if (payload.size() < 10) return false;
  const auto* footer = reinterpret_cast<const unsigned char*>(payload.data() + payload.size() - 10);
  int version = footer[0] | (footer[1] << 8);
  if (version > kVersion) return false;
  uint64_t expected = 0;
  for (int i = 7; i >= 0; i--) expected = (expected << 8) | footer[2 + i];
  if (Crc64(0, payload.data(), payload.size() - 8) != expected) return false;
  *body = payload.substr(0, payload.size() - 10);
  return true;
}

bool SaveValue(const Value& v, Encoder& enc) {
  const TypeCodec* c = CodecForType(v.type());
  if (c == nullptr) return false;
  enc.Byte(c->rdb_type(v));
  c->save(v, enc);
  return true;
}

bool LoadValue(uint8_t rdb_type, Decoder& dec, const LoadContext& ctx, Value* out) {
  const TypeCodec* c = CodecForRdbType(rdb_type);
  if (c == nullptr)
    return dec.Fail("unknown or unsupported value type " + std::to_string(rdb_type));
  return c->load(rdb_type, dec, ctx, out);
}

}  // namespace redsim::rdb
