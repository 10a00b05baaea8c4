#pragma once
// What a request handler gets: the decoded header, the request body, the broker's services and a
// way to answer. Handlers run on the connection's network thread and must not block: anything
// that waits (ZooKeeper writes, long polls) continues elsewhere and answers through the copy of
// the context it keeps.
#include <memory>
#include <string>
#include <vector>

#include "broker/network/request.h"
#include "protocol/header.h"
#include "protocol/wire.h"

namespace kb::broker {

class BrokerServices;

struct RequestContext {
  protocol::RequestHeader header;
  std::shared_ptr<const network::FrameBytes> frame;
  size_t body_offset = 0;
  std::string client_host;
  network::Responder responder;
  BrokerServices* services = nullptr;

  int16_t version() const { return header.api_version; }
  protocol::Reader body() const {
    return protocol::Reader(frame->data() + body_offset, frame->size() - body_offset);
  }
  // The request frame is owned by this request alone, so handlers may rewrite batches inside it
  // (offset assignment) instead of copying them.
  uint8_t* mutable_frame_data() const { return const_cast<uint8_t*>(frame->data()); }

  // Encodes header + body at the request's version and sends it.
  template <typename Response>
  void respond(const Response& response) const {
    protocol::OutBuffer out;
    protocol::Writer writer(out);
    protocol::encode_response_header(writer, header.correlation_id, header.api_key,
                                     header.api_version);
    response.encode(writer, header.api_version);
    send(std::move(out));
  }
  void send(protocol::OutBuffer out) const;
};

// Decodes the request body at the header's version; DecodeError propagates to the dispatcher,
// which logs it and closes the connection.
template <typename Request>
Request decode_body(const RequestContext& ctx) {
  Request request;
  auto reader = ctx.body();
  request.decode(reader, ctx.version());
  return request;
}

}  // namespace kb::broker
