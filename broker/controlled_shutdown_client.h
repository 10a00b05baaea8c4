#pragma once
// The broker's side of controlled shutdown (reference §4.7): before stopping, ask the controller
// to move leadership away, retrying while partitions remain led here. Kafka's
// KafkaServer.controlledShutdown.
//
// Thread-safety: run() blocks (ZooKeeper reads, one request at a time, backoff sleeps); call it
// from the thread that shuts the broker down, before the socket server and replica manager stop
// (the controller still sends LeaderAndIsr and StopReplica to this broker meanwhile).
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/error_code.h"
#include "common/types.h"

namespace kb::config {
class ConfigValues;
}
namespace kb::coordinator {
class KafkaZk;
}

namespace kb::broker {

struct ControlledShutdownSettings {
  bool enable = true;                                // controlled.shutdown.enable
  int32_t max_retries = 3;                           // controlled.shutdown.max.retries
  std::chrono::milliseconds retry_backoff{5000};     // controlled.shutdown.retry.backoff.ms
  std::chrono::milliseconds request_timeout{30000};  // controller.socket.timeout.ms
  std::string inter_broker_listener = "PLAINTEXT";   // where the controller is reached
  int16_t request_version = 3;                       // from inter.broker.protocol.version
};
ControlledShutdownSettings controlled_shutdown_settings(const config::ConfigValues& broker);

// ControlledShutdown version for an inter.broker.protocol.version: 3 from 2.4-IV1, 2 from
// 2.2-IV0, otherwise 1.
int16_t controlled_shutdown_version(const std::string& inter_broker_protocol_version);

struct ControllerAddress {
  BrokerId id{-1};
  std::string host;
  int32_t port = 0;
  bool operator==(const ControllerAddress&) const = default;
};

// What one attempt learned from the controller.
struct ControlledShutdownAttempt {
  ErrorCode error = ErrorCode::kNone;
  std::vector<TopicPartition> remaining_partitions;
};

class ControlledShutdownClient {
 public:
  // nullopt: no controller now (or its registration has no usable endpoint).
  using Locator = std::function<std::optional<ControllerAddress>()>;
  // One request/response; returns the response body, throws std::runtime_error on I/O errors.
  using RoundTrip =
      std::function<std::vector<uint8_t>(const ControllerAddress& controller, int16_t api_key,
                                         int16_t api_version, std::span<const uint8_t> body)>;

  ControlledShutdownClient(BrokerId self, std::function<BrokerEpoch()> broker_epoch,
                           ControlledShutdownSettings settings, Locator locator,
                           RoundTrip round_trip);

  // The production wiring: the controller from /controller and /brokers/ids/<id> (the endpoint
  // of settings.inter_broker_listener), requests over a BrokerConnection with client id
  // "<self>". Without the controller channel library, every attempt fails with an I/O error.
  static ControlledShutdownClient over_zookeeper(BrokerId self,
                                                 std::function<BrokerEpoch()> broker_epoch,
                                                 ControlledShutdownSettings settings,
                                                 coordinator::KafkaZk& zk);

  // Returns true when the controller confirmed that no partition is led here any more; false
  // when disabled or the retries ran out (the broker then shuts down anyway, uncleanly).
  bool run();

  // One attempt against `controller` (encodes, sends, decodes).
  ControlledShutdownAttempt attempt(const ControllerAddress& controller);

 private:
  BrokerId self_;
  std::function<BrokerEpoch()> broker_epoch_;
  ControlledShutdownSettings settings_;
  Locator locator_;
  RoundTrip round_trip_;
};

}  // namespace kb::broker
