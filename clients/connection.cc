#include "clients/connection.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "clients/errors.h"
#include "protocol/api_keys.h"
#include "protocol/header.h"
#include "protocol/messages/api_versions.h"
#include "protocol/wire.h"

namespace kb::clients {

namespace {

constexpr int16_t kApiVersionsKey = static_cast<int16_t>(protocol::ApiKey::kApiVersions);
constexpr const char* kSoftwareName = "kb-clients";
constexpr const char* kSoftwareVersion = "0.1.0";

int remaining_ms(Clock::time_point until) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 1 << 30));
}

// Waits for `events` on fd until `until`; false on timeout.
bool wait_for(int fd, short events, Clock::time_point until) {
  while (true) {
    pollfd p{fd, events, 0};
    int rc = ::poll(&p, 1, remaining_ms(until));
    if (rc > 0) return true;
    if (rc == 0) return false;
    if (errno != EINTR) return false;
  }
}

// Non-blocking connect bounded by `until`; returns the fd or -1 with `error` set.
int connect_one(const addrinfo* a, Clock::time_point until, std::string& error) {
  int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
  if (fd < 0) {
    error = std::strerror(errno);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) return fd;
  if (errno != EINPROGRESS) {
    error = std::strerror(errno);
    ::close(fd);
    return -1;
  }
  if (!wait_for(fd, POLLOUT, until)) {
    error = "connection timed out";
    ::close(fd);
    return -1;
  }
  int so_error = 0;
  socklen_t len = sizeof(so_error);
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
  if (so_error != 0) {
    error = std::strerror(so_error);
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

std::optional<int16_t> choose_version(VersionRange ours, VersionRange theirs) {
  int16_t low = std::max(ours.min_version, theirs.min_version);
  int16_t high = std::min(ours.max_version, theirs.max_version);
  if (high < low) return std::nullopt;
  return high;
}

std::optional<VersionRange> client_versions(int16_t api_key) {
  const protocol::MessageSpec* spec = protocol::find_message_spec(api_key);
  if (spec == nullptr) return std::nullopt;
  return VersionRange{spec->min_version, spec->max_version};
}

Connection::Connection(Endpoint endpoint, const ClientConfig& config, int fd)
    : endpoint_(std::move(endpoint)),
      client_id_(config.client_id),
      request_timeout_(config.request_timeout),
      fd_(fd) {}

Connection::~Connection() {
  close();
}

std::unique_ptr<Connection> Connection::open(const Endpoint& endpoint, const ClientConfig& config,
                                             Clock::time_point deadline) {
  Clock::time_point until = std::min(deadline, Clock::now() + config.connect_timeout);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int rc =
      ::getaddrinfo(endpoint.host.c_str(), std::to_string(endpoint.port).c_str(), &hints, &found);
  if (rc != 0) {
    throw NetworkError("Cannot resolve " + endpoint.host + ": " + ::gai_strerror(rc));
  }
  std::string error = "no address";
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = connect_one(a, until, error);
  }
  ::freeaddrinfo(found);
  if (fd < 0) {
    throw NetworkError("Cannot connect to " + endpoint.to_string() + ": " + error);
  }
  std::unique_ptr<Connection> conn(new Connection(endpoint, config, fd));
  conn->negotiate(deadline);
  return conn;
}

void Connection::negotiate(Clock::time_point deadline) {
  int16_t version = client_versions(kApiVersionsKey)->max_version;
  protocol::ApiVersionsRequest request;
  request.client_software_name = kSoftwareName;
  request.client_software_version = kSoftwareVersion;
  for (int attempt = 0; attempt < 2; ++attempt) {
    protocol::OutBuffer out;
    protocol::Writer w(out);
    request.encode(w, version);
    auto body = out.flatten();
    auto reply = roundtrip(kApiVersionsKey, version, body, deadline);
    if (reply.size() < 2) fail("malformed ApiVersions response");
    protocol::Reader peek(reply.data(), reply.size());
    auto error = static_cast<ErrorCode>(peek.read_int16());
    protocol::ApiVersionsResponse response;
    if (error == ErrorCode::kUnsupportedVersion && version > 0) {
      // KIP-511: the broker answers a version it does not know with a v0 body listing its own
      // ApiVersions range; retry at the best version we share.
      protocol::Reader r(reply.data(), reply.size());
      try {
        response.decode(r, 0);
      } catch (const protocol::DecodeError& e) {
        fail(std::string("malformed ApiVersions response: ") + e.what());
      }
      std::optional<int16_t> retry;
      for (const auto& k : response.api_keys) {
        if (k.api_key == kApiVersionsKey) {
          retry = choose_version(*client_versions(kApiVersionsKey),
                                 VersionRange{k.min_version, k.max_version});
        }
      }
      version = retry.value_or(0);
      continue;
    }
    if (error != ErrorCode::kNone) {
      close();
      throw ClientError(
          error, "ApiVersions to " + endpoint_.to_string() + " failed: " + error_message(error));
    }
    protocol::Reader r(reply.data(), reply.size());
    try {
      response.decode(r, version);
    } catch (const protocol::DecodeError& e) {
      fail(std::string("malformed ApiVersions response: ") + e.what());
    }
    for (const auto& k : response.api_keys) {
      broker_versions_[k.api_key] = VersionRange{k.min_version, k.max_version};
    }
    return;
  }
  fail("ApiVersions negotiation did not converge");
}

int16_t Connection::version_for(int16_t api_key) const {
  auto ours = client_versions(api_key);
  auto theirs = broker_versions_.find(api_key);
  const protocol::MessageSpec* spec = protocol::find_message_spec(api_key);
  std::string name = spec != nullptr ? spec->name : "API " + std::to_string(api_key);
  if (!ours || theirs == broker_versions_.end()) {
    throw ClientError(ErrorCode::kUnsupportedVersion,
                      "The broker at " + endpoint_.to_string() + " does not support " + name);
  }
  auto v = choose_version(*ours, theirs->second);
  if (!v) {
    throw ClientError(ErrorCode::kUnsupportedVersion,
                      "No version of " + name + " is supported by both this client (" +
                          std::to_string(ours->min_version) + "-" +
                          std::to_string(ours->max_version) + ") and the broker at " +
                          endpoint_.to_string() + " (" +
                          std::to_string(theirs->second.min_version) + "-" +
                          std::to_string(theirs->second.max_version) + ")");
  }
  return *v;
}

void Connection::fail(const std::string& what) {
  close();
  throw NetworkError(endpoint_.to_string() + ": " + what);
}

void Connection::send_all(const uint8_t* data, size_t size, Clock::time_point until) {
  while (size > 0) {
    ssize_t n = ::send(fd_, data, size, MSG_NOSIGNAL);
    if (n > 0) {
      data += n;
      size -= static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_for(fd_, POLLOUT, until)) fail("timed out sending a request");
      continue;
    }
    fail(std::string("send failed: ") + std::strerror(errno));
  }
}

