#pragma once
// Private to the group coordinator's .cc files: its state and the helpers shared by the
// membership half (group_membership.cc) and the offsets half (group_offsets.cc).
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "broker/group/group_coordinator.h"

namespace kb::broker::group {

// Work collected under the lock and run after it is released: responses and appends. Keeps
// callbacks from re-entering the coordinator while it holds its mutex.
class GroupCoordinator::Deferred {
 public:
  void add(std::function<void()> fn) { fns_.push_back(std::move(fn)); }
  void run() {
    for (auto& fn : fns_) fn();
    fns_.clear();
  }

 private:
  std::vector<std::function<void()>> fns_;
};

enum class PartitionStatus { kLoading, kOwned };

struct OwnedPartition {
  PartitionStatus status = PartitionStatus::kLoading;
  uint64_t load_token = 0;
};

struct GroupCoordinator::Impl {
  Impl(GroupSettings s, GroupEnvironment& e) : settings(s), env(e) {}

  GroupSettings settings;
  GroupEnvironment& env;
  mutable std::mutex mu;
  std::map<int32_t, OwnedPartition> partitions;
  uint64_t next_load_token = 0;
  std::map<std::string, std::unique_ptr<Group>> groups;
  // Lets timers scheduled before destruction notice that the coordinator is gone.
  std::shared_ptr<Impl*> alive = std::make_shared<Impl*>(this);

  int32_t partition_for(const std::string& group_id) const;
  // NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS / INVALID_GROUP_ID, or kNone.
  ErrorCode check_coordinator(const std::string& group_id) const;
  Group* find(const std::string& group_id);
  Group& create(const std::string& group_id);
  std::string new_member_id(const std::string& client_id) const;
  // Runs `fn` under the lock after `delay_ms`, unless the coordinator is destroyed by then.
  void schedule_locked(int64_t delay_ms, std::function<void(Deferred&)> fn);

  // Membership (group_membership.cc).
  void arm_heartbeat(Group& g, Member& m);
  void on_heartbeat_timer(const std::string& group_id, const std::string& member_id, uint64_t token,
                          Deferred& d);
  void join_unknown(Group& g, JoinRequest& req, JoinCallback cb, Deferred& d);
  void join_known(Group& g, JoinRequest& req, JoinCallback cb, Deferred& d);
  void add_member_and_rebalance(Group& g, const JoinRequest& req, const std::string& member_id,
                                JoinCallback cb, Deferred& d);
  void update_member_and_rebalance(Group& g, Member& m, const JoinRequest& req, JoinCallback cb,
                                   Deferred& d);
  void maybe_prepare_rebalance(Group& g, Deferred& d);
  void prepare_rebalance(Group& g, Deferred& d);
  void on_join_timer(const std::string& group_id, uint64_t token, Deferred& d);
  void maybe_complete_join(Group& g, Deferred& d);
  void complete_join(Group& g, Deferred& d);
  JoinResult current_join_result(const Group& g, const std::string& member_id) const;
  void remove_member_and_update(Group& g, const std::string& member_id, ErrorCode waiting_error,
                                Deferred& d);
  void reset_and_propagate_assignment_error(Group& g, ErrorCode error, Deferred& d);
  void on_group_stored(const std::string& group_id, int32_t generation, ErrorCode error,
                       Deferred& d);
  // Appends the group's metadata record (with `assignments` when given); `then` gets the
  // append's error under the lock.
  void store_group(Group& g, const std::map<std::string, std::vector<uint8_t>>* assignments,
                   std::function<void(ErrorCode, Deferred&)> then, Deferred& d);
  void append_locked(int32_t partition, std::vector<KeyValue> records,
                     std::function<void(ErrorCode, Deferred&)> then, Deferred& d);

  // Offsets (group_offsets.cc).
  void do_commit(Group& g, OffsetCommitRequest& req,
                 std::function<void(std::vector<ErrorCode>)> done, Deferred& d);
  void remove_group_locked(Group& g, Deferred& d);
};

// Kafka's mapping of __consumer_offsets append errors to what the client is told.
enum class AppendPurpose { kGroupMetadata, kOffsetCommit };
ErrorCode append_error_for(AppendPurpose purpose, ErrorCode append_error);

}  // namespace kb::broker::group
