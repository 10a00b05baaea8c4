#pragma once
// Internal to kb_network (includes Boost.Asio): one client connection and the I/O thread that
// owns it. See socket_server.h for the threading model.
#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "broker/network/request.h"
#include "broker/network/socket_server.h"

namespace kb::network::detail {

class Connection;

// One I/O thread: its event loop and the connections it owns.
// Thread safety: `connections` and `stopping` are touched only on `thread`; `ioc` is
// thread-safe (post from anywhere). The server outlives every loop.
struct IoLoop {
  IoLoop(const ServerOptions& options, RequestDispatcher& dispatcher,
         std::atomic<int64_t>& open_connections, int index)
      : options(options),
        dispatcher(dispatcher),
        open_connections(open_connections),
        index(index),
        work(boost::asio::make_work_guard(ioc)) {}

  const ServerOptions& options;
  RequestDispatcher& dispatcher;
  std::atomic<int64_t>& open_connections;
  const int index;
  boost::asio::io_context ioc{1};  // one thread: lets Asio skip internal locking
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
  std::thread thread;
  std::unordered_map<uint64_t, std::shared_ptr<Connection>> connections;
  bool stopping = false;

  // @thread loop. Closes every connection (stop()).
  void close_all();
  // Called once on the loop's own thread before it runs; is_current() tells that thread apart.
  void bind_to_this_thread();
  bool is_current() const;
};

// How a request was answered.
enum class Answer : uint8_t { kPending, kSend, kNoResponse, kClose, kAbandoned };

// The slot shared by the copies of one Responder. Its destructor reports an unanswered request.
// Thread safety: `answered` arbitrates between threads; the rest is immutable.
struct ResponseSlot {
  ResponseSlot(std::weak_ptr<Connection> connection, uint64_t seq)
      : connection(std::move(connection)), seq(seq) {}
  ~ResponseSlot();
  ResponseSlot(const ResponseSlot&) = delete;
  ResponseSlot& operator=(const ResponseSlot&) = delete;

  // Marks the slot answered; false (and a log line) if it already was.
  bool claim(const char* what);
  void answer(Answer kind, OutPayload payload);

  const std::weak_ptr<Connection> connection;
  const uint64_t seq;
  std::atomic<bool> answered{false};
};

// One accepted socket: framing, dispatch, in-order responses, idle expiry.
// Thread safety: every member function is @thread loop (the owning IoLoop's thread), except
// answer, which any thread may call. The reading side belongs to the loop thread alone. The
// response FIFO and the writing side are guarded by write_mu_: an answer given on another thread
// is written by that thread, since waking the loop thread to write it costs more here than the
// write itself (two to four such hand-offs per replicated record). Kept alive by the loop's
// registry while open and by the handlers in flight; Responders hold only weak references.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(IoLoop& loop, boost::asio::ip::tcp::socket socket, uint64_t id,
             std::string listener_name);
  ~Connection();

  // Registers with the loop and starts reading. @thread loop
  void start();
  // Closes the socket now; unwritten responses are dropped. @thread loop
  void close(const char* reason);
  // Thread-safe: records the answer to request `seq` and writes the answers now due. On the loop
  // thread the write waits for the end of the current turn, so the answers to a batch of
  // pipelined requests leave in one write.
  void answer(uint64_t seq, Answer kind, OutPayload payload);

  const std::string& description() const { return description_; }

 private:
  struct Slot {
    Answer state = Answer::kPending;
    OutPayload payload;
  };
  using Clock = std::chrono::steady_clock;

  enum class WriteStep { kProgress, kWouldBlock, kFailed };

  // Reading side.
  bool over_in_flight_limit();
  bool over_in_flight_limit_locked() const;
  void start_read();
  void ack_now();
  void on_read(const boost::system::error_code& ec, size_t n);
  void read_frame_body();
  void process_input();
  void dispatch_frame(std::shared_ptr<FrameBytes> frame);
  void set_receive_low_watermark(size_t bytes);
  void maybe_resume_reading();

  // Writing side (connection_write.cc). The *_locked functions need write_mu_ held.
  void write_due_locked(bool on_loop);
  bool take_answered_locked();
  WriteStep write_once_locked(uint64_t* budget);
  void advance_owned_locked(size_t bytes);
  void continue_writing_on_loop_locked(bool wait_writable);
  void close_on_loop_locked(const char* reason);
  void flush_on_loop();
  void resume_writing();

  void arm_idle_timer();
  void touch() { last_activity_.store(Clock::now().time_since_epoch().count()); }
  void close_on_error(const char* what, const boost::system::error_code& ec);

  IoLoop& loop_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer idle_timer_;
  const uint64_t id_;
  const std::string listener_name_;
  std::string client_host_;
  int client_port_ = 0;
  std::string description_;  // "host:port (connection N on LISTENER)" for logs
  bool closed_ = false;  // written on the loop thread under write_mu_
  bool registered_ = false;
  std::atomic<Clock::rep> last_activity_{0};  // Clock ticks; writers on any thread bump it

  // Input buffer: [in_begin_, in_end_) is unparsed. A frame larger than what is buffered is read
  // straight into its own vector (partial_frame_) to avoid a copy.
  std::vector<uint8_t> inbuf_;
  size_t in_begin_ = 0;
  size_t in_end_ = 0;
  std::shared_ptr<FrameBytes> partial_frame_;
  size_t partial_filled_ = 0;
  size_t receive_low_watermark_ = 1;  // SO_RCVLOWAT as last set
  bool reading_ = false;  // a read is in flight

  std::mutex write_mu_;
  // Response FIFO: slots_[i] belongs to request first_seq_ + i. @write_mu_
  std::deque<Slot> slots_;
  uint64_t first_seq_ = 0;
  uint64_t next_seq_ = 0;

  // The write in progress: size prefixes and chunks of one or more responses, in order.
  // @write_mu_
  std::vector<OutChunk> write_items_;
  size_t write_pos_ = 0;
  uint64_t item_sent_ = 0;  // bytes of write_items_[write_pos_] already sent
  // A write waits for writability or for its next turn on the loop (or the connection is being
  // closed): nobody else writes meanwhile.
  bool writing_ = false;
  bool close_after_write_ = false;
  bool flush_posted_ = false;  // flush_on_loop is queued on the loop
  bool read_paused_ = false;   // start_read stopped at the in-flight limit
};

}  // namespace kb::network::detail
