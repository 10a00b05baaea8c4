// InitProducerId (idempotent producers only): a new producer id with epoch 0 from this broker's
// block (any broker may answer, as in Kafka, where the transaction coordinator does the same for
// a null transactional id).
//
// Transactions are not implemented: FindCoordinator is not advertised, so a transactional client
// should fail before it gets here. If one sends a transactional id anyway we answer
// UNSUPPORTED_VERSION, the code Kafka itself gives InitProducerId when its cluster cannot run
// transactions (inter.broker.protocol.version below 0.11); unlike NOT_COORDINATOR or
// COORDINATOR_NOT_AVAILABLE it is not retried forever, and unlike
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED it does not blame ACLs. An empty transactional id is
// INVALID_REQUEST, as in Kafka.
#include "protocol/messages/init_producer_id.h"
#include "broker/broker_services.h"
#include "broker/handlers/registry.h"
#include "broker/producer_id_manager.h"
#include "common/error_code.h"

namespace kb::broker {

void handle_init_producer_id(RequestContext ctx) {
  auto request = decode_body<protocol::InitProducerIdRequest>(ctx);
  auto answer = [ctx](ErrorCode error, int64_t producer_id) {
    protocol::InitProducerIdResponse response;
    response.error_code = to_wire(error);
    response.producer_id = error == ErrorCode::kNone ? producer_id : -1;
    response.producer_epoch = error == ErrorCode::kNone ? 0 : -1;
    ctx.respond(response);
  };
  if (request.transactional_id) {
    answer(request.transactional_id->empty() ? ErrorCode::kInvalidRequest
                                             : ErrorCode::kUnsupportedVersion,
           -1);
    return;
  }
  if (ctx.services->producer_ids == nullptr) {
    answer(ErrorCode::kCoordinatorNotAvailable, -1);
    return;
  }
  ctx.services->producer_ids->generate(std::move(answer));
}

}  // namespace kb::broker
