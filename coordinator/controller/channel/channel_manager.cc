#include "coordinator/controller/channel/channel_manager.h"

#include <condition_variable>
#include <deque>
#include <exception>
#include <string>
#include <thread>

#include "common/logging.h"
#include "coordinator/controller/channel/broker_connection.h"

namespace kb::coordinator::controller {
namespace {

constexpr const char* kLogChannel = "controller-channel";

std::string describe(BrokerId id, const EndPoint& endpoint) {
  return "broker " + std::to_string(id.value()) + " (" + endpoint.host + ":" +
         std::to_string(endpoint.port) + ")";
}

void run_handler(const ResponseHandler& handler, const ChannelResponse& response, BrokerId id) {
  if (!handler) return;
  try {
    handler(response);
  } catch (const std::exception& e) {
    // A throwing handler must not kill the sender (the queue behind it would stall forever).
    KB_LOG_ERROR(kLogChannel) << "Response handler for broker " << id << " threw: " << e.what();
  }
}

}  // namespace

// One broker's queue and its sending thread (Kafka's RequestSendThread).
class ControllerChannelManager::Sender {
 public:
  Sender(BrokerId broker, EndPoint endpoint, std::string client_id, ChannelManagerOptions options)
      : broker_(broker),
        client_id_(std::move(client_id)),
        options_(options),
        endpoint_(std::move(endpoint)) {}

  void start() {
    thread_ = std::thread([this] { run(); });
  }

  // Points the sender at a new endpoint; an in-flight request is resent there.
  void set_endpoint(const EndPoint& endpoint) {
    std::shared_ptr<BrokerConnection> in_use;
    {
      std::lock_guard lock(mutex_);
      if (endpoint_ == endpoint) return;
      KB_LOG_INFO(kLogChannel) << "Endpoint of " << describe(broker_, endpoint_) << " changed to "
                               << endpoint.host << ":" << endpoint.port;
      endpoint_ = endpoint;
      ++endpoint_generation_;
      in_use = connection_;
    }
    cv_.notify_all();
    if (in_use) in_use->interrupt();
  }

  void enqueue(int16_t api_key, int16_t api_version, std::vector<uint8_t> body,
               ResponseHandler handler) {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back({api_key, api_version, std::move(body), std::move(handler)});
    }
    cv_.notify_all();
  }

  size_t queued() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
  }

  // Asks the thread to stop and aborts whatever it is blocked in; it then fails the queued
  // requests (delivered = false) and exits. join() waits for that.
  void request_stop() {
    std::shared_ptr<BrokerConnection> in_use;
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      in_use = connection_;
    }
    cv_.notify_all();
    if (in_use) in_use->interrupt();
  }

  void join() {
    if (!thread_.joinable()) return;
    if (thread_.get_id() == std::this_thread::get_id()) {
      // Called from one of our own handlers (against channel.h's advice): joining would deadlock.
      // The thread keeps this Sender alive through its own shared_ptr and exits after the handler.
      thread_.detach();
      return;
    }
    thread_.join();
  }

  void keep_alive(std::shared_ptr<Sender> self) { self_ = std::move(self); }

 private:
  struct Request {
    int16_t api_key;
    int16_t api_version;
    std::vector<uint8_t> body;
    ResponseHandler handler;
  };
  enum class LinkState { kNew, kUp, kDown };

  void run() {
    // Keeps `this` valid if the thread ends up detached (see join()); taken out of the member so
    // that the Sender is freed once both the manager and this thread are done with it.
    std::shared_ptr<Sender> self = std::move(self_);
    std::shared_ptr<BrokerConnection> connection;
    uint64_t connection_generation = 0;
    EndPoint target;
    LinkState state = LinkState::kNew;

    while (true) {
      const Request* request = nullptr;
      {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (stopping_) break;
        if (!connection || connection_generation != endpoint_generation_) {
          connection = std::make_shared<BrokerConnection>(endpoint_.host, endpoint_.port,
                                                          client_id_, options_.socket_timeout);
          connection_generation = endpoint_generation_;
          target = endpoint_;
          connection_ = connection;
        }
        // Only this thread pops, and deque::push_back keeps references valid.
        request = &queue_.front();
      }

      std::vector<uint8_t> response;
      try {
        response = connection->roundtrip(request->api_key, request->api_version, request->body);
      } catch (const std::exception& e) {
        connection->close();
        std::unique_lock lock(mutex_);
        if (stopping_) break;
        if (connection_generation != endpoint_generation_) {
          state = LinkState::kNew;  // moved: reconnect to the new endpoint right away
          continue;
        }
        if (state != LinkState::kDown) {
          KB_LOG_INFO(kLogChannel)
              << "Controller connection to " << describe(broker_, target) << " failed: " << e.what()
              << "; retrying every " << options_.reconnect_backoff.count() << " ms";
          state = LinkState::kDown;
        } else {
          KB_LOG_DEBUG(kLogChannel)
              << "Retry to " << describe(broker_, target) << " failed: " << e.what();
        }
        cv_.wait_for(lock, options_.reconnect_backoff,
                     [&] { return stopping_ || connection_generation != endpoint_generation_; });
        continue;
      }

      if (state != LinkState::kUp) {
        KB_LOG_INFO(kLogChannel) << "Controller connected to " << describe(broker_, target);
        state = LinkState::kUp;
      }
      Request answered;
      {
        std::lock_guard lock(mutex_);
        answered = std::move(queue_.front());
        queue_.pop_front();
      }
      run_handler(
          answered.handler,
          ChannelResponse{true, answered.api_key, answered.api_version, std::move(response)},
          broker_);
    }

    std::deque<Request> unanswered;
    {
      std::lock_guard lock(mutex_);
      unanswered.swap(queue_);
      connection_.reset();
    }
    if (connection) connection->close();
    if (state == LinkState::kUp) {
      KB_LOG_INFO(kLogChannel) << "Controller disconnected from " << describe(broker_, target);
    }
    for (const auto& r : unanswered) {
      run_handler(r.handler, ChannelResponse{false, r.api_key, r.api_version, {}}, broker_);
    }
  }

  const BrokerId broker_;
  const std::string client_id_;
  const ChannelManagerOptions options_;
  std::shared_ptr<Sender> self_;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  EndPoint endpoint_;
  uint64_t endpoint_generation_ = 0;
  bool stopping_ = false;
  std::deque<Request> queue_;
  std::shared_ptr<BrokerConnection> connection_;  // the sender's current one, to interrupt it
  std::thread thread_;
};

