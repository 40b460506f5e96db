// ListObject and the packed entry codec, checked against std::deque as a model over random
// operations and every node fill setting.
#include "engine/types/list_object.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <deque>
#include <string>
#include <vector>

#include "engine/types/listpack.h"

namespace redsim {
namespace {

TEST(PackedEntries, RoundTripAcrossHeaderAndTrailerSizes) {
  for (size_t len : {0, 1, 122, 123, 124, 125, 126, 127, 128, 129, 16380, 16381, 16383, 16384,
                     20000, 2097150, 2097160}) {
    std::string s(len, 'x');
    for (size_t i = 0; i < len; i += 7) s[i] = static_cast<char>(i);
    for (bool trailer : {false, true}) {
      std::vector<uint8_t> buf(packed::EntrySize(len, trailer) + 2, 0xAB);
      size_t written = packed::WriteEntry(buf.data() + 1, s, trailer);
      ASSERT_EQ(written, packed::EntrySize(len, trailer)) << len;
      size_t read_size;
      EXPECT_EQ(packed::ReadEntry(buf.data() + 1, trailer, &read_size), s) << len;
      EXPECT_EQ(read_size, written);
      if (trailer) {
        EXPECT_EQ(packed::PreviousEntry(buf.data() + 1 + written), buf.data() + 1) << len;
      }
      EXPECT_EQ(buf.back(), 0xAB) << "wrote past the entry for length " << len;
    }
  }
}

std::vector<std::string> Contents(const ListObject& list) {
  std::vector<std::string> out;
  if (list.length() == 0) return out;
  for (ListObject::Iter it = list.IterAt(0); it.valid(); it.Next()) out.emplace_back(it.Get());
  return out;
}

std::vector<std::string> ContentsBackwards(const ListObject& list) {
  std::vector<std::string> out;
  if (list.length() == 0) return out;
  for (ListObject::Iter it = list.IterAt(list.length() - 1); it.valid(); it.Prev()) {
    out.emplace_back(it.Get());
  }
  return {out.rbegin(), out.rend()};
}

rc::Gen<std::string> GenElement() {
  return rc::gen::oneOf(
      rc::gen::element<std::string>("a", "b", "c", ""),
      rc::gen::map(rc::gen::inRange(0, 300), [](int n) { return std::string(n, 'v'); }),
      rc::gen::map(rc::gen::inRange(5000, 20000),
                   [](int n) { return std::string(n, static_cast<char>('A' + n % 26)); }));
}

RC_GTEST_PROP(ListObjectModel, MatchesADequeUnderRandomOperations, ()) {
  int64_t fill = *rc::gen::element<int64_t>(-7, -5, -4, -3, -2, -1, 0, 1, 2, 3, 5, 128);
  ListObject list(fill);
  std::deque<std::string> model;
  int steps = *rc::gen::inRange(1, 200);
  for (int step = 0; step < steps; step++) {
    int op = *rc::gen::inRange(0, 10);
    int64_t len = static_cast<int64_t>(model.size());
    switch (op) {
      case 0: {
        std::string e = *GenElement();
        list.Push(ListObject::End::kHead, e);
        model.push_front(e);
        break;
      }
      case 1: {
        std::string e = *GenElement();
        list.Push(ListObject::End::kTail, e);
        model.push_back(e);
        break;
      }
      case 2:
        if (model.empty()) break;
        RC_ASSERT(std::string(list.Peek(ListObject::End::kHead)) == model.front());
        list.Pop(ListObject::End::kHead);
        model.pop_front();
        break;
      case 3:
        if (model.empty()) break;
        RC_ASSERT(std::string(list.Peek(ListObject::End::kTail)) == model.back());
        list.Pop(ListObject::End::kTail);
        model.pop_back();
        break;
      case 4: {
        int64_t i = *rc::gen::inRange<int64_t>(-len - 2, len + 2);
        auto got = list.Index(i);
        int64_t j = i < 0 ? i + len : i;
        if (j < 0 || j >= len)
          RC_ASSERT(!got.has_value());
        else
          RC_ASSERT(std::string(*got) == model[static_cast<size_t>(j)]);
        break;
      }
      case 5: {
        int64_t i = *rc::gen::inRange<int64_t>(-len - 2, len + 2);
        std::string e = *GenElement();
        bool ok = list.Set(i, e);
        int64_t j = i < 0 ? i + len : i;
        RC_ASSERT(ok == (j >= 0 && j < len));
        if (ok) model[static_cast<size_t>(j)] = e;
        break;
      }
      case 6: {
        std::string pivot = *GenElement();
        std::string e = *GenElement();
        bool after = *rc::gen::arbitrary<bool>();
        auto it = std::find(model.begin(), model.end(), pivot);
        bool ok = list.Insert(pivot, e, after);
        RC_ASSERT(ok == (it != model.end()));
        if (ok) model.insert(after ? it + 1 : it, e);
        break;
      }
      case 7: {
        std::string e = *GenElement();
        int64_t count = *rc::gen::inRange<int64_t>(-3, 4);
        size_t removed = list.Remove(e, count);
        size_t expected = 0;
        if (count >= 0) {
          for (auto it = model.begin(); it != model.end();) {
            if (*it == e && (count == 0 || expected < static_cast<size_t>(count))) {
              it = model.erase(it);
              expected++;
            } else {
              ++it;
            }
          }
        } else {
          for (size_t k = model.size(); k-- > 0;) {
            if (model[k] == e && expected < static_cast<size_t>(-count)) {
              model.erase(model.begin() + static_cast<ptrdiff_t>(k));
              expected++;
            }
          }
        }
        RC_ASSERT(removed == expected);
        break;
      }
      case 8: {
        size_t head = *rc::gen::inRange<size_t>(0, model.size() + 2);
        size_t tail = *rc::gen::inRange<size_t>(0, model.size() + 2);
        list.TrimEnds(head, tail);
        if (head + tail >= model.size()) {
          model.clear();
        } else {
          model.erase(model.begin(), model.begin() + static_cast<ptrdiff_t>(head));
          model.erase(model.end() - static_cast<ptrdiff_t>(tail), model.end());
        }
        break;
      }
      case 9: {
        auto copy = list.Clone();
        RC_ASSERT(Contents(static_cast<const ListObject&>(*copy)) == Contents(list));
        break;
      }
      default:
        break;
    }
    std::vector<std::string> expected(model.begin(), model.end());
    RC_ASSERT(list.length() == model.size());
    RC_ASSERT(Contents(list) == expected);
    RC_ASSERT(ContentsBackwards(list) == expected);
  }
}

TEST(ListObject, NodesFollowTheFillSetting) {
  ListObject by_count(4);
  for (int i = 0; i < 10; i++) by_count.Push(ListObject::End::kTail, "x");
  EXPECT_EQ(by_count.node_count(), 3u);
  ListObject by_bytes(-1);  // 4 KB nodes: 100-byte elements, about 39 per node
  for (int i = 0; i < 100; i++) by_bytes.Push(ListObject::End::kHead, std::string(100, 'y'));
  EXPECT_EQ(by_bytes.node_count(), 3u);
  EXPECT_GT(by_bytes.MemoryUsage(), 100u * 100u);
}

TEST(ListObject, NormalizeRangeHandlesExtremes) {
  size_t first, last;
  EXPECT_TRUE(NormalizeListRange(INT64_MIN, INT64_MAX, 3, &first, &last));
  EXPECT_EQ(first, 0u);
  EXPECT_EQ(last, 2u);
  EXPECT_FALSE(NormalizeListRange(INT64_MIN, INT64_MIN, 3, &first, &last));
  EXPECT_FALSE(NormalizeListRange(2, 1, 3, &first, &last));
  EXPECT_FALSE(NormalizeListRange(0, -1, 0, &first, &last));
  EXPECT_TRUE(NormalizeListRange(-2, -1, 3, &first, &last));
  EXPECT_EQ(first, 1u);
}

}  // namespace
}  // namespace redsim
