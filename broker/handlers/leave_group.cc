// LeaveGroup: v0-2 name one member; v3 (KIP-345) a batch of members by id or instance id.
#include "protocol/messages/leave_group.h"
#include "broker/broker_services.h"
#include "broker/group_coordinator_host.h"
#include "broker/handlers/registry.h"
#include "common/error_code.h"

namespace kb::broker {

void handle_leave_group(RequestContext ctx) {
  auto request = decode_body<protocol::LeaveGroupRequest>(ctx);
  std::vector<group::LeavingMember> leaving;
  if (ctx.version() < 3) {
    leaving.push_back({request.member_id, std::nullopt});
  } else {
    for (auto& m : request.members) leaving.push_back({m.member_id, m.group_instance_id});
  }
  auto result = ctx.services->groups->coordinator().leave_group(request.group_id, leaving);
  protocol::LeaveGroupResponse response;
  response.error_code = to_wire(result.error);
  if (ctx.version() < 3) {
    // One member: its own error is the answer.
    if (result.error == ErrorCode::kNone && !result.members.empty()) {
      response.error_code = to_wire(result.members[0]);
    }
  } else {
    for (size_t i = 0; i < result.members.size(); ++i) {
      decltype(response.members)::value_type out;
      out.member_id = leaving[i].member_id;
      out.group_instance_id = leaving[i].group_instance_id;
      out.error_code = to_wire(result.members[i]);
      response.members.push_back(std::move(out));
    }
  }
  ctx.respond(response);
}

}  // namespace kb::broker
