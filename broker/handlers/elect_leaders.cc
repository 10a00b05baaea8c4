// ElectLeaders (API 43, KIP-183/KIP-460): answered by the active controller. The controller
// elects on its own thread and replies with the leaders it wrote; like Kafka's
// DelayedElectLeader, the answer then waits (re-checked on the admin thread, no thread blocks)
// until this broker's metadata shows those leaders, or TimeoutMs passes.
#include "protocol/messages/elect_leaders.h"

#include <chrono>
#include <map>
#include <memory>

#include "broker/broker_services.h"
#include "broker/handlers/registry.h"
#include "common/error_code.h"
#include "common/logging.h"
#include "coordinator/controller/runtime/controller.h"

namespace kb::broker {

namespace {

using coordinator::controller::ElectionOutcome;
using coordinator::controller::ElectionType;
using Results = std::map<TopicPartition, ElectionOutcome>;
using Clock = std::chrono::steady_clock;

void respond(const RequestContext& ctx, bool all_partitions, const Results& results,
             ErrorCode top_level = ErrorCode::kNone) {
  protocol::ElectLeadersResponse response;
  response.error_code = to_wire(top_level);
  for (const auto& [tp, outcome] : results) {
    // Kafka leaves out, for "every partition", those that needed no election.
    if (all_partitions && outcome.error == ErrorCode::kElectionNotNeeded) continue;
    if (response.replica_election_results.empty() ||
        response.replica_election_results.back().topic != tp.topic) {
      response.replica_election_results.emplace_back();
      response.replica_election_results.back().topic = tp.topic;
    }
    auto& out = response.replica_election_results.back().partition_result.emplace_back();
    out.partition_id = tp.partition;
    out.error_code = to_wire(outcome.error);
    out.error_message = outcome.message;
  }
  ctx.respond(response);
}

bool leader_shown(const MetadataSnapshot& s, const TopicPartition& tp, BrokerId leader) {
  const PartitionInfo* p = s.partition(tp.topic, tp.partition);
  return p != nullptr && p->leader == leader.value();
}

// Partitions elected but not yet led (per this broker's metadata) by the elected replica get
// REQUEST_TIMED_OUT once the deadline passes.
void await_leaders(RequestContext ctx, bool all_partitions, std::shared_ptr<Results> results,
                   Clock::time_point deadline) {
  auto& services = *ctx.services;
  auto snapshot = services.metadata->snapshot();
  bool waiting = false;
  for (const auto& [tp, outcome] : *results) {
    if (outcome.error == ErrorCode::kNone && !leader_shown(*snapshot, tp, outcome.leader))
      waiting = true;
  }
  if (waiting && Clock::now() < deadline && services.admin_thread != nullptr) {
    services.admin_thread->post_after(std::chrono::milliseconds(10),
                                      [ctx, all_partitions, results, deadline] {
                                        await_leaders(ctx, all_partitions, results, deadline);
                                      });
    return;
  }
  for (auto& [tp, outcome] : *results) {
    if (outcome.error == ErrorCode::kNone && !leader_shown(*snapshot, tp, outcome.leader))
      outcome = {ErrorCode::kRequestTimedOut, std::nullopt, BrokerId(-1)};
  }
  respond(ctx, all_partitions, *results);
}

}  // namespace

void handle_elect_leaders(RequestContext ctx) {
  auto request = decode_body<protocol::ElectLeadersRequest>(ctx);
  auto& services = *ctx.services;
  const bool all_partitions = !request.topic_partitions.has_value();
  const auto deadline = Clock::now() + std::chrono::milliseconds(std::max(0, request.timeout_ms));

  // As Kafka 2.4's KafkaApis: "every partition" means every partition this broker's metadata
  // knows; the controller then judges each one.
  std::vector<TopicPartition> partitions;
  if (all_partitions) {
    auto snapshot = services.metadata->snapshot();
    for (const auto& [name, topic] : snapshot->topics)
      for (const auto& p : topic.partitions) partitions.push_back({name, p.partition});
  } else {
    for (const auto& t : *request.topic_partitions)
      for (int32_t p : t.partition_id) partitions.push_back({t.topic, p});
  }

  // v0 has no election type: always preferred. An unknown type fails Kafka 2.4's
  // ElectionType.valueOf inside the handler, which answers the generic error response:
  // UNKNOWN_SERVER_ERROR at the top level and for every partition.
  ElectionType type = ElectionType::kPreferred;
  if (ctx.version() >= 1) {
    if (request.election_type != 0 && request.election_type != 1) {
      Results results;
      for (const auto& tp : partitions)
        results[tp] = {ErrorCode::kUnknownServerError,
                       "Unknown election type " + std::to_string(request.election_type),
                       BrokerId(-1)};
      respond(ctx, all_partitions, results, ErrorCode::kUnknownServerError);
      return;
    }
    type = static_cast<ElectionType>(request.election_type);
  }

  if (services.controller == nullptr || !services.controller->is_active()) {
    Results results;
    for (const auto& tp : partitions)
      results[tp] = {ErrorCode::kNotController, std::nullopt, BrokerId(-1)};
    respond(ctx, all_partitions, results);
    return;
  }
  services.controller->elect_leaders(
      type, std::move(partitions),
      [ctx, all_partitions, deadline](const coordinator::controller::ElectLeadersReply& reply) {
        auto results = std::make_shared<Results>(reply.results);
        await_leaders(ctx, all_partitions, results, deadline);
      });
}

}  // namespace kb::broker