void Connection::recv_all(uint8_t* data, size_t size, Clock::time_point until) {
  while (size > 0) {
    ssize_t n = ::recv(fd_, data, size, 0);
    if (n > 0) {
      data += n;
      size -= static_cast<size_t>(n);
      continue;
    }
    if (n == 0) fail("connection closed by the broker");
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!wait_for(fd_, POLLIN, until)) fail("timed out waiting for a response");
      continue;
    }
    fail(std::string("receive failed: ") + std::strerror(errno));
  }
}

int32_t Connection::send_request(int16_t api_key, int16_t version, std::span<const uint8_t> body,
                                 Clock::time_point until) {
  if (fd_ < 0) throw NetworkError(endpoint_.to_string() + ": connection is closed");
  protocol::OutBuffer out;
  protocol::Writer w(out);
  size_t size_at = w.reserve_int32();
  protocol::RequestHeader header{api_key, version, next_correlation_id_++, client_id_};
  protocol::encode_request_header(w, header);
  w.write_raw(body.data(), body.size());
  w.patch_int32(size_at, static_cast<int32_t>(out.size() - 4));
  auto bytes = out.flatten();
  send_all(bytes.data(), bytes.size(), until);
  return header.correlation_id;
}

void Connection::send_only(int16_t api_key, int16_t version, std::span<const uint8_t> body,
                           Clock::time_point deadline) {
  send_request(api_key, version, body, std::min(deadline, Clock::now() + request_timeout_));
}

std::vector<uint8_t> Connection::roundtrip(int16_t api_key, int16_t version,
                                           std::span<const uint8_t> body,
                                           Clock::time_point deadline) {
  Clock::time_point until = std::min(deadline, Clock::now() + request_timeout_);
  int32_t correlation_id = send_request(api_key, version, body, until);

  uint8_t size_buf[4];
  recv_all(size_buf, 4, until);
  int32_t size =
      static_cast<int32_t>((uint32_t(size_buf[0]) << 24) | (uint32_t(size_buf[1]) << 16) |
                           (uint32_t(size_buf[2]) << 8) | uint32_t(size_buf[3]));
  if (size < 4 || size > (256 << 20)) fail("malformed response size " + std::to_string(size));
  std::vector<uint8_t> frame(static_cast<size_t>(size));
  recv_all(frame.data(), frame.size(), until);
  protocol::Reader r(frame.data(), frame.size());
  if (r.read_int32() != correlation_id) fail("correlation id mismatch");
  // Response header v1 (a tag buffer) for flexible versions, except ApiVersions (always v0).
  if (api_key != kApiVersionsKey && protocol::request_is_flexible(api_key, version)) {
    try {
      r.skip_tag_buffer();
    } catch (const protocol::DecodeError& e) {
      fail(std::string("malformed response header: ") + e.what());
    }
  }
  return std::vector<uint8_t>(frame.begin() + static_cast<long>(r.position()), frame.end());
}

void Connection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace kb::clients
