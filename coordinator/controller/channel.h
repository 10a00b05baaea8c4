#pragma once
// How the controller reaches brokers: one in-order sender per broker (Kafka's
// ControllerChannelManager / RequestSendThread). The controller event loop depends only on this
// interface, so its tests can use a recording fake; the real implementation
// (channel_manager.h) sends Kafka protocol frames over TCP.
//
// Thread-safety: every method may be called from any thread. Handlers run on the sender's own
// thread and must only enqueue work.
#include <cstdint>
#include <functional>
#include <vector>

#include "common/types.h"
#include "coordinator/znodes.h"

namespace kb::coordinator::controller {

struct ChannelResponse {
  // False when the broker was removed (or the channel shut down) before it answered; the body is
  // then empty. Transport errors are not reported: the sender reconnects and resends.
  bool delivered = false;
  int16_t api_key = -1;
  int16_t api_version = -1;
  std::vector<uint8_t> body;  // response body after the response header
};
using ResponseHandler = std::function<void(const ChannelResponse&)>;

class ControllerChannel {
 public:
  virtual ~ControllerChannel() = default;
  // Starts the sender for `id` (or points it at a new endpoint after a re-registration).
  virtual void add_broker(BrokerId id, const EndPoint& endpoint) = 0;
  // Stops the sender; queued requests are answered with delivered = false.
  virtual void remove_broker(BrokerId id) = 0;
  // Queues one request (body already encoded at api_version, without the request header).
  // Requests to one broker go out one at a time in queue order; each is retried over reconnects
  // (with a backoff) until the broker answers or is removed. `handler` may be empty.
  virtual void send(BrokerId target, int16_t api_key, int16_t api_version,
                    std::vector<uint8_t> body, ResponseHandler handler) = 0;
  // Removes every broker; no handler runs after this returns.
  virtual void shutdown() = 0;
};

}  // namespace kb::coordinator::controller
