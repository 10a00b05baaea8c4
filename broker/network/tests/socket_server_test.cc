// SocketServer against a real loopback listener, driven by plain blocking POSIX clients.
#include "broker/network/socket_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace kb::network {
namespace {

using Bytes = std::vector<uint8_t>;
using namespace std::chrono_literals;

Bytes bytes_of(const std::string& s) {
  return Bytes(s.begin(), s.end());
}
std::string string_of(const Bytes& b) {
  return std::string(b.begin(), b.end());
}
std::string string_of(const kb::network::FrameBytes& b) {
  return std::string(b.begin(), b.end());
}

// Dispatcher whose behaviour each test sets; it also records (frame, responder) pairs so a test
// can answer later from its own thread.
class TestDispatcher : public RequestDispatcher {
 public:
  std::function<void(const Request&, Responder&)> on_request;  // runs on the I/O thread

  void dispatch(Request request, Responder responder) override {
    if (on_request) on_request(request, responder);
    std::lock_guard lock(mu_);
    held_.push_back({string_of(*request.frame), std::move(responder)});
    cv_.notify_all();
  }
  // Waits until `n` requests have been dispatched in total.
  bool wait_for(size_t n, std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return held_.size() >= n; });
  }
  size_t count() {
    std::lock_guard lock(mu_);
    return held_.size();
  }
  std::pair<std::string, Responder> held(size_t i) {
    std::lock_guard lock(mu_);
    return held_.at(i);
  }
  void clear() {
    std::lock_guard lock(mu_);
    held_.clear();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, Responder>> held_;
};

OutPayload payload_of(const std::string& s) {
  OutPayload p;
  p.chunks.emplace_back(bytes_of(s));
  return p;
}

