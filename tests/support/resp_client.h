// RespClient: a small blocking RESP client over a real TCP socket, for integration and
// differential tests (test code only; the engine never uses it).
#pragma once

#include <string>
#include <vector>

#include "engine/resp/resp_value.h"

namespace redsim::testing {

class RespClient {
 public:
  RespClient() = default;
  ~RespClient();
  RespClient(const RespClient&) = delete;
  RespClient& operator=(const RespClient&) = delete;

  // Connects to 127.0.0.1:port; returns false on failure.
  bool Connect(int port, int timeout_ms = 5000);
  bool connected() const { return fd_ >= 0; }
  void Close();

  // Sends one command and waits for its reply. On a broken connection returns an error value
  // "<connection error: ...>" (never throws).
  RespValue Call(const std::vector<std::string>& args);
  // Sends raw bytes; reads one reply.
  bool SendRaw(const std::string& bytes);
  RespValue ReadReply();
  // True when the server closed the connection (reads EOF within timeout_ms).
  bool WaitClosed(int timeout_ms);

  static std::string Encode(const std::vector<std::string>& args);

 private:
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace redsim::testing
