#pragma once
// A plain blocking Kafka client connection for the replica fetcher threads: one request at a
// time, connect on first use, socket timeouts from replica.socket.timeout.ms.
//
// Thread-safety: roundtrip/close from the owning thread only; interrupt() may be called from any
// thread to make a blocked roundtrip fail promptly (shutdown).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace kb::broker::replication {

class BlockingClient {
 public:
  BlockingClient(std::string host, int port, std::string client_id,
                 std::chrono::milliseconds timeout);
  ~BlockingClient();
  BlockingClient(const BlockingClient&) = delete;
  BlockingClient& operator=(const BlockingClient&) = delete;

  // Sends header + body and returns the response body (after the v0 response header). Throws
  // std::runtime_error on any I/O error or a mismatched correlation id; the connection is then
  // closed and the next call reconnects.
  std::vector<uint8_t> roundtrip(int16_t api_key, int16_t api_version,
                                 std::span<const uint8_t> body);
  void close();
  void interrupt();

 private:
  void connect();

  std::string host_;
  int port_;
  std::string client_id_;
  std::chrono::milliseconds timeout_;
  std::atomic<int> fd_{-1};
  int32_t next_correlation_id_ = 1;
};

}  // namespace kb::broker::replication
