// OffsetFetch: committed offsets of a group (-1 where none); v2+ may ask for all of them.
#include <map>

#include "broker/broker_services.h"
#include "broker/group_coordinator_host.h"
#include "broker/handlers/registry.h"
#include "common/error_code.h"
#include "protocol/messages/offset_fetch.h"

namespace kb::broker {

void handle_offset_fetch(RequestContext ctx) {
  auto request = decode_body<protocol::OffsetFetchRequest>(ctx);
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
