#include "broker/group/offsets_records.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string_view>

#include "protocol/records/record_batch.h"

// Layouts (after the int16 version; Kafka 2.4 GroupMetadataManager):
//   offset key v0/v1:   group string, topic string, partition int32
//   group key v2:       group string
//   offset value v0:    offset int64, metadata string, timestamp int64
//   offset value v1:    offset int64, metadata string, commit_timestamp int64, expire_timestamp
//   int64 offset value v2:    offset int64, metadata string, commit_timestamp int64 offset value
//   v3:    offset int64, leader_epoch int32, metadata string, commit_timestamp int64 group value
//   v0..v3: protocol_type string, generation int32, protocol nullable string,
//                       leader nullable string, [v2+ current_state_timestamp int64],
//                       members [member]
//   member v0:          member_id, client_id, client_host strings, session_timeout int32,
//                       subscription bytes, assignment bytes
//   member v1/v2:       member_id, client_id, client_host, rebalance_timeout int32,
//                       session_timeout int32, subscription, assignment
//   member v3:          member_id, group_instance_id nullable string, then as v1

namespace kb::broker::group {
namespace {

using protocol::DecodeError;
using protocol::OutBuffer;
using protocol::Reader;
using protocol::Writer;

// The Writer silently truncates an int16 length; a corrupt record would be worse than a refusal.
void check_string(std::string_view s) {
  if (s.size() > size_t(std::numeric_limits<int16_t>::max())) {
    throw std::length_error("string of " + std::to_string(s.size()) +
                            " bytes does not fit an int16 length");
  }
}

void put_string(Writer& w, std::string_view s) {
  check_string(s);
  w.write_string(s);
}

void put_nullable_string(Writer& w, const std::optional<std::string>& s) {
  if (s) check_string(*s);
  w.write_nullable_string(s);
}

void check_version(int16_t version, const char* what) {
  if (version < 0 || version > 3) {
    throw std::invalid_argument(std::string("unknown ") + what + " version " +
                                std::to_string(version));
  }
}

std::vector<uint8_t> take(const OutBuffer& out) {
  return out.flatten();
}

}  // namespace

std::vector<uint8_t> encode_offset_key(const OffsetKey& key) {
  OutBuffer out;
  Writer w(out);
  w.write_int16(kOffsetKeyVersion);
  put_string(w, key.group);
  put_string(w, key.topic);
  w.write_int32(key.partition);
  return take(out);
}

std::vector<uint8_t> encode_group_key(const std::string& group) {
  OutBuffer out;
  Writer w(out);
  w.write_int16(kGroupKeyVersion);
  put_string(w, group);
  return take(out);
}

std::vector<uint8_t> encode_offset_value(const OffsetValue& value) {
  return encode_offset_value(
      value, value.expire_timestamp ? kOffsetValueVersionWithExpire : kOffsetValueVersion);
}

std::vector<uint8_t> encode_offset_value(const OffsetValue& value, int16_t version) {
  check_version(version, "offset value");
  OutBuffer out;
  Writer w(out);
  w.write_int16(version);
  w.write_int64(value.offset);
  if (version == 3) w.write_int32(value.leader_epoch);
  put_string(w, value.metadata);
  w.write_int64(value.commit_timestamp);
  // -1 is OffsetCommitRequest.DEFAULT_TIMESTAMP, which v1 readers take as "no expiry".
  if (version == 1) w.write_int64(value.expire_timestamp.value_or(-1));
  return take(out);
}

std::vector<uint8_t> encode_group_value(const GroupValue& value) {
  return encode_group_value(value, kGroupValueVersion);
}

std::vector<uint8_t> encode_group_value(const GroupValue& value, int16_t version) {
  check_version(version, "group value");
  OutBuffer out;
  Writer w(out);
  w.write_int16(version);
  put_string(w, value.protocol_type);
  w.write_int32(value.generation);
  put_nullable_string(w, value.protocol);
  put_nullable_string(w, value.leader);
  if (version >= 2) w.write_int64(value.current_state_timestamp);
  w.write_array_length(static_cast<int32_t>(value.members.size()));
  for (const auto& m : value.members) {
    put_string(w, m.member_id);
    if (version >= 3) put_nullable_string(w, m.group_instance_id);
    put_string(w, m.client_id);
    put_string(w, m.client_host);
    if (version >= 1) w.write_int32(m.rebalance_timeout_ms);
    w.write_int32(m.session_timeout_ms);
    w.write_bytes(m.subscription);
    w.write_bytes(m.assignment);
  }
  return take(out);
}

RecordKey decode_key(std::span<const uint8_t> bytes) {
  Reader r(bytes);
  int16_t version = r.read_int16();
  if (version == 0 || version == 1) {
    OffsetKey key;
    key.group = r.read_string();
    key.topic = r.read_string();
    key.partition = r.read_int32();
    return key;
  }
  if (version == 2) return r.read_string();
  throw DecodeError("unknown __consumer_offsets key version " + std::to_string(version));
}

OffsetValue decode_offset_value(std::span<const uint8_t> bytes) {
  Reader r(bytes);
  int16_t version = r.read_int16();
  if (version < 0 || version > 3) {
    throw DecodeError("unknown offset value version " + std::to_string(version));
  }
  OffsetValue v;
  v.offset = r.read_int64();
  if (version == 3) v.leader_epoch = r.read_int32();
  v.metadata = r.read_string();
  v.commit_timestamp = r.read_int64();
  if (version == 1) {
    int64_t expire = r.read_int64();
    if (expire != -1) v.expire_timestamp = expire;
  }
  return v;
}

GroupValue decode_group_value(std::span<const uint8_t> bytes) {
  Reader r(bytes);
  int16_t version = r.read_int16();
  if (version < 0 || version > 3) {
    throw DecodeError("unknown group metadata value version " + std::to_string(version));
  }
  GroupValue g;
  g.protocol_type = r.read_string();
  g.generation = r.read_int32();
  g.protocol = r.read_nullable_string();
  g.leader = r.read_nullable_string();
  if (version >= 2) g.current_state_timestamp = r.read_int64();
  int32_t n = r.read_array_length();
  // A member takes at least 22 bytes (v0: three empty strings, a timeout, two empty byte
  // arrays); reserving by that keeps a forged count from reserving ~100x the input size.
  g.members.reserve(std::min(size_t(n), r.remaining() / 22));
  for (int32_t i = 0; i < n; ++i) {
    GroupMemberRecord m;
    m.member_id = r.read_string();
    if (version >= 3) m.group_instance_id = r.read_nullable_string();
    m.client_id = r.read_string();
    m.client_host = r.read_string();
    if (version >= 1) m.rebalance_timeout_ms = r.read_int32();
    m.session_timeout_ms = r.read_int32();
    if (version == 0) m.rebalance_timeout_ms = m.session_timeout_ms;
    m.subscription = r.read_bytes();
    m.assignment = r.read_bytes();
    g.members.push_back(std::move(m));
  }
  return g;
}

namespace {

// Decodes one UTF-8 sequence at s[i] into a code point, advancing i. An invalid sequence yields
// U+FFFD and consumes its maximal valid prefix (at least one byte), which is Unicode's recommended
// practice and what Java's UTF-8 decoder does; the exact rule only matters for invalid group ids,
// which real clients never send.
uint32_t next_code_point(std::string_view s, size_t& i) {
  auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t b0 = byte(i);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int extra;
  uint32_t cp;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the first continuation byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    extra = 1, cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    extra = 2, cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;  // overlong
    if (b0 == 0xED) hi = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    extra = 3, cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;  // overlong
    if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    ++i;
    return 0xFFFD;
  }
  ++i;
  for (int k = 0; k < extra; ++k, lo = 0x80, hi = 0xBF) {
    if (i >= s.size() || byte(i) < lo || byte(i) > hi) return 0xFFFD;
    cp = (cp << 6) | (byte(i) & 0x3F);
    ++i;
  }
  return cp;
}

}  // namespace

