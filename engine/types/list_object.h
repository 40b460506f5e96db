// ListObject: the value of a list key ("quicklist" for OBJECT ENCODING, as Redis 7.0 answers for
// every list). A doubly linked chain of nodes, each a buffer of packed entries
// (engine/types/listpack.h, with trailers so nodes are walked both ways). A node keeps free space
// at both ends of its buffer, so pushes and pops at either end of the list move no bytes. The
// size of a node is bounded by the list's fill, taken from list-max-listpack-size when the list
// is created, with Redis's meaning: a positive fill is a count of entries per node (and a node
// stays under 8 KB), a negative fill -1..-5 bounds a node's bytes to 4, 8, 16, 32 or 64 KB.
//
// Invariants: no node is empty; length() is the sum of the nodes' counts; a node's entries lie
// back to back in [begin, end) of its buffer. Views returned by the accessors point into node
// buffers and stay valid until the list is next modified.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "engine/db/value.h"

namespace redsim {

struct ListNode;

class ListObject final : public Object {
 public:
  enum class End : uint8_t { kHead, kTail };

  // `fill` is list-max-listpack-size.
  explicit ListObject(int64_t fill);
  ~ListObject() override;
  ListObject(const ListObject&) = delete;
  ListObject& operator=(const ListObject&) = delete;

  ObjType type() const override { return ObjType::kList; }
  Encoding encoding() const override { return Encoding::kQuicklist; }
  std::unique_ptr<Object> Clone() const override;
  size_t Length() const override { return length_; }
  size_t MemoryUsage() const override;

  size_t length() const { return length_; }
  size_t node_count() const { return node_count_; }
  // list-max-listpack-size as it was when the list was created (persistence lays out nodes
  // with it, as Redis's quicklist does).
  int64_t fill() const { return fill_; }

  // A position in the list: an entry, or past the end when !valid().
  class Iter {
   public:
    bool valid() const { return node_ != nullptr; }
    std::string_view Get() const;
    void Next();
    void Prev();

   private:
    friend class ListObject;
    ListNode* node_ = nullptr;
    size_t offset_ = 0;
  };

  // Iterator at `index` (0-based from the head; must be < length()).
  Iter IterAt(size_t index) const;

  void Push(End end, std::string_view element);
  // The element at one end; the list must not be empty.
  std::string_view Peek(End end) const;
  // Removes the element at one end; the list must not be empty.
  void Pop(End end);

  // Index as LINDEX takes it (negative counts from the tail); nullopt when out of range.
  std::optional<std::string_view> Index(int64_t index) const;
  // Replaces the element at `index` (LSET indexing); false when out of range.
  bool Set(int64_t index, std::string_view element);
  // Inserts next to the first element equal to `pivot`; false when there is none.
  bool Insert(std::string_view pivot, std::string_view element, bool after);
  // LREM: removes up to |count| elements equal to `element` (all when count is 0), from the
  // tail when count < 0. Returns how many were removed.
  size_t Remove(std::string_view element, int64_t count);
  // Removes `from_head` elements at the head and `from_tail` at the tail.
  void TrimEnds(size_t from_head, size_t from_tail);

 private:
  bool NodeAccepts(const ListNode* n, size_t entry_size) const;
  ListNode* NewNodeAfter(ListNode* prev);
  void UnlinkNode(ListNode* n);
  void Compact(ListNode* n);
  void InsertBefore(Iter pos, std::string_view element);
  void InsertInNode(ListNode* n, size_t offset, std::string_view element, size_t entry_size);
  // Removes the entry at `pos`; returns the position of the entry that followed it.
  Iter EraseAt(Iter pos);
  // Moves the entries from `offset` to the end of `n` into a new node after it.
  ListNode* SplitNode(ListNode* n, size_t offset);

  ListNode* head_ = nullptr;
  ListNode* tail_ = nullptr;
  size_t length_ = 0;
  size_t node_count_ = 0;
  int64_t fill_;
};

// Normalises a Redis [start, stop] range (negative indexes count from the end) against
// `length`. Returns false when the range is empty; otherwise stores inclusive bounds.
bool NormalizeListRange(int64_t start, int64_t stop, size_t length, size_t* first, size_t* last);

}  // namespace redsim
