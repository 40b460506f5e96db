#include "tests/support/resp_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace redsim::testing {

RespClient::~RespClient() { Close(); }

void RespClient::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buffer_.clear();
}

bool RespClient::Connect(int port, int timeout_ms) {
  Close();
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    Close();
    return false;
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return true;
}

std::string RespClient::Encode(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

bool RespClient::SendRaw(const std::string& bytes) {
  if (fd_ < 0) return false;
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

RespValue RespClient::ReadReply() {
  while (true) {
    if (!buffer_.empty()) {
      RespValue v;
      size_t used = 0;
      std::string error;
      auto r = ReplyParser::Parse(buffer_.data(), buffer_.size(), &v, &used, &error);
      if (r == ReplyParser::Result::kOk) {
        buffer_.erase(0, used);
        return v;
      }
      if (r == ReplyParser::Result::kError)
        return RespValue::Error("<protocol error: " + error + ">");
    }
    if (fd_ < 0) return RespValue::Error("<connection error: not connected>");
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) {
      std::string why = n == 0 ? "closed" : strerror(errno);
      Close();
      return RespValue::Error("<connection error: " + why + ">");
    }
    buffer_.append(buf, static_cast<size_t>(n));
  }
}

RespValue RespClient::Call(const std::vector<std::string>& args) {
  if (!SendRaw(Encode(args))) return RespValue::Error("<connection error: send failed>");
  return ReadReply();
}

bool RespClient::WaitClosed(int timeout_ms) {
  if (fd_ < 0) return true;
  pollfd p{fd_, POLLIN, 0};
  int deadline = timeout_ms;
  while (deadline > 0) {
    int r = poll(&p, 1, 50);
    deadline -= 50;
    if (r > 0) {
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
      if (n == 0) {
        Close();
        return true;
      }
      if (n < 0 && errno != EAGAIN) {
        Close();
        return true;
      }
      if (n > 0) buffer_.append(buf, static_cast<size_t>(n));
    }
  }
  return false;
}

}  // namespace redsim::testing
