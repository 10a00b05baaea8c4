// BrokerConnection against the in-test FakeBroker (real sockets on 127.0.0.1).
#include "coordinator/controller/channel/broker_connection.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

#include "coordinator/controller/channel/tests/fake_broker.h"

namespace kb::coordinator::controller {
namespace {

using testing::Action;
using testing::FakeBroker;
using namespace std::chrono_literals;

const std::vector<uint8_t> kBody = {1, 2, 3, 4, 5};

TEST(BrokerConnectionTest, RoundtripReturnsTheBodyAfterTheResponseHeader) {
  FakeBroker server;
  BrokerConnection connection("127.0.0.1", server.port(), "tester", 5000ms);
  EXPECT_FALSE(connection.is_connected());
  // UpdateMetadata v6 is flexible (request header v2, response header v1); v5 is not.
  EXPECT_EQ(connection.roundtrip(6, 6, kBody), kBody);
  EXPECT_EQ(connection.roundtrip(6, 5, kBody), kBody);
  EXPECT_TRUE(connection.is_connected());

  auto received = server.received();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0].api_key, 6);
  EXPECT_EQ(received[0].api_version, 6);
  EXPECT_EQ(received[0].client_id, std::optional<std::string>("tester"));
  EXPECT_EQ(received[0].body, kBody);
  EXPECT_EQ(received[1].api_version, 5);
  EXPECT_EQ(received[1].body, kBody);
  EXPECT_NE(received[0].correlation_id, received[1].correlation_id);
  EXPECT_EQ(server.connections_accepted(), 1);  // the connection is reused
}

TEST(BrokerConnectionTest, ControlledShutdownV0UsesHeaderWithoutClientId) {
  FakeBroker server;
  BrokerConnection connection("127.0.0.1", server.port(), "tester", 5000ms);
  EXPECT_EQ(connection.roundtrip(7, 0, kBody), kBody);
  EXPECT_EQ(connection.roundtrip(7, 3, kBody), kBody);  // flexible
  auto received = server.received();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0].client_id, std::nullopt);
  EXPECT_EQ(received[0].body, kBody);
  EXPECT_EQ(received[1].client_id, std::optional<std::string>("tester"));
}

TEST(BrokerConnectionTest, ConnectionRefusedThrows) {
  BrokerConnection connection("127.0.0.1", testing::unused_port(), "tester", 5000ms);
  EXPECT_THROW(connection.roundtrip(6, 6, kBody), std::runtime_error);
  EXPECT_FALSE(connection.is_connected());
}

TEST(BrokerConnectionTest, CorrelationMismatchThrowsAndCloses) {
  FakeBroker server;
  server.set_policy([](const testing::ReceivedRequest&) { return Action::kWrongCorrelation; });
  BrokerConnection connection("127.0.0.1", server.port(), "tester", 5000ms);
  EXPECT_THROW(connection.roundtrip(6, 6, kBody), std::runtime_error);
  EXPECT_FALSE(connection.is_connected());
}

TEST(BrokerConnectionTest, UnansweredRequestTimesOut) {
  FakeBroker server;
  server.set_policy([](const testing::ReceivedRequest&) { return Action::kHang; });
  BrokerConnection connection("127.0.0.1", server.port(), "tester", 300ms);
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(connection.roundtrip(6, 6, kBody), std::runtime_error);
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, 250ms);
  EXPECT_LT(elapsed, 5s);
}

TEST(BrokerConnectionTest, ReconnectsAfterTheServerDropsTheConnection) {
  FakeBroker server;
  int calls = 0;
  server.set_policy([&](const testing::ReceivedRequest&) {
    return ++calls == 1 ? Action::kDrop : Action::kRespond;
  });
  BrokerConnection connection("127.0.0.1", server.port(), "tester", 5000ms);
  EXPECT_THROW(connection.roundtrip(6, 6, kBody), std::runtime_error);
  EXPECT_EQ(connection.roundtrip(6, 6, kBody), kBody);
  EXPECT_EQ(server.connections_accepted(), 2);
}

TEST(BrokerConnectionTest, InterruptAbortsABlockedRoundtrip) {
  FakeBroker server;
  server.set_policy([](const testing::ReceivedRequest&) { return Action::kHang; });
  BrokerConnection connection("127.0.0.1", server.port(), "tester", 30000ms);
  std::thread interrupter([&] {
    server.wait_for_requests(1, 5s);
    connection.interrupt();
  });
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(connection.roundtrip(6, 6, kBody), std::runtime_error);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  interrupter.join();
  // Interrupted for good.
  EXPECT_THROW(connection.roundtrip(6, 6, kBody), std::runtime_error);
}

}  // namespace
}  // namespace kb::coordinator::controller
