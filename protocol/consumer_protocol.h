#pragma once
// The embedded formats of the "consumer" protocol type (Kafka 2.4 ConsumerProtocol): what a
// consumer puts in JoinGroup's protocol metadata (Subscription) and what the leader hands out in
// SyncGroup (Assignment). The broker only needs them to answer DescribeGroups/ListGroups and to
// know which topics a group consumes (offset expiry of subscribed topics), but decoding must never
// trust the bytes: they come straight from clients.
//
//   Subscription v0: version int16, topics [string], user_data nullable bytes
//   Subscription v1: v0 + owned_partitions [{topic string, partitions [int32]}]
//   Assignment v0/v1: version int16, partitions [{topic string, partitions [int32]}],
//                     user_data nullable bytes
//
// A version above 1 is read with the v1 layout and trailing bytes are ignored, which is Kafka's
// forward-compatibility rule (newer clients only append fields); a negative version is malformed.
//
// Thread-safety: pure functions.
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace kb::protocol {

inline constexpr char kConsumerProtocolType[] = "consumer";

struct ConsumerSubscription {
  int16_t version = 0;
  std::vector<std::string> topics;
  std::optional<std::vector<uint8_t>> user_data;
  // v1+ (KIP-429 cooperative rebalancing): partitions the member owns; not written by v0.
  std::map<std::string, std::vector<int32_t>> owned_partitions = {};
  bool operator==(const ConsumerSubscription&) const = default;
};

struct ConsumerAssignment {
  int16_t version = 0;
  std::map<std::string, std::vector<int32_t>> partitions;
  std::optional<std::vector<uint8_t>> user_data = std::nullopt;
  bool operator==(const ConsumerAssignment&) const = default;
};

// nullopt when malformed (short, negative version, negative or oversized lengths, null topic).
// A topic listed twice in an assignment or in owned_partitions gets its partitions concatenated.
std::optional<ConsumerSubscription> decode_subscription(std::span<const uint8_t> bytes);
std::optional<ConsumerAssignment> decode_assignment(std::span<const uint8_t> bytes);

// Written with the struct's version (v0 layout for 0, v1 layout for 1 and above). Topic names are
// written in map order. Strings over 32767 bytes throw std::length_error.
std::vector<uint8_t> encode_subscription(const ConsumerSubscription& subscription);
std::vector<uint8_t> encode_assignment(const ConsumerAssignment& assignment);

}  // namespace kb::protocol
