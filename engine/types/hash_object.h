// Hash values. Two representations behind one read interface (HashObject):
//
// * PackedHash ("listpack" for OBJECT ENCODING): field/value entries back to back
//   (engine/types/listpack.h, no trailers) in the same allocation as the object header, in
//   insertion order. Used while the hash has at most hash-max-listpack-entries fields and no
//   field or value longer than hash-max-listpack-value bytes, as in Redis.
// * TableHash ("hashtable"): a chained hash table whose nodes hold their field and value in one
//   allocation; it grows and shrinks by incremental rehashing (a step per write), so a resize
//   never stalls the loop; HSCAN uses a reverse-binary cursor, so a field present during a whole
//   scan is returned at least once even when the table resizes between calls.
//
// Writes go through the functions in namespace `hash`, which take the key's Value: a packed hash
// may be reallocated or converted, and then the Value gets the new object. A hash never goes
// back from a table to packed (Redis does not either). Reads use HashObject directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "engine/base/random.h"
#include "engine/db/value.h"

namespace redsim {

class HashObject : public Object {
 public:
  using Visitor = std::function<void(std::string_view field, std::string_view value)>;

  ObjType type() const override { return ObjType::kHash; }
  bool packed() const { return encoding() == Encoding::kListpack; }

  // The value of `field`, or nullopt. The view is valid until the hash is modified.
  virtual std::optional<std::string_view> Find(std::string_view field) const = 0;
  // Every field and value, in the representation's order.
  virtual void ForEach(const Visitor& visit) const = 0;
  // HSCAN step: visits some fields from `cursor` (at least `count` when that many remain, for a
  // table; everything for a packed hash) and returns the next cursor, 0 when done.
  virtual uint64_t Scan(uint64_t cursor, size_t count, const Visitor& visit) const = 0;
  // One field chosen uniformly-ish at random (O(1) expected); the hash must not be empty.
  virtual void RandomField(Random& rng, const Visitor& visit) const = 0;
};

namespace hash {

struct Limits {
  int64_t max_listpack_entries = 512;
  int64_t max_listpack_value = 64;
};

// A new, empty (packed) hash with room for `expected_bytes` of encoded fields and values.
std::unique_ptr<HashObject> Create(size_t expected_bytes);
// Bytes a field/value pair takes in a packed hash (to size Create and Reserve).
size_t PackedPairBytes(std::string_view field, std::string_view value);
// Sets `field` to `value`; returns true when the field is new. May replace v's object.
bool Set(Value& v, std::string_view field, std::string_view value, const Limits& limits,
         Random& rng);
// Removes `field`; returns whether it was there. The hash may become empty (the caller deletes
// the key).
bool Delete(Value& v, std::string_view field);
// Makes a packed hash able to take `extra_bytes` more without reallocating (before a batch).
void Reserve(Value& v, size_t extra_bytes);

}  // namespace hash

}  // namespace redsim
