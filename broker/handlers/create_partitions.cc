// CreatePartitions: the controller extends a topic's assignment in ZooKeeper; the answer waits
// for the new partitions' leaders or the timeout.
#include "protocol/messages/create_partitions.h"
#include "broker/broker_services.h"
#include "broker/handlers/controller_requests.h"
#include "broker/handlers/registry.h"
#include "broker/topic_admin.h"
#include "common/error_code.h"

namespace kb::broker {

void handle_create_partitions(RequestContext ctx) {
  auto request = decode_body<protocol::CreatePartitionsRequest>(ctx);
  auto& services = *ctx.services;
  std::vector<std::pair<std::string, int32_t>> counts;
  std::vector<std::optional<std::vector<std::vector<int32_t>>>> assignments;
  for (const auto& t : request.topics) {
    counts.emplace_back(t.name, t.count);
    if (t.assignments) {
      std::vector<std::vector<int32_t>> a;
      for (const auto& entry : *t.assignments) a.push_back(entry.broker_ids);
      assignments.emplace_back(std::move(a));
    } else {
      assignments.emplace_back(std::nullopt);
    }
  }
  auto answer = [ctx, counts](std::vector<AdminResult> results) {
    protocol::CreatePartitionsResponse response;
    using TopicOut = decltype(response.results)::value_type;
    for (size_t i = 0; i < counts.size(); ++i) {
      TopicOut to;
      to.name = counts[i].first;
      to.error_code = to_wire(results[i].error);
      to.error_message = results[i].message;
      response.results.push_back(std::move(to));
    }
    ctx.respond(response);
  };
  if (!is_active_controller(services)) {
    answer(std::vector<AdminResult>(counts.size(),
                                    AdminResult{ErrorCode::kNotController, std::nullopt}));
    return;
  }
  services.topic_admin->create_partitions(std::move(counts), std::move(assignments),
                                          request.timeout_ms, request.validate_only,
                                          std::move(answer));
}

}  // namespace kb::broker
