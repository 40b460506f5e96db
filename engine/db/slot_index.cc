#include "engine/db/slot_index.h"

#include "engine/cluster/key_slot.h"

namespace redsim {

SlotIndex::SlotIndex() : slots_(cluster::kSlotCount) {}

void SlotIndex::Add(std::string_view key) {
  if (slots_[static_cast<size_t>(cluster::KeySlot(key))].insert(key).second) total_++;
}

void SlotIndex::Remove(std::string_view key) {
  if (slots_[static_cast<size_t>(cluster::KeySlot(key))].erase(key) > 0) total_--;
}

void SlotIndex::Clear() {
  if (total_ == 0) return;
  for (auto& s : slots_) s.clear();
  total_ = 0;
}

std::vector<std::string_view> SlotIndex::KeysInSlot(int slot, size_t max_keys) const {
  std::vector<std::string_view> keys;
  for (std::string_view k : slots_[static_cast<size_t>(slot)]) {
    if (keys.size() >= max_keys) break;
    keys.push_back(k);
  }
  return keys;
}

}  // namespace redsim
