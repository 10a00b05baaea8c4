#include "broker/handlers/controller_requests.h"

#include <string>

#include "broker/broker_services.h"
#include "broker/topic_config_cache.h"
#include "common/logging.h"
#include "coordinator/controller/runtime/controller.h"
#include "protocol/messages/leader_and_isr.h"
#include "protocol/messages/stop_replica.h"

namespace kb::broker {

ErrorCode check_controller_request(int32_t request_controller_epoch, int64_t request_broker_epoch,
                                   int32_t known_controller_epoch, int64_t current_broker_epoch) {
  if (request_broker_epoch != kUnknownBrokerEpoch && request_broker_epoch < current_broker_epoch)
    return ErrorCode::kStaleBrokerEpoch;
  if (request_controller_epoch < known_controller_epoch) return ErrorCode::kStaleControllerEpoch;
  return ErrorCode::kNone;
}

ErrorCode admit_controller_request(BrokerServices& services, std::string_view api_name,
                                   int32_t controller_id, int32_t controller_epoch,
                                   int64_t broker_epoch) {
  int32_t known = services.controller_epoch.load();
  int64_t current_broker_epoch = services.broker_epoch.load();
  ErrorCode error =
      check_controller_request(controller_epoch, broker_epoch, known, current_broker_epoch);
  if (error == ErrorCode::kNone) {
    // Raise, never lower: requests of two controllers may be handled concurrently.
    while (known < controller_epoch &&
           !services.controller_epoch.compare_exchange_weak(known, controller_epoch)) {
    }
    return error;
  }
  std::string why = error == ErrorCode::kStaleBrokerEpoch
                        ? "broker epoch " + std::to_string(broker_epoch) +
                              " is older than the current " + std::to_string(current_broker_epoch)
                        : "controller epoch " + std::to_string(controller_epoch) +
                              " is older than the newest seen " + std::to_string(known);
  std::string message = "Broker " + std::to_string(services.broker_id) + " ignoring " +
                        std::string(api_name) + " from controller " +
                        std::to_string(controller_id) + ": its " + why;
  KB_LOG_WARN("state.change") << message;
  log::state_change(message);
  return error;
}

bool is_active_controller(const BrokerServices& services) {
  return services.controller != nullptr && services.controller->is_active();
}

void run_controller_task(BrokerServices& services, std::function<void()> task) {
  if (services.topic_configs != nullptr) {
    services.topic_configs->post(std::move(task));
  } else {
    task();
  }
}

namespace {

PartitionRole role_of(const std::string& topic, const protocol::LeaderAndIsrPartitionState& s) {
  PartitionRole role;
  role.tp = TopicPartition{topic, s.partition_index};
  role.controller_epoch = ControllerEpoch(s.controller_epoch);
  role.leader = BrokerId(s.leader);
  role.leader_epoch = LeaderEpoch(s.leader_epoch);
  for (int32_t b : s.isr) role.isr.push_back(BrokerId(b));
  role.zk_version = ZkVersion(s.zk_version);
  for (int32_t b : s.replicas) role.replicas.push_back(BrokerId(b));
  role.is_new = s.is_new;
  return role;
}

}  // namespace

std::vector<PartitionRole> partition_roles(const protocol::LeaderAndIsrRequest& request,
                                           int16_t version) {
  std::vector<PartitionRole> roles;
  if (version <= 1) {
    for (const auto& s : request.ungrouped_partition_states)
      roles.push_back(role_of(s.topic_name, s));
  } else {
    for (const auto& topic : request.topic_states) {
      for (const auto& s : topic.partition_states) roles.push_back(role_of(topic.topic_name, s));
    }
  }
  return roles;
}

std::map<BrokerId, LeaderEndpoint> live_leader_endpoints(
    const protocol::LeaderAndIsrRequest& request) {
  std::map<BrokerId, LeaderEndpoint> out;
  for (const auto& l : request.live_leaders) {
    BrokerId id(l.broker_id);
    out[id] = LeaderEndpoint{id, l.host_name, l.port};
  }
  return out;
}

protocol::LeaderAndIsrResponse leader_and_isr_response(
    const std::vector<PartitionRole>& roles, const std::map<TopicPartition, ErrorCode>& results,
    ErrorCode top_level_error) {
  protocol::LeaderAndIsrResponse response;
  response.error_code = to_wire(top_level_error);
  for (const auto& role : roles) {
    ErrorCode error = top_level_error;
    if (error == ErrorCode::kNone) {
      auto it = results.find(role.tp);
      // A partition the replica manager did not report on was not applied.
      error = it == results.end() ? ErrorCode::kUnknownServerError : it->second;
    }
    decltype(response.partition_errors)::value_type out;
    out.topic_name = role.tp.topic;
    out.partition_index = role.tp.partition;
    out.error_code = to_wire(error);
    response.partition_errors.push_back(std::move(out));
  }
  return response;
}

std::vector<TopicPartition> stop_replica_partitions(const protocol::StopReplicaRequest& request,
                                                    int16_t version) {
  std::vector<TopicPartition> out;
  if (version == 0) {
    for (const auto& p : request.ungrouped_partitions)
      out.push_back(TopicPartition{p.topic_name, p.partition_index});
  } else {
    for (const auto& topic : request.topics) {
      for (int32_t p : topic.partition_indexes) out.push_back(TopicPartition{topic.name, p});
    }
  }
  return out;
}

protocol::StopReplicaResponse stop_replica_response(
    const std::vector<TopicPartition>& partitions,
    const std::map<TopicPartition, ErrorCode>& results, ErrorCode top_level_error) {
  protocol::StopReplicaResponse response;
  response.error_code = to_wire(top_level_error);
  if (top_level_error != ErrorCode::kNone) return response;
  for (const auto& tp : partitions) {
    auto it = results.find(tp);
    decltype(response.partition_errors)::value_type out;
    out.topic_name = tp.topic;
    out.partition_index = tp.partition;
    out.error_code = to_wire(it == results.end() ? ErrorCode::kUnknownServerError : it->second);
    response.partition_errors.push_back(std::move(out));
  }
  return response;
}

}  // namespace kb::broker
