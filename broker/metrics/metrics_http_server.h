#pragma once
// A small HTTP endpoint (POCO) that answers GET /metrics with the text a callback renders; any
// other path gets 404. Runs its own thread; start() binds, stop() joins.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace kb::broker {

class MetricsHttpServer {
 public:
  using Render = std::function<std::string()>;
  // Binds host:port (port 0: any free port). Throws std::runtime_error when it cannot bind.
  MetricsHttpServer(const std::string& host, uint16_t port, Render render);
  ~MetricsHttpServer();
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  uint16_t port() const;
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kb::broker
