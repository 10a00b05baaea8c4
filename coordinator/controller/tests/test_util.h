#pragma once
// Small builders for hand-made controller contexts and expected requests, so that each test can
// spell out the exact writes and requests it expects.
#include <initializer_list>
#include <ostream>
#include <string>
#include <vector>

#include "coordinator/controller/controller_context.h"
#include "coordinator/controller/decisions.h"

namespace kb::coordinator::controller::test {

inline BrokerId B(int id) {
  return BrokerId(id);
}

inline std::vector<BrokerId> Bs(std::initializer_list<int> ids) {
  std::vector<BrokerId> out;
  for (int id : ids) out.emplace_back(id);
  return out;
}

inline std::set<BrokerId> live_set(std::initializer_list<int> ids) {
  std::set<BrokerId> out;
  for (int id : ids) out.emplace(id);
  return out;
}

inline LeaderAndIsr lai(int leader, int leader_epoch, std::initializer_list<int> isr,
                        int controller_epoch) {
  return LeaderAndIsr{B(leader), LeaderEpoch(leader_epoch), Bs(isr),
                      ControllerEpoch(controller_epoch)};
}

inline LiveBroker broker(int id, int64_t epoch = 100) {
  BrokerInfo info;
  info.id = B(id);
  info.endpoints = {{"PLAINTEXT", "host" + std::to_string(id), 9092, "PLAINTEXT"}};
  return LiveBroker{info, BrokerEpoch(epoch)};
}

inline TopicPartition tp(const std::string& topic, int p) {
  return TopicPartition{topic, p};
}

// A controller (id 1, epoch 5) with the given live brokers and no topics.
inline ControllerContext make_context(std::initializer_list<int> live, int epoch = 5) {
  ControllerContext ctx;
  ctx.controller_id = B(1);
  ctx.epoch = ControllerEpoch(epoch);
  ctx.epoch_zk_version = ZkVersion(epoch);
  for (int id : live) ctx.live_brokers[B(id)] = broker(id);
  return ctx;
}

// Adds a partition with its assignment, optional /state, and Online states for everything
// (replicas on dead brokers Offline, partitions with a dead leader Offline).
inline void add_partition(ControllerContext& ctx, const TopicPartition& p,
                          std::initializer_list<int> replicas,
                          std::optional<LeaderAndIsr> state = std::nullopt, int zk_version = 0) {
  ctx.topics[p.topic].partitions[p.partition] = std::vector<int32_t>(replicas);
  if (state) {
    ctx.leadership[p] = PartitionLeadership{*state, ZkVersion(zk_version)};
    ctx.partition_states[p] =
        ctx.is_live(state->leader) ? PartitionState::kOnline : PartitionState::kOffline;
  } else {
    ctx.partition_states[p] = PartitionState::kNew;
  }
  for (int r : replicas) {
    ctx.replica_states[{p, B(r)}] =
        ctx.is_live(B(r)) ? ReplicaState::kOnline : ReplicaState::kOffline;
  }
}

// ---- expected requests ----
inline LeaderAndIsrPartition lair_part(const TopicPartition& p, LeaderAndIsr s, int zk,
                                       std::initializer_list<int> replicas, bool is_new = false) {
  return {p, std::move(s), ZkVersion(zk), Bs(replicas), is_new};
}
inline BrokerRequest lair(int target, std::vector<LeaderAndIsrPartition> parts,
                          std::initializer_list<int> leaders) {
  return LeaderAndIsrRequest{B(target), std::move(parts), Bs(leaders)};
}
inline UpdateMetadataPartition um_part(const TopicPartition& p, LeaderAndIsr s, int zk,
                                       std::initializer_list<int> replicas,
                                       std::initializer_list<int> offline = {}) {
  return {p, std::move(s), ZkVersion(zk), Bs(replicas), Bs(offline)};
}
inline BrokerRequest um(int target, std::vector<UpdateMetadataPartition> parts,
                        std::initializer_list<int> live) {
  return UpdateMetadataRequest{B(target), std::move(parts), Bs(live)};
}
inline BrokerRequest sr(int target, bool del, std::vector<std::pair<TopicPartition, int>> parts) {
  StopReplicaRequest r{B(target), del, {}};
  for (auto& [p, e] : parts) r.partitions.push_back({p, LeaderEpoch(e)});
  return r;
}

inline ZkWrite update(const TopicPartition& p, LeaderAndIsr s, int expected) {
  return zk::UpdatePartitionState{p, std::move(s), ZkVersion(expected)};
}
inline ZkWrite create(const TopicPartition& p, LeaderAndIsr s) {
  return zk::CreatePartitionState{p, std::move(s)};
}

}  // namespace kb::coordinator::controller::test

// GoogleTest printers (found by ADL), so a failed comparison shows the requests readably.
namespace kb::coordinator::controller {
void PrintTo(const LeaderAndIsrRequest& r, std::ostream* os);
void PrintTo(const UpdateMetadataRequest& r, std::ostream* os);
void PrintTo(const StopReplicaRequest& r, std::ostream* os);
}  // namespace kb::coordinator::controller
namespace kb::coordinator::controller::zk {
void PrintTo(const CreatePartitionState& w, std::ostream* os);
void PrintTo(const UpdatePartitionState& w, std::ostream* os);
void PrintTo(const DeleteTopic& w, std::ostream* os);
void PrintTo(const DeleteZnode& w, std::ostream* os);
}  // namespace kb::coordinator::controller::zk
namespace kb::coordinator {
void PrintTo(const LeaderAndIsr& s, std::ostream* os);
}
