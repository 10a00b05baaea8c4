#pragma once
// The group coordinator (Kafka 2.4's GroupCoordinator + GroupMetadataManager): consumer groups
// whose id hashes to an __consumer_offsets partition this broker leads. Membership (join, sync,
// heartbeat, leave, session and rebalance timeouts), committed offsets, and their persistence
// as records of __consumer_offsets.
//
// The broker supplies a GroupEnvironment (clock, timers, appends to __consumer_offsets); unit
// tests supply a fake one, so the whole state machine runs without sockets or disks.
//
// Thread safety: every public method may be called from any thread. One mutex guards all
// groups; callbacks (responses) and appends run after it is released, never under it, and
// environment callbacks re-enter through the public surface.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "broker/group/group.h"
#include "broker/group/offsets_loader.h"

namespace kb::broker::group {

struct GroupSettings {
  int32_t offsets_partitions = 50;            // offsets.topic.num.partitions
  int32_t min_session_timeout_ms = 6000;      // group.min.session.timeout.ms
  int32_t max_session_timeout_ms = 1800000;   // group.max.session.timeout.ms
  int32_t initial_rebalance_delay_ms = 3000;  // group.initial.rebalance.delay.ms
  int32_t max_size = 2147483647;              // group.max.size
  int64_t offsets_retention_ms = 604800000;   // offsets.retention.minutes
  int32_t offset_metadata_max_bytes = 4096;   // offset.metadata.max.bytes
};

class GroupEnvironment {
 public:
  virtual ~GroupEnvironment() = default;
  virtual int64_t now_ms() = 0;
  // Runs `fn` after `delay_ms` on another thread; never runs it inside schedule() itself.
  virtual void schedule(int64_t delay_ms, std::function<void()> fn) = 0;
  // Appends to partition `partition` of __consumer_offsets as its leader and calls `done` once
  // the records are replicated (acks=all) or failed. `done` may run on any thread, even inside
  // append itself: the coordinator holds no lock when it calls append.
  virtual void append(int32_t partition, std::vector<KeyValue> records,
                      std::function<void(ErrorCode)> done) = 0;
};

struct JoinRequest {
  std::string group_id;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  std::string protocol_type;
  std::vector<MemberProtocol> protocols;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  // JoinGroup v4+: an unknown member first gets MEMBER_ID_REQUIRED and its id (KIP-394).
  bool require_known_member_id = false;
};

struct SyncRequest {
  std::string group_id;
  int32_t generation = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::vector<std::pair<std::string, std::vector<uint8_t>>> assignments;  // leader only
};

struct LeavingMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
};

struct LeaveResult {
  ErrorCode error = ErrorCode::kNone;
  std::vector<ErrorCode> members;  // per leaving member, in request order
};

struct OffsetCommitEntry {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::string metadata;
  int64_t commit_timestamp = -1;  // -1: now (OffsetCommit v1 may set it)
};

struct OffsetCommitRequest {
  std::string group_id;
  int32_t generation = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  int64_t retention_ms = -1;  // OffsetCommit v2-4; -1: the broker's retention
  std::vector<OffsetCommitEntry> entries;
};

struct FetchedOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::string metadata;
  ErrorCode error = ErrorCode::kNone;
};

struct OffsetFetchResult {
  ErrorCode error = ErrorCode::kNone;
  std::vector<FetchedOffset> offsets;
};

struct MemberDescription {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  std::vector<uint8_t> metadata;
  std::vector<uint8_t> assignment;
};

struct GroupDescription {
  ErrorCode error = ErrorCode::kNone;
  std::string group_id;
  std::string state;
  std::string protocol_type;
  std::string protocol;
  std::vector<MemberDescription> members;
};

struct ListedGroup {
  std::string group_id;
  std::string protocol_type;
};

struct ListGroupsResult {
  ErrorCode error = ErrorCode::kNone;
  std::vector<ListedGroup> groups;
};

// Destroy the coordinator only after the environment's timers and appends have stopped.
class GroupCoordinator {
 public:
  GroupCoordinator(GroupSettings settings, GroupEnvironment& env);
  ~GroupCoordinator();

  int32_t partition_for(const std::string& group_id) const;

  void join_group(JoinRequest request, JoinCallback done);
  void sync_group(SyncRequest request, SyncCallback done);
  ErrorCode heartbeat(const std::string& group_id, const std::string& member_id,
                      const std::optional<std::string>& group_instance_id, int32_t generation);
  LeaveResult leave_group(const std::string& group_id, const std::vector<LeavingMember>& members);

  void commit_offsets(OffsetCommitRequest request,
                      std::function<void(std::vector<ErrorCode>)> done);
  // `partitions` nullopt: every committed offset of the group.
  OffsetFetchResult fetch_offsets(const std::string& group_id,
                                  const std::optional<std::vector<TopicPartitionKey>>& partitions);
  std::vector<GroupDescription> describe_groups(const std::vector<std::string>& group_ids);
  ListGroupsResult list_groups();
  void delete_groups(std::vector<std::string> group_ids,
                     std::function<void(std::vector<ErrorCode>)> done);
  // OffsetDelete: the top-level error, then one per partition.
  void delete_offsets(const std::string& group_id, std::vector<TopicPartitionKey> partitions,
                      std::function<void(ErrorCode, std::vector<ErrorCode>)> done);

  // This broker became leader of __consumer_offsets partition `partition`: its groups answer
  // COORDINATOR_LOAD_IN_PROGRESS until finish_loading hands over what the log held. The token
  // ties a load to its begin: a load overtaken by a resign or a newer begin is dropped.
  uint64_t begin_loading(int32_t partition);
  void finish_loading(int32_t partition, uint64_t token, LoadedOffsets loaded);
  // Leadership of `partition` moved away: its groups are dropped (waiting members are told
  // NOT_COORDINATOR and find the new coordinator).
  void resign(int32_t partition);
  bool is_loading(int32_t partition) const;
  bool owns(int32_t partition) const;

  // Expires offsets older than offsets.retention.minutes and removes empty groups without
  // offsets (Kafka's periodic cleanupGroupMetadata). Returns how many offsets expired.
  size_t expire_offsets();

  size_t group_count() const;

 private:
  class Deferred;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kb::broker::group
