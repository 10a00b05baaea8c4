// OffsetDelete (KIP-496): removes a group's committed offsets for partitions it no longer
// consumes; GROUP_SUBSCRIBED_TO_TOPIC for topics its members still subscribe to.
#include "protocol/messages/offset_delete.h"
#include "broker/broker_services.h"
#include "broker/group_coordinator_host.h"
#include "broker/handlers/registry.h"
#include "common/error_code.h"

namespace kb::broker {

void handle_offset_delete(RequestContext ctx) {
  auto request = decode_body<protocol::OffsetDeleteRequest>(ctx);
  // As Kafka's KafkaApis.handleOffsetDeleteRequest: partitions the metadata does not know get
  // UNKNOWN_TOPIC_OR_PARTITION and are not passed to the coordinator.
  auto snapshot = ctx.services->metadata->snapshot();
  std::vector<group::TopicPartitionKey> partitions;
  std::vector<bool> unknown;  // per requested partition, in request order
  for (const auto& t : request.topics) {
    for (const auto& p : t.partitions) {
      bool missing = snapshot->partition(t.name, p.partition_index) == nullptr;
      unknown.push_back(missing);
      if (!missing) partitions.emplace_back(t.name, p.partition_index);
    }
  }
  auto topics = request.topics;
  ctx.services->groups->coordinator().delete_offsets(
      request.group_id, std::move(partitions),
      [ctx, topics, unknown](ErrorCode top, std::vector<ErrorCode> errors) {
        protocol::OffsetDeleteResponse response;
        response.error_code = to_wire(top);
        if (top == ErrorCode::kNone) {
          size_t i = 0, k = 0;
          for (const auto& t : topics) {
            decltype(response.topics)::value_type to;
            to.name = t.name;
            for (const auto& p : t.partitions) {
              decltype(to.partitions)::value_type po;
              po.partition_index = p.partition_index;
              po.error_code = unknown[k++] ? to_wire(ErrorCode::kUnknownTopicOrPartition)
                                           : to_wire(errors.at(i++));
              to.partitions.push_back(po);
            }
            response.topics.push_back(std::move(to));
          }
        }
        ctx.respond(response);
      });
}

}  // namespace kb::broker
