#pragma once
// Decodes the request header, finds the handler in the registry and runs it on the calling
// network thread. A frame that cannot be decoded, an unknown API or an unsupported version
// (other than ApiVersions, which gets Kafka's v0 error body) closes the connection: that is what
// Kafka does, and clients that negotiate never send such requests.
#include "broker/network/socket_server.h"

namespace kb::broker {

class BrokerServices;

class RequestDispatcher : public network::RequestDispatcher {
 public:
  explicit RequestDispatcher(BrokerServices& services) : services_(services) {}
  void dispatch(network::Request request, network::Responder responder) override;

 private:
  BrokerServices& services_;
};

}  // namespace kb::broker
