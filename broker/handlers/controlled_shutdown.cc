// ControlledShutdown (broker -> controller): the active controller moves leadership off the
// shutting-down broker and answers with the partitions it still leads (reference §4.7). The
// controller works on its own thread; the answer is sent from its reply callback.
#include "protocol/messages/controlled_shutdown.h"
#include "broker/broker_services.h"
#include "broker/handlers/registry.h"
#include "common/logging.h"
#include "coordinator/controller/runtime/controller.h"

namespace kb::broker {

namespace {

void respond_error(const RequestContext& ctx, ErrorCode error) {
  protocol::ControlledShutdownResponse response;
  response.error_code = to_wire(error);
  ctx.respond(response);
}

}  // namespace

void handle_controlled_shutdown(RequestContext ctx) {
  auto request = decode_body<protocol::ControlledShutdownRequest>(ctx);
  auto& services = *ctx.services;
  KB_LOG_INFO("controller") << "Received ControlledShutdown from broker " << request.broker_id
                            << " (broker epoch " << request.broker_epoch << ")";
  if (services.controller != nullptr && services.controller->is_active()) {
    int64_t epoch = ctx.version() >= 2 ? request.broker_epoch : -1;
    services.controller->controlled_shutdown(
        BrokerId(request.broker_id), BrokerEpoch(epoch),
        [ctx](const coordinator::controller::ControlledShutdownReply& reply) {
          protocol::ControlledShutdownResponse response;
          response.error_code = to_wire(reply.error);
          for (const auto& tp : reply.remaining_partitions) {
            decltype(response.remaining_partitions)::value_type out;
            out.topic_name = tp.topic;
            out.partition_index = tp.partition;
            response.remaining_partitions.push_back(std::move(out));
          }
          ctx.respond(response);
        });
    return;
  }
  respond_error(ctx, coordinator::controller::kControllerMoved);
}

}  // namespace kb::broker
