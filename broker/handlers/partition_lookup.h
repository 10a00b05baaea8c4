#pragma once
// The checks every partition-level read does before touching the log: this broker must lead the
// partition, and a client that names a leader epoch (KIP-320) must name the current one.
#include <memory>
#include <string>

#include "broker/broker_services.h"
#include "common/error_code.h"

namespace kb::broker {

struct LedPartition {
  std::shared_ptr<Partition> partition;  // null when `error` is set
  ErrorCode error = ErrorCode::kNone;
};

inline LedPartition find_led_partition(const BrokerServices& services,
                                       const MetadataSnapshot& snapshot, const std::string& topic,
                                       int32_t partition, int32_t current_leader_epoch) {
  auto p = services.replicas->get(TopicPartition{topic, partition});
  if (!p) {
    return {nullptr, snapshot.partition(topic, partition) ? ErrorCode::kNotLeaderOrFollower
                                                          : ErrorCode::kUnknownTopicOrPartition};
  }
  if (current_leader_epoch >= 0) {
    int32_t ours = p->leader_epoch().value();
    if (current_leader_epoch < ours) return {nullptr, ErrorCode::kFencedLeaderEpoch};
    if (current_leader_epoch > ours) return {nullptr, ErrorCode::kUnknownLeaderEpoch};
  }
  return {std::move(p), ErrorCode::kNone};
}

}  // namespace kb::broker
