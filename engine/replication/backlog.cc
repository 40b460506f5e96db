#include "engine/replication/backlog.h"

#include <algorithm>
#include <cstring>

#include "engine/base/check.h"

namespace redsim {

void ReplicationBacklog::Append(std::string_view data) {
  size_t cap = buffer_.size();
  if (cap == 0) return;
  next_offset_ += static_cast<int64_t>(data.size());
  if (data.size() >= cap) {
    data = data.substr(data.size() - cap);
    memcpy(buffer_.data(), data.data(), cap);
    write_pos_ = 0;
    histlen_ = cap;
    return;
  }
  size_t first = std::min(cap - write_pos_, data.size());
  memcpy(buffer_.data() + write_pos_, data.data(), first);
  memcpy(buffer_.data(), data.data() + first, data.size() - first);
  write_pos_ = (write_pos_ + data.size()) % cap;
  histlen_ = std::min(cap, histlen_ + data.size());
  REDSIM_CHECK(write_pos_ < cap && histlen_ <= cap, "the backlog ring stays within capacity");
}

bool ReplicationBacklog::CopyFrom(int64_t offset, std::string* out) const {
  out->clear();
  if (!Contains(offset)) return false;
  size_t len = static_cast<size_t>(next_offset_ - offset);
  size_t cap = buffer_.size();
  REDSIM_CHECK(len <= histlen_, "Contains() admits only offsets still held");
  // The byte at `offset` sits `len` bytes before the write position.
  size_t start = (write_pos_ + cap - len % cap) % cap;
  if (len == 0) return true;
  size_t first = std::min(cap - start, len);
  out->append(buffer_.data() + start, first);
  out->append(buffer_.data(), len - first);
  return true;
}

void ReplicationBacklog::Resize(size_t capacity) {
  if (capacity == buffer_.size()) return;
  std::string keep;
  CopyFrom(first_byte_offset(), &keep);
  if (keep.size() > capacity) keep = keep.substr(keep.size() - capacity);
  buffer_.assign(capacity, '\0');
  memcpy(buffer_.data(), keep.data(), keep.size());
  write_pos_ = capacity == 0 ? 0 : keep.size() % capacity;
  histlen_ = keep.size();
}

}  // namespace redsim
