#pragma once
// What the four controller-plane handlers share: the epoch checks every controller request
// passes (reference §2.5, §3.3), the conversions from request layouts of every version to what
// ReplicaManager takes, and the thread they run on.
//
// Thread-safety: the check_/conversion functions are pure; admit_controller_request updates
// services.controller_epoch atomically.
#include <cstdint>
#include <functional>
#include <map>
#include <string_view>
#include <vector>

#include "broker/replica_manager.h"
#include "common/error_code.h"
#include "common/types.h"

namespace kb::protocol {
struct LeaderAndIsrRequest;
struct LeaderAndIsrResponse;
struct StopReplicaRequest;
struct StopReplicaResponse;
}  // namespace kb::protocol

namespace kb::broker {

class BrokerServices;

// The request's broker epoch when it carries none (or the controller does not know it).
inline constexpr int64_t kUnknownBrokerEpoch = -1;

// Kafka 2.4 order: a stale broker epoch first (a request meant for an earlier incarnation of this
// broker), then a controller epoch older than the newest seen. -1 skips the broker epoch check;
// a larger broker epoch is accepted (the controller may learn it before this broker does).
ErrorCode check_controller_request(int32_t request_controller_epoch, int64_t request_broker_epoch,
                                   int32_t known_controller_epoch, int64_t current_broker_epoch);

// check_controller_request against the broker's state; when accepted, raises
// services.controller_epoch to the request's. Refusals are logged at WARN and in the state-change
// log.
ErrorCode admit_controller_request(BrokerServices& services, std::string_view api_name,
                                   int32_t controller_id, int32_t controller_epoch,
                                   int64_t broker_epoch);

// True when this broker may serve controller-only admin requests (CreateTopics, DeleteTopics,
// CreatePartitions): its controller is active, or — before a Controller is wired — the metadata
// sync won /controller.
bool is_active_controller(const BrokerServices& services);

// Runs `task` on the thread controller requests are applied on (in arrival order, together with
// topic config reloads so logs are never created with a config older than the last applied
// change). Inline when no TopicConfigCache is wired (tests).
void run_controller_task(BrokerServices& services, std::function<void()> task);

// ---- LeaderAndIsr ----
// The partition states of any version (v0-1 flat, v2+ grouped by topic), in request order.
std::vector<PartitionRole> partition_roles(const protocol::LeaderAndIsrRequest& request,
                                           int16_t version);
std::map<BrokerId, LeaderEndpoint> live_leader_endpoints(
    const protocol::LeaderAndIsrRequest& request);
// One partition error per role, in order: the result for the partition, or `top_level_error`
// when the request was refused as a whole (Kafka answers every partition with it then).
protocol::LeaderAndIsrResponse leader_and_isr_response(
    const std::vector<PartitionRole>& roles, const std::map<TopicPartition, ErrorCode>& results,
    ErrorCode top_level_error);

// ---- StopReplica ----
std::vector<TopicPartition> stop_replica_partitions(const protocol::StopReplicaRequest& request,
                                                    int16_t version);
// Refused requests (top-level error) list no partitions, as in Kafka 2.4.
protocol::StopReplicaResponse stop_replica_response(
    const std::vector<TopicPartition>& partitions,
    const std::map<TopicPartition, ErrorCode>& results, ErrorCode top_level_error);

}  // namespace kb::broker
