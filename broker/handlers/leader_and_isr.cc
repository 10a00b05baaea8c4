// LeaderAndIsr (controller -> broker): which partitions this broker leads or follows. Applying it
// creates and truncates logs, so it runs on the controller-request thread, never on the network
// thread; the answer lists one error per partition in request order (reference §5.4).
#include <memory>
#include <sstream>

#include "broker/broker_services.h"
#include "broker/group_coordinator_host.h"
#include "broker/handlers/controller_requests.h"
#include "broker/handlers/registry.h"
#include "broker/topic_config_cache.h"
#include "common/logging.h"
#include "protocol/messages/leader_and_isr.h"

namespace kb::broker {

namespace {

std::string describe(const PartitionRole& role) {
  std::ostringstream out;
  out << "leader " << role.leader << ", leader epoch " << role.leader_epoch << ", isr [";
  for (size_t i = 0; i < role.isr.size(); ++i) out << (i ? "," : "") << role.isr[i];
  out << "], replicas [";
  for (size_t i = 0; i < role.replicas.size(); ++i) out << (i ? "," : "") << role.replicas[i];
  out << "], zk version " << role.zk_version << (role.is_new ? ", new" : "");
  return out.str();
}

LogConfigLookup log_config_lookup(const BrokerServices& services) {
  if (services.topic_configs != nullptr) {
    TopicConfigCache* cache = services.topic_configs;
    return [cache](const std::string& topic) { return cache->log_config(topic); };
  }
  auto defaults = resolve_topic_config(*services.config, {}).log_config;
  return [defaults](const std::string&) { return defaults; };
}

void apply(const RequestContext& ctx, const protocol::LeaderAndIsrRequest& request) {
  auto& services = *ctx.services;
  auto roles = partition_roles(request, ctx.version());
  ErrorCode refused = admit_controller_request(services, "LeaderAndIsr", request.controller_id,
                                               request.controller_epoch, request.broker_epoch);
  if (refused != ErrorCode::kNone) {
    ctx.respond(leader_and_isr_response(roles, {}, refused));
    return;
  }
  std::map<TopicPartition, ErrorCode> results;
  try {
    results = services.replicas->apply_leader_and_isr(BrokerId(services.broker_id), roles,
                                                      live_leader_endpoints(request),
                                                      log_config_lookup(services));
  } catch (const std::exception& e) {
    KB_LOG_ERROR("state.change") << "Applying LeaderAndIsr from controller "
                                 << request.controller_id << " failed: " << e.what();
    ctx.respond(leader_and_isr_response(roles, {}, ErrorCode::kUnknownServerError));
    return;
  }
  if (services.groups != nullptr) {
    std::vector<bool> applied;
    for (const auto& role : roles) {
      auto it = results.find(role.tp);
      applied.push_back(it != results.end() && it->second == ErrorCode::kNone);
    }
    services.groups->on_leader_and_isr(roles, applied);
  }
  const std::string prefix = "Broker " + std::to_string(services.broker_id) + " ";
  for (const auto& role : roles) {
    auto it = results.find(role.tp);
    ErrorCode error = it == results.end() ? ErrorCode::kUnknownServerError : it->second;
    bool leads = role.leader.value() == services.broker_id;
    std::string line =
        prefix + (error == ErrorCode::kNone ? "applied" : "ignored") +
        " LeaderAndIsr (correlation id " + std::to_string(ctx.header.correlation_id) +
        ") from controller " + std::to_string(request.controller_id) + " epoch " +
        std::to_string(request.controller_epoch) + " for partition " + role.tp.to_string() +
        " as " + (leads ? "leader" : "follower") + ": " + describe(role);
    if (error != ErrorCode::kNone) line += " (error " + std::to_string(to_wire(error)) + ")";
    log::state_change(line);
  }
  ctx.respond(leader_and_isr_response(roles, results, ErrorCode::kNone));
}

}  // namespace

void handle_leader_and_isr(RequestContext ctx) {
  auto request = std::make_shared<protocol::LeaderAndIsrRequest>(
      decode_body<protocol::LeaderAndIsrRequest>(ctx));
  auto& services = *ctx.services;
  run_controller_task(services, [ctx = std::move(ctx), request] { apply(ctx, *request); });
}

}  // namespace kb::broker
