#pragma once
// A blocking Kafka-protocol client connection: one request at a time, each answered before the
// next is sent. Used by the controller's per-broker senders (channel_manager.h) and by a broker
// asking the controller for ControlledShutdown. Boost.Asio stays in the .cc (pimpl).
//
// Thread-safety: roundtrip(), connect() and close() are for one thread at a time (the owner).
// interrupt() may be called from any thread, to abort whatever the owner is blocked in.
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace kb::coordinator::controller {

class BrokerConnection {
 public:
  // Does not connect yet: the first roundtrip() (or connect()) does. `timeout` bounds every
  // connect (resolve included) and every whole roundtrip (controller.socket.timeout.ms).
  BrokerConnection(std::string host, int port, std::string client_id,
                   std::chrono::milliseconds timeout);
  ~BrokerConnection();
  BrokerConnection(const BrokerConnection&) = delete;
  BrokerConnection& operator=(const BrokerConnection&) = delete;

  // Connects unless connected. Throws std::runtime_error on failure, timeout or interrupt.
  void connect();
  bool is_connected() const;

  // Sends one request (`body` encoded at api_version, without the request header) and returns
  // the response body after the response header. Connects first when needed. Throws
  // std::runtime_error on a connect or I/O error, a timeout, a correlation id mismatch or an
  // interrupt; the connection is then closed and the next call reconnects.
  std::vector<uint8_t> roundtrip(int16_t api_key, int16_t api_version,
                                 std::span<const uint8_t> body);

  // Closes the socket (the next roundtrip reconnects).
  void close();

  // Thread-safe: aborts a blocked connect/roundtrip (it throws) and makes every later call throw.
  // For stopping a sender promptly; the object is unusable afterwards.
  void interrupt();

  const std::string& host() const { return host_; }
  int port() const { return port_; }

 private:
  struct Impl;
  std::string host_;
  int port_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kb::coordinator::controller
