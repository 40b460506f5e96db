#include "engine/persistence/digest.h"

#include <cstdio>
#include <cstring>

#include "engine/base/strutil.h"
#include "engine/db/database.h"
#include "engine/types/hash_object.h"
#include "engine/types/list_object.h"
#include "engine/types/set_object.h"
#include "engine/types/zset_object.h"

namespace redsim {

namespace {

// ---- SHA-1 (FIPS 180-4, section 6.1) ----------------------------------------------------------

class Sha1State {
 public:
  void Update(const uint8_t* p, size_t n) {
    total_ += n;
    while (n > 0) {
      size_t take = std::min(n, sizeof(block_) - used_);
      memcpy(block_ + used_, p, take);
      used_ += take;
      p += take;
      n -= take;
      if (used_ == sizeof(block_)) {
        Compress();
        used_ = 0;
      }
    }
  }
  Digest Final() {
    uint64_t bits = total_ * 8;
    uint8_t pad = 0x80;
    Update(&pad, 1);
    uint8_t zero = 0;
    while (used_ != 56) Update(&zero, 1);
    uint8_t len[8];
    for (int i = 0; i < 8; i++) len[i] = static_cast<uint8_t>(bits >> (56 - 8 * i));
    Update(len, 8);
    Digest d;
    for (int i = 0; i < 5; i++) {
      for (int b = 0; b < 4; b++) d[4 * i + b] = static_cast<uint8_t>(h_[i] >> (24 - 8 * b));
    }
    return d;
  }

 private:
  static uint32_t Rotl(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }
  void Compress() {
    uint32_t w[80];
    for (int t = 0; t < 16; t++) {
      w[t] = (uint32_t{block_[4 * t]} << 24) | (uint32_t{block_[4 * t + 1]} << 16) |
             (uint32_t{block_[4 * t + 2]} << 8) | uint32_t{block_[4 * t + 3]};
    }
    for (int t = 16; t < 80; t++) w[t] = Rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4];
    for (int t = 0; t < 80; t++) {
      uint32_t f, k;
      if (t < 20) {
        f = (b & c) | (~b & d);
        k = 0x5A827999;
      } else if (t < 40) {
        f = b ^ c ^ d;
        k = 0x6ED9EBA1;
      } else if (t < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8F1BBCDC;
      } else {
        f = b ^ c ^ d;
        k = 0xCA62C1D6;
      }
      uint32_t temp = Rotl(a, 5) + f + e + k + w[t];
      e = d;
      d = c;
      c = Rotl(b, 30);
      b = a;
      a = temp;
    }
    h_[0] += a;
    h_[1] += b;
    h_[2] += c;
    h_[3] += d;
    h_[4] += e;
  }

  uint32_t h_[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  uint8_t block_[64];
  size_t used_ = 0;
  uint64_t total_ = 0;
};

// state ^= SHA1(data): order-independent.
void XorIn(Digest* state, std::string_view data) {
  Digest h = Sha1(data);
  for (size_t i = 0; i < h.size(); i++) (*state)[i] ^= h[i];
}

// state = SHA1(state ^ SHA1(data)): order-dependent.
void Mix(Digest* state, std::string_view data) {
  XorIn(state, data);
  *state = Sha1(std::string_view(reinterpret_cast<const char*>(state->data()), state->size()));
}

void XorDigest(Digest* state, const Digest& d) {
  XorIn(state, std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
}

std::string ScoreText(double score) {
  char buf[64];
  snprintf(buf, sizeof(buf), "%.17g", score);
  return buf;
}

}  // namespace

Digest Sha1(std::string_view data) {
  Sha1State s;
  s.Update(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  return s.Final();
}

std::string DigestHex(const Digest& d) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (uint8_t b : d) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

// Redis's numbering of types, mixed in first so equal contents of different types differ.
uint32_t RedisTypeNumber(ObjType t) {
  switch (t) {
    case ObjType::kString:
      return 0;
    case ObjType::kList:
      return 1;
    case ObjType::kSet:
      return 2;
    case ObjType::kZSet:
      return 3;
    case ObjType::kHash:
      return 4;
    case ObjType::kStream:
      return 6;
    default:
      return 255;
  }
}

bool ValueDigest(const Value& v, bool has_expire, Digest* digest) {
  uint32_t type = RedisTypeNumber(v.type());
  char be[4] = {static_cast<char>(type >> 24), static_cast<char>(type >> 16),
                static_cast<char>(type >> 8), static_cast<char>(type)};
  Mix(digest, std::string_view(be, 4));
  bool covered = true;
  switch (v.type()) {
    case ObjType::kString:
      Mix(digest, v.ToString());
      break;
    case ObjType::kList: {
      const auto* list = v.As<ListObject>();
      for (auto it = list->IterAt(0); list->length() > 0 && it.valid(); it.Next()) {
        Mix(digest, it.Get());
      }
      break;
    }
    case ObjType::kSet:
      v.As<SetObject>()->ForEachMember([&](std::string_view m) { XorIn(digest, m); });
      break;
    case ObjType::kZSet: {
      const auto* z = v.As<ZSetObject>();
      z->ForEachInRange(0, z->Length(), [&](std::string_view m, double score) {
        Digest e{};
        Mix(&e, m);
        Mix(&e, ScoreText(score));
        XorDigest(digest, e);
      });
      break;
    }
    case ObjType::kHash:
      v.As<HashObject>()->ForEach([&](std::string_view f, std::string_view val) {
        Digest e{};
        Mix(&e, f);
        Mix(&e, val);
        XorDigest(digest, e);
      });
      break;
    default:
      covered = false;
  }
  if (has_expire) XorIn(digest, "!!expire!!");
  return covered;
}

Digest DatasetDigest(const std::vector<Database*>& dbs) {
  Digest final_digest{};
  for (Database* db : dbs) {
    if (db->size() == 0) continue;
    uint32_t index = static_cast<uint32_t>(db->index());
    char be[4] = {static_cast<char>(index >> 24), static_cast<char>(index >> 16),
                  static_cast<char>(index >> 8), static_cast<char>(index)};
    Mix(&final_digest, std::string_view(be, 4));
    db->table().ForEach([&](DbEntry* e) {
      Digest d{};
      Mix(&d, e->key());
      ValueDigest(e->value, e->has_expire(), &d);
      XorDigest(&final_digest, d);
    });
  }
  return final_digest;
}

}  // namespace redsim
