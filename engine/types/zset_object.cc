#include "engine/types/zset_object.h"

#include <cmath>
#include <functional>

#include "engine/base/check.h"
#include "engine/base/strutil.h"

namespace redsim {

namespace {

// (score, member) ordering of the sorted set.
inline bool Less(double sa, std::string_view ma, double sb, std::string_view mb) {
  return sa < sb || (sa == sb && ma < mb);
}

// Whether `m` sorts before a lex bound, counting equality per CountBelowLex's rule.
inline bool LexBelow(std::string_view m, const LexBound& b, bool max_side) {
  switch (b.kind) {
    case LexBound::kMinusInf:
      return false;
    case LexBound::kPlusInf:
      return true;
    case LexBound::kInclusive:
      return max_side ? m <= b.member : m < b.member;
    case LexBound::kExclusive:
      return max_side ? m < b.member : m <= b.member;
  }
  return false;
}

inline bool ScoreBelow(double s, double bound, bool inclusive) {
  return s < bound || (inclusive && s == bound);
}

}  // namespace

bool LexBound::Parse(std::string_view s, LexBound* out) {
  if (s.empty()) return false;
  if (s.size() == 1 && s[0] == '-') {
    out->kind = kMinusInf;
    return true;
  }
  if (s.size() == 1 && s[0] == '+') {
    out->kind = kPlusInf;
    return true;
  }
  if (s[0] == '[')
    out->kind = kInclusive;
  else if (s[0] == '(')
    out->kind = kExclusive;
  else
    return false;
  out->member = s.substr(1);
  return true;
}

std::string ListpackScoreText(double score) {
  // Redis converts to text through an integer when the double is integral and within
  // +-(LLONG_MAX/2) as a double; that also turns -0 into "0".
  const double limit = static_cast<double>(INT64_MAX / 2);
  if (std::isfinite(score) && score >= -limit && score <= limit) {
    auto ll = static_cast<int64_t>(score);
    if (static_cast<double>(ll) == score) return Int64ToString(ll);
  }
  return DoubleToString(score);
}

// ---- ZSkiplist -------------------------------------------------------------------------------

ZNode* ZNode::Create(int level, double score, std::string_view member) {
  auto* n = static_cast<ZNode*>(malloc(BytesFor(level, member.size())));
  if (n == nullptr) abort();
  n->score = score;
  n->chain = nullptr;
  n->len = static_cast<uint32_t>(member.size());
  n->level = static_cast<uint8_t>(level);
  for (int i = 0; i < level; i++) {
    n->forward()[i] = nullptr;
    n->span()[i] = 0;
  }
  if (!member.empty()) memcpy(const_cast<char*>(n->data()), member.data(), member.size());
  return n;
}

ZSkiplist::ZSkiplist(uint64_t seed) : header_(ZNode::Create(kMaxLevel, 0, {})), table_(seed) {}

ZSkiplist::~ZSkiplist() {
  // Every node is in the table exactly once, also after a partial FreeSome.
  table_.Clear([](ZNode* n) { ZNode::Destroy(n); });
  ZNode::Destroy(header_);
}

int ZSkiplist::LevelFor(std::string_view member) const {
  // Two bits of a second hash per level: each level is kept with probability 1/4.
  uint64_t h = HashBytes(member, table_.seed() ^ 0x9e3779b97f4a7c15ULL);
  int level = 1;
  while ((h & 3) == 0 && level < kMaxLevel) {
    level++;
    h >>= 2;
  }
  return level;
}

void ZSkiplist::FindUpdate(double score, std::string_view member, ZNode** update,
                           size_t* rank) const {
  ZNode* x = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    rank[i] = i == level_ - 1 ? 0 : rank[i + 1];
    while (x->forward()[i] != nullptr &&
           Less(x->forward()[i]->score, x->forward()[i]->member(), score, member)) {
      rank[i] += x->span()[i];
      x = x->forward()[i];
    }
    update[i] = x;
  }
}

void ZSkiplist::Link(ZNode* x, ZNode** update, const size_t* rank) {
  int level = x->level;
  if (level > level_) {
    for (int i = level_; i < level; i++) {
      update[i] = header_;
      header_->span()[i] = static_cast<uint32_t>(length_);
    }
  }
  // rank[] is only filled up to the old level; levels above start at the header (rank 0).
  auto rank_at = [&](int i) { return i < level_ ? rank[i] : 0; };
  for (int i = 0; i < level; i++) {
    x->forward()[i] = update[i]->forward()[i];
    update[i]->forward()[i] = x;
    size_t gap = rank[0] - rank_at(i);
    x->span()[i] = static_cast<uint32_t>(update[i]->span()[i] - gap);
    update[i]->span()[i] = static_cast<uint32_t>(gap + 1);
  }
  for (int i = level; i < level_; i++) update[i]->span()[i]++;
  if (level > level_) level_ = level;
  length_++;
}

