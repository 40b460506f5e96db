// redsim-server as a program: its command line and config files (unknown directives, features
// not built yet, a file plus overrides), logging (loglevel, logfile), and clean shutdown on
// SIGTERM, SIGINT and SHUTDOWN.
#include <gtest/gtest.h>
#include <signal.h>

#include "tests/integration/integration_util.h"

namespace redsim::testing {
namespace {

class ServerCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/redsim-cli-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { Shell("rm -rf " + dir_); }
  std::string dir_;
};

TEST_F(ServerCliTest, UnknownDirectiveInConfigFileNamesTheLine) {
  std::string conf = dir_ + "/bad.conf";
  WriteFile(conf, "port 0\n# a comment\nbind 127.0.0.1\nfrobnicate yes\n");
  CommandResult r = Shell(RedsimServer() + " " + conf);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(Contains(r.output, "at line 4")) << r.output;
  EXPECT_TRUE(Contains(r.output, ">>> 'frobnicate yes'")) << r.output;
  EXPECT_TRUE(Contains(r.output, "Bad directive or wrong number of arguments")) << r.output;
}

TEST_F(ServerCliTest, UnknownDirectiveOnCommandLineIsRefused) {
  CommandResult r = Shell(RedsimServer() + " --port 0 --no-such-thing 1");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(Contains(r.output, "no-such-thing")) << r.output;
}

TEST_F(ServerCliTest, UnbuiltFeaturesAreRefusedByName) {
  struct Case {
    std::string args, feature;
  };
  // (AOF, RDB snapshots, replication and cluster mode were on this list until they were built.)
  for (const Case& c : {Case{"--tls-port 6380", "TLS"}}) {
    CommandResult r = Shell(RedsimServer() + " --port 0 " + c.args, /*timeout_s=*/10);
    EXPECT_EQ(r.exit_code, 1) << c.args << ": " << r.output;
    EXPECT_TRUE(Contains(r.output, c.feature)) << c.args << ": " << r.output;
  }
  // Their default values are accepted (scripts that spell out defaults keep working).
  int port = ServerProcess::FreePort();
  std::string conf = dir_ + "/defaults.conf";
  WriteFile(conf,
            "appendonly no\nsave \"\"\ncluster-enabled no\nport " + std::to_string(port) + "\n");
  Spawned server({conf}, dir_ + "/defaults.out");
  ASSERT_TRUE(WaitForPort(port)) << ReadFile(dir_ + "/defaults.out");
  RespClient c;
  ASSERT_TRUE(c.Connect(port));
  EXPECT_EQ(c.Call({"CONFIG", "GET", "appendonly"}).elements[1].str, "no");
  c.Call({"SHUTDOWN", "NOSAVE"});
  EXPECT_EQ(server.Wait(5000), 0);
}

TEST_F(ServerCliTest, ConfigFilePlusCommandLineOverrides) {
  int file_port = ServerProcess::FreePort();
  int port = ServerProcess::FreePort();
  std::string conf = dir_ + "/redsim.conf";
  WriteFile(conf, "port " + std::to_string(file_port) + "\ndatabases 4\nhz 20\n" +
                      "requirepass \"from file\"\nloglevel warning\n");
  Spawned server(
      {conf, "--port", std::to_string(port), "--requirepass", "s3cret", "--logfile", dir_ + "/log"},
      dir_ + "/out");
  ASSERT_TRUE(WaitForPort(port)) << ReadFile(dir_ + "/out");
  RespClient c;
  ASSERT_TRUE(c.Connect(port));
  EXPECT_EQ(c.Call({"AUTH", "from file"}).str,
            "WRONGPASS invalid username-password pair or user is disabled.");
  EXPECT_EQ(c.Call({"AUTH", "s3cret"}).str, "OK");
  EXPECT_EQ(c.Call({"CONFIG", "GET", "databases"}).elements[1].str, "4");
  EXPECT_EQ(c.Call({"CONFIG", "GET", "hz"}).elements[1].str, "20");
  EXPECT_EQ(c.Call({"CONFIG", "GET", "loglevel"}).elements[1].str, "warning");
  EXPECT_EQ(c.Call({"SELECT", "4"}).str, "ERR DB index is out of range");
  EXPECT_TRUE(Contains(c.Call({"INFO", "server"}).str, "config_file:" + conf));
  RespClient other;
  EXPECT_FALSE(other.Connect(file_port, 200) &&
               other.Call({"PING"}).type == RespValue::Type::kSimple);
  c.Call({"SHUTDOWN", "NOSAVE"});
  EXPECT_EQ(server.Wait(5000), 0);
}

TEST_F(ServerCliTest, LoglevelAndLogfile) {
  std::string verbose_log = dir_ + "/verbose.log", warning_log = dir_ + "/warning.log";
  for (const auto& [level, log] :
       {std::pair<std::string, std::string>{"verbose", verbose_log}, {"warning", warning_log}}) {
    auto server =
        ServerProcess::Start(ServerProcess::Kind::kRedsim, {"--loglevel", level, "--logfile", log});
    ASSERT_NE(server, nullptr);
    RespClient c;
    ASSERT_TRUE(c.Connect(server->port()));
    EXPECT_EQ(c.Call({"CONFIG", "GET", "loglevel"}).elements[1].str, level);
    c.Close();
    EXPECT_EQ(server->Terminate(), 0);
  }
  std::string verbose = ReadFile(verbose_log), warning = ReadFile(warning_log);
  EXPECT_TRUE(Contains(verbose, "Ready to accept connections")) << verbose;
  EXPECT_TRUE(Contains(verbose, "Accepted 127.0.0.1:")) << verbose;  // a verbose-level line
  EXPECT_FALSE(Contains(warning, "Ready to accept connections")) << warning;
  EXPECT_TRUE(Contains(warning, "Received SIGTERM")) << warning;
  // Lines look like redis-server's: "pid:M 22 Nov 2026 07:32:02.123 * text".
  EXPECT_TRUE(Contains(verbose, ":M ")) << verbose;
}

TEST_F(ServerCliTest, SigtermAndSigintShutDownCleanly) {
  for (int signo : {SIGTERM, SIGINT}) {
    std::string log = dir_ + "/sig" + std::to_string(signo) + ".log";
    auto server = ServerProcess::Start(ServerProcess::Kind::kRedsim, {"--logfile", log});
    ASSERT_NE(server, nullptr);
    RespClient c;
    ASSERT_TRUE(c.Connect(server->port()));
    EXPECT_EQ(c.Call({"SET", "k", "v"}).str, "OK");
    EXPECT_EQ(server->SignalAndWait(signo), 0) << "signal " << signo;
    EXPECT_TRUE(c.WaitClosed(2000));
    std::string text = ReadFile(log);
    EXPECT_TRUE(Contains(text, signo == SIGINT ? "Received SIGINT" : "Received SIGTERM")) << text;
    EXPECT_TRUE(Contains(text, "ready to exit, bye bye")) << text;
  }
}

TEST_F(ServerCliTest, ShutdownCommand) {
  for (const char* mode : {"NOSAVE", "SAVE", ""}) {
    auto server = ServerProcess::Start(ServerProcess::Kind::kRedsim);
    ASSERT_NE(server, nullptr);
    RespClient c;
    ASSERT_TRUE(c.Connect(server->port()));
    std::vector<std::string> cmd = {"SHUTDOWN"};
    if (*mode) cmd.push_back(mode);
    RespValue r = c.Call(cmd);
    // Success closes the connection without a reply, as Redis does.
    EXPECT_TRUE(r.is_error() && Contains(r.str, "connection error")) << mode << " " << r.ToString();
    EXPECT_EQ(server->SignalAndWait(0), 0) << mode;
  }
}

TEST_F(ServerCliTest, VersionAndHelp) {
  CommandResult v = Shell(RedsimServer() + " --version");
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_TRUE(Contains(v.output, "7.0.15")) << v.output;
  CommandResult h = Shell(RedsimServer() + " --help");
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_TRUE(Contains(h.output, "Usage: redsim-server")) << h.output;
  CommandResult missing = Shell(RedsimServer() + " /no/such/file.conf");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(Contains(missing.output, "/no/such/file.conf")) << missing.output;
}

}  // namespace
}  // namespace redsim::testing
