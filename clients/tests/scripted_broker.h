#pragma once
// A scripted in-process "broker" for client unit tests: listens on a loopback port, accepts any
// number of connections (one thread each) and answers every request with the body that
// `answer(header, request body)` returns; an empty body means "stay silent" (the client times
// out). Requests are recorded (api key, version) for the test to inspect.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "clients/client_config.h"
#include "common/testing/loopback.h"
#include "protocol/header.h"
#include "protocol/wire.h"

namespace kb::clients::testing {

class ScriptedBroker {
 public:
  using Answer =
      std::function<std::vector<uint8_t>(const protocol::RequestHeader&, protocol::Reader& body)>;
  explicit ScriptedBroker(Answer answer) : answer_(std::move(answer)) {
    listen_fd_ = kb::testing::listen_on_loopback(&port_);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~ScriptedBroker() {
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    acceptor_.join();
    std::vector<std::thread> workers;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (int fd : conn_fds_) ::shutdown(fd, SHUT_RDWR);
      workers.swap(workers_);
    }
    for (auto& t : workers) t.join();
    for (int fd : conn_fds_) ::close(fd);
  }
  int port() const { return port_; }

  struct Seen {
    int16_t api_key;
    int16_t api_version;
  };
  std::vector<Seen> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }
  std::vector<int16_t> versions_of(int16_t api_key) {
    std::vector<int16_t> out;
    for (const auto& s : requests()) {
      if (s.api_key == api_key) out.push_back(s.api_version);
    }
    return out;
  }

 private:
  void accept_loop() {
    while (true) {
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      std::lock_guard<std::mutex> lock(mu_);
      conn_fds_.push_back(fd);
      workers_.emplace_back([this, fd] { serve(fd); });
    }
  }
  void serve(int fd) {
    while (true) {
      uint8_t sz[4];
      if (!kb::testing::recv_exactly(fd, sz, 4)) return;
      size_t size = (size_t(sz[0]) << 24) | (size_t(sz[1]) << 16) | (size_t(sz[2]) << 8) | sz[3];
      std::vector<uint8_t> frame(size);
      if (!kb::testing::recv_exactly(fd, frame.data(), size)) return;
      protocol::Reader r(frame.data(), frame.size());
      auto header = protocol::decode_request_header(r);
      {
        std::lock_guard<std::mutex> lock(mu_);
        seen_.push_back({header.api_key, header.api_version});
      }
      auto body = answer_(header, r);
      if (body.empty()) continue;
      protocol::OutBuffer out;
      protocol::Writer w(out);
      size_t at = w.reserve_int32();
      // Response header v1 (a tag buffer) for flexible versions, as a real broker sends it.
      protocol::encode_response_header(w, header.correlation_id, header.api_key,
                                       header.api_version);
      w.write_raw(body.data(), body.size());
      w.patch_int32(at, static_cast<int32_t>(out.size() - 4));
      auto bytes = out.flatten();
      ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    }
  }

  Answer answer_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<int> conn_fds_;
  std::vector<std::thread> workers_;
  std::vector<Seen> seen_;
};

// Encodes a generated message at `version` into a response body.
template <typename Message>
std::vector<uint8_t> encode_body(const Message& m, int16_t version) {
  protocol::OutBuffer out;
  protocol::Writer w(out);
  m.encode(w, version);
  return out.flatten();
}

// Client settings for a test against scripted brokers: bootstrap on `first`, timeouts short enough
// for a unit test and long enough for a loaded machine.
inline ClientConfig scripted_client_config(const ScriptedBroker& first) {
  ClientConfig c;
  c.bootstrap = {{"127.0.0.1", first.port()}};
  c.api_timeout = std::chrono::milliseconds(5000);
  c.request_timeout = std::chrono::milliseconds(1000);
  return c;
}

}  // namespace kb::clients::testing
