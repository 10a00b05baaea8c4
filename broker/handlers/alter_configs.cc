// AlterConfigs replaces a topic's whole override set (Kafka's non-incremental semantics); broker
// configs are static here, so altering them is refused.
#include "protocol/messages/alter_configs.h"
#include "broker/broker_services.h"
#include "broker/handlers/registry.h"
#include "broker/topic_admin.h"
#include "common/error_code.h"

namespace kb::broker {

namespace {
constexpr int8_t kTopicResource = 2;
}

void handle_alter_configs(RequestContext ctx) {
  auto request = decode_body<protocol::AlterConfigsRequest>(ctx);
  auto& services = *ctx.services;

  struct Slot {
    int8_t type;
    std::string name;
    std::optional<AdminResult> early;  // answered without the admin thread
  };
  std::vector<Slot> slots;
  std::vector<std::pair<std::string, std::map<std::string, std::string>>> topic_changes;
  for (const auto& resource : request.resources) {
    Slot slot{resource.resource_type, resource.resource_name, std::nullopt};
    if (resource.resource_type != kTopicResource) {
      slot.early = AdminResult{ErrorCode::kInvalidRequest,
                               "Only topic configs can be altered; broker configs are static"};
    } else {
      std::map<std::string, std::string> configs;
      for (const auto& c : resource.configs) {
        if (c.value) configs[c.name] = *c.value;
      }
      topic_changes.emplace_back(resource.resource_name, std::move(configs));
    }
    slots.push_back(std::move(slot));
  }

  auto answer = [ctx, slots](std::vector<AdminResult> topic_results) {
    protocol::AlterConfigsResponse response;
    using Out = decltype(response.responses)::value_type;
    size_t next = 0;
    for (const auto& slot : slots) {
      const AdminResult& r = slot.early ? *slot.early : topic_results[next++];
      Out o;
      o.resource_type = slot.type;
      o.resource_name = slot.name;
      o.error_code = to_wire(r.error);
      o.error_message = r.message;
      response.responses.push_back(std::move(o));
    }
    ctx.respond(response);
  };
  if (topic_changes.empty()) {
    answer({});
    return;
  }
  services.topic_admin->alter_topic_configs(std::move(topic_changes), request.validate_only,
                                            std::move(answer));
}

}  // namespace kb::broker
