#include "broker/controlled_shutdown_client.h"

#include <memory>
#include <stdexcept>
#include <thread>
#include <tuple>

#include "common/config/config.h"
#include "common/logging.h"
#include "coordinator/kafka_zk.h"
#include "protocol/messages/controlled_shutdown.h"
#include "protocol/wire.h"
#include "coordinator/controller/channel/broker_connection.h"

namespace kb::broker {

namespace {

constexpr int16_t kControlledShutdownKey = protocol::ControlledShutdownRequest::kApiKey;

// (major, minor, inter-broker-protocol revision); a release without "-IVn" means its last
// revision. "0.10.2" is (0, 10, last), below every 1.x and 2.x release.
std::tuple<int, int, int> ibp_order(const std::string& text) {
  constexpr int kLastRevision = 1000;
  std::string release = text.substr(0, text.find('-'));
  int revision = kLastRevision;
  if (auto iv = text.find("-IV"); iv != std::string::npos)
    revision = std::stoi(text.substr(iv + 3));
  std::vector<int> parts;
  size_t start = 0;
  while (start <= release.size()) {
    size_t dot = release.find('.', start);
    std::string piece = release.substr(start, dot == std::string::npos ? dot : dot - start);
    parts.push_back(piece.empty() ? 0 : std::stoi(piece));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  parts.resize(2, 0);
  return {parts[0], parts[1], revision};
}

}  // namespace

int16_t controlled_shutdown_version(const std::string& inter_broker_protocol_version) {
  try {
    auto v = ibp_order(inter_broker_protocol_version);
    if (v >= std::tuple(2, 4, 1)) return 3;
    if (v >= std::tuple(2, 2, 0)) return 2;
    return 1;
  } catch (const std::exception&) {
    return 3;  // the config validator accepts only known versions; default to ours
  }
}

ControlledShutdownSettings controlled_shutdown_settings(const config::ConfigValues& broker) {
  ControlledShutdownSettings s;
  s.enable = broker.get_bool("controlled.shutdown.enable");
  s.max_retries = broker.get_int("controlled.shutdown.max.retries");
  s.retry_backoff =
      std::chrono::milliseconds(broker.get_long("controlled.shutdown.retry.backoff.ms"));
  s.request_timeout = std::chrono::milliseconds(broker.get_int("controller.socket.timeout.ms"));
  s.inter_broker_listener = broker.is_null("inter.broker.listener.name")
                                ? broker.get_string("security.inter.broker.protocol")
                                : broker.get_string("inter.broker.listener.name");
  s.request_version =
      controlled_shutdown_version(broker.get_string("inter.broker.protocol.version"));
  return s;
}

ControlledShutdownClient::ControlledShutdownClient(BrokerId self,
                                                   std::function<BrokerEpoch()> broker_epoch,
                                                   ControlledShutdownSettings settings,
                                                   Locator locator, RoundTrip round_trip)
    : self_(self),
      broker_epoch_(std::move(broker_epoch)),
      settings_(std::move(settings)),
      locator_(std::move(locator)),
      round_trip_(std::move(round_trip)) {}

ControlledShutdownClient ControlledShutdownClient::over_zookeeper(
    BrokerId self, std::function<BrokerEpoch()> broker_epoch, ControlledShutdownSettings settings,
    coordinator::KafkaZk& zk) {
  std::string listener = settings.inter_broker_listener;
  Locator locator = [&zk, listener]() -> std::optional<ControllerAddress> {
    auto id = zk.get_controller_id();
    if (!id) return std::nullopt;
    auto broker = zk.get_broker(*id);
    if (!broker) return std::nullopt;
    for (const auto& endpoint : broker->first.endpoints) {
      if (endpoint.listener_name == listener)
        return ControllerAddress{*id, endpoint.host, endpoint.port};
    }
    KB_LOG_WARN("server") << "Controller " << id->value() << " has no endpoint for listener "
                          << listener;
    return std::nullopt;
  };
  RoundTrip round_trip;
  // One connection, kept while the controller stays the same and the connection works.
  struct Cached {
    std::optional<ControllerAddress> address;
    std::unique_ptr<coordinator::controller::BrokerConnection> connection;
  };
  auto cached = std::make_shared<Cached>();
  auto timeout = settings.request_timeout;
  std::string client_id = std::to_string(self.value());
  round_trip = [cached, timeout, client_id](const ControllerAddress& controller, int16_t api_key,
                                            int16_t api_version, std::span<const uint8_t> body) {
    if (!cached->connection || cached->address != controller) {
      cached->connection.reset();
      cached->connection = std::make_unique<coordinator::controller::BrokerConnection>(
          controller.host, controller.port, client_id, timeout);
      cached->address = controller;
    }
    try {
      return cached->connection->roundtrip(api_key, api_version, body);
    } catch (...) {
      cached->connection.reset();
      throw;
    }
  };
  return ControlledShutdownClient(self, std::move(broker_epoch), std::move(settings),
                                  std::move(locator), std::move(round_trip));
}

ControlledShutdownAttempt ControlledShutdownClient::attempt(const ControllerAddress& controller) {
  protocol::ControlledShutdownRequest request;
  request.broker_id = self_.value();
  request.broker_epoch = broker_epoch_().value();
  protocol::OutBuffer out;
  protocol::Writer writer(out);
  request.encode(writer, settings_.request_version);
  auto body = out.flatten();
  auto answer = round_trip_(controller, kControlledShutdownKey, settings_.request_version, body);
  protocol::ControlledShutdownResponse response;
  protocol::Reader reader(answer.data(), answer.size());
  response.decode(reader, settings_.request_version);
  ControlledShutdownAttempt result;
  result.error = static_cast<ErrorCode>(response.error_code);
  for (const auto& p : response.remaining_partitions)
    result.remaining_partitions.push_back(TopicPartition{p.topic_name, p.partition_index});
  return result;
}

bool ControlledShutdownClient::run() {
  if (!settings_.enable) return false;
  KB_LOG_INFO("server") << "Starting controlled shutdown of broker " << self_.value();
  int remaining_retries = settings_.max_retries;
  while (remaining_retries > 0) {
    --remaining_retries;
    std::string failure;
    try {
      auto controller = locator_();
      if (!controller) {
        failure = "no controller is registered";
      } else {
        auto result = attempt(*controller);
        if (result.error == ErrorCode::kUnsupportedVersion && settings_.request_version > 1) {
          // An older controller: ask again at the next lower version, without spending a retry.
          --settings_.request_version;
          ++remaining_retries;
          continue;
        }
        if (result.error == ErrorCode::kNone && result.remaining_partitions.empty()) {
          KB_LOG_INFO("server") << "Controlled shutdown of broker " << self_.value()
                                << " succeeded (controller " << controller->id.value() << ")";
          return true;
        }
        failure = "controller " + std::to_string(controller->id.value()) + " answered error " +
                  std::to_string(to_wire(result.error)) + " with " +
                  std::to_string(result.remaining_partitions.size()) +
                  " partition(s) still led here";
        for (const auto& tp : result.remaining_partitions) {
          KB_LOG_INFO("server") << "Remaining partition to move: " << tp.to_string();
        }
      }
    } catch (const std::exception& e) {
      // Leadership moves can take longer than controller.socket.timeout.ms.
      failure = std::string("the request failed: ") + e.what();
    }
    KB_LOG_WARN("server") << "Controlled shutdown attempt failed: " << failure
                          << (remaining_retries > 0 ? "; retrying" : "");
    if (remaining_retries > 0) std::this_thread::sleep_for(settings_.retry_backoff);
  }
  KB_LOG_WARN("server") << "Proceeding to do an unclean shutdown as all the controlled shutdown "
                           "attempts failed";
  return false;
}

}  // namespace kb::broker
