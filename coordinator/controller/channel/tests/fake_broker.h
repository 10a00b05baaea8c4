#pragma once
// A tiny Kafka-protocol server for the channel tests: listens on 127.0.0.1 (ephemeral port),
// serves one connection at a time, decodes each request frame's header and lets the test's
// policy decide whether to answer (echoing the body), drop the connection, or never answer.
//
// Thread-safety: the accessors and set_policy() may be called from any thread.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace kb::coordinator::controller::testing {

struct ReceivedRequest {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::optional<std::string> client_id;
  std::vector<uint8_t> body;
  int connection = 0;  // 1 for the first accepted connection, 2 for the next...
};

enum class Action {
  kRespond,           // response header + the request body echoed
  kDrop,              // close the connection without answering
  kHang,              // never answer (keep the connection open)
  kWrongCorrelation,  // answer with correlation id + 1
};

class FakeBroker {
 public:
  using Policy = std::function<Action(const ReceivedRequest&)>;
  FakeBroker();
  ~FakeBroker();
  FakeBroker(const FakeBroker&) = delete;
  FakeBroker& operator=(const FakeBroker&) = delete;

  int port() const { return port_; }
  void set_policy(Policy policy);
  std::vector<ReceivedRequest> received() const;
  int connections_accepted() const { return accepted_.load(); }
  // Waits until at least `n` requests were received; false on timeout.
  bool wait_for_requests(size_t n, std::chrono::milliseconds timeout) const;

 private:
  void serve();
  void serve_connection(int fd, int connection);

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::atomic<int> current_fd_{-1};
  mutable std::mutex mutex_;
  mutable std::condition_variable cv_;
  Policy policy_;
  std::vector<ReceivedRequest> received_;
  std::thread thread_;
};

// A port on 127.0.0.1 where nothing listens (bound then closed).
int unused_port();

}  // namespace kb::coordinator::controller::testing
