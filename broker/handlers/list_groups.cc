// ListGroups: the groups this broker coordinates (each broker answers for its own).
#include "protocol/messages/list_groups.h"
#include "broker/broker_services.h"
#include "broker/group_coordinator_host.h"
#include "broker/handlers/registry.h"
#include "common/error_code.h"

namespace kb::broker {

void handle_list_groups(RequestContext ctx) {
  auto result = ctx.services->groups->coordinator().list_groups();
  protocol::ListGroupsResponse response;
  response.error_code = to_wire(result.error);
  for (auto& g : result.groups) {
    decltype(response.groups)::value_type out;
    out.group_id = std::move(g.group_id);
    out.protocol_type = std::move(g.protocol_type);
    response.groups.push_back(std::move(out));
  }
  ctx.respond(response);
}

}  // namespace kb::broker
