// ControllerChannelManager against in-test FakeBrokers (real sockets on 127.0.0.1).
#include "coordinator/controller/channel/channel_manager.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "coordinator/controller/channel/tests/fake_broker.h"

namespace kb::coordinator::controller {
namespace {

using testing::Action;
using testing::FakeBroker;
using testing::ReceivedRequest;
using namespace std::chrono_literals;

constexpr int16_t kKey = 6;  // UpdateMetadata; the channel does not look into bodies
constexpr int16_t kVersion = 6;

EndPoint endpoint(int port) {
  return EndPoint{"PLAINTEXT", "127.0.0.1", port, "PLAINTEXT"};
}

std::vector<uint8_t> body(uint8_t seq) {
  return {seq, 0xAB};
}

// Collects handler calls from the sender threads.
class Responses {
 public:
  ResponseHandler handler(uint8_t seq) {
    return [this, seq](const ChannelResponse& r) {
      std::lock_guard lock(mutex_);
      calls_.push_back({seq, r});
      cv_.notify_all();
    };
  }
  bool wait_for(size_t n, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return calls_.size() >= n; });
  }
  std::vector<std::pair<uint8_t, ChannelResponse>> calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::pair<uint8_t, ChannelResponse>> calls_;
};

TEST(ControllerChannelManagerTest, DeliversInOrderOneAtATime) {
  FakeBroker server;
  Responses responses;
  ControllerChannelManager channel(BrokerId(1), 5000ms, 50ms);
  channel.add_broker(BrokerId(2), endpoint(server.port()));
  constexpr int kCount = 20;
  for (int i = 0; i < kCount; ++i) {
    channel.send(BrokerId(2), kKey, kVersion, body(i), responses.handler(i));
  }
  ASSERT_TRUE(responses.wait_for(kCount));
  auto calls = responses.calls();
  for (int i = 0; i < kCount; ++i) {
    EXPECT_EQ(calls[i].first, i);
    EXPECT_TRUE(calls[i].second.delivered);
    EXPECT_EQ(calls[i].second.api_key, kKey);
    EXPECT_EQ(calls[i].second.api_version, kVersion);
    EXPECT_EQ(calls[i].second.body, body(i));  // the fake broker echoes the request body
  }
  auto received = server.received();
  ASSERT_EQ(received.size(), static_cast<size_t>(kCount));
  for (int i = 0; i < kCount; ++i) {
    EXPECT_EQ(received[i].body, body(i));
    EXPECT_EQ(received[i].client_id, std::optional<std::string>("controller-1-to-broker-2"));
  }
  EXPECT_EQ(server.connections_accepted(), 1);
  EXPECT_EQ(channel.queued_requests(BrokerId(2)), 0u);
}

TEST(ControllerChannelManagerTest, ResendsAfterTheBrokerDropsTheConnectionMidRequest) {
  FakeBroker server;
  int drops_left = 2;  // the fake broker's thread is the only one touching it
  server.set_policy([&](const ReceivedRequest& r) {
    if (r.body == body(3) && drops_left > 0) {
      --drops_left;
      return Action::kDrop;
    }
    return Action::kRespond;
  });
  Responses responses;
  ControllerChannelManager channel(BrokerId(1), 5000ms, 20ms);
  channel.add_broker(BrokerId(2), endpoint(server.port()));
  for (int i = 0; i < 6; ++i)
    channel.send(BrokerId(2), kKey, kVersion, body(i), responses.handler(i));
  ASSERT_TRUE(responses.wait_for(6));
  auto calls = responses.calls();
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(calls[i].first, i);
    EXPECT_TRUE(calls[i].second.delivered);
    EXPECT_EQ(calls[i].second.body, body(i));
  }
  // Request 3 went out three times (two drops), over three connections, and nothing after it
  // was sent before it was answered.
  std::vector<int> sequence;
  for (const auto& r : server.received()) sequence.push_back(r.body[0]);
  EXPECT_EQ(sequence, (std::vector<int>{0, 1, 2, 3, 3, 3, 4, 5}));
  EXPECT_EQ(server.connections_accepted(), 3);
}

TEST(ControllerChannelManagerTest, RemoveBrokerFailsPendingRequestsPromptly) {
  FakeBroker server;
  server.set_policy([](const ReceivedRequest&) { return Action::kHang; });
  Responses responses;
  ControllerChannelManager channel(BrokerId(1), 30000ms, 100ms);
  channel.add_broker(BrokerId(2), endpoint(server.port()));
  for (int i = 0; i < 3; ++i)
    channel.send(BrokerId(2), kKey, kVersion, body(i), responses.handler(i));
  ASSERT_TRUE(server.wait_for_requests(1, 10s));
  EXPECT_EQ(channel.queued_requests(BrokerId(2)), 3u);

  auto start = std::chrono::steady_clock::now();
  channel.remove_broker(BrokerId(2));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);  // not the 30 s socket timeout
  // remove_broker returns after the handlers ran.
  auto calls = responses.calls();
  ASSERT_EQ(calls.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(calls[i].first, i);
    EXPECT_FALSE(calls[i].second.delivered);
    EXPECT_TRUE(calls[i].second.body.empty());
  }
  EXPECT_EQ(channel.queued_requests(BrokerId(2)), 0u);
  EXPECT_EQ(server.received().size(), 1u);  // one at a time: the others were never sent
}

