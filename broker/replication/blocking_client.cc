#include "broker/replication/blocking_client.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "protocol/header.h"
#include "protocol/wire.h"

namespace kb::broker::replication {

namespace {

void send_all(int fd, const uint8_t* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(std::string("send failed: ") + std::strerror(errno));
    data += n;
    size -= static_cast<size_t>(n);
  }
}

// Reads at least `at_least` and at most `capacity` bytes; returns how many it read.
size_t recv_at_least(int fd, uint8_t* data, size_t capacity, size_t at_least) {
  size_t got = 0;
  while (got < at_least) {
    ssize_t n = ::recv(fd, data + got, capacity - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) throw std::runtime_error("connection closed by the leader");
    if (n < 0) throw std::runtime_error(std::string("receive failed: ") + std::strerror(errno));
    got += static_cast<size_t>(n);
  }
  return got;
}

}  // namespace

BlockingClient::BlockingClient(std::string host, int port, std::string client_id,
                               std::chrono::milliseconds timeout)
    : host_(std::move(host)), port_(port), client_id_(std::move(client_id)), timeout_(timeout) {}

BlockingClient::~BlockingClient() {
  close();
}

void BlockingClient::connect() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(host_.c_str(), std::to_string(port_).c_str(), &hints, &found);
  if (rc != 0) throw std::runtime_error("cannot resolve " + host_ + ": " + ::gai_strerror(rc));
  std::string last_error = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    timeval tv{};
    tv.tv_sec = timeout_.count() / 1000;
    tv.tv_usec = (timeout_.count() % 1000) * 1000;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      fd_ = fd;
      ::freeaddrinfo(found);
      return;
    }
    last_error = std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(found);
  throw std::runtime_error("cannot connect to " + host_ + ":" + std::to_string(port_) + ": " +
                           last_error);
}

ResponseBody BlockingClient::roundtrip(int16_t api_key, int16_t api_version,
                                       std::span<const uint8_t> body) {
  if (fd_.load() < 0) connect();
  int fd = fd_.load();
  try {
    protocol::OutBuffer out;
    protocol::Writer w(out);
    size_t size_at = w.reserve_int32();
    protocol::RequestHeader header{api_key, api_version, next_correlation_id_++, client_id_};
    protocol::encode_request_header(w, header);
    w.write_raw(body.data(), body.size());
    w.patch_int32(size_at, static_cast<int32_t>(out.size() - 4));
    auto bytes = out.flatten();
    send_all(fd, bytes.data(), bytes.size());

    // One request is outstanding, so whatever arrives belongs to its response.
    const size_t got = recv_at_least(fd, first_read_.data(), first_read_.size(), 4);
    const uint8_t* p = first_read_.data();
    const int32_t size = static_cast<int32_t>((uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) |
                                              (uint32_t(p[2]) << 8) | uint32_t(p[3]));
    if (size < static_cast<int32_t>(ResponseBody::kHeaderBytes))
      throw std::runtime_error("malformed response size " + std::to_string(size));
    const size_t frame_size = static_cast<size_t>(size);
    const size_t early = got - 4;
    if (early > frame_size) throw std::runtime_error("the leader sent more than the response");
    auto frame = std::make_unique_for_overwrite<uint8_t[]>(frame_size);
    std::memcpy(frame.get(), p + 4, early);
    if (frame_size > early)
      recv_at_least(fd, frame.get() + early, frame_size - early, frame_size - early);
    protocol::Reader r(frame.get(), frame_size);
    // Fetch v11 and OffsetForLeaderEpoch v3 are not flexible: response header v0.
    if (r.read_int32() != header.correlation_id) {
      throw std::runtime_error("correlation id mismatch");
    }
    return ResponseBody(std::move(frame), frame_size);
  } catch (...) {
    close();
    throw;
  }
}

void BlockingClient::close() {
  int fd = fd_.exchange(-1);
  if (fd >= 0) ::close(fd);
}

void BlockingClient::interrupt() {
  int fd = fd_.load();
  if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
}

}  // namespace kb::broker::replication
