// DescribeGroups: state, protocol and members of groups this broker coordinates.
#include "protocol/messages/describe_groups.h"
#include "broker/broker_services.h"
#include "broker/group_coordinator_host.h"
#include "broker/handlers/registry.h"
#include "common/error_code.h"

namespace kb::broker {

void handle_describe_groups(RequestContext ctx) {
  auto request = decode_body<protocol::DescribeGroupsRequest>(ctx);
  auto described = ctx.services->groups->coordinator().describe_groups(request.groups);
  protocol::DescribeGroupsResponse response;
  for (auto& d : described) {
    decltype(response.groups)::value_type g;
    g.error_code = to_wire(d.error);
    g.group_id = std::move(d.group_id);
    g.group_state = std::move(d.state);
    g.protocol_type = std::move(d.protocol_type);
    g.protocol_data = std::move(d.protocol);
    for (auto& m : d.members) {
      decltype(g.members)::value_type mo;
      mo.member_id = std::move(m.member_id);
      mo.group_instance_id = std::move(m.group_instance_id);
      mo.client_id = std::move(m.client_id);
      mo.client_host = std::move(m.client_host);
      mo.member_metadata = std::move(m.metadata);
      mo.member_assignment = std::move(m.assignment);
      g.members.push_back(std::move(mo));
    }
    response.groups.push_back(std::move(g));
  }
  ctx.respond(response);
}

}  // namespace kb::broker
