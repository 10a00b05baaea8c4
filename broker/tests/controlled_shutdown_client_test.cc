// ControlledShutdownClient's retry loop against a scripted controller.
#include <gtest/gtest.h>

#include <deque>

#include "broker/controlled_shutdown_client.h"
#include "common/config/broker_config.h"
#include "protocol/messages/controlled_shutdown.h"

namespace kb::broker {
namespace {

std::vector<uint8_t> encode_response(ErrorCode error, std::vector<TopicPartition> remaining,
                                     int16_t version) {
  protocol::ControlledShutdownResponse r;
  r.error_code = to_wire(error);
  for (const auto& tp : remaining) r.remaining_partitions.push_back({tp.topic, tp.partition});
  protocol::OutBuffer out;
  protocol::Writer w(out);
  r.encode(w, version);
  return out.flatten();
}

struct ScriptedController {
  // One entry per expected request: an answer, or nullopt for an I/O error.
  std::deque<std::optional<std::pair<ErrorCode, std::vector<TopicPartition>>>> answers;
  std::vector<protocol::ControlledShutdownRequest> requests;
  std::vector<int16_t> versions;
  std::vector<ControllerAddress> targets;

  ControlledShutdownClient::RoundTrip round_trip() {
    return [this](const ControllerAddress& to, int16_t key, int16_t version,
                  std::span<const uint8_t> body) -> std::vector<uint8_t> {
      EXPECT_EQ(key, 7);
      protocol::Reader r(body.data(), body.size());
      protocol::ControlledShutdownRequest req;
      req.decode(r, version);
      requests.push_back(req);
      versions.push_back(version);
      targets.push_back(to);
      if (answers.empty()) throw std::runtime_error("unexpected request");
      auto answer = answers.front();
      answers.pop_front();
      if (!answer) throw std::runtime_error("connection reset");
      return encode_response(answer->first, answer->second, version);
    };
  }
};

ControlledShutdownSettings fast_settings(int retries) {
  ControlledShutdownSettings s;
  s.max_retries = retries;
  s.retry_backoff = std::chrono::milliseconds(1);
  return s;
}

ControlledShutdownClient::Locator fixed_controller() {
  return [] { return std::optional<ControllerAddress>(ControllerAddress{BrokerId(0), "c", 9}); };
}

TEST(ControlledShutdownClient, SucceedsWhenNothingRemains) {
  ScriptedController controller;
  controller.answers.push_back(std::make_pair(ErrorCode::kNone, std::vector<TopicPartition>{}));
  ControlledShutdownClient client(
      BrokerId(3), [] { return BrokerEpoch(42); }, fast_settings(3), fixed_controller(),
      controller.round_trip());
  EXPECT_TRUE(client.run());
  ASSERT_EQ(controller.requests.size(), 1u);
  EXPECT_EQ(controller.requests[0].broker_id, 3);
  EXPECT_EQ(controller.requests[0].broker_epoch, 42);
  EXPECT_EQ(controller.versions[0], 3);
  EXPECT_EQ(controller.targets[0].host, "c");
}

TEST(ControlledShutdownClient, RetriesWhilePartitionsRemainOrErrorsOccur) {
  ScriptedController controller;
  controller.answers.push_back(
      std::make_pair(ErrorCode::kNone, std::vector<TopicPartition>{{"t", 0}}));
  controller.answers.push_back(std::nullopt);  // I/O error
  controller.answers.push_back(
      std::make_pair(ErrorCode::kNotController, std::vector<TopicPartition>{}));
  controller.answers.push_back(std::make_pair(ErrorCode::kNone, std::vector<TopicPartition>{}));
  ControlledShutdownClient client(
      BrokerId(3), [] { return BrokerEpoch(42); }, fast_settings(4), fixed_controller(),
      controller.round_trip());
  EXPECT_TRUE(client.run());
  EXPECT_EQ(controller.requests.size(), 4u);
}

TEST(ControlledShutdownClient, GivesUpAfterMaxRetries) {
  ScriptedController controller;
  for (int i = 0; i < 5; ++i)
    controller.answers.push_back(
        std::make_pair(ErrorCode::kNone, std::vector<TopicPartition>{{"t", 1}}));
  ControlledShutdownClient client(
      BrokerId(3), [] { return BrokerEpoch(42); }, fast_settings(2), fixed_controller(),
      controller.round_trip());
  EXPECT_FALSE(client.run());
  EXPECT_EQ(controller.requests.size(), 2u);
}

TEST(ControlledShutdownClient, LooksTheControllerUpEveryAttempt) {
  ScriptedController controller;
  controller.answers.push_back(std::nullopt);
  controller.answers.push_back(std::make_pair(ErrorCode::kNone, std::vector<TopicPartition>{}));
  int lookups = 0;
  ControlledShutdownClient::Locator locator = [&]() -> std::optional<ControllerAddress> {
    ++lookups;
    if (lookups == 1) return std::nullopt;  // no controller registered yet
    return ControllerAddress{BrokerId(lookups), "c" + std::to_string(lookups), 9};
  };
  ControlledShutdownClient client(
      BrokerId(3), [] { return BrokerEpoch(1); }, fast_settings(3), locator,
      controller.round_trip());
  EXPECT_TRUE(client.run());
  EXPECT_EQ(lookups, 3);
  ASSERT_EQ(controller.targets.size(), 2u);
  EXPECT_EQ(controller.targets[0].host, "c2");
  EXPECT_EQ(controller.targets[1].host, "c3");
}

TEST(ControlledShutdownClient, FallsBackToLowerVersionOnUnsupportedVersion) {
  ScriptedController controller;
  controller.answers.push_back(
      std::make_pair(ErrorCode::kUnsupportedVersion, std::vector<TopicPartition>{}));
  controller.answers.push_back(std::make_pair(ErrorCode::kNone, std::vector<TopicPartition>{}));
  ControlledShutdownClient client(
      BrokerId(3), [] { return BrokerEpoch(9); }, fast_settings(1), fixed_controller(),
      controller.round_trip());
  EXPECT_TRUE(client.run());
  EXPECT_EQ(controller.versions, (std::vector<int16_t>{3, 2}));
}

TEST(ControlledShutdownClient, DisabledDoesNothing) {
  ScriptedController controller;
  auto settings = fast_settings(3);
  settings.enable = false;
  ControlledShutdownClient client(
      BrokerId(3), [] { return BrokerEpoch(9); }, settings, fixed_controller(),
      controller.round_trip());
  EXPECT_FALSE(client.run());
  EXPECT_TRUE(controller.requests.empty());
}

TEST(ControlledShutdownVersion, FollowsInterBrokerProtocolVersion) {
  EXPECT_EQ(controlled_shutdown_version("2.4-IV1"), 3);
  EXPECT_EQ(controlled_shutdown_version("2.4"), 3);
  EXPECT_EQ(controlled_shutdown_version("2.8-IV1"), 3);
  EXPECT_EQ(controlled_shutdown_version("3.0"), 3);
  EXPECT_EQ(controlled_shutdown_version("2.4-IV0"), 2);
  EXPECT_EQ(controlled_shutdown_version("2.2-IV0"), 2);
  EXPECT_EQ(controlled_shutdown_version("2.3"), 2);
  EXPECT_EQ(controlled_shutdown_version("2.1-IV2"), 1);
  EXPECT_EQ(controlled_shutdown_version("0.10.2"), 1);
  EXPECT_EQ(controlled_shutdown_version("1.1"), 1);
}

TEST(ControlledShutdownSettingsTest, ReadFromBrokerConfig) {
  auto broker = config::parse_broker_config({{"zookeeper.connect", "zk:2181"},
                                             {"controlled.shutdown.max.retries", "7"},
                                             {"controlled.shutdown.retry.backoff.ms", "250"},
                                             {"inter.broker.protocol.version", "2.2"}},
                                            nullptr);
  auto s = controlled_shutdown_settings(broker);
  EXPECT_TRUE(s.enable);
  EXPECT_EQ(s.max_retries, 7);
  EXPECT_EQ(s.retry_backoff, std::chrono::milliseconds(250));
  EXPECT_EQ(s.request_timeout, std::chrono::milliseconds(30000));
  EXPECT_EQ(s.inter_broker_listener, "PLAINTEXT");
  EXPECT_EQ(s.request_version, 2);
}

}  // namespace
}  // namespace kb::broker
