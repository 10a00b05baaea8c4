#pragma once
// Request and response headers (KIP-482 header versions):
//   request header v1 = api_key int16, api_version int16, correlation_id int32, client_id
//   nullable string (always int16-length, even in flexible versions); v2 = v1 + tag buffer, used
//   when (api, version) is flexible. ControlledShutdown v0 uses header v0 (no client id).
//   response header v0 = correlation_id; v1 = + tag buffer, for flexible versions except
//   ApiVersions, whose response header is always v0 so that any client can parse it.
#include <cstdint>
#include <optional>
#include <string>

#include "protocol/wire.h"

namespace kb::protocol {

struct RequestHeader {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::optional<std::string> client_id;
};

// True when (key, version) uses flexible encoding per the spec table; false for unknown keys.
bool request_is_flexible(int16_t key, int16_t version);

// Reads the request header, leaving `r` at the start of the body. For an unknown api key no tag
// buffer is read (the caller answers or closes based on the key). Throws DecodeError.
RequestHeader decode_request_header(Reader& r);

void encode_request_header(Writer& w, const RequestHeader& h);

// Writes the response header for a response to (api_key, api_version).
void encode_response_header(Writer& w, int32_t correlation_id, int16_t api_key,
                            int16_t api_version);

}  // namespace kb::protocol
