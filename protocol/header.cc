#include "protocol/header.h"

#include "protocol/api_keys.h"

namespace kb::protocol {
namespace {

constexpr int16_t kApiVersionsKey = static_cast<int16_t>(ApiKey::kApiVersions);
constexpr int16_t kControlledShutdownKey = static_cast<int16_t>(ApiKey::kControlledShutdown);

}  // namespace

bool request_is_flexible(int16_t key, int16_t version) {
  const MessageSpec* spec = find_message_spec(key);
  return spec != nullptr && spec->is_flexible(version);
}

RequestHeader decode_request_header(Reader& r) {
  RequestHeader h;
  h.api_key = r.read_int16();
  h.api_version = r.read_int16();
  h.correlation_id = r.read_int32();
  if (h.api_key == kControlledShutdownKey && h.api_version == 0) return h;
  // The client id keeps its int16 length in every header version (flexibleVersions "none").
  h.client_id = r.read_nullable_string(false);
  if (request_is_flexible(h.api_key, h.api_version)) r.skip_tag_buffer();
  return h;
}

void encode_request_header(Writer& w, const RequestHeader& h) {
  w.write_int16(h.api_key);
  w.write_int16(h.api_version);
  w.write_int32(h.correlation_id);
  if (h.api_key == kControlledShutdownKey && h.api_version == 0) return;
  w.write_nullable_string(h.client_id, false);
  if (request_is_flexible(h.api_key, h.api_version)) w.write_empty_tag_buffer();
}

void encode_response_header(Writer& w, int32_t correlation_id, int16_t api_key,
                            int16_t api_version) {
  w.write_int32(correlation_id);
  if (api_key != kApiVersionsKey && request_is_flexible(api_key, api_version)) {
    w.write_empty_tag_buffer();
  }
}

}  // namespace kb::protocol
