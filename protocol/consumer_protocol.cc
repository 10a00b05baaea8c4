#include "protocol/consumer_protocol.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string_view>

#include "protocol/wire.h"

namespace kb::protocol {
namespace {

using TopicPartitions = std::map<std::string, std::vector<int32_t>>;

void put_string(Writer& w, std::string_view s) {
  // Writer would silently wrap an int16 length; refuse instead of writing a corrupt blob.
  if (s.size() > size_t(std::numeric_limits<int16_t>::max())) {
    throw std::length_error("string of " + std::to_string(s.size()) +
                            " bytes does not fit an int16 length");
  }
  w.write_string(s);
}

void put_topic_partitions(Writer& w, const TopicPartitions& tps) {
  w.write_array_length(static_cast<int32_t>(tps.size()));
  for (const auto& [topic, partitions] : tps) {
    put_string(w, topic);
    w.write_array_length(static_cast<int32_t>(partitions.size()));
    for (int32_t p : partitions) w.write_int32(p);
  }
}

TopicPartitions read_topic_partitions(Reader& r) {
  TopicPartitions out;
  int32_t n = r.read_array_length();
  for (int32_t i = 0; i < n; ++i) {
    std::string topic = r.read_string();
    int32_t m = r.read_array_length();
    auto& partitions = out[topic];
    partitions.reserve(partitions.size() + size_t(m));
    for (int32_t j = 0; j < m; ++j) partitions.push_back(r.read_int32());
  }
  return out;
}

}  // namespace

std::optional<ConsumerSubscription> decode_subscription(std::span<const uint8_t> bytes) {
  try {
    Reader r(bytes);
    ConsumerSubscription s;
    s.version = r.read_int16();
    if (s.version < 0) return std::nullopt;
    int32_t n = r.read_array_length();
    s.topics.reserve(std::min(size_t(n), r.remaining() / 2));  // >= 2 bytes per topic on the wire
    for (int32_t i = 0; i < n; ++i) s.topics.push_back(r.read_string());
    s.user_data = r.read_nullable_bytes();
    if (s.version >= 1) s.owned_partitions = read_topic_partitions(r);
    return s;
  } catch (const DecodeError&) {
    return std::nullopt;
  }
}

std::optional<ConsumerAssignment> decode_assignment(std::span<const uint8_t> bytes) {
  try {
    Reader r(bytes);
    ConsumerAssignment a;
    a.version = r.read_int16();
    if (a.version < 0) return std::nullopt;
    a.partitions = read_topic_partitions(r);
    a.user_data = r.read_nullable_bytes();
    return a;
  } catch (const DecodeError&) {
    return std::nullopt;
  }
}

std::vector<uint8_t> encode_subscription(const ConsumerSubscription& subscription) {
  OutBuffer out;
  Writer w(out);
  w.write_int16(subscription.version);
  w.write_array_length(static_cast<int32_t>(subscription.topics.size()));
  for (const auto& t : subscription.topics) put_string(w, t);
  w.write_nullable_bytes(subscription.user_data);
  if (subscription.version >= 1) put_topic_partitions(w, subscription.owned_partitions);
  return out.flatten();
}

std::vector<uint8_t> encode_assignment(const ConsumerAssignment& assignment) {
  OutBuffer out;
  Writer w(out);
  w.write_int16(assignment.version);
  put_topic_partitions(w, assignment.partitions);
  w.write_nullable_bytes(assignment.user_data);
  return out.flatten();
}

}  // namespace kb::protocol
