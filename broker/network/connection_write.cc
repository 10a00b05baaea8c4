// The writing side of a Connection: answers fill their slot of the response FIFO, and answered
// slots leave from the head, in request order, written by whichever thread gave the answer that
// made them due. See connection.h for the threading.
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <climits>
#include <cstring>

#include "broker/network/connection.h"
#include "common/logging.h"

namespace kb::network::detail {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// Responses gathered into one write: enough to batch pipelined small answers, small enough that
// one connection does not hold a large iovec.
constexpr size_t kMaxResponsesPerWrite = 64;
constexpr size_t kMaxIovecs = 64;
// Bytes written per turn of the event loop, so one large fetch does not starve the other
// connections on this thread when the peer drains fast (loopback).
constexpr uint64_t kLoopTurnWriteBytes = 4 * 1024 * 1024;
// Bytes a thread other than the loop's writes before it hands the rest to the loop: that thread
// is busy with other work (a produce request whose append completed this fetch).
constexpr uint64_t kOtherThreadWriteBytes = 256 * 1024;

size_t chunk_size(const OutChunk& chunk) {
  if (const auto* bytes = std::get_if<std::vector<uint8_t>>(&chunk)) return bytes->size();
  return std::get<FileSlice>(chunk).size;
}

}  // namespace

}  // namespace kb::network::detail

namespace kb::network {

size_t OutPayload::size() const {
  size_t total = 0;
  for (const auto& c : chunks) total += detail::chunk_size(c);
  return total;
}

}  // namespace kb::network

