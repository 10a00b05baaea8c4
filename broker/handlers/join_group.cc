// JoinGroup: parks in the group coordinator until the rebalance completes; the answer comes from
// whichever thread completes it.
#include "protocol/messages/join_group.h"
#include "broker/broker_services.h"
#include "broker/group_coordinator_host.h"
#include "broker/handlers/registry.h"
#include "common/error_code.h"

namespace kb::broker {

void handle_join_group(RequestContext ctx) {
  auto request = decode_body<protocol::JoinGroupRequest>(ctx);
  group::JoinRequest join;
  join.group_id = std::move(request.group_id);
  join.member_id = std::move(request.member_id);
  join.group_instance_id = std::move(request.group_instance_id);
  join.client_id = ctx.header.client_id.value_or("");
  join.client_host = "/" + ctx.client_host;
  join.protocol_type = std::move(request.protocol_type);
  for (auto& p : request.protocols) {
    join.protocols.push_back({std::move(p.name), std::move(p.metadata)});
  }
  join.session_timeout_ms = request.session_timeout_ms;
  // v0 has no rebalance timeout: it is the session timeout.
  join.rebalance_timeout_ms =
      ctx.version() == 0 ? request.session_timeout_ms : request.rebalance_timeout_ms;
  join.require_known_member_id = ctx.version() >= 4;
  ctx.services->groups->coordinator().join_group(std::move(join), [ctx](group::JoinResult r) {
    protocol::JoinGroupResponse response;
    response.error_code = to_wire(r.error);
    response.generation_id = r.generation;
    response.protocol_name = std::move(r.protocol_name);
    response.leader = std::move(r.leader);
    response.member_id = std::move(r.member_id);
    for (auto& m : r.members) {
      decltype(response.members)::value_type out;
      out.member_id = std::move(m.member_id);
      out.group_instance_id = std::move(m.group_instance_id);
      out.metadata = std::move(m.metadata);
      response.members.push_back(std::move(out));
    }
    ctx.respond(response);
  });
}

}  // namespace kb::broker