int32_t java_string_hash(const std::string& s) {
  uint32_t h = 0;  // unsigned: Java's int overflow wraps, C++'s signed overflow is undefined
  size_t i = 0;
  while (i < s.size()) {
    uint32_t cp = next_code_point(s, i);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      h = h * 31 + (0xD800 + (cp >> 10));
      h = h * 31 + (0xDC00 + (cp & 0x3FF));
    } else {
      h = h * 31 + cp;
    }
  }
  return static_cast<int32_t>(h);
}

int32_t offsets_partition_for(const std::string& group_id, int32_t partition_count) {
  if (partition_count <= 0) return 0;
  int32_t h = java_string_hash(group_id);
  // Kafka's Utils.abs, not Utils.toPositive (h & 0x7fffffff): the two differ for every negative
  // hash, and only Utils.abs puts groups where a Kafka broker looks for them.
  int32_t abs = h == std::numeric_limits<int32_t>::min() ? 0 : (h < 0 ? -h : h);
  return abs % partition_count;
}

std::vector<uint8_t> build_batch(const std::vector<KeyValue>& records, int64_t now_ms) {
  return build_batch(records, now_ms, records::Compression::kNone);
}

std::vector<uint8_t> build_batch(const std::vector<KeyValue>& records, int64_t now_ms,
                                 records::Compression codec) {
  if (records.empty()) return {};
  records::RecordBatchBuilder builder;
  builder.set_compression(codec);
  for (const auto& kv : records) {
    std::optional<std::span<const uint8_t>> value;
    if (kv.value) value = std::span<const uint8_t>(*kv.value);
    builder.add(std::span<const uint8_t>(kv.key), value, {}, now_ms);
  }
  return builder.build();
}

}  // namespace kb::broker::group
