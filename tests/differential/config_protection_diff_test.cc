// Differential test of CONFIG SET's protections against the real redis-server: immutable
// parameters are refused, and protected ones (dir, dbfilename: with SAVE they write files
// anywhere) unless enable-protected-configs allows them ("yes", or "local" from the loopback
// address); for every parameter name, with Redis's error texts.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/differential.h"

namespace redsim::testing {
namespace {

std::string Report(const std::vector<std::string>& mismatches) {
  std::string out;
  for (const auto& m : mismatches) out += m + "\n";
  return out;
}

// What CONFIG SET name <current value> says about protection: the refusal text, or "settable"
// (accepted, or refused for another reason such as a value redsim cannot honour).
std::string ProtectionOf(RespClient& conn, const std::string& name) {
  RespValue current = conn.Call({"CONFIG", "GET", name});
  std::string value = current.type == RespValue::Type::kArray && current.elements.size() == 2
                          ? current.elements[1].str
                          : "";
  RespValue reply = conn.Call({"CONFIG", "SET", name, value});
  if (reply.is_error() && (reply.str.find("immutable config") != std::string::npos ||
                           reply.str.find("protected config") != std::string::npos)) {
    return reply.str;
  }
  return "settable";
}

std::vector<std::string> ParameterNames(RespClient& conn) {
  RespValue all = conn.Call({"CONFIG", "GET", "*"});
  std::vector<std::string> names;
  for (size_t i = 0; i + 1 < all.elements.size(); i += 2) names.push_back(all.elements[i].str);
  return names;
}

std::vector<std::string> ProtectionMismatches(DifferentialPair* pair) {
  std::vector<std::string> names = ParameterNames(pair->redsim());
  // Aliases and names CONFIG GET * leaves out are checked too.
  for (const char* extra : {"slaveof", "replicaof", "enable-protected-configs", "dir"}) {
    names.push_back(extra);
  }
  std::vector<std::string> out;
  for (const auto& name : names) {
    std::string redis = ProtectionOf(pair->redis(), name);
    std::string redsim = ProtectionOf(pair->redsim(), name);
    if (redis != redsim) out.push_back(name + ": redis '" + redis + "', redsim '" + redsim + "'");
  }
  return out;
}

TEST(ConfigProtectionDiffTest, ConfigSetRefusesImmutableAndProtectedParametersAsRedis) {
  auto pair = DifferentialPair::Create();
  ASSERT_NE(pair, nullptr);
  auto mismatches = ProtectionMismatches(pair.get());
  EXPECT_TRUE(mismatches.empty()) << Report(mismatches);
  // The classic write-anywhere sequence is refused at its first step.
  auto [redis, redsim] = pair->Run({"CONFIG", "SET", "dir", "/tmp"});
  EXPECT_EQ(redsim.ToString(), redis.ToString());
  EXPECT_TRUE(redsim.is_error());
}

// enable-protected-configs is immutable, takes yes / no / local at startup, and "yes" or
// "local" (our test client is on the loopback address) lets CONFIG SET change dir.
TEST(ConfigProtectionDiffTest, EnableProtectedConfigsAllowsProtectedParameters) {
  for (const char* mode : {"yes", "local", "no"}) {
    auto pair = DifferentialPair::Create({"--enable-protected-configs", mode});
    ASSERT_NE(pair, nullptr) << mode;
    auto mismatches = ProtectionMismatches(pair.get());
    EXPECT_TRUE(mismatches.empty()) << mode << "\n" << Report(mismatches);
    auto [redis, redsim] = pair->Run({"CONFIG", "GET", "enable-protected-configs"});
    EXPECT_EQ(redsim.ToString(), redis.ToString());
    auto [redis_set, redsim_set] = pair->Run({"CONFIG", "SET", "enable-protected-configs", mode});
    EXPECT_EQ(redsim_set.ToString(), redis_set.ToString());
  }
}

}  // namespace
}  // namespace redsim::testing
