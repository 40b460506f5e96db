// IoBuffer: a byte buffer for network input and output. Bytes are appended at the end and
// consumed from the front; consuming is O(1) and the unused front is reclaimed when the buffer
// next needs room, so a long pipeline costs one memmove per refill rather than one per command.
// Unlike std::string, growing does not zero-fill.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace redsim {

class IoBuffer {
 public:
  IoBuffer() = default;
  ~IoBuffer() { free(data_); }
  IoBuffer(const IoBuffer&) = delete;
  IoBuffer& operator=(const IoBuffer&) = delete;

  const char* data() const { return data_ + start_; }
  size_t size() const { return end_ - start_; }
  bool empty() const { return end_ == start_; }
  size_t capacity() const { return capacity_; }

  // Returns a pointer to at least `n` writable bytes at the end; call Commit with the count used.
  char* Reserve(size_t n) {
    if (capacity_ - end_ < n) Grow(n);
    return data_ + end_;
  }
  void Commit(size_t n) { end_ += n; }
  void Append(const char* p, size_t n) {
    memcpy(Reserve(n), p, n);
    end_ += n;
  }
  void Append(std::string_view s) { Append(s.data(), s.size()); }
  void Consume(size_t n) {
    start_ += n;
    if (start_ == end_) start_ = end_ = 0;
  }
  void Clear() { start_ = end_ = 0; }
  // Frees memory when the buffer is empty and larger than `keep` bytes.
  void ShrinkIfIdle(size_t keep) {
    if (empty() && capacity_ > keep) {
      free(data_);
      data_ = nullptr;
      capacity_ = 0;
    }
  }

 private:
  void Grow(size_t n) {
    size_t used = end_ - start_;
    if (start_ > 0 && capacity_ - used >= n && used <= capacity_ / 2) {
      memmove(data_, data_ + start_, used);
      start_ = 0;
      end_ = used;
      return;
    }
    size_t want = used + n;
    size_t cap = capacity_ < 1024 ? 1024 : capacity_;
    while (cap < want) cap = cap < (64u << 20) ? cap * 2 : cap + (64u << 20);
    char* p = static_cast<char*>(malloc(cap));
    if (p == nullptr) abort();
    if (used > 0) memcpy(p, data_ + start_, used);
    free(data_);
    data_ = p;
    capacity_ = cap;
    start_ = 0;
    end_ = used;
  }

  char* data_ = nullptr;
  size_t start_ = 0;
  size_t end_ = 0;
  size_t capacity_ = 0;
};

}  // namespace redsim
