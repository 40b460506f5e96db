// The simulated network: TCP-like streams, refusals, partitions (held traffic, connect
// timeouts), resets on crash, flow control.
#include "netsim/network.h"

#include <gtest/gtest.h>

namespace redsim::netsim {
namespace {

using sim::HostId;
using sim::Simulator;

// Collects what arrives on a stream.
struct Collector : StreamHandler {
  Stream* stream = nullptr;
  std::string data;
  bool eof = false, error = false;
  int writable = 0;
  void OnReadable() override {
    char buf[4096];
    while (true) {
      IoResult r = stream->Read(buf, sizeof(buf));
      if (r.kind == IoResult::kOk)
        data.append(buf, r.bytes);
      else {
        if (r.kind == IoResult::kEof) eof = true;
        if (r.kind == IoResult::kError) error = true;
        break;
      }
    }
  }
  void OnWritable() override { writable++; }
};

struct Acceptor : AcceptHandler {
  std::vector<std::unique_ptr<Stream>> streams;
  std::vector<std::unique_ptr<Collector>> collectors;
  void OnAccept(std::unique_ptr<Stream> s) override {
    auto c = std::make_unique<Collector>();
    c->stream = s.get();
    s->SetHandler(c.get());
    streams.push_back(std::move(s));
    collectors.push_back(std::move(c));
  }
};

struct Fixture {
  Simulator sim{11};
  Network net{&sim, 22};
  HostId a = sim.AddHost("a", "10.0.0.1");
  HostId b = sim.AddHost("b", "10.0.0.2");
  Acceptor acceptor;
  std::unique_ptr<Listener> listener;
  std::unique_ptr<Stream> client;
  Collector client_side;
  Status connect_status;
  bool connected = false;

  Fixture() { EXPECT_TRUE(net.Listen(b, 6379, &acceptor, &listener).ok()); }
  void Connect(int port = 6379, int64_t timeout_ns = 1'000'000'000) {
    net.Connect(a, "10.0.0.2", port, timeout_ns, [this](Status s, std::unique_ptr<Stream> st) {
      connect_status = s;
      connected = true;
      client = std::move(st);
      if (client) {
        client_side.stream = client.get();
        client->SetHandler(&client_side);
      }
    });
  }
  void RunFor(int64_t ns) { sim.RunUntil(sim.now_ns() + ns); }
};

TEST(Network, BytesArriveInOrder) {
  Fixture f;
  f.Connect();
  f.RunFor(10'000'000);
  ASSERT_TRUE(f.connect_status.ok());
  std::string sent;
  for (int i = 0; i < 200; i++) {
    std::string chunk = "msg" + std::to_string(i) + ";";
    sent += chunk;
    ASSERT_EQ(f.client->Write(chunk.data(), chunk.size()).kind, IoResult::kOk);
    f.RunFor(1000);  // writes spread over time, latencies random
  }
  f.RunFor(100'000'000);
  ASSERT_EQ(f.acceptor.collectors.size(), 1u);
  EXPECT_EQ(f.acceptor.collectors[0]->data, sent);
}

TEST(Network, ConnectWithoutListenerIsRefused) {
  Fixture f;
  f.Connect(7000);
  f.RunFor(10'000'000);
  ASSERT_TRUE(f.connected);
  EXPECT_EQ(f.connect_status.code(), Status::kRefused);
}

TEST(Network, PartitionDropsSynsSoConnectTimesOut) {
  Fixture f;
  f.net.Isolate(f.b);
  f.Connect(6379, 500'000'000);
  f.RunFor(400'000'000);
  EXPECT_FALSE(f.connected);
  f.RunFor(200'000'000);
  ASSERT_TRUE(f.connected);
  EXPECT_EQ(f.connect_status.code(), Status::kTimedOut);
}

TEST(Network, PartitionHoldsTrafficUntilHeal) {
  Fixture f;
  f.Connect();
  f.RunFor(10'000'000);
  f.net.Partition({{f.a}, {f.b}});
  f.client->Write("ping", 4);
  f.RunFor(5'000'000'000);
  EXPECT_EQ(f.acceptor.collectors[0]->data, "");
  f.net.Heal();
  f.RunFor(10'000'000);
  EXPECT_EQ(f.acceptor.collectors[0]->data, "ping");
}

TEST(Network, OneWayBlockAffectsOneDirection) {
  Fixture f;
  f.Connect();
  f.RunFor(10'000'000);
  f.net.BlockOneWay(f.a, f.b);
  f.client->Write("to-b", 4);
  f.acceptor.streams[0]->Write("to-a", 4);
  f.RunFor(10'000'000);
  EXPECT_EQ(f.acceptor.collectors[0]->data, "");
  EXPECT_EQ(f.client_side.data, "to-a");
}

TEST(Network, CrashedPeerResetsConnection) {
  Fixture f;
  f.Connect();
  f.RunFor(10'000'000);
  f.net.ResetHost(f.b);
  f.RunFor(10'000'000);
  EXPECT_TRUE(f.client_side.error);
}

TEST(Network, CloseDeliversEof) {
  Fixture f;
  f.Connect();
  f.RunFor(10'000'000);
  f.client->Write("bye", 3);
  f.client->Close();
  f.RunFor(10'000'000);
  EXPECT_EQ(f.acceptor.collectors[0]->data, "bye");
  EXPECT_TRUE(f.acceptor.collectors[0]->eof);
}

TEST(Network, WindowBoundsUnreadBytes) {
  Fixture f;
  f.net.set_window_bytes(1000);
  f.Connect();
  f.RunFor(10'000'000);
  // The server side does not read: stop its handler from draining.
  f.acceptor.streams[0]->SetHandler(nullptr);
  std::string big(600, 'x');
  EXPECT_EQ(f.client->Write(big.data(), big.size()).bytes, 600u);
  IoResult r = f.client->Write(big.data(), big.size());
  EXPECT_EQ(r.bytes, 400u);
  EXPECT_EQ(f.client->Write(big.data(), big.size()).kind, IoResult::kWouldBlock);
  // Reading on the other side opens the window and wakes the writer.
  f.RunFor(10'000'000);
  f.acceptor.streams[0]->SetHandler(f.acceptor.collectors[0].get());
  f.RunFor(10'000'000);
  EXPECT_EQ(f.acceptor.collectors[0]->data.size(), 1000u);
  EXPECT_GE(f.client_side.writable, 1);
}

}  // namespace
}  // namespace redsim::netsim
