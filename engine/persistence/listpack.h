// Listpack and intset byte layouts, as Redis 7.0 stores them inside RDB files and DUMP
// payloads (hash, zset and list nodes are listpacks; integer sets are intsets). Encoding picks
// the smallest representation for each element exactly as Redis does, so a value written here
// is byte-identical to Redis's. Decoding validates every length and offset.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace redsim {

class ListpackWriter {
 public:
  ListpackWriter();
  void AddString(std::string_view s);  // stored as an integer when it is one (like Redis)
  void AddInteger(int64_t v);
  // Finishes and returns the bytes (header, entries, terminator).
  std::string Finish();
  size_t count() const { return count_; }
  // Bytes Finish() would return now (header, entries, terminator).
  size_t bytes() const { return 7 + body_.size(); }

 private:
  void AddEntry(std::string_view encoded);
  std::string body_;
  size_t count_ = 0;
};

// Decodes a listpack into its elements as strings (integers printed in decimal). Returns false
// with a reason for malformed input.
bool DecodeListpack(std::string_view bytes, std::vector<std::string>* elements, std::string* error);

// Ziplists (RDB types 10, 12, 13 and the nodes of type 14, written by Redis before 7.0) and
// zipmaps (type 9, before 2.6): read only, to load old files. Every length, back-link and count
// is checked; integers come out in decimal.
bool DecodeZiplist(std::string_view bytes, std::vector<std::string>* elements, std::string* error);
// A zipmap's field/value pairs, flattened (field, value, field, value...).
bool DecodeZipmap(std::string_view bytes, std::vector<std::string>* elements, std::string* error);

// Intsets: sorted integers of a fixed width (2, 4 or 8 bytes), the smallest that fits all.
std::string EncodeIntset(std::vector<int64_t> values);
bool DecodeIntset(std::string_view bytes, std::vector<int64_t>* values, std::string* error);

}  // namespace redsim
