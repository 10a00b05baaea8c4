// kb-relay-floor: the latency floor of this machine for a message that crosses several
// processes over loopback TCP, at a fixed rate. A sender stamps N messages of S bytes at R per
// second; each passes through H relay processes (blocking sockets, TCP_NODELAY, one recv and one
// send per message) and comes back to a receiver thread in the sender's process, which records
// receive time minus send time. No broker and no client library: only the wake-ups and the
// loopback stack that any path with the same hops pays. Prints p50/p99/max and one JSON line.
//
//   kb-relay-floor [--hops H] [--records N] [--rate R] [--size S]
//
// bench/replication runs it with the legs of an acks=all record on its way to a consumer:
// producer -> leader -> follower -> leader (the follower's next fetch moves the high watermark)
// -> consumer is four network legs through three broker passes, so H = 3.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "bench/percentile.h"
#include "bench/rdkafka_support.h"
#include "common/testing/loopback.h"

namespace {

using kb::bench::die;
using kb::bench::percentile;
using Clock = std::chrono::steady_clock;

int listen_on_loopback(int* port) {
  int fd = kb::testing::listen_on_loopback(port, 1);
  if (fd < 0) die("cannot listen on 127.0.0.1");
  return fd;
}

void no_delay(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int connect_to_loopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)
    die("cannot connect to 127.0.0.1:" + std::to_string(port));
  no_delay(fd);
  return fd;
}

bool write_exactly(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// Forks a relay that accepts one connection on `listener` and forwards every message to `next`.
pid_t start_relay(int listener, int next_port, size_t size) {
  pid_t pid = ::fork();
  if (pid < 0) die("fork failed");
  if (pid > 0) return pid;
  int out = connect_to_loopback(next_port);
  int in = ::accept(listener, nullptr, nullptr);
  no_delay(in);
  std::vector<char> message(size);
  while (kb::testing::recv_exactly(in, message.data(), size) &&
         write_exactly(out, message.data(), size)) {
  }
  ::_exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  kb::bench::tool_name = "kb-relay-floor";
  long hops = 3, records = 30000, rate = 10000;
  long size = 1024;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) die("missing value for " + a);
    long value = 0;
    try {
      value = std::stol(argv[++i]);
    } catch (const std::exception&) {
      die("bad number for " + a);
    }
    if (a == "--hops")
      hops = value;
    else if (a == "--records")
      records = value;
    else if (a == "--rate")
      rate = value;
    else if (a == "--size")
      size = value;
    else
      die("unknown option " + a);
  }
  if (hops < 1 || records < 1 || rate < 1 || size < 8)
    die("hops, records and rate must be positive and size at least 8");

  // The receiver listens first; each relay connects to the one after it, the sender to the first.
  int receiver_port = 0;
  int receiver_listener = listen_on_loopback(&receiver_port);
  int next_port = receiver_port;
  std::vector<pid_t> relays;
  for (long h = 0; h < hops; ++h) {
    int port = 0;
    int listener = listen_on_loopback(&port);
    relays.push_back(start_relay(listener, next_port, static_cast<size_t>(size)));
    ::close(listener);
    next_port = port;
  }
  int out = connect_to_loopback(next_port);
  int in = ::accept(receiver_listener, nullptr, nullptr);

  std::vector<double> latencies_ms;
  latencies_ms.reserve(static_cast<size_t>(records));
  std::thread receiver([&] {
    std::vector<char> message(static_cast<size_t>(size));
    for (long i = 0; i < records; ++i) {
      if (!kb::testing::recv_exactly(in, message.data(), message.size())) break;
      int64_t sent_ns;
      std::memcpy(&sent_ns, message.data(), 8);
      latencies_ms.push_back(
          static_cast<double>(Clock::now().time_since_epoch().count() - sent_ns) / 1e6);
    }
  });
  std::vector<char> message(static_cast<size_t>(size), 'r');
  const auto start = Clock::now();
  for (long i = 0; i < records; ++i) {
    std::this_thread::sleep_until(start + std::chrono::nanoseconds(i * 1000000000LL / rate));
    const int64_t now_ns = Clock::now().time_since_epoch().count();
    std::memcpy(message.data(), &now_ns, 8);
    if (!write_exactly(out, message.data(), message.size())) die("a relay went away");
  }
  receiver.join();
  ::close(out);
  for (pid_t pid : relays) ::waitpid(pid, nullptr, 0);

  const double p50 = percentile(latencies_ms, 0.50), p99 = percentile(latencies_ms, 0.99);
  const double max = percentile(latencies_ms, 1.0);
  std::printf(
      "%zu messages of %ld bytes through %ld relay processes at %ld/s: p50 %.3f ms, p99 "
      "%.3f ms, max %.3f ms\n",
      latencies_ms.size(), size, hops, rate, p50, p99, max);
  std::printf(
      "{\"hops\":%ld,\"records\":%zu,\"rate\":%ld,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
      "\"max_ms\":%.3f}\n",
      hops, latencies_ms.size(), rate, p50, p99, max);
  if (static_cast<long>(latencies_ms.size()) != records) die("messages were lost");
  return 0;
}
