// StopReplica (controller -> broker): stop fetching and serving partitions, deleting their logs
// when asked (topic deletion, reassignment). Blocking, so it runs on the controller-request
// thread; the answer has one error per partition (reference §5.3).
#include <memory>
#include <set>
#include <string>

#include "broker/broker_services.h"
#include "broker/group_coordinator_host.h"
#include "broker/handlers/controller_requests.h"
#include "broker/handlers/registry.h"
#include "broker/topic_config_cache.h"
#include "common/logging.h"
#include "protocol/messages/stop_replica.h"

namespace kb::broker {

namespace {

void apply(const RequestContext& ctx, const protocol::StopReplicaRequest& request) {
  auto& services = *ctx.services;
  auto partitions = stop_replica_partitions(request, ctx.version());
  ErrorCode refused = admit_controller_request(services, "StopReplica", request.controller_id,
                                               request.controller_epoch, request.broker_epoch);
  if (refused != ErrorCode::kNone) {
    ctx.respond(stop_replica_response(partitions, {}, refused));
    return;
  }
  std::map<TopicPartition, ErrorCode> results;
  if (services.groups != nullptr) services.groups->on_stop_replica(partitions);
  try {
    results = services.replicas->stop_replicas(partitions, request.delete_partitions);
  } catch (const std::exception& e) {
    KB_LOG_ERROR("state.change") << "Applying StopReplica from controller " << request.controller_id
                                 << " failed: " << e.what();
    for (const auto& tp : partitions) results[tp] = ErrorCode::kKafkaStorageError;
  }
  std::set<std::string> hosted_topics;
  for (const auto& hosted : services.replicas->partitions()) hosted_topics.insert(hosted.topic);
  for (const auto& tp : partitions) {
    auto it = results.find(tp);
    ErrorCode error = it == results.end() ? ErrorCode::kUnknownServerError : it->second;
    // A topic re-created under the same name must not inherit the deleted one's overrides.
    if (error == ErrorCode::kNone && request.delete_partitions &&
        services.topic_configs != nullptr && !hosted_topics.count(tp.topic)) {
      services.topic_configs->forget(tp.topic);
    }
    std::string line = "Broker " + std::to_string(services.broker_id) +
                       (error == ErrorCode::kNone ? " stopped" : " failed to stop") + " replica " +
                       tp.to_string() + (request.delete_partitions ? " (delete)" : "") +
                       " for controller " + std::to_string(request.controller_id) + " epoch " +
                       std::to_string(request.controller_epoch);
    if (error != ErrorCode::kNone) line += " (error " + std::to_string(to_wire(error)) + ")";
    log::state_change(line);
  }
  ctx.respond(stop_replica_response(partitions, results, ErrorCode::kNone));
}

}  // namespace

void handle_stop_replica(RequestContext ctx) {
  auto request = std::make_shared<protocol::StopReplicaRequest>(
      decode_body<protocol::StopReplicaRequest>(ctx));
  auto& services = *ctx.services;
  run_controller_task(services, [ctx = std::move(ctx), request] { apply(ctx, *request); });
}

}  // namespace kb::broker