ControllerChannelManager::ControllerChannelManager(BrokerId controller_id,
                                                   ChannelManagerOptions options)
    : controller_id_(controller_id), options_(options) {}

ControllerChannelManager::ControllerChannelManager(BrokerId controller_id,
                                                   std::chrono::milliseconds socket_timeout,
                                                   std::chrono::milliseconds reconnect_backoff)
    : ControllerChannelManager(controller_id,
                               ChannelManagerOptions{socket_timeout, reconnect_backoff}) {}

ControllerChannelManager::~ControllerChannelManager() {
  shutdown();
}

void ControllerChannelManager::add_broker(BrokerId id, const EndPoint& endpoint) {
  std::lock_guard lock(mutex_);
  if (shut_down_) return;
  auto it = senders_.find(id);
  if (it != senders_.end()) {
    it->second->set_endpoint(endpoint);
    return;
  }
  std::string client_id = "controller-" + std::to_string(controller_id_.value()) + "-to-broker-" +
                          std::to_string(id.value());
  auto sender = std::make_shared<Sender>(id, endpoint, std::move(client_id), options_);
  sender->keep_alive(sender);
  sender->start();
  senders_.emplace(id, std::move(sender));
  KB_LOG_INFO(kLogChannel) << "Added sender for " << describe(id, endpoint);
}

void ControllerChannelManager::remove_broker(BrokerId id) {
  std::shared_ptr<Sender> sender;
  {
    std::lock_guard lock(mutex_);
    auto it = senders_.find(id);
    if (it == senders_.end()) return;
    sender = std::move(it->second);
    senders_.erase(it);
  }
  sender->request_stop();
  sender->join();
  KB_LOG_INFO(kLogChannel) << "Removed sender for broker " << id;
}

void ControllerChannelManager::send(BrokerId target, int16_t api_key, int16_t api_version,
                                    std::vector<uint8_t> body, ResponseHandler handler) {
  {
    std::lock_guard lock(mutex_);
    if (shut_down_) return;  // nothing may run after shutdown()
    auto it = senders_.find(target);
    if (it != senders_.end()) {
      it->second->enqueue(api_key, api_version, std::move(body), std::move(handler));
      return;
    }
  }
  KB_LOG_WARN(kLogChannel) << "Dropping request (api key " << api_key << ") to broker " << target
                           << ": no channel to it";
  run_handler(handler, ChannelResponse{false, api_key, api_version, {}}, target);
}

void ControllerChannelManager::shutdown() {
  std::map<BrokerId, std::shared_ptr<Sender>> senders;
  {
    std::lock_guard lock(mutex_);
    shut_down_ = true;
    senders.swap(senders_);
  }
  // Stop all first, then join: the senders wind down in parallel.
  for (auto& [id, sender] : senders) sender->request_stop();
  for (auto& [id, sender] : senders) sender->join();
}

size_t ControllerChannelManager::queued_requests(BrokerId id) const {
  std::lock_guard lock(mutex_);
  auto it = senders_.find(id);
  return it == senders_.end() ? 0 : it->second->queued();
}

}  // namespace kb::coordinator::controller
