#include "engine/types/set_object.h"

#include <algorithm>

#include "engine/base/check.h"

namespace redsim {

SetNode* SetNode::Create(std::string_view member) {
  size_t header = VarintSize(static_cast<uint32_t>(member.size()));
  auto* n = static_cast<SetNode*>(malloc(offsetof(SetNode, data) + header + member.size()));
  if (n == nullptr) abort();
  n->next = nullptr;
  size_t used = PutVarint(n->data, static_cast<uint32_t>(member.size()));
  memcpy(n->data + used, member.data(), member.size());
  return n;
}

std::unique_ptr<SetObject> SetObject::CreateFor(std::string_view member, uint64_t seed) {
  int64_t v;
  return std::unique_ptr<SetObject>(new SetObject(AsInt(member, &v), seed));
}

std::unique_ptr<SetObject> SetObject::CreateIntset(uint64_t seed) {
  return std::unique_ptr<SetObject>(new SetObject(true, seed));
}

std::unique_ptr<SetObject> SetObject::CreateHashtable(uint64_t seed) {
  return std::unique_ptr<SetObject>(new SetObject(false, seed));
}

SetObject::~SetObject() {
  table_.Clear([](SetNode* n) { SetNode::Destroy(n); });
}

std::unique_ptr<Object> SetObject::Clone() const {
  auto copy = std::unique_ptr<SetObject>(new SetObject(intset_, table_.seed()));
  if (intset_) {
    copy->ints_ = ints_;
  } else {
    table_.ForEach([&](SetNode* n) {
      copy->table_.Insert(SetNode::Create(n->member()));
      copy->node_bytes_ += SetNode::AllocBytes(n->member().size());
    });
  }
  return copy;
}

size_t SetObject::MemoryUsage() const {
  size_t bytes = AllocatedSize(sizeof(SetObject));
  if (intset_) return bytes + AllocatedSize(ints_.capacity() * sizeof(int64_t));
  return bytes + node_bytes_ + AllocatedSize(table_.BucketBytes());
}

bool SetObject::FreeSomeElements(size_t budget) {
  if (intset_) return true;  // one allocation: cheap whatever its size
  return table_.DrainSome(budget, [this](SetNode* n) {
    node_bytes_ -= SetNode::AllocBytes(n->member().size());
    SetNode::Destroy(n);
  });
}

void SetObject::ConvertToHashtable() {
  if (!intset_) return;
  intset_ = false;
  char buf[24];
  for (int64_t v : ints_) {
    std::string_view s(buf, FormatInt64(buf, v));
    table_.Insert(SetNode::Create(s));
    node_bytes_ += SetNode::AllocBytes(s.size());
  }
  std::vector<int64_t>().swap(ints_);
}

bool SetObject::Add(std::string_view member, int64_t max_intset_entries) {
  if (intset_) {
    int64_t v;
    if (AsInt(member, &v)) {
      auto it = std::lower_bound(ints_.begin(), ints_.end(), v);
      if (it != ints_.end() && *it == v) return false;
      ints_.insert(it, v);
      if (static_cast<int64_t>(ints_.size()) > max_intset_entries) ConvertToHashtable();
      return true;
    }
    ConvertToHashtable();
  }
  uint64_t hash = table_.Hash(member);
  if (table_.Find(member, hash) != nullptr) return false;
  table_.Insert(SetNode::Create(member), hash);
  node_bytes_ += SetNode::AllocBytes(member.size());
  return true;
}

bool SetObject::Remove(std::string_view member) {
  if (intset_) {
    int64_t v;
    if (!AsInt(member, &v)) return false;
    auto it = std::lower_bound(ints_.begin(), ints_.end(), v);
    if (it == ints_.end() || *it != v) return false;
    ints_.erase(it);
    return true;
  }
  SetNode* n = table_.Remove(member);
  if (n == nullptr) return false;
  node_bytes_ -= SetNode::AllocBytes(member.size());
  SetNode::Destroy(n);
  return true;
}

bool SetObject::Contains(std::string_view member) const {
  if (intset_) {
    int64_t v;
    if (!AsInt(member, &v)) return false;
    return std::binary_search(ints_.begin(), ints_.end(), v);
  }
  return table_.FindConst(member) != nullptr;
}

std::string SetObject::RandomMember(Random& rng) const {
  REDSIM_CHECK(Length() > 0, "callers check the collection is not empty");
  if (intset_) return Int64ToString(ints_[rng.Uniform(ints_.size())]);
  return std::string(table_.RandomNode(rng)->member());
}

std::string SetObject::PopRandom(Random& rng) {
  REDSIM_CHECK(Length() > 0, "callers check the collection is not empty");
  if (intset_) {
    size_t i = rng.Uniform(ints_.size());
    std::string out = Int64ToString(ints_[i]);
    ints_.erase(ints_.begin() + static_cast<std::ptrdiff_t>(i));
    return out;
  }
  std::string out(table_.RandomNode(rng)->member());
  Remove(out);
  return out;
}

std::vector<std::string> SetObject::Members() const {
  std::vector<std::string> out;
  out.reserve(Length());
  ForEachMember([&](std::string_view m) { out.emplace_back(m); });
  return out;
}

}  // namespace redsim
