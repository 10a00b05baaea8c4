#include "broker/handlers/registry.h"
#include "common/error_code.h"

#include "protocol/api_keys.h"

namespace kb::broker {

using protocol::ApiKey;

const std::vector<HandlerEntry>& handler_registry() {
  static const std::vector<HandlerEntry> table = {
      {int16_t(ApiKey::kProduce), 0, 8, handle_produce},
      {int16_t(ApiKey::kFetch), 0, 11, handle_fetch},
      {int16_t(ApiKey::kListOffsets), 0, 5, handle_list_offsets},
      {int16_t(ApiKey::kMetadata), 0, 8, handle_metadata},
      {int16_t(ApiKey::kLeaderAndIsr), 0, 4, handle_leader_and_isr},
      {int16_t(ApiKey::kStopReplica), 0, 2, handle_stop_replica},
      {int16_t(ApiKey::kUpdateMetadata), 0, 6, handle_update_metadata},
      {int16_t(ApiKey::kControlledShutdown), 0, 3, handle_controlled_shutdown},
      {int16_t(ApiKey::kApiVersions), 0, 3, handle_api_versions},
      {int16_t(ApiKey::kCreateTopics), 0, 4, handle_create_topics},
      {int16_t(ApiKey::kDeleteTopics), 0, 3, handle_delete_topics},
      {int16_t(ApiKey::kDescribeConfigs), 0, 3, handle_describe_configs},
      {int16_t(ApiKey::kAlterConfigs), 0, 1, handle_alter_configs},
      {int16_t(ApiKey::kCreatePartitions), 0, 1, handle_create_partitions},
      {int16_t(ApiKey::kOffsetForLeaderEpoch), 0, 3, handle_offset_for_leader_epoch},
      // 0-1 only: v2 is flexible; the clients we serve use 0-1 (shared reference).
      {int16_t(ApiKey::kInitProducerId), 0, 1, handle_init_producer_id},
      {int16_t(ApiKey::kFindCoordinator), 0, 2, handle_find_coordinator},
      {int16_t(ApiKey::kJoinGroup), 0, 5, handle_join_group},
      {int16_t(ApiKey::kSyncGroup), 0, 3, handle_sync_group},
      {int16_t(ApiKey::kHeartbeat), 0, 3, handle_heartbeat},
      {int16_t(ApiKey::kLeaveGroup), 0, 3, handle_leave_group},
      {int16_t(ApiKey::kOffsetCommit), 0, 7, handle_offset_commit},
      {int16_t(ApiKey::kOffsetFetch), 0, 5, handle_offset_fetch},
      {int16_t(ApiKey::kDescribeGroups), 0, 4, handle_describe_groups},
      {int16_t(ApiKey::kListGroups), 0, 2, handle_list_groups},
      {int16_t(ApiKey::kDeleteGroups), 0, 1, handle_delete_groups},
      {int16_t(ApiKey::kElectLeaders), 0, 2, handle_elect_leaders},
      {int16_t(ApiKey::kOffsetDelete), 0, 0, handle_offset_delete},
      {int16_t(ApiKey::kAlterPartitionReassignments), 0, 0, handle_alter_partition_reassignments},
      {int16_t(ApiKey::kListPartitionReassignments), 0, 0, handle_list_partition_reassignments},
  };
  return table;
}

const HandlerEntry* find_handler(int16_t api_key) {
  for (const auto& entry : handler_registry()) {
    if (entry.api_key == api_key) return &entry;
  }
  return nullptr;
}

}  // namespace kb::broker
