// Heartbeat: keeps a member's session alive and tells it when a rebalance started.
#include "protocol/messages/heartbeat.h"
#include "broker/broker_services.h"
#include "broker/group_coordinator_host.h"
#include "broker/handlers/registry.h"
#include "common/error_code.h"

namespace kb::broker {

void handle_heartbeat(RequestContext ctx) {
  auto request = decode_body<protocol::HeartbeatRequest>(ctx);
  protocol::HeartbeatResponse response;
  response.error_code = to_wire(ctx.services->groups->coordinator().heartbeat(
      request.group_id, request.member_id, request.group_instance_id, request.generation_id));
  ctx.respond(response);
}

}  // namespace kb::broker
