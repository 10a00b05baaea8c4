#pragma once
// One blocking Kafka connection from a client: connect with a timeout, negotiate API versions
// with ApiVersions, then one request at a time with a per-request timeout.
//
// Version negotiation: the client first sends ApiVersions at the highest version its codec
// knows; a broker that does not know it answers UNSUPPORTED_VERSION with its own ApiVersions
// range in a v0 body (KIP-511), and the client retries at the highest version both know. For
// every other API, version_for() picks the highest version inside both ranges.
//
// Thread-safety: none; a Connection belongs to one thread at a time.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "clients/client_config.h"

namespace kb::clients {

using Clock = std::chrono::steady_clock;

struct VersionRange {
  int16_t min_version = 0;
  int16_t max_version = -1;  // -1 < min: an empty range
  auto operator<=>(const VersionRange&) const = default;
};

// The highest version inside both ranges; nullopt when they do not overlap.
std::optional<int16_t> choose_version(VersionRange ours, VersionRange theirs);

// What this library's codec can encode and decode for `api_key`; nullopt for an unknown key.
std::optional<VersionRange> client_versions(int16_t api_key);

class Connection {
 public:
  // Connects within config.connect_timeout (and before `deadline`) and negotiates versions.
  // Throws NetworkError when the broker cannot be reached or does not answer ApiVersions.
  static std::unique_ptr<Connection> open(const Endpoint& endpoint, const ClientConfig& config,
                                          Clock::time_point deadline);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const Endpoint& endpoint() const { return endpoint_; }
  // The broker's advertised ranges, by API key.
  const std::map<int16_t, VersionRange>& broker_versions() const { return broker_versions_; }
  // Highest version of `api_key` both sides support. Throws ClientError(UNSUPPORTED_VERSION)
  // naming the API when there is none.
  int16_t version_for(int16_t api_key) const;

  // Sends the request (body already encoded for `version`) and returns the response body after
  // the response header. Waits at most request_timeout, and never past `deadline`. Throws
  // NetworkError on I/O errors and timeouts; the connection is then closed (is_open() false).
  std::vector<uint8_t> roundtrip(int16_t api_key, int16_t version, std::span<const uint8_t> body,
                                 Clock::time_point deadline);
  // Sends a request the broker does not answer (Produce with acks=0): returns once the bytes
  // are written. Same errors as roundtrip().
  void send_only(int16_t api_key, int16_t version, std::span<const uint8_t> body,
                 Clock::time_point deadline);
  bool is_open() const { return fd_ >= 0; }
  void close();

 private:
  Connection(Endpoint endpoint, const ClientConfig& config, int fd);
  void negotiate(Clock::time_point deadline);
  // Frames and writes one request; returns its correlation id.
  int32_t send_request(int16_t api_key, int16_t version, std::span<const uint8_t> body,
                       Clock::time_point until);
  void send_all(const uint8_t* data, size_t size, Clock::time_point until);
  void recv_all(uint8_t* data, size_t size, Clock::time_point until);
  [[noreturn]] void fail(const std::string& what);

  Endpoint endpoint_;
  std::string client_id_;
  std::chrono::milliseconds request_timeout_;
  int fd_ = -1;
  int32_t next_correlation_id_ = 1;
  std::map<int16_t, VersionRange> broker_versions_;
};

}  // namespace kb::clients
