// Metadata: brokers, controller, cluster id and partition leadership from the metadata cache;
// unknown topics are auto-created when allowed.
#include "protocol/messages/metadata.h"
#include "broker/broker_services.h"
#include "broker/handlers/registry.h"
#include "broker/topic_admin.h"
#include "common/error_code.h"

namespace kb::broker {

namespace {
constexpr int32_t kAuthorizedOperationsOmitted = INT32_MIN;

template <typename TopicOut>
void fill_topic(const TopicInfo& info, TopicOut& out) {
  using PartitionOut = typename decltype(out.partitions)::value_type;
  out.error_code = to_wire(ErrorCode::kNone);
  out.name = info.name;
  out.is_internal = info.internal;
  out.topic_authorized_operations = kAuthorizedOperationsOmitted;
  for (const auto& p : info.partitions) {
    PartitionOut po;
    po.partition_index = p.partition;
    po.leader_id = p.leader;
    po.leader_epoch = p.leader_epoch;
    po.replica_nodes = p.replicas;
    po.isr_nodes = p.isr;
    po.offline_replicas = p.offline_replicas;
    po.error_code = to_wire(p.leader < 0 ? ErrorCode::kLeaderNotAvailable : ErrorCode::kNone);
    out.partitions.push_back(std::move(po));
  }
}
}  // namespace

void handle_metadata(RequestContext ctx) {
  auto request = decode_body<protocol::MetadataRequest>(ctx);
  auto& services = *ctx.services;
  auto snapshot = services.metadata->snapshot();
  protocol::MetadataResponse response;
  using BrokerOut = decltype(response.brokers)::value_type;
  using TopicOut = decltype(response.topics)::value_type;

  for (const auto& b : snapshot->brokers) {
    BrokerOut bo;
    bo.node_id = b.id;
    bo.host = b.host;
    bo.port = b.port;
    bo.rack = b.rack;
    response.brokers.push_back(std::move(bo));
  }
  response.cluster_id = services.cluster_id;
  response.controller_id = snapshot->controller_id;
  response.cluster_authorized_operations = kAuthorizedOperationsOmitted;

  // v0: an empty list means every topic; v1+: null means every topic, empty means none.
  bool all_topics = !request.topics.has_value() || (ctx.version() == 0 && request.topics->empty());
  if (all_topics) {
    for (const auto& [name, info] : snapshot->topics) {
      TopicOut to;
      fill_topic(info, to);
      response.topics.push_back(std::move(to));
    }
    ctx.respond(response);
    return;
  }

  bool auto_create_allowed = services.config->get_bool("auto.create.topics.enable") &&
                             (ctx.version() < 4 || request.allow_auto_topic_creation);
  for (const auto& requested : *request.topics) {
    TopicOut to;
    to.name = requested.name;
    to.topic_authorized_operations = kAuthorizedOperationsOmitted;
    if (const TopicInfo* info = snapshot->topic(requested.name)) {
      fill_topic(*info, to);
    } else if (invalid_topic_name_reason(requested.name)) {
      to.error_code = to_wire(ErrorCode::kInvalidTopicException);
    } else if (auto_create_allowed) {
      services.topic_admin->auto_create(requested.name);
      to.error_code = to_wire(ErrorCode::kLeaderNotAvailable);
    } else {
      to.error_code = to_wire(ErrorCode::kUnknownTopicOrPartition);
    }
    response.topics.push_back(std::move(to));
  }
  ctx.respond(response);
}

}  // namespace kb::broker
