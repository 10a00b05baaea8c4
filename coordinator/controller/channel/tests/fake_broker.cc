#include "coordinator/controller/channel/tests/fake_broker.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "protocol/header.h"
#include "protocol/wire.h"

namespace kb::coordinator::controller::testing {
namespace {

int bind_loopback(int* port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    throw std::runtime_error("bind failed");
  }
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  return fd;
}

bool read_all(int fd, uint8_t* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::recv(fd, data, size, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool write_all(int fd, const std::vector<uint8_t>& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

int unused_port() {
  int port = 0;
  int fd = bind_loopback(&port);
  ::close(fd);
  return port;
}

FakeBroker::FakeBroker() {
  listen_fd_ = bind_loopback(&port_);
  if (::listen(listen_fd_, 16) != 0) throw std::runtime_error("listen failed");
  policy_ = [](const ReceivedRequest&) { return Action::kRespond; };
  thread_ = std::thread([this] { serve(); });
}

FakeBroker::~FakeBroker() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
  int fd = current_fd_.load();
  if (fd >= 0) ::shutdown(fd, SHUT_RDWR);  // wakes recv()
  thread_.join();
  ::close(listen_fd_);
}

void FakeBroker::set_policy(Policy policy) {
  std::lock_guard lock(mutex_);
  policy_ = std::move(policy);
}

std::vector<ReceivedRequest> FakeBroker::received() const {
  std::lock_guard lock(mutex_);
  return received_;
}

bool FakeBroker::wait_for_requests(size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return cv_.wait_for(lock, timeout, [&] { return received_.size() >= n; });
}

void FakeBroker::serve() {
  while (!stopping_) {
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) {
      if (errno == EINTR) continue;
      return;
    }
    int connection = ++accepted_;
    current_fd_ = fd;
    if (stopping_) ::shutdown(fd, SHUT_RDWR);
    serve_connection(fd, connection);
    current_fd_ = -1;
    ::close(fd);
  }
}

void FakeBroker::serve_connection(int fd, int connection) {
  while (!stopping_) {
    uint8_t size_bytes[4];
    if (!read_all(fd, size_bytes, 4)) return;
    protocol::Reader size_reader(size_bytes, 4);
    int32_t size = size_reader.read_int32();
    if (size < 0 || size > (1 << 24)) return;
    std::vector<uint8_t> frame(static_cast<size_t>(size));
    if (!read_all(fd, frame.data(), frame.size())) return;

    protocol::Reader reader(frame.data(), frame.size());
    protocol::RequestHeader header = protocol::decode_request_header(reader);
    ReceivedRequest request{
        header.api_key,
        header.api_version,
        header.correlation_id,
        header.client_id,
        std::vector<uint8_t>(reader.current(), reader.current() + reader.remaining()),
        connection};
    Action action;
    {
      std::lock_guard lock(mutex_);
      action = policy_(request);
      received_.push_back(request);
    }
    cv_.notify_all();

    if (action == Action::kDrop) return;
    if (action == Action::kHang) {
      // Keep the connection open without answering, until the client closes it or we stop.
      uint8_t ignored[256];
      while (!stopping_ && ::recv(fd, ignored, sizeof(ignored), 0) > 0) {
      }
      return;
    }
    protocol::OutBuffer out;
    protocol::Writer writer(out);
    size_t size_position = writer.reserve_int32();
    int32_t id = header.correlation_id + (action == Action::kWrongCorrelation ? 1 : 0);
    protocol::encode_response_header(writer, id, header.api_key, header.api_version);
    writer.write_raw(request.body.data(), request.body.size());
    writer.patch_int32(size_position, static_cast<int32_t>(writer.position() - 4));
    if (!write_all(fd, out.flatten())) return;
  }
}

}  // namespace kb::coordinator::controller::testing
