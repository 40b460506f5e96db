#include "engine/db/value.h"

#include <cstdlib>

#include "engine/base/strutil.h"

namespace redsim {

const char* TypeName(ObjType t) {
  switch (t) {
    case ObjType::kNone:
      return "none";
    case ObjType::kString:
      return "string";
    case ObjType::kList:
      return "list";
    case ObjType::kSet:
      return "set";
    case ObjType::kZSet:
      return "zset";
    case ObjType::kHash:
      return "hash";
    case ObjType::kStream:
      return "stream";
  }
  return "none";
}

const char* EncodingName(Encoding e) {
  switch (e) {
    case Encoding::kRaw:
      return "raw";
    case Encoding::kInt:
      return "int";
    case Encoding::kEmbStr:
      return "embstr";
    case Encoding::kHashtable:
      return "hashtable";
    case Encoding::kQuicklist:
      return "quicklist";
    case Encoding::kListpack:
      return "listpack";
    case Encoding::kIntset:
      return "intset";
    case Encoding::kSkiplist:
      return "skiplist";
    case Encoding::kStream:
      return "stream";
  }
  return "unknown";
}

Value::HeapString* Value::AllocHeap(size_t len, size_t cap) {
  auto* h = static_cast<HeapString*>(malloc(offsetof(HeapString, data) + cap));
  if (h == nullptr) abort();
  h->len = static_cast<uint32_t>(len);
  h->cap = static_cast<uint32_t>(cap);
  return h;
}

void Value::Release() {
  switch (kind()) {
    case Kind::kHeap:
      free(heap());
      break;
    case Kind::kObject:
      delete obj();
      break;
    default:
      break;
  }
}

Value Value::RawString(std::string_view s, Encoding enc) {
  Value v;
  if (s.size() <= kInlineCap) {
    memcpy(v.raw_, s.data(), s.size());
    v.raw_[kInlineCap] = static_cast<unsigned char>(s.size());
    v.SetTag(Kind::kInline, enc);
  } else {
    HeapString* h = AllocHeap(s.size(), s.size());
    memcpy(h->data, s.data(), s.size());
    v.Store(h);
    v.SetTag(Kind::kHeap, enc);
  }
  return v;
}

Value Value::String(std::string_view s) {
  int64_t iv;
  if (s.size() <= 20 && ParseInt64(s, &iv)) return SharableInteger(iv);
  return RawString(s, s.size() <= kEmbStrMaxLen ? Encoding::kEmbStr : Encoding::kRaw);
}

Value Value::Integer(int64_t iv) {
  Value v;
  v.Store(iv);
  v.SetTag(Kind::kInt, Encoding::kInt);
  return v;
}

Value Value::SharableInteger(int64_t iv) {
  Value v = Integer(iv);
  if (iv >= 0 && iv < kSharedIntegers) v.tag_ |= kSharedFlag;
  return v;
}

Value Value::FromObject(std::unique_ptr<Object> obj) {
  Value v;
  v.Store(obj.release());
  v.SetTag(Kind::kObject, Encoding::kRaw);
  return v;
}

Value Value::Clone() const {
  switch (kind()) {
    case Kind::kNone:
      return Value();
    case Kind::kInline:
    case Kind::kInt: {
      Value v;
      memcpy(static_cast<void*>(&v), this, sizeof(Value));
      v.tag_ &= static_cast<uint8_t>(~kSharedFlag);  // a copy is a private object in Redis
      return v;
    }
    case Kind::kHeap: {
      Value v;
      HeapString* h = AllocHeap(heap()->len, heap()->len);
      memcpy(h->data, heap()->data, heap()->len);
      v.Store(h);
      v.tag_ = tag_;
      return v;
    }
    case Kind::kObject:
      return FromObject(obj()->Clone());
  }
  return Value();
}

Encoding Value::encoding() const {
  if (kind() == Kind::kObject) return obj()->encoding();
  return string_encoding();
}

std::string_view Value::StringView(char* scratch) const {
  switch (kind()) {
    case Kind::kInline:
      return std::string_view(reinterpret_cast<const char*>(raw_), inline_len());
    case Kind::kHeap:
      return std::string_view(heap()->data, heap()->len);
    case Kind::kInt:
      return std::string_view(scratch, FormatInt64(scratch, int_bits()));
    default:
      return std::string_view();
  }
}

std::string Value::ToString() const {
  char scratch[24];
  return std::string(StringView(scratch));
}

size_t Value::StringLength() const {
  switch (kind()) {
    case Kind::kInline:
      return inline_len();
    case Kind::kHeap:
      return heap()->len;
    case Kind::kInt: {
      char scratch[24];
      return FormatInt64(scratch, int_bits());
    }
    default:
      return 0;
  }
}

char* Value::MutableBytes(size_t len) {
  char scratch[24];
  std::string_view cur = StringView(scratch);
  if (kind() == Kind::kHeap && heap()->cap >= len) {
    HeapString* h = heap();
    if (len > h->len) memset(h->data + h->len, 0, len - h->len);
    h->len = static_cast<uint32_t>(len);
    SetTag(Kind::kHeap, Encoding::kRaw);
    return h->data;
  }
  size_t cap = std::max<size_t>(len, 16);
  HeapString* h = AllocHeap(len, cap);
  size_t keep = std::min(cur.size(), len);
  memcpy(h->data, cur.data(), keep);
  if (len > keep) memset(h->data + keep, 0, len - keep);
  Release();
  Store(h);
  SetTag(Kind::kHeap, Encoding::kRaw);
  return h->data;
}

void Value::Append(std::string_view s) {
  char scratch[24];
  std::string_view cur = StringView(scratch);
  size_t new_len = cur.size() + s.size();
  if (kind() == Kind::kHeap && heap()->cap >= new_len) {
    HeapString* cur_heap = heap();
    memcpy(cur_heap->data + cur_heap->len, s.data(), s.size());
    cur_heap->len = static_cast<uint32_t>(new_len);
    SetTag(Kind::kHeap, Encoding::kRaw);
    return;
  }
  // Grow like sds: double below 1 MB, then add 1 MB at a time.
  size_t cap = new_len < (1u << 20) ? new_len * 2 : new_len + (1u << 20);
  HeapString* h = AllocHeap(new_len, cap);
  memcpy(h->data, cur.data(), cur.size());
  memcpy(h->data + cur.size(), s.data(), s.size());
  Release();
  Store(h);
  SetTag(Kind::kHeap, Encoding::kRaw);
}

size_t Value::MemoryUsage() const {
  switch (kind()) {
    case Kind::kHeap:
      return offsetof(HeapString, data) + heap()->cap;
    case Kind::kObject:
      return obj()->MemoryUsage();
    default:
      return 0;
  }
}

}  // namespace redsim
