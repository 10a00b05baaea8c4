#pragma once
// The broker process: owns every component and runs Kafka's startup order (ZooKeeper, cluster
// id, logs, sockets, registration, metadata) and the reverse on shutdown.
//
// Thread safety: start() and shutdown() are called from the main thread only.
#include <memory>
#include <string>
#include <vector>

namespace kb::config {
class ConfigValues;
}

namespace kb::broker {

struct Listener {
  std::string name;
  std::string host;
  int port = 0;
};

// Parses "NAME://host:port[,NAME://host:port...]"; throws std::invalid_argument with a one-line
// reason.
std::vector<Listener> parse_listeners(const std::string& text);

class KafkaServer {
 public:
  explicit KafkaServer(const config::ConfigValues& config);
  ~KafkaServer();
  // Throws std::runtime_error with a one-line message when the broker cannot start.
  void start();
  void shutdown();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kb::broker
