// Datum: the dynamic value that histories carry (an operation's key, argument and result), as
// read from JSON lines, Jepsen logs or EDN. It is a tree of nil, booleans, integers, doubles,
// strings, keywords, lists and maps. EDN keywords keep their own kind so that `:x` and "x" stay
// distinct, as they are in Clojure. Datums are plain values: copying copies the tree, and
// equality and hashing are structural (map entries are compared in order, since every history
// format writes them in a fixed order). Nothing here depends on the engine.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace redsim::checkers {

class Datum {
 public:
  enum class Kind : uint8_t { kNil, kBool, kInt, kDouble, kString, kKeyword, kList, kMap };
  using List = std::vector<Datum>;
  using Map = std::vector<std::pair<Datum, Datum>>;

  Datum() = default;
  static Datum Bool(bool b);
  static Datum Int(int64_t v);
  static Datum Double(double v);
  static Datum String(std::string s);
  // `name` without the leading ':'.
  static Datum Keyword(std::string name);
  static Datum MakeList(List items);
  static Datum MakeMap(Map entries);

  Kind kind() const { return kind_; }
  bool is_nil() const { return kind_ == Kind::kNil; }
  bool is_int() const { return kind_ == Kind::kInt; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_list() const { return kind_ == Kind::kList; }
  bool is_map() const { return kind_ == Kind::kMap; }
  // A string or a keyword: both name things (an `f`, a micro-op, a key).
  bool is_name() const { return kind_ == Kind::kString || kind_ == Kind::kKeyword; }

  bool bool_value() const { return num_.int_value != 0; }
  int64_t int_value() const { return num_.int_value; }
  double double_value() const { return num_.double_value; }
  // The text of a string or the name of a keyword.
  const std::string& text() const { return text_; }
  const List& items() const;
  const Map& entries() const;
  // The value of a map entry whose key is the string or keyword `name`, or nullptr.
  const Datum* Find(std::string_view name) const;

  bool operator==(const Datum& other) const;
  bool operator!=(const Datum& other) const { return !(*this == other); }
  uint64_t Hash() const;

  // Compact JSON (keywords become strings without ':').
  std::string ToJson() const;
  void AppendJson(std::string* out) const;
  // Short human text: EDN-like (`nil`, `3`, `"s"`, `:k`, `[1 2]`, `{:a 1}`).
  std::string ToText() const;
  void AppendText(std::string* out) const;

 private:
  Kind kind_ = Kind::kNil;
  union {
    int64_t int_value;
    double double_value;
  } num_ = {0};
  std::string text_;
  // A List or a Map (by kind_). Shared and immutable once built, so copying a Datum never
  // copies a big tree.
  std::shared_ptr<const void> tree_;
};

// Receives the entries of a map while a parser reads it, so that callers that only want a few
// fields (history loaders) never build the map.
class MapFieldSink {
 public:
  virtual ~MapFieldSink() = default;
  // Called for each entry in order. Return false, with *message set, to stop with an error
  // located at the entry.
  virtual bool Field(std::string_view key, Datum&& value, std::string* message) = 0;
};

// Appends `s` as a JSON string literal (with quotes and escapes).
void AppendJsonString(std::string_view s, std::string* out);

// A position in a source file and what is wrong there. line and column start at 1; 0 means
// unknown (for errors about a whole file).
struct SourceError {
  int line = 0;
  int column = 0;
  std::string message;
  std::string ToString() const;
};

}  // namespace redsim::checkers
