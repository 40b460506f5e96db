// HyperLogLog: PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST, stored as strings in Redis's byte layout
// so that a GET from one server SET into the other counts the same.
//
// Layout (all facts of Redis's published format): a 16-byte header — "HYLL", an encoding byte
// (0 dense, 1 sparse), 3 unused bytes, an 8-byte little-endian cached cardinality whose top bit
// marks the cache invalid — followed by 16384 six-bit registers. Dense packs them LSB-first into
// 12288 bytes; sparse run-length encodes them with three opcodes: ZERO (00xxxxxx, 1..64 zero
// registers), XZERO (01xxxxxx yyyyyyyy, 1..16384 zero registers) and VAL (1vvvvvxx, 1..4
// registers holding 1..32). Sparse becomes dense when a register needs more than 32 or the string
// would grow past hll-sparse-max-bytes. Every string read is validated first: a malformed one
// gets Redis's INVALIDOBJ error, never an out-of-bounds access.
#include <bit>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "engine/base/strutil.h"
#include "engine/server/command.h"
#include "engine/server/command_context.h"
#include "engine/server/errors.h"
#include "engine/server/server.h"

namespace redsim {
namespace {

constexpr int kPrecision = 14;
constexpr int kRegisters = 1 << kPrecision;  // 16384
constexpr int kQ = 64 - kPrecision;          // hash bits left for the run of zeros
constexpr int kRegisterBits = 6;
constexpr size_t kHeaderSize = 16;
constexpr size_t kDenseSize = kHeaderSize + (kRegisters * kRegisterBits + 7) / 8;
constexpr uint8_t kDense = 0;
constexpr uint8_t kSparse = 1;
constexpr int kSparseValMax = 32;
constexpr int kSparseValMaxLen = 4;
constexpr int kSparseZeroMaxLen = 64;
constexpr int kSparseXZeroMaxLen = 16384;

constexpr char kNotHll[] = "WRONGTYPE Key is not a valid HyperLogLog string value.";
constexpr char kCorrupted[] = "INVALIDOBJ Corrupted HLL object detected";

// MurmurHash64A (Austin Appleby's public-domain hash, the one Redis feeds HyperLogLog with),
// reading the input as little-endian 64-bit words.
uint64_t Murmur64A(std::string_view s, uint64_t seed) {
  constexpr uint64_t m = 0xc6a4a7935bd1e995ULL;
  constexpr int r = 47;
  uint64_t h = seed ^ (s.size() * m);
  size_t full = s.size() & ~size_t{7};
  const auto* data = reinterpret_cast<const uint8_t*>(s.data());
  for (size_t i = 0; i < full; i += 8) {
    uint64_t k;
    if constexpr (std::endian::native == std::endian::little) {
      memcpy(&k, data + i, 8);
    } else {
      k = 0;
      for (int b = 7; b >= 0; b--) k = (k << 8) | data[i + b];
    }
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
  }
  size_t rest = s.size() & 7;
  if (rest != 0) {
    for (size_t b = rest; b-- > 0;) h ^= static_cast<uint64_t>(data[full + b]) << (8 * b);
    h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

// Register index and run length (1..kQ+1) an element maps to.
void HashElement(std::string_view element, int* index, int* count) {
  uint64_t hash = Murmur64A(element, 0xadc83b19ULL);
  *index = static_cast<int>(hash & (kRegisters - 1));
  hash >>= kPrecision;
  hash |= uint64_t{1} << kQ;  // caps the run at kQ zeros
  *count = std::countr_zero(hash) + 1;
}

// ---- Dense registers ---------------------------------------------------------------------------

int DenseGet(const uint8_t* regs, int i) {
  size_t byte = static_cast<size_t>(i) * kRegisterBits / 8;
  int shift = (i * kRegisterBits) & 7;
  unsigned v = regs[byte] >> shift;
  if (shift > 8 - kRegisterBits) v |= static_cast<unsigned>(regs[byte + 1]) << (8 - shift);
  return static_cast<int>(v & 63);
}

void DenseSet(uint8_t* regs, int i, int value) {
  size_t byte = static_cast<size_t>(i) * kRegisterBits / 8;
  int shift = (i * kRegisterBits) & 7;
  regs[byte] = static_cast<uint8_t>((regs[byte] & ~(63u << shift)) | (value << shift));
  if (shift > 8 - kRegisterBits) {
    int high = 8 - shift;
    regs[byte + 1] = static_cast<uint8_t>((regs[byte + 1] & ~(63u >> high)) |
                                          (static_cast<unsigned>(value) >> high));
  }
}

// ---- Sparse runs -------------------------------------------------------------------------------

struct Run {
  int value;  // 0 for ZERO/XZERO
  int length;
};

// Decodes sparse opcodes; false when malformed or not covering exactly every register.
bool DecodeSparse(std::string_view ops, std::vector<Run>* runs) {
  int covered = 0;
  for (size_t p = 0; p < ops.size();) {
    uint8_t b = static_cast<uint8_t>(ops[p]);
    Run run;
    if ((b & 0xc0) == 0x00) {
      run = {0, (b & 0x3f) + 1};
      p++;
    } else if ((b & 0xc0) == 0x40) {
      if (p + 1 >= ops.size()) return false;
      run = {0, (((b & 0x3f) << 8) | static_cast<uint8_t>(ops[p + 1])) + 1};
      p += 2;
    } else {
      run = {((b >> 2) & 0x1f) + 1, (b & 0x3) + 1};
      p++;
    }
    covered += run.length;
    if (covered > kRegisters) return false;
    runs->push_back(run);
  }
  return covered == kRegisters;
}

void AppendZeros(std::string* out, int length) {
  while (length > 0) {
    int n = std::min(length, kSparseXZeroMaxLen);
    if (n <= kSparseZeroMaxLen) {
      out->push_back(static_cast<char>(n - 1));
    } else {
      out->push_back(static_cast<char>(0x40 | ((n - 1) >> 8)));
      out->push_back(static_cast<char>((n - 1) & 0xff));
    }
    length -= n;
  }
}

void AppendVal(std::string* out, int value, int length) {
  while (length > 0) {
    int n = std::min(length, kSparseValMaxLen);
    out->push_back(static_cast<char>(0x80 | ((value - 1) << 2) | (n - 1)));
    length -= n;
  }
}

// ---- The HLL string ----------------------------------------------------------------------------

bool HasHllHeader(std::string_view s) {
  if (s.size() < kHeaderSize || s.substr(0, 4) != "HYLL") return false;
  uint8_t enc = static_cast<uint8_t>(s[4]);
  if (enc > kSparse) return false;
  return enc != kDense || s.size() == kDenseSize;
}

uint8_t Encoding(std::string_view s) { return static_cast<uint8_t>(s[4]); }

void InvalidateCache(char* bytes) { bytes[15] = static_cast<char>(bytes[15] | 0x80); }

std::string NewSparse() {
  std::string s("HYLL", 4);
  s.push_back(static_cast<char>(kSparse));
  s.append(11, '\0');
  AppendZeros(&s, kRegisters);
  return s;
}

// Every register's value; false when the string is corrupted.
bool ReadRegisters(std::string_view s, std::vector<uint8_t>* regs) {
  regs->assign(kRegisters, 0);
  if (Encoding(s) == kDense) {
    const auto* p = reinterpret_cast<const uint8_t*>(s.data() + kHeaderSize);
    for (int i = 0; i < kRegisters; i++)
      (*regs)[static_cast<size_t>(i)] = static_cast<uint8_t>(DenseGet(p, i));
    return true;
  }
  std::vector<Run> runs;
  if (!DecodeSparse(s.substr(kHeaderSize), &runs)) return false;
  size_t i = 0;
  for (const Run& r : runs) {
    for (int j = 0; j < r.length; j++) (*regs)[i++] = static_cast<uint8_t>(r.value);
  }
  return true;
}

std::string DenseFrom(std::string_view header, const std::vector<uint8_t>& regs) {
  std::string out(header.substr(0, kHeaderSize));
  out[4] = static_cast<char>(kDense);
  out.resize(kDenseSize, '\0');
  auto* p = reinterpret_cast<uint8_t*>(out.data() + kHeaderSize);
  for (int i = 0; i < kRegisters; i++) DenseSet(p, i, regs[static_cast<size_t>(i)]);
  return out;
}

// Sets register `index` to `count` if that raises it, in the sparse string `s` (which may turn
// dense). Returns 1 when changed, 0 when not, -1 when the string is corrupted.
int SparseSet(std::string* s, int index, int count, int64_t max_bytes) {
  // Walk the opcodes only as far as the one covering `index`, remembering where it and the one
  // before it start. Like Redis, the rest of the string is not validated here (PFCOUNT and the
  // dense conversion do that), so a damaged tail is reported by them.
  size_t pos = kHeaderSize, prev_pos = 0;
  bool has_prev = false;
  int first = 0;
  auto op_size = [&](size_t at) {
    uint8_t b = static_cast<uint8_t>((*s)[at]);
    return (b & 0xc0) == 0x40 ? size_t{2} : size_t{1};
  };
  auto decode = [&](size_t at) -> Run {
    uint8_t b = static_cast<uint8_t>((*s)[at]);
    if ((b & 0xc0) == 0x00) return {0, (b & 0x3f) + 1};
    if ((b & 0xc0) == 0x40)
      return {0, (((b & 0x3f) << 8) | static_cast<uint8_t>((*s)[at + 1])) + 1};
    return {((b >> 2) & 0x1f) + 1, (b & 0x3) + 1};
  };
  Run run{};
  while (true) {
    if (pos >= s->size() || pos + op_size(pos) > s->size()) return -1;
    run = decode(pos);
    if (first + run.length > index) break;
    first += run.length;
    prev_pos = pos;
    has_prev = true;
    pos += op_size(pos);
  }
  bool promote = count > kSparseValMax;
  if (!promote && run.value >= count) return 0;
  std::string replacement;
  if (!promote) {
    int before = index - first, after = first + run.length - 1 - index;
    if (run.value == 0)
      AppendZeros(&replacement, before);
    else
      AppendVal(&replacement, run.value, before);
    AppendVal(&replacement, count, 1);
    if (run.value == 0)
      AppendZeros(&replacement, after);
    else
      AppendVal(&replacement, run.value, after);
    size_t old_size = op_size(pos);
    if (replacement.size() > old_size &&
        static_cast<int64_t>(s->size() + replacement.size() - old_size) > max_bytes) {
      promote = true;
    } else {
      s->replace(pos, old_size, replacement);
    }
  }
  if (promote) {
    std::vector<uint8_t> regs;
    if (!ReadRegisters(*s, &regs)) return -1;
    if (regs[static_cast<size_t>(index)] < count)
      regs[static_cast<size_t>(index)] = static_cast<uint8_t>(count);
    *s = DenseFrom(*s, regs);
    return 1;
  }
  // Merge adjacent VAL opcodes with equal values, scanning a few opcodes from the one before the
  // change (enough to reach past the up to three opcodes written).
  size_t p = has_prev ? prev_pos : kHeaderSize;
  for (int scan = 5; p < s->size() && scan-- > 0;) {
    uint8_t b = static_cast<uint8_t>((*s)[p]);
    if ((b & 0xc0) != 0x80) {
      p += (b & 0xc0) == 0x40 ? 2 : 1;
      continue;
    }
    if (p + 1 < s->size() && (static_cast<uint8_t>((*s)[p + 1]) & 0x80) != 0) {
      uint8_t c = static_cast<uint8_t>((*s)[p + 1]);
      int v1 = ((b >> 2) & 0x1f), v2 = ((c >> 2) & 0x1f);
      int len = (b & 3) + (c & 3) + 2;
      if (v1 == v2 && len <= kSparseValMaxLen) {
        (*s)[p + 1] = static_cast<char>(0x80 | (v1 << 2) | (len - 1));
        s->erase(p, 1);
        continue;  // try merging the result with the next one, without advancing
      }
    }
    p++;
  }
  return 1;
}

// Adds an element; returns 1 when a register changed, 0 when not, -1 when corrupted.
int AddElement(std::string* s, std::string_view element, int64_t max_bytes) {
  int index, count;
  HashElement(element, &index, &count);
  if (Encoding(*s) == kSparse) return SparseSet(s, index, count, max_bytes);
  auto* regs = reinterpret_cast<uint8_t*>(s->data() + kHeaderSize);
  if (DenseGet(regs, index) >= count) return 0;
  DenseSet(regs, index, count);
  return 1;
}

// ---- Estimation (Ertl's improved estimator, as Redis 7 uses) -----------------------------------

double Tau(double x) {
  if (x == 0.0 || x == 1.0) return 0.0;
  double y = 1.0, z = 1 - x, previous;
  do {
    x = std::sqrt(x);
    previous = z;
    y *= 0.5;
    z -= std::pow(1 - x, 2) * y;
  } while (previous != z);
  return z / 3;
}

double Sigma(double x) {
  if (x == 1.0) return INFINITY;
  double y = 1.0, z = x, previous;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (previous != z);
  return z;
}

uint64_t Estimate(const std::vector<uint8_t>& regs) {
  int histogram[64] = {0};
  for (uint8_t r : regs) histogram[r]++;
  double m = kRegisters;
  double z = m * Tau((m - histogram[kQ + 1]) / m);
  for (int j = kQ; j >= 1; --j) {
    z += histogram[j];
    z *= 0.5;
  }
  z += m * Sigma(histogram[0] / m);
  constexpr long double kAlphaInf = 0.721347520444481703680L;
  return static_cast<uint64_t>(llroundl(kAlphaInf * m * m / z));
}

// ---- Keyspace access ---------------------------------------------------------------------------

// Looks `key` up for an HLL command. Replies and returns false on a wrong type or a string that
// is not an HLL; *e is nullptr for a missing key.
bool LookupHll(CommandContext& ctx, std::string_view key, bool write, DbEntry** e) {
  *e = write ? ctx.keyspace().LookupWrite(ctx.db(), key) : ctx.keyspace().LookupRead(ctx.db(), key);
  if (*e == nullptr) return true;
  if (!(*e)->value.is_string()) {
    ctx.reply.Error(err::kWrongType);
    return false;
  }
  char scratch[24];
  if (!HasHllHeader((*e)->value.StringView(scratch))) {
    ctx.reply.Error(kNotHll);
    return false;
  }
  return true;
}

bool DenseHll(const DbEntry* e) {
  char scratch[24];
  return Encoding(e->value.StringView(scratch)) == kDense;
}

std::string CurrentString(const DbEntry* e) {
  char scratch[24];
  return std::string(e->value.StringView(scratch));
}

void Store(CommandContext& ctx, std::string_view key, DbEntry* e, const std::string& bytes) {
  if (e == nullptr) {
    ctx.keyspace().AddKey(ctx.db(), key, Value::RawString(bytes));
    return;
  }
  char* p = e->value.MutableBytes(bytes.size());
  memcpy(p, bytes.data(), bytes.size());
}

// Adds the elements to an existing dense HLL in place: its size never changes, so there is no
// reason to copy its 12 KB (the snapshot saw the old value already: LookupWrite tells it). The
// value is only made mutable once a register actually rises.
int DenseAddInPlace(DbEntry* e, CommandContext& ctx) {
  char scratch[24];
  const char* bytes = e->value.StringView(scratch).data();
  uint8_t* regs = nullptr;
  int updated = 0;
  for (size_t i = 2; i < ctx.argc(); i++) {
    int index, count;
    HashElement(ctx.arg(i), &index, &count);
    const auto* current =
        regs != nullptr ? regs : reinterpret_cast<const uint8_t*>(bytes + kHeaderSize);
    if (DenseGet(current, index) >= count) continue;
    if (regs == nullptr) {
      char* p = e->value.MutableBytes(kDenseSize);
      InvalidateCache(p);
      regs = reinterpret_cast<uint8_t*>(p + kHeaderSize);
    }
    DenseSet(regs, index, count);
    updated++;
  }
  return updated;
}

// PFADD key [element [element ...]]
void PfAdd(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  DbEntry* e;
  if (!LookupHll(ctx, key, true, &e)) return;
  int updated = 0;
  if (e != nullptr && DenseHll(e)) {
    updated = DenseAddInPlace(e, ctx);
  } else {
    std::string s = e == nullptr ? NewSparse() : CurrentString(e);
    updated = e == nullptr ? 1 : 0;
    for (size_t i = 2; i < ctx.argc(); i++) {
      int r = AddElement(&s, ctx.arg(i), ctx.server->config().hll_sparse_max_bytes);
      if (r < 0) {
        ctx.reply.Error(kCorrupted);
        return;
      }
      updated += r;
    }
    if (updated > 0) {
      InvalidateCache(s.data());
      Store(ctx, key, e, s);
    }
  }
  if (updated > 0) {
    ctx.Modified(key, '$', "pfadd", static_cast<uint64_t>(updated));
  }
  ctx.reply.Integer(updated > 0 ? 1 : 0);
}

// PFCOUNT key [key ...]
void PfCount(CommandContext& ctx) {
  if (ctx.argc() > 2) {
    // The union of several HLLs: no cache is read or written.
    std::vector<uint8_t> max(kRegisters, 0), regs;
    for (size_t i = 1; i < ctx.argc(); i++) {
      DbEntry* e;
      if (!LookupHll(ctx, ctx.arg(i), false, &e)) return;
      if (e == nullptr) continue;
      if (!ReadRegisters(CurrentString(e), &regs)) {
        ctx.reply.Error(kCorrupted);
        return;
      }
      for (size_t r = 0; r < regs.size(); r++) max[r] = std::max(max[r], regs[r]);
    }
    ctx.reply.Integer(static_cast<int64_t>(Estimate(max)));
    return;
  }
  std::string_view key = ctx.arg(1);
  DbEntry* e;
  if (!LookupHll(ctx, key, true, &e)) return;
  if (e == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  std::string s = CurrentString(e);
  uint64_t cached = 0;
  for (int b = 7; b >= 0; b--) cached = (cached << 8) | static_cast<uint8_t>(s[8 + b]);
  if ((cached >> 63) == 0) {
    ctx.reply.Integer(static_cast<int64_t>(cached));
    return;
  }
  std::vector<uint8_t> regs;
  if (!ReadRegisters(s, &regs)) {
    ctx.reply.Error(kCorrupted);
    return;
  }
  uint64_t card = Estimate(regs);
  // Caching the count changes the string: Redis treats that as a write (and propagates it).
  for (int b = 0; b < 8; b++) s[8 + b] = static_cast<char>((card >> (8 * b)) & 0xff);
  Store(ctx, key, e, s);
  ctx.keyspace().SignalModifiedKey(ctx.db(), key);
  ctx.server->dirty++;
  ctx.reply.Integer(static_cast<int64_t>(card));
}

// PFMERGE destkey [sourcekey [sourcekey ...]]
void PfMerge(CommandContext& ctx) {
  std::vector<uint8_t> max(kRegisters, 0), regs;
  bool any_dense = false;
  for (size_t i = 1; i < ctx.argc(); i++) {
    DbEntry* e;
    if (!LookupHll(ctx, ctx.arg(i), false, &e)) return;
    if (e == nullptr) continue;
    std::string s = CurrentString(e);
    any_dense |= Encoding(s) == kDense;
    if (!ReadRegisters(s, &regs)) {
      ctx.reply.Error(kCorrupted);
      return;
    }
    for (size_t r = 0; r < regs.size(); r++) max[r] = std::max(max[r], regs[r]);
  }
  std::string_view key = ctx.arg(1);
  DbEntry* dest = ctx.keyspace().LookupWrite(ctx.db(), key);
  std::string s = dest == nullptr ? NewSparse() : CurrentString(dest);
  if (any_dense && Encoding(s) == kSparse) {
    if (!ReadRegisters(s, &regs)) {
      ctx.reply.Error(kCorrupted);
      return;
    }
    s = DenseFrom(s, regs);
  }
  int64_t max_bytes = ctx.server->config().hll_sparse_max_bytes;
  for (int i = 0; i < kRegisters; i++) {
    int v = max[static_cast<size_t>(i)];
    if (v == 0) continue;
    if (Encoding(s) == kDense) {
      auto* p = reinterpret_cast<uint8_t*>(s.data() + kHeaderSize);
      if (DenseGet(p, i) < v) DenseSet(p, i, v);
    } else if (SparseSet(&s, i, v, max_bytes) < 0) {
      ctx.reply.Error(kCorrupted);
      return;
    }
  }
  InvalidateCache(s.data());
  Store(ctx, key, dest, s);
  ctx.Modified(key, '$', "pfadd");
  ctx.reply.Ok();
}

// Renders sparse opcodes as PFDEBUG DECODE does: "z:n" (ZERO), "Z:n" (XZERO), "v:value,len".
std::string DecodeText(std::string_view ops) {
  std::string out;
  for (size_t p = 0; p < ops.size();) {
    uint8_t b = static_cast<uint8_t>(ops[p]);
    if (!out.empty()) out += ' ';
    if ((b & 0xc0) == 0x00) {
      out += "z:" + std::to_string((b & 0x3f) + 1);
      p++;
    } else if ((b & 0xc0) == 0x40 && p + 1 < ops.size()) {
      out += "Z:" + std::to_string((((b & 0x3f) << 8) | static_cast<uint8_t>(ops[p + 1])) + 1);
      p += 2;
    } else {
      out += "v:" + std::to_string(((b >> 2) & 0x1f) + 1) + "," + std::to_string((b & 3) + 1);
      p++;
    }
  }
  return out;
}

// PFDEBUG <GETREG | DECODE | ENCODING | TODENSE> key
void PfDebug(CommandContext& ctx) {
  std::string_view key = ctx.arg(2);
  DbEntry* e = ctx.keyspace().LookupWrite(ctx.db(), key);
  if (e == nullptr) {
    ctx.reply.Error("ERR The specified key does not exist");
    return;
  }
  if (!e->value.is_string() || !HasHllHeader(CurrentString(e))) {
    ctx.reply.Error(e->value.is_string() ? std::string_view(kNotHll) : err::kWrongType);
    return;
  }
  std::string s = CurrentString(e);
  std::string sub = ToLower(ctx.arg(1));
  std::vector<uint8_t> regs;
  if (sub == "getreg" || sub == "todense") {
    bool was_sparse = Encoding(s) == kSparse;
    if (was_sparse) {
      if (!ReadRegisters(s, &regs)) {
        ctx.reply.Error(kCorrupted);
        return;
      }
      Store(ctx, key, e, DenseFrom(s, regs));
      ctx.keyspace().SignalModifiedKey(ctx.db(), key);
      ctx.server->dirty++;
    }
    if (sub == "todense") {
      ctx.reply.Integer(was_sparse ? 1 : 0);
      return;
    }
    ReadRegisters(CurrentString(e), &regs);
    ctx.reply.ArrayHeader(kRegisters);
    for (uint8_t r : regs) ctx.reply.Integer(r);
  } else if (sub == "decode") {
    if (Encoding(s) != kSparse) {
      ctx.reply.Error("ERR HLL encoding is not sparse");
      return;
    }
    ctx.reply.Bulk(DecodeText(std::string_view(s).substr(kHeaderSize)));
  } else if (sub == "encoding") {
    ctx.reply.Simple(Encoding(s) == kSparse ? "sparse" : "dense");
  } else {
    ctx.reply.Error("ERR Unknown PFDEBUG subcommand '" + std::string(ctx.arg(1)) + "'");
  }
}

// PFSELFTEST: checks the register packing and the estimator's error on this build.
void PfSelfTest(CommandContext& ctx) {
  std::vector<uint8_t> bytes(kDenseSize - kHeaderSize + 1, 0);
  for (int i = 0; i < kRegisters; i++) DenseSet(bytes.data(), i, (i * 7) & 63);
  for (int i = 0; i < kRegisters; i++) {
    if (DenseGet(bytes.data(), i) != ((i * 7) & 63)) {
      ctx.reply.Error("ERR TESTFAILED Register error at " + std::to_string(i));
      return;
    }
  }
  std::string sparse = NewSparse(),
              dense = DenseFrom(NewSparse(), std::vector<uint8_t>(kRegisters, 0));
  for (int n = 1; n <= 100000; n++) {
    std::string element = "selftest:" + std::to_string(n);
    AddElement(&sparse, element, 3000);
    AddElement(&dense, element, 3000);
    if (n % 10000 != 0) continue;
    std::vector<uint8_t> a, b;
    ReadRegisters(sparse, &a);
    ReadRegisters(dense, &b);
    double error = std::fabs(static_cast<double>(Estimate(b)) - n) / n;
    if (a != b || error > 5 * 1.04 / std::sqrt(kRegisters)) {
      ctx.reply.Error("ERR TESTFAILED estimate " + std::to_string(Estimate(b)) + " for " +
                      std::to_string(n));
      return;
    }
  }
  ctx.reply.Ok();
}

}  // namespace

void RegisterHllFamily(CommandTable& t) {
  t.Register("pfadd", PfAdd);
  t.Register("pfcount", PfCount);
  t.Register("pfmerge", PfMerge);
  t.Register("pfdebug", PfDebug);
  t.Register("pfselftest", PfSelfTest);
}

}  // namespace redsim
