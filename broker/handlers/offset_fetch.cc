// OffsetFetch: committed offsets of a group (-1 where none); v2+ may ask for all of them.
#include <map>

#include "broker/broker_services.h"
#include "broker/group_coordinator_host.h"
#include "broker/handlers/registry.h"
#include "broker/task_thread.h"
#include "common/error_code.h"
#include "common/logging.h"
#include "coordinator/consumer_offsets_zk.h"
#include "coordinator/kafka_zk.h"
#include "protocol/messages/offset_fetch.h"

namespace kb::broker {

namespace {

// OffsetFetch v0 reads what OffsetCommit v0 stored in ZooKeeper (Kafka 2.4).
void fetch_from_zookeeper(RequestContext ctx, protocol::OffsetFetchRequest request) {
  ctx.services->admin_thread->post([ctx, request = std::move(request)] {
    auto& svc = *ctx.services;
    auto snapshot = svc.metadata->snapshot();
    protocol::OffsetFetchResponse response;
    for (const auto& t : request.topics.value_or(decltype(request.topics)::value_type{})) {
      decltype(response.topics)::value_type to;
      to.name = t.name;
      for (int32_t p : t.partition_indexes) {
        decltype(to.partitions)::value_type po;
        po.partition_index = p;
        po.committed_offset = -1;
        po.metadata = "";
        if (snapshot->partition(t.name, p) == nullptr) {
          po.error_code = to_wire(ErrorCode::kUnknownTopicOrPartition);
        } else {
          try {
            po.committed_offset =
                coordinator::get_consumer_offset(svc.zk->client(), request.group_id, t.name, p)
                    .value_or(-1);
          } catch (const std::exception& ex) {
            KB_LOG_WARN("group") << "Reading a v0 offset of group " << request.group_id
                                 << " from ZooKeeper failed: " << ex.what();
            po.error_code = to_wire(ErrorCode::kUnknownServerError);
          }
        }
        to.partitions.push_back(std::move(po));
      }
      response.topics.push_back(std::move(to));
    }
    ctx.respond(response);
  });
}

}  // namespace

void handle_offset_fetch(RequestContext ctx) {
  auto request = decode_body<protocol::OffsetFetchRequest>(ctx);
  if (ctx.version() == 0) return fetch_from_zookeeper(std::move(ctx), std::move(request));
  std::optional<std::vector<group::TopicPartitionKey>> wanted;
  if (request.topics) {
    wanted.emplace();
    for (const auto& t : *request.topics) {
      for (int32_t p : t.partition_indexes) wanted->emplace_back(t.name, p);
    }
  }
  auto result = ctx.services->groups->coordinator().fetch_offsets(request.group_id, wanted);
  protocol::OffsetFetchResponse response;
  response.error_code = to_wire(result.error);
  using TopicOut = decltype(response.topics)::value_type;
  using PartitionOut = decltype(TopicOut{}.partitions)::value_type;
  auto partition_out = [](int32_t index, int64_t offset, int32_t epoch, std::string metadata,
                          ErrorCode e) {
    PartitionOut po;
    po.partition_index = index;
    po.committed_offset = offset;
    po.committed_leader_epoch = epoch;
    po.metadata = std::move(metadata);
    po.error_code = to_wire(e);
    return po;
  };
  if (result.error != ErrorCode::kNone) {
    // v0-1 have no top-level error: every requested partition carries it.
    if (ctx.version() < 2 && wanted) {
      std::map<std::string, TopicOut> by_topic;
      for (const auto& [topic, p] : *wanted) {
        by_topic[topic].name = topic;
        by_topic[topic].partitions.push_back(partition_out(p, -1, -1, "", result.error));
      }
      for (auto& [name, t] : by_topic) response.topics.push_back(std::move(t));
    }
    ctx.respond(response);
    return;
  }
  std::map<std::string, size_t> index;
  for (auto& o : result.offsets) {
    auto [it, inserted] = index.emplace(o.topic, response.topics.size());
    if (inserted) {
      TopicOut to;
      to.name = o.topic;
      response.topics.push_back(std::move(to));
    }
    response.topics[it->second].partitions.push_back(
        partition_out(o.partition, o.offset, o.leader_epoch, std::move(o.metadata), o.error));
  }
  ctx.respond(response);
}

}  // namespace kb::broker
