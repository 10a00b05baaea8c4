#include "bench/probes.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace kb::bench {

namespace {
using Clock = std::chrono::steady_clock;
constexpr size_t kChunk = 1 << 20;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}
}  // namespace

DiskProbe probe_disk(const char* dir, long megabytes) {
  DiskProbe result;
  std::string path = std::string(dir) + "/kb-disk-probe.tmp";
  std::vector<char> buf(kChunk, 'd');
  int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0644);
  if (fd < 0) return result;
  auto start = Clock::now();
  for (long i = 0; i < megabytes; ++i) {
    if (::write(fd, buf.data(), buf.size()) != static_cast<ssize_t>(buf.size())) {
      ::close(fd);
      ::unlink(path.c_str());
      return result;  // zeros: the caller reports the failure
    }
  }
  result.page_cache_mb_s = megabytes / seconds_since(start);
  ::fdatasync(fd);
  result.write_mb_s = megabytes / seconds_since(start);
  // The pages are clean after fdatasync; dropping them makes the read come from the device
  // rather than the page cache (where the file system honours the advice).
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
  fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return result;
  start = Clock::now();
  while (::read(fd, buf.data(), buf.size()) > 0) {
  }
  result.read_mb_s = megabytes / seconds_since(start);
  ::close(fd);
  ::unlink(path.c_str());
  return result;
}

double probe_loopback(long megabytes) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  ::listen(listener, 1);
  std::thread sink([listener] {
    int c = ::accept(listener, nullptr, nullptr);
    std::vector<char> buf(kChunk);
    while (::read(c, buf.data(), buf.size()) > 0) {
    }
    ::close(c);
  });
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  ::connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  std::vector<char> buf(kChunk, 'n');
  auto start = Clock::now();
  for (long i = 0; i < megabytes; ++i) {
    size_t sent = 0;
    while (sent < buf.size()) {
      ssize_t n = ::write(s, buf.data() + sent, buf.size() - sent);
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
  }
  ::shutdown(s, SHUT_WR);
  sink.join();
  double mb_s = megabytes / seconds_since(start);
  ::close(s);
  ::close(listener);
  return mb_s;
}

}  // namespace kb::bench
