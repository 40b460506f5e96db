// ReplyBuilder: writes replies in the client's protocol (RESP2 or RESP3) into a byte buffer.
//
// Handlers describe replies semantically (a map, a double, a null) and the builder picks the
// wire form: in RESP2 a map becomes a flat array, a double a bulk string, a null "$-1" (or "*-1"
// for null arrays), a push an array. The builder only appends; it never fails.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace redsim {

// Told about every error reply (for INFO errorstats and failed-call counts).
class ErrorReplyObserver {
 public:
  virtual ~ErrorReplyObserver() = default;
  virtual void OnErrorReply(std::string_view error_text) = 0;
};

class ReplyBuilder {
 public:
  explicit ReplyBuilder(std::string* out, int resp = 2) : out_(out), resp_(resp) {}

  int resp() const { return resp_; }
  void set_resp(int resp) { resp_ = resp; }
  std::string* buffer() const { return out_; }
  void set_error_observer(ErrorReplyObserver* o) { error_observer_ = o; }

  void Ok() { out_->append("+OK\r\n", 5); }
  void Simple(std::string_view s);          // +s
  void Error(std::string_view msg);         // -msg (msg already has its code, e.g. "ERR ...")
  void Integer(int64_t v);                  // :v
  void Bulk(std::string_view s);            // $len\r\ns
  void Null();                              // nil bulk ($-1 / _)
  void NullArray();                         // nil array (*-1 / _)
  void ArrayHeader(int64_t n);              // *n
  void MapHeader(int64_t n);                // %n (RESP3) or *2n
  void SetHeader(int64_t n);                // ~n (RESP3) or *n
  void PushHeader(int64_t n);               // >n (RESP3) or *n
  void AttributeHeader(int64_t n);          // |n (RESP3 only)
  void Double(double d);                    // ,d (RESP3) or bulk "%.17g"
  void Bool(bool b);                        // #t/#f (RESP3) or :1/:0
  void BigNumber(std::string_view digits);  // (digits (RESP3) or bulk
  void Verbatim(std::string_view text, std::string_view format = "txt");  // =len\r\ntxt:...
  void EmptyArray() { out_->append("*0\r\n", 4); }
  // Writes bytes that are already valid RESP.
  void Raw(std::string_view resp) { out_->append(resp); }
  void BulkInteger(int64_t v);  // an integer as a bulk string

  // Convenience for arrays of bulk strings.
  template <typename Container>
  void BulkArray(const Container& items) {
    ArrayHeader(static_cast<int64_t>(items.size()));
    for (const auto& s : items) Bulk(s);
  }

 private:
  void Header(char prefix, int64_t n);
  std::string* out_;
  int resp_;
  ErrorReplyObserver* error_observer_ = nullptr;
};

}  // namespace redsim
