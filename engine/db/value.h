// Value: what a key holds. 16 bytes: strings up to 14 bytes live inline, integers are stored as
// int64 (Redis's "int" encoding), longer strings in one heap block, and collections as a pointer
// to an Object subclass owned by the Value.
//
// Invariants: a Value owns what it points to (moving transfers ownership, copying is explicit
// through Clone); the string encodings reported by OBJECT ENCODING ("int", "embstr", "raw") follow
// Redis's rules, independent of where the bytes are stored.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

namespace redsim {

enum class ObjType : uint8_t { kNone = 0, kString, kList, kSet, kZSet, kHash, kStream };

// Encodings, named as OBJECT ENCODING prints them.
enum class Encoding : uint8_t {
  kRaw = 0,
  kInt,
  kEmbStr,
  kHashtable,
  kQuicklist,
  kListpack,
  kIntset,
  kSkiplist,
  kStream,
};

const char* TypeName(ObjType t);       // "string", "list", ... as TYPE prints them
const char* EncodingName(Encoding e);  // "raw", "int", ... as OBJECT ENCODING prints them

// Base of every collection value. Families define the subclasses.
class Object {
 public:
  virtual ~Object() = default;
  virtual ObjType type() const = 0;
  virtual Encoding encoding() const = 0;
  virtual std::unique_ptr<Object> Clone() const = 0;
  // Elements held (list length, set cardinality, ...). Used to decide whether freeing is cheap.
  virtual size_t Length() const = 0;
  // Approximate heap bytes held, for MEMORY USAGE and memory accounting.
  virtual size_t MemoryUsage() const = 0;
  // Frees up to about `budget` elements ahead of destruction; returns true once what is left is
  // cheap to delete. Lets a huge value be freed in bounded steps (lazy free, UNLINK). The
  // default frees nothing incrementally.
  virtual bool FreeSomeElements(size_t budget) {
    (void)budget;
    return true;
  }
};

// Redis strings longer than this are "raw" rather than "embstr".
inline constexpr size_t kEmbStrMaxLen = 44;
// Redis shares the objects of the integers 0 .. kSharedIntegers-1.
inline constexpr int64_t kSharedIntegers = 10000;

class Value {
 public:
  Value() { Clear(); }
  ~Value() { Release(); }
  Value(Value&& o) noexcept {
    memcpy(static_cast<void*>(this), &o, sizeof(Value));
    o.Clear();
  }
  Value& operator=(Value&& o) noexcept {
    if (this != &o) {
      Release();
      memcpy(static_cast<void*>(this), &o, sizeof(Value));
      o.Clear();
    }
    return *this;
  }
  Value(const Value&) = delete;
  Value& operator=(const Value&) = delete;

  // A string value with Redis's automatic encoding: "int" for canonical integers that fit in
  // 64 bits (and are at most 20 characters), "embstr" up to 44 bytes, else "raw".
  static Value String(std::string_view s);
  // A string value stored as bytes with the given encoding (raw or embstr); no int detection.
  static Value RawString(std::string_view s, Encoding enc = Encoding::kRaw);
  static Value Integer(int64_t v);
  // An integer value that Redis would represent with one of its shared objects (0..9999, see
  // shared()): what SET, MSET, INCR... store; COPY's duplicate is a private Integer.
  static Value SharableInteger(int64_t v);
  static Value FromObject(std::unique_ptr<Object> obj);

  Value Clone() const;

  ObjType type() const {
    return kind() == Kind::kObject ? obj()->type()
                                   : (kind() == Kind::kNone ? ObjType::kNone : ObjType::kString);
  }
  Encoding encoding() const;
  bool is_string() const { return type() == ObjType::kString; }
  bool is_int() const { return kind() == Kind::kInt; }
  // True for the integers 0..9999 that Redis keeps as shared objects when it creates them from a
  // command's argument or a counter. Redis reports such values with refcount INT_MAX and one
  // access time for all keys holding the same integer (OBJECT REFCOUNT / IDLETIME); the server
  // emulates that when the eviction policy lets Redis share them.
  bool shared() const { return (tag_ & kSharedFlag) != 0; }
  bool empty() const { return kind() == Kind::kNone; }

  // String access. For the int encoding, the digits are written into `scratch` (>= 24 bytes).
  std::string_view StringView(char* scratch) const;
  std::string ToString() const;
  size_t StringLength() const;
  int64_t int_value() const { return int_bits(); }
  // Mutable bytes of a non-int string (converts to raw heap storage, ensuring capacity >= len).
  // Returns a pointer to at least `len` bytes; the length becomes `len` (new bytes are zeroed).
  char* MutableBytes(size_t len);
  // Appends to a string value (converting it to raw storage). Amortised growth, like sds.
  void Append(std::string_view s);

  Object* object() const { return kind() == Kind::kObject ? obj() : nullptr; }
  template <typename T>
  T* As() const {
    return static_cast<T*>(object());
  }

  size_t MemoryUsage() const;

 private:
  enum class Kind : uint8_t { kNone = 0, kInline, kHeap, kInt, kObject };
  struct HeapString {
    uint32_t len;
    uint32_t cap;
    char data[1];
  };
  static constexpr size_t kInlineCap = 14;

  static constexpr uint8_t kSharedFlag = 0x08;
  Kind kind() const { return static_cast<Kind>(tag_ & 0x07); }
  Encoding string_encoding() const { return static_cast<Encoding>(tag_ >> 4); }
  void SetTag(Kind k, Encoding e) {
    tag_ = static_cast<uint8_t>(static_cast<uint8_t>(k) | (static_cast<uint8_t>(e) << 4));
  }
  void Clear() { memset(static_cast<void*>(this), 0, sizeof(Value)); }
  void Release();
  static HeapString* AllocHeap(size_t len, size_t cap);

  // Raw storage: bytes 0..13 inline string data and byte 14 its length, or bytes 0..7 a pointer
  // or an int64 (read and written with memcpy, which compiles to plain loads and stores).
  template <typename T>
  T Load() const {
    T v;
    memcpy(&v, raw_, sizeof(T));
    return v;
  }
  template <typename T>
  void Store(T v) {
    memcpy(raw_, &v, sizeof(T));
  }
  HeapString* heap() const { return Load<HeapString*>(); }
  Object* obj() const { return Load<Object*>(); }
  int64_t int_bits() const { return Load<int64_t>(); }
  size_t inline_len() const { return raw_[kInlineCap]; }

  alignas(8) unsigned char raw_[15];
  uint8_t tag_;  // bits 0-2: Kind; bit 3: shared integer; high nibble: string Encoding
};

static_assert(sizeof(Value) == 16, "Value must stay 16 bytes");

}  // namespace redsim
