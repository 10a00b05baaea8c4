#pragma once
// The record formats of the internal `__consumer_offsets` topic, byte-compatible with Kafka 2.4
// (GroupMetadataManager's schemas), so that a log written by Kafka loads here and the other way
// round, and so that Kafka's tools (kafka-console-consumer with the offsets formatter) read ours.
//
// Every key and value starts with an int16 schema version. Keys: versions 0 and 1 are offset
// commit keys {group string, topic string, partition int32} (Kafka writes 1), version 2 is a group
// metadata key {group string}. Offset commit values v0..v3, group metadata values v0..v3; the
// layouts are spelled out in offsets_records.cc. Strings are int16-length UTF-8, bytes
// int32-length.
//
// Thread-safety: pure functions.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "protocol/records/compression.h"
#include "protocol/wire.h"  // DecodeError, what the decoders throw

namespace kb::broker::group {

inline constexpr int16_t kOffsetKeyVersion = 1;  // the one Kafka 2.4 writes (0 reads the same)
inline constexpr int16_t kGroupKeyVersion = 2;
inline constexpr int16_t kOffsetValueVersionWithExpire = 1;
inline constexpr int16_t kOffsetValueVersion = 3;
inline constexpr int16_t kGroupValueVersion = 3;

struct OffsetKey {
  std::string group;
  std::string topic;
  int32_t partition;
  bool operator==(const OffsetKey&) const = default;
};

struct OffsetValue {
  int64_t offset;
  int32_t leader_epoch = -1;  // -1: unknown (values before v3 never carry one)
  std::string metadata;
  int64_t commit_timestamp;
  // Only OffsetCommit v1 requests (explicit per-commit timestamp) and v2-v4 retention times set
  // this; Kafka 2.4 then writes v1, the only value version that stores it.
  std::optional<int64_t> expire_timestamp = std::nullopt;
  bool operator==(const OffsetValue&) const = default;
};

struct GroupMemberRecord {
  std::string member_id;
  std::optional<std::string> group_instance_id;  // static membership (KIP-345), v3 only
  std::string client_id;
  std::string client_host;
  int32_t rebalance_timeout_ms;  // v0 values have none: decoded as the session timeout, as Kafka
  int32_t session_timeout_ms;
  std::vector<uint8_t> subscription;  // the member's metadata for the group's chosen protocol
  std::vector<uint8_t> assignment;
  bool operator==(const GroupMemberRecord&) const = default;
};

struct GroupValue {
  std::string protocol_type;  // "" for a group without one (Kafka writes getOrElse(""))
  int32_t generation;
  std::optional<std::string> protocol;
  std::optional<std::string> leader;
  int64_t current_state_timestamp = -1;  // v2+; -1 when absent
  std::vector<GroupMemberRecord> members = {};
  bool operator==(const GroupValue&) const = default;
};

// Encoders. Strings longer than 32767 bytes cannot be represented (int16 lengths) and throw
// std::length_error; callers bound the sizes first (offset.metadata.max.bytes, request decoding).
std::vector<uint8_t> encode_offset_key(const OffsetKey& key);
// v3, or v1 when expire_timestamp is set (as Kafka 2.4 with inter.broker.protocol.version 2.4).
std::vector<uint8_t> encode_offset_value(const OffsetValue& value);
std::vector<uint8_t> encode_group_key(const std::string& group);
// v3.
std::vector<uint8_t> encode_group_value(const GroupValue& value);

// Explicit-version encoders (0..3), for older inter-broker protocol versions and for tests. Fields
// a version cannot hold are dropped (v0/v2 offsets: leader epoch and expire timestamp; v1: leader
// epoch, and an absent expire timestamp is written as -1; group v0: rebalance timeout, v0/v1:
// state timestamp, v0-v2: group instance id). Other versions throw std::invalid_argument.
std::vector<uint8_t> encode_offset_value(const OffsetValue& value, int16_t version);
std::vector<uint8_t> encode_group_value(const GroupValue& value, int16_t version);

// A decoded key: an offset commit key, or the group name of a group metadata key.
using RecordKey = std::variant<OffsetKey, std::string /*group*/>;

// Decoders throw kb::protocol::DecodeError on an unknown version or malformed (short, negative
// length, null where not nullable) input. Bytes after the last field are ignored, as Kafka does.
RecordKey decode_key(std::span<const uint8_t> bytes);
OffsetValue decode_offset_value(std::span<const uint8_t> bytes);  // v0..v3
GroupValue decode_group_value(std::span<const uint8_t> bytes);    // v0..v3

// The `__consumer_offsets` partition that holds a group: Utils.abs(groupId.hashCode()) %
// partition_count. hashCode is Java's String.hashCode over UTF-16 code units (group ids are UTF-8
// on the wire; invalid sequences count as U+FFFD, as Java's decoder makes them). Kafka's Utils.abs
// maps Integer.MIN_VALUE to 0 and is Math.abs otherwise. Returns 0 when partition_count <= 0.
int32_t offsets_partition_for(const std::string& group_id, int32_t partition_count);
// Java's String.hashCode of the UTF-8 string `s` (exposed for tests and for diagnostics).
int32_t java_string_hash(const std::string& s);

// One record of an offsets batch; value nullopt = tombstone (deletes the key).
struct KeyValue {
  std::vector<uint8_t> key;
  std::optional<std::vector<uint8_t>> value;
};

// One v2 batch (magic 2, CRC-32C, CreateTime, every timestamp = now_ms, producer id -1, base offset
// 0; the log assigns offsets on append) holding `records` in order. Empty `records` gives an empty
// vector: there is nothing to append, and a zero-record batch would not pass validation.
std::vector<uint8_t> build_batch(const std::vector<KeyValue>& records, int64_t now_ms);
// Same, compressing the records with `codec` (offsets.topic.compression.codec).
std::vector<uint8_t> build_batch(const std::vector<KeyValue>& records, int64_t now_ms,
                                 records::Compression codec);

}  // namespace kb::broker::group
