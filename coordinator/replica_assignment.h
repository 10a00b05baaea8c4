#pragma once
// Replica placement for new topics and added partitions: pure functions, no ZooKeeper access.
//
// Thread-safety: pure functions; safe from any thread (the random strategies use a local engine).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error_code.h"
#include "coordinator/znodes.h"

namespace kb::coordinator {

struct BrokerInfoLite {
  int32_t id = 0;
  std::optional<std::string> rack;
};

enum class AssignmentStrategy {
  // Ours, the default: over the sorted broker ids, partition p's replica j is on
  // sorted[(p + j + start) % n] with start = fixed_start_index or 0. Predictable placement.
  kRoundRobin,
  // Kafka's AdminUtils without racks: random start index and replica shift (injectable).
  kKafkaRandom,
  // Kafka's AdminUtils with racks: a rack-alternated broker list, at most one replica per rack
  // until every rack has one. Falls back to kKafkaRandom when no broker has a rack.
  kRackAware,
};

struct AssignmentResult {
  ErrorCode error = ErrorCode::kNone;
  std::string message;  // Kafka's wording, for the CreateTopics error_message
  ReplicaAssignment assignment;
  bool ok() const { return error == ErrorCode::kNone; }
};

// `brokers` may be in any order (they are sorted by id here). Partition numbers run from
// start_partition to start_partition + num_partitions - 1. fixed_start_index / fixed_shift
// replace the random choices of the Kafka strategies (a negative value means "random"); when
// only the start index is fixed, the shift equals it, as in Kafka.
AssignmentResult assign_replicas(const std::vector<BrokerInfoLite>& brokers,
                                 int32_t num_partitions, int16_t replication_factor,
                                 AssignmentStrategy strategy = AssignmentStrategy::kRoundRobin,
                                 int32_t start_partition = 0,
                                 std::optional<int32_t> fixed_start_index = std::nullopt,
                                 std::optional<int32_t> fixed_shift = std::nullopt);

// Kafka's rack-alternated order (§6.2 step 1): racks sorted by name, ids sorted within a rack,
// then round-robin over the racks. Brokers without a rack are ignored.
std::vector<int32_t> rack_alternated_broker_list(const std::vector<BrokerInfoLite>& brokers);

// Placement of added partitions (kafka-topics --alter --partitions): keeps the existing ones and
// appends new_total - existing.size() partitions, with Kafka's start index (position of the first
// broker whose id >= partition 0's preferred leader) as both start index and shift.
AssignmentResult assign_added_partitions(const std::vector<BrokerInfoLite>& brokers,
                                         const ReplicaAssignment& existing, int32_t new_total,
                                         AssignmentStrategy strategy);

}  // namespace kb::coordinator
