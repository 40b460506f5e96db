#include "engine/types/list_object.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "engine/base/check.h"
#include "engine/types/listpack.h"

namespace redsim {

struct ListNode {
  ListNode* prev = nullptr;
  ListNode* next = nullptr;
  uint8_t* buf = nullptr;
  size_t cap = 0;
  size_t begin = 0;
  size_t end = 0;
  uint32_t count = 0;

  size_t bytes() const { return end - begin; }
};

namespace {

// Redis counts a node's bytes including its listpack header and terminator; we add the same
// amount so that nodes split at the same sizes.
constexpr size_t kNodeHeaderBytes = 7;
// A node with a positive fill never grows past this many bytes either.
constexpr size_t kSafetyLimitBytes = 8192;
// Smallest growth step of a node buffer.
constexpr size_t kMinSlackBytes = 16;

size_t MaxNodeBytes(int64_t fill) {
  int64_t level = -fill;  // 1..5
  if (level > 5) level = 5;
  return static_cast<size_t>(4096) << (level - 1);
}

uint8_t* AllocBuffer(size_t cap) {
  auto* p = static_cast<uint8_t*>(malloc(cap == 0 ? 1 : cap));
  if (p == nullptr) abort();
  return p;
}

// Makes room for `front` bytes before begin and `back` bytes after end, moving the live bytes
// to a new buffer when needed. Extra slack on the growing side amortises repeated pushes.
void Reserve(ListNode* n, size_t front, size_t back) {
  if (n->begin >= front && n->cap - n->end >= back) return;
  size_t used = n->bytes();
  size_t slack = std::max(used / 2, kMinSlackBytes);
  size_t new_front = front > 0 ? front + slack : 0;
  size_t new_back = back > 0 ? back + slack : 0;
  if (front == 0 && back == 0) return;
  // Keep whatever free space the other side already had, up to one slack step.
  if (front == 0) new_front = std::min(n->begin, slack);
  if (back == 0) new_back = std::min(n->cap - n->end, slack);
  size_t cap = new_front + used + new_back;
  uint8_t* buf = AllocBuffer(cap);
  if (used > 0) memcpy(buf + new_front, n->buf + n->begin, used);
  free(n->buf);
  n->buf = buf;
  n->cap = cap;
  n->begin = new_front;
  n->end = new_front + used;
}

size_t EntrySizeAt(const ListNode* n, size_t offset) {
  size_t size;
  packed::ReadEntry(n->buf + offset, true, &size);
  return size;
}

size_t PrevOffset(const ListNode* n, size_t offset) {
  return static_cast<size_t>(packed::PreviousEntry(n->buf + offset) - n->buf);
}

}  // namespace

// ---- Iter -----------------------------------------------------------------------------------

std::string_view ListObject::Iter::Get() const {
  size_t size;
  return packed::ReadEntry(node_->buf + offset_, true, &size);
}

void ListObject::Iter::Next() {
  offset_ += EntrySizeAt(node_, offset_);
  if (offset_ >= node_->end) {
    node_ = node_->next;
    offset_ = node_ != nullptr ? node_->begin : 0;
  }
}

void ListObject::Iter::Prev() {
  if (offset_ == node_->begin) {
    node_ = node_->prev;
    if (node_ == nullptr) return;
    offset_ = node_->end;
  }
  offset_ = PrevOffset(node_, offset_);
}

// ---- Construction ---------------------------------------------------------------------------

ListObject::ListObject(int64_t fill) : fill_(fill) {}

ListObject::~ListObject() {
  ListNode* n = head_;
  while (n != nullptr) {
    ListNode* next = n->next;
    free(n->buf);
    delete n;
    n = next;
  }
}

std::unique_ptr<Object> ListObject::Clone() const {
  auto copy = std::make_unique<ListObject>(fill_);
  ListNode* last = nullptr;
  for (const ListNode* n = head_; n != nullptr; n = n->next) {
    ListNode* c = copy->NewNodeAfter(last);
    c->cap = n->bytes();
    c->buf = AllocBuffer(c->cap);
    memcpy(c->buf, n->buf + n->begin, n->bytes());
    c->begin = 0;
    c->end = n->bytes();
    c->count = n->count;
    last = c;
  }
  copy->length_ = length_;
  return copy;
}

size_t ListObject::MemoryUsage() const {
  size_t total = sizeof(*this);
  for (const ListNode* n = head_; n != nullptr; n = n->next) total += sizeof(ListNode) + n->cap;
  return total;
}

// ---- Nodes ----------------------------------------------------------------------------------

bool ListObject::NodeAccepts(const ListNode* n, size_t entry_size) const {
  if (n->count == 0) return true;
  size_t new_bytes = n->bytes() + entry_size + kNodeHeaderBytes;
  if (fill_ >= 0) {
    return n->count < static_cast<uint64_t>(fill_) && new_bytes <= kSafetyLimitBytes;
  }
  return new_bytes <= MaxNodeBytes(fill_);
}

ListNode* ListObject::NewNodeAfter(ListNode* prev) {
  auto* n = new ListNode();
  n->prev = prev;
  n->next = prev != nullptr ? prev->next : head_;
  if (n->next != nullptr)
    n->next->prev = n;
  else
    tail_ = n;
  if (prev != nullptr)
    prev->next = n;
  else
    head_ = n;
  node_count_++;
  return n;
}

void ListObject::UnlinkNode(ListNode* n) {
  if (n->prev != nullptr)
    n->prev->next = n->next;
  else
    head_ = n->next;
  if (n->next != nullptr)
    n->next->prev = n->prev;
  else
    tail_ = n->prev;
  free(n->buf);
  delete n;
  node_count_--;
}

// Gives back the slack of a node that will not grow any more (its neighbour took over).
void ListObject::Compact(ListNode* n) {
  size_t used = n->bytes();
  if (n->cap - used <= std::max(used / 8, kMinSlackBytes)) return;
  uint8_t* buf = AllocBuffer(used);
  memcpy(buf, n->buf + n->begin, used);
  free(n->buf);
  n->buf = buf;
  n->cap = used;
  n->begin = 0;
  n->end = used;
}

// ---- Ends -----------------------------------------------------------------------------------

void ListObject::Push(End end, std::string_view element) {
  size_t size = packed::EntrySize(element.size(), true);
  ListNode* n = end == End::kHead ? head_ : tail_;
  if (n == nullptr || !NodeAccepts(n, size)) {
    if (n != nullptr) Compact(n);
    n = NewNodeAfter(end == End::kHead ? nullptr : tail_);
  }
  if (end == End::kHead) {
    Reserve(n, size, 0);
    n->begin -= size;
    packed::WriteEntry(n->buf + n->begin, element, true);
  } else {
    Reserve(n, 0, size);
    packed::WriteEntry(n->buf + n->end, element, true);
    n->end += size;
  }
  n->count++;
  length_++;
}

std::string_view ListObject::Peek(End end) const {
  REDSIM_CHECK(length_ > 0, "callers check the list is not empty");
  Iter it;
  if (end == End::kHead) {
    it.node_ = head_;
    it.offset_ = head_->begin;
  } else {
    it.node_ = tail_;
    it.offset_ = PrevOffset(tail_, tail_->end);
  }
  return it.Get();
}

void ListObject::Pop(End end) {
  REDSIM_CHECK(length_ > 0, "callers check the list is not empty");
  ListNode* n = end == End::kHead ? head_ : tail_;
  if (end == End::kHead)
    n->begin += EntrySizeAt(n, n->begin);
  else
    n->end = PrevOffset(n, n->end);
  n->count--;
  length_--;
  if (n->count == 0) {
    UnlinkNode(n);
  } else if (n->cap > 1024 && n->bytes() * 4 < n->cap) {
    Compact(n);  // a node drained by pops gives its memory back
  }
}

// ---- Random access --------------------------------------------------------------------------

ListObject::Iter ListObject::IterAt(size_t index) const {
  REDSIM_CHECK(index < length_, "callers check the index");
  Iter it;
  ListNode* n;
  size_t in_node;
  if (index < length_ / 2) {
    n = head_;
    while (index >= n->count) {
      index -= n->count;
      n = n->next;
    }
    in_node = index;
  } else {
    size_t from_tail = length_ - 1 - index;
    n = tail_;
    while (from_tail >= n->count) {
      from_tail -= n->count;
      n = n->prev;
    }
    in_node = n->count - 1 - from_tail;
  }
  it.node_ = n;
  if (in_node < n->count / 2) {
    it.offset_ = n->begin;
    for (size_t i = 0; i < in_node; i++) it.offset_ += EntrySizeAt(n, it.offset_);
  } else {
    it.offset_ = n->end;
    for (size_t i = n->count; i > in_node; i--) it.offset_ = PrevOffset(n, it.offset_);
  }
  return it;
}

std::optional<std::string_view> ListObject::Index(int64_t index) const {
  int64_t len = static_cast<int64_t>(length_);
  if (index < 0) index += len;
  if (index < 0 || index >= len) return std::nullopt;
  return IterAt(static_cast<size_t>(index)).Get();
}

bool ListObject::Set(int64_t index, std::string_view element) {
  int64_t len = static_cast<int64_t>(length_);
  if (index < 0) index += len;
  if (index < 0 || index >= len) return false;
  Iter it = IterAt(static_cast<size_t>(index));
  ListNode* n = it.node_;
  size_t old_size = EntrySizeAt(n, it.offset_);
  size_t new_size = packed::EntrySize(element.size(), true);
  if (old_size == new_size) {
    packed::WriteEntry(n->buf + it.offset_, element, true);
    return true;
  }
  // Different size: take the old entry out and put the new one where it was (this splits the
  // node when the new element does not fit in it).
  Iter next = EraseAt(it);
  InsertBefore(next, element);
  return true;
}

// ---- Insertion and removal in the middle ----------------------------------------------------

void ListObject::InsertInNode(ListNode* n, size_t offset, std::string_view element, size_t size) {
  size_t front_len = offset - n->begin;
  size_t back_len = n->end - offset;
  if (front_len < back_len && n->begin >= size) {
    memmove(n->buf + n->begin - size, n->buf + n->begin, front_len);
    n->begin -= size;
    packed::WriteEntry(n->buf + offset - size, element, true);
  } else {
    size_t rel = offset - n->begin;
    Reserve(n, 0, size);
    offset = n->begin + rel;
    memmove(n->buf + offset + size, n->buf + offset, back_len);
    n->end += size;
    packed::WriteEntry(n->buf + offset, element, true);
  }
  n->count++;
  length_++;
}

ListNode* ListObject::SplitNode(ListNode* n, size_t offset) {
  uint32_t moved = 0;
  for (size_t off = offset; off < n->end; off += EntrySizeAt(n, off)) moved++;
  ListNode* m = NewNodeAfter(n);
  size_t bytes = n->end - offset;
  m->cap = bytes + kMinSlackBytes;
  m->buf = AllocBuffer(m->cap);
  m->begin = kMinSlackBytes;
  m->end = m->begin + bytes;
  memcpy(m->buf + m->begin, n->buf + offset, bytes);
  m->count = moved;
  n->end = offset;
  n->count -= moved;
  return m;
}

void ListObject::InsertBefore(Iter pos, std::string_view element) {
  if (!pos.valid()) {
    Push(End::kTail, element);
    return;
  }
  size_t size = packed::EntrySize(element.size(), true);
  ListNode* n = pos.node_;
  if (NodeAccepts(n, size)) {
    InsertInNode(n, pos.offset_, element, size);
    return;
  }
  if (pos.offset_ == n->begin) {
    // At the front of a full node: the previous node's end is the same place.
    ListNode* prev = n->prev;
    if (prev == nullptr || !NodeAccepts(prev, size)) prev = NewNodeAfter(n->prev);
    InsertInNode(prev, prev->end, element, size);
    return;
  }
  ListNode* second = SplitNode(n, pos.offset_);
  if (NodeAccepts(n, size)) {
    InsertInNode(n, n->end, element, size);
  } else if (NodeAccepts(second, size)) {
    InsertInNode(second, second->begin, element, size);
  } else {
    ListNode* middle = NewNodeAfter(n);
    InsertInNode(middle, middle->end, element, size);
  }
}

ListObject::Iter ListObject::EraseAt(Iter pos) {
  ListNode* n = pos.node_;
  size_t size = EntrySizeAt(n, pos.offset_);
  // Entries before the erased one keep their offsets (callers walking backwards rely on it).
  memmove(n->buf + pos.offset_, n->buf + pos.offset_ + size, n->end - pos.offset_ - size);
  n->end -= size;
  n->count--;
  length_--;
  Iter next;
  if (pos.offset_ < n->end) {
    next.node_ = n;
    next.offset_ = pos.offset_;
  } else if (n->next != nullptr) {
    next.node_ = n->next;
    next.offset_ = n->next->begin;
  }
  if (n->count == 0) UnlinkNode(n);
  return next;
}

bool ListObject::Insert(std::string_view pivot, std::string_view element, bool after) {
  if (length_ == 0) return false;
  for (Iter it = IterAt(0); it.valid(); it.Next()) {
    if (it.Get() != pivot) continue;
    if (after) it.Next();
    InsertBefore(it, element);
    return true;
  }
  return false;
}

size_t ListObject::Remove(std::string_view element, int64_t count) {
  if (length_ == 0) return 0;
  size_t removed = 0;
  // |count| as an unsigned value (count may be INT64_MIN); 0 means no limit.
  uint64_t limit = count < 0 ? 0 - static_cast<uint64_t>(count) : static_cast<uint64_t>(count);
  if (count >= 0) {
    Iter it = IterAt(0);
    while (it.valid()) {
      if (it.Get() == element) {
        it = EraseAt(it);
        if (++removed == limit) break;
      } else {
        it.Next();
      }
    }
  } else {
    Iter it = IterAt(length_ - 1);
    while (it.valid()) {
      Iter prev = it;
      prev.Prev();
      if (it.Get() == element) {
        EraseAt(it);
        if (++removed == limit) break;
      }
      it = prev;
    }
  }
  return removed;
}

void ListObject::TrimEnds(size_t from_head, size_t from_tail) {
  if (from_head + from_tail >= length_) {
    while (head_ != nullptr) UnlinkNode(head_);
    length_ = 0;
    return;
  }
  while (from_head > 0 && head_->count <= from_head) {
    from_head -= head_->count;
    length_ -= head_->count;
    UnlinkNode(head_);
  }
  for (; from_head > 0; from_head--) Pop(End::kHead);
  while (from_tail > 0 && tail_->count <= from_tail) {
    from_tail -= tail_->count;
    length_ -= tail_->count;
    UnlinkNode(tail_);
  }
  for (; from_tail > 0; from_tail--) Pop(End::kTail);
}

bool NormalizeListRange(int64_t start, int64_t stop, size_t length, size_t* first, size_t* last) {
  int64_t len = static_cast<int64_t>(length);
  if (start < 0) start = len + start;
  if (stop < 0) stop = len + stop;
  if (start < 0) start = 0;
  if (start > stop || start >= len) return false;
  if (stop >= len) stop = len - 1;
  *first = static_cast<size_t>(start);
  *last = static_cast<size_t>(stop);
  return true;
}

}  // namespace redsim
