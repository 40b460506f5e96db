// ReplicationBacklog: the last repl-backlog-size bytes of the replication stream, so a replica
// that reconnects after a short break can continue from its offset (+CONTINUE) instead of a
// full resync. Offsets are Redis's: byte n of the stream has offset n (the first byte is 1), and
// first_byte_offset() is the offset of the oldest byte still held.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace redsim {

class ReplicationBacklog {
 public:
  // `start_offset` is the offset the next appended byte will have.
  ReplicationBacklog(size_t capacity, int64_t start_offset)
      : buffer_(capacity, '\0'), next_offset_(start_offset) {}

  void Append(std::string_view data);
  // Copies the bytes from `offset` to the end; false if `offset` is not held.
  bool CopyFrom(int64_t offset, std::string* out) const;
  bool Contains(int64_t offset) const {
    return offset >= first_byte_offset() && offset <= next_offset_;
  }
  void Resize(size_t capacity);

  size_t capacity() const { return buffer_.size(); }
  size_t histlen() const { return histlen_; }
  int64_t first_byte_offset() const { return next_offset_ - static_cast<int64_t>(histlen_); }
  int64_t next_offset() const { return next_offset_; }

 private:
  std::string buffer_;
  size_t write_pos_ = 0;  // where the next byte goes
  size_t histlen_ = 0;
  int64_t next_offset_;
};

}  // namespace redsim