void ZSkiplist::Unlink(ZNode* x, ZNode** update) {
  for (int i = 0; i < level_; i++) {
    if (update[i]->forward()[i] == x) {
      update[i]->span()[i] += x->span()[i] - 1;
      update[i]->forward()[i] = x->forward()[i];
    } else {
      update[i]->span()[i]--;
    }
  }
  while (level_ > 1 && header_->forward()[level_ - 1] == nullptr) level_--;
  length_--;
}

void ZSkiplist::Insert(std::string_view member, double score) {
  REDSIM_CHECK(length_ < UINT32_MAX, "skiplist length fits its rank type");
  ZNode* update[kMaxLevel];
  size_t rank[kMaxLevel];
  FindUpdate(score, member, update, rank);
  ZNode* x = ZNode::Create(LevelFor(member), score, member);
  Link(x, update, rank);
  table_.Insert(x);
  node_bytes_ += AllocatedSize(ZNode::BytesFor(x->level, x->len));
}

void ZSkiplist::UpdateScore(const ZNode* node, double score) {
  ZNode* x = const_cast<ZNode*>(node);
  ZNode* update[kMaxLevel];
  size_t rank[kMaxLevel];
  FindUpdate(x->score, x->member(), update, rank);
  REDSIM_CHECK(update[0]->forward()[0] == x, "the node to delete is in the skiplist");
  ZNode* next = x->forward()[0];
  // Still between its neighbours: change the score in place.
  if ((update[0] == header_ || update[0]->score < score) &&
      (next == nullptr || next->score > score)) {
    x->score = score;
    return;
  }
  Unlink(x, update);
  x->score = score;
  FindUpdate(score, x->member(), update, rank);
  Link(x, update, rank);
}

bool ZSkiplist::Erase(std::string_view member) {
  ZNode* x = table_.Find(member);
  if (x == nullptr) return false;
  ZNode* update[kMaxLevel];
  size_t rank[kMaxLevel];
  FindUpdate(x->score, member, update, rank);
  Unlink(x, update);
  table_.Remove(member);
  node_bytes_ -= AllocatedSize(ZNode::BytesFor(x->level, x->len));
  ZNode::Destroy(x);
  return true;
}

size_t ZSkiplist::RankOf(const ZNode* node) const {
  ZNode* update[kMaxLevel];
  size_t rank[kMaxLevel];
  FindUpdate(node->score, node->member(), update, rank);
  return rank[0];
}

const ZNode* ZSkiplist::AtRank(size_t rank) const {
  size_t target = rank + 1;  // header is rank 0
  size_t traversed = 0;
  const ZNode* x = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (x->forward()[i] != nullptr && traversed + x->span()[i] <= target) {
      traversed += x->span()[i];
      x = x->forward()[i];
    }
    if (traversed == target) return x;
  }
  return nullptr;
}

size_t ZSkiplist::CountBelowScore(double bound, bool inclusive) const {
  size_t rank = 0;
  const ZNode* x = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (x->forward()[i] != nullptr && ScoreBelow(x->forward()[i]->score, bound, inclusive)) {
      rank += x->span()[i];
      x = x->forward()[i];
    }
  }
  return rank;
}

size_t ZSkiplist::CountBelowLex(const LexBound& bound, bool max_side) const {
  size_t rank = 0;
  const ZNode* x = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (x->forward()[i] != nullptr && LexBelow(x->forward()[i]->member(), bound, max_side)) {
      rank += x->span()[i];
      x = x->forward()[i];
    }
  }
  return rank;
}

void ZSkiplist::EraseRange(size_t start, size_t end) {
  if (start >= end || start >= length_) return;
  ZNode* update[kMaxLevel];
  size_t traversed = 0;
  ZNode* x = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (x->forward()[i] != nullptr && traversed + x->span()[i] <= start) {
      traversed += x->span()[i];
      x = x->forward()[i];
    }
    update[i] = x;
  }
  x = x->forward()[0];
  for (size_t r = start; r < end && x != nullptr; r++) {
    ZNode* next = x->forward()[0];
    Unlink(x, update);
    table_.Remove(x->member());
    node_bytes_ -= AllocatedSize(ZNode::BytesFor(x->level, x->len));
    ZNode::Destroy(x);
    x = next;
  }
}

