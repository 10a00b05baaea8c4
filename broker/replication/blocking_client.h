#pragma once
// A plain blocking Kafka client connection for the replica fetcher threads: one request at a
// time, connect on first use, socket timeouts from replica.socket.timeout.ms.
//
// Thread-safety: roundtrip/close from the owning thread only; interrupt() may be called from any
// thread to make a blocked roundtrip fail promptly (shutdown).
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace kb::broker::replication {

// A response body (the bytes after the v0 response header) in a buffer of its own, filled by the
// socket reads directly: a fetch response of megabytes is neither zeroed first nor copied again.
class ResponseBody {
 public:
  ResponseBody(std::unique_ptr<uint8_t[]> frame, size_t frame_size)
      : frame_(std::move(frame)), frame_size_(frame_size) {}
  const uint8_t* data() const { return frame_.get() + kHeaderBytes; }
  size_t size() const { return frame_size_ - kHeaderBytes; }
  std::span<const uint8_t> bytes() const { return {data(), size()}; }

  static constexpr size_t kHeaderBytes = 4;  // the correlation id

 private:
  std::unique_ptr<uint8_t[]> frame_;
  size_t frame_size_;
};

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
  ResponseBody roundtrip(int16_t api_key, int16_t api_version, std::span<const uint8_t> body);
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
  // The first read of each response lands here: it takes the size prefix and, for the usual
  // small answer of a follower at the log end, the whole response in the same system call.
  std::array<uint8_t, 16384> first_read_;
};

}  // namespace kb::broker::replication
