#include "broker/network/connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <climits>
#include <cstring>

#include "common/logging.h"

namespace kb::network {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr size_t kReadBufferBytes = 64 * 1024;
// Outstanding frame bytes from which reading waits for all of them (SO_RCVLOWAT).
constexpr size_t kLowWatermarkFromBytes = 128 * 1024;

int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void Responder::send(OutPayload payload) const {
  if (slot_ && slot_->claim("send")) slot_->answer(detail::Answer::kSend, std::move(payload));
}

void Responder::no_response() const {
  if (slot_ && slot_->claim("no_response")) slot_->answer(detail::Answer::kNoResponse, {});
}

void Responder::close() const {
  if (slot_ && slot_->claim("close")) slot_->answer(detail::Answer::kClose, {});
}

namespace detail {

// ---------------------------------------------------------------------------------------------
// ResponseSlot

bool ResponseSlot::claim(const char* what) {
  if (!answered.exchange(true, std::memory_order_acq_rel)) return true;
  KB_LOG_WARN("network") << "Ignoring Responder::" << what << " for request " << seq
                         << ": the request was already answered";
  return false;
}

void ResponseSlot::answer(Answer kind, OutPayload payload) {
  // A connection that is gone has nobody to answer: drop silently.
  if (auto c = connection.lock()) c->answer(seq, kind, std::move(payload));
}

ResponseSlot::~ResponseSlot() {
  // The last Responder copy went away unanswered. Treat it as close(): the client would
  // otherwise wait forever for this answer and every later one.
  if (!answered.load(std::memory_order_acquire)) answer(Answer::kAbandoned, {});
}

// ---------------------------------------------------------------------------------------------
// IoLoop

namespace {
thread_local const IoLoop* current_loop = nullptr;
}  // namespace

void IoLoop::bind_to_this_thread() {
  current_loop = this;
}

bool IoLoop::is_current() const {
  return current_loop == this;
}

void IoLoop::close_all() {
  stopping = true;
  // close() erases from the registry: iterate over a copy.
  std::vector<std::shared_ptr<Connection>> all;
  all.reserve(connections.size());
  for (auto& [id, c] : connections) all.push_back(c);
  for (auto& c : all) c->close("server shutting down");
  connections.clear();
}

// ---------------------------------------------------------------------------------------------
// Connection: setup and teardown

Connection::Connection(IoLoop& loop, asio::ip::tcp::socket socket, uint64_t id,
                       std::string listener_name)
    : loop_(loop),
      socket_(std::move(socket)),
      idle_timer_(loop.ioc),
      id_(id),
      listener_name_(std::move(listener_name)),
      inbuf_(kReadBufferBytes) {
  error_code ec;
  auto peer = socket_.remote_endpoint(ec);
  if (!ec) {
    client_host_ = peer.address().to_string();
    client_port_ = peer.port();
  }
  description_ = client_host_ + ":" + std::to_string(client_port_) + " (connection " +
                 std::to_string(id_) + " on " + listener_name_ + ")";
}

Connection::~Connection() = default;

void Connection::start() {
  if (loop_.stopping) {
    error_code ignored;
    socket_.close(ignored);
    return;
  }
  error_code ec;
  // Small responses must not wait for Nagle; Kafka sets this too.
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  if (loop_.options.socket_send_buffer_bytes > 0) {
    socket_.set_option(asio::socket_base::send_buffer_size(loop_.options.socket_send_buffer_bytes),
                       ec);
  }
  if (loop_.options.socket_receive_buffer_bytes > 0) {
    socket_.set_option(
        asio::socket_base::receive_buffer_size(loop_.options.socket_receive_buffer_bytes), ec);
  }
  // sendfile(2) is called directly on the descriptor and must not block the loop.
  socket_.native_non_blocking(true, ec);
  if (ec) {
    KB_LOG_WARN("network") << "Cannot make socket non-blocking for " << description_ << ": "
                           << ec.message();
    socket_.close(ec);
    return;
  }
  loop_.connections.emplace(id_, shared_from_this());
  registered_ = true;
  loop_.open_connections.fetch_add(1, std::memory_order_relaxed);
  KB_LOG_DEBUG("network") << "Accepted " << description_ << " on network thread " << loop_.index;
  touch();
  arm_idle_timer();
  start_read();
}

void Connection::close(const char* reason) {
  if (closed_) return;
  auto keep = shared_from_this();  // the registry may hold the last reference
  KB_LOG_DEBUG("network") << "Closing " << description_ << ": " << reason;
  {
    // Under the lock: a writer on another thread may be inside a system call on this socket.
    std::lock_guard lock(write_mu_);
    closed_ = true;
    error_code ignored;
    socket_.shutdown(asio::socket_base::shutdown_both, ignored);
    socket_.close(ignored);  // cancels the read and wait in flight
    slots_.clear();
  }
  idle_timer_.cancel();
  if (registered_) {
    registered_ = false;
    loop_.connections.erase(id_);
    loop_.open_connections.fetch_sub(1, std::memory_order_relaxed);
  }
}

void Connection::close_on_error(const char* what, const error_code& ec) {
  if (closed_) return;
  if (ec == asio::error::eof || ec == asio::error::connection_reset) {
    close("closed by peer");
  } else if (ec == asio::error::operation_aborted) {
    close("operation aborted");
  } else {
    KB_LOG_DEBUG("network") << what << " failed on " << description_ << ": " << ec.message();
    close(what);
  }
}

void Connection::arm_idle_timer() {
  const int64_t idle_ms = loop_.options.connections_max_idle_ms;
  if (closed_ || idle_ms <= 0) return;
  const auto idle = std::chrono::milliseconds(idle_ms);
  const auto now = Clock::now();
  const auto deadline = Clock::time_point(Clock::duration(last_activity_.load())) + idle;
  // Only re-armed when it fires, so reads and writes just bump last_activity_.
  idle_timer_.expires_at(deadline > now ? deadline : now + idle);
  idle_timer_.async_wait([self = shared_from_this(), idle](const error_code& ec) {
    if (ec || self->closed_) return;
    // A connection with a request in progress (e.g. a long poll) is not idle.
    bool busy;
    {
      std::lock_guard lock(self->write_mu_);
      busy = !self->slots_.empty() || self->writing_;
    }
    const auto last = Clock::time_point(Clock::duration(self->last_activity_.load()));
    if (!busy && Clock::now() - last >= idle) {
      KB_LOG_DEBUG("network") << "Closing idle connection " << self->description_;
      self->close("idle");
      return;
    }
    if (busy) self->touch();
    self->arm_idle_timer();
  });
}

// ---------------------------------------------------------------------------------------------
// Reading and framing

bool Connection::over_in_flight_limit_locked() const {
  return slots_.size() >=
         static_cast<size_t>(std::max(1, loop_.options.max_in_flight_per_connection));
}

bool Connection::over_in_flight_limit() {
  std::lock_guard lock(write_mu_);
  return over_in_flight_limit_locked();
}

void Connection::start_read() {
  if (closed_ || reading_) return;
  {
    std::lock_guard lock(write_mu_);
    // The writer resumes reading once answers leave (write_due_locked).
    read_paused_ = over_in_flight_limit_locked();
    if (read_paused_) return;
  }
  reading_ = true;
  if (partial_frame_) return read_frame_body();
  if (in_begin_ > 0) {  // compact so the free tail is as large as possible
    std::memmove(inbuf_.data(), inbuf_.data() + in_begin_, in_end_ - in_begin_);
    in_end_ -= in_begin_;
    in_begin_ = 0;
  }
  socket_.async_read_some(
      asio::buffer(inbuf_.data() + in_end_, inbuf_.size() - in_end_),
      [self = shared_from_this()](const error_code& ec, size_t n) { self->on_read(ec, n); });
}

void Connection::set_receive_low_watermark(size_t bytes) {
  // While the rest of a large frame is outstanding, readiness is signalled only once it is all
  // buffered (the kernel caps the value at half the receive buffer and still wakes the reader
  // under memory pressure): a 1 MB produce request then costs two or three wake-ups and reads
  // instead of one per ~64 KB that loopback delivers. Small remainders keep the default.
  const size_t wanted = bytes >= kLowWatermarkFromBytes ? bytes : 1;
  if (wanted == receive_low_watermark_) return;
  const int value = static_cast<int>(std::min<size_t>(wanted, INT32_MAX));
  if (::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVLOWAT, &value, sizeof(value)) == 0) {
    receive_low_watermark_ = wanted;
  }
}

void Connection::ack_now() {
  // Acknowledge what was just read at once instead of after the delayed-ACK timer or with the
  // answer. A client that leaves Nagle on (librdkafka's socket.nagle.disable defaults to false)
  // holds its next small request until this ACK arrives, so while an acks=all produce or a
  // long-poll fetch is parked, its following requests would wait for the parked answer. Linux
  // leaves quick-ACK mode on its own, hence once per read.
  int one = 1;
  ::setsockopt(socket_.native_handle(), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
}

void Connection::on_read(const error_code& ec, size_t n) {
  reading_ = false;
  if (closed_) return;
  if (ec) return close_on_error("read", ec);
  ack_now();
  in_end_ += n;
  touch();
  process_input();
}

void Connection::read_frame_body() {
  // Reads what is buffered without blocking, then waits for readiness with the low watermark
  // set to what is missing; reading again at once after a partial read would take each ~64 KB
  // as it arrives, one wake-up and one read each.
  auto& frame = *partial_frame_;
  while (partial_filled_ < frame.size()) {
    const ssize_t n = ::recv(socket_.native_handle(), frame.data() + partial_filled_,
                             frame.size() - partial_filled_, MSG_DONTWAIT);
    if (n > 0) {
      partial_filled_ += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      set_receive_low_watermark(frame.size() - partial_filled_);
      socket_.async_wait(asio::socket_base::wait_read,
                         [self = shared_from_this()](const error_code& ec) {
                           if (self->closed_) return;
                           if (ec) {
                             self->reading_ = false;
                             return self->close_on_error("wait for readability", ec);
                           }
                           self->read_frame_body();
                         });
      return;
    }
    reading_ = false;
    if (n == 0) return close("closed by peer");
    return close_on_error("read", error_code(errno, boost::system::system_category()));
  }
  reading_ = false;
  ack_now();
  touch();
  set_receive_low_watermark(1);
  auto done = std::move(partial_frame_);
  partial_frame_.reset();
  partial_filled_ = 0;
  dispatch_frame(std::move(done));
  process_input();
}

void Connection::process_input() {
  while (!closed_ && !partial_frame_ && !over_in_flight_limit()) {
    const size_t available = in_end_ - in_begin_;
    if (available < 4) break;
    const uint8_t* p = inbuf_.data() + in_begin_;
    const int32_t size = static_cast<int32_t>((uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) |
                                              (uint32_t(p[2]) << 8) | uint32_t(p[3]));
    if (size < 0 || size > loop_.options.socket_request_max_bytes) {
      // Kafka's InvalidReceiveException: only this connection goes.
      KB_LOG_WARN("network") << "Closing connection from " << client_host_ << ":" << client_port_
                             << " (connection " << id_ << " on " << listener_name_
                             << "): invalid request size " << size
                             << " (socket.request.max.bytes is "
                             << loop_.options.socket_request_max_bytes << ")";
      close("invalid request size");
      return;
    }
    const size_t body = static_cast<size_t>(size);
    if (available - 4 >= body) {
      auto frame = std::make_shared<FrameBytes>(p + 4, p + 4 + body);
      in_begin_ += 4 + body;
      dispatch_frame(std::move(frame));
    } else {
      // Move what we have into the frame's own buffer and read the rest straight into it.
      partial_frame_ = std::make_shared<FrameBytes>(body);
      partial_filled_ = available - 4;
      std::memcpy(partial_frame_->data(), p + 4, partial_filled_);
      in_begin_ = in_end_ = 0;
    }
  }
  if (in_begin_ == in_end_) in_begin_ = in_end_ = 0;
  start_read();
}

void Connection::dispatch_frame(std::shared_ptr<FrameBytes> frame) {
  if (closed_) return;
  uint64_t seq;
  {
    std::lock_guard lock(write_mu_);
    seq = next_seq_++;
    slots_.emplace_back();
  }
  Request request;
  request.frame = std::move(frame);
  request.connection_id = id_;
  request.listener_name = listener_name_;
  request.client_host = client_host_;
  request.client_port = client_port_;
  request.received_at_ms = wall_clock_ms();
  Responder responder(std::make_shared<ResponseSlot>(weak_from_this(), seq));
  try {
    loop_.dispatcher.dispatch(std::move(request), std::move(responder));
  } catch (const std::exception& e) {
    // The Responder copies are gone by now, so the slot reports itself abandoned (close).
    KB_LOG_ERROR("network") << "Request dispatcher threw for " << description_ << ": " << e.what();
  }
}

void Connection::maybe_resume_reading() {
  if (closed_ || reading_ || over_in_flight_limit()) return;
  // Frames already buffered come first; process_input ends by reading more.
  process_input();
}

}  // namespace detail
}  // namespace kb::network