namespace kb::network::detail {

void Connection::answer(uint64_t seq, Answer kind, OutPayload payload) {
  std::lock_guard lock(write_mu_);
  if (closed_ || seq < first_seq_ || seq >= next_seq_) return;
  Slot& slot = slots_[seq - first_seq_];
  if (slot.state != Answer::kPending) return;
  if (kind == Answer::kAbandoned) {
    KB_LOG_WARN("network") << "Request " << seq << " on " << description_
                           << " got no answer (its Responder was dropped); closing the "
                              "connection after the earlier responses";
  }
  slot.state = kind;
  slot.payload = std::move(payload);
  // An earlier answer still missing: whoever gives it writes this one too. A write under way
  // takes it along when it finishes.
  if (writing_ || seq != first_seq_) return;
  if (loop_.is_current()) {
    if (!flush_posted_) {
      flush_posted_ = true;
      asio::post(loop_.ioc, [self = shared_from_this()] { self->flush_on_loop(); });
    }
    return;
  }
  write_due_locked(/*on_loop=*/false);
}

void Connection::flush_on_loop() {
  std::lock_guard lock(write_mu_);
  flush_posted_ = false;
  if (closed_ || writing_) return;
  write_due_locked(/*on_loop=*/true);
}

void Connection::resume_writing() {
  std::lock_guard lock(write_mu_);
  if (closed_) return;
  writing_ = false;
  write_due_locked(/*on_loop=*/true);
}

void Connection::write_due_locked(bool on_loop) {
  uint64_t budget = on_loop ? kLoopTurnWriteBytes : kOtherThreadWriteBytes;
  bool took_answers = false;
  while (true) {
    if (write_pos_ == write_items_.size()) {
      write_items_.clear();
      write_pos_ = 0;
      item_sent_ = 0;
      if (close_after_write_) return close_on_loop_locked("close requested");
      if (!take_answered_locked()) break;
      took_answers = true;
      continue;
    }
    if (budget == 0) {
      continue_writing_on_loop_locked(/*wait_writable=*/false);
      break;
    }
    const WriteStep step = write_once_locked(&budget);
    if (step == WriteStep::kFailed) return close_on_loop_locked("write failed");
    if (step == WriteStep::kWouldBlock) {
      continue_writing_on_loop_locked(/*wait_writable=*/true);
      break;
    }
    touch();
  }
  if (took_answers && read_paused_ && !over_in_flight_limit_locked()) {
    read_paused_ = false;
    asio::post(loop_.ioc, [self = shared_from_this()] { self->maybe_resume_reading(); });
  }
}

bool Connection::take_answered_locked() {
  bool took = false;
  size_t responses = 0;
  while (!slots_.empty() && slots_.front().state != Answer::kPending &&
         responses < kMaxResponsesPerWrite) {
    Slot slot = std::move(slots_.front());
    slots_.pop_front();
    ++first_seq_;
    took = true;
    if (slot.state == Answer::kNoResponse) continue;
    if (slot.state == Answer::kClose || slot.state == Answer::kAbandoned) {
      close_after_write_ = true;
      break;
    }
    const size_t size = slot.payload.size();
    if (size > static_cast<size_t>(INT32_MAX)) {
      KB_LOG_ERROR("network") << "Response of " << size << " bytes on " << description_
                              << " cannot be framed; closing the connection";
      close_after_write_ = true;
      break;
    }
    const auto s = static_cast<uint32_t>(size);
    write_items_.emplace_back(
        std::vector<uint8_t>{uint8_t(s >> 24), uint8_t(s >> 16), uint8_t(s >> 8), uint8_t(s)});
    for (auto& chunk : slot.payload.chunks) {
      if (chunk_size(chunk) > 0) write_items_.push_back(std::move(chunk));
    }
    ++responses;
  }
  return took;
}

Connection::WriteStep Connection::write_once_locked(uint64_t* budget) {
  const int fd = socket_.native_handle();
  if (const auto* slice = std::get_if<FileSlice>(&write_items_[write_pos_])) {
    if (!slice->file) {
      KB_LOG_ERROR("network") << "FileSlice without a file in a response on " << description_;
      return WriteStep::kFailed;
    }
    while (true) {
      off_t offset = static_cast<off_t>(slice->position + item_sent_);
      const uint64_t want = std::min<uint64_t>(slice->size - item_sent_, *budget);
      const ssize_t n = ::sendfile(fd, slice->file->fd(), &offset, static_cast<size_t>(want));
      if (n > 0) {
        item_sent_ += static_cast<uint64_t>(n);
        *budget -= std::min<uint64_t>(*budget, static_cast<uint64_t>(n));
        if (item_sent_ == slice->size) {
          ++write_pos_;
          item_sent_ = 0;
        }
        return WriteStep::kProgress;
      }
      if (n == 0) {
        // The file ends before the slice does (truncated meanwhile): the frame cannot be
        // completed, and the client would misparse everything after it.
        KB_LOG_ERROR("network") << "File " << slice->file->path() << " ended at "
                                << slice->position + item_sent_ << " inside a slice sent on "
                                << description_ << "; closing the connection";
        return WriteStep::kFailed;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return WriteStep::kWouldBlock;
      KB_LOG_DEBUG("network") << "sendfile failed on " << description_ << ": "
                              << std::strerror(errno);
      return WriteStep::kFailed;
    }
  }
  // The run of owned buffers up to the next file slice, in one gathered send.
  iovec iov[kMaxIovecs];
  size_t count = 0;
  for (size_t i = write_pos_; i < write_items_.size() && count < kMaxIovecs; ++i) {
    auto* bytes = std::get_if<std::vector<uint8_t>>(&write_items_[i]);
    if (bytes == nullptr) break;
    const size_t skip = i == write_pos_ ? item_sent_ : 0;
    iov[count++] = iovec{bytes->data() + skip, bytes->size() - skip};
  }
  msghdr message{};
  message.msg_iov = iov;
  message.msg_iovlen = count;
  while (true) {
    const ssize_t n = ::sendmsg(fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      advance_owned_locked(static_cast<size_t>(n));
      *budget -= std::min<uint64_t>(*budget, static_cast<uint64_t>(n));
      return WriteStep::kProgress;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return WriteStep::kWouldBlock;
    KB_LOG_DEBUG("network") << "write failed on " << description_ << ": "
                            << (n < 0 ? std::strerror(errno) : "nothing written");
    return WriteStep::kFailed;
  }
}

void Connection::advance_owned_locked(size_t bytes) {
  while (bytes > 0) {
    const auto& item = std::get<std::vector<uint8_t>>(write_items_[write_pos_]);
    const size_t rest = item.size() - item_sent_;
    if (bytes < rest) {
      item_sent_ += bytes;
      return;
    }
    bytes -= rest;
    ++write_pos_;
    item_sent_ = 0;
  }
}

void Connection::continue_writing_on_loop_locked(bool wait_writable) {
  writing_ = true;
  // Only the loop thread starts operations on the Asio socket.
  asio::post(loop_.ioc, [self = shared_from_this(), wait_writable] {
    if (self->closed_) return;
    if (!wait_writable) return self->resume_writing();
    self->socket_.async_wait(asio::socket_base::wait_write, [self](const error_code& ec) {
      if (self->closed_) return;
      if (ec) return self->close_on_error("wait for writability", ec);
      self->resume_writing();
    });
  });
}

void Connection::close_on_loop_locked(const char* reason) {
  writing_ = true;  // for good: nothing more is written on this connection
  asio::post(loop_.ioc, [self = shared_from_this(), reason] { self->close(reason); });
}

}  // namespace kb::network::detail
