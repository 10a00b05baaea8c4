// OffsetCommit: written to the group's partition of __consumer_offsets at acks=all; answered
// once replicated (or with the mapped error).
#include "protocol/messages/offset_commit.h"
#include "broker/broker_services.h"
#include "broker/group_coordinator_host.h"
#include "broker/handlers/registry.h"
#include "common/error_code.h"

namespace kb::broker {

void handle_offset_commit(RequestContext ctx) {
  auto request = decode_body<protocol::OffsetCommitRequest>(ctx);
  group::OffsetCommitRequest commit;
  commit.group_id = request.group_id;
  // v0 has neither generation nor member: a commit outside group management.
  commit.generation = ctx.version() >= 1 ? request.generation_id_or_member_epoch : -1;
  commit.member_id = request.member_id;
  commit.group_instance_id = request.group_instance_id;
  if (ctx.version() >= 2 && ctx.version() <= 4) commit.retention_ms = request.retention_time_ms;
  auto shape = std::make_shared<protocol::OffsetCommitResponse>();
  // Kafka answers UNKNOWN_TOPIC_OR_PARTITION for partitions the metadata does not know and
  // stores only the others (KafkaApis.handleOffsetCommitRequest).
  auto snapshot = ctx.services->metadata->snapshot();
  auto unknown = std::make_shared<std::vector<bool>>();  // per partition, in request order
  for (const auto& t : request.topics) {
    decltype(shape->topics)::value_type to;
    to.name = t.name;
    for (const auto& p : t.partitions) {
      decltype(to.partitions)::value_type po;
      po.partition_index = p.partition_index;
      to.partitions.push_back(po);
      if (snapshot->partition(t.name, p.partition_index) == nullptr) {
        unknown->push_back(true);
        continue;
      }
      unknown->push_back(false);
      group::OffsetCommitEntry e;
      e.topic = t.name;
      e.partition = p.partition_index;
      e.offset = p.committed_offset;
      e.leader_epoch = p.committed_leader_epoch;
      e.metadata = p.committed_metadata.value_or("");
      if (ctx.version() == 1) e.commit_timestamp = p.commit_timestamp;
      commit.entries.push_back(std::move(e));
    }
    shape->topics.push_back(std::move(to));
  }
  if (commit.entries.empty()) {
    // Nothing to store (Kafka answers without asking the coordinator).
    for (auto& t : shape->topics) {
      for (auto& p : t.partitions) p.error_code = to_wire(ErrorCode::kUnknownTopicOrPartition);
    }
    ctx.respond(*shape);
    return;
  }
  ctx.services->groups->coordinator().commit_offsets(
      std::move(commit), [ctx, shape, unknown](std::vector<ErrorCode> errors) {
        size_t i = 0, k = 0;
        for (auto& t : shape->topics) {
          for (auto& p : t.partitions) {
            p.error_code = (*unknown)[k++] ? to_wire(ErrorCode::kUnknownTopicOrPartition)
                                           : to_wire(errors.at(i++));
          }
        }
        ctx.respond(*shape);
      });
}

}  // namespace kb::broker
