// CreateTopics: answered by the controller only; ZooKeeper writes happen on the admin thread and
// the answer waits (without blocking) until the new partitions have leaders or the timeout passes.
#include <memory>

#include "broker/broker_services.h"
#include "broker/handlers/controller_requests.h"
#include "broker/handlers/registry.h"
#include "broker/topic_admin.h"
#include "common/error_code.h"
#include "protocol/messages/create_topics.h"

namespace kb::broker {

void handle_create_topics(RequestContext ctx) {
  auto request = decode_body<protocol::CreateTopicsRequest>(ctx);
  auto& services = *ctx.services;
  auto response = std::make_shared<protocol::CreateTopicsResponse>();
  using TopicOut = decltype(response->topics)::value_type;

  std::vector<NewTopic> topics;
  for (const auto& t : request.topics) {
    NewTopic nt;
    nt.name = t.name;
    nt.num_partitions = t.num_partitions;
    nt.replication_factor = t.replication_factor;
    for (const auto& a : t.assignments) nt.assignment[a.partition_index] = a.broker_ids;
    for (const auto& c : t.configs) {
      if (c.value) nt.configs[c.name] = *c.value;
    }
    topics.push_back(std::move(nt));
  }

  auto answer = [ctx, response, names = topics](std::vector<AdminResult> results) mutable {
    for (size_t i = 0; i < names.size(); ++i) {
      TopicOut to;
      to.name = names[i].name;
      to.error_code = to_wire(results[i].error);
      to.error_message = results[i].message;
      response->topics.push_back(std::move(to));
    }
    ctx.respond(*response);
  };

  if (!is_active_controller(services)) {
    answer(std::vector<AdminResult>(topics.size(),
                                    AdminResult{ErrorCode::kNotController, std::nullopt}));
    return;
  }
  services.topic_admin->create_topics(std::move(topics), request.timeout_ms, request.validate_only,
                                      std::move(answer));
}

}  // namespace kb::broker
