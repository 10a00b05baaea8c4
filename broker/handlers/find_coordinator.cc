// FindCoordinator: the broker leading the group's partition of __consumer_offsets, which is
// created on first use (COORDINATOR_NOT_AVAILABLE until it exists and has a leader).
#include "protocol/messages/find_coordinator.h"
#include "broker/broker_services.h"
#include "broker/group_coordinator_host.h"
#include "broker/handlers/registry.h"
#include "common/error_code.h"

namespace kb::broker {

namespace {
constexpr int8_t kGroupKeyType = 0;
}

void handle_find_coordinator(RequestContext ctx) {
  auto request = decode_body<protocol::FindCoordinatorRequest>(ctx);
  auto& services = *ctx.services;
  protocol::FindCoordinatorResponse response;
  auto fail = [&](ErrorCode e) {
    response.error_code = to_wire(e);
    response.error_message = std::string(error_name(e));
    response.node_id = -1;
    response.host = "";
    response.port = -1;
    ctx.respond(response);
  };
  if (request.key_type != kGroupKeyType) {
    // Transactions are not supported: there is no transaction coordinator to point at.
    return fail(ErrorCode::kCoordinatorNotAvailable);
  }
  if (request.key.empty()) return fail(ErrorCode::kInvalidGroupId);
  if (!services.groups->ensure_offsets_topic()) return fail(ErrorCode::kCoordinatorNotAvailable);
  auto snapshot = services.metadata->snapshot();
  int32_t partition = services.groups->coordinator().partition_for(request.key);
  const PartitionInfo* p = snapshot->partition(kOffsetsTopic, partition);
  if (p == nullptr || p->leader < 0) return fail(ErrorCode::kCoordinatorNotAvailable);
  for (const auto& b : snapshot->brokers) {
    if (b.id != p->leader) continue;
    response.error_code = 0;
    response.error_message = std::nullopt;
    response.node_id = b.id;
    response.host = b.host;
    response.port = b.port;
    ctx.respond(response);
    return;
  }
  fail(ErrorCode::kCoordinatorNotAvailable);
}

}  // namespace kb::broker
