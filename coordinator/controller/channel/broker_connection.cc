#include "coordinator/controller/channel/broker_connection.h"

#include <array>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <stdexcept>

#include "protocol/api_keys.h"
#include "protocol/header.h"
#include "protocol/wire.h"

namespace kb::coordinator::controller {
namespace {

using boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// Larger responses than this cannot be a controller or ControlledShutdown answer; a garbage size
// prefix must not make us allocate gigabytes.
constexpr int32_t kMaxResponseSize = 100 * 1024 * 1024;

constexpr int16_t kApiVersionsKey = static_cast<int16_t>(protocol::ApiKey::kApiVersions);

}  // namespace

struct BrokerConnection::Impl {
  std::string client_id;
  std::chrono::milliseconds timeout;
  boost::asio::io_context io;
  tcp::socket socket{io};
  tcp::resolver resolver{io};
  bool connected = false;
  int32_t next_correlation_id = 0;
  std::atomic<bool> interrupted{false};

  [[noreturn]] void fail(const std::string& what) {
    close_socket();
    throw std::runtime_error(what);
  }

  void close_socket() {
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    connected = false;
  }

  // Runs the io_context until `done` is set by the operation started before, the deadline
  // passes or interrupt() aborts it. On timeout/interrupt the pending operation is cancelled
  // and its handler drained (it refers to the caller's locals) before throwing.
  void wait(const bool& done, Clock::time_point deadline, const std::string& what) {
    while (!done) {
      auto now = Clock::now();
      if (now >= deadline || interrupted.load()) {
        resolver.cancel();
        close_socket();
        io.restart();
        io.run();
        throw std::runtime_error(what + (interrupted.load() ? ": interrupted" : ": timed out"));
      }
      io.restart();
      io.run_for(deadline - now);
    }
  }

  void connect(const std::string& host, int port) {
    if (connected) return;
    if (interrupted.load()) throw std::runtime_error("connection interrupted");
    const auto deadline = Clock::now() + timeout;
    const std::string target = host + ":" + std::to_string(port);

    bool done = false;
    boost::system::error_code ec;
    tcp::resolver::results_type endpoints;
    resolver.async_resolve(host, std::to_string(port),
                           [&](const boost::system::error_code& e, tcp::resolver::results_type r) {
                             ec = e;
                             endpoints = std::move(r);
                             done = true;
                           });
    wait(done, deadline, "resolving " + target);
    if (ec) fail("resolving " + target + ": " + ec.message());

    close_socket();
    done = false;
    boost::asio::async_connect(socket, endpoints,
                               [&](const boost::system::error_code& e, const tcp::endpoint&) {
                                 ec = e;
                                 done = true;
                               });
    wait(done, deadline, "connecting to " + target);
    if (ec || interrupted.load()) {
      fail("connecting to " + target + ": " + (ec ? ec.message() : std::string("interrupted")));
    }
    socket.set_option(tcp::no_delay(true), ec);
    connected = true;
  }

  void write_all(const std::vector<uint8_t>& frame, Clock::time_point deadline) {
    bool done = false;
    boost::system::error_code ec;
    boost::asio::async_write(socket, boost::asio::buffer(frame),
                             [&](const boost::system::error_code& e, size_t) {
                               ec = e;
                               done = true;
                             });
    wait(done, deadline, "sending request");
    if (ec) fail("sending request: " + ec.message());
  }

  void read_exactly(uint8_t* data, size_t size, Clock::time_point deadline) {
    bool done = false;
    boost::system::error_code ec;
    boost::asio::async_read(socket, boost::asio::buffer(data, size),
                            [&](const boost::system::error_code& e, size_t) {
                              ec = e;
                              done = true;
                            });
    wait(done, deadline, "reading response");
    if (ec) fail("reading response: " + ec.message());
  }

  std::vector<uint8_t> roundtrip(int16_t api_key, int16_t api_version,
                                 std::span<const uint8_t> body) {
    const auto deadline = Clock::now() + timeout;
    const int32_t correlation_id = next_correlation_id++;
    if (next_correlation_id < 0) next_correlation_id = 0;

    protocol::OutBuffer out;
    protocol::Writer writer(out);
    size_t size_position = writer.reserve_int32();
    protocol::encode_request_header(writer, {api_key, api_version, correlation_id, client_id});
    writer.write_raw(body.data(), body.size());
    writer.patch_int32(size_position, static_cast<int32_t>(writer.position() - 4));
    write_all(out.flatten(), deadline);

    std::array<uint8_t, 4> size_bytes{};
    read_exactly(size_bytes.data(), size_bytes.size(), deadline);
    protocol::Reader size_reader(size_bytes.data(), size_bytes.size());
    const int32_t size = size_reader.read_int32();
    if (size < 4 || size > kMaxResponseSize) {
      fail("invalid response size " + std::to_string(size));
    }
    std::vector<uint8_t> frame(static_cast<size_t>(size));
    read_exactly(frame.data(), frame.size(), deadline);

    try {
      protocol::Reader reader(frame.data(), frame.size());
      const int32_t received_id = reader.read_int32();
      if (received_id != correlation_id) {
        fail("correlation id mismatch: sent " + std::to_string(correlation_id) + ", received " +
             std::to_string(received_id));
      }
      if (api_key != kApiVersionsKey && protocol::request_is_flexible(api_key, api_version)) {
        reader.skip_tag_buffer();
      }
      return std::vector<uint8_t>(reader.current(), reader.current() + reader.remaining());
    } catch (const protocol::DecodeError& e) {
      fail(std::string("malformed response header: ") + e.what());
    }
  }
};

BrokerConnection::BrokerConnection(std::string host, int port, std::string client_id,
                                   std::chrono::milliseconds timeout)
    : host_(std::move(host)), port_(port), impl_(std::make_unique<Impl>()) {
  impl_->client_id = std::move(client_id);
  impl_->timeout = timeout;
}

BrokerConnection::~BrokerConnection() {
  impl_->close_socket();
}

void BrokerConnection::connect() {
  impl_->connect(host_, port_);
}

bool BrokerConnection::is_connected() const {
  return impl_->connected;
}

std::vector<uint8_t> BrokerConnection::roundtrip(int16_t api_key, int16_t api_version,
                                                 std::span<const uint8_t> body) {
  impl_->connect(host_, port_);
  return impl_->roundtrip(api_key, api_version, body);
}

void BrokerConnection::close() {
  impl_->close_socket();
}

void BrokerConnection::interrupt() {
  impl_->interrupted.store(true);
  // The socket may only be touched on the owner's thread: the posted handler runs inside the
  // owner's run_for() (now, or at its next wait), and closing the socket completes the blocked
  // operation with an error. Queued handlers survive io_context::restart(), so this cannot be lost.
  Impl* impl = impl_.get();
  boost::asio::post(impl->io, [impl] {
    impl->resolver.cancel();
    impl->close_socket();
  });
}

}  // namespace kb::coordinator::controller