TEST(ControllerChannelManagerTest, ShutdownWithADeadEndpointReturnsPromptly) {
  FakeBroker live;
  Responses responses;
  ControllerChannelManager channel(BrokerId(1), 30000ms, 100ms);
  channel.add_broker(BrokerId(2), endpoint(testing::unused_port()));
  channel.add_broker(BrokerId(3), endpoint(live.port()));
  channel.send(BrokerId(2), kKey, kVersion, body(0), responses.handler(0));
  channel.send(BrokerId(3), kKey, kVersion, body(1), responses.handler(1));
  ASSERT_TRUE(responses.wait_for(1));  // broker 3 answers; broker 2 keeps retrying
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(channel.queued_requests(BrokerId(2)), 1u);

  auto start = std::chrono::steady_clock::now();
  channel.shutdown();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  auto calls = responses.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].first, 1);
  EXPECT_TRUE(calls[0].second.delivered);
  EXPECT_EQ(calls[1].first, 0);
  EXPECT_FALSE(calls[1].second.delivered);

  // Nothing runs after shutdown, not even for new sends.
  channel.send(BrokerId(3), kKey, kVersion, body(2), responses.handler(2));
  channel.add_broker(BrokerId(4), endpoint(live.port()));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(responses.calls().size(), 2u);
}

TEST(ControllerChannelManagerTest, NewEndpointForAnExistingBrokerGetsTheInFlightRequest) {
  FakeBroker old_endpoint;
  old_endpoint.set_policy([](const ReceivedRequest&) { return Action::kHang; });
  FakeBroker new_endpoint;
  Responses responses;
  ControllerChannelManager channel(BrokerId(1), 30000ms, 100ms);
  channel.add_broker(BrokerId(2), endpoint(old_endpoint.port()));
  channel.send(BrokerId(2), kKey, kVersion, body(7), responses.handler(7));
  ASSERT_TRUE(old_endpoint.wait_for_requests(1, 10s));

  channel.add_broker(BrokerId(2), endpoint(new_endpoint.port()));
  ASSERT_TRUE(responses.wait_for(1, 5s));
  auto calls = responses.calls();
  EXPECT_TRUE(calls[0].second.delivered);
  EXPECT_EQ(calls[0].second.body, body(7));
  ASSERT_EQ(new_endpoint.received().size(), 1u);
  EXPECT_EQ(new_endpoint.received()[0].body, body(7));
}

TEST(ControllerChannelManagerTest, SameEndpointAgainKeepsTheConnection) {
  FakeBroker server;
  Responses responses;
  ControllerChannelManager channel(BrokerId(1), 5000ms, 100ms);
  channel.add_broker(BrokerId(2), endpoint(server.port()));
  channel.send(BrokerId(2), kKey, kVersion, body(0), responses.handler(0));
  ASSERT_TRUE(responses.wait_for(1));
  channel.add_broker(BrokerId(2), endpoint(server.port()));
  channel.send(BrokerId(2), kKey, kVersion, body(1), responses.handler(1));
  ASSERT_TRUE(responses.wait_for(2));
  EXPECT_EQ(server.connections_accepted(), 1);
}

TEST(ControllerChannelManagerTest, SendToUnknownBrokerIsNotDelivered) {
  Responses responses;
  ControllerChannelManager channel(BrokerId(1));
  channel.send(BrokerId(5), kKey, kVersion, body(0), responses.handler(0));
  auto calls = responses.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_FALSE(calls[0].second.delivered);
  // An empty handler is allowed.
  channel.send(BrokerId(5), kKey, kVersion, body(1), nullptr);
}

TEST(ControllerChannelManagerTest, ReconnectsWhenTheBrokerComesBack) {
  // Start with a dead port, then bring up a broker and point the channel at it (as a
  // re-registration would): the queued request is delivered.
  Responses responses;
  ControllerChannelManager channel(BrokerId(1), 5000ms, 20ms);
  channel.add_broker(BrokerId(2), endpoint(testing::unused_port()));
  channel.send(BrokerId(2), kKey, kVersion, body(0), responses.handler(0));
  std::this_thread::sleep_for(200ms);
  EXPECT_TRUE(responses.calls().empty());
  FakeBroker server;
  channel.add_broker(BrokerId(2), endpoint(server.port()));
  ASSERT_TRUE(responses.wait_for(1));
  EXPECT_TRUE(responses.calls()[0].second.delivered);
}

}  // namespace
}  // namespace kb::coordinator::controller
