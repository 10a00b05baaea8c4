#pragma once
// The broker's TCP front end (Kafka's SocketServer).
//
// Threading model
// - One acceptor thread runs every listener's accept loop. Each accepted socket is handed, round
//   robin, to one of `num_network_threads` I/O threads; it stays on that thread for its life.
// - Each I/O thread runs its own event loop (Boost.Asio io_context) and owns its connections
//   outright: reading, framing, idle expiry.
// - A complete frame is passed to RequestDispatcher::dispatch on the I/O thread. The dispatcher
//   must not block; it answers through the Responder, from any thread, now or later. Work that
//   waits (acks=all produce, long-poll fetch, ZooKeeper writes) parks elsewhere (purgatory, task
//   threads) and answers from there.
// - An answer fills the request's slot in a per-connection FIFO (under a per-connection lock), and
//   answered slots are written from the head, so responses leave strictly in request order. An
//   answer given on another thread is written by that thread (up to 256 KB; the I/O thread takes
//   over the rest and anything that would block): waking the I/O thread for it would cost more
//   than the write. Answers given on the I/O thread leave together at the end of its turn. Owned
//   bytes go out with gathered writes; FileSlice chunks with sendfile(2) on the non-blocking
//   socket.
// - Reading pauses while more than `max_in_flight_per_connection` requests are unanswered and
//   resumes as answers leave (back-pressure on clients that pipeline without limit).
// - stop() closes the listeners and every connection, lets the event loops drain and joins all
//   threads. Responders answered after that drop their answers.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "broker/network/request.h"

namespace kb::network {

struct ListenerSpec {
  std::string name;  // e.g. "PLAINTEXT"
  std::string host;  // empty: all interfaces
  int port = 0;      // 0: an ephemeral port, see SocketServer::bound_port
};

// Names follow the Kafka configs they come from. Buffer sizes of -1 keep the OS default.
struct ServerOptions {
  std::vector<ListenerSpec> listeners;
  int num_network_threads = 3;                   // num.network.threads
  int32_t socket_request_max_bytes = 104857600;  // socket.request.max.bytes
  int socket_send_buffer_bytes = 102400;         // socket.send.buffer.bytes
  int socket_receive_buffer_bytes = 102400;      // socket.receive.buffer.bytes
  int64_t connections_max_idle_ms = 600000;      // connections.max.idle.ms
  // Reading from a connection pauses while more requests than this await their answer.
  int max_in_flight_per_connection = 100;
};

// Thread safety: start() and stop() are called by the owner (one thread at a time); the
// observers (bound_port, open_connections) may be called from any thread after start().
// The dispatcher must outlive the server. Destruction calls stop().
class SocketServer {
 public:
  SocketServer(ServerOptions options, RequestDispatcher& dispatcher);
  ~SocketServer();
  SocketServer(const SocketServer&) = delete;
  SocketServer& operator=(const SocketServer&) = delete;

  // Binds every listener and starts the threads. Throws std::runtime_error with a one-line
  // message (listener, address, reason) when a listener cannot be bound; nothing keeps running
  // then.
  void start();
  // The port a listener is bound to (useful with port 0). Throws std::out_of_range for an unknown
  // listener name or before start().
  int bound_port(const std::string& listener_name) const;
  // Stops accepting, closes every connection, joins the threads. Safe to call twice.
  void stop();

  // Connections currently open (accepted and not yet closed), over all listeners.
  int64_t open_connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kb::network
