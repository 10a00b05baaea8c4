#pragma once
// The real ControllerChannel (Kafka's ControllerChannelManager): one sender thread per broker
// (Kafka's RequestSendThread) with its own FIFO queue. A sender sends one request at a time over
// a BrokerConnection and waits for the answer; on any connection error it closes, waits
// `reconnect_backoff`, reconnects and resends the same request, until the broker answers or is
// removed. Reference: kafka-zookeeper-mode.md §3.4.
//
// Thread-safety: every public method may be called from any thread (see channel.h). Handlers
// run on the broker's sender thread, except those of requests that can never be sent (unknown
// target, or after shutdown): they run inline in send() with delivered = false.
// remove_broker() and shutdown() must not be called from a handler of the same broker.
#include <chrono>
#include <map>
#include <memory>
#include <mutex>

#include "coordinator/controller/channel.h"

namespace kb::coordinator::controller {

struct ChannelManagerOptions {
  std::chrono::milliseconds socket_timeout{30000};   // controller.socket.timeout.ms
  std::chrono::milliseconds reconnect_backoff{100};  // Kafka's fixed retry backoff
};

class ControllerChannelManager : public ControllerChannel {
 public:
  // `controller_id` names the connections: client id "controller-<id>-to-broker-<n>".
  explicit ControllerChannelManager(BrokerId controller_id, ChannelManagerOptions options = {});
  ControllerChannelManager(BrokerId controller_id, std::chrono::milliseconds socket_timeout,
                           std::chrono::milliseconds reconnect_backoff);
  ~ControllerChannelManager() override;  // shutdown()
  ControllerChannelManager(const ControllerChannelManager&) = delete;
  ControllerChannelManager& operator=(const ControllerChannelManager&) = delete;

  void add_broker(BrokerId id, const EndPoint& endpoint) override;
  void remove_broker(BrokerId id) override;
  void send(BrokerId target, int16_t api_key, int16_t api_version, std::vector<uint8_t> body,
            ResponseHandler handler) override;
  void shutdown() override;

  // Requests queued or in flight for `id` (0 when unknown). For tests and metrics.
  size_t queued_requests(BrokerId id) const;

  class Sender;  // one per broker; defined in the .cc

 private:
  BrokerId controller_id_;
  ChannelManagerOptions options_;
  mutable std::mutex mutex_;
  bool shut_down_ = false;
  std::map<BrokerId, std::shared_ptr<Sender>> senders_;
};

}  // namespace kb::coordinator::controller