// A blocking client with a receive timeout, so a missing response fails the test instead of
// hanging it.
class Client {
 public:
  explicit Client(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ADD_FAILURE() << "connect failed";
    }
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~Client() {
    if (fd_ >= 0) ::close(fd_);
  }
  void send_raw(const Bytes& b) {
    size_t off = 0;
    while (off < b.size()) {
      ssize_t n = ::send(fd_, b.data() + off, b.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }
  static Bytes frame(const std::string& payload) {
    return frame_with_size(static_cast<int32_t>(payload.size()), bytes_of(payload));
  }
  static Bytes frame_with_size(int32_t size, const Bytes& payload) {
    auto s = static_cast<uint32_t>(size);
    Bytes out{uint8_t(s >> 24), uint8_t(s >> 16), uint8_t(s >> 8), uint8_t(s)};
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
  }
  void send_frame(const std::string& payload) { send_raw(frame(payload)); }
  // Reads exactly n bytes; false on EOF, error or timeout.
  bool read_exact(uint8_t* dst, size_t n) {
    size_t off = 0;
    while (off < n) {
      ssize_t r = ::recv(fd_, dst + off, n - off, 0);
      if (r <= 0) return false;
      off += static_cast<size_t>(r);
    }
    return true;
  }
  std::optional<Bytes> read_frame() {
    uint8_t h[4];
    if (!read_exact(h, 4)) return std::nullopt;
    uint32_t size = (uint32_t(h[0]) << 24) | (uint32_t(h[1]) << 16) | (uint32_t(h[2]) << 8) | h[3];
    Bytes b(size);
    if (!read_exact(b.data(), size)) return std::nullopt;
    return b;
  }
  std::string read_string() {
    auto f = read_frame();
    return f ? string_of(*f) : "<no frame>";
  }
  // True if the server closed the connection (EOF or reset) within the receive timeout.
  bool closed_by_server() {
    uint8_t b;
    ssize_t r = ::recv(fd_, &b, 1, 0);
    if (r == 0) return true;
    return r < 0 && errno == ECONNRESET;
  }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

class SocketServerTest : public ::testing::Test {
 protected:
  void start(ServerOptions options = {}) {
    if (options.listeners.empty()) options.listeners.push_back({"PLAINTEXT", "127.0.0.1", 0});
    server_ = std::make_unique<SocketServer>(options, dispatcher_);
    server_->start();
    port_ = server_->bound_port("PLAINTEXT");
  }
  void echo() {
    dispatcher_.on_request = [](const Request& r, Responder& resp) {
      resp.send(payload_of(string_of(*r.frame)));
    };
  }
  void TearDown() override {
    if (server_) server_->stop();
  }

  TestDispatcher dispatcher_;
  std::unique_ptr<SocketServer> server_;
  int port_ = 0;
};

TEST_F(SocketServerTest, EchoesPipelinedRequestsInOrder) {
  echo();
  start();
  EXPECT_GT(port_, 0);
  Client c(port_);
  Bytes all;
  for (const char* p : {"one", "two", "", "three"}) {
    auto f = Client::frame(p);
    all.insert(all.end(), f.begin(), f.end());
  }
  c.send_raw(all);  // one write: the server must split the frames itself
  EXPECT_EQ(c.read_string(), "one");
  EXPECT_EQ(c.read_string(), "two");
  EXPECT_EQ(c.read_string(), "");
  EXPECT_EQ(c.read_string(), "three");
}

TEST_F(SocketServerTest, RequestCarriesConnectionDetails) {
  std::mutex mu;
  std::vector<Request> seen;
  dispatcher_.on_request = [&](const Request& r, Responder& resp) {
    {
      std::lock_guard lock(mu);
      seen.push_back(r);
    }
    resp.send(payload_of("ok"));
  };
  start();
  Client a(port_), b(port_);
  a.send_frame("x");
  EXPECT_EQ(a.read_string(), "ok");
  b.send_frame("y");
  EXPECT_EQ(b.read_string(), "ok");
  std::lock_guard lock(mu);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].listener_name, "PLAINTEXT");
  EXPECT_EQ(seen[0].client_host, "127.0.0.1");
  EXPECT_GT(seen[0].client_port, 0);
  EXPECT_NE(seen[0].connection_id, seen[1].connection_id);
  EXPECT_GT(seen[0].received_at_ms, 0);
  EXPECT_EQ(server_->open_connections(), 2);
}

TEST_F(SocketServerTest, LargeRequestFrameSpanningManyReads) {
  echo();
  start();
  Client c(port_);
  std::string big(1 << 20, 'x');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  c.send_frame("small");
  std::thread writer([&] { c.send_frame(big); });
  EXPECT_EQ(c.read_string(), "small");
  EXPECT_EQ(c.read_string(), big);
  writer.join();
}

TEST_F(SocketServerTest, LargeFrameSentInPausedPiecesThenSmallFramesAreAllAnswered) {
  // The body of a large frame is awaited with a receive low watermark: a sender that stops
  // half-way must still be read once it goes on, and later small frames must not wait for a
  // watermark meant for the large one.
  echo();
  start();
  Client c(port_);
  std::string big(600 * 1024, 'q');
  for (size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>('a' + (i / 4096) % 26);
  Bytes whole = Client::frame(big);
  const size_t half = whole.size() / 2;
  c.send_raw(Bytes(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(half)));
  std::this_thread::sleep_for(200ms);
  c.send_raw(Bytes(whole.begin() + static_cast<std::ptrdiff_t>(half), whole.end()));
  EXPECT_EQ(c.read_string(), big);
  c.send_frame("tiny");
  EXPECT_EQ(c.read_string(), "tiny");
  c.send_frame(std::string(200 * 1024, 'r'));
  c.send_frame("after");
  EXPECT_EQ(c.read_string(), std::string(200 * 1024, 'r'));
  EXPECT_EQ(c.read_string(), "after");
}

TEST_F(SocketServerTest, PeerClosingInsideALargeFrameLeavesOthersServed) {
  echo();
  start();
  Client good(port_);
  {
    Client quitter(port_);
    quitter.send_raw(Client::frame_with_size(1 << 20, Bytes(300 * 1024, 'z')));
    std::this_thread::sleep_for(50ms);
  }  // closed with most of the frame missing
  good.send_frame("still here");
  EXPECT_EQ(good.read_string(), "still here");
}

TEST_F(SocketServerTest, OutOfOrderCompletionAnsweredInRequestOrder) {
  start();
  Client c(port_);
  c.send_frame("r0");
  c.send_frame("r1");
  c.send_frame("r2");
  ASSERT_TRUE(dispatcher_.wait_for(3));
  // Answer from another thread, last first.
  std::thread t([&] {
    dispatcher_.held(2).second.send(payload_of("a2"));
    dispatcher_.held(1).second.send(payload_of("a1"));
    std::this_thread::sleep_for(50ms);
    dispatcher_.held(0).second.send(payload_of("a0"));
  });
  EXPECT_EQ(c.read_string(), "a0");
  EXPECT_EQ(c.read_string(), "a1");
  EXPECT_EQ(c.read_string(), "a2");
  t.join();
}

TEST_F(SocketServerTest, NoResponseSlotIsSkippedInOrder) {
  start();
  Client c(port_);
  for (const char* p : {"a", "skip", "c", "skip", "e"}) c.send_frame(p);
  ASSERT_TRUE(dispatcher_.wait_for(5));
  std::thread t([&] {
    // Complete in reverse order; the no_response slots must not block or emit anything.
    for (int i = 4; i >= 0; --i) {
      auto [frame, responder] = dispatcher_.held(i);
      if (frame == "skip") {
        responder.no_response();
      } else {
        responder.send(payload_of(frame + "!"));
      }
    }
  });
  EXPECT_EQ(c.read_string(), "a!");
  EXPECT_EQ(c.read_string(), "c!");
  EXPECT_EQ(c.read_string(), "e!");
  t.join();
}

TEST_F(SocketServerTest, CloseAfterEarlierResponsesAreFlushed) {
  start();
  Client c(port_);
  c.send_frame("first");
  c.send_frame("bye");
  ASSERT_TRUE(dispatcher_.wait_for(2));
  dispatcher_.held(1).second.close();  // before request 0 is answered
  dispatcher_.held(0).second.send(payload_of("first-answer"));
  EXPECT_EQ(c.read_string(), "first-answer");
  EXPECT_TRUE(c.closed_by_server());
}

TEST_F(SocketServerTest, DroppedResponderClosesConnection) {
  dispatcher_.on_request = [](const Request& r, Responder& resp) {
    if (string_of(*r.frame) == "ok") resp.send(payload_of("ok"));
  };
  start();
  Client c(port_);
  c.send_frame("ok");
  c.send_frame("forgotten");
  EXPECT_EQ(c.read_string(), "ok");
  ASSERT_TRUE(dispatcher_.wait_for(2));
  dispatcher_.clear();  // drops the last copy of the unanswered Responder
  EXPECT_TRUE(c.closed_by_server());
}

TEST_F(SocketServerTest, SecondAnswerIsIgnored) {
  dispatcher_.on_request = [](const Request& r, Responder& resp) {
    Responder copy = resp;
    copy.send(payload_of("first"));
    resp.send(payload_of("second"));
    resp.close();
  };
  start();
  Client c(port_);
  c.send_frame("a");
  c.send_frame("b");
  EXPECT_EQ(c.read_string(), "first");
  EXPECT_EQ(c.read_string(), "first");
}

// The broker keeps a Responder inside a const request context and answers through it, and
// default-constructs contexts before filling them.
TEST_F(SocketServerTest, ResponderIsACopyableHandle) {
  struct Context {
    Responder responder;
    void send(std::vector<OutChunk> chunks) const { responder.send(OutPayload{std::move(chunks)}); }
  };
  Context unbound;
  EXPECT_FALSE(unbound.responder);
  unbound.send({});  // no-op, no crash
  dispatcher_.on_request = [](const Request& r, Responder& resp) {
    Context ctx;
    ctx.responder = resp;
    const Context& c = ctx;
    std::vector<OutChunk> chunks;
    chunks.emplace_back(bytes_of("via-context"));
    c.send(std::move(chunks));
  };
  start();
  Client c(port_);
  c.send_frame("x");
  EXPECT_EQ(c.read_string(), "via-context");
}

TEST_F(SocketServerTest, OversizedFrameClosesOnlyThatConnection) {
  echo();
  ServerOptions options;
  options.socket_request_max_bytes = 1024;
  start(options);
  Client good(port_), bad(port_);
  good.send_frame("before");
  EXPECT_EQ(good.read_string(), "before");
  bad.send_raw(Client::frame_with_size(2000, Bytes(100, 'z')));
  EXPECT_TRUE(bad.closed_by_server());
  good.send_frame(std::string(1024, 'm'));  // exactly the limit is allowed
  EXPECT_EQ(good.read_string(), std::string(1024, 'm'));
  good.send_frame("after");
  EXPECT_EQ(good.read_string(), "after");
}

TEST_F(SocketServerTest, NegativeSizeCloses) {
  echo();
  start();
  Client c(port_);
  c.send_frame("fine");
  EXPECT_EQ(c.read_string(), "fine");
  c.send_raw(Client::frame_with_size(-5, {}));
  EXPECT_TRUE(c.closed_by_server());
}

// A temp file with a known pattern, for FileSlice responses.
struct TempFile {
  explicit TempFile(size_t size) {
    char path[] = "/tmp/kb_network_testXXXXXX";
    int fd = ::mkstemp(path);
    name = path;
    content.resize(size);
    uint32_t x = 12345;
    for (auto& b : content) {
      x = x * 1103515245u + 12345u;
      b = static_cast<uint8_t>(x >> 16);
    }
    size_t off = 0;
    while (off < size) {
      ssize_t n = ::write(fd, content.data() + off, size - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    handle = std::make_shared<const FileHandle>(fd, name);
  }
  ~TempFile() { ::unlink(name.c_str()); }
  FileSlice slice(uint64_t pos, uint32_t size) const { return FileSlice{handle, pos, size}; }
  Bytes range(size_t pos, size_t size) const {
    return Bytes(content.begin() + pos, content.begin() + pos + size);
  }
  // "<", all of the file but its first byte, ">": a response too large for one write.
  OutPayload bracketed() const {
    OutPayload p;
    p.chunks.emplace_back(bytes_of("<"));
    p.chunks.emplace_back(slice(1, static_cast<uint32_t>(content.size() - 1)));
    p.chunks.emplace_back(bytes_of(">"));
    return p;
  }
  // Reads one frame from `c` and checks it is bracketed() byte for byte.
  void expect_bracketed(Client& c) const {
    auto f = c.read_frame();
    ASSERT_TRUE(f);
    ASSERT_EQ(f->size(), content.size() + 1);
    EXPECT_EQ(f->front(), '<');
    EXPECT_EQ(f->back(), '>');
    EXPECT_TRUE(std::equal(f->begin() + 1, f->end() - 1, content.begin() + 1));
  }

  std::string name;
  Bytes content;
  std::shared_ptr<const FileHandle> handle;
};

TEST_F(SocketServerTest, FileSliceResponseIsByteExact) {
  TempFile file(20000);
  dispatcher_.on_request = [&](const Request&, Responder& resp) {
    OutPayload p;
    p.chunks.emplace_back(bytes_of("HEAD"));
    p.chunks.emplace_back(file.slice(100, 5000));
    p.chunks.emplace_back(bytes_of("MID"));
    p.chunks.emplace_back(file.slice(0, 10));
    p.chunks.emplace_back(file.slice(19990, 10));
    p.chunks.emplace_back(file.slice(50, 0));  // empty slice: nothing on the wire
    p.chunks.emplace_back(bytes_of("TAIL"));
    EXPECT_EQ(p.size(), 4u + 5000 + 3 + 10 + 10 + 4);
    resp.send(std::move(p));
  };
  start();
  Client c(port_);
  Bytes expected = bytes_of("HEAD");
  for (const Bytes& part : {file.range(100, 5000), bytes_of("MID"), file.range(0, 10),
                            file.range(19990, 10), bytes_of("TAIL")}) {
    expected.insert(expected.end(), part.begin(), part.end());
  }
  c.send_frame("fetch");
  c.send_frame("fetch");  // twice: the second response follows the first one exactly
  auto first = c.read_frame();
  auto second = c.read_frame();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(*first, expected);
  EXPECT_EQ(*second, expected);
}

TEST_F(SocketServerTest, MultiMegabyteFileSliceIsDeliveredCompletely) {
  const size_t kSize = 12 * 1024 * 1024;
  TempFile file(kSize);
  dispatcher_.on_request = [&](const Request&, Responder& resp) { resp.send(file.bracketed()); };
  ServerOptions options;
  options.socket_send_buffer_bytes =
      102400;  // Kafka's default: many partial sendfile calls + EAGAIN
  start(options);
  Client c(port_);
  c.send_frame("big");
  c.send_frame("big");
  std::this_thread::sleep_for(100ms);  // let the server fill the socket buffer and wait
  file.expect_bracketed(c);
  file.expect_bracketed(c);
}

// An answer given on another thread is written by that thread up to a budget; the I/O thread
// takes over the rest, and whatever waits for the socket to drain.
TEST_F(SocketServerTest, LargeFileSliceAnsweredFromAnotherThreadIsDeliveredCompletely) {
  const size_t kSize = 12 * 1024 * 1024;
  TempFile file(kSize);
  ServerOptions options;
  options.socket_send_buffer_bytes = 102400;
  start(options);
  Client c(port_);
  c.send_frame("big");
  c.send_frame("small");
  ASSERT_TRUE(dispatcher_.wait_for(2));
  std::thread answerer([&] {
    dispatcher_.held(1).second.send(payload_of("after"));  // waits for the big one
    dispatcher_.held(0).second.send(file.bracketed());
  });
  answerer.join();  // returns long before the client has read: the I/O thread finishes the write
  std::this_thread::sleep_for(100ms);
  file.expect_bracketed(c);
  EXPECT_EQ(c.read_string(), "after");
}

// Answers race in from several threads (as purgatory completions do); the responses still leave
// exactly in request order, each once.
TEST_F(SocketServerTest, AnswersFromManyThreadsLeaveInRequestOrder) {
  ServerOptions options;
  options.max_in_flight_per_connection = 1000;
  start(options);
  Client c(port_);
  const size_t kRequests = 400;
  for (size_t i = 0; i < kRequests; ++i) c.send_frame("r" + std::to_string(i));
  ASSERT_TRUE(dispatcher_.wait_for(kRequests));
  std::vector<std::thread> answerers;
  for (size_t t = 0; t < 4; ++t) {
    answerers.emplace_back([&, t] {
      // Thread t answers every fourth request, from the last one down.
      for (size_t i = kRequests - 1 - t; i < kRequests; i -= 4) {
        auto [frame, responder] = dispatcher_.held(i);
        responder.send(payload_of(frame));
        if (i < 4) break;
      }
    });
  }
  for (auto& t : answerers) t.join();
  for (size_t i = 0; i < kRequests; ++i) ASSERT_EQ(c.read_string(), "r" + std::to_string(i));
}

TEST_F(SocketServerTest, ReadingPausesWhileTooManyRequestsAreOutstanding) {
  ServerOptions options;
  options.max_in_flight_per_connection = 2;
  start(options);
  Client c(port_);
  for (int i = 0; i < 6; ++i) c.send_frame("q" + std::to_string(i));
  ASSERT_TRUE(dispatcher_.wait_for(2));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(dispatcher_.count(), 2u);  // the rest waits in the socket
  for (size_t answered = 0; answered < 6; ++answered) {
    ASSERT_TRUE(dispatcher_.wait_for(answered + 1));
    auto [frame, responder] = dispatcher_.held(answered);
    responder.send(payload_of(frame));
    EXPECT_EQ(c.read_string(), "q" + std::to_string(answered));
  }
}

// A client with Nagle on (librdkafka's default) sends a small request only once the previous one
// is acknowledged. The server must acknowledge a request it parks (an acks=all produce, a long-poll
// fetch) at once, not with the answer or after its delayed-ACK timer (40 ms on Linux).
TEST_F(SocketServerTest, ParkedRequestDoesNotHoldBackTheNextFromANagleClient) {
  dispatcher_.on_request = [](const Request& r, Responder& resp) {
    if (string_of(*r.frame).rfind("park", 0) != 0) resp.send(payload_of("pong"));
  };
  start();
  Client c(port_);  // Nagle left on
  // Interactive traffic first: the server's stack then delays its ACKs to ride on answers.
  for (int i = 0; i < 50; ++i) {
    c.send_frame("ping");
    ASSERT_EQ(c.read_string(), "pong");
  }
  const std::string pad(200, 'x');
  auto fastest = std::chrono::steady_clock::duration::max();
  size_t dispatched = 50;
  for (int round = 0; round < 5; ++round) {
    c.send_frame("park" + pad);
    ASSERT_TRUE(dispatcher_.wait_for(++dispatched));
    const auto sent = std::chrono::steady_clock::now();
    c.send_frame("next" + pad);
    ASSERT_TRUE(dispatcher_.wait_for(++dispatched));
    fastest = std::min(fastest, std::chrono::steady_clock::now() - sent);
    dispatcher_.held(dispatched - 2).second.send(payload_of("parked"));
    EXPECT_EQ(c.read_string(), "parked");
    EXPECT_EQ(c.read_string(), "pong");
  }
  // Scheduling noise only adds time, so the fastest of five rounds shows the ACK delay.
  EXPECT_LT(fastest, 20ms);
}

TEST_F(SocketServerTest, IdleConnectionIsClosed) {
  echo();
  ServerOptions options;
  options.connections_max_idle_ms = 200;
  start(options);
  Client c(port_);
  c.send_frame("hi");
  EXPECT_EQ(c.read_string(), "hi");
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.closed_by_server());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  for (int i = 0; i < 50 && server_->open_connections() != 0; ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(server_->open_connections(), 0);
}

TEST_F(SocketServerTest, StopWithOpenConnectionsReturnsPromptly) {
  ServerOptions options;
  options.num_network_threads = 2;
  start(options);
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 5; ++i) {
    clients.push_back(std::make_unique<Client>(port_));
    clients.back()->send_frame("pending");  // never answered before stop
  }
  ASSERT_TRUE(dispatcher_.wait_for(5));
  auto t0 = std::chrono::steady_clock::now();
  server_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  for (auto& c : clients) EXPECT_TRUE(c->closed_by_server());
  server_->stop();  // twice is fine
  // Answers after stop are dropped without harm.
  dispatcher_.held(0).second.send(payload_of("late"));
  dispatcher_.clear();
}

TEST_F(SocketServerTest, BindFailureThrowsOneLineError) {
  start();
  ServerOptions options;
  options.listeners.push_back({"PLAINTEXT", "127.0.0.1", port_});
  TestDispatcher other;
  SocketServer second(options, other);
  try {
    second.start();
    FAIL() << "expected a bind failure";
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("PLAINTEXT"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
  EXPECT_THROW(server_->bound_port("NOPE"), std::out_of_range);
}

}  // namespace
}  // namespace kb::network
