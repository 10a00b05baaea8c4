// ApiVersions: the advertised ranges come straight from the handler registry.
#include <regex>

#include "broker/handlers/registry.h"
#include "common/error_code.h"
#include "protocol/messages/api_versions.h"

namespace kb::broker {

namespace {
// Kafka accepts client software names/versions of this shape only (KIP-511).
bool valid_software_field(const std::string& s) {
  static const std::regex pattern("[a-zA-Z0-9](?:[a-zA-Z0-9\\-.]*[a-zA-Z0-9])?");
  return std::regex_match(s, pattern);
}
}  // namespace

void fill_api_versions(protocol::ApiVersionsResponse& response) {
  using Entry = decltype(response.api_keys)::value_type;
  for (const auto& handler : handler_registry()) {
    Entry entry;
    entry.api_key = handler.api_key;
    entry.min_version = handler.min_version;
    entry.max_version = handler.max_version;
    response.api_keys.push_back(entry);
  }
}

void handle_api_versions(RequestContext ctx) {
  auto request = decode_body<protocol::ApiVersionsRequest>(ctx);
  protocol::ApiVersionsResponse response;
  if (ctx.version() >= 3 && (!valid_software_field(request.client_software_name) ||
                             !valid_software_field(request.client_software_version))) {
    response.error_code = to_wire(ErrorCode::kInvalidRequest);
    ctx.respond(response);
    return;
  }
  fill_api_versions(response);
  ctx.respond(response);
}

}  // namespace kb::broker
