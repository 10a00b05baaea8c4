#pragma once
// What the admin client's group operations return (Kafka's ConsumerGroupListing,
// ConsumerGroupDescription, MemberDescription, ListOffsetsResultInfo), as plain values.
//
// Thread-safety: plain values.
#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/error_code.h"

namespace kb::clients {

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
  std::string to_string() const { return topic + "-" + std::to_string(partition); }
};

struct GroupListing {
  std::string group_id;
  std::string protocol_type;  // "consumer", "" (offsets only), or another protocol's name
  auto operator<=>(const GroupListing&) const = default;
};

struct MemberDescription {
  std::string member_id;
  std::optional<std::string> group_instance_id;  // static membership (KIP-345)
  std::string client_id;
  std::string host;
  // Decoded from the consumer protocol's Assignment; empty when the group is not a consumer
  // group or the member has no assignment yet. Sorted.
  std::vector<TopicPartition> assignment;
};

struct GroupCoordinator {
  int32_t id = -1;
  std::string host;
  int32_t port = 0;
};

struct GroupDescription {
  std::string group_id;
  ErrorCode error = ErrorCode::kNone;
  std::string message;  // empty when ok
  // Kafka's states: "Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead"
  // (a group the coordinator does not know is described as "Dead").
  std::string state;
  std::string protocol_type;
  std::string assignor;  // the chosen protocol name ("range", "roundrobin"), empty when none
  std::vector<MemberDescription> members;
  GroupCoordinator coordinator;
  bool ok() const { return error == ErrorCode::kNone; }
};

// A committed offset as OffsetFetch returns it.
struct CommittedOffset {
  int64_t offset = -1;
  std::optional<std::string> metadata;
};

// Which offset ListOffsets looks up: the log start, the log end, or the first offset whose
// timestamp is at or after a time (Kafka's OffsetSpec).
struct OffsetQuery {
  static constexpr int64_t kLatest = -1;
  static constexpr int64_t kEarliest = -2;
  int64_t timestamp = kLatest;  // kLatest, kEarliest or milliseconds since the epoch
};

struct ListedOffset {
  ErrorCode error = ErrorCode::kNone;
  // -1 when a timestamp query matched no record (every record is older).
  int64_t offset = -1;
  int64_t timestamp = -1;
};

}  // namespace kb::clients
