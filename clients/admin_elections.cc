// AdminClient::elect_leaders: ElectLeaders (API 43) at the active controller.
#include <algorithm>
#include <thread>

#include "clients/admin_client.h"
#include "clients/detail/call.h"
#include "clients/errors.h"
#include "protocol/api_keys.h"
#include "protocol/messages/elect_leaders.h"

namespace kb::clients {

namespace {

protocol::ElectLeadersRequest build_request(
    ElectionType type, const std::optional<std::vector<TopicPartition>>& partitions,
    int32_t timeout_ms) {
  protocol::ElectLeadersRequest req;
  req.election_type = static_cast<int8_t>(type);
  req.timeout_ms = timeout_ms;
  if (!partitions) {
    req.topic_partitions = std::nullopt;
    return req;
  }
  req.topic_partitions.emplace();
  std::map<std::string, std::vector<int32_t>> by_topic;
  for (const auto& tp : *partitions) by_topic[tp.topic].push_back(tp.partition);
  for (auto& [topic, ids] : by_topic) {
    auto& t = req.topic_partitions->emplace_back();
    t.topic = topic;
    t.partition_id = std::move(ids);
  }
  return req;
}

}  // namespace

bool AdminClient::supports_elect_leaders() {
  Connection& conn = metadata_.any(deadline());
  auto it = conn.broker_versions().find(int16_t(protocol::ApiKey::kElectLeaders));
  return it != conn.broker_versions().end() && it->second.max_version >= it->second.min_version;
}

std::map<TopicPartition, ElectionResult> AdminClient::elect_leaders(
    ElectionType type, const std::optional<std::vector<TopicPartition>>& partitions,
    std::optional<std::chrono::milliseconds> timeout) {
  const Clock::time_point until = deadline();
  std::map<TopicPartition, ElectionResult> done;
  // NOT_CONTROLLER answers are asked again (the pending set; nullopt: every partition).
  std::optional<std::vector<TopicPartition>> pending = partitions;
  auto backoff = std::chrono::milliseconds(100);
  while (true) {
    bool retry = false;
    try {
      Connection& conn = metadata_.to_controller(until);
      int16_t version = conn.version_for(int16_t(protocol::ApiKey::kElectLeaders));
      if (version == 0 && type != ElectionType::kPreferred) {
        throw ClientError(ErrorCode::kUnsupportedVersion,
                          "The broker only supports ElectLeaders v0, which does not support "
                          "election type UNCLEAN");
      }
      int32_t wait_ms = timeout ? static_cast<int32_t>(timeout->count()) : timeout_ms(until);
      auto response = detail::call<protocol::ElectLeadersResponse>(
          conn, build_request(type, pending, wait_ms), until);
      auto top = static_cast<ErrorCode>(response.error_code);
      if (top == ErrorCode::kNotController) {
        retry = true;
      } else if (top != ErrorCode::kNone) {
        throw ClientError(top);
      }
      std::vector<TopicPartition> again;
      for (const auto& t : response.replica_election_results) {
        for (const auto& p : t.partition_result) {
          TopicPartition tp{t.topic, p.partition_id};
          auto error = static_cast<ErrorCode>(p.error_code);
          if (error == ErrorCode::kNotController) {
            again.push_back(tp);
          } else {
            done[tp] = ElectionResult{error, p.error_message};
          }
        }
      }
      if (!again.empty()) {
        retry = true;
        // "Every partition" stays every partition: the next controller resolves it again.
        if (pending) pending = std::move(again);
      }
    } catch (const NetworkError&) {
      if (Clock::now() + backoff >= until) throw;
      retry = true;
    }
    if (!retry) break;
    if (Clock::now() + backoff >= until) {
      if (pending) {
        for (const auto& tp : *pending)
          done.emplace(tp, ElectionResult{ErrorCode::kNotController, std::nullopt});
      } else {
        throw ClientError(ErrorCode::kNotController);
      }
      break;
    }
    metadata_.invalidate_controller();
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
  }
  return done;
}

}  // namespace kb::clients
