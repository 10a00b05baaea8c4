// DeleteTopics: the controller marks each topic under /admin/delete_topics; the answer waits
// until the topic has left the metadata cache or the timeout passes.
#include "protocol/messages/delete_topics.h"
#include "broker/broker_services.h"
#include "broker/handlers/controller_requests.h"
#include "broker/handlers/registry.h"
#include "broker/topic_admin.h"
#include "common/error_code.h"

namespace kb::broker {

void handle_delete_topics(RequestContext ctx) {
  auto request = decode_body<protocol::DeleteTopicsRequest>(ctx);
  auto& services = *ctx.services;
  auto names = request.topic_names;
  auto answer = [ctx, names](std::vector<AdminResult> results) {
    protocol::DeleteTopicsResponse response;
    using TopicOut = decltype(response.responses)::value_type;
    for (size_t i = 0; i < names.size(); ++i) {
      TopicOut to;
      to.name = names[i];
      to.error_code = to_wire(results[i].error);
      response.responses.push_back(std::move(to));
    }
    ctx.respond(response);
  };
  if (!is_active_controller(services)) {
    answer(std::vector<AdminResult>(names.size(),
                                    AdminResult{ErrorCode::kNotController, std::nullopt}));
    return;
  }
  services.topic_admin->delete_topics(names, request.timeout_ms, std::move(answer));
}

}  // namespace kb::broker
