// EngineTest: a GoogleTest fixture that runs commands against an in-process Server on a
// ManualEnv, e.g. EXPECT_EQ(Run({"SET", "k", "v"}), Ok()). Clients have no connection; their
// replies are parsed from the reply buffer.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/resp/resp_value.h"
#include "engine/server/server.h"
#include "tests/support/manual_env.h"

namespace redsim {

// gtest printing for RespValue.
inline void PrintTo(const RespValue& v, std::ostream* os) { *os << v.ToString(); }

namespace testing {

inline RespValue Ok() { return RespValue::Simple("OK"); }
inline RespValue Status(std::string s) { return RespValue::Simple(std::move(s)); }
inline RespValue Bulk(std::string s) { return RespValue::Bulk(std::move(s)); }
inline RespValue Int(int64_t v) { return RespValue::Integer(v); }
inline RespValue Nil() { return RespValue::Null(); }
inline RespValue NilArray() {
  RespValue v;
  v.null_array = true;
  return v;
}
inline RespValue Err(std::string s) { return RespValue::Error(std::move(s)); }
inline RespValue Arr(std::vector<RespValue> items) { return RespValue::Array(std::move(items)); }
inline RespValue Bulks(const std::vector<std::string>& items) {
  std::vector<RespValue> v;
  for (const auto& s : items) v.push_back(Bulk(s));
  return Arr(std::move(v));
}

class EngineTest : public ::testing::Test {
 protected:
  // Override to change the configuration before the server is built.
  virtual void Configure(ServerConfig&) {}

  void SetUp() override {
    Server::Options options;
    options.env = &env_;
    // Each test gets its own empty directory: a dump.rdb left in the working directory (by
    // another test's SAVE, or a server started there by hand) must not be loaded into it.
    char dir_template[] = "/tmp/redsim-engine-test-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    options.config.dir = dir_;
    Configure(options.config);
    server_ = std::make_unique<Server>(std::move(options));
    ASSERT_TRUE(server_->Start().ok());
    client_ = server_->CreateFakeClient();
  }
  void TearDown() override {
    server_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  Client* NewClient() { return server_->CreateFakeClient(); }

  // Runs one command on `c` and returns its reply (the first one, if it produced several).
  RespValue Run(Client* c, const std::vector<std::string>& args) {
    std::vector<std::string_view> views(args.begin(), args.end());
    server_->ProcessCommand(c, views);
    env_.Drain();
    auto replies = TakeReplies(c);
    if (replies.empty()) return NoReply();
    return replies.front();
  }
  RespValue Run(const std::vector<std::string>& args) { return Run(client_, args); }

  // Every complete reply waiting in `c`'s buffer.
  std::vector<RespValue> TakeReplies(Client* c) {
    std::vector<RespValue> out;
    std::string& buf = c->reply_buffer();
    size_t pos = 0;
    while (pos < buf.size()) {
      RespValue v;
      size_t used = 0;
      std::string error;
      auto r = ReplyParser::Parse(buf.data() + pos, buf.size() - pos, &v, &used, &error);
      if (r != ReplyParser::Result::kOk) {
        ADD_FAILURE() << "unparsable reply bytes: " << error;
        break;
      }
      out.push_back(std::move(v));
      pos += used;
    }
    buf.clear();
    return out;
  }

  // A marker for "the command replied nothing" (blocked, CLIENT REPLY OFF).
  static RespValue NoReply() { return RespValue::Simple("<no reply>"); }

  void AdvanceMs(int64_t ms) { env_.Advance(ms * 1000); }

  ManualEnv env_;
  std::string dir_;  // the test's own working directory (config dir)
  std::unique_ptr<Server> server_;
  Client* client_ = nullptr;
};

}  // namespace testing
}  // namespace redsim
