// Bitmaps and bitfields on string values: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD
// BITFIELD_RO.
//
// Bit numbering is Redis's: bit 0 is the most significant bit of byte 0. Offsets are bounded by
// proto-max-bulk-len (512 MB by default) so a single SETBIT can never ask for more than that.
// Reads past the end of a string see zero bits; writes grow the string with zero bytes.
#include <algorithm>
#include <bit>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "engine/base/strutil.h"
#include "engine/server/command.h"
#include "engine/server/command_context.h"
#include "engine/server/errors.h"
#include "engine/server/server.h"

namespace redsim {
namespace {

constexpr char kBitOffsetError[] = "ERR bit offset is not an integer or out of range";
constexpr char kBitValueError[] = "ERR bit is not an integer or out of range";
constexpr char kBitArgError[] = "ERR The bit argument must be 1 or 0.";
constexpr char kBitfieldTypeError[] =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but "
    "i64 is.";

// Parses an integer argument, replying Redis's error when it is not one.
bool ParseInt64Reply(CommandContext& ctx, std::string_view arg, int64_t* out) {
  if (ParseInt64(arg, out)) return true;
  ctx.reply.Error(err::kNotInteger);
  return false;
}

// ---- Plain bit functions ---------------------------------------------------------------------

int GetBit(std::string_view bytes, uint64_t bit) {
  uint64_t byte = bit >> 3;
  if (byte >= bytes.size()) return 0;
  return (static_cast<uint8_t>(bytes[byte]) >> (7 - (bit & 7))) & 1;
}

void SetBit(char* bytes, uint64_t bit, int on) {
  uint8_t mask = static_cast<uint8_t>(1u << (7 - (bit & 7)));
  uint8_t& b = reinterpret_cast<uint8_t&>(bytes[bit >> 3]);
  b = on ? (b | mask) : (b & ~mask);
}

// Ones in `words` 64-bit words from `p`. The build targets baseline x86-64 (no -march), where
// std::popcount becomes a library call per word; on x86-64 GCC/Clang also compile a POPCNT
// clone of this loop and pick it at load time when the CPU has the instruction. Four
// accumulators keep the adds independent. Other targets use the portable loop.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__)
__attribute__((target_clones("popcnt", "default")))
#endif
int64_t
CountWordOnes(const char* p, size_t words) {
  uint64_t c0 = 0, c1 = 0, c2 = 0, c3 = 0;
  size_t i = 0;
  for (; i + 4 <= words; i += 4) {
    uint64_t w[4];
    memcpy(w, p + i * 8, sizeof(w));
    c0 += static_cast<uint64_t>(__builtin_popcountll(w[0]));
    c1 += static_cast<uint64_t>(__builtin_popcountll(w[1]));
    c2 += static_cast<uint64_t>(__builtin_popcountll(w[2]));
    c3 += static_cast<uint64_t>(__builtin_popcountll(w[3]));
  }
  for (; i < words; i++) {
    uint64_t w;
    memcpy(&w, p + i * 8, 8);
    c0 += static_cast<uint64_t>(__builtin_popcountll(w));
  }
  return static_cast<int64_t>(c0 + c1 + c2 + c3);
}

// Ones in bits [first, last] (inclusive, both inside the string).
int64_t CountOnes(std::string_view bytes, uint64_t first, uint64_t last) {
  int64_t count = 0;
  while (first <= last && (first & 7) != 0) count += GetBit(bytes, first++);
  if (first + 63 <= last) {
    size_t words = static_cast<size_t>((last + 1 - first) / 64);
    count += CountWordOnes(bytes.data() + (first >> 3), words);
    first += words * 64;
  }
  while (first + 7 <= last) {
    count += std::popcount(static_cast<uint8_t>(bytes[first >> 3]));
    first += 8;
  }
  while (first <= last) count += GetBit(bytes, first++);
  return count;
}

// First bit equal to `bit` in [first, last], or -1.
int64_t FindBit(std::string_view bytes, uint64_t first, uint64_t last, int bit) {
  uint8_t skip = bit ? 0x00 : 0xFF;  // a byte with no bit of interest
  while (first <= last) {
    if ((first & 7) == 0 && first + 7 <= last && static_cast<uint8_t>(bytes[first >> 3]) == skip) {
      first += 8;
      continue;
    }
    if (GetBit(bytes, first) == bit) return static_cast<int64_t>(first);
    first++;
  }
  return -1;
}

// Resolves a Redis range (negative counts from the end) over `total` units into [*start, *end];
// false when the range is empty. BITCOUNT (not BITPOS) calls a range of two negative indexes in
// the wrong order empty before clamping them.
bool ResolveRange(int64_t total, int64_t* start, int64_t* end, bool negative_order_check) {
  if (negative_order_check && *start < 0 && *end < 0 && *start > *end) return false;
  if (*start < 0) *start = total + *start;
  if (*end < 0) *end = total + *end;
  if (*start < 0) *start = 0;
  if (*end < 0) *end = 0;
  if (*end >= total) *end = total - 1;
  return *start <= *end;
}

// ---- Bitfield arithmetic ---------------------------------------------------------------------

enum class Overflow { kWrap, kSat, kFail };

struct FieldType {
  bool is_signed = false;
  int bits = 0;
};

bool ParseFieldType(std::string_view s, FieldType* t) {
  if (s.size() < 2 || (s[0] != 'i' && s[0] != 'u')) return false;  // lowercase only, as Redis
  int64_t bits;
  if (!ParseInt64(s.substr(1), &bits)) return false;
  t->is_signed = s[0] == 'i';
  t->bits = static_cast<int>(bits);
  return bits >= 1 && bits <= (t->is_signed ? 64 : 63);
}

// Reads `t.bits` bits at `offset` (big-endian bit order), sign-extended for signed types.
int64_t ReadField(std::string_view bytes, uint64_t offset, FieldType t) {
  uint64_t v = 0;
  for (int i = 0; i < t.bits; i++) v = (v << 1) | static_cast<uint64_t>(GetBit(bytes, offset + i));
  if (t.is_signed && t.bits < 64 && (v >> (t.bits - 1)) & 1) v |= ~uint64_t{0} << t.bits;
  return static_cast<int64_t>(v);
}

void WriteField(char* bytes, uint64_t offset, FieldType t, int64_t value) {
  uint64_t v = static_cast<uint64_t>(value);
  for (int i = 0; i < t.bits; i++) SetBit(bytes, offset + i, (v >> (t.bits - 1 - i)) & 1);
}

// base + incr under the overflow policy; nullopt when it overflows under FAIL.
// For unsigned fields Redis reads SET's value as an unsigned 64-bit number (so -1 is above the
// maximum, not below zero).
std::optional<int64_t> ApplyOverflow(FieldType t, int64_t base, int64_t incr, Overflow policy,
                                     bool base_unsigned = false) {
  __int128 sum = (base_unsigned && !t.is_signed ? static_cast<__int128>(static_cast<uint64_t>(base))
                                                : static_cast<__int128>(base)) +
                 incr;
  __int128 min = t.is_signed ? -(static_cast<__int128>(1) << (t.bits - 1)) : 0;
  __int128 max = t.is_signed ? (static_cast<__int128>(1) << (t.bits - 1)) - 1
                             : (static_cast<__int128>(1) << t.bits) - 1;
  if (sum >= min && sum <= max) return static_cast<int64_t>(sum);
  if (policy == Overflow::kFail) return std::nullopt;
  if (policy == Overflow::kSat) {
    // Redis 7.0 computes `max - value` in 64-bit signed arithmetic when it checks a signed
    // field; for values within `max` of INT64_MIN that difference wraps negative and the value
    // is taken as an overflow, so SAT stores the maximum, not the minimum (observed on Redis
    // 7.0.15: BITFIELD k OVERFLOW SAT SET i1 #0 -9223372036854775808 stores 0).
    bool wrapped_difference = t.is_signed && t.bits < 64 && sum < max - INT64_MAX;
    return static_cast<int64_t>(sum < min && !wrapped_difference ? min : max);
  }
  // Wrap: keep the low bits, then sign-extend for signed types.
  uint64_t low = static_cast<uint64_t>(sum);
  if (t.bits < 64) low &= (uint64_t{1} << t.bits) - 1;
  if (t.is_signed && t.bits < 64 && (low >> (t.bits - 1)) & 1) low |= ~uint64_t{0} << t.bits;
  return static_cast<int64_t>(low);
}

// ---- Argument parsing shared by the commands -----------------------------------------------

// A bit offset argument: plain, or "#N" meaning N * field_bits (BITFIELD only).
bool ParseBitOffset(CommandContext& ctx, std::string_view arg, int field_bits, uint64_t* out) {
  bool scaled = field_bits > 0 && !arg.empty() && arg[0] == '#';
  int64_t v;
  if (!ParseInt64(scaled ? arg.substr(1) : arg, &v)) {
    ctx.reply.Error(kBitOffsetError);
    return false;
  }
  if (scaled) {
    if (v < 0 || v > INT64_MAX / field_bits) {
      ctx.reply.Error(kBitOffsetError);
      return false;
    }
    v *= field_bits;
  }
  if (v < 0 || (v >> 3) >= ctx.server->config().proto_max_bulk_len) {
    ctx.reply.Error(kBitOffsetError);
    return false;
  }
  *out = static_cast<uint64_t>(v);
  return true;
}

std::string_view StringOf(const DbEntry* e, char* scratch) {
  return e == nullptr ? std::string_view() : e->value.StringView(scratch);
}

// Makes the string at `key` at least `len` bytes (creating it); returns its mutable bytes and
// sets *size to its length.
char* GrowString(CommandContext& ctx, DbEntry* e, std::string_view key, size_t len, size_t* size) {
  if (e == nullptr) e = ctx.keyspace().AddKey(ctx.db(), key, Value::RawString(""));
  *size = std::max(len, e->value.StringLength());
  return e->value.MutableBytes(*size);
}

// ---- Commands ----------------------------------------------------------------------------------

// SETBIT key offset value
void SetBitCmd(CommandContext& ctx) {
  uint64_t offset;
  if (!ParseBitOffset(ctx, ctx.arg(2), 0, &offset)) return;
  std::string_view v = ctx.arg(3);
  if (v != "0" && v != "1") {
    ctx.reply.Error(kBitValueError);
    return;
  }
  bool wrong_type;
  DbEntry* e = ctx.Write(ctx.arg(1), ObjType::kString, &wrong_type);
  if (wrong_type) return;
  size_t size;
  char* bytes = GrowString(ctx, e, ctx.arg(1), (offset >> 3) + 1, &size);
  int old = GetBit(std::string_view(bytes, size), offset);
  SetBit(bytes, offset, v[0] - '0');
  ctx.Modified(ctx.arg(1), '$', "setbit");
  ctx.reply.Integer(old);
}

// GETBIT key offset
void GetBitCmd(CommandContext& ctx) {
  uint64_t offset;
  if (!ParseBitOffset(ctx, ctx.arg(2), 0, &offset)) return;
  bool wrong_type;
  DbEntry* e = ctx.Read(ctx.arg(1), ObjType::kString, &wrong_type);
  if (wrong_type) return;
  char scratch[24];
  ctx.reply.Integer(GetBit(StringOf(e, scratch), offset));
}

// Parses "[start [end [BYTE|BIT]]]" from argument `first`, in the order Redis reads them:
// BITCOUNT reads start, end, then the unit (a range of two negative indexes in the wrong order
// answers 0 before the unit is looked at); BITPOS reads start, the unit, then end. Returns
// false after replying (an error, or BITCOUNT's early 0).
bool ParseBitRange(CommandContext& ctx, size_t first, bool unit_before_end, int64_t* start,
                   int64_t* end, bool* end_given, bool* bit_mode) {
  *end_given = ctx.argc() > first + 1;
  *bit_mode = false;
  auto parse_unit = [&] {
    if (ctx.argc() <= first + 2 || EqualsIgnoreCase(ctx.arg(first + 2), "byte")) return true;
    if (EqualsIgnoreCase(ctx.arg(first + 2), "bit")) {
      *bit_mode = true;
      return true;
    }
    ctx.reply.Error(err::kSyntax);
    return false;
  };
  if (ctx.argc() > first && !ParseInt64Reply(ctx, ctx.arg(first), start)) return false;
  if (unit_before_end && !parse_unit()) return false;
  if (*end_given && !ParseInt64Reply(ctx, ctx.arg(first + 1), end)) return false;
  if (!unit_before_end) {
    if (*start < 0 && *end < 0 && *start > *end) {
      ctx.reply.Integer(0);
      return false;
    }
    if (!parse_unit()) return false;
  }
  return true;
}

// BITCOUNT key [start end [BYTE | BIT]]
void BitCount(CommandContext& ctx) {
  bool wrong_type;
  DbEntry* e = ctx.Read(ctx.arg(1), ObjType::kString, &wrong_type);
  if (wrong_type) return;
  if (e == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  if (ctx.argc() == 3 || ctx.argc() > 5) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  char scratch[24];
  std::string_view s = e->value.StringView(scratch);
  int64_t start = 0, end = -1;
  bool end_given, bit_mode;
  if (!ParseBitRange(ctx, 2, false, &start, &end, &end_given, &bit_mode)) return;
  int64_t total = static_cast<int64_t>(s.size()) * (bit_mode ? 8 : 1);
  if (!ResolveRange(total, &start, &end, true)) {
    ctx.reply.Integer(0);
    return;
  }
  int64_t unit = bit_mode ? 1 : 8;
  ctx.reply.Integer(CountOnes(s, static_cast<uint64_t>(start * unit),
                              static_cast<uint64_t>(end * unit + unit - 1)));
}

// BITPOS key bit [start [end [BYTE | BIT]]]
void BitPos(CommandContext& ctx) {
  std::string_view b = ctx.arg(2);
  int64_t bit;
  if (!ParseInt64Reply(ctx, b, &bit)) return;
  if (bit != 0 && bit != 1) {
    ctx.reply.Error(kBitArgError);
    return;
  }
  bool wrong_type;
  DbEntry* e = ctx.Read(ctx.arg(1), ObjType::kString, &wrong_type);
  if (wrong_type) return;
  if (e == nullptr) {
    ctx.reply.Integer(bit ? -1 : 0);
    return;
  }
  if (ctx.argc() > 6) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  char scratch[24];
  std::string_view s = e->value.StringView(scratch);
  int64_t start = 0, end = -1;
  bool end_given, bit_mode;
  if (!ParseBitRange(ctx, 3, true, &start, &end, &end_given, &bit_mode)) return;
  int64_t total = static_cast<int64_t>(s.size()) * (bit_mode ? 8 : 1);
  if (ctx.argc() == 3) {
    start = 0;
    end = total - 1;
  } else if (!ResolveRange(total, &start, &end, false)) {
    ctx.reply.Integer(-1);
    return;
  }
  if (start > end) {
    ctx.reply.Integer(-1);
    return;
  }
  int64_t unit = bit_mode ? 1 : 8;
  int64_t pos = FindBit(s, static_cast<uint64_t>(start * unit),
                        static_cast<uint64_t>(end * unit + unit - 1), static_cast<int>(bit));
  // Looking for a clear bit with no explicit end: the string continues with zeros, so the
  // answer is the first bit after the range searched (its last byte).
  if (pos < 0 && bit == 0 && !end_given) pos = (end * unit + unit - 1) / 8 * 8 + 8;
  ctx.reply.Integer(pos);
}

// BITOP <AND | OR | XOR | NOT> destkey key [key ...]
void BitOp(CommandContext& ctx) {
  std::string_view op = ctx.arg(1);
  enum { kAnd, kOr, kXor, kNot } kind;
  if (EqualsIgnoreCase(op, "and"))
    kind = kAnd;
  else if (EqualsIgnoreCase(op, "or"))
    kind = kOr;
  else if (EqualsIgnoreCase(op, "xor"))
    kind = kXor;
  else if (EqualsIgnoreCase(op, "not"))
    kind = kNot;
  else {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  if (kind == kNot && ctx.argc() != 4) {
    ctx.reply.Error("ERR BITOP NOT must be called with a single source key.");
    return;
  }
  std::vector<std::string> sources;
  size_t max_len = 0;
  for (size_t i = 3; i < ctx.argc(); i++) {
    DbEntry* e = ctx.keyspace().LookupRead(ctx.db(), ctx.arg(i));
    if (e != nullptr && !e->value.is_string()) {
      ctx.reply.Error(err::kWrongType);
      return;
    }
    char scratch[24];
    sources.emplace_back(StringOf(e, scratch));
    max_len = std::max(max_len, sources.back().size());
  }
  std::string out(max_len, '\0');
  for (size_t j = 0; j < max_len; j++) {
    auto byte = [&](size_t s) -> uint8_t {
      return j < sources[s].size() ? static_cast<uint8_t>(sources[s][j]) : 0;
    };
    uint8_t acc = byte(0);
    if (kind == kNot) acc = static_cast<uint8_t>(~acc);
    for (size_t s = 1; s < sources.size(); s++) {
      if (kind == kAnd)
        acc &= byte(s);
      else if (kind == kOr)
        acc |= byte(s);
      else
        acc ^= byte(s);
    }
    out[j] = static_cast<char>(acc);
  }
  std::string_view dest = ctx.arg(2);
  if (max_len == 0) {
    if (ctx.keyspace().LookupWrite(ctx.db(), dest) != nullptr) {
      ctx.keyspace().DeleteKey(ctx.db(), dest);
      ctx.keyspace().NotifyKeyspaceEvent('g', "del", dest, ctx.db()->index());
    }
  } else {
    ctx.keyspace().SetKey(ctx.db(), dest, Value::RawString(out));
    ctx.keyspace().NotifyKeyspaceEvent('$', "set", dest, ctx.db()->index());
  }
  ctx.keyspace().SignalModifiedKey(ctx.db(), dest);
  ctx.server->dirty++;
  ctx.reply.Integer(static_cast<int64_t>(max_len));
}

struct FieldOp {
  enum Kind { kGet, kSet, kIncrBy } kind;
  FieldType type;
  uint64_t offset;
  int64_t value;
  Overflow overflow;
};

// Parses every BITFIELD operation before touching the key, as Redis does.
bool ParseFieldOps(CommandContext& ctx, bool read_only, std::vector<FieldOp>* ops) {
  Overflow overflow = Overflow::kWrap;
  for (size_t i = 2; i < ctx.argc();) {
    std::string_view sub = ctx.arg(i);
    size_t remaining = ctx.argc() - i - 1;
    FieldOp op{};
    if (EqualsIgnoreCase(sub, "overflow") && remaining >= 1) {
      std::string_view how = ctx.arg(i + 1);
      if (EqualsIgnoreCase(how, "wrap"))
        overflow = Overflow::kWrap;
      else if (EqualsIgnoreCase(how, "sat"))
        overflow = Overflow::kSat;
      else if (EqualsIgnoreCase(how, "fail"))
        overflow = Overflow::kFail;
      else {
        ctx.reply.Error("ERR Invalid OVERFLOW type specified");
        return false;
      }
      i += 2;
      continue;
    }
    if (EqualsIgnoreCase(sub, "get") && remaining >= 2)
      op.kind = FieldOp::kGet;
    else if (EqualsIgnoreCase(sub, "set") && remaining >= 3)
      op.kind = FieldOp::kSet;
    else if (EqualsIgnoreCase(sub, "incrby") && remaining >= 3)
      op.kind = FieldOp::kIncrBy;
    else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
    if (!ParseFieldType(ctx.arg(i + 1), &op.type)) {
      ctx.reply.Error(kBitfieldTypeError);
      return false;
    }
    if (!ParseBitOffset(ctx, ctx.arg(i + 2), op.type.bits, &op.offset)) return false;
    if (op.kind != FieldOp::kGet && !ParseInt64Reply(ctx, ctx.arg(i + 3), &op.value)) {
      return false;
    }
    op.overflow = overflow;
    ops->push_back(op);
    i += op.kind == FieldOp::kGet ? 3 : 4;
  }
  // Redis parses the whole command before it refuses writes in the read-only form.
  for (const FieldOp& op : *ops) {
    if (read_only && op.kind != FieldOp::kGet) {
      ctx.reply.Error("ERR BITFIELD_RO only supports the GET subcommand");
      return false;
    }
  }
  return true;
}

void BitFieldGeneric(CommandContext& ctx, bool read_only) {
  std::vector<FieldOp> ops;
  if (!ParseFieldOps(ctx, read_only, &ops)) return;
  size_t needed = 0;  // bytes the writes reach
  for (const FieldOp& op : ops) {
    if (op.kind != FieldOp::kGet) needed = std::max(needed, (op.offset + op.type.bits + 7) / 8);
  }
  bool wrong_type;
  std::string_view key = ctx.arg(1);
  if (needed == 0) {
    DbEntry* e = ctx.Read(key, ObjType::kString, &wrong_type);
    if (wrong_type) return;
    char scratch[24];
    std::string_view s = StringOf(e, scratch);
    ctx.reply.ArrayHeader(static_cast<int64_t>(ops.size()));
    for (const FieldOp& op : ops) ctx.reply.Integer(ReadField(s, op.offset, op.type));
    return;
  }
  DbEntry* e = ctx.Write(key, ObjType::kString, &wrong_type);
  if (wrong_type) return;
  size_t size;
  char* bytes = GrowString(ctx, e, key, needed, &size);
  std::string_view view(bytes, size);
  int64_t changes = 0;
  ctx.reply.ArrayHeader(static_cast<int64_t>(ops.size()));
  for (const FieldOp& op : ops) {
    int64_t old = ReadField(view, op.offset, op.type);
    if (op.kind == FieldOp::kGet) {
      ctx.reply.Integer(old);
      continue;
    }
    std::optional<int64_t> next = op.kind == FieldOp::kSet
                                      ? ApplyOverflow(op.type, op.value, 0, op.overflow, true)
                                      : ApplyOverflow(op.type, old, op.value, op.overflow);
    if (!next) {
      ctx.reply.Null();
      continue;
    }
    WriteField(bytes, op.offset, op.type, *next);
    changes++;
    if (op.kind == FieldOp::kSet)
      ctx.reply.Integer(old);
    else
      ctx.reply.Integer(*next);
  }
  if (changes > 0) {
    ctx.Modified(key, '$', "setbit", static_cast<uint64_t>(changes));
  }
}

// BITFIELD key [GET type offset | [OVERFLOW <WRAP | SAT | FAIL>] <SET type offset value |
//   INCRBY type offset increment> [...]]
void BitField(CommandContext& ctx) { BitFieldGeneric(ctx, false); }

// BITFIELD_RO key [GET type offset [GET type offset ...]]
void BitFieldRo(CommandContext& ctx) { BitFieldGeneric(ctx, true); }

}  // namespace

void RegisterBitmapFamily(CommandTable& t) {
  t.Register("setbit", SetBitCmd);
  t.Register("getbit", GetBitCmd);
  t.Register("bitcount", BitCount);
  t.Register("bitpos", BitPos);
  t.Register("bitop", BitOp);
  t.Register("bitfield", BitField);
  t.Register("bitfield_ro", BitFieldRo);
}

}  // namespace redsim
