// `redsim check`: exit codes (0 linearizable, 1 not, 2 unknown, 3 bad input), text and JSON
// output, the HTML timeline, and errors that name the line and column.
#include "checkers/cli.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "checkers/json.h"

namespace redsim::checkers {
namespace {

const std::string kData = REDSIM_LINEARIZABILITY_DATA;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("redsim_cli_test_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  // Runs `redsim check args...`; returns the exit code and keeps stdout/stderr.
  int Run(std::vector<std::string> args) {
    args.insert(args.begin(), "check");
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    ::testing::internal::CaptureStdout();
    ::testing::internal::CaptureStderr();
    int code = CheckMain(static_cast<int>(argv.size()), argv.data());
    out_ = ::testing::internal::GetCapturedStdout();
    err_ = ::testing::internal::GetCapturedStderr();
    return code;
  }

  std::filesystem::path dir_;
  std::string out_, err_;
};

const char* kStaleRead =
    "{\"redsim_history\":1,\"model\":\"register\"}\n"
    "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":1,\"time_ns\":1}\n"
    "{\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"value\":1,\"time_ns\":2}\n"
    "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":2,\"time_ns\":3}\n"
    "{\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"value\":2,\"time_ns\":4}\n"
    "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\",\"value\":null,\"time_ns\":5}\n"
    "{\"process\":1,\"type\":\"ok\",\"f\":\"read\",\"value\":1,\"time_ns\":6}\n";

TEST_F(CliTest, LinearizableExternalFiles) {
  EXPECT_EQ(Run({kData + "/porcupine/jepsen/etcd_002.log"}), 0) << err_;
  EXPECT_EQ(out_.rfind("linearizable (model etcd-cas-register", 0), 0u) << out_;
  EXPECT_EQ(Run({kData + "/knossos/multi-register/good/multi-register.edn", "--json"}), 0) << err_;
  Datum json;
  SourceError perr;
  ASSERT_TRUE(ParseJson(out_, &json, &perr)) << out_;
  EXPECT_EQ(json.Find("verdict")->text(), "linearizable");
  EXPECT_EQ(json.Find("model")->text(), "knossos-multi-register");
}

TEST_F(CliTest, ViolationExplainsTheWindowAndWritesHtml) {
  std::string file = Write("stale.jsonl", kStaleRead);
  std::string html = (dir_ / "out.html").string();
  EXPECT_EQ(Run({file, "--html", html}), 1) << err_;
  EXPECT_NE(out_.find("not linearizable (model register"), std::string::npos) << out_;
  EXPECT_NE(out_.find("process 1 read -> ok 1"), std::string::npos) << out_;
  EXPECT_NE(out_.find("States in which it was due: 2;"), std::string::npos) << out_;
  std::ifstream in(html);
  std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(page.find("<svg"), std::string::npos);
  EXPECT_NE(page.find("cannot be linearized"), std::string::npos);

  EXPECT_EQ(Run({file, "--json"}), 1);
  Datum json;
  SourceError perr;
  ASSERT_TRUE(ParseJson(out_, &json, &perr)) << perr.ToString() << "\n" << out_;
  EXPECT_EQ(json.Find("verdict")->text(), "not-linearizable");
  const Datum* cx = json.Find("counterexample");
  ASSERT_NE(cx, nullptr);
  EXPECT_EQ(cx->Find("failed_op")->Find("invoke_line")->int_value(), 6);
  // --model overrides the header.
  EXPECT_EQ(Run({file, "--model", "counter"}), 3);
  EXPECT_NE(err_.find("model counter has no operation 'write'"), std::string::npos) << err_;
}

TEST_F(CliTest, ExternalViolation) {
  EXPECT_EQ(Run({kData + "/knossos/cas-register/bad/cas-failure.edn"}), 1);
  // Upstream pins the first illegal operation: process 70's :ok :read 0.
  EXPECT_NE(out_.find("process 70 read -> ok 0"), std::string::npos) << out_;
}

TEST_F(CliTest, BudgetExhaustedIsUnknown) {
  EXPECT_EQ(Run({kData + "/porcupine/kv/c50-ok.txt", "--max-memory", "1K"}), 2) << out_ << err_;
  EXPECT_EQ(out_.rfind("unknown", 0), 0u) << out_;
  EXPECT_NE(out_.find("memory budget exhausted"), std::string::npos) << out_;
}

TEST_F(CliTest, BadInputNamesLineAndColumn) {
  std::string file = Write("bad.jsonl",
                           "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}\n"
                           "{\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"value\":[1,}\n");
  EXPECT_EQ(Run({file, "--model", "register"}), 3);
  EXPECT_NE(err_.find("bad.jsonl: line 2, column 48: unexpected character"), std::string::npos)
      << err_;
  EXPECT_EQ(Run({file, "--json", "--model", "register"}), 3);
  EXPECT_NE(out_.find("\"verdict\":\"bad-input\""), std::string::npos) << out_;
  EXPECT_EQ(Run({(dir_ / "missing.jsonl").string()}), 3);
  EXPECT_NE(err_.find("cannot open"), std::string::npos);
  std::string no_model =
      Write("nomodel.jsonl", "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}\n");
  EXPECT_EQ(Run({no_model}), 3);
  EXPECT_NE(err_.find("no model"), std::string::npos) << err_;
  EXPECT_EQ(Run({no_model, "--model", "nonsense"}), 3);
  EXPECT_NE(err_.find("unknown model 'nonsense'"), std::string::npos) << err_;
}

TEST_F(CliTest, Options) {
  EXPECT_EQ(Run({}), 3);
  EXPECT_EQ(Run({"--bogus"}), 3);
  EXPECT_EQ(Run({"a", "b"}), 3);
  EXPECT_EQ(Run({"a", "--timeout", "soon"}), 3);
  EXPECT_EQ(Run({"a", "--format", "xml"}), 3);
  EXPECT_EQ(Run({"--help"}), 0);
  EXPECT_EQ(Run({"--list-models"}), 0);
  EXPECT_NE(out_.find("knossos-multi-register"), std::string::npos);
  std::string file = Write("log.txt", kStaleRead);
  EXPECT_EQ(Run({file, "--format", "jsonl", "--timeout", "500ms"}), 1);
  EXPECT_EQ(Run({file, "--format", "edn"}), 3);  // wrong format: an error, not a verdict
}

}  // namespace
}  // namespace redsim::checkers
