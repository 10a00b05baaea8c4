#pragma once
// Internal (not installed): encode a generated request at the negotiated version, send it, and
// decode the generated response. Keeps protocol headers out of the public client headers.
#include <cstdint>
#include <string>
#include <vector>

#include "clients/connection.h"
#include "clients/errors.h"
#include "protocol/wire.h"

namespace kb::clients::detail {

// A `records` field of the response is a view into the reply bytes: a caller that reads one
// passes `keep_reply`, which receives those bytes (moving a vector keeps its buffer, so the views
// stay valid as long as *keep_reply lives).
template <typename Response, typename Request>
Response call(Connection& conn, const Request& request, Clock::time_point deadline,
              int16_t* used_version = nullptr, std::vector<uint8_t>* keep_reply = nullptr) {
  int16_t version = conn.version_for(Request::kApiKey);
  if (used_version != nullptr) *used_version = version;
  protocol::OutBuffer out;
  protocol::Writer w(out);
  request.encode(w, version);
  auto body = out.flatten();
  auto reply = conn.roundtrip(Request::kApiKey, version, body, deadline);
  Response response;
  try {
    protocol::Reader r(reply.data(), reply.size());
    response.decode(r, version);
  } catch (const protocol::DecodeError& e) {
    conn.close();
    throw NetworkError(conn.endpoint().to_string() + ": malformed response: " + e.what());
  }
  if (keep_reply != nullptr) *keep_reply = std::move(reply);
  return response;
}

}  // namespace kb::clients::detail
