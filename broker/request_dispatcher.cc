#include "broker/request_dispatcher.h"

#include "broker/broker_services.h"
#include "broker/handlers/registry.h"
#include "common/logging.h"
#include "protocol/api_keys.h"
#include "protocol/messages/api_versions.h"

namespace kb::broker {

void fill_api_versions(protocol::ApiVersionsResponse& response);  // handlers/api_versions.cc

namespace {

// Kafka answers an ApiVersions request of a version it does not know with a v0 body carrying
// UNSUPPORTED_VERSION and its own ApiVersions range, so the client can retry lower.
void reply_unsupported_api_versions(const RequestContext& ctx) {
  protocol::ApiVersionsResponse response;
  response.error_code = to_wire(ErrorCode::kUnsupportedVersion);
  fill_api_versions(response);
  protocol::OutBuffer out;
  protocol::Writer writer(out);
  protocol::encode_response_header(writer, ctx.header.correlation_id, ctx.header.api_key, 0);
  response.encode(writer, 0);
  ctx.send(std::move(out));
}

}  // namespace

void RequestContext::send(protocol::OutBuffer out) const {
  responder.send(network::OutPayload{std::move(out.chunks)});
}

void RequestDispatcher::dispatch(network::Request request, network::Responder responder) {
  RequestContext ctx;
  ctx.frame = request.frame;
  ctx.client_host = request.client_host;
  ctx.responder = responder;
  ctx.services = &services_;
  try {
    protocol::Reader reader(request.frame->data(), request.frame->size());
    ctx.header = protocol::decode_request_header(reader);
    ctx.body_offset = request.frame->size() - reader.remaining();
  } catch (const std::exception& e) {
    KB_LOG_WARN("network") << "Closing connection from " << request.client_host << ":"
                           << request.client_port << ": malformed request header (" << e.what()
                           << ")";
    responder.close();
    return;
  }

  const HandlerEntry* entry = find_handler(ctx.header.api_key);
  if (entry == nullptr || ctx.header.api_version < entry->min_version ||
      ctx.header.api_version > entry->max_version) {
    if (ctx.header.api_key == int16_t(protocol::ApiKey::kApiVersions)) {
      reply_unsupported_api_versions(ctx);
      return;
    }
    KB_LOG_WARN("network") << "Closing connection from " << request.client_host << ":"
                           << request.client_port << ": unsupported API key " << ctx.header.api_key
                           << " version " << ctx.header.api_version;
    responder.close();
    return;
  }
  try {
    entry->handler(ctx);
  } catch (const protocol::DecodeError& e) {
    KB_LOG_WARN("network") << "Closing connection from " << request.client_host << ":"
                           << request.client_port << ": malformed request body for API key "
                           << ctx.header.api_key << " v" << ctx.header.api_version << " ("
                           << e.what() << ")";
    responder.close();
  } catch (const std::exception& e) {
    KB_LOG_ERROR("network") << "Handler for API key " << ctx.header.api_key
                            << " failed: " << e.what() << "; closing the connection";
    responder.close();
  }
}

}  // namespace kb::broker
