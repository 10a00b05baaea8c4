#include "broker/metrics/metrics_http_server.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include <stdexcept>

#include "common/logging.h"

namespace kb::broker {
namespace {

class MetricsHandler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit MetricsHandler(const MetricsHttpServer::Render& render) : render_(render) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    const std::string path = request.getURI().substr(0, request.getURI().find('?'));
    if (path != "/metrics" || request.getMethod() != Poco::Net::HTTPRequest::HTTP_GET) {
      response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_NOT_FOUND);
      response.setContentType("text/plain");
      response.send() << "Only GET /metrics is served here\n";
      return;
    }
    const std::string body = render_();
    response.setContentType("text/plain; version=0.0.4; charset=utf-8");
    response.setContentLength(static_cast<std::streamsize>(body.size()));
    response.send() << body;
  }

 private:
  const MetricsHttpServer::Render& render_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(const MetricsHttpServer::Render& render) : render_(render) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new MetricsHandler(render_);
  }

 private:
  const MetricsHttpServer::Render& render_;
};

}  // namespace

struct MetricsHttpServer::Impl {
  Render render;
  std::unique_ptr<Poco::Net::HTTPServer> server;
  uint16_t port = 0;
  bool stopped = false;
};

MetricsHttpServer::MetricsHttpServer(const std::string& host, uint16_t port, Render render)
    : impl_(std::make_unique<Impl>()) {
  impl_->render = std::move(render);
  try {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress(host, port));
    impl_->port = socket.address().port();
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(2);
    params->setMaxQueued(16);
    impl_->server = std::make_unique<Poco::Net::HTTPServer>(new Factory(impl_->render), socket,
                                                            params);
    impl_->server->start();
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("cannot serve metrics on " + host + ":" + std::to_string(port) +
                             ": " + e.displayText());
  }
  KB_LOG_INFO("metrics") << "Serving metrics on http://" << host << ":" << impl_->port
                         << "/metrics";
}

MetricsHttpServer::~MetricsHttpServer() {
  stop();
}

uint16_t MetricsHttpServer::port() const {
  return impl_->port;
}

void MetricsHttpServer::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  if (impl_->server) impl_->server->stopAll(true);
}

}  // namespace kb::broker