bool ZSkiplist::FreeSome(size_t budget) {
  // From here on only the table is consistent; the links are never walked again.
  draining_ = true;
  return table_.DrainSome(budget, [this](ZNode* n) {
    node_bytes_ -= AllocatedSize(ZNode::BytesFor(n->level, n->len));
    ZNode::Destroy(n);
  });
}

// ---- ZListpack -------------------------------------------------------------------------------

ZListpack::Entry ZListpack::At(size_t offset) const {
  Entry e;
  memcpy(&e.score, buf_.data() + offset, sizeof(double));
  e.member = GetVarintBytes(buf_.data() + offset + sizeof(double));
  e.next = static_cast<size_t>(e.member.data() + e.member.size() - buf_.data());
  return e;
}

size_t ZListpack::max_member_len() const {
  size_t best = 0;
  for (size_t off = 0; off < buf_.size();) {
    Entry e = At(off);
    best = std::max(best, e.member.size());
    off = e.next;
  }
  return best;
}

size_t ZListpack::Find(std::string_view member, size_t* rank) const {
  size_t r = 0;
  for (size_t off = 0; off < buf_.size(); r++) {
    Entry e = At(off);
    if (e.member == member) {
      if (rank != nullptr) *rank = r;
      return off;
    }
    off = e.next;
  }
  return std::string_view::npos;
}

void ZListpack::Insert(std::string_view member, double score) {
  if (score == 0) score = 0;  // the listpack's text form has no negative zero
  size_t off = 0;
  while (off < buf_.size()) {
    Entry e = At(off);
    if (Less(score, member, e.score, e.member)) break;
    off = e.next;
  }
  char header[sizeof(double) + 5];
  memcpy(header, &score, sizeof(double));
  size_t hlen =
      sizeof(double) + PutVarint(header + sizeof(double), static_cast<uint32_t>(member.size()));
  buf_.insert(buf_.begin() + static_cast<std::ptrdiff_t>(off), header, header + hlen);
  buf_.insert(buf_.begin() + static_cast<std::ptrdiff_t>(off + hlen), member.begin(), member.end());
  count_++;
}

bool ZListpack::Erase(std::string_view member) {
  size_t off = Find(member);
  if (off == std::string_view::npos) return false;
  size_t next = At(off).next;
  buf_.erase(buf_.begin() + static_cast<std::ptrdiff_t>(off),
             buf_.begin() + static_cast<std::ptrdiff_t>(next));
  count_--;
  return true;
}

size_t ZListpack::OffsetOfRank(size_t rank) const {
  size_t off = 0;
  for (size_t r = 0; r < rank && off < buf_.size(); r++) off = At(off).next;
  return off;
}

size_t ZListpack::CountBelowScore(double bound, bool inclusive) const {
  size_t n = 0;
  for (size_t off = 0; off < buf_.size(); n++) {
    Entry e = At(off);
    if (!ScoreBelow(e.score, bound, inclusive)) break;
    off = e.next;
  }
  return n;
}

size_t ZListpack::CountBelowLex(const LexBound& bound, bool max_side) const {
  size_t n = 0;
  for (size_t off = 0; off < buf_.size(); n++) {
    Entry e = At(off);
    if (!LexBelow(e.member, bound, max_side)) break;
    off = e.next;
  }
  return n;
}

void ZListpack::EraseRange(size_t start, size_t end) {
  if (start >= end || start >= count_) return;
  end = std::min(end, count_);
  size_t from = OffsetOfRank(start);
  size_t to = from;
  for (size_t r = start; r < end; r++) to = At(to).next;
  buf_.erase(buf_.begin() + static_cast<std::ptrdiff_t>(from),
             buf_.begin() + static_cast<std::ptrdiff_t>(to));
  count_ -= end - start;
}

// ---- ZSetObject ------------------------------------------------------------------------------

std::unique_ptr<ZSetObject> ZSetObject::Create(bool listpack, uint64_t seed) {
  auto z = std::unique_ptr<ZSetObject>(new ZSetObject(seed));
  if (!listpack) z->skiplist_ = std::make_unique<ZSkiplist>(seed);
  return z;
}

std::unique_ptr<Object> ZSetObject::Clone() const {
  auto copy = Create(is_listpack(), seed_);
  if (is_listpack()) {
    copy->listpack_ = listpack_;
  } else {
    ForEachInRange(0, Length(),
                   [&](std::string_view m, double s) { copy->skiplist_->Insert(m, s); });
  }
  return copy;
}

