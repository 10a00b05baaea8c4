// AlterPartitionReassignments / ListPartitionReassignments (KIP-455) from the AdminClient. Both
// carry only a top-level NOT_CONTROLLER, so the whole request is retried at the new controller
// (after a metadata refresh), as for a broken connection, until the deadline.
#include <algorithm>
#include <thread>

#include "clients/admin_client.h"
#include "clients/detail/call.h"
#include "clients/errors.h"
#include "protocol/messages/alter_partition_reassignments.h"
#include "protocol/messages/list_partition_reassignments.h"

namespace kb::clients {

namespace {

std::vector<BrokerId> to_ids(const std::vector<int32_t>& ints) {
  std::vector<BrokerId> out;
  out.reserve(ints.size());
  for (int32_t i : ints) out.push_back(BrokerId(i));
  return out;
}

std::string name_of(const TopicPartition& tp) {
  return tp.topic + "-" + std::to_string(tp.partition);
}

// Sends build() to the controller until an answer other than NOT_CONTROLLER arrives or the
// deadline passes (the last answer, or the last NetworkError, goes to the caller).
template <typename Response, typename Build>
Response call_controller(MetadataClient& metadata, Clock::time_point deadline, Build build) {
  auto backoff = std::chrono::milliseconds(100);
  while (true) {
    try {
      Connection& conn = metadata.to_controller(deadline);
      Response response = detail::call<Response>(conn, build(), deadline);
      if (static_cast<ErrorCode>(response.error_code) != ErrorCode::kNotController ||
          Clock::now() + backoff >= deadline) {
        return response;
      }
    } catch (const NetworkError&) {
      if (Clock::now() + backoff >= deadline) throw;
    }
    metadata.invalidate_controller();
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
  }
}

}  // namespace

std::map<TopicPartition, OperationResult> AdminClient::alter_partition_reassignments(
    const std::map<TopicPartition, std::optional<std::vector<BrokerId>>>& reassignments) {
  std::map<TopicPartition, OperationResult> out;
  if (reassignments.empty()) return out;
  const Clock::time_point until = deadline();
  auto build = [&] {
    protocol::AlterPartitionReassignmentsRequest req;
    req.timeout_ms = timeout_ms(until);
    for (const auto& [tp, target] : reassignments) {
      if (req.topics.empty() || req.topics.back().name != tp.topic) {
        req.topics.emplace_back();
        req.topics.back().name = tp.topic;
      }
      auto& p = req.topics.back().partitions.emplace_back();
      p.partition_index = tp.partition;
      if (target) {
        p.replicas.emplace();
        for (BrokerId id : *target) p.replicas->push_back(id.value());
      }
    }
    return req;
  };
  auto response =
      call_controller<protocol::AlterPartitionReassignmentsResponse>(metadata_, until, build);
  const auto top = static_cast<ErrorCode>(response.error_code);
  for (const auto& [tp, _] : reassignments) {
    // Kafka's AdminClient fails every partition with a top-level error.
    out[tp] = top == ErrorCode::kNone
                  ? OperationResult{name_of(tp), ErrorCode::kUnknownServerError,
                                    "The controller did not answer for " + name_of(tp)}
                  : OperationResult{name_of(tp), top, describe_error(top, response.error_message)};
  }
  if (top != ErrorCode::kNone) return out;
  for (const auto& t : response.responses) {
    for (const auto& p : t.partitions) {
      TopicPartition tp{t.name, p.partition_index};
      if (!out.contains(tp)) continue;
      const auto error = static_cast<ErrorCode>(p.error_code);
      out[tp] =
          OperationResult{name_of(tp), error,
                          error == ErrorCode::kNone ? "" : describe_error(error, p.error_message)};
    }
  }
  return out;
}

std::map<TopicPartition, PartitionReassignment> AdminClient::list_partition_reassignments(
    const std::optional<std::vector<TopicPartition>>& partitions) {
  const Clock::time_point until = deadline();
  auto build = [&] {
    protocol::ListPartitionReassignmentsRequest req;
    req.timeout_ms = timeout_ms(until);
    if (partitions) {
      req.topics.emplace();
      std::map<std::string, std::vector<int32_t>> by_topic;
      for (const auto& tp : *partitions) by_topic[tp.topic].push_back(tp.partition);
      for (auto& [topic, indexes] : by_topic) {
        auto& t = req.topics->emplace_back();
        t.name = topic;
        t.partition_indexes = std::move(indexes);
      }
    }
    return req;
  };
  auto response =
      call_controller<protocol::ListPartitionReassignmentsResponse>(metadata_, until, build);
  const auto top = static_cast<ErrorCode>(response.error_code);
  if (top != ErrorCode::kNone) throw ClientError(top, describe_error(top, response.error_message));
  std::map<TopicPartition, PartitionReassignment> out;
  for (const auto& t : response.topics) {
    for (const auto& p : t.partitions) {
      out[TopicPartition{t.name, p.partition_index}] = PartitionReassignment{
          to_ids(p.replicas), to_ids(p.adding_replicas), to_ids(p.removing_replicas)};
    }
  }
  return out;
}

}  // namespace kb::clients
