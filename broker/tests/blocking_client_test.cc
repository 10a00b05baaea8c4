// BlockingClient (the replica fetcher's connection) against a loopback server that answers each
// request with scripted raw bytes, written in the pieces the test chooses.
#include "broker/replication/blocking_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/testing/loopback.h"

namespace kb::broker::replication {
namespace {

using Bytes = std::vector<uint8_t>;
using namespace std::chrono_literals;

void put_int32(Bytes& out, int32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

uint32_t read_uint32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return ntohl(v);
}

// A response frame: size prefix, correlation id, body.
Bytes frame(int32_t correlation_id, const Bytes& body) {
  Bytes out;
  put_int32(out, static_cast<int32_t>(4 + body.size()));
  put_int32(out, correlation_id);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// Accepts connections one after another; for each request read, `script` returns the pieces to
// write (each its own send, 2 ms apart, so that the client sees them arrive separately). An empty
// last piece closes the connection after the others.
class ScriptedLeader {
 public:
  using Script = std::function<std::vector<Bytes>(int32_t correlation_id)>;
  explicit ScriptedLeader(Script script) : script_(std::move(script)) {
    listen_fd_ = kb::testing::listen_on_loopback(&port_);
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedLeader() {
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    thread_.join();
  }
  int port() const { return port_; }

 private:
  void serve() {
    for (;;) {
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      for (;;) {
        uint8_t size_bytes[4];
        if (!kb::testing::recv_exactly(fd, size_bytes, 4)) break;
        Bytes request(read_uint32(size_bytes));
        if (!kb::testing::recv_exactly(fd, request.data(), request.size())) break;
        // Request header: api key (2), api version (2), correlation id (4).
        const auto correlation_id = static_cast<int32_t>(read_uint32(request.data() + 4));
        auto pieces = script_(correlation_id);
        const bool close_after = !pieces.empty() && pieces.back().empty();
        for (const auto& piece : pieces) {
          if (piece.empty()) continue;
          ::send(fd, piece.data(), piece.size(), MSG_NOSIGNAL);
          std::this_thread::sleep_for(2ms);
        }
        if (close_after) break;
      }
      ::close(fd);
    }
  }

  Script script_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

Bytes pattern(size_t size) {
  Bytes out(size);
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<uint8_t>(i * 7 + (i >> 13));
  return out;
}

const Bytes kRequestBody = {1, 2, 3};

TEST(BlockingClient, SmallResponseArrivesWhole) {
  const Bytes body = {'h', 'e', 'l', 'l', 'o'};
  ScriptedLeader leader([&](int32_t id) { return std::vector<Bytes>{frame(id, body)}; });
  BlockingClient client("127.0.0.1", leader.port(), "test", 5s);
  for (int i = 0; i < 3; ++i) {
    auto response = client.roundtrip(1, 11, kRequestBody);
    EXPECT_EQ(Bytes(response.data(), response.data() + response.size()), body);
  }
}

TEST(BlockingClient, LargeResponseInPiecesIsReassembledExactly) {
  // 3 MB, larger than the first read's buffer; the size prefix itself is split, and the rest
  // arrives in uneven pieces.
  const Bytes body = pattern(3 * 1024 * 1024 + 17);
  ScriptedLeader leader([&](int32_t id) {
    const Bytes whole = frame(id, body);
    std::vector<Bytes> pieces;
    const size_t cuts[] = {3, 9, 20000, 700000, whole.size()};
    size_t from = 0;
    for (size_t to : cuts) {
      pieces.emplace_back(whole.begin() + static_cast<long>(from),
                          whole.begin() + static_cast<long>(to));
      from = to;
    }
    return pieces;
  });
  BlockingClient client("127.0.0.1", leader.port(), "test", 5s);
  auto response = client.roundtrip(1, 11, kRequestBody);
  ASSERT_EQ(response.size(), body.size());
  EXPECT_TRUE(std::equal(body.begin(), body.end(), response.data()));
  // And the connection is still in step for the next request.
  auto next = client.roundtrip(1, 11, kRequestBody);
  EXPECT_EQ(next.size(), body.size());
}

TEST(BlockingClient, BytesBeyondTheResponseAreAnErrorAndTheNextCallReconnects) {
  int calls = 0;
  ScriptedLeader leader([&](int32_t id) {
    Bytes whole = frame(id, {'o', 'k'});
    if (++calls == 1) whole.insert(whole.end(), {9, 9, 9});  // not part of any response
    return std::vector<Bytes>{whole};
  });
  BlockingClient client("127.0.0.1", leader.port(), "test", 5s);
  EXPECT_THROW(client.roundtrip(1, 11, kRequestBody), std::runtime_error);
  auto response = client.roundtrip(1, 11, kRequestBody);
  EXPECT_EQ(Bytes(response.data(), response.data() + response.size()), Bytes({'o', 'k'}));
}

TEST(BlockingClient, MismatchedCorrelationIdIsAnError) {
  ScriptedLeader leader([](int32_t id) { return std::vector<Bytes>{frame(id + 1, {'x'})}; });
  BlockingClient client("127.0.0.1", leader.port(), "test", 5s);
  EXPECT_THROW(client.roundtrip(1, 11, kRequestBody), std::runtime_error);
}

TEST(BlockingClient, NegativeOrTooSmallSizeIsAnError) {
  int calls = 0;
  ScriptedLeader leader([&](int32_t) {
    Bytes bad;
    put_int32(bad, ++calls == 1 ? 2 : -1);  // smaller than a correlation id, then negative
    bad.insert(bad.end(), {0, 0});
    return std::vector<Bytes>{bad};
  });
  BlockingClient client("127.0.0.1", leader.port(), "test", 5s);
  EXPECT_THROW(client.roundtrip(1, 11, kRequestBody), std::runtime_error);
  EXPECT_THROW(client.roundtrip(1, 11, kRequestBody), std::runtime_error);  // reconnected
  EXPECT_EQ(calls, 2);
}

TEST(BlockingClient, LeaderClosingMidResponseIsAnError) {
  ScriptedLeader leader([](int32_t id) {
    Bytes whole = frame(id, pattern(100000));
    whole.resize(50000);
    return std::vector<Bytes>{whole, Bytes()};
  });
  BlockingClient client("127.0.0.1", leader.port(), "test", 5s);
  try {
    client.roundtrip(1, 11, kRequestBody);
    FAIL() << "a truncated response was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "connection closed by the leader");
  }
}

}  // namespace
}  // namespace kb::broker::replication
