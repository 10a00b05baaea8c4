#pragma once
// What the network layer hands to the broker for each request frame, and how the broker answers.
// No Boost headers here: every handler file includes this one.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "common/file_handle.h"

namespace kb::network {

// One piece of a response: bytes we own, or a file range sent with sendfile(2).
using OutChunk = std::variant<std::vector<uint8_t>, FileSlice>;

// A response payload without its int32 size prefix (the network layer writes that). It has the
// shape of protocol::OutBuffer, so the broker moves the chunk list across: `OutPayload{std::move(
// out.chunks)}`.
// Thread safety: a plain value; not shared.
struct OutPayload {
  std::vector<OutChunk> chunks;
  // Wire length of all chunks together.
  size_t size() const;
};

// Allocator whose value-less construct leaves bytes uninitialised: a frame buffer is sized and
// then overwritten by the socket read, and zero-filling a 1 MB produce frame first cost about 3%
// of the broker's CPU in the produce benchmark.
template <class T>
struct DefaultInitAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  DefaultInitAllocator() = default;
  template <class U>
  DefaultInitAllocator(const DefaultInitAllocator<U>&) noexcept {}  // NOLINT(runtime/explicit)
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

// The bytes of one request frame after its 4-byte size.
using FrameBytes = std::vector<uint8_t, DefaultInitAllocator<uint8_t>>;

// One request frame as read from a connection.
// Thread safety: a plain value. `frame` is owned by this request alone (handlers may rewrite
// bytes inside it, e.g. produce offset assignment), and stays valid while any copy of it lives.
struct Request {
  std::shared_ptr<const FrameBytes> frame;
  uint64_t connection_id = 0;  // unique per server, never reused
  std::string listener_name;
  std::string client_host;
  int client_port = 0;
  int64_t received_at_ms = 0;  // wall clock (ms since the epoch) when the frame was complete
};

namespace detail {
struct ResponseSlot;  // defined in connection.cc
}

// The answer slot of one request. Responses on a connection leave in request order, so a request
// answered early waits for the ones before it.
// Thread safety: copies share one slot; every method may be called from any thread. Call exactly
// one of send / no_response / close once in total across all copies; later calls are ignored
// (and logged). If the last copy is destroyed unanswered, the connection is closed after the
// earlier responses are written (and a WARN logged), so a forgotten request cannot stall the
// connection forever. If the connection is already gone, the answer is dropped silently.
// A default-constructed Responder is bound to nothing: its methods do nothing.
class Responder {
 public:
  Responder() = default;
  explicit Responder(std::shared_ptr<detail::ResponseSlot> slot) : slot_(std::move(slot)) {}

  // Writes the int32 size, then the payload. `const` because a Responder is a handle: copies
  // held in const contexts can answer.
  void send(OutPayload payload) const;
  // acks=0 produce: the slot is released with nothing written.
  void no_response() const;
  // Closes the connection once the responses to earlier requests are written.
  void close() const;

  // False for a default-constructed Responder.
  explicit operator bool() const { return slot_ != nullptr; }

 private:
  std::shared_ptr<detail::ResponseSlot> slot_;
};

// Implemented by the broker. Called on the connection's I/O thread, in request order per
// connection. Must not block: work that waits keeps a copy of the Responder and answers later
// from any thread.
class RequestDispatcher {
 public:
  virtual ~RequestDispatcher() = default;
  virtual void dispatch(Request request, Responder responder) = 0;
};

}  // namespace kb::network
