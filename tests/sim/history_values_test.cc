// world::History stores values typed (and as checkers::Datum) rather than as JSON text: its JSON
// lines must stay byte for byte what the recorded JSON text was, and the Datum the checkers read
// must equal what parsing that text gives.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "checkers/json.h"
#include "world/history.h"

namespace redsim::world {
namespace {

// The "value" field of each JSON line.
std::vector<std::string> Values(const std::string& lines) {
  std::vector<std::string> out;
  size_t pos = 0;
  while ((pos = lines.find(",\"value\":", pos)) != std::string::npos) {
    pos += 9;
    size_t end = lines.find(",\"time_ns\":", pos);
    out.push_back(lines.substr(pos, end - pos));
  }
  return out;
}

void ExpectReadsAsParsed(const History& h, const HistoryEntry& e, const std::string& json) {
  checkers::Datum stored;
  std::string error;
  ASSERT_TRUE(h.ValueDatum(e, &stored, &error)) << error;
  checkers::Datum parsed;
  checkers::SourceError perr;
  ASSERT_TRUE(checkers::ParseJson(json, &parsed, &perr)) << json;
  EXPECT_EQ(stored, parsed) << json;
  EXPECT_EQ(stored.kind(), parsed.kind()) << json;
}

TEST(HistoryValues, JsonTextComesBackByteForByte) {
  const std::vector<std::string> texts = {"null",
                                          "17",
                                          "-3",
                                          "0",
                                          "-0",
                                          "1e3",
                                          "1.5",
                                          "true",
                                          "false",
                                          "\"abc\"",
                                          "\"\"",
                                          "\"a\\nb\"",
                                          "\"q\\\"\"",
                                          "\"\\u00e9\"",
                                          "[1,2,3]",
                                          "[\"x\",\"y\"]",
                                          "{\"k\":[\"m\"]}",
                                          "99999999999999999999"};
  History h;
  for (const auto& t : texts) h.Add(1, OpType::kInvoke, "f", "k", t, 5);
  EXPECT_EQ(Values(h.ToJsonLines()), texts);
  for (size_t i = 0; i < texts.size(); ++i) ExpectReadsAsParsed(h, h.entries()[i], texts[i]);
  EXPECT_EQ(h.entries()[1].value_kind, ValueKind::kInt);
  EXPECT_EQ(h.entries()[7].value_kind, ValueKind::kBool);
  EXPECT_EQ(h.entries()[9].value_kind, ValueKind::kString);
}

TEST(HistoryValues, TypedAddsWriteWhatJsonStringWould) {
  const std::string raw = std::string("a\"b\\c\n\x01\x7f\xc3\xa9", 10);
  History h;
  uint32_t f = h.Intern("f");
  h.AddInternedString(0, OpType::kOk, f, 0, raw, 1);
  h.AddInternedInt(0, OpType::kOk, f, 0, -42, 2);
  h.Add(0, OpType::kOk, "cas", "k",
        checkers::Datum::MakeList({checkers::Datum::String(raw), checkers::Datum::String("v")}), 3);
  const std::vector<std::string> expected = {History::JsonString(raw), "-42",
                                             "[" + History::JsonString(raw) + ",\"v\"]"};
  EXPECT_EQ(Values(h.ToJsonLines()), expected);
  for (size_t i = 0; i < expected.size(); ++i) ExpectReadsAsParsed(h, h.entries()[i], expected[i]);
}

}  // namespace
}  // namespace redsim::world
