// OffsetCommit: written to the group's partition of __consumer_offsets at acks=all; answered
// once replicated (or with the mapped error).
#include "protocol/messages/offset_commit.h"
#include "broker/broker_services.h"
#include "broker/group_coordinator_host.h"
#include "broker/handlers/registry.h"
#include "broker/task_thread.h"
#include "common/error_code.h"
#include "common/logging.h"
#include "coordinator/consumer_offsets_zk.h"
#include "coordinator/kafka_zk.h"

namespace kb::broker {

namespace {

// OffsetCommit v0 (pre-0.9 consumers): offsets go to ZooKeeper, not to the group coordinator,
// and any broker takes them, as in Kafka 2.4.
void commit_to_zookeeper(RequestContext ctx, protocol::OffsetCommitRequest request) {
  auto& services = *ctx.services;
  const int32_t max_metadata = services.config->get_int("offset.metadata.max.bytes");
  services.admin_thread->post([ctx, request = std::move(request), max_metadata] {
    auto& svc = *ctx.services;
    auto snapshot = svc.metadata->snapshot();
    protocol::OffsetCommitResponse response;
    for (const auto& t : request.topics) {
      decltype(response.topics)::value_type to;
      to.name = t.name;
      for (const auto& p : t.partitions) {
        ErrorCode e = ErrorCode::kNone;
        if (snapshot->partition(t.name, p.partition_index) == nullptr) {
          e = ErrorCode::kUnknownTopicOrPartition;
        } else if (static_cast<int64_t>(p.committed_metadata.value_or("").size()) > max_metadata) {
          e = ErrorCode::kOffsetMetadataTooLarge;
        } else {
          try {
            coordinator::set_consumer_offset(svc.zk->client(), request.group_id, t.name,
                                             p.partition_index, p.committed_offset);
          } catch (const std::exception& ex) {
            KB_LOG_WARN("group") << "Storing a v0 offset of group " << request.group_id
                                 << " in ZooKeeper failed: " << ex.what();
            e = ErrorCode::kUnknownServerError;
          }
        }
        decltype(to.partitions)::value_type po;
        po.partition_index = p.partition_index;
        po.error_code = to_wire(e);
        to.partitions.push_back(po);
      }
      response.topics.push_back(std::move(to));
    }
    ctx.respond(response);
  });
}

}  // namespace

void handle_offset_commit(RequestContext ctx) {
  auto request = decode_body<protocol::OffsetCommitRequest>(ctx);
  if (ctx.version() == 0) return commit_to_zookeeper(std::move(ctx), std::move(request));
  group::OffsetCommitRequest commit;
  commit.group_id = request.group_id;
  commit.generation = request.generation_id_or_member_epoch;
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
