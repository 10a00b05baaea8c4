// ElectLeaders (API 43) on the controller: Kafka 2.4's processReplicaLeaderElection with the
// AdminClientTriggered trigger, as a pure decision.
#include <algorithm>
#include <sstream>

#include "coordinator/controller/decision_builder.h"
#include "coordinator/controller/decisions.h"

namespace kb::coordinator::controller {
namespace {

std::string_view type_name(ElectionType t) {
  return t == ElectionType::kPreferred ? "PREFERRED" : "UNCLEAN";
}

// Kafka's StateChangeFailedException message names the strategy by its Scala toString; the
// tool prints it, so keep Kafka's spelling.
std::string_view strategy_name(ElectionType t) {
  return t == ElectionType::kPreferred ? "PreferredReplicaPartitionLeaderElectionStrategy"
                                       : "OfflinePartitionLeaderElectionStrategy(true)";
}

// Whether the leader the election would choose already leads: then there is nothing to do and
// re-electing would only bump the leader epoch.
bool already_valid(const ControllerContext& ctx, const TopicPartition& tp, ElectionType type) {
  const PartitionLeadership* l = ctx.find_leadership(tp);
  if (l == nullptr) return false;
  const BrokerId leader = l->leader_and_isr.leader;
  if (type == ElectionType::kPreferred) {
    std::vector<BrokerId> replicas = ctx.replicas(tp);
    return !replicas.empty() && leader == replicas.front();
  }
  return leader != BrokerId(-1) && ctx.is_live(leader);
}

}  // namespace

Decision decide_elect_leaders(const ControllerContext& context, const ElectLeadersEvent& e) {
  DecisionBuilder b(context);
  ElectLeadersReply reply;
  std::vector<TopicPartition> requested = e.partitions;
  std::sort(requested.begin(), requested.end());
  requested.erase(std::unique(requested.begin(), requested.end()), requested.end());

  std::vector<TopicPartition> electable;
  for (const TopicPartition& tp : requested) {
    if (!context.has_partition(tp)) {
      reply.results[tp] = {ErrorCode::kUnknownTopicOrPartition, "The partition does not exist.",
                           BrokerId(-1)};
    } else if (context.is_queued_for_deletion(tp.topic)) {
      reply.results[tp] = {ErrorCode::kInvalidTopicException, "The topic is being deleted",
                           BrokerId(-1)};
    } else if (already_valid(context, tp, e.type)) {
      reply.results[tp] = {ErrorCode::kElectionNotNeeded, std::nullopt, BrokerId(-1)};
    } else {
      electable.push_back(tp);
    }
  }
  if (electable.empty()) {
    b.decision().elect_leaders_reply = std::move(reply);
    return b.finish();
  }

  std::ostringstream names;
  for (size_t i = 0; i < electable.size(); ++i) names << (i ? "," : "") << electable[i].to_string();
  b.log("Starting replica leader election (" + std::string(type_name(e.type)) +
        ") for partitions " + names.str() + " triggered by AdminClientTriggered");
  b.partitions_to(electable, PartitionState::kOnline,
                  e.type == ElectionType::kPreferred ? ElectionStrategy::kPreferred
                                                     : ElectionStrategy::kAdminUnclean);

  // A successful election wrote /state; a failed one left the partition's state untouched.
  for (const TopicPartition& tp : electable) {
    const PartitionLeadership* before = context.find_leadership(tp);
    const PartitionLeadership* after = b.ctx().find_leadership(tp);
    if (after != nullptr && (before == nullptr || after->zk_version != before->zk_version)) {
      reply.results[tp] = {ErrorCode::kNone, std::nullopt, after->leader_and_isr.leader};
    } else {
      reply.results[tp] = {e.type == ElectionType::kPreferred
                               ? ErrorCode::kPreferredLeaderNotAvailable
                               : ErrorCode::kEligibleLeadersNotAvailable,
                           "Failed to elect leader for partition " + tp.to_string() +
                               " under strategy " + std::string(strategy_name(e.type)),
                           BrokerId(-1)};
    }
  }
  b.decision().elect_leaders_reply = std::move(reply);
  return b.finish();
}

}  // namespace kb::coordinator::controller
