// OffsetForLeaderEpoch (v0-3): for each partition, the end offset of the requested leader epoch
// in this leader's log (KIP-101/279): the start of the next larger epoch, or the log end for the
// latest one, with the largest epoch <= the requested one (v1+). Followers ask this before
// fetching to find where their log diverged. Only the leader answers, except for the debugging
// replica id -2 (v3), which may read a follower's cache too, as Kafka allows.
#include "protocol/messages/offset_for_leader_epoch.h"
#include "broker/broker_services.h"
#include "broker/handlers/partition_lookup.h"
#include "broker/handlers/registry.h"
#include "broker/storage/leader_epoch_cache.h"
#include "common/error_code.h"

namespace kb::broker {

namespace {

constexpr int32_t kDebuggingReplicaId = -2;

using Response = protocol::OffsetForLeaderEpochResponse;

Response::EpochEndOffset answer(
    const RequestContext& ctx, const MetadataSnapshot& snapshot, const std::string& topic,
    const protocol::OffsetForLeaderEpochRequest::OffsetForLeaderPartition& p, bool leader_only) {
  Response::EpochEndOffset out;
  out.partition = p.partition;
  out.leader_epoch = storage::kUndefinedEpoch;
  out.end_offset = storage::kUndefinedEpochOffset;
  std::shared_ptr<Partition> partition;
  if (leader_only) {
    auto led =
        find_led_partition(*ctx.services, snapshot, topic, p.partition, p.current_leader_epoch);
    if (led.error != ErrorCode::kNone) {
      out.error_code = to_wire(led.error);
      return out;
    }
    partition = std::move(led.partition);
  } else {
    partition = ctx.services->replicas->get_hosted(TopicPartition{topic, p.partition});
    if (!partition) {
      out.error_code =
          to_wire(snapshot.partition(topic, p.partition) ? ErrorCode::kNotLeaderOrFollower
                                                         : ErrorCode::kUnknownTopicOrPartition);
      return out;
    }
  }
  auto [epoch, end_offset] = partition->log()->end_offset_for_epoch(p.leader_epoch);
  out.error_code = to_wire(ErrorCode::kNone);
  out.leader_epoch = epoch;
  out.end_offset = end_offset;
  return out;
}

}  // namespace

void handle_offset_for_leader_epoch(RequestContext ctx) {
  auto request = decode_body<protocol::OffsetForLeaderEpochRequest>(ctx);
  auto snapshot = ctx.services->metadata->snapshot();
  bool leader_only = !(ctx.version() >= 3 && request.replica_id == kDebuggingReplicaId);
  Response response;
  for (const auto& topic : request.topics) {
    Response::OffsetForLeaderTopicResult to;
    to.topic = topic.topic;
    for (const auto& p : topic.partitions) {
      to.partitions.push_back(answer(ctx, *snapshot, topic.topic, p, leader_only));
    }
    response.topics.push_back(std::move(to));
  }
  ctx.respond(response);
}

}  // namespace kb::broker
