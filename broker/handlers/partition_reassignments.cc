// AlterPartitionReassignments and ListPartitionReassignments (KIP-455, Kafka 2.4): answered by
// the active controller from its event thread; any other broker says NOT_CONTROLLER so that the
// client looks the controller up again (Metadata's ControllerId) and retries there.
#include "broker/broker_services.h"
#include "broker/handlers/registry.h"
#include "coordinator/controller/runtime/controller.h"
#include "protocol/messages/alter_partition_reassignments.h"
#include "protocol/messages/list_partition_reassignments.h"

namespace kb::broker {

namespace {

using coordinator::controller::AlterReassignmentsReply;
using coordinator::controller::ListReassignmentsReply;

std::vector<int32_t> to_ints(const std::vector<BrokerId>& ids) {
  std::vector<int32_t> out;
  out.reserve(ids.size());
  for (BrokerId id : ids) out.push_back(id.value());
  return out;
}

bool is_controller(const RequestContext& ctx) {
  return ctx.services->controller != nullptr && ctx.services->controller->is_active();
}

}  // namespace

void handle_alter_partition_reassignments(RequestContext ctx) {
  auto request = decode_body<protocol::AlterPartitionReassignmentsRequest>(ctx);
  auto respond = [ctx](const AlterReassignmentsReply& reply) {
    protocol::AlterPartitionReassignmentsResponse response;
    response.error_code = to_wire(reply.error);
    response.error_message = std::nullopt;
    if (reply.error == ErrorCode::kNone) {
      for (const auto& [tp, result] : reply.results) {
        if (response.responses.empty() || response.responses.back().name != tp.topic) {
          response.responses.emplace_back();
          response.responses.back().name = tp.topic;
        }
        auto& p = response.responses.back().partitions.emplace_back();
        p.partition_index = tp.partition;
        p.error_code = to_wire(result.error);
        p.error_message = result.message;
      }
    }
    ctx.respond(response);
  };
  if (!is_controller(ctx)) {
    respond({ErrorCode::kNotController, {}});
    return;
  }
  std::map<TopicPartition, std::optional<std::vector<BrokerId>>> reassignments;
  for (const auto& t : request.topics) {
    for (const auto& p : t.partitions) {
      std::optional<std::vector<BrokerId>> target;
      if (p.replicas) target = coordinator::controller::to_broker_ids(*p.replicas);
      reassignments[TopicPartition{t.name, p.partition_index}] = std::move(target);
    }
  }
  ctx.services->controller->alter_partition_reassignments(std::move(reassignments), respond);
}

void handle_list_partition_reassignments(RequestContext ctx) {
  auto request = decode_body<protocol::ListPartitionReassignmentsRequest>(ctx);
  auto respond = [ctx](const ListReassignmentsReply& reply) {
    protocol::ListPartitionReassignmentsResponse response;
    response.error_code = to_wire(reply.error);
    response.error_message = std::nullopt;
    for (const auto& [tp, ongoing] : reply.reassignments) {
      if (response.topics.empty() || response.topics.back().name != tp.topic) {
        response.topics.emplace_back();
        response.topics.back().name = tp.topic;
      }
      auto& p = response.topics.back().partitions.emplace_back();
      p.partition_index = tp.partition;
      p.replicas = to_ints(ongoing.replicas);
      p.adding_replicas = to_ints(ongoing.adding);
      p.removing_replicas = to_ints(ongoing.removing);
    }
    ctx.respond(response);
  };
  if (!is_controller(ctx)) {
    respond({ErrorCode::kNotController, {}});
    return;
  }
  std::optional<std::vector<TopicPartition>> partitions;
  if (request.topics) {
    partitions.emplace();
    for (const auto& t : *request.topics)
      for (int32_t index : t.partition_indexes)
        partitions->push_back(TopicPartition{t.name, index});
  }
  ctx.services->controller->list_partition_reassignments(std::move(partitions), respond);
}

}  // namespace kb::broker
