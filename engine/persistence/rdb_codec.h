// RDB encoding: the byte format of Redis 7.0's RDB files (version 10), shared by RDB snapshots,
// the AOF base file (RDB preamble), full-sync transfers and DUMP/RESTORE payloads.
//
// RdbEncoder appends primitives (lengths, strings with integer and LZF encodings, binary doubles,
// little-endian millisecond times) to a byte string. RdbDecoder reads them back from a byte
// window and never reads past it: every failure is an error naming the offset, never a crash.
// Each data type registers a TypeCodec (how to write a Value of that type and how to read each
// RDB type byte it understands), so persistence does not need to know the types' internals.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/status.h"
#include "engine/db/value.h"

namespace redsim {

struct ServerConfig;
class Random;

namespace rdb {

inline constexpr int kVersion = 10;

// Opcodes.
inline constexpr uint8_t kOpFunction2 = 245;
inline constexpr uint8_t kOpModuleAux = 247;
inline constexpr uint8_t kOpIdle = 248;
inline constexpr uint8_t kOpFreq = 249;
inline constexpr uint8_t kOpAux = 250;
inline constexpr uint8_t kOpResizeDb = 251;
inline constexpr uint8_t kOpExpireMs = 252;
inline constexpr uint8_t kOpExpire = 253;
inline constexpr uint8_t kOpSelectDb = 254;
inline constexpr uint8_t kOpEof = 255;

// Value types.
inline constexpr uint8_t kTypeString = 0;
inline constexpr uint8_t kTypeList = 1;
inline constexpr uint8_t kTypeSet = 2;
inline constexpr uint8_t kTypeZset = 3;
inline constexpr uint8_t kTypeHash = 4;
inline constexpr uint8_t kTypeZset2 = 5;
inline constexpr uint8_t kTypeModule2 = 7;
inline constexpr uint8_t kTypeHashZipmap = 9;
inline constexpr uint8_t kTypeListZiplist = 10;
inline constexpr uint8_t kTypeSetIntset = 11;
inline constexpr uint8_t kTypeZsetZiplist = 12;
inline constexpr uint8_t kTypeHashZiplist = 13;
inline constexpr uint8_t kTypeListQuicklist = 14;
inline constexpr uint8_t kTypeStreamListpacks = 15;
inline constexpr uint8_t kTypeHashListpack = 16;
inline constexpr uint8_t kTypeZsetListpack = 17;
inline constexpr uint8_t kTypeListQuicklist2 = 18;
inline constexpr uint8_t kTypeStreamListpacks2 = 19;

class Encoder {
 public:
  explicit Encoder(std::string* out, bool compress = true) : out_(out), compress_(compress) {}
  std::string* out() const { return out_; }
  bool compress() const { return compress_; }

  void Byte(uint8_t b) { out_->push_back(static_cast<char>(b)); }
  void Raw(std::string_view bytes) { out_->append(bytes); }
  void Length(uint64_t len);
  // A string: integer encoding when it is a small canonical integer, LZF when compression is on
  // and it pays, plain otherwise.
  void String(std::string_view s);
  void Integer(int64_t v);  // as a string (encoded int when it fits 32 bits)
  void BinaryDouble(double d);
  void Millis(int64_t ms);  // 8 bytes little-endian
  void UInt32LE(uint32_t v);

 private:
  std::string* out_;
  bool compress_;
};

class Decoder {
 public:
  explicit Decoder(std::string_view data, uint64_t base_offset = 0)
      : data_(data), base_(base_offset) {}

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  // Offset of the next byte, relative to the start of the file (or payload).
  uint64_t offset() const { return base_ + pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  bool at_end() const { return pos_ >= data_.size(); }

  bool Byte(uint8_t* b);
  bool Length(uint64_t* len, bool* is_encoded = nullptr);
  bool String(std::string* s);
  bool BinaryDouble(double* d);
  // The old text double format (RDB type ZSET version 1).
  bool TextDouble(double* d);
  bool Millis(int64_t* ms);
  bool UInt32LE(uint32_t* v);
  bool Raw(size_t n, std::string_view* bytes);
  // Records the first error (and its offset); returns false for use in returns.
  bool Fail(const std::string& what);

 private:
  std::string_view data_;
  uint64_t base_;
  size_t pos_ = 0;
  std::string error_;
};

// Limits and conversions a loader applies (encoding thresholds come from the config).
struct LoadContext {
  const ServerConfig* config = nullptr;
  // Deep validation of nested encodings (sanitize-dump-payload yes, and always for DUMP).
  bool deep_sanitize = true;
  // Seeds for the hash tables of loaded values (a fixed generator when null).
  Random* rng = nullptr;
  // Told each RESIZEDB hint (database, keys; already capped by the bytes left in the image) so
  // that a key table can be sized once instead of doubling through every power of two.
  std::function<void(int db, uint64_t keys)> on_resize_db;
  // Receives each function library's code (FUNCTION2); an error stops the load. Unset: skipped.
  std::function<Status(const std::string& code)> on_function;
};

struct TypeCodec {
  ObjType type;
  // The RDB type byte this value is written with.
  uint8_t (*rdb_type)(const Value& v);
  // Writes the value (without its type byte).
  void (*save)(const Value& v, Encoder& enc);
  // RDB type bytes this codec reads.
  std::vector<uint8_t> loads;
  // Reads a value written with `rdb_type`; false (with an error on the decoder) on bad input.
  // A well-formed but empty collection leaves *out empty(): an RDB loader skips such a key (as
  // Redis does), RESTORE rejects it.
  bool (*load)(uint8_t rdb_type, Decoder& dec, const LoadContext& ctx, Value* out);
};

// Registers the codec of one data type. The built-in codecs are registered on first use by
// RegisterBuiltinCodecs (rdb_codec.cc), which calls each type group's registration function
// (strings here; lists, hashes, sets and sorted sets in rdb_types.cc): a static initializer in
// a file nothing else references would be dropped by the linker. A new type adds its own
// Register...Codecs() call there.
bool RegisterTypeCodec(TypeCodec codec);
void RegisterCollectionCodecs();  // rdb_types.cc
bool RegisterStreamCodec();       // stream_codec.cc
const TypeCodec* CodecForType(ObjType type);
const TypeCodec* CodecForRdbType(uint8_t rdb_type);

// DUMP payloads: <type byte><value> followed by the 2-byte RDB version and a CRC64 of all that.
std::string MakeDumpPayload(std::string_view type_and_value);
// Checks a DUMP payload's trailer; on success *body is the <type byte><value> part. The error
// text is Redis's ("DUMP payload version or checksum are wrong").
bool CheckDumpPayload(std::string_view payload, std::string_view* body);

// Writes `v` as <type byte><encoded value>. False when no codec handles its type.
bool SaveValue(const Value& v, Encoder& enc);
// Reads one value whose type byte was already read.
bool LoadValue(uint8_t rdb_type, Decoder& dec, const LoadContext& ctx, Value* out);

}  // namespace rdb
}  // namespace redsim
