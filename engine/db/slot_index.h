// SlotIndex: the keys of one database grouped by cluster hash slot, so that CLUSTER
// COUNTKEYSINSLOT and GETKEYSINSLOT (and resharding tools built on them) never scan the keyspace.
//
// A Database keeps one only in cluster mode (Database::EnableSlotIndex); outside cluster mode
// nothing is indexed and the cost is a null-pointer test per added or removed key.
//
// Invariant: the index holds exactly the keys of its database's table; each string_view points
// at the key bytes of a live DbEntry, so the database removes a key from the index before the
// entry is destroyed or leaves the table.
#pragma once

#include <cstddef>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace redsim {

class SlotIndex {
 public:
  SlotIndex();

  // `key` must stay valid (it is a live entry's key) until Remove(key) or Clear().
  void Add(std::string_view key);
  void Remove(std::string_view key);
  void Clear();

  size_t CountInSlot(int slot) const { return slots_[static_cast<size_t>(slot)].size(); }
  // Up to `max_keys` keys of `slot`, in a deterministic order.
  std::vector<std::string_view> KeysInSlot(int slot, size_t max_keys) const;
  size_t size() const { return total_; }

 private:
  std::vector<std::unordered_set<std::string_view>> slots_;
  size_t total_ = 0;
};

}  // namespace redsim
