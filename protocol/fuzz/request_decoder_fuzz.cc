// libFuzzer target: a request frame (header + body) as a client could send it. Decoding must
// either succeed or throw DecodeError; anything else (crash, other exception, sanitizer report,
// out-of-memory from a forged length) is a bug.
#include <cstddef>
#include <cstdint>

#include "protocol/api_keys.h"
#include "protocol/header.h"
#include "protocol/messages/any.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kb::protocol;
  try {
    Reader r(data, size);
    RequestHeader h = decode_request_header(r);
    const MessageSpec* spec = find_message_spec(h.api_key);
    if (spec == nullptr || !spec->is_valid_version(h.api_version)) return 0;
    Reader body = r;
    decode_any_request(h.api_key, h.api_version, body);
    // Responses are decoded by the controller and the client library: exercise them too.
    Reader response_body = r;
    decode_any_response(h.api_key, h.api_version, response_body);
  } catch (const DecodeError&) {
  }
  return 0;
}