size_t ZSetObject::MemoryUsage() const {
  size_t bytes = AllocatedSize(sizeof(ZSetObject));
  if (is_listpack()) return bytes + AllocatedSize(listpack_.bytes());
  return bytes + AllocatedSize(sizeof(ZSkiplist)) +
         AllocatedSize(ZNode::BytesFor(ZSkiplist::kMaxLevel, 0)) + skiplist_->node_bytes() +
         AllocatedSize(skiplist_->table().BucketBytes());
}

bool ZSetObject::FreeSomeElements(size_t budget) {
  if (is_listpack()) return true;
  return skiplist_->FreeSome(budget);
}

std::optional<double> ZSetObject::Score(std::string_view member) const {
  if (skiplist_) {
    const ZNode* n = skiplist_->Find(member);
    if (n == nullptr) return std::nullopt;
    return n->score;
  }
  size_t off = listpack_.Find(member);
  if (off == std::string_view::npos) return std::nullopt;
  return listpack_.At(off).score;
}

std::optional<size_t> ZSetObject::Rank(std::string_view member) const {
  if (skiplist_) {
    const ZNode* n = skiplist_->Find(member);
    if (n == nullptr) return std::nullopt;
    return skiplist_->RankOf(n);
  }
  size_t rank;
  if (listpack_.Find(member, &rank) == std::string_view::npos) return std::nullopt;
  return rank;
}

void ZSetObject::Insert(std::string_view member, double score) {
  if (skiplist_)
    skiplist_->Insert(member, score);
  else
    listpack_.Insert(member, score);
}

void ZSetObject::UpdateScore(std::string_view member, double score) {
  if (skiplist_) {
    skiplist_->UpdateScore(skiplist_->Find(member), score);
    return;
  }
  listpack_.Erase(member);
  listpack_.Insert(member, score);
}

bool ZSetObject::Erase(std::string_view member) {
  return skiplist_ ? skiplist_->Erase(member) : listpack_.Erase(member);
}

size_t ZSetObject::CountBelowScore(double bound, bool inclusive) const {
  return skiplist_ ? skiplist_->CountBelowScore(bound, inclusive)
                   : listpack_.CountBelowScore(bound, inclusive);
}

size_t ZSetObject::CountBelowLex(const LexBound& bound, bool max_side) const {
  return skiplist_ ? skiplist_->CountBelowLex(bound, max_side)
                   : listpack_.CountBelowLex(bound, max_side);
}

void ZSetObject::EraseRange(size_t start, size_t end) {
  if (skiplist_)
    skiplist_->EraseRange(start, end);
  else
    listpack_.EraseRange(start, end);
}

void ZSetObject::ConvertIfNeeded(int64_t max_entries, int64_t max_value, size_t new_member_len) {
  if (skiplist_) return;
  if (static_cast<int64_t>(listpack_.size()) > max_entries ||
      static_cast<int64_t>(new_member_len) > max_value) {
    ConvertToSkiplist();
  }
}

void ZSetObject::ConvertToSkiplist() {
  if (skiplist_) return;
  auto sl = std::make_unique<ZSkiplist>(seed_);
  listpack_.ForRange(0, listpack_.size(), [&](std::string_view m, double s) { sl->Insert(m, s); });
  skiplist_ = std::move(sl);
  listpack_ = ZListpack();
}

void ZSetObject::ConvertToListpackIfFits(int64_t max_entries, int64_t max_value) {
  if (!skiplist_ || static_cast<int64_t>(skiplist_->size()) > max_entries) return;
  size_t longest = 0;
  skiplist_->ForRange(0, skiplist_->size(),
                      [&](std::string_view m, double) { longest = std::max(longest, m.size()); });
  if (static_cast<int64_t>(longest) > max_value) return;
  ZListpack lp;
  skiplist_->ForRange(0, skiplist_->size(), [&](std::string_view m, double s) { lp.Insert(m, s); });
  listpack_ = std::move(lp);
  skiplist_.reset();
}

uint64_t ZSetObject::Scan(
    uint64_t cursor, const std::function<void(std::string_view, const std::string&)>& fn) const {
  if (is_listpack()) {
    listpack_.ForRange(0, listpack_.size(),
                       [&](std::string_view m, double s) { fn(m, ListpackScoreText(s)); });
    return 0;
  }
  return skiplist_->table().Scan(cursor,
                                 [&](ZNode* n) { fn(n->member(), DoubleToString(n->score)); });
}

}  // namespace redsim
