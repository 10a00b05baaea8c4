// SyncGroup: followers wait for the leader's assignment; the leader's is persisted to
// __consumer_offsets before anyone is answered.
#include "protocol/messages/sync_group.h"
#include "broker/broker_services.h"
#include "broker/group_coordinator_host.h"
#include "broker/handlers/registry.h"
#include "common/error_code.h"

namespace kb::broker {

void handle_sync_group(RequestContext ctx) {
  auto request = decode_body<protocol::SyncGroupRequest>(ctx);
  group::SyncRequest sync;
  sync.group_id = std::move(request.group_id);
  sync.generation = request.generation_id;
  sync.member_id = std::move(request.member_id);
  sync.group_instance_id = std::move(request.group_instance_id);
  for (auto& a : request.assignments) {
    sync.assignments.emplace_back(std::move(a.member_id), std::move(a.assignment));
  }
  ctx.services->groups->coordinator().sync_group(std::move(sync), [ctx](group::SyncResult r) {
    protocol::SyncGroupResponse response;
    response.error_code = to_wire(r.error);
    response.assignment = std::move(r.assignment);
    ctx.respond(response);
  });
}

}  // namespace kb::broker
