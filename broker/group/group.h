#pragma once
// One consumer group as its coordinator holds it (Kafka 2.4's GroupMetadata): members, the
// generation, the chosen protocol, committed offsets, and the group state machine
//   Empty -> PreparingRebalance -> CompletingRebalance -> Stable -> PreparingRebalance ...
// with Dead once the group is deleted or its partition moved away.
//
// Plain data plus pure helpers; the GroupCoordinator owns instances and guards them with its
// lock, so nothing here synchronises.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "broker/group/offsets_records.h"
#include "common/error_code.h"

namespace kb::broker::group {

enum class GroupState { kEmpty, kPreparingRebalance, kCompletingRebalance, kStable, kDead };

// The names DescribeGroups and kafka-consumer-groups show.
const char* state_name(GroupState state);

struct JoinedMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::vector<uint8_t> metadata;
};

struct JoinResult {
  ErrorCode error = ErrorCode::kNone;
  int32_t generation = -1;
  std::string protocol_name;
  std::string leader;
  std::string member_id;
  std::vector<JoinedMember> members;  // only the leader gets them

  static JoinResult failure(ErrorCode e) {
    JoinResult r;
    r.error = e;
    return r;
  }
};

struct SyncResult {
  ErrorCode error = ErrorCode::kNone;
  std::vector<uint8_t> assignment;

  static SyncResult failure(ErrorCode e) { return SyncResult{e, {}}; }
};

using JoinCallback = std::function<void(JoinResult)>;
using SyncCallback = std::function<void(SyncResult)>;

struct MemberProtocol {
  std::string name;
  std::vector<uint8_t> metadata;
};

struct Member {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  int32_t rebalance_timeout_ms = 0;
  int32_t session_timeout_ms = 0;
  std::string protocol_type;
  std::vector<MemberProtocol> protocols;  // in the member's order of preference
  std::vector<uint8_t> assignment;
  JoinCallback awaiting_join;  // set while the member waits in a rebalance
  SyncCallback awaiting_sync;
  uint64_t heartbeat_token = 0;  // bumps whenever the deadline is re-armed: stale timers no-op

  const std::vector<uint8_t>* metadata_for(const std::string& protocol) const;
  bool matches(const std::vector<MemberProtocol>& other) const;
};

struct CommittedOffset {
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::string metadata;
  int64_t commit_timestamp = -1;
  std::optional<int64_t> expire_timestamp;
};

using TopicPartitionKey = std::pair<std::string, int32_t>;

class Group {
 public:
  Group(std::string id, GroupState state, int64_t now_ms)
      : id_(std::move(id)), state_(state), state_timestamp_ms_(now_ms) {}

  const std::string& id() const { return id_; }
  GroupState state() const { return state_; }
  bool is(GroupState s) const { return state_ == s; }
  // Kafka's valid-transition table; a bad transition is a coordinator bug, so it throws.
  void transition_to(GroupState next, int64_t now_ms);
  int64_t state_timestamp_ms() const { return state_timestamp_ms_; }

  int32_t generation() const { return generation_; }
  const std::optional<std::string>& protocol_type() const { return protocol_type_; }
  const std::optional<std::string>& protocol_name() const { return protocol_name_; }
  const std::optional<std::string>& leader() const { return leader_; }
  bool is_leader(const std::string& member_id) const { return leader_ && *leader_ == member_id; }

  std::map<std::string, Member>& members() { return members_; }
  const std::map<std::string, Member>& members() const { return members_; }
  bool has(const std::string& member_id) const { return members_.count(member_id) != 0; }
  Member* member(const std::string& member_id);
  void add(Member member);
  void remove(const std::string& member_id);
  // Static membership (KIP-345): the member id currently behind an instance id.
  std::optional<std::string> static_member(const std::string& instance_id) const;
  // A rejoining static member gets a fresh member id; the old one is fenced.
  void replace_static_member(const std::string& instance_id, const std::string& old_id,
                             const std::string& new_id);
  bool is_static_member_fenced(const std::string& member_id,
                               const std::optional<std::string>& instance_id) const;

  // Members told their id (MEMBER_ID_REQUIRED) that have not joined with it yet.
  std::set<std::string>& pending_members() { return pending_members_; }

  bool all_members_joined() const;
  size_t awaiting_join_count() const;
  std::vector<std::string> not_yet_rejoined() const;
  int32_t max_rebalance_timeout_ms() const;

  // The protocol every member supports that most members prefer (each member votes for its
  // first supported candidate). Empty when the members share none.
  std::optional<std::string> select_protocol() const;
  // Whether a joining member's protocols leave at least one protocol common to the group.
  bool supports_protocols(const std::string& protocol_type,
                          const std::vector<MemberProtocol>& protocols) const;
  // Next generation after a rebalance: the new protocol (none when the group emptied).
  void init_next_generation(int64_t now_ms);
  // For loading a group from __consumer_offsets.
  void restore(int32_t generation, std::optional<std::string> protocol_type,
               std::optional<std::string> protocol_name, std::optional<std::string> leader);

  // The record persisted for this group (group metadata value).
  GroupValue to_record(int64_t now_ms) const;

  std::map<TopicPartitionKey, CommittedOffset>& offsets() { return offsets_; }
  const std::map<TopicPartitionKey, CommittedOffset>& offsets() const { return offsets_; }
  // Offsets being written (kept out of OffsetFetch until they are replicated, as Kafka does).
  std::map<TopicPartitionKey, int>& pending_commits() { return pending_commits_; }

  // Rebalance bookkeeping: bumps on every prepare, so a stale join timer recognises itself.
  uint64_t rebalance_token() const { return rebalance_token_; }
  uint64_t next_rebalance_token() { return ++rebalance_token_; }
  // The first rebalance of an empty group waits group.initial.rebalance.delay.ms, again each
  // time a member joined meanwhile, within the rebalance timeout (Kafka's InitialDelayedJoin).
  struct InitialJoinDelay {
    bool active = false;
    bool new_member_added = false;
    int64_t remaining_ms = 0;
  };
  InitialJoinDelay& initial_join_delay() { return initial_join_delay_; }

  // Topics the consumer members subscribed to ("consumer" protocol only); nullopt when unknown.
  std::optional<std::set<std::string>> subscribed_topics() const;

 private:
  std::string id_;
  GroupState state_;
  int64_t state_timestamp_ms_;
  int32_t generation_ = 0;
  std::optional<std::string> protocol_type_;
  std::optional<std::string> protocol_name_;
  std::optional<std::string> leader_;
  std::map<std::string, Member> members_;
  std::map<std::string, std::string> static_members_;  // instance id -> member id
  std::set<std::string> pending_members_;
  std::map<TopicPartitionKey, CommittedOffset> offsets_;
  std::map<TopicPartitionKey, int> pending_commits_;
  uint64_t rebalance_token_ = 0;
  InitialJoinDelay initial_join_delay_;
};

}  // namespace kb::broker::group
